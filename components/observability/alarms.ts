/**
 * Every alarm of the VM target as data (the MetricAlarm arguments), so each threshold, period and missing-data
 * choice is tested without Pulumi. The components only turn these into resources.
 */
import { DATA_DIR } from "../gateway-vm/layout";
import type * as pulumi from "@pulumi/pulumi";
import { GATEWAY_METRIC_NAMESPACE } from "./policies";

/** The backup job's metric (components/backup/backup.sh): BackupSucceeded=1 per success, dimension Stack. */
export const BACKUP_NAMESPACE = "OpenClaw/Backup";
export const BACKUP_METRIC = "BackupSucceeded";
/** A daily backup may slip by a couple of hours (timer jitter, a slow upload) before anyone is paged. */
export const BACKUP_MAX_AGE_HOURS = 26;

/** File systems the probe reports and the disk alarm watches: the OS disk and the gateway's data volume. */
export const WATCHED_PATHS = ["/", DATA_DIR] as const;

export type ComparisonOperator =
  | "GreaterThanOrEqualToThreshold"
  | "GreaterThanThreshold"
  | "LessThanThreshold"
  | "LessThanOrEqualToThreshold";
export type MissingData = "breaching" | "notBreaching" | "ignore" | "missing";

export interface AlarmSpec {
  /** Suffix of the resource name and the alarm name (`<prefix>-<key>`). */
  key: string;
  args: {
    name: string;
    alarmDescription: string;
    namespace: string;
    metricName: string;
    dimensions: Record<string, pulumi.Input<string>>;
    statistic: "Average" | "Maximum" | "Minimum" | "Sum" | "SampleCount";
    period: number;
    evaluationPeriods: number;
    datapointsToAlarm: number;
    threshold: number;
    comparisonOperator: ComparisonOperator;
    treatMissingData: MissingData;
    alarmActions: pulumi.Input<string>[];
    okActions: pulumi.Input<string>[];
  };
}

export interface GatewayAlarmInput {
  stack: string;
  topicArn: pulumi.Input<string>;
  /** Minutes between probes (1–5): the health alarm's period. */
  probeIntervalMinutes: number;
  memoryPercent: number;
  diskPercent: number;
  /** Alarm on the backup metric (off when backups are disabled). */
  backup: boolean;
}

function diskKey(path: string): string {
  return path === "/" ? "root" : path.replace(/^\/+/, "").replace(/[^A-Za-z0-9]+/g, "-");
}

/** Alarms on metrics the host publishes; they carry only the Stack dimension, so they outlive an instance. */
export function gatewayAlarmSpecs(i: GatewayAlarmInput): AlarmSpec[] {
  if (!Number.isInteger(i.probeIntervalMinutes) || i.probeIntervalMinutes < 1 || i.probeIntervalMinutes > 5) {
    throw new Error(
      `openclaw:observability.healthProbeIntervalMinutes = ${i.probeIntervalMinutes}: must be a whole number from 1 to 5`,
    );
  }
  const prefix = `openclaw-${i.stack}`;
  const actions = { alarmActions: [i.topicArn], okActions: [i.topicArn] };
  const dims = { Stack: i.stack };
  const specs: AlarmSpec[] = [
    {
      key: "gateway-unhealthy",
      args: {
        name: `${prefix}-gateway-unhealthy`,
        alarmDescription: `OpenClaw ${i.stack}: /healthz did not answer {"status":"live"} for 3 probes in a row, or the probe stopped reporting. See docs/observability.md#gateway-unhealthy`,
        namespace: GATEWAY_METRIC_NAMESPACE,
        metricName: "Healthy",
        dimensions: dims,
        statistic: "Minimum",
        // One probe per period: a period shorter than the interval would be empty (and count as failing).
        period: i.probeIntervalMinutes * 60,
        evaluationPeriods: 3,
        datapointsToAlarm: 3,
        threshold: 1,
        comparisonOperator: "LessThanThreshold",
        // A dead host, a stopped timer or lost credentials all look like silence: silence is failure.
        treatMissingData: "breaching",
        ...actions,
      },
    },
    {
      key: "memory-high",
      args: {
        name: `${prefix}-memory-high`,
        alarmDescription: `OpenClaw ${i.stack}: host memory above ${i.memoryPercent}% for 10 minutes (the gateway container is limited; this is the host). See docs/observability.md#memory-high`,
        namespace: GATEWAY_METRIC_NAMESPACE,
        metricName: "mem_used_percent",
        dimensions: dims,
        statistic: "Average",
        period: 300,
        evaluationPeriods: 2,
        datapointsToAlarm: 2,
        threshold: i.memoryPercent,
        comparisonOperator: "GreaterThanThreshold",
        // Silence is the health alarm's job; here it would page twice for one outage.
        treatMissingData: "missing",
        ...actions,
      },
    },
    ...WATCHED_PATHS.map(
      (path): AlarmSpec => ({
        key: `disk-${diskKey(path)}-high`,
        args: {
          name: `${prefix}-disk-${diskKey(path)}-high`,
          alarmDescription: `OpenClaw ${i.stack}: file system ${path} above ${i.diskPercent}% used. See docs/observability.md#disk-high`,
          namespace: GATEWAY_METRIC_NAMESPACE,
          metricName: "disk_used_percent",
          dimensions: { ...dims, path },
          statistic: "Maximum",
          period: 300,
          evaluationPeriods: 1,
          datapointsToAlarm: 1,
          threshold: i.diskPercent,
          comparisonOperator: "GreaterThanThreshold",
          treatMissingData: "missing",
          ...actions,
        },
      }),
    ),
  ];
  if (i.backup) {
    specs.push({
      key: "backup-stale",
      args: {
        name: `${prefix}-backup-stale`,
        alarmDescription: `OpenClaw ${i.stack}: no successful backup in ${BACKUP_MAX_AGE_HOURS} hours (${BACKUP_NAMESPACE} ${BACKUP_METRIC}). See docs/backup.md`,
        namespace: BACKUP_NAMESPACE,
        metricName: BACKUP_METRIC,
        dimensions: dims,
        statistic: "Sum",
        // CloudWatch caps a sub-hour period at one day of evaluation; hourly periods allow the 26 h window.
        // All 26 hours must lack a success: any single success in the window keeps the alarm OK.
        period: 3600,
        evaluationPeriods: BACKUP_MAX_AGE_HOURS,
        datapointsToAlarm: BACKUP_MAX_AGE_HOURS,
        threshold: 1,
        comparisonOperator: "LessThanThreshold",
        // The job publishes only on success: no data is exactly "not succeeded".
        treatMissingData: "breaching",
        ...actions,
      },
    });
  }
  return specs;
}

export interface InstanceAlarmInput {
  stack: string;
  region: string;
  partition?: string;
  instanceId: pulumi.Input<string>;
  topicArn: pulumi.Input<string>;
}

/** Status-check alarms; the system check also triggers EC2 auto-recovery (same instance id, volumes, IP). */
export function instanceAlarmSpecs(i: InstanceAlarmInput): AlarmSpec[] {
  const prefix = `openclaw-${i.stack}`;
  const recover = `arn:${i.partition ?? "aws"}:automate:${i.region}:ec2:recover`;
  const base = {
    namespace: "AWS/EC2",
    dimensions: { InstanceId: i.instanceId },
    statistic: "Maximum" as const,
    period: 60,
    threshold: 1,
    comparisonOperator: "GreaterThanOrEqualToThreshold" as const,
    // A stopped instance reports nothing; that is not a failed check (the health alarm covers silence).
    treatMissingData: "missing" as const,
    okActions: [i.topicArn],
  };
  return [
    {
      key: "status-system",
      args: {
        ...base,
        name: `${prefix}-status-system`,
        alarmDescription: `OpenClaw ${i.stack}: EC2 system status check failed (AWS hardware or network); EC2 recovers the instance onto healthy hardware. See docs/observability.md#status-checks`,
        metricName: "StatusCheckFailed_System",
        evaluationPeriods: 2,
        datapointsToAlarm: 2,
        alarmActions: [recover, i.topicArn],
      },
    },
    {
      key: "status-instance",
      args: {
        ...base,
        name: `${prefix}-status-instance`,
        alarmDescription: `OpenClaw ${i.stack}: EC2 instance status check failed (the OS does not answer); reboot it or replace it. See docs/observability.md#status-checks`,
        metricName: "StatusCheckFailed_Instance",
        evaluationPeriods: 3,
        datapointsToAlarm: 3,
        alarmActions: [i.topicArn],
      },
    },
  ];
}
