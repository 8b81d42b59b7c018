import { runSimulation } from "@cloud-copilot/iam-simulate";
import { describe, expect, it } from "vitest";
import { backupBucketPolicy, backupKeyPolicy } from "../../components/backup-bucket/policy";
import { backupInstanceStatements } from "../../components/backup/iam";

const acct = "111122223333";
const region = "us-east-1";
const bucketArn = "arn:aws:s3:::openclaw-backup-prod-abc123";
const otherBucketArn = "arn:aws:s3:::someone-elses-bucket";
const key = `arn:aws:kms:${region}:${acct}:key/11111111-2222-3333-4444-555555555555`;
const otherKey = `arn:aws:kms:${region}:${acct}:key/99999999-2222-3333-4444-555555555555`;
const role = `arn:aws:iam::${acct}:role/openclaw-prod-gateway`;
const viaS3 = { "kms:ViaService": `s3.${region}.amazonaws.com` };

const doc = (restore?: boolean) => ({
  Version: "2012-10-17",
  Statement: backupInstanceStatements({ bucketArn, keyArn: key, prefix: "prod/", region, restore }),
});
const bucketPolicy = backupBucketPolicy({ bucketArn, keyArn: key });
const keyPolicy = backupKeyPolicy({ accountId: acct, region });

async function decide(
  policy: unknown,
  action: string,
  resource: string,
  ctx: Record<string, string | string[]> = {},
  resourcePolicy?: unknown,
): Promise<string> {
  const r = await runSimulation(
    {
      request: { principal: role, action, resource: { resource, accountId: acct }, contextVariables: ctx },
      identityPolicies: [{ name: "backup", policy }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      // KMS authorizes only when the key policy lets IAM policies grant the key's use: simulate with ours.
      ...(resourcePolicy
        ? { resourcePolicy }
        : resource.startsWith("arn:aws:kms:")
          ? { resourcePolicy: keyPolicy }
          : {}),
    },
    {},
  );
  if (r.resultType === "error") throw new Error(JSON.stringify(r.errors));
  return r.overallResult;
}

const obj = (k: string, b = bucketArn) => `${b}/${k}`;
const tls = { "aws:SecureTransport": "true" };

describe("instance role: writes only under its prefix", () => {
  it.each([
    ["s3:PutObject", obj("prod/2026/05/09/host-20260509T030000Z.tar.gz"), {}, "Allowed"],
    ["s3:PutObject", obj("prod/2026/05/09/host-20260509T030000Z.tar.gz.sha256"), {}, "Allowed"],
    ["s3:PutObject", obj("staging/2026/05/09/x.tar.gz"), {}, "ImplicitlyDenied"],
    // "prod/" must not also match "prod-other/": the prefix carries its slash.
    ["s3:PutObject", obj("prod-other/x.tar.gz"), {}, "ImplicitlyDenied"],
    ["s3:PutObject", obj("x.tar.gz"), {}, "ImplicitlyDenied"],
    ["s3:PutObject", obj("prod/x.tar.gz", otherBucketArn), {}, "ImplicitlyDenied"],
    ["s3:DeleteObject", obj("prod/2026/05/09/x.tar.gz"), {}, "ImplicitlyDenied"],
    ["s3:DeleteObjectVersion", obj("prod/2026/05/09/x.tar.gz"), {}, "ImplicitlyDenied"],
    ["s3:PutBucketPolicy", bucketArn, {}, "ImplicitlyDenied"],
    ["s3:PutLifecycleConfiguration", bucketArn, {}, "ImplicitlyDenied"],
    ["s3:PutBucketVersioning", bucketArn, {}, "ImplicitlyDenied"],
    ["s3:BypassGovernanceRetention", obj("prod/x.tar.gz"), {}, "ImplicitlyDenied"],
    ["kms:GenerateDataKey", key, viaS3, "Allowed"],
    ["kms:Decrypt", key, viaS3, "Allowed"],
    // Outside S3 the key policy itself denies: explicit, whatever an IAM policy says.
    ["kms:GenerateDataKey", key, {}, "ExplicitlyDenied"],
    ["kms:GenerateDataKey", otherKey, viaS3, "ImplicitlyDenied"],
    ["kms:ScheduleKeyDeletion", key, viaS3, "ImplicitlyDenied"],
    ["cloudwatch:PutMetricData", "*", { "cloudwatch:namespace": "OpenClaw/Backup" }, "Allowed"],
    ["cloudwatch:PutMetricData", "*", { "cloudwatch:namespace": "AWS/EC2" }, "ImplicitlyDenied"],
  ])("%s on %s %j -> %s", async (action, resource, ctx, expected) => {
    expect(await decide(doc(), action, resource, ctx)).toBe(expected);
  });
});

describe("instance role: restore reads only its own prefix", () => {
  it.each([
    [true, "s3:GetObject", obj("prod/2026/05/09/x.tar.gz"), {}, "Allowed"],
    [true, "s3:GetObject", obj("staging/2026/05/09/x.tar.gz"), {}, "ImplicitlyDenied"],
    [true, "s3:ListBucket", bucketArn, { "s3:prefix": "prod/" }, "Allowed"],
    [true, "s3:ListBucket", bucketArn, { "s3:prefix": "prod/2026/" }, "Allowed"],
    [true, "s3:ListBucket", bucketArn, { "s3:prefix": "staging/" }, "ImplicitlyDenied"],
    [true, "s3:ListBucket", bucketArn, {}, "ImplicitlyDenied"],
    [true, "s3:ListBucket", otherBucketArn, { "s3:prefix": "prod/" }, "ImplicitlyDenied"],
    [false, "s3:GetObject", obj("prod/2026/05/09/x.tar.gz"), {}, "ImplicitlyDenied"],
    [false, "s3:ListBucket", bucketArn, { "s3:prefix": "prod/" }, "ImplicitlyDenied"],
  ])("restore=%s: %s on %s %j -> %s", async (restore, action, resource, ctx, expected) => {
    expect(await decide(doc(restore), action, resource, ctx)).toBe(expected);
  });

  it("rejects a prefix without its trailing slash", () => {
    expect(() => backupInstanceStatements({ bucketArn, keyArn: key, prefix: "prod", region })).toThrow(
      /must be "<stack>\/"/,
    );
  });
});

describe("bucket policy on the instance's uploads", () => {
  const put = obj("prod/2026/05/09/x.tar.gz");
  it.each([
    [
      "the stack's own upload (aws:kms + this key, TLS)",
      { ...tls, "s3:x-amz-server-side-encryption": "aws:kms", "s3:x-amz-server-side-encryption-aws-kms-key-id": key },
      "Allowed",
    ],
    // An UploadPart carries no encryption header; default encryption applies the bucket key.
    ["a multipart part without headers (TLS)", { ...tls }, "Allowed"],
    [
      "plain HTTP",
      {
        "aws:SecureTransport": "false",
        "s3:x-amz-server-side-encryption": "aws:kms",
        "s3:x-amz-server-side-encryption-aws-kms-key-id": key,
      },
      "ExplicitlyDenied",
    ],
    ["SSE-S3 requested", { ...tls, "s3:x-amz-server-side-encryption": "AES256" }, "ExplicitlyDenied"],
    [
      "another KMS key",
      {
        ...tls,
        "s3:x-amz-server-side-encryption": "aws:kms",
        "s3:x-amz-server-side-encryption-aws-kms-key-id": otherKey,
      },
      "ExplicitlyDenied",
    ],
    ["SSE-C", { ...tls, "s3:x-amz-server-side-encryption-customer-algorithm": "AES256" }, "ExplicitlyDenied"],
  ])("%s", async (_name, ctx, expected) => {
    expect(await decide(doc(), "s3:PutObject", put, ctx, bucketPolicy)).toBe(expected);
  });
});

describe("key policy", () => {
  it.each([
    ["kms:GenerateDataKey through S3", "kms:GenerateDataKey", viaS3, "Allowed"],
    ["kms:Decrypt called directly, not through S3", "kms:Decrypt", {}, "ExplicitlyDenied"],
    [
      "kms:Decrypt through another service",
      "kms:Decrypt",
      { "kms:ViaService": `secretsmanager.${region}.amazonaws.com` },
      "ExplicitlyDenied",
    ],
  ])("%s", async (_name, action, ctx, expected) => {
    expect(await decide(doc(), action, key, ctx, keyPolicy)).toBe(expected);
  });
});
