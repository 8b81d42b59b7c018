/** The estimator's arithmetic on small, hand-checkable resource lists, and the plan's cost section. */
import { describe, expect, it } from "vitest";
import { estimateMonthlyCost } from "../../components/cost/estimate";
import { INSTANCE_HOURLY } from "../../components/cost/prices";
import { renderCostSection, renderGuardrailsSection } from "../../components/cost/report";
import { instanceMemoryMiB } from "../../components/config/sections/vm";

const gateway = (extra: Record<string, unknown> = {}) => ({
  type: "aws:ec2/instance:Instance",
  name: "gw",
  inputs: {
    instanceType: "t3.medium",
    rootBlockDevice: { volumeSize: 30 },
    tags: { "openclaw:role": "gateway" },
    ...extra,
  },
});

describe("estimateMonthlyCost", () => {
  it("prices every instance type the config accepts", () => {
    for (const t of Object.keys(instanceMemoryMiB)) expect(INSTANCE_HOURLY[t], t).toBeGreaterThan(0);
  });

  it.each([
    ["bare instance", [gateway()], 730 * 0.0416 + 30 * 0.08],
    [
      "+ public IPv4 and detailed monitoring",
      [gateway({ associatePublicIpAddress: true, monitoring: true })],
      730 * 0.0416 + 30 * 0.08 + 730 * 0.005 + 7 * 0.3,
    ],
    [
      "+ NAT gateway (10 GB) and its EIP",
      [
        gateway(),
        { type: "aws:ec2/natGateway:NatGateway", name: "nat", inputs: {} },
        { type: "aws:ec2/eip:Eip", name: "eip", inputs: {} },
      ],
      730 * 0.0416 + 2.4 + 730 * 0.045 + 10 * 0.045 + 730 * 0.005,
    ],
    [
      "+ 50 GiB gp3 data volume",
      [gateway(), { type: "aws:ebs/volume:Volume", name: "data", inputs: { size: 50, type: "gp3" } }],
      730 * 0.0416 + 2.4 + 4,
    ],
    [
      "+ key, 2 secrets, 2 standard alarms on AWS metrics",
      [
        gateway(),
        { type: "aws:kms/key:Key", name: "k", inputs: {} },
        ...[1, 2].map((n) => ({ type: "aws:secretsmanager/secret:Secret", name: `s${n}`, inputs: {} })),
        ...[1, 2].map((n) => ({
          type: "aws:cloudwatch/metricAlarm:MetricAlarm",
          name: `a${n}`,
          inputs: { namespace: "AWS/EC2", metricName: "StatusCheckFailed", period: 60 },
        })),
      ],
      730 * 0.0416 + 2.4 + 1 + 0.8 + 0.2,
    ],
  ])("%s", (_n, resources, expected) => {
    expect(estimateMonthlyCost(resources).totalUsd).toBeCloseTo(expected, 6);
  });

  it("charges a custom metric once however many alarms watch it, plus the PutMetricData requests", () => {
    const alarm = (n: string) => ({
      type: "aws:cloudwatch/metricAlarm:MetricAlarm",
      name: n,
      inputs: { namespace: "OpenClaw/Gateway", metricName: "Healthy", dimensions: { Stack: "p" }, period: 60 },
    });
    const e = estimateMonthlyCost([alarm("a"), alarm("b")], { putMetricRequestsPerMonth: 10_000 });
    expect(e.items.filter((i) => i.type === "(custom metric)").map((i) => [i.name, i.monthlyUsd])).toEqual([
      ["OpenClaw/Gateway/Healthy{Stack=p}", 0.3],
      ["PutMetricData requests", 0.1],
    ]);
  });

  it("log groups: ingestion plus what the retention keeps", () => {
    const e = estimateMonthlyCost(
      [
        {
          type: "aws:cloudwatch/logGroup:LogGroup",
          name: "lg",
          inputs: { name: "/openclaw/p/gateway", retentionInDays: 90 },
        },
      ],
      { gatewayLogGbPerMonth: 2 },
    );
    expect(e.totalUsd).toBeCloseTo(2 * 0.5 + 2 * 3 * 0.03, 6);
  });

  it("overhead ratio: total over the gateway instance's hours and root volume (not the NAT instance)", () => {
    const nat = {
      type: "aws:ec2/instance:Instance",
      name: "nat",
      inputs: { instanceType: "t4g.nano", rootBlockDevice: { volumeSize: 8 } },
    };
    const e = estimateMonthlyCost([gateway(), nat]);
    const bare = 730 * 0.0416 + 30 * 0.08;
    expect(e.bareInstanceUsd).toBeCloseTo(bare, 6);
    expect(e.overheadRatio).toBeCloseTo((bare + 730 * 0.0042 + 8 * 0.08) / bare, 6);
  });

  it("lists unknown types as unpriced and skips components", () => {
    const e = estimateMonthlyCost([
      { type: "aws:rds/instance:Instance", name: "db", inputs: {} },
      { type: "openclaw:vm:GatewayVm", name: "vm", inputs: {} },
    ]);
    expect(e.unpriced).toEqual([{ name: "db", type: "aws:rds/instance:Instance" }]);
    expect(e.items.map((i) => i.name)).toEqual(["db"]);
    expect(e.overheadRatio).toBeNull();
  });

  it("fails on an instance type without a price, naming the fix", () => {
    expect(() => estimateMonthlyCost([gateway({ instanceType: "x9.huge" })])).toThrow(
      /x9.huge.*components\/cost\/prices.ts/,
    );
  });
});

describe("plan sections", () => {
  it("print non-zero lines, the total, the ratio, alarms and the budget", () => {
    const resources = [
      gateway(),
      { type: "aws:iam/role:Role", name: "role", inputs: {} },
      {
        type: "aws:cloudwatch/metricAlarm:MetricAlarm",
        name: "h",
        inputs: {
          name: "openclaw-p-gateway-unhealthy",
          namespace: "OpenClaw/Gateway",
          metricName: "Healthy",
          dimensions: { Stack: "p" },
          statistic: "Minimum",
          comparisonOperator: "LessThanThreshold",
          threshold: 1,
          period: 60,
          evaluationPeriods: 3,
          datapointsToAlarm: 3,
          treatMissingData: "breaching",
          alarmActions: ["arn:aws:sns:us-east-1:1:t"],
        },
      },
      {
        type: "aws:budgets/budget:Budget",
        name: "b",
        inputs: {
          name: "openclaw-p-monthly",
          limitAmount: "100.00",
          limitUnit: "USD",
          timeUnit: "MONTHLY",
          notifications: [
            { threshold: 80, notificationType: "ACTUAL" },
            { threshold: 95, notificationType: "FORECASTED" },
          ],
        },
      },
    ];
    const cost = renderCostSection(estimateMonthlyCost(resources)).join("\n");
    expect(cost).toMatch(/\$32\.77 +gw +730 h × \$0\.0416 \(t3\.medium\)/);
    expect(cost).not.toMatch(/ role /);
    expect(cost).toMatch(/hardening overhead: 1\.03 × the bare instance \(\$32\.77/);
    const g = renderGuardrailsSection(resources).join("\n");
    expect(g).toContain(
      "openclaw-p-gateway-unhealthy: OpenClaw/Gateway Healthy{Stack=p} Minimum < 1 for 3×60s, missing=breaching -> sns",
    );
    expect(g).toContain("openclaw-p-monthly: 100.00 USD/monthly, notify at 80% actual, 95% forecasted");
  });
});
