import { describe, expect, it } from "vitest";
import { highEntropyValues } from "../../policies/lib/util";
import {
  iamDocumentProblems,
  iamLeastPrivilege,
  lambdaEnvNoSecrets,
  lambdaNoPublicInvoke,
  lambdaOperationalHygiene,
  rotationDays,
  secretCmkEncryption,
  secretRotationEnabled,
  secretRotationInterval,
} from "../../policies/secrets";
import { res, run } from "./helpers";

const S = "aws:secretsmanager/secret:Secret";
const SR = "aws:secretsmanager/secretRotation:SecretRotation";
const F = "aws:lambda/function:Function";
const secretArn = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:openclaw/gateway-token-AbCdEf";

describe("secret-rotation-enabled", () => {
  const secret = res(
    S,
    "token",
    { name: "openclaw/gateway-token", kmsKeyId: "arn:aws:kms:eu-west-1:1:key/1" },
    { id: secretArn },
  );
  it.each([
    ["secret ARN", { secretId: secretArn }],
    ["secret name", { secretId: "openclaw/gateway-token" }],
  ])("passes a rotation linked by %s", async (_n, props) => {
    expect(
      await run(secretRotationEnabled, [
        secret,
        res(SR, "rot", { ...props, rotationRules: { automaticallyAfterDays: 30 } }),
      ]),
    ).toEqual([]);
  });
  it("passes a rotation linked by dependency only", async () => {
    expect(
      await run(secretRotationEnabled, [
        secret,
        res(
          SR,
          "rot",
          { rotationRules: { automaticallyAfterDays: 30 } },
          { dependencies: { secretId: [secret.urn!] } },
        ),
      ]),
    ).toEqual([]);
  });
  it("fails a secret with no rotation, or a rotation of another secret", async () => {
    for (const rs of [[], [res(SR, "rot", { secretId: "other", rotationRules: { automaticallyAfterDays: 30 } })]]) {
      const v = await run(secretRotationEnabled, [secret, ...rs]);
      expect(v).toHaveLength(1);
      expect(v[0]).toMatchObject({ urn: secret.urn, level: "mandatory" });
      expect(v[0].message).toMatch(/secret token has no aws.secretsmanager.SecretRotation/);
    }
  });
});

describe("secret-rotation-interval", () => {
  it.each([
    [{ automaticallyAfterDays: 30 }, null],
    [{ scheduleExpression: "rate(7 days)" }, null],
    [{ automaticallyAfterDays: 91 }, /91 days exceeds 90/],
    [{ scheduleExpression: "rate(120 days)" }, /120 days exceeds 90/],
    [{}, /no schedule/],
  ])("%j", async (rules, msg) => {
    const v = await run(secretRotationInterval, [res(SR, "rot", { secretId: secretArn, rotationRules: rules })]);
    if (msg === null) expect(v).toEqual([]);
    else expect(v[0].message).toMatch(msg);
  });
  it("rotationDays reads hours too", () => expect(rotationDays({ scheduleExpression: "rate(48 hours)" })).toBe(2));
});

describe("secret-cmk-encryption", () => {
  it("advises a customer key", async () => {
    expect(await run(secretCmkEncryption, [res(S, "s", { kmsKeyId: "arn:aws:kms:eu-west-1:1:key/1" })])).toEqual([]);
    const v = await run(secretCmkEncryption, [res(S, "s", {})]);
    expect(v[0]).toMatchObject({ level: "advisory" });
    expect(v[0].message).toMatch(/kmsKeyId is not a customer-managed key/);
  });
});

describe("lambda-no-public-invoke", () => {
  const P = "aws:lambda/permission:Permission";
  it.each([
    [
      {
        action: "lambda:InvokeFunction",
        function: "rotate",
        principal: "secretsmanager.amazonaws.com",
        sourceArn: secretArn,
      },
      null,
    ],
    [{ action: "lambda:InvokeFunction", function: "rotate", principal: "*" }, /principal is "\*"/],
    [
      { action: "lambda:InvokeFunction", function: "rotate", principal: "secretsmanager.amazonaws.com" },
      /has no sourceArn/,
    ],
  ])("permission %#", async (props, msg) => {
    const v = await run(lambdaNoPublicInvoke, [res(P, "p", props)]);
    if (msg === null) expect(v).toEqual([]);
    else expect(v[0].message).toMatch(msg);
  });
  it("function URL without auth", async () => {
    const v = await run(lambdaNoPublicInvoke, [
      res("aws:lambda/functionUrl:FunctionUrl", "u", { functionName: "rotate", authorizationType: "NONE" }),
    ]);
    expect(v[0].message).toMatch(/function URL is public/);
  });
});

const secureFn = {
  name: "openclaw-rotate",
  role: "arn:aws:iam::1:role/r",
  runtime: "nodejs20.x",
  handler: "index.handler",
  kmsKeyArn: "arn:aws:kms:eu-west-1:1:key/1",
  reservedConcurrentExecutions: 1,
  tracingConfig: { mode: "Active" },
  deadLetterConfig: { targetArn: "arn:aws:sqs:eu-west-1:1:dlq" },
  environment: { variables: { SECRET_ARN: secretArn, LOG_LEVEL: "info" } },
};

describe("lambda-operational-hygiene", () => {
  const logGroup = res("aws:cloudwatch/logGroup:LogGroup", "lg", {
    name: "/aws/lambda/openclaw-rotate",
    retentionInDays: 30,
  });
  it("passes a function with DLQ, concurrency, retention and tracing", async () => {
    expect(await run(lambdaOperationalHygiene, [res(F, "rotate", secureFn), logGroup])).toEqual([]);
  });
  it("an Errors alarm counts instead of a DLQ", async () => {
    const fn = res(F, "rotate", { ...secureFn, deadLetterConfig: undefined });
    const alarm = res("aws:cloudwatch/metricAlarm:MetricAlarm", "a", {
      namespace: "AWS/Lambda",
      metricName: "Errors",
      dimensions: { FunctionName: "openclaw-rotate" },
      comparisonOperator: "GreaterThanThreshold",
      evaluationPeriods: 1,
    });
    expect(await run(lambdaOperationalHygiene, [fn, logGroup, alarm])).toEqual([]);
  });
  it("lists everything missing", async () => {
    const v = await run(lambdaOperationalHygiene, [res(F, "rotate", { role: "r" })]);
    expect(v[0].message).toMatch(
      /dead-letter queue or an Errors alarm, reservedConcurrentExecutions, a log group with retentionInDays, tracingConfig.mode "Active"/,
    );
  });
});

describe("lambda-env-no-secrets", () => {
  it("passes ARNs in encrypted env", async () =>
    expect(await run(lambdaEnvNoSecrets, [res(F, "f", secureFn)])).toEqual([]));
  it("fails env without kmsKeyArn", async () => {
    const v = await run(lambdaEnvNoSecrets, [res(F, "f", { ...secureFn, kmsKeyArn: undefined })]);
    expect(v[0].message).toMatch(/kmsKeyArn is not/);
  });
  it("fails a literal token", async () => {
    const v = await run(lambdaEnvNoSecrets, [
      res(F, "f", { ...secureFn, environment: { variables: { GATEWAY_TOKEN: "abc123abc123abc123" } } }),
    ]);
    expect(v[0].message).toMatch(/GATEWAY_TOKEN hold a secret value/);
  });
});

describe("iam-least-privilege", () => {
  const doc = (Statement: unknown[]) => JSON.stringify({ Version: "2012-10-17", Statement });
  const scoped = doc([
    {
      Effect: "Allow",
      Action: ["secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue"],
      Resource: secretArn,
    },
    { Effect: "Allow", Action: "secretsmanager:GetRandomPassword", Resource: "*" },
  ]);
  const shapes = (policy: string) => [
    res("aws:iam/policy:Policy", "p", { policy }),
    res("aws:iam/rolePolicy:RolePolicy", "rp", { role: "r", policy }),
    res("aws:iam/role:Role", "r", { assumeRolePolicy: "{}", inlinePolicies: [{ name: "i", policy }] }),
  ];
  it("passes scoped statements in every shape", async () => {
    expect(await run(iamLeastPrivilege, shapes(scoped))).toEqual([]);
  });
  it.each([
    [[{ Effect: "Allow", Action: "*", Resource: "*" }], /allows "\*" on "\*"/],
    [[{ Effect: "Allow", Action: "iam:*", Resource: "arn:aws:iam::1:role/x" }], /allows iam:\*/],
    [
      [{ Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: "*" }],
      /secretsmanager:GetSecretValue on "\*"/,
    ],
    [[{ Effect: "Allow", Action: "s3:PutObject", Resource: ["*"] }], /s3:PutObject on "\*"/],
  ])("fails %j in every shape", async (statements, msg) => {
    const v = await run(iamLeastPrivilege, shapes(doc(statements)));
    expect(v).toHaveLength(3);
    for (const x of v) expect(x.message).toMatch(msg);
  });
  it("accepts an object document too", () => {
    expect(iamDocumentProblems({ Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] })).toHaveLength(1);
  });
});

describe("secret-rotation-enabled: short-lived tailnet keys", () => {
  const secret = res(S, "tailnet-key-secret", { kmsKeyId: "k" }, { id: "ts-secret-id" });
  const key = (props: Record<string, any>) => res("tailscale:index/tailnetKey:TailnetKey", "key", props);
  const version = (k: ReturnType<typeof key>) =>
    res(
      "aws:secretsmanager/secretVersion:SecretVersion",
      "v",
      { secretId: "ts-secret-id", secretString: "tskey" },
      { dependencies: { secretString: [k.urn!], secretId: [secret.urn!] } },
    );
  it("a secret holding only a single-use key that expires within a day needs no rotation", async () => {
    const k = key({ reusable: false, expiry: 3600, preauthorized: true, tags: ["tag:x"] });
    expect(await run(secretRotationEnabled, [secret, k, version(k)])).toEqual([]);
  });
  it.each([
    ["a reusable key", { reusable: true, expiry: 3600 }],
    ["a key valid for 90 days", { reusable: false, expiry: 7776000 }],
  ])("%s still needs rotation", async (_n, props) => {
    const k = key(props);
    expect(await run(secretRotationEnabled, [secret, k, version(k)])).toHaveLength(1);
  });
  it("a value that does not come from a tailnet key still needs rotation", async () => {
    const v = res("aws:secretsmanager/secretVersion:SecretVersion", "v", {
      secretId: "ts-secret-id",
      secretString: "literal",
    });
    expect(await run(secretRotationEnabled, [secret, v])).toHaveLength(1);
  });
});

describe("iam-least-privilege: actions AWS cannot scope", () => {
  it("allows ssm:GetCommandInvocation on * but not ssm:SendCommand", () => {
    expect(
      iamDocumentProblems({
        Statement: [
          { Effect: "Allow", Action: ["ssm:GetCommandInvocation", "ssm:ListCommandInvocations"], Resource: "*" },
        ],
      }),
    ).toEqual([]);
    expect(
      iamDocumentProblems({ Statement: [{ Effect: "Allow", Action: ["ssm:SendCommand"], Resource: "*" }] }),
    ).toEqual(['Statement[0] allows ssm:SendCommand on "*"']);
  });
});

describe("secret-rotation-enabled: exemptSecrets", () => {
  it("exempts only the named secret", async () => {
    const a = res(S, "hash", { name: "a" });
    const b = res(S, "other", { name: "b" });
    const v = await run(secretRotationEnabled, [a, b], {
      config: { "secret-rotation-enabled": { exemptSecrets: ["hash"], reason: "operator-set hash" } },
    });
    expect(v.map((x) => x.urn)).toEqual([b.urn]);
  });
});

describe("secret detection by value shape", () => {
  it.each([
    [
      "a release archive named in a log line",
      'echo "aws-cli install: awscli-exe-linux-x86_64-2.22.35.zip verified"',
      [],
    ],
    ["a key file name", "signer: release-2026.11.30-AbC123.asc", []],
    ["a random value", "install: aGveYQUJDMpiLAAKCRCmMQrMRnJHXKBYD9Ab0qQdGiO5", ["install"]],
    ["a random value that ends like a file name", "token=aGveYQUJDMpiLAAKCRCmMQrMRnJHXKBYD9Ab0qQd.GiO5", ["token"]],
  ])("%s", (_what, text, keys) => {
    expect(highEntropyValues(text)).toEqual(keys);
  });
});
