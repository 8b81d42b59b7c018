/**
 * Every resource type a stack can create has a price or an explicit zero: (1) every type the offline plan
 * registers for each Pulumi.<stack>.yaml in the repo root, (2) every `new <provider>.<Class>(` in components/
 * and stacks/, resolved to its type token through the SDK class, so a component not yet wired is covered too.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { isComponentType, PRICE_RULES } from "../../components/cost/prices";
import { runPlan, ROOT } from "../../tools/lib/plan";

const stacks = fs.readdirSync(ROOT).flatMap((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1] ?? []);

// A target the program does not compose yet throws inside the Pulumi runtime (and leaves unhandled
// rejections), so such stacks are recognised from the stack file and the program's own message; the static
// scan below still covers their components. Once the program composes a target, its stack is planned here too.
const programSrc = fs.readFileSync(path.join(ROOT, "stacks", "program.ts"), "utf8");
function targetOf(stack: string): string {
  return /openclaw:target:\s*(\S+)/.exec(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8"))?.[1] ?? "vm";
}
function wired(target: string): boolean {
  return !new RegExp(`case "${target}":(\\s*case "[^"]+":)*\\s*throw new Error\\([^;]*not wired yet`).test(programSrc);
}
const planned = stacks.filter((s) => wired(targetOf(s)));

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === "node_modules" ? [] : sourceFiles(p);
    return /\.ts$/.test(e.name) && !/\.test\.ts$/.test(e.name) ? [p] : [];
  });
}

const packages: Record<string, string> = {
  "@pulumi/aws": "aws",
  "@pulumi/kubernetes": "k8s",
  "@pulumi/docker": "docker",
  "@pulumi/tailscale": "tailscale",
};

/** `new alias.a.b.Class(` in each file, with the alias resolved by that file's `import * as alias from "@pulumi/x"`. */
function constructedTypes(): { type: string; where: string }[] {
  const out: { type: string; where: string }[] = [];
  for (const file of [...sourceFiles(path.join(ROOT, "components")), ...sourceFiles(path.join(ROOT, "stacks"))]) {
    const src = fs.readFileSync(file, "utf8");
    for (const m of src.matchAll(/import \* as (\w+) from "(@pulumi\/(?:aws|kubernetes|docker|tailscale))"/g)) {
      const alias = m[1]!;
      const mod = require(m[2]!);
      for (const n of src.matchAll(new RegExp(`new ${alias}\\.([\\w.]+)\\(`, "g"))) {
        const cls = n[1]!.split(".").reduce((o: any, k) => o?.[k], mod);
        const type = cls?.__pulumiType === "kubernetes" ? "pulumi:providers:kubernetes" : cls?.__pulumiType;
        out.push({ type: type ?? `unresolved ${packages[m[2]!]}.${n[1]}`, where: path.relative(ROOT, file) });
      }
    }
  }
  return out;
}

describe("price table coverage", () => {
  it("finds the stacks in the repo root", () => {
    expect(stacks).toEqual(expect.arrayContaining(["dev", "prod"]));
    expect(planned).toEqual(expect.arrayContaining(["dev", "prod"]));
  });

  it.each(planned)(
    "every custom resource type in the plan of stack %s is priced or an explicit zero",
    async (stack) => {
      const plan = await runPlan({ stack });
      const types = [...new Set(plan.resources.map((r) => r.type))].filter((t) => !isComponentType(t));
      expect(types.length).toBeGreaterThan(0);
      expect(types.filter((t) => !PRICE_RULES[t])).toEqual([]);
      expect(plan.cost.unpriced).toEqual([]);
      // AWS stacks cost something; a cluster's or a laptop's resources are priced by their owner (explicit zeros).
      if (types.some((t) => t.startsWith("aws:"))) expect(plan.cost.totalUsd).toBeGreaterThan(0);
      else expect(plan.cost.totalUsd).toBe(0);
    },
    120_000,
  );

  it("every resource class the components construct is priced or an explicit zero", () => {
    const found = constructedTypes();
    expect(found.length).toBeGreaterThan(30);
    expect(found.filter((f) => !PRICE_RULES[f.type]).map((f) => `${f.type} (${f.where})`)).toEqual([]);
  });

  it("every zero has a reason and every priced rule says how", () => {
    for (const [type, rule] of Object.entries(PRICE_RULES))
      expect(rule.kind === "zero" ? rule.reason : rule.note, type).toMatch(/\w{3,}/);
  });
});
