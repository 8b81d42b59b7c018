/**
 * The off-host backup bucket: versioned, private, SSE-KMS with its own rotating key, lifecycle-tiered,
 * TLS-only, optionally Object-Locked and access-logged. In @pulumi/aws 7 each setting is a separate
 * resource; the decisions (rules, policies) live in lifecycle.ts and policy.ts.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { BackupSection } from "../config/sections/backup";
import { backupLifecycleRules, backupPrefix, logLifecycleRules, type LifecycleRule } from "./lifecycle";
import { backupBucketPolicy, backupKeyPolicy, logBucketPolicy } from "./policy";
import { tagged } from "../tags/tags";

export interface BackupBucketArgs {
  /** Stack name: backups are written under `<stack>/`, the only prefix the instance role may write. */
  readonly stack: string;
  /** The parsed `openclaw:backup` section (tiers, retention, Object Lock, access logging). */
  readonly backup: BackupSection;
  /** Region of the bucket; the key may be used only through S3 in this region. */
  readonly region: string;
  /**
   * Account that administers the key. @default the caller's account (`aws.getCallerIdentity`); pass it when
   * the caller identity call is not available (offline plan, tests).
   */
  readonly accountId?: pulumi.Input<string>;
  /** ARN partition. @default "aws" */
  readonly partition?: string;
  /** Tags for every resource; `Name` is added per resource. @default {} */
  readonly tags?: Record<string, string>;
}

const LOG_PREFIX = "s3-access/";

export class BackupBucket extends pulumi.ComponentResource {
  public readonly bucketName: pulumi.Output<string>;
  public readonly bucketArn: pulumi.Output<string>;
  public readonly keyArn: pulumi.Output<string>;
  /** `<stack>/` */
  public readonly prefix: string;
  /** Set when `backup.accessLogging` is on. */
  public readonly logBucketName?: pulumi.Output<string>;

  constructor(name: string, args: BackupBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    super("openclaw:backup:BackupBucket", name, {}, opts);
    const b = args.backup;
    this.prefix = backupPrefix(args.stack);
    const tags = (n: string) => tagged(args.tags, n);
    const accountId = pulumi.output(args.accountId ?? aws.getCallerIdentityOutput({}, { parent: this }).accountId);

    const key = new aws.kms.Key(
      `${name}-key`,
      {
        description: `OpenClaw backups (${args.stack}): SSE-KMS key of the backup bucket`,
        enableKeyRotation: true,
        // The longest window: a key deleted by mistake makes every backup unreadable.
        deletionWindowInDays: 30,
        policy: accountId.apply((id) =>
          JSON.stringify(backupKeyPolicy({ accountId: id, region: args.region, partition: args.partition })),
        ),
        tags: tags(`${name}-key`),
      },
      { parent: this },
    );
    new aws.kms.Alias(
      `${name}-key-alias`,
      // `openclaw-<stack>-...` like every other name: the deploy role of a stack reaches only that prefix.
      { name: `alias/openclaw-${args.stack}-backup`, targetKeyId: key.keyId },
      { parent: this },
    );

    const bucket = new aws.s3.Bucket(
      `${name}-bucket`,
      {
        // Never delete backups as a side effect of `pulumi destroy` or a replace.
        forceDestroy: false,
        // Object Lock can only be switched on when the bucket is created.
        objectLockEnabled: b.objectLock.enabled ? true : undefined,
        tags: tags(`${name}-bucket`),
      },
      { parent: this },
    );

    const pab = this.publicAccessBlock(`${name}-pab`, bucket);
    const versioning = new aws.s3.BucketVersioning(
      `${name}-versioning`,
      { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } },
      { parent: this },
    );
    new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-sse`,
      {
        bucket: bucket.id,
        // Bucket keys cut KMS requests (and their cost) per object to one per bucket-key period.
        rules: [
          {
            applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: key.arn },
            bucketKeyEnabled: true,
          },
        ],
      },
      { parent: this },
    );
    this.lifecycle(`${name}-lifecycle`, bucket, backupLifecycleRules(b, this.prefix), versioning);
    new aws.s3.BucketPolicy(
      `${name}-policy`,
      {
        bucket: bucket.id,
        policy: pulumi
          .all([bucket.arn, key.arn])
          .apply(([bucketArn, keyArn]) => JSON.stringify(backupBucketPolicy({ bucketArn, keyArn }))),
      },
      // A policy written while the public access block is still being applied can race it.
      { parent: this, dependsOn: [pab] },
    );

    if (b.objectLock.enabled) {
      new aws.s3.BucketObjectLockConfiguration(
        `${name}-object-lock`,
        {
          bucket: bucket.id,
          objectLockEnabled: "Enabled",
          rule: { defaultRetention: { mode: b.objectLock.mode, days: b.objectLock.days } },
        },
        { parent: this, dependsOn: [versioning] },
      );
    }

    if (b.accessLogging) {
      const logBucket = this.logBucket(`${name}-logs`, b, bucket, accountId, tags);
      this.logBucketName = logBucket.bucket;
    }

    this.bucketName = bucket.bucket;
    this.bucketArn = bucket.arn;
    this.keyArn = key.arn;
    this.registerOutputs({
      bucketName: this.bucketName,
      bucketArn: this.bucketArn,
      keyArn: this.keyArn,
      prefix: this.prefix,
      logBucketName: this.logBucketName,
    });
  }

  private publicAccessBlock(name: string, bucket: aws.s3.Bucket): aws.s3.BucketPublicAccessBlock {
    return new aws.s3.BucketPublicAccessBlock(
      name,
      {
        bucket: bucket.id,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      },
      { parent: this },
    );
  }

  private lifecycle(
    name: string,
    bucket: aws.s3.Bucket,
    rules: LifecycleRule[],
    versioning: aws.s3.BucketVersioning,
  ): void {
    // Noncurrent-version rules are rejected by S3 until versioning is on.
    new aws.s3.BucketLifecycleConfiguration(
      name,
      { bucket: bucket.id, rules },
      { parent: this, dependsOn: [versioning] },
    );
  }

  /**
   * Server access logs need a bucket of their own. S3 log delivery cannot write to a bucket whose default
   * encryption is SSE-KMS, so this one uses SSE-S3 (AES256); it holds request metadata, not backup content.
   */
  private logBucket(
    name: string,
    b: BackupSection,
    source: aws.s3.Bucket,
    accountId: pulumi.Output<string>,
    tags: (n: string) => Record<string, string>,
  ): aws.s3.Bucket {
    const logs = new aws.s3.Bucket(name, { forceDestroy: false, tags: tags(name) }, { parent: this });
    const pab = this.publicAccessBlock(`${name}-pab`, logs);
    new aws.s3.BucketOwnershipControls(
      `${name}-ownership`,
      { bucket: logs.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
      { parent: this },
    );
    const versioning = new aws.s3.BucketVersioning(
      `${name}-versioning`,
      { bucket: logs.id, versioningConfiguration: { status: "Enabled" } },
      { parent: this },
    );
    new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-sse`,
      { bucket: logs.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] },
      { parent: this },
    );
    this.lifecycle(`${name}-lifecycle`, logs, logLifecycleRules(b), versioning);
    new aws.s3.BucketPolicy(
      `${name}-policy`,
      {
        bucket: logs.id,
        policy: pulumi
          .all([logs.arn, source.arn, accountId])
          .apply(([logBucketArn, sourceBucketArn, id]) =>
            JSON.stringify(logBucketPolicy({ logBucketArn, sourceBucketArn, accountId: id, logPrefix: LOG_PREFIX })),
          ),
      },
      { parent: this, dependsOn: [pab] },
    );
    new aws.s3.BucketLogging(
      `${name}-logging`,
      { bucket: source.id, targetBucket: logs.id, targetPrefix: LOG_PREFIX },
      { parent: this },
    );
    return logs;
  }
}
