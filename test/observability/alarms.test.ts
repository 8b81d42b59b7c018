/** Every alarm as data (pure builders), then as resources through the components under Pulumi mocks. */
import { describe, expect, it } from "vitest";
import { observabilitySection } from "../../components/config/sections/observability";
import { gatewayAlarmSpecs, instanceAlarmSpecs, type AlarmSpec } from "../../components/observability/alarms";
import { InstanceWatch, Observability } from "../../components/observability/observability";
import { ofType, withMocks } from "../helpers/mocks";

const TOPIC = "arn:aws:sns:us-east-1:123456789012:openclaw-prod-alerts";
const byKey = (specs: AlarmSpec[]) => Object.fromEntries(specs.map((s) => [s.key, s.args]));

describe("alarm specs", () => {
  const gw = byKey(
    gatewayAlarmSpecs({
      stack: "prod",
      topicArn: TOPIC,
      probeIntervalMinutes: 1,
      memoryPercent: 90,
      diskPercent: 85,
      backup: true,
    }),
  );
  const inst = byKey(instanceAlarmSpecs({ stack: "prod", region: "us-east-1", instanceId: "i-0abc", topicArn: TOPIC }));
  const all = { ...gw, ...inst };

  // key, namespace, metric, dimensions, statistic, threshold, comparison, period, evaluationPeriods, missing, actions
  const table: [
    string,
    string,
    string,
    Record<string, string>,
    string,
    number,
    string,
    number,
    number,
    string,
    string[],
  ][] = [
    [
      "gateway-unhealthy",
      "OpenClaw/Gateway",
      "Healthy",
      { Stack: "prod" },
      "Minimum",
      1,
      "LessThanThreshold",
      60,
      3,
      "breaching",
      [TOPIC],
    ],
    [
      "memory-high",
      "OpenClaw/Gateway",
      "mem_used_percent",
      { Stack: "prod" },
      "Average",
      90,
      "GreaterThanThreshold",
      300,
      2,
      "missing",
      [TOPIC],
    ],
    [
      "disk-root-high",
      "OpenClaw/Gateway",
      "disk_used_percent",
      { Stack: "prod", path: "/" },
      "Maximum",
      85,
      "GreaterThanThreshold",
      300,
      1,
      "missing",
      [TOPIC],
    ],
    [
      "disk-var-lib-openclaw-high",
      "OpenClaw/Gateway",
      "disk_used_percent",
      { Stack: "prod", path: "/var/lib/openclaw" },
      "Maximum",
      85,
      "GreaterThanThreshold",
      300,
      1,
      "missing",
      [TOPIC],
    ],
    [
      "backup-stale",
      "OpenClaw/Backup",
      "BackupSucceeded",
      { Stack: "prod" },
      "Sum",
      1,
      "LessThanThreshold",
      3600,
      26,
      "breaching",
      [TOPIC],
    ],
    [
      "status-system",
      "AWS/EC2",
      "StatusCheckFailed_System",
      { InstanceId: "i-0abc" },
      "Maximum",
      1,
      "GreaterThanOrEqualToThreshold",
      60,
      2,
      "missing",
      ["arn:aws:automate:us-east-1:ec2:recover", TOPIC],
    ],
    [
      "status-instance",
      "AWS/EC2",
      "StatusCheckFailed_Instance",
      { InstanceId: "i-0abc" },
      "Maximum",
      1,
      "GreaterThanOrEqualToThreshold",
      60,
      3,
      "missing",
      [TOPIC],
    ],
  ];

  it("covers exactly the alarms in the table", () => {
    expect(Object.keys(all).sort()).toEqual(table.map((t) => t[0]).sort());
  });

  it.each(table)("%s: %s %s", (key, ns, metric, dims, stat, threshold, cmp, period, evals, missing, actions) => {
    const a = all[key]!;
    expect(a.name).toBe(`openclaw-prod-${key}`);
    expect(a.namespace).toBe(ns);
    expect(a.metricName).toBe(metric);
    expect(a.dimensions).toEqual(dims);
    expect(a.statistic).toBe(stat);
    expect(a.threshold).toBe(threshold);
    expect(a.comparisonOperator).toBe(cmp);
    expect(a.period).toBe(period);
    expect(a.evaluationPeriods).toBe(evals);
    expect(a.datapointsToAlarm).toBe(evals);
    expect(a.treatMissingData).toBe(missing);
    expect(a.alarmActions).toEqual(actions);
    expect(a.okActions).toEqual([TOPIC]);
    // CloudWatch's limit: under an hour per period, at most a day in total; otherwise at most 7 days.
    expect(a.period * a.evaluationPeriods).toBeLessThanOrEqual(a.period < 3600 ? 86_400 : 604_800);
  });

  it("backup window is the 26 hours the runbook promises", () => {
    expect(gw["backup-stale"]!.period * gw["backup-stale"]!.evaluationPeriods).toBe(26 * 3600);
  });

  it.each([1, 2, 5])("health period follows a %i-minute probe interval (one probe per period)", (n) => {
    const h = byKey(
      gatewayAlarmSpecs({
        stack: "s",
        topicArn: TOPIC,
        probeIntervalMinutes: n,
        memoryPercent: 90,
        diskPercent: 85,
        backup: false,
      }),
    )["gateway-unhealthy"]!;
    expect(h.period).toBe(n * 60);
  });

  it("drops the backup alarm when backups are off, and rejects a probe interval outside 1-5", () => {
    expect(
      gatewayAlarmSpecs({
        stack: "s",
        topicArn: TOPIC,
        probeIntervalMinutes: 1,
        memoryPercent: 90,
        diskPercent: 85,
        backup: false,
      }).map((s) => s.key),
    ).not.toContain("backup-stale");
    expect(() =>
      gatewayAlarmSpecs({
        stack: "s",
        topicArn: TOPIC,
        probeIntervalMinutes: 10,
        memoryPercent: 90,
        diskPercent: 85,
        backup: true,
      }),
    ).toThrow(/healthProbeIntervalMinutes = 10/);
  });
});

describe("Observability component (mocks)", () => {
  const section = observabilitySection.parse({
    alertEmails: ["ops@example.com", "oncall@example.com"],
    monthlyBudgetUsd: 60,
    logRetentionDays: 90,
  });
  const build = () =>
    withMocks(
      () =>
        new Observability("openclaw-prod", {
          stack: "prod",
          region: "us-east-1",
          observability: section,
          tags: { "openclaw:stack": "prod" },
        }),
      { stack: "prod" },
    );

  it("creates the key, log group, topic, subscriptions, 5 alarms and the budget", async () => {
    const { resources } = await build();
    const count = (t: string) => ofType(resources, t).length;
    expect(count("aws:kms/key:Key")).toBe(1);
    expect(count("aws:cloudwatch/logGroup:LogGroup")).toBe(1);
    expect(count("aws:sns/topic:Topic")).toBe(1);
    expect(count("aws:sns/topicPolicy:TopicPolicy")).toBe(1);
    expect(
      ofType(resources, "aws:sns/topicSubscription:TopicSubscription").map((s) => [
        s.inputs.protocol,
        s.inputs.endpoint,
      ]),
    ).toEqual([
      ["email", "ops@example.com"],
      ["email", "oncall@example.com"],
    ]);
    expect(
      ofType(resources, "aws:cloudwatch/metricAlarm:MetricAlarm")
        .map((a) => a.inputs.name)
        .sort(),
    ).toEqual(
      [
        "openclaw-prod-backup-stale",
        "openclaw-prod-disk-root-high",
        "openclaw-prod-disk-var-lib-openclaw-high",
        "openclaw-prod-gateway-unhealthy",
        "openclaw-prod-memory-high",
      ].sort(),
    );
    for (const r of resources.filter((r) => r.type.startsWith("aws:")))
      expect(r.name.startsWith("openclaw-prod-"), r.name).toBe(true);
  });

  it("every alarm notifies the component's topic", async () => {
    const { resources } = await build();
    const topicArn = "arn:aws:sns:us-east-1:123456789012:openclaw-prod-alerts";
    for (const a of ofType(resources, "aws:cloudwatch/metricAlarm:MetricAlarm")) {
      expect(a.inputs.alarmActions).toContain(topicArn);
      expect(a.inputs.okActions).toEqual([topicArn]);
    }
  });

  it("log group: /openclaw/<stack>/gateway, retention from config, encrypted with the rotating key", async () => {
    const { resources } = await build();
    const key = ofType(resources, "aws:kms/key:Key")[0]!;
    expect(key.inputs.enableKeyRotation).toBe(true);
    const lg = ofType(resources, "aws:cloudwatch/logGroup:LogGroup")[0]!;
    expect(lg.inputs.name).toBe("/openclaw/prod/gateway");
    expect(lg.inputs.retentionInDays).toBe(90);
    expect(lg.inputs.kmsKeyId).toMatch(/^arn:aws:kms:us-east-1:123456789012:key\//);
    const topic = ofType(resources, "aws:sns/topic:Topic")[0]!;
    expect(topic.inputs.kmsMasterKeyId).toBe(lg.inputs.kmsKeyId);
  });

  it("key policy: logs only with the group's encryption context; alarms and budgets scoped to the account", async () => {
    const { resources } = await build();
    const policy = JSON.parse(ofType(resources, "aws:kms/key:Key")[0]!.inputs.policy);
    const sid = (s: string) => policy.Statement.find((x: { Sid: string }) => x.Sid === s);
    expect(sid("CloudWatchLogsForGatewayGroups").Principal).toEqual({ Service: "logs.us-east-1.amazonaws.com" });
    expect(sid("CloudWatchLogsForGatewayGroups").Condition.ArnEquals["kms:EncryptionContext:aws:logs:arn"]).toEqual([
      "arn:aws:logs:us-east-1:123456789012:log-group:/openclaw/prod/gateway",
    ]);
    expect(sid("CloudWatchAlarmsPublishToEncryptedTopic").Principal).toEqual({ Service: "cloudwatch.amazonaws.com" });
    expect(sid("CloudWatchAlarmsPublishToEncryptedTopic").Condition.StringEquals["aws:SourceAccount"]).toBe(
      "123456789012",
    );
    expect(sid("BudgetsPublishToEncryptedTopic").Condition.ArnLike["aws:SourceArn"]).toBe(
      "arn:aws:budgets::123456789012:*",
    );
  });

  it("topic policy: cloudwatch and budgets may publish, only from this account", async () => {
    const { resources } = await build();
    const p = JSON.parse(ofType(resources, "aws:sns/topicPolicy:TopicPolicy")[0]!.inputs.policy);
    const publishers = p.Statement.filter(
      (s: { Effect: string; Principal: { Service?: string } }) => s.Effect === "Allow" && s.Principal.Service,
    );
    expect(publishers.map((s: { Principal: { Service: string } }) => s.Principal.Service).sort()).toEqual([
      "budgets.amazonaws.com",
      "cloudwatch.amazonaws.com",
    ]);
    for (const s of publishers) {
      expect(s.Action).toBe("SNS:Publish");
      expect(s.Condition.StringEquals["aws:SourceAccount"]).toBe("123456789012");
      expect(s.Condition.ArnLike["aws:SourceArn"]).toBeDefined();
    }
  });

  it("budget: monthly amount from config, tag filter, notifications at 80% actual and 95% forecasted/actual to the topic", async () => {
    const { resources } = await build();
    const budgets = ofType(resources, "aws:budgets/budget:Budget");
    expect(budgets).toHaveLength(1);
    const b = budgets[0]!.inputs;
    expect(b).toMatchObject({
      name: "openclaw-prod-monthly",
      budgetType: "COST",
      limitAmount: "60.00",
      limitUnit: "USD",
      timeUnit: "MONTHLY",
    });
    expect(b.costFilters).toEqual([{ name: "TagKeyValue", values: ["user:openclaw:stack$prod"] }]);
    expect(
      b.notifications.map((n: Record<string, unknown>) => [
        n.threshold,
        n.notificationType,
        n.thresholdType,
        n.comparisonOperator,
        n.subscriberSnsTopicArns,
      ]),
    ).toEqual([
      [80, "ACTUAL", "PERCENTAGE", "GREATER_THAN", ["arn:aws:sns:us-east-1:123456789012:openclaw-prod-alerts"]],
      [95, "FORECASTED", "PERCENTAGE", "GREATER_THAN", ["arn:aws:sns:us-east-1:123456789012:openclaw-prod-alerts"]],
      [95, "ACTUAL", "PERCENTAGE", "GREATER_THAN", ["arn:aws:sns:us-east-1:123456789012:openclaw-prod-alerts"]],
    ]);
  });
});

describe("InstanceWatch component (mocks)", () => {
  const watch = (scheduledStop: Record<string, unknown>) =>
    withMocks(
      () =>
        new InstanceWatch("openclaw-dev", {
          stack: "dev",
          region: "us-east-1",
          instanceId: "i-0123456789abcdef0",
          alertTopicArn: TOPIC,
          observability: observabilitySection.parse({ scheduledStop }),
          muteAlarmNames: ["openclaw-dev-gateway-unhealthy", "openclaw-dev-backup-stale"],
        }),
      { stack: "dev" },
    );

  it("status-check alarms only, no schedule by default", async () => {
    const { resources } = await watch({});
    expect(
      ofType(resources, "aws:cloudwatch/metricAlarm:MetricAlarm")
        .map((a) => a.inputs.metricName)
        .sort(),
    ).toEqual(["StatusCheckFailed_Instance", "StatusCheckFailed_System"]);
    expect(ofType(resources, "aws:scheduler/schedule:Schedule")).toHaveLength(0);
    expect(ofType(resources, "aws:iam/role:Role")).toHaveLength(0);
  });

  it("scheduled stop: stop+mute and start+unmute through the Scheduler universal target, role scoped to the instance", async () => {
    const { resources } = await watch({ enabled: true, timezone: "Europe/Berlin" });
    const schedules = ofType(resources, "aws:scheduler/schedule:Schedule").map((s) => s.inputs);
    expect(schedules.map((s) => [s.name, s.scheduleExpression, s.target.arn])).toEqual([
      ["openclaw-dev-stop", "cron(0 20 ? * MON-FRI *)", "arn:aws:scheduler:::aws-sdk:ec2:stopInstances"],
      ["openclaw-dev-mute", "cron(0 20 ? * MON-FRI *)", "arn:aws:scheduler:::aws-sdk:cloudwatch:disableAlarmActions"],
      ["openclaw-dev-start", "cron(0 7 ? * MON-FRI *)", "arn:aws:scheduler:::aws-sdk:ec2:startInstances"],
      ["openclaw-dev-unmute", "cron(0 7 ? * MON-FRI *)", "arn:aws:scheduler:::aws-sdk:cloudwatch:enableAlarmActions"],
    ]);
    for (const s of schedules) expect(s.scheduleExpressionTimezone).toBe("Europe/Berlin");
    expect(JSON.parse(schedules[0].target.input)).toEqual({ InstanceIds: ["i-0123456789abcdef0"] });
    expect(JSON.parse(schedules[1].target.input).AlarmNames.sort()).toEqual([
      "openclaw-dev-backup-stale",
      "openclaw-dev-gateway-unhealthy",
      "openclaw-dev-status-instance",
      "openclaw-dev-status-system",
    ]);
    const policy = JSON.parse(ofType(resources, "aws:iam/rolePolicy:RolePolicy")[0]!.inputs.policy);
    expect(policy.Statement[0]).toEqual({
      Sid: "StopStartGatewayInstance",
      Effect: "Allow",
      Action: ["ec2:StopInstances", "ec2:StartInstances"],
      Resource: "arn:aws:ec2:us-east-1:123456789012:instance/i-0123456789abcdef0",
    });
    expect(policy.Statement[1].Resource).toHaveLength(4);
    const trust = JSON.parse(ofType(resources, "aws:iam/role:Role")[0]!.inputs.assumeRolePolicy);
    expect(trust.Statement[0].Principal).toEqual({ Service: "scheduler.amazonaws.com" });
    expect(trust.Statement[0].Condition.StringEquals["aws:SourceAccount"]).toBe("123456789012");
  });
});
