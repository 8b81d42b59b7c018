import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parseStackConfig } from "../../components/config/schema";
import { boundaryPolicyName, stackNameProblem } from "../../components/config/sections/iam";
import { runPlan } from "../../tools/lib/plan";

const VM = { target: "vm", image: "ghcr.io/openclaw/openclaw:2026.9.6", tailscale: { tailnetDnsName: "x.ts.net" } };
const parse = (stack: string, values: Record<string, unknown>) =>
  parseStackConfig({ stack, values: { ...VM, ...values }, secretKeys: new Set() });

describe("openclaw:iam.permissionsBoundary", () => {
  it("defaults to <project>-<stack>-boundary, the name the bootstrap creates", () => {
    const r = parse("prod", {});
    expect(r.ok && r.config.iam).toEqual({});
    expect(boundaryPolicyName("openclaw", "prod", r.ok ? r.config.iam : undefined)).toBe("openclaw-prod-boundary");
    expect(boundaryPolicyName("openclaw", "prod", { permissionsBoundary: "org-ceiling" })).toBe("org-ceiling");
  });

  it.each(["arn:aws:iam::123456789012:policy/x", "bad name", "", "x".repeat(129)])(
    "refuses %j naming the key and the fix",
    (value) => {
      const r = parse("prod", { iam: { permissionsBoundary: value } });
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.problems.map((p) => p.key)).toEqual(["openclaw:iam.permissionsBoundary"]);
        expect(r.problems[0].message).toMatch(/IAM policy name/);
      }
    },
  );

  it("the configured name is the boundary on every role of the plan", async () => {
    const plan = await runPlan({ stack: "dev", overrides: { "openclaw:iam.permissionsBoundary": "acme-ceiling" } });
    const roles = plan.resources.filter((r) => r.type === "aws:iam/role:Role");
    expect(roles.length).toBeGreaterThanOrEqual(3);
    for (const r of roles) expect(String(r.inputs.permissionsBoundary)).toMatch(/:policy\/acme-ceiling$/);
  }, 120_000);
});

describe("stack names on the AWS target", () => {
  it.each(["dev", "prod", "prodeu", "stage2"])("accepts %s", (s) => expect(stackNameProblem(s)).toBeUndefined());
  it.each(["prod-eu", "Prod", "2prod", "prod_eu", "a".repeat(21)])("refuses %s", (s) =>
    expect(stackNameProblem(s)).toMatch(/no '-'/),
  );

  it("npm run plan exits 2 naming the stack for prod-eu, before any resource", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stackname-"));
    const file = path.join(dir, "Pulumi.prod-eu.yaml");
    fs.copyFileSync(path.resolve(__dirname, "../../Pulumi.prod.yaml"), file);
    // As `npm run plan` runs it (the bundled CLI).
    const r = spawnSync(process.execPath, ["tools/run.cjs", "plan", "--stack", "prod-eu", "--config", file], {
      cwd: path.resolve(__dirname, "../.."),
      encoding: "utf8",
    });
    expect(r.status).toBe(2);
    expect(r.stderr + r.stdout).toMatch(/stack = "prod-eu": must be 1-20 lower-case letters/);
  }, 120_000);
});
