import { describe, expect, it } from "vitest";
import {
  hasTlsOnlyDeny,
  kmsKeyRotation,
  lifecycleGaps,
  s3AccessLogging,
  s3LifecycleRules,
  s3PublicAccessBlock,
  s3SseKms,
  s3TlsOnlyPolicy,
  s3VersioningEnabled,
} from "../../policies/storage";
import { res, run } from "./helpers";

const B = "aws:s3/bucket:Bucket";
const tlsPolicy = JSON.stringify({
  Version: "2012-10-17",
  Statement: [
    {
      Sid: "TLSOnly",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: ["arn:aws:s3:::backups", "arn:aws:s3:::backups/*"],
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    },
  ],
});
const lifecycleRules = [
  {
    id: "tier",
    status: "Enabled",
    transitions: [{ days: 30, storageClass: "STANDARD_IA" }],
    expiration: { days: 365 },
    noncurrentVersionExpiration: { noncurrentDays: 30 },
    abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
  },
];
/** A fully configured bucket, its settings linked by the bucket name. */
const secureBucket = () => [
  res(B, "backups", { bucket: "backups" }),
  res("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "pab", {
    bucket: "backups",
    blockPublicAcls: true,
    blockPublicPolicy: true,
    ignorePublicAcls: true,
    restrictPublicBuckets: true,
  }),
  res("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "sse", {
    bucket: "backups",
    rules: [
      {
        applyServerSideEncryptionByDefault: {
          sseAlgorithm: "aws:kms",
          kmsMasterKeyId: "arn:aws:kms:eu-west-1:1:key/1",
        },
      },
    ],
  }),
  res("aws:s3/bucketVersioning:BucketVersioning", "ver", {
    bucket: "backups",
    versioningConfiguration: { status: "Enabled" },
  }),
  res("aws:s3/bucketPolicy:BucketPolicy", "pol", { bucket: "backups", policy: tlsPolicy }),
  res("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "lc", {
    bucket: "backups",
    rules: lifecycleRules,
  }),
  res("aws:s3/bucketLogging:BucketLogging", "log", {
    bucket: "backups",
    targetBucket: "logs",
    targetPrefix: "backups/",
  }),
];
const without = (type: string) => secureBucket().filter((r) => r.type !== type);
const replace = (type: string, props: Record<string, any>) =>
  secureBucket().map((r) => (r.type === type ? { ...r, props: { bucket: "backups", ...props } } : r));

const table = [
  {
    policy: s3PublicAccessBlock,
    missing: without("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"),
    missingMsg: /no aws.s3.BucketPublicAccessBlock/,
    weak: replace("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", {
      blockPublicAcls: true,
      blockPublicPolicy: false,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    }),
    weakMsg: /leaves blockPublicPolicy off/,
  },
  {
    policy: s3SseKms,
    missing: without("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"),
    missingMsg: /no aws.s3.BucketServerSideEncryptionConfiguration/,
    weak: replace("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", {
      rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
    }),
    weakMsg: /does not use a customer-managed KMS key/,
  },
  {
    policy: s3VersioningEnabled,
    missing: without("aws:s3/bucketVersioning:BucketVersioning"),
    missingMsg: /versioning is not enabled/,
    weak: replace("aws:s3/bucketVersioning:BucketVersioning", { versioningConfiguration: { status: "Suspended" } }),
    weakMsg: /versioning is not enabled/,
  },
  {
    policy: s3TlsOnlyPolicy,
    missing: without("aws:s3/bucketPolicy:BucketPolicy"),
    missingMsg: /no bucket policy denies non-TLS/,
    weak: replace("aws:s3/bucketPolicy:BucketPolicy", {
      policy: JSON.stringify({ Statement: [{ Effect: "Allow", Principal: "*", Action: "s3:GetObject" }] }),
    }),
    weakMsg: /no bucket policy denies non-TLS/,
  },
  {
    policy: s3LifecycleRules,
    missing: without("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"),
    missingMsg: /no aws.s3.BucketLifecycleConfiguration/,
    weak: replace("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", {
      rules: [{ id: "x", status: "Enabled", expiration: { days: 30 } }],
    }),
    weakMsg: /lack a transition .*noncurrentVersionExpiration, abortIncompleteMultipartUpload/,
  },
  {
    policy: s3AccessLogging,
    missing: without("aws:s3/bucketLogging:BucketLogging"),
    missingMsg: /no access logging/,
    weak: replace("aws:s3/bucketLogging:BucketLogging", { bucket: "other-bucket", targetBucket: "logs" }),
    weakMsg: /no access logging/,
  },
];

describe.each(table)("$policy.name", ({ policy, missing, missingMsg, weak, weakMsg }) => {
  it("passes a fully configured bucket", async () => {
    expect(await run(policy, secureBucket())).toEqual([]);
  });
  it("fails a bucket without the settings resource", async () => {
    const v = await run(policy, missing);
    expect(v).toHaveLength(1);
    expect(v[0].message).toMatch(missingMsg);
    expect(v[0].urn).toBe(secureBucket()[0].urn);
    expect(v[0].level).toBe(policy.enforcementLevel);
  });
  it("fails a bucket whose settings are insecure", async () => {
    const v = await run(policy, weak);
    expect(v).toHaveLength(1);
    expect(v[0].message).toMatch(weakMsg);
  });
  it("fails a BucketV2 the same way", async () => {
    const v2 = missing.map((r) => (r.type === B ? { ...r, type: "aws:s3/bucketV2:BucketV2" } : r));
    expect(await run(policy, v2)).toHaveLength(1);
  });
});

describe("settings linking", () => {
  it("by dependencies wins even when the bucket value is unknown or different", async () => {
    const bucket = res(B, "backups", {}, { id: "backups-1a2b" });
    const pab = res(
      "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
      "pab",
      {
        bucket: "something-else",
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      },
      { dependencies: { bucket: [bucket.urn!] } },
    );
    expect(await run(s3PublicAccessBlock, [bucket, pab])).toEqual([]);
    // Dependencies pointing elsewhere do not link, even if the name matches.
    const otherBucket = res(B, "other", { bucket: "other" }, { id: "other" });
    const otherPab = {
      ...pab,
      props: { ...pab.props, bucket: "backups-1a2b" },
      dependencies: { bucket: [otherBucket.urn!] },
    };
    const v = await run(s3PublicAccessBlock, [bucket, otherBucket, otherPab]);
    expect(v).toHaveLength(1);
    expect(v[0].urn).toBe(bucket.urn);
  });
  it("by the bucket's id when no name or dependency is known", async () => {
    const bucket = res(B, "backups", {}, { id: "backups-1a2b" });
    const pab = res("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "pab", {
      bucket: "backups-1a2b",
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    expect(await run(s3PublicAccessBlock, [bucket, pab])).toEqual([]);
  });
  it("a setting for one bucket does not satisfy another", async () => {
    const v = await run(s3VersioningEnabled, [...secureBucket(), res(B, "second", { bucket: "second" })]);
    expect(v).toHaveLength(1);
    expect(v[0].message).toMatch(/bucket second/);
  });
});

describe("pure helpers", () => {
  it.each([
    [{ Statement: [{ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": false } } }] }, true],
    [{ Statement: [{ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": ["false"] } } }] }, true],
    [{ Statement: [{ Effect: "Allow", Condition: { Bool: { "aws:SecureTransport": "false" } } }] }, false],
    [{ Statement: [{ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "true" } } }] }, false],
  ])("hasTlsOnlyDeny %#", (doc, ok) => expect(hasTlsOnlyDeny(JSON.stringify(doc))).toBe(ok));
  it("lifecycle rules may be spread over rules, disabled rules do not count", () => {
    expect(
      lifecycleGaps([
        { status: "Enabled", transitions: [{ days: 30 }], expiration: { days: 90 } },
        {
          status: "Enabled",
          noncurrentVersionExpiration: { noncurrentDays: 7 },
          abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
        },
      ]),
    ).toEqual([]);
    expect(lifecycleGaps([{ ...lifecycleRules[0], status: "Disabled" }])).toHaveLength(4);
  });
});

describe("kms-key-rotation", () => {
  it("passes rotation on, fails rotation off, skips asymmetric keys", async () => {
    const K = "aws:kms/key:Key";
    expect(await run(kmsKeyRotation, [res(K, "k", { enableKeyRotation: true })])).toEqual([]);
    const v = await run(kmsKeyRotation, [res(K, "k", {})]);
    expect(v[0].message).toMatch(/enableKeyRotation is not true/);
    expect(await run(kmsKeyRotation, [res(K, "k", { customerMasterKeySpec: "RSA_2048" })])).toEqual([]);
  });
});
