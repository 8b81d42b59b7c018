/** The offline plan's interface (flags, JSON shape, exit codes) as pipelines use it: a real process each time. */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const ROOT = path.resolve(__dirname, "../..");

/** As `npm run plan` runs it (the bundled CLI, rebuilt when a source changed). */
function plan(...args: string[]) {
  return spawnSync(process.execPath, ["tools/run.cjs", "plan", ...args], {
    cwd: ROOT,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
}

/** A copy of a shipped stack file with one key changed. */
function variant(stack: string, key: string, value: unknown): string {
  const doc = parse(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8"));
  doc.config[key] = value;
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "plan-cli-")), `Pulumi.${stack}.yaml`);
  fs.writeFileSync(file, JSON.stringify(doc));
  return file;
}

describe("npm run plan", () => {
  it("prod: JSON with a VPC, security groups, a hardened instance and no key pair; exit 0", () => {
    const r = plan("--stack", "prod", "--json");
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out)).toEqual(expect.arrayContaining(["stack", "resources", "violations"]));
    const types = out.resources.map((x: { type: string }) => x.type);
    expect(types).toContain("aws:ec2/vpc:Vpc");
    expect(types).toContain("aws:ec2/securityGroup:SecurityGroup");
    const instance = out.resources.find(
      (x: { type: string; name: string }) => x.type === "aws:ec2/instance:Instance" && x.name.endsWith("-instance"),
    );
    expect(instance.inputs.metadataOptions.httpTokens).toBe("required");
    expect(instance.inputs.rootBlockDevice.encrypted).toBe(true);
    expect(instance.inputs.keyName).toBeUndefined();
    for (const v of out.resources.filter((x: { type: string }) => x.type === "aws:ebs/volume:Volume"))
      expect(v.inputs.encrypted).toBe(true);
    expect(out.violations.filter((v: { level: string }) => v.level === "mandatory")).toEqual([]);
    for (const r of out.resources) for (const k of ["urn", "type", "name", "inputs"]) expect(r).toHaveProperty(k);

    const all = (type: string) => out.resources.filter((x: { type: string }) => x.type === type);
    const only = (type: string) => {
      expect(all(type), type).toHaveLength(1);
      return all(type)[0].inputs;
    };
    // Tailscale ingress: the tailnet key is tagged, preauthorized and single-use; the gateway's SG has no inbound rule.
    expect(only("tailscale:index/tailnetKey:TailnetKey")).toMatchObject({
      preauthorized: true,
      reusable: false,
      tags: ["tag:openclaw"],
    });
    expect(
      all("aws:ec2/securityGroup:SecurityGroup").find((g: { name: string }) => g.name.endsWith("-gateway-sg")).inputs
        .ingress,
    ).toEqual([]);
    // Backups: the bucket's settings are separate resources, with the default tiers.
    expect(only("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")).toMatchObject({
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    expect(
      only("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration").rules[0]
        .applyServerSideEncryptionByDefault.sseAlgorithm,
    ).toBe("aws:kms");
    expect(only("aws:s3/bucketVersioning:BucketVersioning").versioningConfiguration.status).toBe("Enabled");
    expect(all("aws:s3/bucketPolicy:BucketPolicy")).toHaveLength(1);
    const rules = only("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").rules;
    const transitions = rules.flatMap(
      (r: { transitions?: { days: number; storageClass: string }[] }) => r.transitions ?? [],
    );
    expect(transitions).toEqual(
      expect.arrayContaining([
        { days: 30, storageClass: "STANDARD_IA" },
        { days: 90, storageClass: "GLACIER_IR" },
      ]),
    );
    // Secrets: the token rotates within 90 days through a Lambda only Secrets Manager may invoke, delivered over SSM.
    expect(
      only("aws:secretsmanager/secretRotation:SecretRotation").rotationRules.automaticallyAfterDays,
    ).toBeLessThanOrEqual(90);
    expect(only("aws:lambda/permission:Permission")).toMatchObject({
      principal: "secretsmanager.amazonaws.com",
      sourceArn: expect.stringMatching(/^arn:aws:secretsmanager:/),
    });
    expect(all("aws:lambda/function:Function")).toHaveLength(1);
    // The token rotation's reload document and the release document (applied in place by an association).
    expect(
      all("aws:ssm/document:Document")
        .map((d: { name: string }) => d.name)
        .sort(),
    ).toEqual(["openclaw-prod-release", "openclaw-prod-secrets-reload-doc"]);
    expect(only("aws:ssm/association:Association").name).toBe("openclaw-prod-release");
  }, 120_000);

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

  it("--against: an image change in prod is applied in place, with the previous digest as rollback point", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-against-"));
    const before = plan("--stack", "prod", "--json");
    expect(before.status, before.stderr).toBe(0);
    const previous = JSON.parse(before.stdout);
    // Additive: the plan JSON keeps its keys and gains the upgrade summary.
    expect(Object.keys(previous)).toEqual(["stack", "resources", "violations", "outputs", "cost", "upgrade"]);
    expect(previous.upgrade).toMatchObject({ target: "vm", releaseChange: "in place", imagePinnedByDigest: true });
    expect(previous.upgrade.change).toBeUndefined();
    expect(previous.violations.filter((v: { policy: string }) => v.policy === "image-pinned-by-digest")).toEqual([]);
    const prevFile = path.join(dir, "prod.json");
    fs.writeFileSync(prevFile, before.stdout);

    const image = variant("prod", "openclaw:image", "ghcr.io/openclaw/openclaw:2026.10.1");
    const human = plan("--stack", "prod", "--config", image, "--against", prevFile);
    expect(human.status, human.stderr).toBe(0);
    expect(human.stdout).toMatch(
      /this plan against the previous one: in place \(ghcr\.io\/openclaw\/openclaw:2026\.9\.6@sha256:[0-9a-f]{64} -> ghcr\.io\/openclaw\/openclaw:2026\.10\.1@sha256:[0-9a-f]{64}\)/,
    );
    expect(human.stdout).toMatch(
      /rollback point: ghcr\.io\/openclaw\/openclaw:2026\.9\.6@sha256:[0-9a-f]{64} \+ pre-upgrade backup/,
    );

    const json = JSON.parse(plan("--stack", "prod", "--config", image, "--against", prevFile, "--json").stdout);
    expect(json.upgrade.change).toMatchObject({ kind: "in place", fromImage: previous.upgrade.image });

    const doc = parse(fs.readFileSync(path.join(ROOT, "Pulumi.prod.yaml"), "utf8"));
    doc.config["openclaw:vm"] = { ...doc.config["openclaw:vm"], ami: "ami-0fedcba9876543210" };
    const amiFile = path.join(dir, "Pulumi.prod.yaml");
    fs.writeFileSync(amiFile, JSON.stringify(doc));
    const ami = plan("--stack", "prod", "--config", amiFile, "--against", prevFile);
    expect(ami.stdout).toMatch(/this plan against the previous one: replace/);
    expect(ami.stdout).toMatch(/instance ami changes: the instance is replaced/);
  }, 120_000);

  it("--against a file that is not a plan exits 2 and says how to write one", () => {
    const bad = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "plan-against-")), "x.json");
    fs.writeFileSync(bad, "{}");
    const r = plan("--stack", "prod", "--against", bad);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/not a plan JSON .*npm run -s plan -- --stack <name> --json/);
  });
});
