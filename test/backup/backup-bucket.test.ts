import { describe, expect, it } from "vitest";
import { BackupBucket } from "../../components/backup-bucket/backup-bucket";
import { testConfig } from "../helpers/config";
import { ofType, one, valueOf, withMocks, type RecordedResource } from "../helpers/mocks";

const T = {
  bucket: "aws:s3/bucket:Bucket",
  pab: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
  versioning: "aws:s3/bucketVersioning:BucketVersioning",
  sse: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  lifecycle: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
  policy: "aws:s3/bucketPolicy:BucketPolicy",
  lock: "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
  logging: "aws:s3/bucketLogging:BucketLogging",
  key: "aws:kms/key:Key",
};

async function build(backup: Record<string, unknown> = {}) {
  const cfg = testConfig({ backup });
  return withMocks(
    () =>
      new BackupBucket("backup", {
        stack: "prod",
        backup: cfg.backup,
        region: "us-east-1",
        accountId: "111122223333",
        tags: { "openclaw:stack": "prod" },
      }),
    { stack: "prod" },
  );
}

/** The settings resource of `type` whose `bucket` input is the given bucket's id. */
function linked(resources: RecordedResource[], type: string, bucketName: string): RecordedResource {
  const found = ofType(resources, type).filter(
    (r) =>
      String(r.inputs.bucket).startsWith(`${bucketName}-`) && !String(r.inputs.bucket).startsWith(`${bucketName}-logs`),
  );
  if (found.length !== 1)
    throw new Error(
      `expected one ${type} for ${bucketName}, found ${found.length} (${ofType(resources, type)
        .map((r) => `${r.name}:${r.inputs.bucket}`)
        .join(", ")})`,
    );
  return found[0]!;
}

describe("BackupBucket (defaults)", () => {
  it("registers the bucket and its five separate settings resources, with secure inputs", async () => {
    const { resources, value } = await build();
    const bucket = one(resources, T.bucket);
    expect(bucket.name).toBe("backup-bucket");
    expect(bucket.inputs.forceDestroy).toBe(false);
    expect(bucket.inputs.objectLockEnabled).toBeUndefined();
    expect(bucket.inputs.tags).toMatchObject({ "openclaw:stack": "prod", Name: "backup-bucket" });

    const pab = linked(resources, T.pab, bucket.name).inputs;
    expect([pab.blockPublicAcls, pab.blockPublicPolicy, pab.ignorePublicAcls, pab.restrictPublicBuckets]).toEqual([
      true,
      true,
      true,
      true,
    ]);

    expect(linked(resources, T.versioning, bucket.name).inputs.versioningConfiguration).toEqual({ status: "Enabled" });

    const key = one(resources, T.key).inputs;
    expect(key.enableKeyRotation).toBe(true);
    const keyPolicy = JSON.parse(key.policy);
    expect(keyPolicy.Statement.map((s: any) => s.Sid)).toEqual([
      "AccountAdministersKeyAndDelegatesToIam",
      "CryptographyOnlyThroughS3",
    ]);
    expect(keyPolicy.Statement[0].Principal).toEqual({ AWS: "arn:aws:iam::111122223333:root" });

    const [rule] = linked(resources, T.sse, bucket.name).inputs.rules;
    expect(rule.applyServerSideEncryptionByDefault.sseAlgorithm).toBe("aws:kms");
    expect(rule.applyServerSideEncryptionByDefault.kmsMasterKeyId).toBe(await valueOf(value.keyArn));
    expect(rule.bucketKeyEnabled).toBe(true);

    const rules = linked(resources, T.lifecycle, bucket.name).inputs.rules;
    expect(rules[0].filter).toEqual({ prefix: "prod/" });
    expect(rules[0].transitions).toEqual([
      { days: 30, storageClass: "STANDARD_IA" },
      { days: 90, storageClass: "GLACIER_IR" },
    ]);
    expect(rules[0].expiration).toEqual({ days: 365 });

    const policy = JSON.parse(linked(resources, T.policy, bucket.name).inputs.policy);
    const sids = policy.Statement.map((s: any) => s.Sid);
    expect(sids).toEqual([
      "DenyInsecureTransport",
      "DenyNonKmsEncryptionHeader",
      "DenyOtherKmsKeys",
      "DenyCustomerProvidedKeys",
    ]);
    expect(policy.Statement[0].Condition).toEqual({ Bool: { "aws:SecureTransport": "false" } });
    expect(policy.Statement[2].Condition.StringNotEquals["s3:x-amz-server-side-encryption-aws-kms-key-id"]).toBe(
      await valueOf(value.keyArn),
    );

    expect(ofType(resources, T.lock)).toHaveLength(0);
    expect(ofType(resources, T.logging)).toHaveLength(0);
    expect(value.prefix).toBe("prod/");
    expect(await valueOf(value.bucketName)).toBeTruthy();
  });

  it("names every child after the component and parents it to the component", async () => {
    const { resources } = await build({ accessLogging: true, objectLock: { enabled: true } });
    const children = resources.filter((r) => r.type !== "openclaw:backup:BackupBucket");
    expect(children.length).toBeGreaterThanOrEqual(16);
    for (const r of children) {
      expect(r.name.startsWith("backup-")).toBe(true);
      // A child's URN carries its parent's type: proof of { parent: this }.
      expect(await valueOf(r.resource.urn)).toContain("openclaw:backup:BackupBucket$");
    }
  });
});

describe("BackupBucket options", () => {
  it("Object Lock: enabled at creation and a default retention", async () => {
    const { resources } = await build({ objectLock: { enabled: true, mode: "COMPLIANCE", days: 60 } });
    const bucket = one(resources, T.bucket);
    expect(bucket.inputs.objectLockEnabled).toBe(true);
    expect(linked(resources, T.lock, bucket.name).inputs.rule).toEqual({
      defaultRetention: { mode: "COMPLIANCE", days: 60 },
    });
  });

  it("access logging: a log bucket with its own public access block, encryption, versioning, lifecycle and TLS policy", async () => {
    const { resources } = await build({ accessLogging: true });
    const buckets = ofType(resources, T.bucket);
    expect(buckets.map((b) => b.name).sort()).toEqual(["backup-bucket", "backup-logs"]);
    const logging = one(resources, T.logging).inputs;
    expect(String(logging.bucket)).toMatch(/^backup-bucket-/);
    expect(String(logging.targetBucket)).toMatch(/^backup-logs-/);
    const pab = linked(resources, T.pab, "backup-logs").inputs;
    expect([pab.blockPublicAcls, pab.blockPublicPolicy, pab.ignorePublicAcls, pab.restrictPublicBuckets]).toEqual([
      true,
      true,
      true,
      true,
    ]);
    // S3 log delivery cannot write into an SSE-KMS bucket.
    expect(linked(resources, T.sse, "backup-logs").inputs.rules[0].applyServerSideEncryptionByDefault).toEqual({
      sseAlgorithm: "AES256",
    });
    expect(linked(resources, T.versioning, "backup-logs").inputs.versioningConfiguration.status).toBe("Enabled");
    expect(linked(resources, T.lifecycle, "backup-logs").inputs.rules[0].expiration).toEqual({ days: 365 });
    const policy = JSON.parse(linked(resources, T.policy, "backup-logs").inputs.policy);
    expect(policy.Statement[1].Principal).toEqual({ Service: "logging.s3.amazonaws.com" });
    expect(policy.Statement[1].Condition.StringEquals["aws:SourceAccount"]).toBe("111122223333");
  });
});
