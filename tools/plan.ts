/**
 * npm run plan -- --stack <name> [--config <file>] [--json] [--out <dir>] [--against <previous plan JSON>]
 *
 * --against: a `--json` plan of the same stack from before the change; the Upgrade section then says whether
 * this plan applies in place (an upgrade transaction, with its rollback point) or replaces the instance.
 *
 * Exit 0: no mandatory violation. 1: at least one. 2: invalid configuration or arguments.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { ConfigValidationError } from "../components/config/schema";
import { renderCostSection, renderGuardrailsSection } from "../components/cost/report";
import { runPlan, type PlanResult } from "./lib/plan";
import { renderUpgradeSection, summarizeUpgrade, type PlanLikeResource, type UpgradeSummary } from "./lib/upgrade";

const USAGE =
  "usage: npm run plan -- --stack <name> [--config <file>] [--json] [--out <dir>] [--against <previous plan JSON>]";

export function renderTree(plan: PlanResult): string[] {
  const children = new Map<string | undefined, typeof plan.resources>();
  for (const r of plan.resources) {
    const list = children.get(r.parent) ?? [];
    list.push(r);
    children.set(r.parent, list);
  }
  const lines: string[] = [];
  const walk = (parent: string | undefined, depth: number) => {
    for (const r of children.get(parent) ?? []) {
      lines.push(`${"  ".repeat(depth + 1)}${r.type}  ${r.name}`);
      walk(r.urn, depth + 1);
    }
  };
  walk(undefined, 0);
  return lines;
}

export function renderHuman(plan: PlanResult, upgrade?: UpgradeSummary): string {
  const mandatory = plan.violations.filter((v) => v.level === "mandatory");
  const advisory = plan.violations.filter((v) => v.level === "advisory");
  const out = [`Offline plan for stack "${plan.stack}": ${plan.resources.length} resources`, ...renderTree(plan), ""];
  out.push("Outputs:");
  for (const o of plan.outputs) out.push(`  ${o.name}: ${o.secret ? "[secret]" : JSON.stringify(o.value)}`);
  out.push("", ...renderCostSection(plan.cost), "", ...renderGuardrailsSection(plan.resources));
  if (upgrade) out.push("", ...renderUpgradeSection(upgrade));
  out.push("", `Policies: ${mandatory.length} mandatory, ${advisory.length} advisory violation(s)`);
  for (const v of [...mandatory, ...advisory]) {
    out.push(`  ${v.level.toUpperCase().padEnd(9)} ${v.policy}  ${v.urn}`, `      ${v.message}`);
  }
  return out.join("\n");
}

export function writeArtifacts(dir: string, artifacts: Record<string, string>): string[] {
  const written: string[] = [];
  for (const [rel, content] of Object.entries(artifacts).sort()) {
    const target = path.resolve(dir, rel);
    if (!target.startsWith(path.resolve(dir) + path.sep)) throw new Error(`artifact path ${rel} escapes ${dir}`);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, content, { mode: rel.endsWith(".sh") ? 0o755 : 0o644 });
    written.push(rel);
  }
  return written;
}

async function main(argv: string[]): Promise<number> {
  let args: { stack?: string; config?: string; json: boolean; out?: string; against?: string };
  try {
    args = parseArgs({
      args: argv,
      options: {
        stack: { type: "string" },
        config: { type: "string" },
        json: { type: "boolean", default: false },
        out: { type: "string" },
        against: { type: "string" },
      },
      strict: true,
    }).values;
  } catch (e) {
    console.error(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (!args.stack) {
    console.error(`--stack is required\n${USAGE}`);
    return 2;
  }
  let previous: { resources: PlanLikeResource[]; outputs?: { name: string; value: unknown }[] } | undefined;
  if (args.against) {
    try {
      previous = JSON.parse(fs.readFileSync(args.against, "utf8"));
      if (!Array.isArray(previous?.resources)) throw new Error("it has no resources array");
    } catch (e) {
      console.error(
        `--against ${args.against}: not a plan JSON (${(e as Error).message}); write one with npm run -s plan -- --stack <name> --json > <file>\n${USAGE}`,
      );
      return 2;
    }
  }
  let plan: PlanResult;
  try {
    plan = await runPlan({ stack: args.stack, configFile: args.config });
  } catch (e) {
    if (e instanceof ConfigValidationError) {
      console.error(e.message);
      return 2;
    }
    throw e;
  }
  if (args.out) {
    const written = writeArtifacts(args.out, plan.artifacts);
    if (!args.json) console.log(`Wrote ${written.length} artifacts to ${args.out}`);
  }
  const upgrade = summarizeUpgrade(plan.target, plan, previous);
  if (args.json) {
    const { stack, resources, violations, outputs, cost } = plan;
    process.stdout.write(`${JSON.stringify({ stack, resources, violations, outputs, cost, upgrade }, null, 2)}\n`);
  } else {
    console.log(renderHuman(plan, upgrade));
  }
  return plan.violations.some((v) => v.level === "mandatory") ? 1 : 0;
}

/** Runs the CLI and sets the exit code; tools/run.cjs calls it from the bundled copy of this file. */
export function cli(argv: string[]): void {
  main(argv).then(
    // exitCode, not exit(): a piped --json larger than the pipe buffer must be written out in full first.
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      console.error(e instanceof Error ? e.stack : e);
      process.exit(2);
    },
  );
}

if (require.main === module) cli(process.argv.slice(2));
