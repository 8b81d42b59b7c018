import { artifactsCheckable } from "../../policies/artifacts";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import {
  gatewayAuthRateLimit,
  gatewayAuthRequired,
  gatewayControlUiHardened,
  gatewayHooksTokenDistinct,
  gatewayLanBindRequiresOrigins,
  gatewayNoTailscaleFunnel,
  gatewayToolsRestricted,
  gatewayTrustedProxies,
  leakedOutputs,
  stackOutputsSecret,
  tailscaleAuthKeyHardened,
} from "../../policies/gateway-config";
import type { PackPolicy } from "../../policies/lib/types";
import { cloudConfig, res, run, secureComposeService, secureDockerContainer, secureGatewayConfig } from "./helpers";

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x));

/** openclaw.json on each target: VM user data, Kubernetes ConfigMap, Docker upload. */
const targets = (cfg: unknown, composeExtra: Record<string, any> = {}) => [
  res("aws:ec2/instance:Instance", "vm", {
    userData: cloudConfig([
      { path: "/etc/openclaw/openclaw.json", content: JSON.stringify(cfg) },
      {
        path: "/etc/openclaw/compose.yaml",
        content: stringify({ services: { gateway: secureComposeService, ...composeExtra } }),
      },
    ]),
  }),
  res("kubernetes:core/v1:ConfigMap", "cm", { data: { "openclaw.json": JSON.stringify(cfg) } }),
  res("docker:index/container:Container", "gw", {
    ...secureDockerContainer,
    uploads: [{ file: "/home/node/.openclaw/openclaw.json", content: JSON.stringify(cfg) }],
  }),
];

const table: { policy: PackPolicy; mut: (c: any) => void; msg: RegExp }[] = [
  { policy: gatewayAuthRequired, mut: (c) => (c.gateway.auth.mode = "none"), msg: /gateway.auth.mode is "none"/ },
  {
    policy: gatewayAuthRequired,
    mut: (c) => (c.gateway.auth.token = "0123456789abcdef0123456789abcdef"),
    msg: /gateway.auth.token is a literal/,
  },
  {
    policy: gatewayLanBindRequiresOrigins,
    mut: (c) => delete c.gateway.controlUi.allowedOrigins,
    msg: /allowedOrigins is undefined/,
  },
  {
    policy: gatewayLanBindRequiresOrigins,
    mut: (c) => (c.gateway.controlUi.allowedOrigins = ["*"]),
    msg: /allowedOrigins is \["\*"\]/,
  },
  {
    policy: gatewayControlUiHardened,
    mut: (c) => (c.gateway.controlUi.allowInsecureAuth = true),
    msg: /allowInsecureAuth is true/,
  },
  {
    policy: gatewayControlUiHardened,
    mut: (c) => (c.gateway.controlUi.dangerouslyDisableDeviceAuth = true),
    msg: /dangerouslyDisableDeviceAuth is true/,
  },
  {
    policy: gatewayNoTailscaleFunnel,
    mut: (c) => (c.gateway.tailscale.mode = "funnel"),
    msg: /tailscale.mode is "funnel"/,
  },
  {
    policy: gatewayHooksTokenDistinct,
    mut: (c) => (c.hooks = { enabled: true, token: "${OPENCLAW_GATEWAY_TOKEN}" }),
    msg: /hooks.token reuses the gateway token/,
  },
  { policy: gatewayAuthRateLimit, mut: (c) => delete c.gateway.auth.rateLimit, msg: /rateLimit is not set/ },
  { policy: gatewayToolsRestricted, mut: (c) => (c.tools.profile = "full"), msg: /tools.profile is "full"/ },
  { policy: gatewayToolsRestricted, mut: (c) => delete c.tools.fs, msg: /workspaceOnly is not true/ },
];

describe.each(table)("$policy.name: $msg", ({ policy, mut, msg }) => {
  it("passes the secure openclaw.json on every target", async () => {
    expect(await run(policy, targets(secureGatewayConfig))).toEqual([]);
  });
  it("fails on every target (user data, ConfigMap, Docker upload)", async () => {
    const cfg = clone(secureGatewayConfig);
    mut(cfg);
    const v = await run(policy, targets(cfg));
    expect(v.map((x) => x.message.split(":")[0]).sort()).toEqual(['data["openclaw.json"]', "uploads", "userData"]);
    for (const x of v) {
      expect(x.message).toMatch(msg);
      expect(x.level).toBe(policy.enforcementLevel);
    }
  });
});

describe("gateway-auth-required outside openclaw.json", () => {
  it("refuses a config that is not JSON5 instead of skipping it", async () => {
    const v = await run(artifactsCheckable, [
      res("kubernetes:core/v1:ConfigMap", "cm", { data: { "openclaw.json": "{ gateway: { auth: none } }" } }),
    ]);
    expect(v[0].message).toMatch(/does not parse as JSON5.*cannot be checked/);
  });
  it("checks token length in Docker env and Kubernetes Secret data", async () => {
    expect(
      await run(gatewayAuthRequired, [res("docker:index/container:Container", "gw", secureDockerContainer)]),
    ).toEqual([]);
    const short = await run(gatewayAuthRequired, [
      res("docker:index/container:Container", "gw", {
        ...secureDockerContainer,
        envs: ["OPENCLAW_GATEWAY_TOKEN=changeme"],
      }),
    ]);
    expect(short[0].message).toMatch(/OPENCLAW_GATEWAY_TOKEN is 8 characters/);
    const sec = await run(gatewayAuthRequired, [
      res("kubernetes:core/v1:Secret", "s", {
        data: { OPENCLAW_GATEWAY_TOKEN: Buffer.from("short").toString("base64") },
      }),
    ]);
    expect(sec[0].message).toMatch(/is 5 characters/);
  });
});

describe("gateway-trusted-proxies", () => {
  const noProxies = () => {
    const c = clone(secureGatewayConfig) as any;
    delete c.gateway.trustedProxies;
    return c;
  };
  const caddy = { caddy: { image: "caddy:2.8.4", ports: ["443:443"] } };
  it("passes without a proxy, and with a proxy plus trustedProxies", async () => {
    expect(await run(gatewayTrustedProxies, targets(noProxies()).slice(0, 1))).toEqual([]);
    expect(await run(gatewayTrustedProxies, targets(secureGatewayConfig, caddy).slice(0, 1))).toEqual([]);
  });
  it("fails a VM whose compose has caddy but no trustedProxies", async () => {
    const v = await run(gatewayTrustedProxies, targets(noProxies(), caddy).slice(0, 1));
    expect(v).toHaveLength(1);
    expect(v[0].message).toMatch(/a reverse proxy fronts the gateway but gateway.trustedProxies is empty/);
  });
  it("fails a ConfigMap when a Caddy Deployment is in the stack", async () => {
    const caddyDep = res("kubernetes:apps/v1:Deployment", "caddy", {
      spec: { template: { spec: { containers: [{ name: "caddy", image: "caddy:2.8.4" }] } } },
    });
    const v = await run(gatewayTrustedProxies, [targets(noProxies())[1], caddyDep]);
    expect(v).toHaveLength(1);
    expect(v[0].urn).toMatch(/ConfigMap::cm$/);
  });
  it("trusted-proxy auth without proxies fails even without a detected proxy", async () => {
    const c = noProxies();
    c.gateway.auth.mode = "trusted-proxy";
    expect((await run(gatewayTrustedProxies, targets(c).slice(1, 2)))[0].message).toMatch(
      /"trusted-proxy" but gateway.trustedProxies is empty/,
    );
  });
});

describe("gateway-no-tailscale-funnel in user data commands", () => {
  it("flags `tailscale funnel` but not `tailscale serve` or `funnel off`", async () => {
    const vm = (cmd: string) =>
      res("aws:ec2/instance:Instance", "vm", { userData: `#cloud-config\nruncmd:\n  - ${cmd}\n` });
    expect(await run(gatewayNoTailscaleFunnel, [vm("tailscale serve --bg 18789"), vm("tailscale funnel off")])).toEqual(
      [],
    );
    expect((await run(gatewayNoTailscaleFunnel, [vm("tailscale funnel --bg 18789")]))[0].message).toMatch(
      /runs `tailscale funnel`/,
    );
  });
});

describe("tailscale-auth-key-hardened", () => {
  const K = "tailscale:index/tailnetKey:TailnetKey";
  const good = { preauthorized: true, reusable: false, ephemeral: true, tags: ["tag:openclaw"], expiry: 3600 };
  it.each([
    [good, null],
    [{ ...good, reusable: true }, /reusable is true/],
    [{ ...good, preauthorized: false }, /preauthorized is not true/],
    [{ ...good, tags: [] }, /tags is empty/],
    [{ ...good, expiry: 7776000 }, /expiry is 7776000 seconds/],
    [{ ...good, expiry: undefined }, /expiry is undefined/],
  ])("%j", async (props, msg) => {
    const v = await run(tailscaleAuthKeyHardened, [res(K, "k", props)]);
    if (msg === null) expect(v).toEqual([]);
    else expect(v[0].message).toMatch(msg);
  });
});

describe("stack-outputs-secret", () => {
  it("is not applicable in the engine's stack pass, runs on offline outputs", async () => {
    expect(await run(stackOutputsSecret, [res("aws:s3/bucket:Bucket", "b", {})])).toEqual([]);
    const v = await run(stackOutputsSecret, [], {
      outputs: [
        { name: "gatewayUrl", secret: false, value: "https://openclaw.example.ts.net" },
        { name: "gatewayToken", secret: true, value: "x" },
        { name: "dashboard", secret: false, value: "https://h.example/#token=abc" },
        { name: "adminPassword", secret: false },
      ],
    });
    expect(v.map((x) => x.message)).toEqual([
      expect.stringMatching(/"dashboard" carries a token/),
      expect.stringMatching(/"adminPassword" carries a token/),
    ]);
  });
  it("ARNs and commands that point at a credential are not credentials", () => {
    expect(
      leakedOutputs([
        { name: "gatewayCredentialArn", secret: false, value: "arn:aws:secretsmanager:us-east-1:1:secret:x" },
        { name: "fetchCredentialCommand", secret: false, value: "aws secretsmanager get-secret-value --secret-id x" },
        { name: "gatewayTokenArn", secret: false, value: "arn:aws:secretsmanager:us-east-1:1:secret:x" },
      ]),
    ).toEqual([]);
    expect(leakedOutputs([{ name: "gatewayToken", secret: false, value: "arn-looking-but-not" }])).toHaveLength(1);
  });
  it("leakedOutputs finds provider keys in plain values", () => {
    expect(leakedOutputs([{ name: "env", secret: false, value: { k: `sk-ant-${"a".repeat(20)}` } }])).toHaveLength(1);
  });
});
