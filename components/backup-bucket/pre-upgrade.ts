/**
 * What the host's upgrade transaction may do in the backup bucket: write and read its pre-upgrade backups
 * under `pre-upgrade/<stack>/` (lifecycle.ts keeps that prefix out of every expiring tier). Like the scheduled
 * backups: no delete, so a compromised host cannot remove the way back; an overwritten key's previous version
 * stays until the bucket's noncurrent-version expiry. The bucket key's use is granted with the backups'.
 */
import type { Statement } from "./policy";
import { preUpgradePrefix } from "./lifecycle";

export function preUpgradeInstanceStatements(a: { bucketArn: string; stack: string }): Omit<Statement, "Principal">[] {
  const prefix = preUpgradePrefix(a.stack);
  return [
    {
      Sid: "PreUpgradeBackupsReadWrite",
      Effect: "Allow",
      Action: ["s3:PutObject", "s3:GetObject"],
      Resource: `${a.bucketArn}/${prefix}*`,
    },
    {
      Sid: "PreUpgradeBackupsList",
      Effect: "Allow",
      Action: "s3:ListBucket",
      Resource: a.bucketArn,
      Condition: { StringLike: { "s3:prefix": [prefix, `${prefix}*`] } },
    },
  ];
}
