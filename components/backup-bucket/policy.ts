/**
 * Resource policies of the backup bucket, its KMS key and its access-log bucket, as plain JSON documents.
 * Pure: ARNs in, documents out; the component resolves the ARNs and serialises.
 */

export interface PolicyDocument {
  Version: "2012-10-17";
  Statement: Statement[];
}

export interface Statement {
  Sid: string;
  Effect: "Allow" | "Deny";
  Principal?: "*" | { AWS: string | string[] } | { Service: string };
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface BucketPolicyInput {
  bucketArn: string;
  keyArn: string;
}

/**
 * Deny anything not over TLS, and deny uploads that ask for any encryption other than this bucket's key.
 *
 * Why the encryption denies only fire when the header is PRESENT (Null = "false") rather than the textbook
 * "deny when the header is missing": S3 authorises every UploadPart of a multipart upload as s3:PutObject,
 * and UploadPart never carries x-amz-server-side-encryption (aws-cli #4251, botocore #471). The textbook
 * rule therefore breaks every archive larger than the CLI's 8 MiB multipart threshold. A request without
 * the header is not unencrypted: the bucket's default encryption applies this bucket's KMS key to it. What
 * could bypass the key is an explicit SSE-S3 (AES256), another KMS key or SSE-C, and those are denied here.
 * The stack's own uploads send `--sse aws:kms --sse-kms-key-id <this key>`, so they pass every statement.
 */
/** TLS only (CKV_AWS_379): any request to the bucket or its objects over plain HTTP is denied. */
export function denyInsecureTransport(bucketArn: string): Statement {
  return {
    Sid: "DenyInsecureTransport",
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: [bucketArn, `${bucketArn}/*`],
    Condition: { Bool: { "aws:SecureTransport": "false" } },
  };
}

export function backupBucketPolicy(p: BucketPolicyInput): PolicyDocument {
  const objects = `${p.bucketArn}/*`;
  return {
    Version: "2012-10-17",
    Statement: [
      denyInsecureTransport(p.bucketArn),
      {
        Sid: "DenyNonKmsEncryptionHeader",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:PutObject",
        Resource: objects,
        Condition: {
          StringNotEquals: { "s3:x-amz-server-side-encryption": "aws:kms" },
          Null: { "s3:x-amz-server-side-encryption": "false" },
        },
      },
      {
        Sid: "DenyOtherKmsKeys",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:PutObject",
        Resource: objects,
        Condition: {
          StringNotEquals: { "s3:x-amz-server-side-encryption-aws-kms-key-id": p.keyArn },
          Null: { "s3:x-amz-server-side-encryption-aws-kms-key-id": "false" },
        },
      },
      {
        Sid: "DenyCustomerProvidedKeys",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:PutObject",
        Resource: objects,
        Condition: { Null: { "s3:x-amz-server-side-encryption-customer-algorithm": "false" } },
      },
    ],
  };
}

export interface KeyPolicyInput {
  accountId: string;
  region: string;
  partition?: string;
}

/**
 * The account administers the key and grants its use through IAM (so the instance role's own policy decides
 * who may encrypt); nobody may use it for cryptography except through S3 in this region, so a stolen
 * credential that is allowed kms:Decrypt still cannot decrypt arbitrary ciphertext with it directly.
 */
export function backupKeyPolicy(k: KeyPolicyInput): PolicyDocument {
  const partition = k.partition ?? "aws";
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "AccountAdministersKeyAndDelegatesToIam",
        Effect: "Allow",
        Principal: { AWS: `arn:${partition}:iam::${k.accountId}:root` },
        Action: "kms:*",
        Resource: "*",
      },
      {
        Sid: "CryptographyOnlyThroughS3",
        Effect: "Deny",
        Principal: "*",
        Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*"],
        Resource: "*",
        Condition: { StringNotEquals: { "kms:ViaService": `s3.${k.region}.amazonaws.com` } },
      },
    ],
  };
}

export interface LogBucketPolicyInput {
  logBucketArn: string;
  sourceBucketArn: string;
  accountId: string;
  logPrefix: string;
}

/** S3's logging service may write under the log prefix, only for our bucket and account; TLS only. */
export function logBucketPolicy(p: LogBucketPolicyInput): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      denyInsecureTransport(p.logBucketArn),
      {
        Sid: "S3ServerAccessLogsDelivery",
        Effect: "Allow",
        Principal: { Service: "logging.s3.amazonaws.com" },
        Action: "s3:PutObject",
        Resource: `${p.logBucketArn}/${p.logPrefix}*`,
        Condition: {
          ArnLike: { "aws:SourceArn": p.sourceBucketArn },
          StringEquals: { "aws:SourceAccount": p.accountId },
        },
      },
    ],
  };
}
