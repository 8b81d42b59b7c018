import { describe, expect, it } from "vitest";
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { allPolicies } from "../../policies/all";
import { CONTROLS } from "../../policies/lib/controls";
import { evaluatePolicies } from "../../policies/lib/evaluate";
import { kebabCase } from "../../policies/lib/util";
import { coverage, parseRules } from "../../tools/coverage-policies";

const root = resolve(__dirname, "../..");
const readme = readFileSync(resolve(root, "policies/README.md"), "utf8");

describe("pack metadata", () => {
  it.each(allPolicies.map((p) => [p.name, p] as const))(
    "%s: kebab-case name, one-sentence description, level, controls, README row",
    (_n, p) => {
      expect(kebabCase(p.name)).toBe(true);
      expect(p.description).toMatch(/^[A-Z][^.]*(\.[^.\s][^.]*)*\.$/);
      expect(["mandatory", "advisory"]).toContain(p.enforcementLevel);
      expect(p.controls.length).toBeGreaterThan(0);
      for (const c of p.controls) expect(CONTROLS[c]).toBeDefined();
      expect(p.configSchema?.properties.reason).toBeDefined();
      const row = readme.split("\n").find((l) => l.startsWith(`| \`${p.name}\` |`));
      expect(row, `README table row for ${p.name}`).toBeDefined();
      expect(row).toContain(`| ${p.enforcementLevel} |`);
    },
  );
  it("names are unique", () => {
    expect(new Set(allPolicies.map((p) => p.name)).size).toBe(allPolicies.length);
  });
  it("the README table lists no policy that does not exist", () => {
    const names = [...readme.matchAll(/^\| `([a-z0-9-]+)` \|/gm)].map((m) => m[1]);
    expect(names.sort()).toEqual(allPolicies.map((p) => p.name).sort());
  });
  it("index.ts only imports and assembles the pack", () => {
    const src = readFileSync(resolve(root, "policies/index.ts"), "utf8");
    const code = src.split("\n").filter((l) => l.trim() && !l.trim().startsWith("//"));
    expect(code.filter((l) => l.startsWith("import")).map((l) => l.replace(/.*from /, ""))).toEqual([
      '"@pulumi/policy";',
      '"./all";',
    ]);
    expect(src).toMatch(/new PolicyPack\("openclaw", \{/);
    expect(src).toMatch(/policies: allPolicies/);
    expect(src).not.toMatch(/validateResource|validateStack|function|=>/);
    expect(readFileSync(resolve(root, "policies/PulumiPolicy.yaml"), "utf8")).toMatch(/^runtime: nodejs$/m);
    expect(JSON.parse(readFileSync(resolve(root, "policies/package.json"), "utf8")).version).toMatch(/^\d+\.\d+\.\d+$/);
  });
});

describe("coverage against policy-rules.md", () => {
  const rulesPath = resolve(root, "../shared/reference/policy-rules.md");
  it("every control row is covered", () => {
    // CI clones the repo with shared/ beside it; without the reference there is nothing to count against.
    expect(existsSync(rulesPath), `${rulesPath} is missing: clone the repo beside shared/`).toBe(true);
    const rows = parseRules(readFileSync(rulesPath, "utf8"));
    expect(rows.length).toBeGreaterThanOrEqual(57);
    const { uncovered } = coverage(
      rows,
      allPolicies.flatMap((p) => p.controls),
    );
    expect(uncovered).toEqual([]);
  });
  it("an unknown or reworded row shows as uncovered", () => {
    const md =
      "## Network x\n| control | level |\n| --- | --- |\n| IMDSv2 required, hop limit 1 | M |\n| something new | M |\n## Kubernetes y\n| control |\n| --- |\n| not privileged | M |\n";
    const { covered, uncovered } = coverage(
      parseRules(md),
      allPolicies.flatMap((p) => p.controls),
    );
    expect(covered.map((r) => r.text)).toEqual(["IMDSv2 required, hop limit 1", "not privileged"]);
    expect(uncovered.map((r) => r.text)).toEqual(["something new"]);
  });
});

describe("pack config validation", () => {
  it("rejects unknown policy names and bad levels, naming the key and the fix", async () => {
    await expect(
      evaluatePolicies([], { config: { "no-such-policy": { enforcementLevel: "advisory" } } }),
    ).rejects.toThrow(/unknown policy "no-such-policy"/);
    await expect(
      evaluatePolicies([], { config: { "kms-key-rotation": { enforcementLevel: "loud" as any } } }),
    ).rejects.toThrow(/kms-key-rotation.enforcementLevel is "loud"/);
  });
  it("raises an advisory rule to mandatory without needing a reason", async () => {
    const v = await evaluatePolicies([{ type: "aws:secretsmanager/secret:Secret", name: "s", props: {} }], {
      config: { "secret-cmk-encryption": { enforcementLevel: "mandatory" } },
    });
    expect(v.find((x) => x.policy === "secret-cmk-encryption")?.level).toBe("mandatory");
  });
});
