/**
 * What the chosen ingress means for every other part of the stack, as plain data (no Pulumi): the gateway's
 * trust settings, the compose sidecar, the security group's inbound rules, and the files the host needs.
 *
 * Both modes put the proxy on a small private network with fixed addresses, so the gateway trusts exactly one
 * address: behind a proxy it answers 403 `proxy_attribution_required` unless the proxy's source address is in
 * `gateway.trustedProxies` (openclaw.md), and a wider range would let any container on the network forge
 * X-Forwarded-For.
 */
import type { ComposeSidecar } from "../container/render-compose";
import { GATEWAY_PORT, GATEWAY_UID } from "../container/spec";
import type { IngressMode } from "../config/sections/ingress";
import type { StackConfig } from "../config/schema";
import type { IngressFacts } from "../gateway-config/render";
import { BASIC_AUTH_HASH_ENV } from "./caddyfile";
import { CONTAINER_USER, DATA_DIR, RUN_DIR } from "../gateway-vm/layout";

/** 14 usable addresses are plenty for a gateway and one proxy; a /28 keeps the trust decision readable. */
export const INGRESS_SUBNET = "172.30.89.0/28";
export const GATEWAY_ADDRESS = "172.30.89.2";
export const PROXY_ADDRESS = "172.30.89.3";

/** The sidecar's own env file: only its one secret, never the gateway token (that is in gateway.env). */
export const INGRESS_ENV_FILE = `${RUN_DIR}/ingress.env`;
export { BASIC_AUTH_HASH_ENV };

/** On the encrypted data disk: certificates and the tailnet node key survive an instance replacement, so
 * Let's Encrypt is not asked again and the single-use auth key is not needed again. */
export const DEFAULT_DATA_DIR = DATA_DIR;

/** The proxies run as the gateway's uid, so host directories they share have one owner. */
export const PROXY_USER = { uid: GATEWAY_UID, gid: GATEWAY_UID };
/** Owner of the proxy's host directories, as install(1) takes it. */
export const PROXY_OWNER = CONTAINER_USER;

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
    sidecars: Record<string, ComposeSidecar>;
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
}

/** The node's name on the tailnet (its default, from the stack name, is applied by parseStackConfig). */
export function tailnetHostname(cfg: StackConfig): string {
  return cfg.tailscale.hostname;
}

export function bindVolume(device: string): Record<string, unknown> {
  return { driver: "local", driver_opts: { type: "none", o: "bind", device } };
}

export const upstreamUrl = `http://${GATEWAY_ADDRESS}:${GATEWAY_PORT}`;
