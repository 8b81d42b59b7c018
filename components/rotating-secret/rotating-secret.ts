/**
 * The gateway token in Secrets Manager, rotated by a Lambda, plus the provider API keys beside it.
 *
 * The token never passes through Pulumi: the secret is created empty and `rotateImmediately` makes the
 * rotation function create the first version. Provider keys come from the stack's secret config and are
 * stored as `pulumi.secret` values only. Decisions live in pure modules beside this file
 * (policies.ts, host-scripts.ts, host-addon.ts); this class only turns them into resources.
 */
import { gatewayInstanceTags, tagged } from "../tags/tags";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { providerKeyEnv, type SecretConfigKey } from "../config/schema";
import { bundleRotationHandler } from "./bundle";
import { handlerEnv } from "./handler/index";
import { hostPaths, rotationTimeouts } from "./host-scripts";
import { GATEWAY_METRIC_NAMESPACE } from "../observability/policies";
import { keyPolicy, lambdaAssumeRolePolicy, reloadDocumentContent, rotationLambdaPolicy } from "./policies";

export interface RotatingSecretArgs {
  /** Stack name; names the secrets `openclaw/<stack>/...` and the SSM document. Required. */
  stack: string;
  /** AWS region the stack deploys to (rendered into ARNs and the key policy). Required. */
  region: string;
  /** Tags for every resource. @default {} */
  tags?: Record<string, string>;
  /** Days between rotations: `openclaw:rotation.days`, already limited to 1–90 (CKV_AWS_304) by the config schema. */
  rotationDays: number;
  /**
   * `openclaw:rotation.enabled`. Must be true: the rotation function is also what creates the first
   * token, so a token secret without rotation would stay empty. @default true
   */
  rotationEnabled?: boolean;
  /** The stack's secret config values; only provider keys (see `providerKeyEnv`) are used. @default {} */
  providerKeys?: Partial<Record<SecretConfigKey, pulumi.Input<string>>>;
  /** SNS topic for the rotation-error alarm. @default none: no alarm is created (say so in the plan). */
  alarmTopicArn?: pulumi.Input<string>;
  /**
   * Permissions boundary (policy ARN) every IAM role created here carries; the deploy role may create
   * roles only with it.
   */
  permissionsBoundary?: pulumi.Input<string>;
  /** Tags of the gateway instance(s) that SSM delivery targets. @default gatewayInstanceTags(stack) */
  instanceTags?: Record<string, string>;
  /** Deleted secrets stay recoverable this long, 7–30. @default 7 */
  recoveryWindowInDays?: number;
  /** Retention of the function's logs (CKV_AWS_338 wants a year). @default 365 */
  logRetentionDays?: number;
}

export function rotationFunctionName(stack: string): string {
  return `openclaw-${stack}-token-rotation`;
}
export function reloadDocumentName(stack: string): string {
  return `openclaw-${stack}-reload-token`;
}

/** Provider keys as `{ ENV_NAME: value }`, or undefined when none is set. Pure. */
export function providerKeyEntries<T>(keys: Partial<Record<SecretConfigKey, T>>): [string, T][] {
  return Object.entries(keys)
    .filter(([k, v]) => v !== undefined && providerKeyEnv[k as SecretConfigKey] !== undefined)
    .map(([k, v]) => [providerKeyEnv[k as SecretConfigKey] as string, v as T] as [string, T])
    .sort(([a], [b]) => a.localeCompare(b));
}

export class RotatingSecret extends pulumi.ComponentResource {
  readonly tokenSecretArn: pulumi.Output<string>;
  readonly providerKeysSecretArn: pulumi.Output<string | undefined>;
  readonly kmsKeyArn: pulumi.Output<string>;
  readonly functionArn: pulumi.Output<string>;
  readonly reloadDocumentName: pulumi.Output<string>;
  /** Rotation-error alarm name, or undefined when no topic was given. */
  readonly alarmName: pulumi.Output<string | undefined>;

  constructor(name: string, args: RotatingSecretArgs, opts?: pulumi.ComponentResourceOptions) {
    super("openclaw:rotating-secret:RotatingSecret", name, {}, opts);
    const days = args.rotationDays;
    if (args.rotationEnabled === false) {
      throw new pulumi.ResourceError(
        "openclaw:rotation.enabled = false: the gateway token is created and renewed only by the rotation function; set it to true (policy secret-rotation-enabled requires it)",
        this,
      );
    }
    const recovery = args.recoveryWindowInDays ?? 7;
    if (!Number.isInteger(recovery) || recovery < 7 || recovery > 30) {
      throw new pulumi.ResourceError(
        `recoveryWindowInDays = ${recovery}: must be 7–30 so a deleted token can be recovered`,
        this,
      );
    }
    const p = { parent: this };
    const tags = (n: string) => tagged(args.tags, n);
    const instanceTags = args.instanceTags ?? gatewayInstanceTags(args.stack);
    const fnName = rotationFunctionName(args.stack);
    const logGroupName = `/aws/lambda/${fnName}`;
    const docName = reloadDocumentName(args.stack);
    const identity = aws.getCallerIdentityOutput({}, p);
    const partition = aws.getPartitionOutput({}, p).partition;

    const key = new aws.kms.Key(
      `${name}-key`,
      {
        description: `OpenClaw ${args.stack}: gateway token, provider keys and rotation logs`,
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        policy: pulumi
          .all([partition, identity.accountId])
          .apply(([part, acct]) =>
            JSON.stringify(keyPolicy({ partition: part, region: args.region, accountId: acct, logGroupName })),
          ),
        tags: tags(`${name}-key`),
      },
      p,
    );
    new aws.kms.Alias(`${name}-key-alias`, { name: `alias/openclaw-${args.stack}-secrets`, targetKeyId: key.keyId }, p);

    const token = new aws.secretsmanager.Secret(
      `${name}-token`,
      {
        name: `openclaw/${args.stack}/gateway-token`,
        description: "OpenClaw gateway token. Created and rotated only by the rotation function; never set by hand.",
        kmsKeyId: key.arn,
        recoveryWindowInDays: recovery,
        tags: tags(`${name}-token`),
      },
      p,
    );

    const entries = providerKeyEntries(args.providerKeys ?? {});
    let providerSecret: aws.secretsmanager.Secret | undefined;
    if (entries.length > 0) {
      providerSecret = new aws.secretsmanager.Secret(
        `${name}-provider-keys`,
        {
          name: `openclaw/${args.stack}/provider-keys`,
          description:
            "OpenClaw LLM provider API keys (JSON of env name to key). Rotated at the provider; see docs/secrets.md.",
          kmsKeyId: key.arn,
          recoveryWindowInDays: recovery,
          tags: tags(`${name}-provider-keys`),
        },
        p,
      );
      const names = entries.map(([env]) => env);
      new aws.secretsmanager.SecretVersion(
        `${name}-provider-keys-value`,
        {
          secretId: providerSecret.id,
          secretString: pulumi.secret(
            pulumi
              .all(entries.map(([, v]) => v))
              .apply((vals) => JSON.stringify(Object.fromEntries(names.map((n, i) => [n, vals[i]])))),
          ),
        },
        p,
      );
    }

    const logGroup = new aws.cloudwatch.LogGroup(
      `${name}-logs`,
      {
        name: logGroupName,
        retentionInDays: args.logRetentionDays ?? 365,
        kmsKeyId: key.arn,
        tags: tags(`${name}-logs`),
      },
      p,
    );

    const document = new aws.ssm.Document(
      `${name}-reload-doc`,
      {
        name: docName,
        documentType: "Command",
        documentFormat: "JSON",
        content: reloadDocumentContent(hostPaths.reloadScript, rotationTimeouts),
        tags: tags(docName),
      },
      p,
    );

    const role = new aws.iam.Role(
      `${name}-role`,
      {
        assumeRolePolicy: pulumi
          .all([partition, identity.accountId])
          .apply(([part, acct]) =>
            JSON.stringify(
              lambdaAssumeRolePolicy({ partition: part, region: args.region, accountId: acct, functionName: fnName }),
            ),
          ),
        description: `Rotates openclaw/${args.stack}/gateway-token only`,
        permissionsBoundary: args.permissionsBoundary,
        tags: tags(`${name}-role`),
      },
      // The deploy role may not rewrite a trust policy in place (UpdateAssumeRolePolicy): a new trust is a new role.
      { ...p, replaceOnChanges: ["assumeRolePolicy"] },
    );
    const rolePolicy = new aws.iam.RolePolicy(
      `${name}-role-policy`,
      {
        role: role.id,
        policy: pulumi
          .all([partition, identity.accountId, token.arn, key.arn, logGroup.arn])
          .apply(([part, acct, secretArn, keyArn, lgArn]) =>
            JSON.stringify(
              rotationLambdaPolicy({
                partition: part,
                region: args.region,
                accountId: acct,
                tokenSecretArn: secretArn,
                kmsKeyArn: keyArn,
                documentName: docName,
                logGroupArn: lgArn,
                instanceTags,
              }),
            ),
          ),
      },
      p,
    );

    const fn = new aws.lambda.Function(
      `${name}-fn`,
      {
        name: fnName,
        description: "Rotates the OpenClaw gateway token (Secrets Manager four-step protocol) and delivers it via SSM",
        runtime: "nodejs22.x",
        architectures: ["arm64"],
        handler: "index.handler",
        code: new pulumi.asset.AssetArchive({ "index.js": new pulumi.asset.StringAsset(bundleRotationHandler()) }),
        role: role.arn,
        // setSecret and testSecret each wait for a gateway restart (~15 s healthy) through SSM.
        timeout: rotationTimeouts.lambdaSeconds,
        memorySize: 256,
        reservedConcurrentExecutions: 1,
        tracingConfig: { mode: "Active" },
        kmsKeyArn: key.arn,
        environment: {
          variables: {
            [handlerEnv.secretArn]: token.arn,
            [handlerEnv.document]: document.name,
            [handlerEnv.targetTags]: JSON.stringify(instanceTags),
            [handlerEnv.timeout]: String(rotationTimeouts.deliveryWaitSeconds),
          },
        },
        tags: tags(fnName),
      },
      { parent: this, dependsOn: [logGroup, rolePolicy] },
    );

    const permission = new aws.lambda.Permission(
      `${name}-invoke`,
      {
        action: "lambda:InvokeFunction",
        function: fn.name,
        principal: "secretsmanager.amazonaws.com",
        sourceArn: token.arn,
        sourceAccount: identity.accountId,
      },
      p,
    );

    new aws.secretsmanager.SecretRotation(
      `${name}-rotation`,
      {
        secretId: token.id,
        rotationLambdaArn: fn.arn,
        rotationRules: { automaticallyAfterDays: days },
        rotateImmediately: true,
      },
      { parent: this, dependsOn: [permission] },
    );

    let alarm: aws.cloudwatch.MetricAlarm | undefined;
    if (args.alarmTopicArn !== undefined) {
      alarm = new aws.cloudwatch.MetricAlarm(
        `${name}-errors`,
        {
          name: `${fnName}-errors`,
          alarmDescription: `Gateway token rotation failed for stack ${args.stack}: see ${logGroupName} and docs/secrets.md (the host's reconcile timer keeps it on AWSCURRENT)`,
          namespace: "AWS/Lambda",
          metricName: "Errors",
          dimensions: { FunctionName: fn.name },
          statistic: "Sum",
          period: 300,
          evaluationPeriods: 1,
          threshold: 1,
          comparisonOperator: "GreaterThanOrEqualToThreshold",
          treatMissingData: "notBreaching",
          alarmActions: [args.alarmTopicArn],
          okActions: [args.alarmTopicArn],
          tags: tags(`${fnName}-errors`),
        },
        p,
      );
      // The host's reconcile timer publishes TokenInSync (1/0) every few minutes: 0 means the running gateway
      // rejects AWSCURRENT and the timer could not fix it; no data means the timer itself stopped.
      new aws.cloudwatch.MetricAlarm(
        `${name}-token-drift`,
        {
          name: `openclaw-${args.stack}-token-drift`,
          alarmDescription: `The gateway of stack ${args.stack} does not accept AWSCURRENT and its reconcile timer cannot fix it (or stopped reporting); see docs/secrets.md`,
          namespace: GATEWAY_METRIC_NAMESPACE,
          metricName: "TokenInSync",
          dimensions: { Stack: args.stack },
          statistic: "Minimum",
          period: 300,
          evaluationPeriods: 2,
          threshold: 1,
          comparisonOperator: "LessThanThreshold",
          treatMissingData: "breaching",
          alarmActions: [args.alarmTopicArn],
          okActions: [args.alarmTopicArn],
          tags: tags(`openclaw-${args.stack}-token-drift`),
        },
        p,
      );
    }

    this.tokenSecretArn = token.arn;
    this.providerKeysSecretArn = providerSecret
      ? providerSecret.arn.apply((a): string | undefined => a)
      : pulumi.output(undefined as string | undefined);
    this.kmsKeyArn = key.arn;
    this.functionArn = fn.arn;
    this.reloadDocumentName = document.name;
    this.alarmName = alarm
      ? alarm.name.apply((a): string | undefined => a)
      : pulumi.output(undefined as string | undefined);
    this.registerOutputs({
      tokenSecretArn: this.tokenSecretArn,
      providerKeysSecretArn: this.providerKeysSecretArn,
      kmsKeyArn: this.kmsKeyArn,
      functionArn: this.functionArn,
      reloadDocumentName: this.reloadDocumentName,
      alarmName: this.alarmName,
    });
  }
}
