/**
 * What the chosen ingress means for every other part of the stack, as plain data (no Pulumi): the gateway's
 * trust settings, the compose sidecar, the security group's inbound rules, and the files the host needs.
 *
 * Both modes put the proxy on a small private network with fixed addresses, so the gateway trusts exactly one
 * address: behind a proxy it answers 403 `proxy_attribution_required` unless the proxy's source address is in
 * `gateway.trustedProxies` (openclaw.md), and a wider range would let any container on the network forge
 * X-Forwarded-For.
 */
import type { ComposeService } from "../container/render-compose";
import { gatewayContainerSpec, GATEWAY_PORT, type GatewayContainerSpec } from "../container/spec";
import type { IngressMode } from "../config/sections/ingress";
import type { StackConfig } from "../config/schema";
import type { IngressFacts } from "../gateway-config/render";
import {
  BASIC_AUTH_HASH_ENV,
  CADDY_HEALTH_PORT,
  CADDY_HTTPS_PORT,
  CADDY_HTTP_PORT,
  renderCaddyfile,
} from "./caddyfile";
import { hardenedSidecar } from "../container/sidecar";
import { renderServeConfigJson } from "./tailscale-serve";
import { CONFIG_DIR, CONTAINER_USER, DATA_DIR, RUN_DIR } from "../gateway-vm/layout";

/** 14 usable addresses are plenty for a gateway and one proxy; a /28 keeps the trust decision readable. */
export const INGRESS_SUBNET = "172.30.89.0/28";
export const GATEWAY_ADDRESS = "172.30.89.2";
export const PROXY_ADDRESS = "172.30.89.3";

/** The sidecar's own env file: only its one secret, never the gateway token (that is in gateway.env). */
export const INGRESS_ENV_FILE = `${RUN_DIR}/ingress.env`;
export const TS_AUTHKEY_ENV = "TS_AUTHKEY";
export { BASIC_AUTH_HASH_ENV };

export const CADDYFILE_HOST_PATH = `${CONFIG_DIR}/caddy/Caddyfile`;
export const SERVE_CONFIG_HOST_PATH = `${CONFIG_DIR}/tailscale/serve.json`;
/** On the encrypted data disk: certificates and the tailnet node key survive an instance replacement, so
 * Let's Encrypt is not asked again and the single-use auth key is not needed again. */
export const DEFAULT_DATA_DIR = DATA_DIR;

const SIDECAR_UID = CONTAINER_USER;
const TAILSCALE_HEALTH = "127.0.0.1:9002";

export interface SecurityGroupIngressRule {
  description: string;
  protocol: "tcp";
  fromPort: number;
  toPort: number;
  cidrBlocks?: string[];
  ipv6CidrBlocks?: string[];
}

export interface HostDir {
  path: string;
  owner: string;
  mode: string;
}

export interface IngressPlan {
  mode: IngressMode;
  /** For renderGatewayConfig(cfg, facts). */
  facts: IngressFacts;
  /** Spread into renderCompose's options. */
  compose: {
    sidecars: Record<string, ComposeService>;
    extraVolumes: Record<string, Record<string, unknown>>;
    subnet: string;
    gatewayAddress: string;
    /** On 127.0.0.1 only: host-side probes and backups use it; nothing public ever reaches it. */
    publishPort: boolean;
  };
  /** The instance security group's inbound rules: none for tailscale, 443 and 80 for caddy, nothing else. */
  securityGroupIngress: SecurityGroupIngressRule[];
  /** Rendered files keyed by plan-artifact path (`npm run plan` output). */
  artifacts: Record<string, string>;
  /** The same files by their absolute host path, for the VM's HostAddon. */
  hostFiles: { path: string; content: string; permissions: string }[];
  /** Host directories backing the sidecar's volume, created owned by the sidecar's uid before compose starts. */
  hostDirs: HostDir[];
  /** Secret env vars the sidecar reads from INGRESS_ENV_FILE, with the secret config key they come from (if any). */
  secretEnv: { name: string; source: "tailnet-key" | "caddyBasicAuthHash" }[];
  /** Tailscale only: the node and its auth key. */
  tailscale?: { hostname: string; tags: string[]; keyExpirySeconds: number; origin?: string };
}

export interface IngressPlanOptions {
  stack: string;
  /** Host directory of the data disk; the sidecar's state lives beneath it. @default DEFAULT_DATA_DIR */
  dataDir?: string;
  /** The gateway spec, when the caller already built it (with provider keys); only hardening is read from it. */
  spec?: GatewayContainerSpec;
}

/** The node's name on the tailnet (its default, from the stack name, is applied by parseStackConfig). */
export function tailnetHostname(cfg: StackConfig): string {
  return cfg.tailscale.hostname;
}

function bindVolume(device: string): Record<string, unknown> {
  return { driver: "local", driver_opts: { type: "none", o: "bind", device } };
}

const upstreamUrl = `http://${GATEWAY_ADDRESS}:${GATEWAY_PORT}`;

export function ingressPlan(cfg: StackConfig, opts: IngressPlanOptions): IngressPlan {
  const spec = opts.spec ?? gatewayContainerSpec(cfg);
  const dataDir = opts.dataDir ?? DEFAULT_DATA_DIR;
  return cfg.ingress === "caddy" ? caddyPlan(cfg, spec, dataDir) : tailscalePlan(cfg, spec, dataDir, opts.stack);
}

function caddyPlan(cfg: StackConfig, spec: GatewayContainerSpec, dataDir: string): IngressPlan {
  const c = cfg.caddy;
  if (!c.domain || !c.acmeEmail) {
    // The schema already requires both for caddy ingress; this guards callers that skipped parseStackConfig.
    throw new Error(
      `openclaw:caddy.domain and openclaw:caddy.acmeEmail are required when openclaw:ingress is caddy (got domain=${c.domain ?? "(not set)"})`,
    );
  }
  const caddyfile = renderCaddyfile({
    domain: c.domain,
    acmeEmail: c.acmeEmail,
    upstream: `${GATEWAY_ADDRESS}:${GATEWAY_PORT}`,
    basicAuth: c.basicAuth.enabled ? { username: c.basicAuth.username } : undefined,
    maxRequestBodyMiB: c.maxRequestBodyMiB,
  });
  const certDir = `${dataDir}/caddy`;
  const caddy = hardenedSidecar(spec, {
    image: c.image,
    user: SIDECAR_UID,
    command: ["caddy", "run", "--config", "/etc/caddy/Caddyfile", "--adapter", "caddyfile"],
    tmpfs: [
      { path: "/tmp", sizeMiB: 16 },
      // Caddy autosaves its adapted config here; it is rebuilt from the Caddyfile on every start.
      { path: "/config", sizeMiB: 8 },
    ],
    volumes: ["caddy-data:/data", `${CADDYFILE_HOST_PATH}:/etc/caddy/Caddyfile:ro`],
    environment: { XDG_DATA_HOME: "/data", XDG_CONFIG_HOME: "/config", HOME: "/tmp" },
    envFile: c.basicAuth.enabled ? INGRESS_ENV_FILE : undefined,
    // Docker publishes the privileged ports onto unprivileged ones, so Caddy runs as uid 1000 with no capability.
    ports: [`0.0.0.0:443:${CADDY_HTTPS_PORT}`, `0.0.0.0:80:${CADDY_HTTP_PORT}`],
    memoryMiB: 256,
    cpus: 0.5,
    pidsLimit: 128,
    healthcheck: {
      command: ["wget", "-q", "-O", "/dev/null", `http://127.0.0.1:${CADDY_HEALTH_PORT}/`],
      intervalSeconds: 30,
      timeoutSeconds: 5,
      retries: 3,
      startPeriodSeconds: 20,
    },
    address: PROXY_ADDRESS,
    dependsOnGateway: true,
  });
  const anywhere = { cidrBlocks: ["0.0.0.0/0"], ipv6CidrBlocks: ["::/0"] };
  return {
    mode: "caddy",
    facts: { allowedOrigins: [`https://${c.domain}`], trustedProxies: [PROXY_ADDRESS], allowTailscale: false },
    compose: {
      sidecars: { caddy },
      extraVolumes: { "caddy-data": bindVolume(certDir) },
      subnet: INGRESS_SUBNET,
      gatewayAddress: GATEWAY_ADDRESS,
      publishPort: true,
    },
    securityGroupIngress: [
      { description: "HTTPS to Caddy", protocol: "tcp", fromPort: 443, toPort: 443, ...anywhere },
      {
        description: "HTTP to Caddy: ACME http-01 challenge and redirect to HTTPS only",
        protocol: "tcp",
        fromPort: 80,
        toPort: 80,
        ...anywhere,
      },
    ],
    artifacts: { "caddy/Caddyfile": caddyfile },
    hostFiles: [{ path: CADDYFILE_HOST_PATH, content: caddyfile, permissions: "0644" }],
    hostDirs: [{ path: certDir, owner: SIDECAR_UID, mode: "0700" }],
    secretEnv: c.basicAuth.enabled ? [{ name: BASIC_AUTH_HASH_ENV, source: "caddyBasicAuthHash" }] : [],
  };
}

function tailscalePlan(cfg: StackConfig, spec: GatewayContainerSpec, dataDir: string, stack: string): IngressPlan {
  const t = cfg.tailscale;
  const hostname = tailnetHostname(cfg);
  const serveJson = renderServeConfigJson({ target: upstreamUrl });
  const stateDir = `${dataDir}/tailscale`;
  const origin = t.tailnetDnsName ? `https://${hostname}.${t.tailnetDnsName}` : undefined;
  const tailscale = hardenedSidecar(spec, {
    image: t.image,
    hostname,
    user: SIDECAR_UID,
    tmpfs: [{ path: "/tmp", sizeMiB: 16 }],
    volumes: ["tailscale-state:/var/lib/tailscale", `${SERVE_CONFIG_HOST_PATH}:/etc/tailscale/serve.json:ro`],
    environment: {
      TS_HOSTNAME: hostname,
      TS_STATE_DIR: "/var/lib/tailscale",
      // Userspace networking: no /dev/net/tun, no NET_ADMIN; serve's proxy dials the gateway over the bridge.
      TS_USERSPACE: "true",
      TS_SERVE_CONFIG: "/etc/tailscale/serve.json",
      // The key is single-use: log in with it only when the state holds no node key yet.
      TS_AUTH_ONCE: "true",
      TS_ACCEPT_DNS: "false",
      TS_SOCKET: "/tmp/tailscaled.sock",
      TS_ENABLE_HEALTH_CHECK: "true",
      TS_LOCAL_ADDR_PORT: TAILSCALE_HEALTH,
      HOME: "/tmp",
    },
    envFile: INGRESS_ENV_FILE,
    memoryMiB: 256,
    cpus: 0.5,
    pidsLimit: 128,
    healthcheck: {
      command: ["wget", "-q", "-O", "/dev/null", `http://${TAILSCALE_HEALTH}/healthz`],
      intervalSeconds: 30,
      timeoutSeconds: 5,
      retries: 3,
      startPeriodSeconds: 60,
    },
    address: PROXY_ADDRESS,
    dependsOnGateway: true,
  });
  return {
    mode: "tailscale",
    facts: {
      allowedOrigins: origin ? [origin] : [],
      trustedProxies: [PROXY_ADDRESS],
      // A serve route run outside the gateway (this sidecar) is the gateway's "externally managed Serve" path:
      // per docs/gateway/tailscale.md allowTailscale "cannot provide tokenless auth" there, so it stays off and
      // the token (plus trustedProxies) does the work.
      allowTailscale: false,
    },
    compose: {
      sidecars: { tailscale },
      extraVolumes: { "tailscale-state": bindVolume(stateDir) },
      subnet: INGRESS_SUBNET,
      gatewayAddress: GATEWAY_ADDRESS,
      publishPort: true,
    },
    securityGroupIngress: [],
    artifacts: { "tailscale/serve.json": serveJson },
    hostFiles: [{ path: SERVE_CONFIG_HOST_PATH, content: serveJson, permissions: "0644" }],
    hostDirs: [{ path: stateDir, owner: SIDECAR_UID, mode: "0700" }],
    secretEnv: [{ name: TS_AUTHKEY_ENV, source: "tailnet-key" }],
    tailscale: { hostname, tags: [...t.tags], keyExpirySeconds: t.keyExpirySeconds, origin },
  };
}
