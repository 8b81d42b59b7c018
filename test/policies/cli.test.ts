import { describe, expect, it } from "vitest";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { formatHuman, validateInput } from "../../tools/policy";

const root = resolve(__dirname, "../..");
/** As `npm run policy` runs it: the bundled CLI, a fresh process each time. */
const cli = (args: string[]) =>
  spawnSync(process.execPath, ["tools/run.cjs", "policy", ...args], { cwd: root, encoding: "utf8", timeout: 60_000 });

describe("validateInput", () => {
  it.each([
    [{}, /expected a JSON array/],
    [[{ type: "SecurityGroup", name: "x", props: {} }], /\[0\].type is "SecurityGroup"/],
    [[{ type: "aws:ec2/securityGroup:SecurityGroup", props: {} }], /\[0\].name is missing/],
    [[{ type: "aws:ec2/securityGroup:SecurityGroup", name: "x", props: [] }], /props must be an object/],
    [
      [{ type: "aws:ec2/securityGroup:SecurityGroup", name: "x", props: {}, dependencies: { bucket: "urn" } }],
      /dependencies must map/,
    ],
  ])("rejects %j", (data, msg) => expect(() => validateInput(data)).toThrow(msg));
});

describe("formatHuman", () => {
  it("puts mandatory first in the plan's format", () => {
    const out = formatHuman([
      { policy: "b", level: "advisory", urn: "u2", message: "m2" },
      { policy: "a", level: "mandatory", urn: "u1", message: "m1" },
    ]);
    expect(out).toBe("MANDATORY  a  u1\n    m1\nADVISORY   b  u2\n    m2");
  });
});

describe("npm run policy (CLI process)", () => {
  const dir = mkdtempSync(join(tmpdir(), "policy-cli-"));
  const write = (name: string, data: unknown) => {
    const p = join(dir, name);
    writeFileSync(p, typeof data === "string" ? data : JSON.stringify(data));
    return p;
  };
  const insecure = write("insecure.json", [
    {
      type: "aws:ec2/securityGroup:SecurityGroup",
      name: "sg",
      props: { ingress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }] },
    },
  ]);

  it("exit 1 and JSON violations on a mandatory violation", () => {
    const r = cli(["--resources", insecure, "--json"]);
    expect(r.status).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.violations).toContainEqual(
      expect.objectContaining({
        policy: "security-group-no-public-admin-ingress",
        level: "mandatory",
        urn: "urn:pulumi:stack::openclaw::aws:ec2/securityGroup:SecurityGroup::sg",
      }),
    );
  });
  it("exit 0 when a config with a reason lowers the rule", () => {
    const cfg = write("cfg.json", {
      "security-group-no-public-admin-ingress": { enforcementLevel: "advisory", reason: "lab account" },
    });
    const r = cli(["--resources", insecure, "--config", cfg]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^ADVISORY {3}security-group-no-public-admin-ingress/m);
  });
  it("exit 2 with a clear message on unreadable or invalid input", () => {
    const missing = cli(["--resources", join(dir, "nope.json")]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/cannot read resources file/);
    const bad = cli(["--resources", write("bad.json", "{not json")]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/is not valid JSON/);
    const shape = cli(["--resources", write("shape.json", [{ name: "x" }])]);
    expect(shape.status).toBe(2);
    expect(shape.stderr).toMatch(/\[0\].type/);
  });
  it("the examples directory: secure files pass, insecure files fail", () => {
    const out = execFileSync(
      "sh",
      [
        "-c",
        `for f in examples/policy/*.json; do "${process.execPath}" tools/run.cjs policy --resources "$f" --json >/dev/null 2>&1; echo "$f $?"; done`,
      ],
      { cwd: root, encoding: "utf8" },
    );
    const lines = out.trim().split("\n");
    expect(lines.length).toBeGreaterThanOrEqual(10);
    for (const l of lines) expect(l).toMatch(/secure\.json 0$|insecure\.json 1$/);
  }, 120_000);
});
