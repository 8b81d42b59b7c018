/**
 * Observability and cost guardrails for the VM target, in two components because of the order the VM target
 * needs them in:
 *  - `Observability` (before RotatingSecret and GatewayVm): the KMS key, the gateway's log group, the
 *    encrypted alert topic with its e-mail subscriptions, the alarms on host-published metrics (health,
 *    memory, disk, backup) and the monthly budget. RotatingSecret takes `alertTopicArn` for its own alarm.
 *  - `InstanceWatch` (after GatewayVm, it needs the instance id): status-check alarms with EC2 auto-recovery
 *    and the optional scheduled stop.
 * Decisions live in alarms.ts, budget.ts, policies.ts and host.ts; these classes only create resources.
 */
import { tagged } from "../tags/tags";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { ObservabilitySection } from "../config/sections/observability";
import { gatewayAlarmSpecs, instanceAlarmSpecs, type AlarmSpec } from "./alarms";
import { budgetArgs, scheduledStopSpecs, schedulerAssumeRolePolicy, schedulerRolePolicy } from "./budget";
import { alertTopicPolicy, gatewayLogGroupName, observabilityKeyPolicy } from "./policies";

export interface ObservabilityArgs {
  /** Stack name: names the log group, topic, alarms and budget, and is the metrics' Stack dimension. Required. */
  stack: string;
  /** AWS region (key policy, alarm ARNs). Required. */
  region: string;
  /** The `openclaw:observability` section. */
  observability: ObservabilitySection;
  /** Alarm on the backup job's success metric. Set false when `openclaw:backup.enabled` is false. @default true */
  backupEnabled?: boolean;
  /** Tags for every resource. @default {} */
  tags?: Record<string, string>;
}

function createAlarms(
  name: string,
  parent: pulumi.Resource,
  specs: AlarmSpec[],
  tags: (n: string) => Record<string, string>,
): aws.cloudwatch.MetricAlarm[] {
  return specs.map(
    (s) => new aws.cloudwatch.MetricAlarm(`${name}-${s.key}`, { ...s.args, tags: tags(s.args.name) }, { parent }),
  );
}

export class Observability extends pulumi.ComponentResource {
  /** Pass to RotatingSecret (`alarmTopicArn`) and InstanceWatch. */
  readonly alertTopicArn: pulumi.Output<string>;
  readonly logGroupName: pulumi.Output<string>;
  /** For observabilityHostAddon (the instance role's log-stream permissions). */
  readonly logGroupArn: pulumi.Output<string>;
  readonly kmsKeyArn: pulumi.Output<string>;
  readonly alarmNames: pulumi.Output<string>[];
  readonly budgetName: pulumi.Output<string>;

  constructor(name: string, args: ObservabilityArgs, opts?: pulumi.ComponentResourceOptions) {
    super("openclaw:observability:Observability", name, {}, opts);
    const o = args.observability;
    const p = { parent: this };
    const tags = (n: string) => tagged(args.tags, n);
    const identity = aws.getCallerIdentityOutput({}, p);
    const partition = aws.getPartitionOutput({}, p).partition;
    const groupName = gatewayLogGroupName(args.stack);

    const key = new aws.kms.Key(
      `${name}-key`,
      {
        description: `OpenClaw ${args.stack}: gateway logs and the alert topic`,
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        policy: pulumi.all([partition, identity.accountId]).apply(([part, acct]) =>
          JSON.stringify(
            observabilityKeyPolicy({
              partition: part,
              region: args.region,
              accountId: acct,
              logGroupNames: [groupName],
            }),
          ),
        ),
        tags: tags(`${name}-key`),
      },
      p,
    );
    new aws.kms.Alias(
      `${name}-key-alias`,
      { name: `alias/openclaw-${args.stack}-observability`, targetKeyId: key.keyId },
      p,
    );

    const logGroup = new aws.cloudwatch.LogGroup(
      `${name}-gateway-logs`,
      { name: groupName, retentionInDays: o.logRetentionDays, kmsKeyId: key.arn, tags: tags(groupName) },
      p,
    );

    const topic = new aws.sns.Topic(
      `${name}-alerts`,
      {
        name: `openclaw-${args.stack}-alerts`,
        displayName: `OpenClaw ${args.stack} alerts`,
        kmsMasterKeyId: key.arn,
        tags: tags(`openclaw-${args.stack}-alerts`),
      },
      p,
    );
    new aws.sns.TopicPolicy(
      `${name}-alerts-policy`,
      {
        arn: topic.arn,
        policy: pulumi
          .all([partition, identity.accountId, topic.arn])
          .apply(([part, acct, arn]) =>
            JSON.stringify(alertTopicPolicy({ partition: part, region: args.region, accountId: acct, topicArn: arn })),
          ),
      },
      p,
    );
    for (const [n, email] of o.alertEmails.entries()) {
      new aws.sns.TopicSubscription(
        `${name}-alerts-email-${n}`,
        { topic: topic.arn, protocol: "email", endpoint: email },
        p,
      );
    }

    const alarms = createAlarms(
      name,
      this,
      gatewayAlarmSpecs({
        stack: args.stack,
        topicArn: topic.arn,
        probeIntervalMinutes: o.healthProbeIntervalMinutes,
        memoryPercent: o.memoryAlarmPercent,
        diskPercent: o.diskAlarmPercent,
        backup: args.backupEnabled ?? true,
      }),
      tags,
    );

    const budget = new aws.budgets.Budget(
      `${name}-budget`,
      {
        ...budgetArgs({ stack: args.stack, monthlyUsd: o.monthlyBudgetUsd, topicArn: topic.arn }),
        tags: tags(`openclaw-${args.stack}-monthly`),
      },
      p,
    );

    this.alertTopicArn = topic.arn;
    this.logGroupName = logGroup.name;
    this.logGroupArn = logGroup.arn;
    this.kmsKeyArn = key.arn;
    this.alarmNames = alarms.map((a) => a.name);
    this.budgetName = budget.name;
    this.registerOutputs({
      alertTopicArn: this.alertTopicArn,
      logGroupName: this.logGroupName,
      kmsKeyArn: this.kmsKeyArn,
      alarmNames: this.alarmNames,
      budgetName: this.budgetName,
    });
  }
}

export interface InstanceWatchArgs {
  stack: string;
  region: string;
  /** GatewayVm.instanceId. Required. */
  instanceId: pulumi.Input<string>;
  /** Observability.alertTopicArn. Required. */
  alertTopicArn: pulumi.Input<string>;
  /** The `openclaw:observability` section (scheduledStop). */
  observability: ObservabilitySection;
  /**
   * Alarms that go quiet or fail while the instance is stopped (Observability.alarmNames); the scheduled stop
   * mutes them with the instance. @default []
   */
  muteAlarmNames?: pulumi.Input<string>[];
  tags?: Record<string, string>;
  /**
   * Permissions boundary (policy ARN) every IAM role created here carries; the deploy role may create
   * roles only with it.
   */
  permissionsBoundary?: pulumi.Input<string>;
}

export class InstanceWatch extends pulumi.ComponentResource {
  readonly alarmNames: pulumi.Output<string>[];
  /** Schedule names; empty unless scheduledStop.enabled. */
  readonly scheduleNames: pulumi.Output<string>[];

  constructor(name: string, args: InstanceWatchArgs, opts?: pulumi.ComponentResourceOptions) {
    super("openclaw:observability:InstanceWatch", name, {}, opts);
    const p = { parent: this };
    const tags = (n: string) => tagged(args.tags, n);
    const identity = aws.getCallerIdentityOutput({}, p);
    const partition = aws.getPartitionOutput({}, p).partition;

    const alarms = createAlarms(
      name,
      this,
      instanceAlarmSpecs({
        stack: args.stack,
        region: args.region,
        instanceId: args.instanceId,
        topicArn: args.alertTopicArn,
      }),
      tags,
    );
    const muted = [...alarms.map((a) => a.name), ...(args.muteAlarmNames ?? [])];

    const specs = scheduledStopSpecs({
      scheduledStop: args.observability.scheduledStop,
      instanceId: args.instanceId,
      alarmNames: muted,
      json: (v) => pulumi.jsonStringify(v),
    });
    const schedules: aws.scheduler.Schedule[] = [];
    if (specs.length > 0) {
      const role = new aws.iam.Role(
        `${name}-scheduler`,
        {
          assumeRolePolicy: identity.accountId.apply((a) => JSON.stringify(schedulerAssumeRolePolicy(a))),
          description: `Stops/starts the OpenClaw ${args.stack} gateway instance on schedule`,
          permissionsBoundary: args.permissionsBoundary,
          tags: tags(`${name}-scheduler`),
        },
        { ...p, replaceOnChanges: ["assumeRolePolicy"] },
      );
      new aws.iam.RolePolicy(
        `${name}-scheduler`,
        {
          role: role.id,
          policy: pulumi
            .all([partition, identity.accountId, args.instanceId, pulumi.all(muted)])
            .apply(([part, acct, instanceId, alarmNames]) =>
              JSON.stringify(
                schedulerRolePolicy({ partition: part, region: args.region, accountId: acct, instanceId, alarmNames }),
              ),
            ),
        },
        p,
      );
      const tz = args.observability.scheduledStop.timezone;
      for (const s of specs) {
        schedules.push(
          new aws.scheduler.Schedule(
            `${name}-${s.key}`,
            {
              name: `openclaw-${args.stack}-${s.key}`,
              description: s.description,
              scheduleExpression: s.scheduleExpression,
              scheduleExpressionTimezone: tz,
              flexibleTimeWindow: { mode: "OFF" },
              target: {
                arn: s.targetArn,
                roleArn: role.arn,
                input: s.input,
                retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 900 },
              },
            },
            p,
          ),
        );
      }
    }
    this.alarmNames = alarms.map((a) => a.name);
    this.scheduleNames = schedules.map((s) => s.name);
    this.registerOutputs({ alarmNames: this.alarmNames, scheduleNames: this.scheduleNames });
  }
}
