import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { allPolicies } from "../../policies/all";
import { CONTROLS } from "../../policies/lib/controls";
import { evaluatePolicies } from "../../policies/lib/evaluate";
import { kebabCase } from "../../policies/lib/util";
import { coverage } from "../../tools/coverage-policies";

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

describe("coverage against the project's control catalogue", () => {
  it("every control of the catalogue is implemented by some policy, and policies name only known controls", () => {
    const r = coverage(
      CONTROLS,
      allPolicies.flatMap((p) => p.controls),
    );
    expect(Object.keys(CONTROLS).length).toBeGreaterThanOrEqual(60);
    expect(r.uncovered).toEqual([]);
    expect(r.unknown).toEqual([]);
  });
  it("a control no policy declares shows as uncovered, an undefined one as unknown", () => {
    const catalogue = { ...CONTROLS, "x/new": { area: "network", level: "mandatory", requires: "x", peers: [] } };
    const r = coverage(catalogue as typeof CONTROLS, ["net/imdsv2", "x/typo"]);
    expect(r.covered).toEqual(["net/imdsv2"]);
    expect(r.uncovered).toContain("x/new");
    expect(r.unknown).toEqual(["x/typo"]);
  });
  it("every control names its level, what it requires and at least one peer rule", () => {
    for (const [id, ctl] of Object.entries(CONTROLS)) {
      expect(id).toMatch(/^[a-z0-9]+\/[a-z0-9-]+$/);
      expect(["mandatory", "advisory"]).toContain(ctl.level);
      expect(ctl.requires).toMatch(/^[A-Z].*\.$/);
      expect(ctl.peers.length, id).toBeGreaterThan(0);
    }
  });
  it("nothing in the repository reads files outside it", () => {
    // The pattern is assembled so this file does not match itself.
    const sibling = ["\\.\\.", "shared", ""].join("/");
    const r = spawnSync("git", ["grep", "-n", "-I", "-E", `${sibling}|/work/${"shared"}`], {
      cwd: root,
      encoding: "utf8",
    });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stdout).toBe("");
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
