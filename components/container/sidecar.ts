/**
 * Hardening for sidecar compose services, from the same spec and the same compose hardening as the gateway, so
 * that a setting changed in components/container/spec.ts (read-only root, dropped capabilities,
 * no-new-privileges, logging, restart policy, tmpfs options) changes for the sidecars too (conventions.md #6).
 */
import { COMPOSE_NETWORK, composeHardening, type ComposeService } from "./render-compose";
import type { GatewayContainerSpec, HealthCheck } from "./spec";

/** The sidecar-specific part; everything else comes from the gateway's hardening. */
export interface SidecarSpec {
  image: string;
  hostname?: string;
  /** Non-root user "uid:gid". Both sidecars run as 1000:1000 (the gateway's uid), so host directories are shared-owned. */
  user: string;
  command?: readonly string[];
  /** Writable scratch paths, each a tmpfs with the gateway's tmpfs options (noexec, nosuid, nodev). */
  tmpfs: readonly { path: string; sizeMiB: number }[];
  volumes: readonly string[];
  environment: Readonly<Record<string, string>>;
  /** env_file with the sidecar's own secret (never the gateway's env file: it holds the gateway token). */
  envFile?: string;
  ports?: readonly string[];
  memoryMiB: number;
  cpus: number;
  pidsLimit: number;
  /** Exec-form health command, run inside the container. */
  healthcheck: Pick<HealthCheck, "command" | "intervalSeconds" | "timeoutSeconds" | "retries" | "startPeriodSeconds">;
  /** Fixed address on the private network: the gateway trusts exactly this address as its proxy. */
  address: string;
  /** Start after the gateway container (not after it is healthy: the proxy answering 502 while the gateway boots is
   * better than no TLS endpoint at all, and a broken gateway must not take the ingress down with it). */
  dependsOnGateway: boolean;
}

/** Keys taken verbatim from the gateway's compose service: the settings that are the same for every container. */
export const SHARED_HARDENING_KEYS = [
  "read_only",
  "privileged",
  "cap_drop",
  "security_opt",
  "restart",
  "logging",
] as const;

export function sharedHardening(spec: GatewayContainerSpec): ComposeService {
  const h: ComposeService = composeHardening(spec);
  return Object.fromEntries(SHARED_HARDENING_KEYS.map((k) => [k, structuredClone(h[k])]));
}

export function hardenedSidecar(spec: GatewayContainerSpec, s: SidecarSpec): ComposeService {
  const tmpfsOptions = spec.tmpfs[0]?.options ?? ["rw", "noexec", "nosuid", "nodev"];
  return {
    image: s.image,
    ...(s.hostname ? { hostname: s.hostname } : {}),
    ...(s.command ? { command: [...s.command] } : {}),
    user: s.user,
    ...sharedHardening(spec),
    // No capability is added back: both sidecars listen on unprivileged ports (Caddy 8080/8443, published as
    // 80/443 by Docker; tailscale in userspace mode needs no NET_ADMIN or /dev/net/tun).
    tmpfs: s.tmpfs.map((t) => `${t.path}:${[...tmpfsOptions, `size=${t.sizeMiB}m`, "mode=1777"].join(",")}`),
    volumes: [...s.volumes],
    environment: { ...s.environment },
    ...(s.envFile ? { env_file: [s.envFile] } : {}),
    ...(s.ports && s.ports.length > 0 ? { ports: [...s.ports] } : {}),
    mem_limit: `${s.memoryMiB}m`,
    memswap_limit: `${s.memoryMiB}m`,
    cpus: s.cpus,
    pids_limit: s.pidsLimit,
    healthcheck: {
      test: ["CMD", ...s.healthcheck.command],
      interval: `${s.healthcheck.intervalSeconds}s`,
      timeout: `${s.healthcheck.timeoutSeconds}s`,
      retries: s.healthcheck.retries,
      start_period: `${s.healthcheck.startPeriodSeconds}s`,
    },
    ...(s.dependsOnGateway ? { depends_on: { gateway: { condition: "service_started" } } } : {}),
    networks: { [COMPOSE_NETWORK]: { ipv4_address: s.address } },
  };
}
