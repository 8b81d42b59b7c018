/**
 * Lifecycle rules for the backup bucket, as data. The tier order and minimum ages are validated by the config
 * schema (components/config/sections/backup.ts), so this function only shapes an already-valid section.
 */
import type { BackupSection } from "../config/sections/backup";

/** The shape of `aws.s3.BucketLifecycleConfiguration` rules, with plain values so tests need no Pulumi. */
export interface LifecycleRule {
  id: string;
  status: "Enabled" | "Disabled";
  filter: { prefix: string };
  transitions?: { days: number; storageClass: string }[];
  expiration?: { days?: number; expiredObjectDeleteMarker?: boolean };
  noncurrentVersionExpiration?: { noncurrentDays: number };
  abortIncompleteMultipartUpload?: { daysAfterInitiation: number };
}

/** `<stack>/`: every backup key lives under it, and the instance role may write nowhere else. */
export function backupPrefix(stack: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(stack)) {
    throw new Error(`stack name "${stack}" cannot be used as an S3 key prefix: use letters, digits, '.', '_' or '-'`);
  }
  return `${stack}/`;
}

/**
 * Where pre-upgrade backups go: `pre-upgrade/<stack>/`, outside the stack's tiered prefix, because an S3
 * lifecycle filter cannot exclude a sub-prefix and a rollback needs the pre-upgrade state whatever age the
 * tiers give it. The upgrade keeps them until the next successful upgrade replaces them.
 */
export function preUpgradePrefix(stack: string): string {
  return `pre-upgrade/${backupPrefix(stack)}`;
}

/** The rules that would move or expire the current version of `key` (transitions or an age expiration). */
export function rulesAgingKey(rules: LifecycleRule[], key: string): string[] {
  return rules
    .filter((r) => r.status === "Enabled" && key.startsWith(r.filter.prefix))
    .filter((r) => (r.transitions?.length ?? 0) > 0 || r.expiration?.days !== undefined)
    .map((r) => r.id);
}

/**
 * Two rules: the tiers for the stack's backups, and a whole-bucket hygiene rule so uploads abandoned or
 * versions left by anyone (an operator's manual copy outside the prefix, say) do not bill forever.
 */
export function backupLifecycleRules(b: BackupSection, prefix: string): LifecycleRule[] {
  return [
    {
      id: "backups-tiering",
      status: "Enabled",
      filter: { prefix },
      transitions: [
        { days: b.standardIaAfterDays, storageClass: "STANDARD_IA" },
        { days: b.glacierAfterDays, storageClass: b.glacierStorageClass },
      ],
      expiration: { days: b.retentionDays },
      noncurrentVersionExpiration: { noncurrentDays: b.noncurrentVersionExpiryDays },
      abortIncompleteMultipartUpload: { daysAfterInitiation: b.abortIncompleteUploadDays },
    },
    {
      id: "bucket-hygiene",
      status: "Enabled",
      filter: { prefix: "" },
      // Once every version of a key has expired only its delete marker is left: remove it too.
      expiration: { expiredObjectDeleteMarker: true },
      noncurrentVersionExpiration: { noncurrentDays: b.noncurrentVersionExpiryDays },
      abortIncompleteMultipartUpload: { daysAfterInitiation: b.abortIncompleteUploadDays },
    },
  ];
}

/** The access-log bucket keeps logs as long as the backups they describe, tiered the same way to IA. */
export function logLifecycleRules(b: BackupSection): LifecycleRule[] {
  return [
    {
      id: "access-logs",
      status: "Enabled",
      filter: { prefix: "" },
      transitions: [{ days: b.standardIaAfterDays, storageClass: "STANDARD_IA" }],
      expiration: { days: b.retentionDays },
      noncurrentVersionExpiration: { noncurrentDays: b.noncurrentVersionExpiryDays },
      abortIncompleteMultipartUpload: { daysAfterInitiation: b.abortIncompleteUploadDays },
    },
  ];
}
