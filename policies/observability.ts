// Observability and cost hygiene (advisory): someone hears about a dead gateway, a stopped backup and a
// runaway bill before the users or the invoice do.
import { validateResourceOfType, type PolicyResource } from "@pulumi/policy";
import { LogGroup } from "@pulumi/aws/cloudwatch/logGroup";
import { configSchema, type PackPolicy } from "./lib/types";
import { asArray, isObject } from "./lib/util";

const INSTANCE = "aws:ec2/instance:Instance";
const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const BUDGET = "aws:budgets/budget:Budget";
const BUCKET_TYPES = ["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"];

function isGatewayInstance(r: PolicyResource): boolean {
  return r.type === INSTANCE && isObject(r.props.tags) && r.props.tags["openclaw:role"] === "gateway";
}

function hasAlarm(resources: PolicyResource[], namespace: string, metric: RegExp): boolean {
  return resources.some(
    (r) => r.type === ALARM && r.props.namespace === namespace && metric.test(String(r.props.metricName ?? "")),
  );
}

export const gatewayAlarmsPresent: PackPolicy = {
  name: "gateway-alarms-present",
  description: "Recommends alarms on the gateway host's status checks, its health probe and its backups.",
  enforcementLevel: "advisory",
  controls: ["net/monitoring", "obs/alarms"],
  configSchema: configSchema(),
  validateStack: (args, report) => {
    const hosts = args.resources.filter(isGatewayInstance);
    if (hosts.length === 0) return;
    const missing: string[] = [];
    if (!hasAlarm(args.resources, "AWS/EC2", /^StatusCheckFailed/))
      missing.push("AWS/EC2 StatusCheckFailed (with the EC2 recover action)");
    if (!hasAlarm(args.resources, "OpenClaw/Gateway", /^Healthy$/))
      missing.push("OpenClaw/Gateway Healthy (missing data = breaching)");
    if (
      args.resources.some((r) => BUCKET_TYPES.includes(r.type)) &&
      !hasAlarm(args.resources, "OpenClaw/Backup", /^BackupSucceeded$/)
    ) {
      missing.push("OpenClaw/Backup BackupSucceeded (no success in 26 hours)");
    }
    for (const host of hosts) {
      if (missing.length)
        report(
          `gateway instance ${host.name} has no alarm on ${missing.join(", ")}. Add components/observability (Observability and InstanceWatch) to the stack.`,
          host.urn,
        );
    }
  },
};

export const logGroupRetention: PackPolicy = {
  name: "log-group-retention",
  description: "Recommends a retention period on every CloudWatch log group so logs neither vanish nor pile up unpaid.",
  enforcementLevel: "advisory",
  controls: ["lambda/hygiene", "obs/log-retention"],
  configSchema: configSchema(),
  validateResource: validateResourceOfType(LogGroup, (g, _a, report) => {
    if (typeof g.retentionInDays !== "number" || g.retentionInDays <= 0) {
      report(
        "retentionInDays is not set, so logs are kept forever and billed forever. Set it (e.g. 30, or openclaw:observability.logRetentionDays).",
      );
    }
  }),
};

export const budgetPresent: PackPolicy = {
  name: "budget-present",
  description: "Recommends a monthly AWS budget with notifications for any stack that runs an instance.",
  enforcementLevel: "advisory",
  controls: ["obs/budget"],
  configSchema: configSchema(),
  validateStack: (args, report) => {
    const instances = args.resources.filter((r) => r.type === INSTANCE);
    if (instances.length === 0) return;
    const budgets = args.resources.filter((r) => r.type === BUDGET);
    if (budgets.length === 0) {
      report(
        "The stack runs EC2 instances but has no aws.budgets.Budget. Add one (openclaw:observability.monthlyBudgetUsd) with notifications at 80% and 95%.",
        instances[0]!.urn,
      );
      return;
    }
    for (const b of budgets) {
      if (asArray(b.props.notifications).length === 0)
        report(
          `budget ${b.name} has no notifications: nobody hears about the overspend. Add them at 80% and 95%.`,
          b.urn,
        );
    }
  },
};

export const observabilityPolicies: PackPolicy[] = [gatewayAlarmsPresent, logGroupRetention, budgetPresent];
