/**
 * The offline plan's interface (flags, JSON shape, exit codes) as pipelines use it: a real process each time. The
 * prod plan is spawned once and read by both tests that need it; refusals and artifacts are in cli-refusals.test.ts.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { plan, ROOT, variant } from "../helpers/plan-cli";

let prodRun: ReturnType<typeof plan> | undefined;
/** `--stack prod --json`, spawned on first use. */
const prodJson = () => {
  prodRun ??= plan("--stack", "prod", "--json");
  return prodRun;
};

describe("npm run plan", () => {
  it("prod: JSON with a VPC, security groups, a hardened instance and no key pair; exit 0", () => {
    const r = prodJson();
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

  it("--against: an image change in prod is applied in place, with the previous digest as rollback point", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-against-"));
    const before = prodJson();
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
});
