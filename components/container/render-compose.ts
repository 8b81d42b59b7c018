/** Renders the container spec (plus sidecars) as a compose file for the VM and for local runs. */
import { stringify } from "yaml";
import { dockerSecurityOpts, type GatewayContainerSpec } from "./spec";

export interface ComposeService {
  [key: string]: unknown;
}

export interface ComposeOptions {
  /** Host path of the rendered openclaw.json, mounted read-only. */
  configHostPath: string;
  /** env_file the host writes at start from the secret store (mode 0600, on tmpfs). */
  envFile?: string;
  /** A host directory holding the gateway token file, mounted read-only (the directory, so renames show). */
  tokenDir?: { host: string; container: string };
  /** Back the named state volume with a host directory (the VM's data disk), else a plain named volume. */
  stateHostDir?: string;
  /** Publish the port on loopback. Off when a sidecar on the private network is the only way in. */
  publishPort?: boolean;
  /** Other services on the same private network (Caddy, Tailscale). */
  sidecars?: Record<string, ComposeService>;
  /** Named volumes the sidecars use. */
  extraVolumes?: Record<string, Record<string, unknown>>;
  /** Fixed subnet of the private network, so the gateway can trust exactly the proxy's address. */
  subnet?: string;
  /** Fixed address of the gateway on the private network. */
  gatewayAddress?: string;
  /** Logging driver settings; defaults to size-capped json-file. */
  logging?: Record<string, unknown>;
  /**
   * Add a one-off service of this name for `docker compose run` jobs (backup, restore): the gateway service's
   * image, user, hardening, state and config, with no network and under a profile so `up` never starts it. A
   * one-off copy of the gateway service itself would ask for the gateway's fixed address, which the live
   * gateway holds ("Address already in use").
   */
  oneOffService?: string;
}

export const COMPOSE_NETWORK = "openclaw";

const DEFAULT_LOGGING = { driver: "json-file", options: { "max-size": "10m", "max-file": "5" } };

/**
 * The compose keys every container of the stack shares with the gateway, from the one spec: the gateway
 * service, the one-off job service and the proxy sidecars (sidecar.ts) all take them from here.
 */
export function composeHardening(spec: GatewayContainerSpec) {
  return {
    read_only: spec.readOnlyRootFilesystem,
    privileged: spec.privileged,
    cap_drop: [...spec.capDrop],
    security_opt: dockerSecurityOpts(spec),
    restart: "unless-stopped",
    logging: structuredClone(DEFAULT_LOGGING) as Record<string, unknown>,
  };
}

export function composeGatewayService(spec: GatewayContainerSpec, opts: ComposeOptions): ComposeService {
  const t = spec.tmpfs.map(
    (m) => `${m.path}:${[...m.options, `size=${m.sizeMiB}m`, `mode=${m.mode.toString(8)}`].join(",")}`,
  );
  const h = composeHardening(spec);
  const svc: ComposeService = {
    image: spec.image,
    hostname: spec.hostname,
    ...(spec.command ? { command: [...spec.command] } : {}),
    user: `${spec.user.uid}:${spec.user.gid}`,
    read_only: h.read_only,
    privileged: h.privileged,
    cap_drop: h.cap_drop,
    security_opt: h.security_opt,
    tmpfs: t,
    volumes: [
      `${spec.stateVolume.name}:${spec.stateVolume.mountPath}`,
      `${opts.configHostPath}:${spec.config.mountPath}:ro`,
      ...(opts.tokenDir ? [`${opts.tokenDir.host}:${opts.tokenDir.container}:ro`] : []),
    ],
    environment: { ...spec.env },
    ...(opts.envFile ? { env_file: [opts.envFile] } : {}),
    ...(opts.publishPort === false ? {} : { ports: [`${spec.port.hostIp}:${spec.port.host}:${spec.port.container}`] }),
    mem_limit: `${spec.resources.memoryMiB}m`,
    // Swap would hide memory pressure and slow the gateway to a crawl before the OOM killer acts.
    memswap_limit: `${spec.resources.memoryMiB}m`,
    cpus: spec.resources.cpus,
    pids_limit: spec.resources.pidsLimit,
    healthcheck: {
      test: ["CMD", ...spec.healthcheck.command],
      interval: `${spec.healthcheck.intervalSeconds}s`,
      timeout: `${spec.healthcheck.timeoutSeconds}s`,
      retries: spec.healthcheck.retries,
      start_period: `${spec.healthcheck.startPeriodSeconds}s`,
    },
    stop_grace_period: `${spec.stopGracePeriodSeconds}s`,
    restart: h.restart,
    networks: opts.gatewayAddress ? { [COMPOSE_NETWORK]: { ipv4_address: opts.gatewayAddress } } : [COMPOSE_NETWORK],
    logging: opts.logging ?? h.logging,
  };
  return svc;
}

/**
 * The gateway service for one-off jobs: same container, no ports, no network, never started by `up`. Backup
 * and restore read and write state files only, so the job gets no env_file: the gateway token and provider
 * keys stay out of a container whose output a root script handles.
 */
export function oneOffService(gateway: ComposeService, profile: string): ComposeService {
  const { ports: _ports, networks: _networks, restart: _restart, env_file: _envFile, ...rest } = gateway;
  return { ...rest, network_mode: "none", profiles: [profile] };
}

export function renderCompose(spec: GatewayContainerSpec, opts: ComposeOptions): string {
  const stateVolume = opts.stateHostDir
    ? { driver: "local", driver_opts: { type: "none", o: "bind", device: opts.stateHostDir } }
    : {};
  const gateway = composeGatewayService(spec, opts);
  const oneOff = opts.oneOffService ? { [opts.oneOffService]: oneOffService(gateway, opts.oneOffService) } : {};
  const doc = {
    services: { gateway, ...oneOff, ...(opts.sidecars ?? {}) },
    volumes: { [spec.stateVolume.name]: stateVolume, ...(opts.extraVolumes ?? {}) },
    networks: {
      [COMPOSE_NETWORK]: {
        driver: "bridge",
        // No inter-container traffic except on this network; a fixed subnet lets the gateway trust the proxy by address.
        ...(opts.subnet ? { ipam: { config: [{ subnet: opts.subnet }] } } : {}),
      },
    },
  };
  return (
    "# Rendered by the openclaw Pulumi stack from components/container/spec.ts. Do not edit on the host.\n" +
    stringify(doc, { lineWidth: 0 })
  );
}
