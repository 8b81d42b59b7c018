/**
 * The release travels beside the instance, not in it: changing the gateway image of the prod stack leaves
 * every input that replaces the instance as it was and changes only the release document, which the host
 * applies in place. The document's commands run for real here (bash, base64, install) against a stand-in
 * upgrade.sh that records what it was handed.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { preUpgradeInstanceStatements } from "../../components/backup-bucket/pre-upgrade";
import { PRE_UPGRADE_SNAPSHOT_TAG, releaseInstanceStatements } from "../../components/gateway-vm/iam";
import {
  parseReleaseDocument,
  RELEASE_STAGING_DIR,
  releaseCommands,
  releaseDocumentContent,
  renderFetchReleaseScript,
  renderReleaseUnit,
  UPGRADE_SCRIPT,
} from "../../components/gateway-vm/release";
import { type PlanResult, runPlan } from "../../tools/lib/plan";
import { INSTANCE_REPLACE_INPUTS, summarizeUpgrade } from "../../tools/lib/upgrade";

const NEXT = "ghcr.io/openclaw/openclaw:2026.10.1";
const instanceOf = (p: PlanResult) =>
  p.resources.find((r) => r.type === "aws:ec2/instance:Instance" && r.name.endsWith("-instance"))!;
const releaseOf = (p: PlanResult) =>
  p.resources.find((r) => r.type === "aws:ssm/document:Document" && r.name.endsWith("-release"))!;

let prod: PlanResult;
let nextImage: PlanResult;
let newAmi: PlanResult;
beforeAll(async () => {
  prod = await runPlan({ stack: "prod" });
  nextImage = await runPlan({ stack: "prod", overrides: { "openclaw:image": NEXT } });
  newAmi = await runPlan({ stack: "prod", overrides: { "openclaw:vm.ami": "ami-0fedcba9876543210" } });
}, 120_000);

describe("prod: an image change is applied in place", () => {
  it("leaves every replace-triggering input of the instance unchanged (user data, AMI, type, subnet, disks)", () => {
    const before = instanceOf(prod).inputs;
    const after = instanceOf(nextImage).inputs;
    for (const k of [...INSTANCE_REPLACE_INPUTS, "instanceType", "iamInstanceProfile", "metadataOptions"])
      expect(after[k], k).toEqual(before[k]);
    expect(instanceOf(prod).inputs.userDataReplaceOnChange).toBe(true);
  });

  it("changes the release document instead, to the new image resolved to a digest", () => {
    const before = parseReleaseDocument(String(releaseOf(prod).inputs.content));
    const after = parseReleaseDocument(String(releaseOf(nextImage).inputs.content));
    expect(before.image).toMatch(/^ghcr\.io\/openclaw\/openclaw:2026\.9\.6@sha256:[0-9a-f]{64}$/);
    expect(after.image).toMatch(new RegExp(`^${NEXT.replace(/\./g, "\\.")}@sha256:[0-9a-f]{64}$`));
    const compose = parse(after.files.find((f) => f.path === "/etc/openclaw/compose.yaml")!.content);
    expect(compose.services.gateway.image).toBe(after.image);
    expect(summarizeUpgrade("vm", nextImage, prod).change).toMatchObject({ kind: "in place", fromImage: before.image });
  });

  it("a new AMI still replaces the instance, and the plan says so", () => {
    const s = summarizeUpgrade("vm", newAmi, prod);
    expect(s.change?.kind).toBe("replace");
    expect(s.change?.reasons.join("\n")).toMatch(/instance ami changes/);
  });

  it("user data holds the bootstrap only; the release (compose, gateway config, serve.json) is in the document", () => {
    const ud = parse(String(instanceOf(prod).inputs.userData));
    const paths: string[] = ud.write_files.map((f: { path: string }) => f.path);
    expect(paths).toEqual(
      expect.arrayContaining(["/etc/openclaw/host.env", "/etc/systemd/system/openclaw-release.service"]),
    );
    for (const p of ["/etc/openclaw/compose.yaml", "/etc/openclaw/openclaw.json", "/etc/openclaw/tailscale/serve.json"])
      expect(paths).not.toContain(p);
    const rel = parseReleaseDocument(String(releaseOf(prod).inputs.content)).files.map((f) => f.path);
    expect(rel.sort()).toEqual([
      "/etc/openclaw/compose.yaml",
      "/etc/openclaw/openclaw.json",
      "/etc/openclaw/tailscale/serve.json",
    ]);
    const env = ud.write_files.find((f: { path: string }) => f.path === "/etc/openclaw/host.env").content;
    expect(env).toMatch(/^STATE_VOLUME_ID="vol-[0-9a-f]+"$/m);
    expect(env).toMatch(/^OPENCLAW_RELEASE_DOCUMENT="openclaw-prod-release"$/m);
  });

  it("a State Manager association targets this stack's gateway by tag and runs the latest document version", () => {
    const a = prod.resources.find((r) => r.type === "aws:ssm/association:Association")!;
    expect(a.inputs).toMatchObject({
      name: "openclaw-prod-release",
      applyOnlyAtCronInterval: false,
      targets: [
        { key: "tag:openclaw:stack", values: ["prod"] },
        { key: "tag:openclaw:role", values: ["gateway"] },
      ],
    });
    expect(a.inputs.scheduleExpression).toBeUndefined();
  });
});

describe("the release document's commands", () => {
  const release = {
    image: `ghcr.io/openclaw/openclaw:2026.9.6@sha256:${"ab".repeat(32)}`,
    files: [
      { path: "/etc/openclaw/openclaw.json", content: '{"gateway":{"mode":"local"}}\n', permissions: "0600" },
      { path: "/etc/openclaw/compose.yaml", content: "services:\n  gateway:\n    image: x\n", permissions: "0644" },
      {
        path: "/etc/openclaw/caddy/Caddyfile",
        content: "example.com {\n\treverse_proxy 127.0.0.1:18789\n}\n",
        permissions: "0644",
      },
    ],
  };

  it("stage every file with its mode and hand the directory to upgrade.sh apply (bash, for real)", () => {
    const root = mkdtempSync(join(tmpdir(), "oc-release-"));
    const log = join(root, "upgrade.log");
    const fake = join(root, "upgrade.sh");
    writeFileSync(fake, `#!/bin/bash\nprintf '%s\\n' "$@" > ${log}\n`);
    chmodSync(fake, 0o755);
    const script = releaseCommands(release)
      .join("\n")
      .replaceAll(RELEASE_STAGING_DIR, join(root, "staging"))
      .replaceAll(UPGRADE_SCRIPT, fake)
      .replace(/^if command -v cloud-init.*$/m, "");
    const r = spawnSync("bash", ["-c", script], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    const [verb, flag, dir] = readFileSync(log, "utf8").trim().split("\n");
    expect([verb, flag]).toEqual(["apply", "--release"]);
    expect(readFileSync(join(dir!, "image"), "utf8")).toBe(`${release.image}\n`);
    for (const f of release.files) {
      const staged = join(dir!, f.path.replace("/etc/openclaw/", ""));
      expect(readFileSync(staged, "utf8")).toBe(f.content);
      expect((statSync(staged).mode & 0o777).toString(8).padStart(4, "0")).toBe(f.permissions);
    }
  });

  it("round-trip through the document, and refuse what is not a release file", () => {
    expect(parseReleaseDocument(releaseDocumentContent(release))).toEqual(release);
    expect(() =>
      releaseCommands({ ...release, files: [{ path: "/etc/openclaw/host.env", content: "", permissions: "0644" }] }),
    ).toThrow(/not host\.env/);
    expect(() =>
      releaseCommands({ ...release, files: [{ path: "/etc/openclaw/../shadow", content: "", permissions: "0644" }] }),
    ).toThrow(/only files under/);
    expect(() => releaseCommands({ ...release, image: "x'; rm -rf /" })).toThrow(/not a reference/);
  });

  it("refuse a document over SSM's 64 KB limit with a message that says what to shrink", () => {
    const big = {
      ...release,
      files: [{ path: "/etc/openclaw/openclaw.json", content: "x".repeat(60_000), permissions: "0600" }],
    };
    expect(() => releaseDocumentContent(big)).toThrow(/SSM allows 64 KB: shrink/);
  });
});

describe("the instance role's release statements (IAM simulator)", () => {
  const statements = [
    ...preUpgradeInstanceStatements({ bucketArn: "arn:aws:s3:::openclaw-prod-backup-a1b2c3", stack: "prod" }),
    ...releaseInstanceStatements({
      partition: "aws",
      region: "us-east-1",
      accountId: "123456789012",
      documentName: "openclaw-prod-release",
      stateVolumeId: "vol-0123456789abcdef0",
      stack: "prod",
      stackTagKey: "openclaw:stack",
    }),
  ];
  const policy = { Version: "2012-10-17", Statement: statements };
  const good = {
    "aws:RequestTag/openclaw:stack": "prod",
    [`aws:RequestTag/${PRE_UPGRADE_SNAPSHOT_TAG.key}`]: PRE_UPGRADE_SNAPSHOT_TAG.value,
    "ec2:CreateAction": "CreateSnapshot",
  };
  async function sim(action: string, resource: string, ctx: Record<string, string> = {}) {
    const r = await runSimulation(
      {
        identityPolicies: [{ name: "p", policy }],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        request: {
          action,
          principal: "arn:aws:iam::123456789012:role/host",
          resource: { accountId: "123456789012", resource },
          contextVariables: ctx,
        },
      } as any,
      {},
    );
    return r.resultType === "error" ? `error: ${JSON.stringify(r.errors)}` : (r.overallResult as string);
  }
  it.each([
    ["ssm:GetDocument", "arn:aws:ssm:us-east-1:123456789012:document/openclaw-prod-release", {}, "Allowed"],
    ["ssm:GetDocument", "arn:aws:ssm:us-east-1:123456789012:document/openclaw-dev-release", {}, "ImplicitlyDenied"],
    ["ec2:CreateSnapshot", "arn:aws:ec2:us-east-1:123456789012:volume/vol-0123456789abcdef0", good, "Allowed"],
    ["ec2:CreateSnapshot", "arn:aws:ec2:us-east-1:123456789012:volume/vol-0fffffffffffffff0", good, "ImplicitlyDenied"],
    ["ec2:CreateSnapshot", "arn:aws:ec2:us-east-1::snapshot/snap-0123456789abcdef0", good, "Allowed"],
    [
      "ec2:CreateSnapshot",
      "arn:aws:ec2:us-east-1::snapshot/snap-0123456789abcdef0",
      { ...good, "aws:RequestTag/openclaw:stack": "dev" },
      "ImplicitlyDenied",
    ],
    ["ec2:CreateSnapshot", "arn:aws:ec2:us-east-1::snapshot/snap-0123456789abcdef0", {}, "ImplicitlyDenied"],
    ["ec2:CreateTags", "arn:aws:ec2:us-east-1::snapshot/snap-0123456789abcdef0", good, "Allowed"],
    ["ec2:CreateTags", "arn:aws:ec2:us-east-1::snapshot/snap-0123456789abcdef0", {}, "ImplicitlyDenied"],
    ["ec2:DeleteSnapshot", "arn:aws:ec2:us-east-1::snapshot/snap-0123456789abcdef0", good, "ImplicitlyDenied"],
    [
      "ssm:ListInstanceAssociations",
      "arn:aws:ec2:us-east-1:123456789012:instance/i-0123456789abcdef0",
      { "ssm:resourceTag/openclaw:stack": "prod" },
      "Allowed",
    ],
    [
      "ssm:UpdateInstanceAssociationStatus",
      "arn:aws:ec2:us-east-1:123456789012:instance/i-0123456789abcdef0",
      { "ssm:resourceTag/openclaw:stack": "dev" },
      "ImplicitlyDenied",
    ],
    ["ssm:DescribeDocument", "arn:aws:ssm:us-east-1:123456789012:document/openclaw-prod-release", {}, "Allowed"],
    [
      "ssm:DescribeDocument",
      "arn:aws:ssm:us-east-1:123456789012:document/openclaw-dev-release",
      {},
      "ImplicitlyDenied",
    ],
    ["s3:PutObject", "arn:aws:s3:::openclaw-prod-backup-a1b2c3/pre-upgrade/prod/2026.tar.gz", {}, "Allowed"],
    ["s3:GetObject", "arn:aws:s3:::openclaw-prod-backup-a1b2c3/pre-upgrade/prod/2026.tar.gz", {}, "Allowed"],
    ["s3:PutObject", "arn:aws:s3:::openclaw-prod-backup-a1b2c3/pre-upgrade/dev/2026.tar.gz", {}, "ImplicitlyDenied"],
    ["s3:PutObject", "arn:aws:s3:::openclaw-prod-backup-a1b2c3/pre-upgrade/prodx/2026.tar.gz", {}, "ImplicitlyDenied"],
    [
      "s3:DeleteObject",
      "arn:aws:s3:::openclaw-prod-backup-a1b2c3/pre-upgrade/prod/2026.tar.gz",
      {},
      "ImplicitlyDenied",
    ],
    ["s3:ListBucket", "arn:aws:s3:::openclaw-prod-backup-a1b2c3", { "s3:prefix": "pre-upgrade/prod/" }, "Allowed"],
    ["s3:ListBucket", "arn:aws:s3:::openclaw-prod-backup-a1b2c3", { "s3:prefix": "dev/" }, "ImplicitlyDenied"],
  ] as const)("%s on %s -> %s", async (action, resource, ctx, expected) => {
    expect(await sim(action, resource, ctx as Record<string, string>)).toBe(expected);
  });
});

describe("the boot-time path (real shellcheck and systemd-analyze)", () => {
  const dir = mkdtempSync(join(tmpdir(), "oc-release-unit-"));
  it("the fetch script and the document's commands pass shellcheck", () => {
    writeFileSync(join(dir, "fetch-release.sh"), renderFetchReleaseScript());
    writeFileSync(
      join(dir, "release.sh"),
      `${releaseCommands({ image: "ghcr.io/openclaw/openclaw:2026.9.6", files: [{ path: "/etc/openclaw/compose.yaml", content: "services: {}\n", permissions: "0644" }] }).join("\n")}\n`,
    );
    for (const f of ["fetch-release.sh", "release.sh"]) {
      const r = spawnSync("shellcheck", ["-s", "bash", join(dir, f)], { encoding: "utf8" });
      expect(r.status, `${f}: ${r.stdout}${r.stderr}`).toBe(0);
    }
  });
  it("openclaw-release.service verifies and its exposure stays <= 2.0", () => {
    const u = renderReleaseUnit();
    writeFileSync(join(dir, u.name), u.content);
    const v = spawnSync("systemd-analyze", ["verify", "--man=no", u.name], { cwd: dir, encoding: "utf8" });
    const problems = (v.stdout + v.stderr)
      .split("\n")
      .filter((l) => l.trim() && !/not found|is not executable|No such file|docker\.service|network-online/.test(l));
    expect(problems).toEqual([]);
    const sec = spawnSync("systemd-analyze", ["security", "--offline=true", u.name], { cwd: dir, encoding: "utf8" });
    const score = Number(/Overall exposure level for \S+: ([\d.]+)/.exec(sec.stdout)?.[1]);
    expect(score).toBeGreaterThan(0);
    expect(score).toBeLessThanOrEqual(2.0);
  });
});
