import { runSimulation } from "@cloud-copilot/iam-simulate";
import { describe, expect, it } from "vitest";
import {
  instanceSecretStatements,
  keyPolicy,
  lambdaAssumeRolePolicy,
  rotationLambdaPolicy,
} from "../../components/rotating-secret/policies";

const acct = "111122223333";
const region = "us-east-1";
const token = `arn:aws:secretsmanager:${region}:${acct}:secret:openclaw/prod/gateway-token-AbCdEf`;
const providers = `arn:aws:secretsmanager:${region}:${acct}:secret:openclaw/prod/provider-keys-GhIjKl`;
const other = `arn:aws:secretsmanager:${region}:${acct}:secret:openclaw/staging/gateway-token-ZzZzZz`;
const key = `arn:aws:kms:${region}:${acct}:key/11111111-2222-3333-4444-555555555555`;
const otherKey = `arn:aws:kms:${region}:${acct}:key/99999999-2222-3333-4444-555555555555`;
const doc = `arn:aws:ssm:${region}:${acct}:document/openclaw-prod-reload-token`;
const instance = `arn:aws:ec2:${region}:${acct}:instance/i-0123456789abcdef0`;
const lambdaPolicy = rotationLambdaPolicy({
  partition: "aws",
  region,
  accountId: acct,
  tokenSecretArn: token,
  kmsKeyArn: key,
  documentName: "openclaw-prod-reload-token",
  logGroupArn: `arn:aws:logs:${region}:${acct}:log-group:/aws/lambda/openclaw-prod-token-rotation`,
  instanceTags: { "openclaw:stack": "prod", "openclaw:role": "gateway" },
});
// KMS authorizes only when the key policy lets IAM policies grant use of the key: simulate with ours.
const ourKeyPolicy = keyPolicy({
  partition: "aws",
  region,
  accountId: acct,
  logGroupName: "/aws/lambda/openclaw-prod-token-rotation",
});
const instancePolicy = {
  Version: "2012-10-17",
  Statement: instanceSecretStatements({
    region,
    tokenSecretArn: token,
    providerKeysSecretArn: providers,
    kmsKeyArn: key,
  }),
};

async function decide(
  policy: unknown,
  action: string,
  resource: string,
  ctx: Record<string, string | string[]> = {},
): Promise<string> {
  const r = await runSimulation(
    {
      request: {
        principal: `arn:aws:iam::${acct}:role/test`,
        action,
        resource: { resource, accountId: acct },
        contextVariables: ctx,
      },
      identityPolicies: [{ name: "p", policy }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(resource.startsWith("arn:aws:kms:") ? { resourcePolicy: ourKeyPolicy } : {}),
    },
    {},
  );
  if (r.resultType === "error") throw new Error(JSON.stringify(r.errors));
  return r.overallResult;
}

describe("rotation Lambda role", () => {
  it.each([
    ["secretsmanager:DescribeSecret", token, {}, "Allowed"],
    ["secretsmanager:GetSecretValue", token, {}, "Allowed"],
    ["secretsmanager:PutSecretValue", token, {}, "Allowed"],
    ["secretsmanager:UpdateSecretVersionStage", token, {}, "Allowed"],
    ["secretsmanager:PutSecretValue", other, {}, "ImplicitlyDenied"],
    ["secretsmanager:GetSecretValue", providers, {}, "ImplicitlyDenied"],
    ["secretsmanager:DeleteSecret", token, {}, "ImplicitlyDenied"],
    ["secretsmanager:PutResourcePolicy", token, {}, "ImplicitlyDenied"],
    ["kms:Decrypt", key, { "kms:ViaService": `secretsmanager.${region}.amazonaws.com` }, "Allowed"],
    ["kms:GenerateDataKey", key, { "kms:ViaService": `secretsmanager.${region}.amazonaws.com` }, "Allowed"],
    // Only as Secrets Manager's deputy: not directly, not through another service.
    ["kms:Decrypt", key, {}, "ImplicitlyDenied"],
    ["kms:Decrypt", key, { "kms:ViaService": `s3.${region}.amazonaws.com` }, "ImplicitlyDenied"],
    ["kms:Decrypt", otherKey, { "kms:ViaService": `secretsmanager.${region}.amazonaws.com` }, "ImplicitlyDenied"],
    // The command's status is all it reads: no other Run Command's output in the region.
    ["ssm:ListCommands", "*", {}, "Allowed"],
    ["ssm:ListCommandInvocations", "*", {}, "ImplicitlyDenied"],
    ["ssm:GetCommandInvocation", "*", {}, "ImplicitlyDenied"],
    ["kms:ScheduleKeyDeletion", key, {}, "ImplicitlyDenied"],
    ["ssm:SendCommand", doc, {}, "Allowed"],
    ["ssm:SendCommand", `arn:aws:ssm:${region}:${acct}:document/AWS-RunShellScript`, {}, "ImplicitlyDenied"],
    [
      "ssm:SendCommand",
      instance,
      { "ssm:resourceTag/openclaw:stack": "prod", "ssm:resourceTag/openclaw:role": "gateway" },
      "Allowed",
    ],
    [
      "ssm:SendCommand",
      instance,
      { "ssm:resourceTag/openclaw:stack": "staging", "ssm:resourceTag/openclaw:role": "gateway" },
      "ImplicitlyDenied",
    ],
    ["ssm:SendCommand", instance, {}, "ImplicitlyDenied"],
  ])("%s on %s %j -> %s", async (action, resource, ctx, expected) => {
    expect(await decide(lambdaPolicy, action, resource, ctx)).toBe(expected);
  });
});

describe("gateway instance statements", () => {
  const via = { "kms:ViaService": `secretsmanager.${region}.amazonaws.com` };
  it.each([
    ["secretsmanager:GetSecretValue", token, {}, "Allowed"],
    ["secretsmanager:GetSecretValue", providers, {}, "Allowed"],
    ["secretsmanager:GetSecretValue", other, {}, "ImplicitlyDenied"],
    ["secretsmanager:PutSecretValue", token, {}, "ImplicitlyDenied"],
    ["secretsmanager:DeleteSecret", token, {}, "ImplicitlyDenied"],
    ["kms:Decrypt", key, via, "Allowed"],
    ["kms:Decrypt", key, {}, "ImplicitlyDenied"],
    ["kms:Decrypt", otherKey, via, "ImplicitlyDenied"],
    ["kms:Encrypt", key, via, "ImplicitlyDenied"],
  ])("%s on %s %j -> %s", async (action, resource, ctx, expected) => {
    expect(await decide(instancePolicy, action, resource, ctx)).toBe(expected);
  });

  it("drops the provider-keys secret when none is configured", () => {
    expect(instanceSecretStatements({ region, tokenSecretArn: token, kmsKeyArn: key })[0].Resource).toEqual([token]);
  });
});

describe("rotation Lambda trust", () => {
  const fnArn = `arn:aws:lambda:${region}:${acct}:function:openclaw-prod-token-rotation`;
  const trust = lambdaAssumeRolePolicy({
    partition: "aws",
    region,
    accountId: acct,
    functionName: "openclaw-prod-token-rotation",
  });
  async function assume(ctx: Record<string, string>): Promise<string> {
    const r = await runSimulation(
      {
        request: {
          principal: "lambda.amazonaws.com",
          action: "sts:AssumeRole",
          resource: { resource: `arn:aws:iam::${acct}:role/openclaw-prod-secrets-role-a1b2c3d`, accountId: acct },
          contextVariables: ctx,
        },
        identityPolicies: [],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        resourcePolicy: trust,
      },
      {},
    );
    if (r.resultType === "error") throw new Error(JSON.stringify(r.errors));
    return r.overallResult;
  }
  it.each([
    [{ "aws:SourceAccount": acct, "aws:SourceArn": fnArn }, "Allowed"],
    // Another function of the same account (a deployer's new Lambda) cannot take the role.
    [
      { "aws:SourceAccount": acct, "aws:SourceArn": `arn:aws:lambda:${region}:${acct}:function:openclaw-prod-evil` },
      "ImplicitlyDenied",
    ],
    [{ "aws:SourceAccount": "999988887777", "aws:SourceArn": fnArn.replace(acct, "999988887777") }, "ImplicitlyDenied"],
    [{ "aws:SourceAccount": acct }, "ImplicitlyDenied"],
  ])("lambda.amazonaws.com with %j -> %s", async (ctx, expected) => {
    expect(await assume(ctx)).toBe(expected);
  });
  it("conditions on both the source account and the exact function", () => {
    expect(trust.Statement[0].Condition).toEqual({
      StringEquals: { "aws:SourceAccount": acct },
      ArnLike: { "aws:SourceArn": fnArn },
    });
  });
});
