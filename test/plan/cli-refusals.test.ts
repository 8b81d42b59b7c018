/** The offline plan's refusals, exit codes and written artifacts, as pipelines use them: a real process each time. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { plan, ROOT, variant } from "../helpers/plan-cli";

describe("npm run plan", () => {
  it.each([
    [
      "openclaw:image",
      "ghcr.io/openclaw/openclaw:latest",
      /openclaw:image = "ghcr.io\/openclaw\/openclaw:latest": uses the moving tag 'latest'/,
    ],
    ["openclaw:target", "ec2", /openclaw:target = "ec2": must be one of vm, kubernetes, docker/],
    [
      "openclaw:tags",
      { "openclaw:stack": "staging" },
      /openclaw:tags\.openclaw:stack = "staging": tag key "openclaw:stack" is set by the stack itself .*remove it from openclaw:tags/,
    ],
  ])(
    "invalid config (%s = %s) exits 2 and names the key, before any resource",
    (key, value, message) => {
      const r = plan("--stack", "prod", "--config", variant("prod", key, value));
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).not.toContain("aws:");
    },
    120_000,
  );

  it("a mandatory violation exits 1 and names the policy", () => {
    const r = plan(
      "--stack",
      "prod",
      "--json",
      "--config",
      variant("prod", "openclaw:network", { cidr: "10.41.0.0/16", egress: "public-ip" }),
    );
    expect(r.status).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.violations.map((v: { policy: string }) => v.policy)).toContain("ec2-instance-no-public-ip");
  }, 120_000);

  it("the bundled CLI is rebuilt when a file it was built from changed", () => {
    expect(plan("--stack", "local", "--json").status).toBe(0);
    const manifestFile = path.join(ROOT, ".cache", "tools", "plan", "manifest.json");
    const manifest = JSON.parse(fs.readFileSync(manifestFile, "utf8"));
    expect(Object.keys(manifest.inputs)).toEqual(
      expect.arrayContaining([
        "tools/plan.ts",
        "tools/lib/plan.ts",
        "stacks/program.ts",
        "components/config/schema.ts",
      ]),
    );
    // As if stacks/program.ts had been edited since the bundle was built.
    fs.writeFileSync(
      manifestFile,
      JSON.stringify({ inputs: { ...manifest.inputs, "stacks/program.ts": "0".repeat(64) } }),
    );
    const r = plan("--stack", "local", "--json");
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).stack).toBe("local");
    expect(JSON.parse(fs.readFileSync(manifestFile, "utf8")).inputs["stacks/program.ts"]).toBe(
      manifest.inputs["stacks/program.ts"],
    );
  }, 120_000);

  it("bad arguments exit 2 with the usage", () => {
    expect(plan().status).toBe(2);
    expect(plan("--stack", "prod", "--bogus").stderr).toMatch(/usage: npm run plan/);
    expect(plan("--stack", "nope").stderr).toMatch(/--stack = "nope": has no stack file/);
  }, 120_000);

  it("--out writes the rendered artifacts, and no secret value", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-out-"));
    const r = plan("--stack", "caddy", "--out", dir);
    expect([0, 1]).toContain(r.status);
    for (const f of [
      "vm/user-data.yaml",
      "vm/compose.yaml",
      "vm/openclaw.json",
      "vm/units/openclaw-gateway.service",
      "caddy/Caddyfile",
    ]) {
      expect(fs.existsSync(path.join(dir, f)), f).toBe(true);
    }
    const all = fs
      .readdirSync(dir, { recursive: true })
      .map(String)
      .filter((f) => fs.statSync(path.join(dir, f)).isFile())
      .map((f) => fs.readFileSync(path.join(dir, f), "utf8"))
      .join("\n");
    // A bcrypt hash, a Tailscale key, or a token value (16+ token characters; format strings like =%s don't count).
    expect(all).not.toMatch(/\$2[aby]\$\d\d\$|tskey-auth-|OPENCLAW_GATEWAY_TOKEN=[A-Za-z0-9_-]{16,}/);
  }, 120_000);

  it("--against a file that is not a plan exits 2 and says how to write one", () => {
    const bad = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "plan-against-")), "x.json");
    fs.writeFileSync(bad, "{}");
    const r = plan("--stack", "prod", "--against", bad);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/not a plan JSON .*npm run -s plan -- --stack <name> --json/);
  });
});
