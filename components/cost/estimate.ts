/**
 * Monthly cost estimate from a plan's resource list and the price table. Pure: the same resources and
 * assumptions always give the same figures, so a PR can show the delta.
 */
import { GATEWAY_ROLE_TAG } from "../tags/tags";
import {
  HOURS_PER_MONTH,
  INSTANCE_HOURLY,
  isComponentType,
  PRICE_DATE,
  PRICE_REGION,
  PRICE_RULES,
  PRICES,
} from "./prices";

/** What the estimate cannot read from the resources. Each is a guess for one gateway with light use. */
export interface CostAssumptions {
  /** Hours each instance and NAT gateway runs. A scheduled stop is not modelled: lower this to see its effect. */
  hoursPerMonth: number;
  /** Gateway container logs (awslogs): a busy single-user gateway writes well under 1 GB a month. */
  gatewayLogGbPerMonth: number;
  /** VPC flow logs: a single host with light egress. */
  flowLogGbPerMonth: number;
  /** Lambda function logs (rotation runs monthly). */
  lambdaLogGbPerMonth: number;
  /** Any other log group. */
  otherLogGbPerMonth: number;
  /** Backup bucket: compressed state archives across retained versions, priced at S3 Standard (the lifecycle moves older ones to cheaper tiers, so this is an upper bound). */
  backupStoredGb: number;
  /** Access-log bucket (request metadata only). */
  accessLogStoredGb: number;
  /** Through a NAT gateway: image pulls, LLM API calls, OS updates. */
  natProcessedGbPerMonth: number;
  /** Rotation Lambda: 4 steps per rotation, a test run or two. */
  lambdaInvocationsPerMonth: number;
  lambdaSecondsPerInvocation: number;
  /** PutMetricData calls: the health probe once a minute (one call carries all its metrics) plus daily backups. */
  putMetricRequestsPerMonth: number;
  /** Months a never-expiring log group accumulates before the estimate stops counting. */
  neverExpireMonths: number;
}

export const DEFAULT_ASSUMPTIONS: CostAssumptions = {
  hoursPerMonth: HOURS_PER_MONTH,
  gatewayLogGbPerMonth: 1,
  flowLogGbPerMonth: 2,
  lambdaLogGbPerMonth: 0.01,
  otherLogGbPerMonth: 0.1,
  backupStoredGb: 5,
  accessLogStoredGb: 0.1,
  natProcessedGbPerMonth: 10,
  lambdaInvocationsPerMonth: 10,
  lambdaSecondsPerInvocation: 30,
  putMetricRequestsPerMonth: 43_800 + 30,
  neverExpireMonths: 12,
};

export interface CostResource {
  urn?: string;
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

export interface CostItem {
  /** URN when the resource has one; derived items (custom metrics) have none. */
  urn?: string;
  name: string;
  type: string;
  monthlyUsd: number;
  basis: string;
}

export interface CostEstimate {
  region: string;
  priceDate: string;
  items: CostItem[];
  totalUsd: number;
  /** Instance hours + root volume of the gateway instance: what the workload would cost unhardened. */
  bareInstanceUsd: number;
  /** totalUsd / bareInstanceUsd; null when the stack has no instance. */
  overheadRatio: number | null;
  /** Resource types with no rule in the price table (should be empty; the coverage test keeps it so). */
  unpriced: { name: string; type: string }[];
  assumptions: CostAssumptions;
}

// Unit prices keep their precision ($0.0416/h); whole-cent amounts print as cents.
const usd = (n: number) =>
  `$${Number.isInteger(Math.round(n * 1e6) / 1e4) ? n.toFixed(2) : String(Number(n.toFixed(6)))}`;

function num(v: unknown, fallback: number): number {
  return typeof v === "number" && Number.isFinite(v) ? v : fallback;
}

function instanceCost(r: CostResource, a: CostAssumptions): { total: number; bare: number; basis: string } {
  const type = String(r.inputs.instanceType ?? "");
  const hourly = INSTANCE_HOURLY[type];
  if (hourly === undefined)
    throw new Error(
      `no price for instance type ${type} (${r.name}); add it to components/cost/prices.ts INSTANCE_HOURLY`,
    );
  const root = (r.inputs.rootBlockDevice ?? {}) as Record<string, unknown>;
  // EC2's default root volume for the AMIs used here is 8 GiB.
  const rootGb = num(root.volumeSize, 8);
  const hours = a.hoursPerMonth * hourly;
  const rootUsd = rootGb * PRICES.ebsGp3PerGbMonth;
  const parts = [
    `${a.hoursPerMonth} h × ${usd(hourly)} (${type})`,
    `${rootGb} GiB gp3 root × ${usd(PRICES.ebsGp3PerGbMonth)}`,
  ];
  let extra = 0;
  if (r.inputs.associatePublicIpAddress === true) {
    extra += a.hoursPerMonth * PRICES.publicIpv4Hourly;
    parts.push(`public IPv4 ${a.hoursPerMonth} h × ${usd(PRICES.publicIpv4Hourly)}`);
  }
  if (r.inputs.monitoring === true) {
    extra += PRICES.ec2DetailedMonitoringMetrics * PRICES.cloudwatchCustomMetricMonth;
    parts.push(
      `detailed monitoring ${PRICES.ec2DetailedMonitoringMetrics} metrics × ${usd(PRICES.cloudwatchCustomMetricMonth)}`,
    );
  }
  return { total: hours + rootUsd + extra, bare: hours + rootUsd, basis: parts.join(" + ") };
}

function logGroupGb(groupName: string, a: CostAssumptions): [number, string] {
  if (/\/gateway$/.test(groupName)) return [a.gatewayLogGbPerMonth, "gateway logs"];
  if (/flow/i.test(groupName)) return [a.flowLogGbPerMonth, "flow logs"];
  if (groupName.startsWith("/aws/lambda/")) return [a.lambdaLogGbPerMonth, "Lambda logs"];
  return [a.otherLogGbPerMonth, "logs"];
}

function priceOne(r: CostResource, a: CostAssumptions): { monthlyUsd: number; basis: string } {
  const i = r.inputs;
  switch (r.type) {
    case "aws:ec2/instance:Instance": {
      const c = instanceCost(r, a);
      return { monthlyUsd: c.total, basis: c.basis };
    }
    case "aws:ebs/volume:Volume": {
      const gb = num(i.size, 0);
      const iops = Math.max(0, num(i.iops, 3000) - 3000);
      const mbps = Math.max(0, num(i.throughput, 125) - 125);
      const total = gb * PRICES.ebsGp3PerGbMonth + iops * PRICES.ebsGp3PerIopsMonth + mbps * PRICES.ebsGp3PerMbpsMonth;
      return {
        monthlyUsd: total,
        basis: `${gb} GiB gp3 × ${usd(PRICES.ebsGp3PerGbMonth)}${iops ? ` + ${iops} IOPS` : ""}${mbps ? ` + ${mbps} MB/s` : ""}`,
      };
    }
    case "aws:ec2/natGateway:NatGateway":
      return {
        monthlyUsd: a.hoursPerMonth * PRICES.natGatewayHourly + a.natProcessedGbPerMonth * PRICES.natGatewayPerGb,
        basis: `${a.hoursPerMonth} h × ${usd(PRICES.natGatewayHourly)} + ${a.natProcessedGbPerMonth} GB × ${usd(PRICES.natGatewayPerGb)} processed`,
      };
    case "aws:ec2/eip:Eip":
      return {
        monthlyUsd: a.hoursPerMonth * PRICES.publicIpv4Hourly,
        basis: `public IPv4 ${a.hoursPerMonth} h × ${usd(PRICES.publicIpv4Hourly)}`,
      };
    case "aws:kms/key:Key":
      return {
        monthlyUsd: PRICES.kmsKeyMonth,
        basis: `1 key × ${usd(PRICES.kmsKeyMonth)} (+$1/month per rotated version for the first two rotations)`,
      };
    case "aws:secretsmanager/secret:Secret":
      return {
        monthlyUsd: PRICES.secretsManagerSecretMonth,
        basis: `1 secret × ${usd(PRICES.secretsManagerSecretMonth)}`,
      };
    case "aws:lambda/function:Function": {
      const gb = num(i.memorySize, 128) / 1024;
      const arm = Array.isArray(i.architectures) && i.architectures.includes("arm64");
      const gbs = a.lambdaInvocationsPerMonth * a.lambdaSecondsPerInvocation * gb;
      const total =
        (a.lambdaInvocationsPerMonth / 1e6) * PRICES.lambdaPerMillionRequests +
        gbs * (arm ? PRICES.lambdaPerGbSecondArm : PRICES.lambdaPerGbSecondX86);
      return {
        monthlyUsd: total,
        basis: `${a.lambdaInvocationsPerMonth} invocations × ${a.lambdaSecondsPerInvocation} s × ${gb} GB (${arm ? "arm64" : "x86"}); inside the free tier in most accounts`,
      };
    }
    case "aws:s3/bucket:Bucket":
    case "aws:s3/bucketV2:BucketV2": {
      const logs = /log/i.test(r.name);
      const gb = logs ? a.accessLogStoredGb : a.backupStoredGb;
      return {
        monthlyUsd: gb * PRICES.s3StandardPerGbMonth,
        basis: `${gb} GB ${logs ? "access logs" : "backups"} at S3 Standard ${usd(PRICES.s3StandardPerGbMonth)}/GB`,
      };
    }
    case "aws:cloudwatch/logGroup:LogGroup": {
      const groupName = String(i.name ?? r.name);
      const [gb, what] = logGroupGb(groupName, a);
      const retention = num(i.retentionInDays, 0);
      const months = retention > 0 ? retention / 30 : a.neverExpireMonths;
      const ingest = gb * PRICES.cloudwatchLogsIngestPerGb;
      const stored = gb * months * PRICES.cloudwatchLogsStoragePerGbMonth;
      return {
        monthlyUsd: ingest + stored,
        basis: `${gb} GB/month ${what} ingested × ${usd(PRICES.cloudwatchLogsIngestPerGb)} + ${(gb * months).toFixed(2)} GB stored (${retention || "no"} retention) × ${usd(PRICES.cloudwatchLogsStoragePerGbMonth)}`,
      };
    }
    case "aws:cloudwatch/metricAlarm:MetricAlarm": {
      const highRes = num(i.period, 60) < 60;
      const p = highRes ? PRICES.cloudwatchAlarmHighResolution : PRICES.cloudwatchAlarmStandard;
      return { monthlyUsd: p, basis: `1 ${highRes ? "high-resolution" : "standard"} alarm × ${usd(p)}` };
    }
  }
  const rule = PRICE_RULES[r.type];
  return { monthlyUsd: 0, basis: rule?.kind === "zero" ? rule.reason : "no rule" };
}

/** Custom metrics the alarms watch (namespaces outside AWS/): each distinct one is billed once. */
function customMetricItems(resources: CostResource[], a: CostAssumptions): CostItem[] {
  const seen = new Map<string, string>();
  for (const r of resources) {
    if (r.type !== "aws:cloudwatch/metricAlarm:MetricAlarm") continue;
    const ns = String(r.inputs.namespace ?? "");
    if (!ns || ns.startsWith("AWS/")) continue;
    const dims = Object.entries((r.inputs.dimensions ?? {}) as Record<string, unknown>)
      .sort(([x], [y]) => x.localeCompare(y))
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(",");
    seen.set(`${ns}/${String(r.inputs.metricName)}{${dims}}`, ns);
  }
  const items: CostItem[] = [...seen.keys()].sort().map((k) => ({
    name: k,
    type: "(custom metric)",
    monthlyUsd: PRICES.cloudwatchCustomMetricMonth,
    basis: `1 custom metric × ${usd(PRICES.cloudwatchCustomMetricMonth)}`,
  }));
  if (items.length > 0) {
    items.push({
      name: "PutMetricData requests",
      type: "(custom metric)",
      monthlyUsd: (a.putMetricRequestsPerMonth / 1000) * PRICES.cloudwatchPerThousandRequests,
      basis: `${a.putMetricRequestsPerMonth} requests × ${usd(PRICES.cloudwatchPerThousandRequests)}/1000 (the first 1 million a month are free in most accounts)`,
    });
  }
  return items;
}

export function estimateMonthlyCost(
  resources: CostResource[],
  assumptions: Partial<CostAssumptions> = {},
): CostEstimate {
  const a = { ...DEFAULT_ASSUMPTIONS, ...assumptions };
  const items: CostItem[] = [];
  const unpriced: { name: string; type: string }[] = [];
  for (const r of resources) {
    if (isComponentType(r.type)) continue;
    if (!PRICE_RULES[r.type]) unpriced.push({ name: r.name, type: r.type });
    const { monthlyUsd, basis } = priceOne(r, a);
    items.push({ ...(r.urn ? { urn: r.urn } : {}), name: r.name, type: r.type, monthlyUsd, basis });
  }
  items.push(...customMetricItems(resources, a));

  const instances = resources.filter((r) => r.type === "aws:ec2/instance:Instance");
  // The gateway instance, not the NAT instance: the one tagged as the gateway, else the only one.
  const gateway =
    instances.find(
      (r) => ((r.inputs.tags ?? {}) as Record<string, unknown>)[GATEWAY_ROLE_TAG.key] === GATEWAY_ROLE_TAG.value,
    ) ?? (instances.length === 1 ? instances[0] : undefined);
  const bareInstanceUsd = gateway ? instanceCost(gateway, a).bare : 0;
  const totalUsd = items.reduce((s, x) => s + x.monthlyUsd, 0);
  return {
    region: PRICE_REGION,
    priceDate: PRICE_DATE,
    items,
    totalUsd,
    bareInstanceUsd,
    overheadRatio: bareInstanceUsd > 0 ? totalUsd / bareInstanceUsd : null,
    unpriced,
    assumptions: a,
  };
}
