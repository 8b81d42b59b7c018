/**
 * Plan output sections owned by observability/cost: the monthly estimate, the alarms and the budget. Pure
 * functions of the plan's resource list, used by tools/plan.ts.
 */
import type { CostEstimate } from "./estimate";

interface Res {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

const money = (n: number) => `$${n.toFixed(2)}`;

export function renderCostSection(cost: CostEstimate): string[] {
  const out = [
    `Monthly estimate (${cost.region} on-demand prices of ${cost.priceDate}; assumptions in components/cost/estimate.ts):`,
  ];
  const shown = cost.items.filter((i) => i.monthlyUsd >= 0.005).sort((x, y) => y.monthlyUsd - x.monthlyUsd);
  const width = Math.max(0, ...shown.map((i) => i.name.length));
  for (const i of shown) out.push(`  ${money(i.monthlyUsd).padStart(9)}  ${i.name.padEnd(width)}  ${i.basis}`);
  const free = cost.items.length - shown.length;
  out.push(`  ${money(cost.totalUsd).padStart(9)}  total (${free} more resource(s) at $0.00)`);
  if (cost.overheadRatio !== null) {
    out.push(
      `  hardening overhead: ${cost.overheadRatio.toFixed(2)} × the bare instance (${money(cost.bareInstanceUsd)}: instance hours + root volume)`,
    );
  }
  for (const u of cost.unpriced) out.push(`  UNPRICED ${u.type}  ${u.name}: add it to components/cost/prices.ts`);
  return out;
}

function describeAlarm(i: Record<string, unknown>): string {
  const op: Record<string, string> = {
    GreaterThanThreshold: ">",
    GreaterThanOrEqualToThreshold: ">=",
    LessThanThreshold: "<",
    LessThanOrEqualToThreshold: "<=",
  };
  const dims = Object.entries((i.dimensions ?? {}) as Record<string, unknown>)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(",");
  const actions = ((i.alarmActions ?? []) as unknown[])
    .map((a) => (String(a).includes(":automate:") ? String(a).split(":").pop() : "sns"))
    .join("+");
  return `${String(i.namespace)} ${String(i.metricName)}{${dims}} ${String(i.statistic ?? "")} ${op[String(i.comparisonOperator)] ?? String(i.comparisonOperator)} ${String(i.threshold)} for ${String(i.datapointsToAlarm ?? i.evaluationPeriods)}×${String(i.period)}s, missing=${String(i.treatMissingData ?? "missing")} -> ${actions || "no action"}`;
}

export function renderGuardrailsSection(resources: Res[]): string[] {
  const alarms = resources.filter((r) => r.type === "aws:cloudwatch/metricAlarm:MetricAlarm");
  const budgets = resources.filter((r) => r.type === "aws:budgets/budget:Budget");
  const out = [`Alarms: ${alarms.length}`];
  for (const a of alarms) out.push(`  ${String(a.inputs.name ?? a.name)}: ${describeAlarm(a.inputs)}`);
  out.push(`Budgets: ${budgets.length}`);
  for (const b of budgets) {
    const n = ((b.inputs.notifications ?? []) as Record<string, unknown>[])
      .map((x) => `${String(x.threshold)}% ${String(x.notificationType).toLowerCase()}`)
      .join(", ");
    out.push(
      `  ${String(b.inputs.name ?? b.name)}: ${String(b.inputs.limitAmount)} ${String(b.inputs.limitUnit)}/${String(b.inputs.timeUnit).toLowerCase()}, notify at ${n || "nothing"}`,
    );
  }
  // CloudWatch alarms and AWS budgets exist only on the VM target; clusters and laptops bring their own.
  if (alarms.length === 0 && budgets.length === 0)
    out.push("  (none on this target: see docs/observability.md for Prometheus on Kubernetes)");
  return out;
}
