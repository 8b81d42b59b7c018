import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { composeService, renderCompose } from "../../components/container/render-compose";
import { gatewayContainerSpec } from "../../components/container/spec";
import { renderGatewayConfig } from "../../components/gateway-config/render";
import type { IngressPlan } from "../../components/ingress/plan";
import {
  GATEWAY_ADDRESS,
  INGRESS_ENV_FILE,
  INGRESS_SUBNET,
  PROXY_ADDRESS,
  tailnetHostname,
} from "../../components/ingress/plan";
import { ingressPlan } from "../../components/ingress/modes/registry";
import { servesFunnel } from "../../components/ingress/tailscale-serve";
import { parseStackConfig, stackConfigSchema } from "../../components/config/schema";
import { defaultTailnetHostname } from "../../components/config/sections/ingress";
import { BASE_VALUES, testConfig } from "../helpers/config";

const caddyValues = {
  ingress: "caddy",
  network: { egress: "public-ip" },
  caddy: { domain: "gateway.example.com", acmeEmail: "ops@example.com" },
  caddyBasicAuthHash: "[secret]",
};
const caddyCfg = () => testConfig(caddyValues, ["caddyBasicAuthHash"]);
const tailscaleCfg = () =>
  testConfig({ tailscale: { tailnetDnsName: "tail1234.ts.net", tags: ["tag:openclaw", "tag:prod"] } }, [], "prod");

function ipInSubnet(ip: string, cidr: string): boolean {
  const [net, bits] = cidr.split("/");
  const n = (a: string) => a.split(".").reduce((acc, o) => (acc << 8) + Number(o), 0) >>> 0;
  const mask = (~0 << (32 - Number(bits))) >>> 0;
  return (n(ip) & mask) === (n(net) & mask);
}

describe("ingressPlan: what each mode means for the gateway", () => {
  it.each([
    [
      "caddy",
      caddyCfg,
      { allowedOrigins: ["https://gateway.example.com"], trustedProxies: [PROXY_ADDRESS], allowTailscale: false },
    ],
    [
      "tailscale",
      tailscaleCfg,
      {
        allowedOrigins: ["https://openclaw-prod.tail1234.ts.net"],
        trustedProxies: [PROXY_ADDRESS],
        allowTailscale: false,
      },
    ],
  ] as const)("%s: trusts exactly the proxy and allows exactly its origin", (_mode, cfg, facts) => {
    const plan = ingressPlan(cfg(), { stack: "prod" });
    expect(plan.facts).toEqual(facts);
    const rendered = renderGatewayConfig(cfg(), plan.facts);
    expect(rendered.gateway.trustedProxies).toEqual([PROXY_ADDRESS]);
    expect((rendered.gateway.controlUi as { allowedOrigins: string[] }).allowedOrigins).toEqual(facts.allowedOrigins);
  });

  it("gateway and proxy sit on the fixed private subnet, at different addresses", () => {
    for (const cfg of [caddyCfg(), tailscaleCfg()]) {
      const plan = ingressPlan(cfg, { stack: "prod" });
      expect(plan.compose.subnet).toBe(INGRESS_SUBNET);
      expect(ipInSubnet(plan.compose.gatewayAddress, INGRESS_SUBNET)).toBe(true);
      expect(ipInSubnet(PROXY_ADDRESS, INGRESS_SUBNET)).toBe(true);
      expect(PROXY_ADDRESS).not.toBe(GATEWAY_ADDRESS);
      // .1 is the bridge itself (the host, and docker-proxy for published ports): it must never be trusted.
      expect(plan.facts.trustedProxies).not.toContain("172.30.89.1");
    }
  });
});

describe("ingressPlan: security group", () => {
  it("tailscale: no inbound rule at all", () => {
    expect(ingressPlan(tailscaleCfg(), { stack: "prod" }).securityGroupIngress).toEqual([]);
  });

  it("caddy: exactly 443 and 80 over TCP from anywhere, nothing else (never 18789)", () => {
    const rules = ingressPlan(caddyCfg(), { stack: "prod" }).securityGroupIngress;
    expect(rules.map((r) => [r.protocol, r.fromPort, r.toPort])).toEqual([
      ["tcp", 443, 443],
      ["tcp", 80, 80],
    ]);
    for (const r of rules) {
      expect(r.cidrBlocks).toEqual(["0.0.0.0/0"]);
      expect(r.ipv6CidrBlocks).toEqual(["::/0"]);
    }
  });
});

/** The sidecar as the VM's compose file has it. */
function sidecarService(plan: IngressPlan, name: string): Record<string, any> {
  const s = plan.compose.sidecars[name]!;
  return composeService(s.spec, s.options);
}

describe("ingressPlan: sidecars are hardened like the gateway", () => {
  const modes = [
    ["caddy", caddyCfg, "caddy"],
    ["tailscale", tailscaleCfg, "tailscale"],
  ] as const;

  it.each(modes)(
    "%s sidecar: read-only, no capabilities, no-new-privileges, uid 1000, limits, health check",
    (_m, cfg, service) => {
      const svc = sidecarService(ingressPlan(cfg(), { stack: "prod" }), service);
      expect(svc.read_only).toBe(true);
      expect(svc.privileged).toBe(false);
      expect(svc.cap_drop).toEqual(["ALL"]);
      expect(svc.cap_add).toBeUndefined();
      expect(svc.security_opt).toContain("no-new-privileges:true");
      expect(svc.user).toBe("1000:1000");
      expect(svc.mem_limit).toMatch(/^\d+m$/);
      expect(svc.memswap_limit).toBe(svc.mem_limit);
      expect(svc.pids_limit).toBeGreaterThan(0);
      expect(svc.healthcheck.test[0]).toBe("CMD");
      for (const t of svc.tmpfs as string[]) expect(t).toMatch(/noexec.*nosuid.*nodev|nosuid.*noexec/);
      expect(svc.networks.openclaw.ipv4_address).toBe(PROXY_ADDRESS);
      expect(svc.image).not.toMatch(/:latest$/);
    },
  );

  it("caddy publishes 443/80 onto unprivileged container ports and needs no capability", () => {
    const svc = sidecarService(ingressPlan(caddyCfg(), { stack: "prod" }), "caddy");
    expect(svc.ports).toEqual(["0.0.0.0:443:8443", "0.0.0.0:80:8080"]);
    expect(svc.volumes).toContain("caddy-data:/data");
    expect(svc.volumes).toContain("/etc/openclaw/caddy/Caddyfile:/etc/caddy/Caddyfile:ro");
    expect(svc.env_file).toEqual([INGRESS_ENV_FILE]);
  });

  it("caddy without basic auth gets no env file (it has no secret)", () => {
    const { caddyBasicAuthHash: _hash, ...withoutHash } = caddyValues;
    const cfg = testConfig({ ...withoutHash, caddy: { ...caddyValues.caddy, basicAuth: { enabled: false } } });
    const plan = ingressPlan(cfg, { stack: "prod" });
    expect(sidecarService(plan, "caddy").env_file).toBeUndefined();
    expect(plan.secretEnv).toEqual([]);
    expect(plan.artifacts["caddy/Caddyfile"]).not.toMatch(/basicauth/);
  });

  it("tailscale: userspace networking, no tun device, no published port, state on a volume, serve config without funnel", () => {
    const plan = ingressPlan(tailscaleCfg(), { stack: "prod" });
    const svc = sidecarService(plan, "tailscale");
    expect(svc.environment).toMatchObject({
      TS_USERSPACE: "true",
      TS_STATE_DIR: "/var/lib/tailscale",
      TS_HOSTNAME: "openclaw-prod",
      TS_AUTH_ONCE: "true",
      TS_SERVE_CONFIG: "/etc/tailscale/serve.json",
    });
    expect(svc.environment.TS_AUTHKEY).toBeUndefined();
    expect(svc.devices).toBeUndefined();
    expect(svc.ports).toBeUndefined();
    expect(svc.env_file).toEqual([INGRESS_ENV_FILE]);
    expect(svc.volumes).toContain("tailscale-state:/var/lib/tailscale");
    const serve = JSON.parse(plan.artifacts["tailscale/serve.json"]);
    expect(servesFunnel(serve)).toBe(false);
    expect(JSON.stringify(serve)).toContain(`http://${GATEWAY_ADDRESS}:18789`);
    expect(plan.tailscale).toMatchObject({
      hostname: "openclaw-prod",
      tags: ["tag:openclaw", "tag:prod"],
      keyExpirySeconds: 3600,
    });
    expect(plan.secretEnv).toEqual([{ name: "TS_AUTHKEY", source: "tailnet-key" }]);
  });

  it("state volumes are bound to the data disk, and the host creates them for uid 1000", () => {
    for (const [cfg, vol, dir] of [
      [caddyCfg(), "caddy-data", "/var/lib/openclaw/caddy"],
      [tailscaleCfg(), "tailscale-state", "/var/lib/openclaw/tailscale"],
    ] as const) {
      const plan = ingressPlan(cfg, { stack: "prod" });
      expect(plan.compose.extraVolumes[vol]).toEqual({
        driver: "local",
        driver_opts: { type: "none", o: "bind", device: dir },
      });
      expect(plan.hostDirs).toEqual([{ path: dir, owner: "1000:1000", mode: "0700" }]);
    }
  });
});

describe("renderCompose with the plan", () => {
  it.each([
    ["caddy", caddyCfg],
    ["tailscale", tailscaleCfg],
  ] as const)("%s: gateway on loopback only, sidecar beside it, no secret in the file", (mode, cfg) => {
    const c = cfg();
    const plan = ingressPlan(c, { stack: "prod" });
    const doc = parse(
      renderCompose(gatewayContainerSpec(c), {
        configHostPath: "/run/openclaw/openclaw.json",
        envFile: "/run/openclaw/gateway.env",
        ...plan.compose,
      }),
    );
    expect(Object.keys(doc.services).sort()).toEqual(["gateway", mode].sort());
    expect(doc.services.gateway.ports).toEqual(["127.0.0.1:18789:18789"]);
    expect(doc.services.gateway.networks.openclaw.ipv4_address).toBe(GATEWAY_ADDRESS);
    expect(doc.networks.openclaw.ipam.config).toEqual([{ subnet: INGRESS_SUBNET }]);
    // The proxy never gets the gateway's env file (token, provider keys).
    expect(doc.services[mode].env_file).not.toContain("/run/openclaw/gateway.env");
    const text = JSON.stringify(doc);
    expect(text).not.toMatch(/tskey-|\$2[aby]\$/);
  });
});

describe("defaultTailnetHostname", () => {
  // Stack names of the VM target are stricter (no '-'), but other targets and future ones may not be.
  it.each([
    ["Dev_Eu.1", "openclaw-dev-eu-1"],
    ["x".repeat(80), `openclaw-${"x".repeat(54)}`],
  ])("stack %s -> %s", (stack, expected) => {
    const h = defaultTailnetHostname(stack);
    expect(h).toBe(expected);
    expect(h).toMatch(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/);
  });
});

describe("the tailnet node name's default", () => {
  it("is the schema's own: parsing alone gives every stack its name, the same schema object per stack", () => {
    const values = { ...BASE_VALUES, tailscale: { tailnetDnsName: "tail1234.ts.net" } };
    expect(stackConfigSchema("Dev_Eu.1").parse(values).tailscale.hostname).toBe("openclaw-dev-eu-1");
    expect(stackConfigSchema("prod").parse(values).tailscale.hostname).toBe("openclaw-prod");
    expect(stackConfigSchema("prod")).toBe(stackConfigSchema("prod"));
  });
});

describe("tailnetHostname", () => {
  it.each([
    ["prod", undefined, "openclaw-prod"],
    ["prodeu1", undefined, "openclaw-prodeu1"],
    ["x".repeat(20), undefined, `openclaw-${"x".repeat(20)}`],
    ["prod", "my-gw", "my-gw"],
  ])("stack %s, hostname %s -> %s", (stack, hostname, expected) => {
    const parsed = parseStackConfig({
      stack,
      values: { ...BASE_VALUES, tailscale: { tailnetDnsName: "tail1234.ts.net", ...(hostname ? { hostname } : {}) } },
      secretKeys: new Set(),
    });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    const h = tailnetHostname(parsed.config);
    expect(h).toBe(expected);
    expect(h).toMatch(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/);
  });
});
