// The backup bucket. In @pulumi/aws 7 its settings are separate resources, so these are stack policies:
// a bucket with no linked settings resource is exactly the case a resource policy cannot see.
import { validateResourceOfType, type PolicyResource, type StackValidationArgs } from "@pulumi/policy";
import { Key } from "@pulumi/aws/kms/key";
import { linkedSettings } from "./lib/link";
import { configSchema, type PackPolicy } from "./lib/types";
import { asArray, parseJsonish } from "./lib/util";

export const BUCKET_TYPES = ["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"];
const PAB = ["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"];
const SSE = [
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
];
const VERSIONING = ["aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketVersioningV2:BucketVersioningV2"];
const LIFECYCLE = [
  "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
  "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2",
];
const POLICY = ["aws:s3/bucketPolicy:BucketPolicy"];
const LOGGING = ["aws:s3/bucketLogging:BucketLogging", "aws:s3/bucketLoggingV2:BucketLoggingV2"];

type BucketCheck = (
  bucket: PolicyResource,
  settings: PolicyResource[],
  args: StackValidationArgs,
) => string | undefined;

function perBucket(settingTypes: string[], check: BucketCheck) {
  return (args: StackValidationArgs, report: (m: string, urn?: string) => void) => {
    for (const b of args.resources.filter((r) => BUCKET_TYPES.includes(r.type))) {
      const msg = check(b, linkedSettings(args.resources, b, settingTypes, "bucket"), args);
      if (msg) report(`bucket ${b.name}: ${msg}`, b.urn);
    }
  };
}

const PAB_FIELDS = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"];

export const s3PublicAccessBlock: PackPolicy = {
  name: "s3-public-access-block",
  description: "Requires every bucket to have a public access block with all four settings on.",
  enforcementLevel: "mandatory",
  controls: ["s3/public-access-block"],
  configSchema: configSchema(),
  validateStack: perBucket(PAB, (_b, pabs) => {
    if (pabs.length === 0)
      return "no aws.s3.BucketPublicAccessBlock. Add one with blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets all true.";
    const off = PAB_FIELDS.filter((f) => !pabs.some((p) => p.props[f] === true));
    return off.length ? `public access block leaves ${off.join(", ")} off. Set all four to true.` : undefined;
  }),
};

function sseRulesOk(rules: unknown): boolean {
  return asArray<any>(rules).some((r) => {
    const d = r?.applyServerSideEncryptionByDefault;
    return (
      /^aws:kms(:dsse)?$/.test(String(d?.sseAlgorithm)) &&
      typeof d?.kmsMasterKeyId === "string" &&
      d.kmsMasterKeyId !== "" &&
      // An AWS-managed key's alias (alias/aws/s3) is not a key the stack's key policy controls.
      !/(^|:)alias\/aws\//i.test(d.kmsMasterKeyId)
    );
  });
}

export const s3SseKms: PackPolicy = {
  name: "s3-sse-kms-cmk",
  description: "Requires server-side encryption with a customer-managed KMS key on every bucket.",
  enforcementLevel: "mandatory",
  controls: ["s3/sse-kms"],
  configSchema: configSchema(),
  validateStack: perBucket(SSE, (b, sse) => {
    if (
      sse.some((s) => sseRulesOk(s.props.rules)) ||
      sseRulesOk((b.props.serverSideEncryptionConfiguration as any)?.rules)
    )
      return undefined;
    return sse.length === 0
      ? 'no aws.s3.BucketServerSideEncryptionConfiguration. Add one with sseAlgorithm "aws:kms" and kmsMasterKeyId set to the stack\'s key.'
      : 'encryption does not use a customer-managed KMS key. Set rules[].applyServerSideEncryptionByDefault to { sseAlgorithm: "aws:kms", kmsMasterKeyId: <key arn> }.';
  }),
};

export const s3VersioningEnabled: PackPolicy = {
  name: "s3-versioning-enabled",
  description: "Requires versioning on every bucket so a bad backup cannot overwrite the last good one.",
  enforcementLevel: "mandatory",
  controls: ["s3/versioning"],
  configSchema: configSchema(),
  validateStack: perBucket(VERSIONING, (b, v) => {
    if (
      v.some((x) => (x.props.versioningConfiguration as any)?.status === "Enabled") ||
      (b.props.versioning as any)?.enabled === true
    )
      return undefined;
    return 'versioning is not enabled. Add aws.s3.BucketVersioning with versioningConfiguration.status "Enabled".';
  }),
};

/** Deny statement on aws:SecureTransport=false, the shape Checkov CKV_AWS_379 and AWS docs use. */
export function hasTlsOnlyDeny(doc: unknown): boolean {
  const d = parseJsonish(doc);
  return asArray<any>(d?.Statement).some((s) => {
    if (s?.Effect !== "Deny") return false;
    const cond = s?.Condition?.Bool ?? s?.Condition?.bool;
    const v = cond?.["aws:SecureTransport"];
    return v === false || v === "false" || (Array.isArray(v) && v.map(String).includes("false"));
  });
}

export const s3TlsOnlyPolicy: PackPolicy = {
  name: "s3-tls-only-policy",
  description: "Requires a bucket policy that denies every request not made over TLS.",
  enforcementLevel: "mandatory",
  controls: ["s3/tls-only"],
  configSchema: configSchema(),
  validateStack: perBucket(POLICY, (b, pols) => {
    if (pols.some((p) => hasTlsOnlyDeny(p.props.policy)) || hasTlsOnlyDeny(b.props.policy)) return undefined;
    return 'no bucket policy denies non-TLS access. Add aws.s3.BucketPolicy with a Deny statement on Condition Bool "aws:SecureTransport": "false".';
  }),
};

/** The four lifecycle parts the control asks for; they may be spread over several enabled rules. */
export function lifecycleGaps(rules: unknown): string[] {
  const enabled = asArray<any>(rules).filter((r) => r?.status === "Enabled");
  const gaps: string[] = [];
  if (!enabled.some((r) => asArray(r.transitions).length > 0)) gaps.push("a transition to a cheaper storage class");
  if (!enabled.some((r) => r.expiration && (r.expiration.days || r.expiration.date))) gaps.push("expiration");
  if (!enabled.some((r) => r.noncurrentVersionExpiration?.noncurrentDays)) gaps.push("noncurrentVersionExpiration");
  if (!enabled.some((r) => r.abortIncompleteMultipartUpload?.daysAfterInitiation))
    gaps.push("abortIncompleteMultipartUpload");
  return gaps;
}

export const s3LifecycleRules: PackPolicy = {
  name: "s3-lifecycle-rules",
  description:
    "Requires lifecycle rules with tiering, expiration, noncurrent-version expiry and aborting incomplete uploads.",
  enforcementLevel: "mandatory",
  controls: ["s3/lifecycle"],
  configSchema: configSchema(),
  validateStack: perBucket(LIFECYCLE, (_b, lcs) => {
    if (lcs.length === 0)
      return "no aws.s3.BucketLifecycleConfiguration. Add one with transitions, expiration, noncurrentVersionExpiration and abortIncompleteMultipartUpload.";
    const gaps = lifecycleGaps(lcs.flatMap((l) => asArray(l.props.rules)));
    return gaps.length ? `lifecycle rules lack ${gaps.join(", ")}. Add them to an Enabled rule.` : undefined;
  }),
};

export const s3AccessLogging: PackPolicy = {
  name: "s3-access-logging",
  description: "Recommends server access logging on every bucket that is not itself a log target.",
  enforcementLevel: "advisory",
  controls: ["s3/logging"],
  configSchema: configSchema(),
  validateStack: perBucket(LOGGING, (b, logs, args) => {
    const isTarget = args.resources.some(
      (r) => LOGGING.includes(r.type) && linkedSettings([r], b, LOGGING, "targetBucket").length > 0,
    );
    if (logs.length > 0 || isTarget) return undefined;
    return "no access logging. Add aws.s3.BucketLogging with targetBucket set to a log bucket.";
  }),
};

export const kmsKeyRotation: PackPolicy = {
  name: "kms-key-rotation",
  description: "Requires automatic rotation on symmetric customer-managed KMS keys.",
  enforcementLevel: "mandatory",
  controls: ["kms/rotation"],
  configSchema: configSchema(),
  validateResource: validateResourceOfType(Key, (k, args, report) => {
    const spec = k.customerMasterKeySpec ?? "SYMMETRIC_DEFAULT";
    if (spec !== "SYMMETRIC_DEFAULT") args.notApplicable("AWS rotates only symmetric keys");
    if (k.enableKeyRotation !== true)
      report("enableKeyRotation is not true. Set enableKeyRotation: true (optionally rotationPeriodInDays <= 365).");
  }),
};

export const storagePolicies: PackPolicy[] = [
  s3PublicAccessBlock,
  s3SseKms,
  s3VersioningEnabled,
  s3TlsOnlyPolicy,
  s3LifecycleRules,
  s3AccessLogging,
  kmsKeyRotation,
];
