/**
 * The one locked-down container spec for the gateway. Docker, Kubernetes and compose renderings are derived
 * from it (render-*.ts), so a hardening setting cannot drift between targets (conventions.md #6).
 */
import type { StackConfig } from "../config/schema";

export const GATEWAY_PORT = 18789;
export const GATEWAY_UID = 1000;
export const STATE_DIR = "/home/node/.openclaw";
export const CONFIG_DIR = "/etc/openclaw";
export const CONFIG_PATH = `${CONFIG_DIR}/openclaw.json`;

export interface TmpfsMount {
  path: string;
  sizeMiB: number;
  /** Mount options besides size/mode; noexec so nothing dropped in /tmp can run. */
  options: readonly string[];
  mode: number;
}

export interface HealthCheck {
  /** Exec-form command run inside the container; exits 0 only when the body says the gateway is live. */
  command: readonly string[];
  path: string;
  intervalSeconds: number;
  timeoutSeconds: number;
  retries: number;
  /** Allowance before failures count: the gateway needs ~12 s on 2 cores, more on a cold disk. */
  startPeriodSeconds: number;
}

export interface GatewayContainerSpec {
  name: string;
  image: string;
  hostname: string;
  command?: readonly string[];
  user: { uid: number; gid: number };
  readOnlyRootFilesystem: true;
  privileged: false;
  allowPrivilegeEscalation: false;
  capDrop: readonly ["ALL"];
  capAdd: readonly [];
  seccompProfile: "RuntimeDefault";
  tmpfs: readonly TmpfsMount[];
  stateVolume: { name: string; mountPath: string };
  config: { mountPath: string; dir: string };
  /** Plain, non-secret environment. */
  env: Readonly<Record<string, string>>;
  /** Names of variables that come from the secret store at start, never as literals. */
  secretEnv: readonly string[];
  port: { container: number; hostIp: "127.0.0.1"; host: number };
  resources: { memoryMiB: number; cpus: number; pidsLimit: number; heapMiB: number };
  healthcheck: HealthCheck;
  probes: { startup: string; liveness: string; readiness: string };
  stopGracePeriodSeconds: number;
}

/** Docker's spelling of allowPrivilegeEscalation: false (compose `security_opt`, docker `securityOpts`). */
export function dockerSecurityOpts(spec: GatewayContainerSpec): string[] {
  return spec.allowPrivilegeEscalation ? [] : ["no-new-privileges:true"];
}

/** ~75% of the limit for the V8 heap; the rest is native memory, buffers and child processes. */
export function heapMiB(memoryMiB: number): number {
  return Math.floor((memoryMiB * 0.75) / 64) * 64;
}

/**
 * A health check that reads the body: the Control UI answers 200 for unknown paths, so a status-only probe
 * aimed at a wrong path would pass (openclaw.md "Health").
 */
export function healthCheckCommand(port: number, path = "/healthz"): string[] {
  const script =
    `fetch('http://127.0.0.1:${port}${path}',{signal:AbortSignal.timeout(4000)})` +
    `.then(async r=>{const b=await r.json();process.exit(r.status===200&&b.status==='live'?0:1)})` +
    `.catch(()=>process.exit(1))`;
  return ["node", "-e", script];
}

export interface SpecOptions {
  /** Extra secret variable names (provider keys) on top of the gateway token. */
  providerKeyEnv?: readonly string[];
}

export function gatewayContainerSpec(cfg: StackConfig, opts: SpecOptions = {}): GatewayContainerSpec {
  const g = cfg.gateway;
  const heap = heapMiB(g.memoryMiB);
  return {
    name: "openclaw-gateway",
    image: cfg.image,
    hostname: g.hostname,
    command: g.command,
    user: { uid: GATEWAY_UID, gid: GATEWAY_UID },
    readOnlyRootFilesystem: true,
    privileged: false,
    allowPrivilegeEscalation: false,
    capDrop: ["ALL"],
    capAdd: [],
    seccompProfile: "RuntimeDefault",
    tmpfs: [{ path: "/tmp", sizeMiB: g.tmpSizeMiB, options: ["rw", "noexec", "nosuid", "nodev"], mode: 0o1777 }],
    stateVolume: { name: "openclaw-state", mountPath: STATE_DIR },
    config: { mountPath: CONFIG_PATH, dir: CONFIG_DIR },
    env: {
      HOME: "/home/node",
      NODE_ENV: "production",
      NODE_OPTIONS: `--max-old-space-size=${heap}`,
      // The root filesystem is read-only; without this the gateway fails creating ~/.cache/openclaw-1000.
      XDG_CACHE_HOME: "/tmp/.cache",
      OPENCLAW_STATE_DIR: STATE_DIR,
      OPENCLAW_CONFIG_PATH: CONFIG_PATH,
      OPENCLAW_NO_AUTO_UPDATE: "1",
      OPENCLAW_DISABLE_BONJOUR: "1",
      DO_NOT_TRACK: "1",
    },
    secretEnv: ["OPENCLAW_GATEWAY_TOKEN", ...(opts.providerKeyEnv ?? [])],
    port: { container: GATEWAY_PORT, hostIp: "127.0.0.1", host: GATEWAY_PORT },
    resources: { memoryMiB: g.memoryMiB, cpus: g.cpus, pidsLimit: g.pidsLimit, heapMiB: heap },
    healthcheck: {
      command: healthCheckCommand(GATEWAY_PORT),
      path: "/healthz",
      intervalSeconds: 30,
      timeoutSeconds: 5,
      retries: 3,
      startPeriodSeconds: 90,
    },
    probes: { startup: "/startupz", liveness: "/healthz", readiness: "/readyz" },
    // It drains in under a second; the allowance covers a slow disk. A hard kill leaves the owner lease behind.
    stopGracePeriodSeconds: 30,
  };
}
