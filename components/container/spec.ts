/**
 * The one locked-down container spec, for every container the stack runs: the gateway, its backup one-off job,
 * and the ingress proxies (Caddy, Tailscale; their specs live with their ingress mode). Docker, Kubernetes and
 * compose renderings are derived from it (render-*.ts), so a hardening setting cannot drift between targets or
 * between containers (conventions.md #6).
 */
import type { StackConfig } from "../config/schema";

export const GATEWAY_PORT = 18789;
export const GATEWAY_UID = 1000;
export const STATE_DIR = "/home/node/.openclaw";
export const CONFIG_DIR = "/etc/openclaw";
/** The gateway's state volume (compose and Docker volume, Kubernetes PVC). */
export const STATE_VOLUME = "openclaw-state";
export const CONFIG_FILE = "openclaw.json";
export const CONFIG_PATH = `${CONFIG_DIR}/${CONFIG_FILE}`;

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
  /** The HTTP path the command checks, where it checks one. */
  path?: string;
  intervalSeconds: number;
  timeoutSeconds: number;
  retries: number;
  /** Allowance before failures count: the gateway needs ~12 s on 2 cores, more on a cold disk. */
  startPeriodSeconds: number;
}

/** The lockdown every container shares; the literal types make a container without it fail `tsc`. */
export const LOCKDOWN = {
  readOnlyRootFilesystem: true,
  privileged: false,
  allowPrivilegeEscalation: false,
  capDrop: ["ALL"],
  capAdd: [],
  seccompProfile: "RuntimeDefault",
} as const;

/** Every writable scratch path is a tmpfs where nothing can be executed, set-uid or a device. */
export const TMPFS_OPTIONS = ["rw", "noexec", "nosuid", "nodev"] as const;

/** A scratch tmpfs with the shared options. */
export function scratch(path: string, sizeMiB: number): TmpfsMount {
  return { path, sizeMiB, options: [...TMPFS_OPTIONS], mode: 0o1777 };
}

export interface PortSpec {
  /** Port name (Kubernetes `containerPort.name`, the Service's targetPort). */
  name: string;
  container: number;
  /** Published on this host address and port by Docker and compose; absent = not published. */
  publish?: { hostIp: string; host: number };
}

/** A volume the container mounts; each target names its source (compose path, Docker volume, pod volume). */
export interface MountSpec {
  /** Logical name, the key a renderer's sources are looked up by. */
  name: string;
  /** Directory inside the container. */
  mountPath: string;
  readOnly: boolean;
  /** Where a target delivers one file rather than a directory (compose bind of a host file), its name. */
  file?: string;
}

export interface ContainerSpec {
  name: string;
  image: string;
  hostname?: string;
  /** Replaces the image's CMD (compose `command`, Docker `command`, Kubernetes `args`). */
  command?: readonly string[];
  user: { uid: number; gid: number };
  readOnlyRootFilesystem: typeof LOCKDOWN.readOnlyRootFilesystem;
  privileged: typeof LOCKDOWN.privileged;
  allowPrivilegeEscalation: typeof LOCKDOWN.allowPrivilegeEscalation;
  capDrop: typeof LOCKDOWN.capDrop;
  capAdd: typeof LOCKDOWN.capAdd;
  seccompProfile: typeof LOCKDOWN.seccompProfile;
  tmpfs: readonly TmpfsMount[];
  mounts: readonly MountSpec[];
  /** Plain, non-secret environment. */
  env: Readonly<Record<string, string>>;
  /** Names of variables that come from the secret store at start, never as literals. */
  secretEnv: readonly string[];
  ports: readonly PortSpec[];
  resources: {
    memoryMiB: number;
    cpus: number;
    pidsLimit: number;
    /** What the scheduler reserves (Kubernetes requests). @default memory = the limit, cpu = min(cpus, 0.25) */
    requests?: { memoryMiB: number; cpus: number };
  };
  healthcheck: HealthCheck;
  /** Time a stop signal gets before the kill; absent = the runtime's default. */
  stopGracePeriodSeconds?: number;
}

export interface GatewayContainerSpec extends ContainerSpec {
  hostname: string;
  ports: readonly [PortSpec & { publish: { hostIp: "127.0.0.1"; host: number } }];
  resources: ContainerSpec["resources"] & { heapMiB: number };
  probes: { startup: string; liveness: string; readiness: string };
  stopGracePeriodSeconds: number;
}

/** Docker's spelling of allowPrivilegeEscalation: false (compose `security_opt`, docker `securityOpts`). */
export function dockerSecurityOpts(spec: ContainerSpec): string[] {
  return spec.allowPrivilegeEscalation ? [] : ["no-new-privileges:true"];
}

/** The gateway's one port. */
export function gatewayPort(spec: GatewayContainerSpec): number {
  return spec.ports[0].container;
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
    ...LOCKDOWN,
    tmpfs: [scratch("/tmp", g.tmpSizeMiB)],
    mounts: [
      { name: "state", mountPath: STATE_DIR, readOnly: false },
      { name: "config", mountPath: CONFIG_DIR, readOnly: true, file: CONFIG_FILE },
    ],
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
    ports: [{ name: "http", container: GATEWAY_PORT, publish: { hostIp: "127.0.0.1", host: GATEWAY_PORT } }],
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

/**
 * The backup and restore one-off job: the gateway's image, user, lockdown, state and config, with no port and
 * no secret. It reads and writes state files only, so the gateway token and provider keys stay out of a
 * container whose output a root script handles.
 */
export function oneOffJobSpec(gateway: GatewayContainerSpec): ContainerSpec {
  const { probes: _p, ...rest } = gateway;
  return { ...rest, ports: [], secretEnv: [] };
}
