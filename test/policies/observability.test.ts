import { describe, expect, it } from "vitest";
import { budgetPresent, gatewayAlarmsPresent, logGroupRetention } from "../../policies/observability";
import { runPlan } from "../../tools/lib/plan";
import { res, run } from "./helpers";

const gateway = res("aws:ec2/instance:Instance", "gw", { tags: { "openclaw:role": "gateway" } });
const alarm = (name: string, namespace: string, metricName: string) =>
  res("aws:cloudwatch/metricAlarm:MetricAlarm", name, { namespace, metricName });
const statusAlarm = alarm("status", "AWS/EC2", "StatusCheckFailed_System");
const healthAlarm = alarm("health", "OpenClaw/Gateway", "Healthy");
const backupAlarm = alarm("backup", "OpenClaw/Backup", "BackupSucceeded");
const bucket = res("aws:s3/bucket:Bucket", "backups", {});

describe("gateway-alarms-present", () => {
  it("passes with status, health and backup alarms", async () => {
    expect(await run(gatewayAlarmsPresent, [gateway, bucket, statusAlarm, healthAlarm, backupAlarm])).toEqual([]);
  });
  it.each([
    ["status-check", [healthAlarm, backupAlarm], /StatusCheckFailed/],
    ["health", [statusAlarm, backupAlarm], /OpenClaw\/Gateway Healthy/],
    ["backup", [statusAlarm, healthAlarm], /BackupSucceeded/],
  ])("flags a gateway without the %s alarm", async (_n, alarms, message) => {
    const v = await run(gatewayAlarmsPresent, [gateway, bucket, ...alarms]);
    expect(v).toHaveLength(1);
    expect(v[0]!.level).toBe("advisory");
    expect(v[0]!.message).toMatch(message);
  });
  it("does not ask for a backup alarm without a backup bucket, nor anything without a gateway", async () => {
    expect(await run(gatewayAlarmsPresent, [gateway, statusAlarm, healthAlarm])).toEqual([]);
    expect(await run(gatewayAlarmsPresent, [res("aws:ec2/instance:Instance", "nat", { tags: {} })])).toEqual([]);
  });
});

describe("log-group-retention", () => {
  it("passes with a retention period", async () => {
    expect(
      await run(logGroupRetention, [res("aws:cloudwatch/logGroup:LogGroup", "g", { retentionInDays: 30 })]),
    ).toEqual([]);
  });
  it.each([[{}], [{ retentionInDays: 0 }]])("flags %j", async (props) => {
    const v = await run(logGroupRetention, [res("aws:cloudwatch/logGroup:LogGroup", "g", props)]);
    expect(v.map((x) => x.message)).toEqual([expect.stringMatching(/retentionInDays is not set/)]);
  });
});

describe("budget-present", () => {
  const budget = (notifications: unknown[]) => res("aws:budgets/budget:Budget", "b", { notifications });
  it("passes with a budget that notifies", async () => {
    expect(await run(budgetPresent, [gateway, budget([{ threshold: 80 }])])).toEqual([]);
  });
  it("flags an instance with no budget, and a budget that tells nobody", async () => {
    expect((await run(budgetPresent, [gateway]))[0]!.message).toMatch(/no aws.budgets.Budget/);
    expect((await run(budgetPresent, [gateway, budget([])]))[0]!.message).toMatch(/no notifications/);
  });
});

describe("the shipped prod stack", () => {
  it("has every alarm, retention and budget these rules ask for", async () => {
    const plan = await runPlan({ stack: "prod" });
    const names = ["gateway-alarms-present", "log-group-retention", "budget-present"];
    expect(plan.violations.filter((v) => names.includes(v.policy))).toEqual([]);
  }, 120_000);
});
