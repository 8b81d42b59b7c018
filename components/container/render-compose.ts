/** Renders container specs (spec.ts) as compose services, for the VM and for local runs. */
import { stringify } from "yaml";
import { type ContainerSpec, dockerSecurityOpts, type GatewayContainerSpec, oneOffJobSpec, STATE_VOLUME } from "./spec";

export interface ComposeService {
  [key: string]: unknown;
}

export const COMPOSE_NETWORK = "openclaw";

const DEFAULT_LOGGING = { driver: "json-file", options: { "max-size": "10m", "max-file": "5" } };

/** Where one container's mounts and network come from on this compose host. */
export interface ComposeServiceOptions {
  /** Source of each of the spec's mounts, by mount name: a named volume, or a host path (a host file for file mounts). */
  sources: Record<string, string>;
  /** Host bind mounts beyond the spec's, as compose spells them (`host:container:ro`). */
  extraVolumes?: readonly string[];
  /** env_file the host writes at start from the secret store (mode 0600, on tmpfs). */
  envFile?: string;
  /** Publish the spec's published ports. @default true */
  publish?: boolean;
  /** Fixed address on the private network (the gateway trusts exactly the proxy's). */
  address?: string;
  /**
   * Start after the gateway container (not after it is healthy: a proxy answering 502 while the gateway boots is
   * better than no endpoint at all, and a broken gateway must not take the ingress down with it).
   */
  afterGateway?: boolean;
  /** Logging driver settings. @default size-capped json-file */
  logging?: Record<string, unknown>;
  /**
   * A one-off job for `docker compose run` (backup, restore): no network, no restart, under this profile so `up`
   * never starts it. Its own spec has no port, so it never asks for an address the live gateway holds.
   */
  profile?: string;
}

function tmpfsEntry(t: ContainerSpec["tmpfs"][number]): string {
  return `${t.path}:${[...t.options, `size=${t.sizeMiB}m`, `mode=${t.mode.toString(8)}`].join(",")}`;
}

function volumeEntry(m: ContainerSpec["mounts"][number], sources: Record<string, string>): string {
  const source = sources[m.name];
  if (source === undefined) throw new Error(`compose: no source for mount "${m.name}" (${m.mountPath})`);
  return `${source}:${m.file ? `${m.mountPath}/${m.file}` : m.mountPath}${m.readOnly ? ":ro" : ""}`;
}

/** One compose service from one spec: the same function for the gateway, its one-off job and the proxies. */
export function composeService(spec: ContainerSpec, opts: ComposeServiceOptions): ComposeService {
  const ports = opts.publish === false ? [] : spec.ports.filter((p) => p.publish);
  const h = spec.healthcheck;
  return {
    image: spec.image,
    ...(spec.hostname ? { hostname: spec.hostname } : {}),
    ...(spec.command ? { command: [...spec.command] } : {}),
    user: `${spec.user.uid}:${spec.user.gid}`,
    read_only: spec.readOnlyRootFilesystem,
    privileged: spec.privileged,
    cap_drop: [...spec.capDrop],
    ...(spec.capAdd.length > 0 ? { cap_add: [...spec.capAdd] } : {}),
    security_opt: dockerSecurityOpts(spec),
    tmpfs: spec.tmpfs.map(tmpfsEntry),
    volumes: [...spec.mounts.map((m) => volumeEntry(m, opts.sources)), ...(opts.extraVolumes ?? [])],
    environment: { ...spec.env },
    ...(opts.envFile ? { env_file: [opts.envFile] } : {}),
    ...(ports.length > 0 ? { ports: ports.map((p) => `${p.publish!.hostIp}:${p.publish!.host}:${p.container}`) } : {}),
    mem_limit: `${spec.resources.memoryMiB}m`,
    // Swap would hide memory pressure and slow the process to a crawl before the OOM killer acts.
    memswap_limit: `${spec.resources.memoryMiB}m`,
    cpus: spec.resources.cpus,
    pids_limit: spec.resources.pidsLimit,
    healthcheck: {
      test: ["CMD", ...h.command],
      interval: `${h.intervalSeconds}s`,
      timeout: `${h.timeoutSeconds}s`,
      retries: h.retries,
      start_period: `${h.startPeriodSeconds}s`,
    },
    ...(spec.stopGracePeriodSeconds !== undefined ? { stop_grace_period: `${spec.stopGracePeriodSeconds}s` } : {}),
    ...(opts.profile ? {} : { restart: "unless-stopped" }),
    ...(opts.afterGateway ? { depends_on: { gateway: { condition: "service_started" } } } : {}),
    ...(opts.profile
      ? {}
      : { networks: opts.address ? { [COMPOSE_NETWORK]: { ipv4_address: opts.address } } : [COMPOSE_NETWORK] }),
    logging: structuredClone(opts.logging ?? DEFAULT_LOGGING),
    ...(opts.profile ? { network_mode: "none", profiles: [opts.profile] } : {}),
  };
}

/** A proxy beside the gateway: its spec and where its mounts come from. */
export interface ComposeSidecar {
  spec: ContainerSpec;
  options: ComposeServiceOptions;
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
  /** Other services on the same private network (Caddy, Tailscale), by service name. */
  sidecars?: Record<string, ComposeSidecar>;
  /** Named volumes the sidecars use. */
  extraVolumes?: Record<string, Record<string, unknown>>;
  /** Fixed subnet of the private network, so the gateway can trust exactly the proxy's address. */
  subnet?: string;
  /** Fixed address of the gateway on the private network. */
  gatewayAddress?: string;
  /** Logging driver settings of the gateway and its one-off job; defaults to size-capped json-file. */
  logging?: Record<string, unknown>;
  /** Add the one-off job (oneOffJobSpec) as a service of this name, under a profile of the same name. */
  oneOffService?: string;
}

/** The gateway's mount sources on a compose host. */
function gatewaySources(opts: ComposeOptions) {
  return {
    sources: { state: STATE_VOLUME, config: opts.configHostPath },
    extraVolumes: opts.tokenDir ? [`${opts.tokenDir.host}:${opts.tokenDir.container}:ro`] : [],
    logging: opts.logging,
  };
}

export function composeGatewayService(spec: GatewayContainerSpec, opts: ComposeOptions): ComposeService {
  return composeService(spec, {
    ...gatewaySources(opts),
    envFile: opts.envFile,
    publish: opts.publishPort,
    address: opts.gatewayAddress,
  });
}

export function renderCompose(spec: GatewayContainerSpec, opts: ComposeOptions): string {
  const stateVolume = opts.stateHostDir
    ? { driver: "local", driver_opts: { type: "none", o: "bind", device: opts.stateHostDir } }
    : {};
  const gateway = composeGatewayService(spec, opts);
  const oneOff = opts.oneOffService
    ? {
        [opts.oneOffService]: composeService(oneOffJobSpec(spec), {
          ...gatewaySources(opts),
          profile: opts.oneOffService,
        }),
      }
    : {};
  const sidecars = Object.fromEntries(
    Object.entries(opts.sidecars ?? {}).map(([name, s]) => [name, composeService(s.spec, s.options)]),
  );
  const doc = {
    services: { gateway, ...oneOff, ...sidecars },
    volumes: { [STATE_VOLUME]: stateVolume, ...(opts.extraVolumes ?? {}) },
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
