import { describe, expect, it } from "vitest";
import { formatProblems, parseStackConfig } from "../../components/config/schema";
import { BASE_VALUES, testConfig } from "../helpers/config";

function problemsFor(values: Record<string, unknown>, secretKeys: string[] = []) {
  const r = parseStackConfig({ stack: "test", values, secretKeys: new Set(secretKeys) });
  return r.ok ? [] : r.problems;
}

const with_ = (patch: Record<string, unknown>) => ({ ...BASE_VALUES, ...patch });

// Each bad config, the key its error must name, and a fragment of the fix it must state.
const badConfigs: {
  name: string;
  values: Record<string, unknown>;
  secretKeys?: string[];
  key: string;
  message: RegExp;
  value?: string;
}[] = [
  {
    name: "image latest",
    values: with_({ image: "ghcr.io/openclaw/openclaw:latest" }),
    key: "openclaw:image",
    message: /moving tag 'latest'/,
    value: '"ghcr.io/openclaw/openclaw:latest"',
  },
  {
    name: "image without tag",
    values: with_({ image: "ghcr.io/openclaw/openclaw" }),
    key: "openclaw:image",
    message: /no tag or digest/,
  },
  {
    name: "image garbage",
    values: with_({ image: "Not An Image!" }),
    key: "openclaw:image",
    message: /not a valid image reference/,
  },
  {
    name: "image short digest",
    values: with_({ image: "ghcr.io/openclaw/openclaw@sha256:abc" }),
    key: "openclaw:image",
    message: /malformed digest: the digest has 3 hex digits; a digest is @sha256: followed by exactly 64/,
    value: '"ghcr.io/openclaw/openclaw@sha256:abc"',
  },
  {
    name: "image digest in upper case",
    values: with_({ image: `ghcr.io/openclaw/openclaw:2026.9.6@sha256:${"AB".repeat(32)}` }),
    key: "openclaw:image",
    message: /malformed digest: the digest has characters other than lowercase hex.*openclaw:resolveImageDigest/,
  },
  {
    name: "image digest of another algorithm",
    values: with_({ image: `ghcr.io/openclaw/openclaw:2026.9.6@sha512:${"ab".repeat(64)}` }),
    key: "openclaw:image",
    message: /"@sha512:.*" is not a sha256 digest/,
  },
  {
    name: "resolveImageDigest with an image already pinned by digest",
    values: with_({ image: `ghcr.io/openclaw/openclaw:2026.9.6@sha256:${"ab".repeat(32)}`, resolveImageDigest: true }),
    key: "openclaw:resolveImageDigest",
    message: /already pinned by digest.*remove openclaw:resolveImageDigest or the digest/,
  },
  {
    name: "resolveImageDigest on the docker target",
    values: with_({ target: "docker", resolveImageDigest: true }),
    key: "openclaw:resolveImageDigest",
    message: /not supported on target docker.*write the digest into openclaw:image/,
  },
  {
    name: "resolveImageDigest not a boolean",
    values: with_({ resolveImageDigest: "yes" }),
    key: "openclaw:resolveImageDigest",
    message: /must be true or false/,
  },
  {
    name: "image missing",
    values: with_({ image: undefined }),
    key: "openclaw:image",
    message: /required|image reference/,
  },
  {
    name: "unknown target",
    values: with_({ target: "ec2" }),
    key: "openclaw:target",
    message: /one of vm, kubernetes, docker/,
    value: '"ec2"',
  },
  {
    name: "missing target",
    values: with_({ target: undefined }),
    key: "openclaw:target",
    message: /one of vm, kubernetes, docker|required/,
  },
  {
    name: "unknown ingress",
    values: with_({ ingress: "nginx" }),
    key: "openclaw:ingress",
    message: /tailscale, caddy/,
  },
  { name: "unknown top-level key", values: with_({ imagee: "x:1" }), key: "openclaw:imagee", message: /unknown key/ },
  {
    name: "unknown nested key",
    values: with_({ network: { cidrr: "10.0.0.0/16" } }),
    key: "openclaw:network.{cidrr}",
    message: /unknown key/,
  },
  {
    name: "public VPC range",
    values: with_({ network: { cidr: "8.8.0.0/16" } }),
    key: "openclaw:network.cidr",
    message: /private range/,
  },
  {
    name: "VPC too large",
    values: with_({ network: { cidr: "10.0.0.0/8" } }),
    key: "openclaw:network.cidr",
    message: /\/16 and \/24/,
  },
  {
    name: "VPC not a CIDR",
    values: with_({ network: { cidr: "10.0.0.0" } }),
    key: "openclaw:network.cidr",
    message: /IPv4 CIDR/,
  },
  {
    name: "bad egress",
    values: with_({ network: { egress: "vpn" } }),
    key: "openclaw:network.egress",
    message: /nat-gateway, nat-instance, public-ip/,
  },
  {
    name: "too many zones",
    values: with_({ network: { availabilityZones: 4 } }),
    key: "openclaw:network.availabilityZones",
    message: /at most 3/,
  },
  {
    name: "unknown instance type",
    values: with_({ vm: { instanceType: "t2.nano" } }),
    key: "openclaw:vm.instanceType",
    message: /must be one of/,
  },
  {
    name: "container larger than host",
    values: with_({ gateway: { memoryMiB: 4096 } }),
    key: "openclaw:gateway.memoryMiB",
    message: /does not fit t3.medium/,
  },
  {
    name: "memory too small",
    values: with_({ gateway: { memoryMiB: 512 } }),
    key: "openclaw:gateway.memoryMiB",
    message: /at least 1024/,
  },
  {
    name: "hostname not a label",
    values: with_({ gateway: { hostname: "Open_Claw" } }),
    key: "openclaw:gateway.hostname",
    message: /DNS label/,
  },
  { name: "bad ami", values: with_({ vm: { ami: "ubuntu" } }), key: "openclaw:vm.ami", message: /AMI id/ },
  {
    name: "rotation over 90 days",
    values: with_({ rotation: { days: 120 } }),
    key: "openclaw:rotation.days",
    message: /at most 90 days/,
  },
  {
    name: "rotation zero",
    values: with_({ rotation: { days: 0 } }),
    key: "openclaw:rotation.days",
    message: /at least 1 days/,
  },
  {
    name: "IA before 30 days",
    values: with_({ backup: { standardIaAfterDays: 10 } }),
    key: "openclaw:backup.standardIaAfterDays",
    message: /at least 30 days/,
  },
  {
    name: "glacier before IA",
    values: with_({ backup: { glacierAfterDays: 45 } }),
    key: "openclaw:backup.glacierAfterDays",
    message: /standardIaAfterDays \+ 30/,
  },
  {
    name: "expiry before last transition",
    values: with_({ backup: { retentionDays: 100 } }),
    key: "openclaw:backup.retentionDays",
    message: /after the last transition/,
  },
  {
    name: "object lock longer than retention",
    values: with_({ backup: { objectLock: { enabled: true, days: 400 } } }),
    key: "openclaw:backup.objectLock.days",
    message: /retentionDays/,
  },
  {
    name: "bad glacier class",
    values: with_({ backup: { glacierStorageClass: "COLD" } }),
    key: "openclaw:backup.glacierStorageClass",
    message: /GLACIER_IR/,
  },
  {
    name: "caddy without domain",
    values: with_({
      ingress: "caddy",
      network: { egress: "public-ip" },
      caddy: { acmeEmail: "ops@example.com", basicAuth: { enabled: false } },
    }),
    key: "openclaw:caddy.domain",
    message: /required when ingress is caddy/,
  },
  {
    name: "caddy behind NAT",
    values: with_({
      ingress: "caddy",
      caddy: { domain: "gw.example.com", acmeEmail: "ops@example.com", basicAuth: { enabled: false } },
    }),
    key: "openclaw:network.egress",
    message: /must be public-ip when ingress is caddy/,
  },
  {
    name: "caddy basic auth without hash",
    values: with_({
      ingress: "caddy",
      network: { egress: "public-ip" },
      caddy: { domain: "gw.example.com", acmeEmail: "ops@example.com" },
    }),
    key: "openclaw:caddyBasicAuthHash",
    message: /caddy hash-password/,
  },
  {
    name: "tailscale without tailnet",
    values: with_({ tailscale: {} }),
    key: "openclaw:tailscale.tailnetDnsName",
    message: /required when ingress is tailscale/,
  },
  {
    name: "tailscale untagged",
    values: with_({ tailscale: { tailnetDnsName: "example-tailnet.ts.net", tags: [] } }),
    key: "openclaw:tailscale.tags",
    message: /at least one tag/,
  },
  {
    name: "tailscale bad tag",
    values: with_({ tailscale: { tailnetDnsName: "example-tailnet.ts.net", tags: ["openclaw"] } }),
    key: "openclaw:tailscale.tags.0",
    message: /tag:openclaw/,
  },
  {
    name: "provider key in plain text",
    values: with_({ anthropicApiKey: "not-encrypted" }),
    key: "openclaw:anthropicApiKey",
    message: /pulumi config set --secret/,
  },
  {
    name: "non-secret set as secret",
    values: with_({ image: "[secret]" }),
    secretKeys: ["image"],
    key: "openclaw:image",
    message: /not a secret setting/,
  },
  {
    name: "tag key reserved by AWS",
    values: with_({ tags: { "aws:owner": "me" } }),
    key: "openclaw:tags.aws:owner",
    message: /must not start with aws:/,
  },
  {
    name: "tag key the stack sets itself (budget filter, token delivery target)",
    values: with_({ tags: { "openclaw:stack": "prod" } }),
    key: "openclaw:tags.openclaw:stack",
    message: /set by the stack itself .*remove it from openclaw:tags/,
    value: '"prod"',
  },
  {
    name: "tag key of the gateway role token delivery targets",
    values: with_({ tags: { "openclaw:role": "gateway" } }),
    key: "openclaw:tags.openclaw:role",
    message: /reserved: .*openclaw:role/,
    value: '"gateway"',
  },
  {
    name: "bad alert e-mail",
    values: with_({ observability: { alertEmails: ["ops"] } }),
    key: "openclaw:observability.alertEmails.0",
    message: /e-mail/,
  },
];

describe("stack config schema rejects bad input with key, value and fix", () => {
  it("has at least 20 cases", () => expect(badConfigs.length).toBeGreaterThanOrEqual(20));

  it.each(badConfigs)("$name", ({ values, secretKeys, key, message, value }) => {
    const problems = problemsFor(values, secretKeys);
    const match = problems.find((p) => p.key === key);
    expect(match, `no problem for ${key}; got ${JSON.stringify(problems)}`).toBeDefined();
    expect(match!.message).toMatch(message);
    if (value) expect(match!.value).toBe(value);
  });

  it("reports every problem at once, not just the first", () => {
    const problems = problemsFor(with_({ target: "ec2", image: "x:latest", rotation: { days: 365 } }));
    expect(problems.map((p) => p.key).sort()).toEqual(["openclaw:image", "openclaw:rotation.days", "openclaw:target"]);
  });

  it("never prints a secret's value", () => {
    const problems = problemsFor(with_({ anthropicApiKey: "sk-ant-api03-very-secret" }));
    expect(JSON.stringify(problems)).not.toContain("very-secret");
    expect(formatProblems("test", problems)).not.toContain("very-secret");
  });

  it("formats problems with the stack file and the fix", () => {
    const text = formatProblems("prod", problemsFor(with_({ image: "a/b:latest" })));
    expect(text).toMatch(/^Invalid configuration for stack "prod" \(1 problem\):/);
    expect(text).toContain('openclaw:image = "a/b:latest"');
    expect(text).toContain("Pulumi.prod.yaml");
  });
});

describe("stack config defaults are the safe ones", () => {
  const cfg = testConfig();
  it.each([
    ["network egress", cfg.network.egress, "nat-gateway"],
    ["container memory", cfg.gateway.memoryMiB, 2048],
    ["rotation enabled", cfg.rotation.enabled, true],
    ["rotation days", cfg.rotation.days, 30],
    ["backups on", cfg.backup.enabled, true],
    ["IA after", cfg.backup.standardIaAfterDays, 30],
    ["glacier after", cfg.backup.glacierAfterDays, 90],
    ["glacier class", cfg.backup.glacierStorageClass, "GLACIER_IR"],
    ["tools profile", cfg.gateway.toolsProfile, "coding"],
  ])("%s", (_n, actual, expected) => expect(actual).toEqual(expected));

  it("accepts digest-pinned images", () => {
    expect(problemsFor(with_({ image: `ghcr.io/openclaw/openclaw@sha256:${"a".repeat(64)}` }))).toEqual([]);
    expect(problemsFor(with_({ image: `ghcr.io/openclaw/openclaw:2026.9.6@sha256:${"b".repeat(64)}` }))).toEqual([]);
    expect(problemsFor(with_({ image: "localhost:5000/openclaw:dev-1" }))).toEqual([]);
  });
});

describe("secret values are checked when Pulumi can decrypt them", () => {
  // Imported lazily: load.ts pulls in the Pulumi SDK.
  const raw = (hash: string | undefined) => ({
    source: "runtime" as const,
    values: {
      ...BASE_VALUES,
      ingress: "caddy",
      network: { egress: "public-ip" },
      caddy: { domain: "gw.example.com", acmeEmail: "ops@example.com" },
      caddyBasicAuthHash: "[secret]",
    },
    secretKeys: new Set(["caddyBasicAuthHash"]),
    secretValues: { caddyBasicAuthHash: hash },
  });

  it("rejects a plain password as the basic-auth hash, naming the key but not the value", async () => {
    const { resolveConfig } = await import("../../components/config/load");
    let err: Error | undefined;
    try {
      resolveConfig("edge", raw("hunter2-plain"));
    } catch (e) {
      err = e as Error;
    }
    expect(err?.message).toContain("openclaw:caddyBasicAuthHash = [secret]: is not a bcrypt hash");
    expect(err?.message).not.toContain("hunter2");
  });

  it("accepts a bcrypt hash, and an encrypted value it cannot read (offline plan)", async () => {
    const { resolveConfig } = await import("../../components/config/load");
    expect(() => resolveConfig("edge", raw(`$2a$14$${"a".repeat(53)}`))).not.toThrow();
    expect(() => resolveConfig("edge", raw(undefined))).not.toThrow();
  });
});

describe("openclaw:image pinned by tag and digest", () => {
  it.each([
    `ghcr.io/openclaw/openclaw:2026.9.6@sha256:${"0a".repeat(32)}`,
    `ghcr.io/openclaw/openclaw@sha256:${"0a".repeat(32)}`,
    "ghcr.io/openclaw/openclaw:2026.9.6",
  ])("accepts %s", (image) => {
    expect(problemsFor(with_({ image }))).toEqual([]);
    expect(testConfig({ image }).image).toBe(image);
  });
  it("resolveImageDigest defaults to false", () => {
    expect(testConfig().resolveImageDigest).toBe(false);
  });
});
