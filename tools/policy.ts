// `npm run policy -- --resources <file.json> [--json] [--config <pack-config.json>]`
// Runs the pack's resource and stack policies offline, through the same evaluate core as the plan.
// Exit: 0 no mandatory violation, 1 at least one, 2 unreadable or invalid input.
import { readFileSync } from "node:fs";
import { evaluatePolicies, type PolicyResourceInput, type Violation } from "../policies/lib/evaluate";

function fail(msg: string): never {
  process.stderr.write(`policy: ${msg}\n`);
  process.exit(2);
}

function readJson(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    fail(`cannot read ${what} ${path}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    fail(`${what} ${path} is not valid JSON: ${(e as Error).message}`);
  }
}

export function validateInput(data: unknown): PolicyResourceInput[] {
  if (!Array.isArray(data)) throw new Error('expected a JSON array of {"type", "name", "props"} objects');
  data.forEach((r, i) => {
    if (typeof r !== "object" || r === null) throw new Error(`entry [${i}] is not an object`);
    if (typeof r.type !== "string" || !/^[\w.-]+:[\w./-]*:[\w]+$/.test(r.type))
      throw new Error(
        `entry [${i}].type is ${JSON.stringify(r.type)}: use a type token like "aws:ec2/securityGroup:SecurityGroup"`,
      );
    if (typeof r.name !== "string" || r.name === "")
      throw new Error(`entry [${i}].name is missing: give every resource a name`);
    if (typeof r.props !== "object" || r.props === null || Array.isArray(r.props))
      throw new Error(`entry [${i}] (${r.name}).props must be an object of camelCase inputs`);
    if (
      r.dependencies !== undefined &&
      (typeof r.dependencies !== "object" || Object.values(r.dependencies).some((v) => !Array.isArray(v)))
    ) {
      throw new Error(`entry [${i}] (${r.name}).dependencies must map a property name to an array of URNs`);
    }
  });
  return data as PolicyResourceInput[];
}

export function formatHuman(violations: Violation[]): string {
  const order = (v: Violation) => (v.level === "mandatory" ? 0 : 1);
  return [...violations]
    .sort((a, b) => order(a) - order(b) || a.policy.localeCompare(b.policy) || a.urn.localeCompare(b.urn))
    .map((v) => `${v.level.toUpperCase().padEnd(10)} ${v.policy}  ${v.urn}\n    ${v.message}`)
    .join("\n");
}

async function main(argv: string[]) {
  const arg = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const file = arg("--resources");
  if (!file) fail("usage: npm run policy -- --resources <file.json> [--json] [--config <pack-config.json>]");
  let resources: PolicyResourceInput[];
  try {
    resources = validateInput(readJson(file, "resources file"));
  } catch (e) {
    fail(`${file}: ${(e as Error).message}`);
  }
  const configPath = arg("--config");
  const config = configPath ? (readJson(configPath, "pack config") as any) : undefined;
  let violations: Violation[];
  try {
    violations = await evaluatePolicies(resources, { config });
  } catch (e) {
    fail((e as Error).message);
  }
  const mandatory = violations.filter((v) => v.level === "mandatory").length;
  if (argv.includes("--json")) {
    process.stdout.write(`${JSON.stringify({ violations }, null, 2)}\n`);
  } else {
    if (violations.length) process.stdout.write(`${formatHuman(violations)}\n`);
    process.stdout.write(
      `${resources.length} resources checked: ${mandatory} mandatory, ${violations.length - mandatory} advisory violation(s)\n`,
    );
  }
  process.exit(mandatory > 0 ? 1 : 0);
}

/** Runs the CLI; tools/run.cjs calls it from the bundled copy of this file (`npm run policy`). */
export function cli(argv: string[]): void {
  void main(argv);
}

if (require.main === module) cli(process.argv.slice(2));
