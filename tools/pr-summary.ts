/**
 * Turns the offline plan's JSON (`npm run plan -- --stack X --json`) into the markdown a pull request
 * shows: what the stack registers, the policy verdicts and the monthly cost estimate. Used by
 * .github/workflows/pr-preview.yml for `$GITHUB_STEP_SUMMARY` and the sticky PR comment.
 *
 *   npx tsx tools/pr-summary.ts --plan plan.json --stack dev --exit-code 0 [--out summary.md]
 *
 * Never prints resource inputs: they can hold secrets the plan did not mark.
 */
import * as fs from "node:fs";
import { parseArgs } from "node:util";

export interface PlanViolation {
  policy: string;
  level: "mandatory" | "advisory" | string;
  urn?: string;
  message: string;
}
export interface PlanJson {
  stack?: string;
  resources?: { urn?: string; type: string; name?: string }[];
  violations?: PlanViolation[];
  /** Added by the cost estimator; absent in older plans. */
  cost?: unknown;
}

/** Hidden marker the workflow finds its own comment by, one per stack, so re-runs edit instead of adding. */
export const commentMarker = (stack: string) => `<!-- openclaw-plan-summary:${stack} -->`;

/**
 * Monthly USD from whatever shape the cost field has: a number, or an object with a numeric
 * `monthlyUsd` / `monthly` / `total` (first found). Undefined when there is nothing numeric.
 */
export function monthlyCost(cost: unknown): number | undefined {
  if (typeof cost === "number" && Number.isFinite(cost)) return cost;
  if (cost && typeof cost === "object") {
    for (const k of ["monthlyUsd", "monthly", "total", "totalMonthlyUsd"]) {
      const v = (cost as Record<string, unknown>)[k];
      if (typeof v === "number" && Number.isFinite(v)) return v;
    }
  }
  return undefined;
}

// Messages come from policies and may contain `|` or newlines, which would break the table.
const cell = (s: string) => s.replace(/\r?\n/g, " ").replace(/\|/g, "\\|");
// `urn:pulumi:<stack>::<project>::<type>::<name>` -> `<type>::<name>`: the stack and project are in the title.
const shortUrn = (urn?: string) => (urn ? urn.split("::").slice(-2).join("::") : "(stack)");

export interface SummaryInput {
  stack: string;
  /** Raw text of the plan's stdout; may be empty or not JSON when the plan failed early. */
  planText: string;
  /** Exit code of the plan: 0 ok, 1 mandatory violation, 2 invalid config. */
  exitCode: number;
}

export function renderSummary(input: SummaryInput): string {
  const lines = [commentMarker(input.stack), `### Offline plan: \`${input.stack}\``, ""];
  let plan: PlanJson | undefined;
  try {
    plan = JSON.parse(input.planText) as PlanJson;
  } catch {
    plan = undefined;
  }
  if (!plan || !Array.isArray(plan.resources)) {
    const why = input.exitCode === 2 ? "the stack's configuration is invalid" : "the plan produced no JSON";
    lines.push(`:x: **Plan failed** (exit ${input.exitCode}): ${why}. See the job log for the error.`);
    return `${lines.join("\n")}\n`;
  }

  const violations = plan.violations ?? [];
  const mandatory = violations.filter((v) => v.level === "mandatory");
  const advisory = violations.filter((v) => v.level !== "mandatory");
  const verdict =
    mandatory.length > 0 || input.exitCode === 1
      ? `:x: **${mandatory.length} mandatory violation(s)**: this stack cannot be deployed as is`
      : input.exitCode !== 0
        ? `:x: **Plan failed** (exit ${input.exitCode})`
        : `:white_check_mark: **Policies pass**`;
  const cost = monthlyCost(plan.cost);
  lines.push(
    `${verdict} · ${advisory.length} advisory · ${plan.resources.length} resources · ` +
      (cost === undefined ? "monthly cost: n/a" : `estimated monthly cost: **$${cost.toFixed(2)}**`),
    "",
  );

  if (violations.length > 0) {
    lines.push("| level | policy | resource | message |", "| --- | --- | --- | --- |");
    for (const v of [...mandatory, ...advisory]) {
      lines.push(`| ${v.level} | \`${cell(v.policy)}\` | \`${cell(shortUrn(v.urn))}\` | ${cell(v.message)} |`);
    }
    lines.push("");
  }

  const byType = new Map<string, number>();
  for (const r of plan.resources) byType.set(r.type, (byType.get(r.type) ?? 0) + 1);
  lines.push("<details><summary>Resources by type</summary>", "", "| type | count |", "| --- | --- |");
  for (const [t, n] of [...byType].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])))
    lines.push(`| \`${t}\` | ${n} |`);
  lines.push(
    "",
    "</details>",
    "",
    "_The cloud diff (what changes against the live stack) is in the Pulumi preview comment._",
  );
  return `${lines.join("\n")}\n`;
}

function main(): void {
  const { values } = parseArgs({
    options: {
      plan: { type: "string" },
      stack: { type: "string" },
      "exit-code": { type: "string", default: "0" },
      out: { type: "string" },
    },
  });
  if (!values.plan || !values.stack) throw new Error("pr-summary: --plan <file> and --stack <name> are required");
  const planText = fs.existsSync(values.plan) ? fs.readFileSync(values.plan, "utf8") : "";
  const md = renderSummary({ stack: values.stack, planText, exitCode: Number(values["exit-code"]) });
  if (values.out) fs.writeFileSync(values.out, md);
  else process.stdout.write(md);
}

if (require.main === module) main();
