import { runSimulation } from "@cloud-copilot/iam-simulate";
import { describe, expect, it } from "vitest";
import { flowLogsAssumeRolePolicy } from "../../components/network/flow-log-iam";

const acct = "111122223333";
const region = "us-east-1";
const trust = flowLogsAssumeRolePolicy({ partition: "aws", region, accountId: acct });

async function assume(principal: string, ctx: Record<string, string>): Promise<string> {
  const r = await runSimulation(
    {
      request: {
        principal,
        action: "sts:AssumeRole",
        resource: { resource: `arn:aws:iam::${acct}:role/openclaw-prod-flow-logs-a1b2c3d`, accountId: acct },
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

describe("flow-log role trust", () => {
  const own = `arn:aws:ec2:${region}:${acct}:vpc-flow-log/fl-0123456789abcdef0`;
  it.each([
    ["vpc-flow-logs.amazonaws.com", { "aws:SourceAccount": acct, "aws:SourceArn": own }, "Allowed"],
    // Another account's flow log pointed at this role (confused deputy).
    [
      "vpc-flow-logs.amazonaws.com",
      { "aws:SourceAccount": "999988887777", "aws:SourceArn": own.replace(acct, "999988887777") },
      "ImplicitlyDenied",
    ],
    ["vpc-flow-logs.amazonaws.com", {}, "ImplicitlyDenied"],
    [
      "vpc-flow-logs.amazonaws.com",
      { "aws:SourceAccount": acct, "aws:SourceArn": own.replace(region, "eu-west-1") },
      "ImplicitlyDenied",
    ],
    ["lambda.amazonaws.com", { "aws:SourceAccount": acct, "aws:SourceArn": own }, "ImplicitlyDenied"],
  ])("%s with %j -> %s", async (principal, ctx, expected) => {
    expect(await assume(principal, ctx)).toBe(expected);
  });
});
