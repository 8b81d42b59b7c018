/**
 * Cost guardrails as data: the per-stack budget and the optional scheduled stop of the gateway instance.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { ScheduledStopSection } from "../config/sections/observability";
import { TAG_KEYS } from "../tags/tags";

/** Tag every AWS resource of a stack carries (tags/tags.ts baseTags); the budget filters on it. */
export const STACK_TAG = TAG_KEYS.stack;

export interface BudgetNotificationSpec {
  comparisonOperator: "GREATER_THAN";
  threshold: number;
  thresholdType: "PERCENTAGE";
  notificationType: "ACTUAL" | "FORECASTED";
  subscriberSnsTopicArns: pulumi.Input<string>[];
}

/**
 * 80% actual is the early warning; 95% forecasted warns while the month can still be saved; 95% actual says
 * the money is spent. Budgets evaluates a few times a day, so these are hours late, never real-time.
 */
export const BUDGET_THRESHOLDS: { threshold: number; notificationType: "ACTUAL" | "FORECASTED" }[] = [
  { threshold: 80, notificationType: "ACTUAL" },
  { threshold: 95, notificationType: "FORECASTED" },
  { threshold: 95, notificationType: "ACTUAL" },
];

export interface BudgetInput {
  stack: string;
  monthlyUsd: number;
  topicArn: pulumi.Input<string>;
}

export function budgetArgs(i: BudgetInput) {
  if (!(i.monthlyUsd > 0))
    throw new Error(`openclaw:observability.monthlyBudgetUsd = ${i.monthlyUsd}: must be a positive amount in USD`);
  return {
    name: `openclaw-${i.stack}-monthly`,
    budgetType: "COST",
    limitAmount: i.monthlyUsd.toFixed(2),
    limitUnit: "USD",
    timeUnit: "MONTHLY",
    // Cost-allocation tags are "user:<key>$<value>" here. The tag must be activated once per payer account
    // (Billing > Cost allocation tags); until then the filter matches nothing (docs/cost.md says how).
    costFilters: [{ name: "TagKeyValue", values: [`user:${STACK_TAG}$${i.stack}`] }],
    notifications: BUDGET_THRESHOLDS.map(
      (t): BudgetNotificationSpec => ({
        comparisonOperator: "GREATER_THAN",
        threshold: t.threshold,
        thresholdType: "PERCENTAGE",
        notificationType: t.notificationType,
        subscriberSnsTopicArns: [i.topicArn],
      }),
    ),
  };
}

export interface ScheduleSpec {
  key: string;
  description: string;
  scheduleExpression: string;
  /** The Scheduler universal target (`arn:aws:scheduler:::aws-sdk:<service>:<apiAction>`). */
  targetArn: string;
  /** The API call's parameters, JSON. */
  input: pulumi.Input<string>;
}

export interface ScheduledStopInput {
  scheduledStop: ScheduledStopSection;
  instanceId: pulumi.Input<string>;
  /** Alarms muted while the instance is stopped (their actions only; the alarms keep evaluating). */
  alarmNames: pulumi.Input<string>[];
  /** Renders the JSON input; pulumi.jsonStringify in the component, JSON.stringify in tests. */
  json: (value: unknown) => pulumi.Input<string>;
}

/**
 * Four schedules: stop the instance and mute its alarms at stopCron; start it and unmute at startCron.
 * Muting matters: the health alarm counts silence as failure and would otherwise page every night.
 */
export function scheduledStopSpecs(i: ScheduledStopInput): ScheduleSpec[] {
  const s = i.scheduledStop;
  if (!s.enabled) return [];
  if (s.stopCron === s.startCron)
    throw new Error(
      `openclaw:observability.scheduledStop: stopCron and startCron are both ${s.stopCron}; they must differ`,
    );
  const sdk = (service: string, action: string) => `arn:aws:scheduler:::aws-sdk:${service}:${action}`;
  return [
    {
      key: "stop",
      description: "Stop the gateway instance outside working hours",
      scheduleExpression: s.stopCron,
      targetArn: sdk("ec2", "stopInstances"),
      input: i.json({ InstanceIds: [i.instanceId] }),
    },
    {
      key: "mute",
      description: "Mute the instance's alarms while it is stopped",
      scheduleExpression: s.stopCron,
      targetArn: sdk("cloudwatch", "disableAlarmActions"),
      input: i.json({ AlarmNames: i.alarmNames }),
    },
    {
      key: "start",
      description: "Start the gateway instance for working hours",
      scheduleExpression: s.startCron,
      targetArn: sdk("ec2", "startInstances"),
      input: i.json({ InstanceIds: [i.instanceId] }),
    },
    {
      key: "unmute",
      description: "Unmute the instance's alarms once it runs again",
      scheduleExpression: s.startCron,
      targetArn: sdk("cloudwatch", "enableAlarmActions"),
      input: i.json({ AlarmNames: i.alarmNames }),
    },
  ];
}

export interface SchedulerRoleInput {
  partition: string;
  region: string;
  accountId: string;
  instanceId: string;
  alarmNames: string[];
}

export function schedulerAssumeRolePolicy(accountId: string) {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Service: "scheduler.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "aws:SourceAccount": accountId } },
      },
    ],
  };
}

/** Start/stop this one instance, mute/unmute these alarms: nothing else. */
export function schedulerRolePolicy(i: SchedulerRoleInput) {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "StopStartGatewayInstance",
        Effect: "Allow",
        Action: ["ec2:StopInstances", "ec2:StartInstances"],
        Resource: `arn:${i.partition}:ec2:${i.region}:${i.accountId}:instance/${i.instanceId}`,
      },
      {
        Sid: "MuteInstanceAlarms",
        Effect: "Allow",
        Action: ["cloudwatch:DisableAlarmActions", "cloudwatch:EnableAlarmActions"],
        Resource: i.alarmNames.map((n) => `arn:${i.partition}:cloudwatch:${i.region}:${i.accountId}:alarm:${n}`),
      },
    ],
  };
}
