// Whole-stack checks through the offline plan (tools/lib/plan.ts): every shipped stack is clean,
// and one-line insecure variants are caught. Variants come in two kinds:
//  - config variants: a one-key override of a shipped stack file. The config schema rejects most insecure
//    values before any resource exists (image latest, rotation > 90 days, ...); those must fail there, naming
//    the key. The ones it accepts must reach the pack and produce the violation.
//  - rendered variants: one line changed in what the shipped stack actually renders (a resource input, a
//    line of the compose file / openclaw.json inside user data), re-evaluated with the same inputs and
//    dependencies the plan passed to evaluatePolicies. This is drift the pack must catch even when the
//    config layer is bypassed (hand edits, a new component, a refactor).
import { describe, expect, it } from "vitest";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import type { PolicyResourceInput, Violation } from "../../policies/lib/evaluate";

import { evaluatePolicies } from "../../policies/lib/evaluate";
import { runPlan } from "../../tools/lib/plan";

const root = resolve(__dirname, "../..");
const stacks = readdirSync(root)
  .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
  .filter((s): s is string => !!s);
const packConfig = (stack: string) => {
  const p = resolve(root, `policies/config/${stack}.json`);
  return existsSync(p) ? JSON.parse(readFileSync(p, "utf8")) : undefined;
};
const mandatory = (v: Violation[]) => v.filter((x) => x.level === "mandatory");
const show = (v: Violation[]) => v.map((x) => `${x.level} ${x.policy} ${x.urn}: ${x.message}`).join("\n");

describe("shipped stacks", () => {
  it("there are stacks to check", () => expect(stacks.length).toBeGreaterThanOrEqual(2));
  it.each(stacks)(
    "Pulumi.%s.yaml has zero mandatory violations",
    async (stack) => {
      const r = await runPlan({ stack, policyConfig: packConfig(stack) });
      expect(r.resources.length).toBeGreaterThan(5);
      expect(show(mandatory(r.violations))).toBe("");
    },
    120_000,
  );
});

describe("config variants (one key changed in Pulumi.prod.yaml)", () => {
  const accepted: [string, Record<string, unknown>, string, "mandatory" | "advisory"][] = [
    [
      "egress through a public IP",
      { "openclaw:network.egress": "public-ip" },
      "ec2-instance-no-public-ip",
      "mandatory",
    ],
    ["tools profile full", { "openclaw:gateway.toolsProfile": "full" }, "gateway-tools-restricted", "advisory"],
  ];
  it.each(accepted.map(([n, o, p, l]) => [`${n} -> ${p}`, o, p, l] as const))(
    "%s",
    async (_n, overrides, policy, level) => {
      const r = await runPlan({ stack: "prod", overrides });
      expect(
        r.violations.filter((v) => v.policy === policy && v.level === level),
        show(r.violations),
      ).not.toHaveLength(0);
    },
    120_000,
  );

  const rejected: [string, Record<string, unknown>, RegExp][] = [
    ["image latest", { "openclaw:image": "ghcr.io/openclaw/openclaw:latest" }, /openclaw:image .*latest/],
    ["image without tag", { "openclaw:image": "ghcr.io/openclaw/openclaw" }, /openclaw:image .*no tag or digest/],
    ["rotation every 120 days", { "openclaw:rotation.days": 120 }, /openclaw:rotation.days/],
    ["untagged tailscale key", { "openclaw:tailscale.tags": [] }, /openclaw:tailscale.tags/],
  ];
  it.each(rejected)(
    "%s is rejected by the config schema, naming the key",
    async (_n, overrides, msg) => {
      await expect(runPlan({ stack: "prod", overrides })).rejects.toThrow(msg);
    },
    120_000,
  );
});

/** Inputs exactly as the plan handed them to evaluatePolicies for a clean prod stack. */
async function prodInputs(): Promise<PolicyResourceInput[]> {
  return (await runPlan({ stack: "prod", policyConfig: packConfig("prod") })).policyInputs;
}

type Edit = (rs: PolicyResourceInput[]) => PolicyResourceInput[];
const byType = (rs: PolicyResourceInput[], type: string) => {
  const r = rs.find((x) => x.type === type);
  if (!r) throw new Error(`the rendered stack has no ${type}: update this variant`);
  return r;
};
const setProp =
  (type: string, mut: (p: Record<string, any>) => void): Edit =>
  (rs) =>
    rs.map((r) => {
      if (r !== byType(rs, type)) return r;
      const props = JSON.parse(JSON.stringify(r.props));
      mut(props);
      return { ...r, props };
    });
/**
 * Changes one key of one file the stack ships to the host, structurally, so the variant survives cosmetic
 * changes to how the stack renders; fails if the file is not rendered any more. The gateway's compose file
 * and config travel in the release document (an SSM Command document applied in place), the rest in the
 * instance's cloud-init.
 */
const writtenFile =
  (pathRe: RegExp, mut: (content: string) => string): Edit =>
  (rs) => {
    const doc = rs.find((r) => r.type === "aws:ssm/document:Document" && r.name.endsWith("-release"));
    const d = doc ? JSON.parse(String(doc.props.content)) : undefined;
    const lines: string[] = d?.mainSteps?.[0]?.inputs?.runCommand ?? [];
    const i = lines.findIndex((l) => {
      const m = /"\$d\/([^"]+)" && printf/.exec(l);
      return !!m && pathRe.test(`/etc/openclaw/${m[1]}`);
    });
    if (doc && i >= 0) {
      d.mainSteps[0].inputs.runCommand[i] = lines[i]!.replace(/'([A-Za-z0-9+/=]+)'/, (_m, b64: string) => {
        const text = mut(Buffer.from(b64, "base64").toString("utf8"));
        return `'${Buffer.from(text, "utf8").toString("base64")}'`;
      });
      return rs.map((r) => (r === doc ? { ...r, props: { ...r.props, content: JSON.stringify(d, null, 2) } } : r));
    }
    return setProp("aws:ec2/instance:Instance", (p) => {
      const ud = parseYaml(String(p.userData));
      const file = (ud.write_files ?? []).find((f: any) => pathRe.test(String(f.path)));
      if (!file) throw new Error(`neither the release nor user data writes ${String(pathRe)}: update this variant`);
      file.content = mut(String(file.content));
      p.userData = `#cloud-config\n${stringifyYaml(ud)}`;
    })(rs);
  };
const gatewayJson = (mut: (c: any) => void) =>
  writtenFile(/openclaw\.json$/, (text) => {
    const c = JSON.parse(text);
    mut(c);
    return JSON.stringify(c, null, 2);
  });
const composeGateway = (mut: (svc: any) => void) =>
  writtenFile(/compose\.ya?ml$/, (text) => {
    const c = parseYaml(text);
    const name = Object.keys(c.services).find(
      (n) => /gateway|openclaw/.test(n) || /openclaw/.test(String(c.services[n].image)),
    );
    if (!name) throw new Error("the compose file has no gateway service: update this variant");
    mut(c.services[name]);
    return stringifyYaml(c);
  });
const drop =
  (type: string): Edit =>
  (rs) =>
    rs.filter((r) => r !== byType(rs, type));

const rendered: [string, Edit, string, RegExp][] = [
  [
    "instance gets a public IP",
    setProp("aws:ec2/instance:Instance", (p) => (p.associatePublicIpAddress = true)),
    "ec2-instance-no-public-ip",
    /associatePublicIpAddress is true/,
  ],
  [
    "IMDSv1 allowed",
    setProp("aws:ec2/instance:Instance", (p) => (p.metadataOptions.httpTokens = "optional")),
    "ec2-imdsv2-required",
    /httpTokens is "optional"/,
  ],
  [
    "IMDS hop limit 2",
    setProp("aws:ec2/instance:Instance", (p) => (p.metadataOptions.httpPutResponseHopLimit = 2)),
    "ec2-imdsv2-required",
    /HopLimit is 2/,
  ],
  [
    "root volume unencrypted",
    setProp("aws:ec2/instance:Instance", (p) => (p.rootBlockDevice.encrypted = false)),
    "ec2-volumes-encrypted",
    /rootBlockDevice.encrypted/,
  ],
  [
    "data volume unencrypted",
    setProp("aws:ebs/volume:Volume", (p) => (p.encrypted = false)),
    "ec2-volumes-encrypted",
    /EBS volume is not encrypted/,
  ],
  [
    "SSH key pair",
    setProp("aws:ec2/instance:Instance", (p) => (p.keyName = "ops")),
    "ec2-no-ssh-key-pair",
    /keyName is "ops"/,
  ],
  [
    "detailed monitoring off",
    setProp("aws:ec2/instance:Instance", (p) => (p.monitoring = false)),
    "ec2-detailed-monitoring",
    /monitoring is not true/,
  ],
  [
    "gateway port open to the world",
    setProp(
      "aws:ec2/securityGroup:SecurityGroup",
      (p) =>
        (p.ingress = [
          ...(p.ingress ?? []),
          { protocol: "tcp", fromPort: 18789, toPort: 18789, cidrBlocks: ["0.0.0.0/0"] },
        ]),
    ),
    "security-group-no-public-admin-ingress",
    /0\.0\.0\.0\/0 to reach admin port\(s\) 18789/,
  ],
  [
    "SSH open over IPv6",
    setProp(
      "aws:ec2/securityGroup:SecurityGroup",
      (p) =>
        (p.ingress = [...(p.ingress ?? []), { protocol: "tcp", fromPort: 22, toPort: 22, ipv6CidrBlocks: ["::/0"] }]),
    ),
    "security-group-no-public-admin-ingress",
    /::\/0 to reach admin port\(s\) 22/,
  ],
  [
    "subnet auto-assigns public IPs",
    setProp("aws:ec2/subnet:Subnet", (p) => (p.mapPublicIpOnLaunch = true)),
    "subnet-no-auto-public-ip",
    /mapPublicIpOnLaunch is true/,
  ],
  ["flow log removed", drop("aws:ec2/flowLog:FlowLog"), "vpc-flow-logs-enabled", /has no aws.ec2.FlowLog/],
  [
    "role policy allows * on *",
    setProp(
      "aws:iam/rolePolicy:RolePolicy",
      (p) =>
        (p.policy = JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }],
        })),
    ),
    "iam-least-privilege",
    /allows "\*" on "\*"/,
  ],
  [
    "gateway auth none",
    gatewayJson((c) => (c.gateway.auth.mode = "none")),
    "gateway-auth-required",
    /gateway.auth.mode is "none"/,
  ],
  [
    "literal token in openclaw.json",
    gatewayJson((c) => (c.gateway.auth.token = "0123456789abcdef0123456789abcdef")),
    "gateway-auth-required",
    /gateway.auth.token is a literal/,
  ],
  [
    "insecure Control UI auth",
    gatewayJson((c) => (c.gateway.controlUi.allowInsecureAuth = true)),
    "gateway-control-ui-hardened",
    /allowInsecureAuth is true/,
  ],
  [
    "device auth disabled",
    gatewayJson((c) => (c.gateway.controlUi.dangerouslyDisableDeviceAuth = true)),
    "gateway-control-ui-hardened",
    /dangerouslyDisableDeviceAuth is true/,
  ],
  [
    "any origin for the Control UI",
    gatewayJson((c) => (c.gateway.controlUi.allowedOrigins = ["*"])),
    "gateway-lan-bind-requires-origins",
    /allowedOrigins is \["\*"\]/,
  ],
  [
    "tailscale funnel",
    gatewayJson((c) => (c.gateway.tailscale = { ...c.gateway.tailscale, mode: "funnel" })),
    "gateway-no-tailscale-funnel",
    /tailscale.mode is "funnel"/,
  ],
  [
    "hooks reuse the gateway token",
    gatewayJson((c) => (c.hooks = { ...c.hooks, token: "${OPENCLAW_GATEWAY_TOKEN}" })),
    "gateway-hooks-token-distinct",
    /hooks.token reuses the gateway token/,
  ],
  [
    "tools profile full",
    gatewayJson((c) => (c.tools.profile = "full")),
    "gateway-tools-restricted",
    /tools.profile is "full"/,
  ],
  [
    "no auth rate limit",
    gatewayJson((c) => delete c.gateway.auth.rateLimit),
    "gateway-auth-rate-limit",
    /rateLimit is not set/,
  ],
  [
    "compose: writable root",
    composeGateway((s) => (s.read_only = false)),
    "container-read-only-root",
    /root filesystem is writable/,
  ],
  ["compose: privileged", composeGateway((s) => (s.privileged = true)), "container-not-privileged", /is privileged/],
  [
    "compose: capabilities kept",
    composeGateway((s) => (s.cap_drop = ["NET_RAW"])),
    "container-drop-all-capabilities",
    /capabilities are not dropped/,
  ],
  [
    "compose: no no-new-privileges",
    composeGateway(
      (s) => (s.security_opt = (s.security_opt ?? []).filter((o: string) => !o.startsWith("no-new-privileges"))),
    ),
    "container-no-new-privileges",
    /no-new-privileges is not set/,
  ],
  ["compose: root user", composeGateway((s) => (s.user = "0:0")), "container-non-root-user", /user is "0:0"/],
  ["compose: no pids limit", composeGateway((s) => delete s.pids_limit), "container-resource-limits", /no pids/],
  [
    "compose: port on every interface",
    composeGateway((s) => (s.ports = ["18789:18789"])),
    "container-ports-private",
    /publish on 0\.0\.0\.0/,
  ],
  [
    "compose: docker socket",
    composeGateway((s) => (s.volumes = [...(s.volumes ?? []), "/var/run/docker.sock:/var/run/docker.sock"])),
    "container-no-docker-socket",
    /docker\.sock is mounted/,
  ],
  [
    "compose: seccomp unconfined",
    composeGateway((s) => (s.security_opt = [...(s.security_opt ?? []), "seccomp:unconfined"])),
    "container-seccomp-confined",
    /seccomp is unconfined/,
  ],
  [
    "compose: image latest",
    composeGateway((s) => (s.image = "ghcr.io/openclaw/openclaw:latest")),
    "container-image-pinned",
    /is not pinned/,
  ],
  [
    "compose: healthcheck disabled",
    composeGateway((s) => (s.healthcheck = { disable: true })),
    "container-healthcheck",
    /no healthcheck/,
  ],
  [
    "provider key in user data",
    writtenFile(/host\.env$/, (t) => `${t}ANTHROPIC_API_KEY=sk-ant-api03-EXAMPLEEXAMPLEEXAMPLE\n`),
    "ec2-user-data-no-secrets",
    /Anthropic API key/,
  ],
];

describe("rendered variants (one line changed in what prod renders)", () => {
  let inputs: PolicyResourceInput[] | undefined;
  const baseline = async () => {
    inputs ??= await prodInputs();
    return inputs;
  };
  it("there are at least 25", () => expect(rendered.length).toBeGreaterThanOrEqual(25));
  it.each(rendered.map(([n, edit, policy, msg]) => [`${n} -> ${policy}`, edit, policy, msg] as const))(
    "%s",
    async (_n, edit, policy, msg) => {
      const base = await baseline();
      const before = await evaluatePolicies(base);
      expect(
        before.filter((v) => v.policy === policy),
        "clean before the edit",
      ).toEqual([]);
      const after = (await evaluatePolicies(edit(base))).filter((v) => v.policy === policy);
      expect(after.length, show(after)).toBeGreaterThan(0);
      expect(after.map((v) => v.message).join("\n")).toMatch(msg);
    },
    120_000,
  );

  it("a token output that is not secret", async () => {
    const base = await baseline();
    const v = await evaluatePolicies(base, {
      outputs: [{ name: "gatewayToken", secret: false, value: "x".repeat(64) }],
    });
    expect(v.filter((x) => x.policy === "stack-outputs-secret")).toHaveLength(1);
    const ok = await evaluatePolicies(base, {
      outputs: [{ name: "gatewayToken", secret: true, value: "x".repeat(64) }],
    });
    expect(ok.filter((x) => x.policy === "stack-outputs-secret")).toEqual([]);
  }, 120_000);
});
