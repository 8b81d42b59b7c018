/**
 * What the VM's instance role may do with the backup bucket. Pure: ARNs in, IAM statements out, so the same
 * statements are simulated in test/backup/iam.test.ts and attached to the role by the VM component.
 *
 * Write: PutObject under `<stack>/` only. No DeleteObject, no PutObject elsewhere, no bucket-level writes:
 * a compromised host can add backups but cannot destroy or rewrite history (versioning keeps an overwritten
 * key's previous version; Object Lock, when on, keeps it for its retention).
 *
 * Read (restore, on by default): GetObject under `<stack>/` and ListBucket restricted to that prefix. Why the
 * host may read its own backups: the restore runbook runs ON the host (SSM session, `sudo restore.sh`), and
 * the alternative, pasting an operator's credentials into that session, is worse. What it exposes is this
 * stack's own history, which is the same kind of data the host already holds live in its state directory.
 * Set `restore: false` to make the role write-only and restore with operator credentials instead.
 */
import type { Statement } from "../backup-bucket/policy";

export const BACKUP_METRIC_NAMESPACE = "OpenClaw/Backup";

export interface BackupAccessInput {
  bucketArn: string;
  keyArn: string;
  /** `<stack>/` */
  prefix: string;
  region: string;
  /** Allow Get/List under the prefix so `restore.sh` works with the instance role. @default true */
  restore?: boolean;
}

export type IamStatement = Omit<Statement, "Principal">;

export function backupInstanceStatements(a: BackupAccessInput): IamStatement[] {
  if (!a.prefix.endsWith("/") || a.prefix === "/" || a.prefix.includes("*")) {
    throw new Error(
      `backup prefix "${a.prefix}" must be "<stack>/": a prefix without the slash would also match "<stack>-other/"`,
    );
  }
  const underPrefix = `${a.bucketArn}/${a.prefix}*`;
  const viaS3 = { StringEquals: { "kms:ViaService": `s3.${a.region}.amazonaws.com` } };
  const statements: IamStatement[] = [
    { Sid: "BackupPutUnderStackPrefix", Effect: "Allow", Action: "s3:PutObject", Resource: underPrefix },
    // GenerateDataKey encrypts a new object; Decrypt is needed too, because S3 decrypts the data key to
    // complete a multipart upload (every archive over 8 MiB).
    {
      Sid: "BackupEncryptWithBucketKey",
      Effect: "Allow",
      Action: ["kms:GenerateDataKey", "kms:Decrypt"],
      Resource: a.keyArn,
      Condition: viaS3,
    },
    // PutMetricData has no resource ARN; the namespace condition is the only scope IAM offers.
    {
      Sid: "BackupSuccessMetric",
      Effect: "Allow",
      Action: "cloudwatch:PutMetricData",
      Resource: "*",
      Condition: { StringEquals: { "cloudwatch:namespace": BACKUP_METRIC_NAMESPACE } },
    },
  ];
  if (a.restore ?? true) {
    statements.push(
      { Sid: "RestoreGetUnderStackPrefix", Effect: "Allow", Action: "s3:GetObject", Resource: underPrefix },
      {
        Sid: "RestoreListStackPrefix",
        Effect: "Allow",
        Action: "s3:ListBucket",
        Resource: a.bucketArn,
        Condition: { StringLike: { "s3:prefix": [a.prefix, `${a.prefix}*`] } },
      },
    );
  }
  return statements;
}
