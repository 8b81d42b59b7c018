/**
 * Renders the one container spec (spec.ts) as `@pulumi/docker` ContainerArgs for the local Docker target.
 * Pure: the GatewayDocker component passes the result to `new docker.Container`, adding only the secret env
 * (from secret Outputs) and resource references (network and volume names).
 *
 * Delivering openclaw.json read-only: the provider uploads files by extracting a tar at `/` before start,
 * which Docker refuses for a read-only root filesystem ("container rootfs is marked read-only", checked on
 * Docker 20.10) whatever the file's path, and a bind mount needs a file on the Docker host that Pulumi does
 * not manage. So a one-shot, equally locked-down writer container (same image, it has node) writes the JSON
 * from its environment into a small named volume, and the gateway mounts that volume read-only at its config
 * directory. The writer mounts the volume at /tmp: a fresh named volume copies the mode of the image
 * directory it is mounted on, and /tmp is 1777 in every image, so uid 1000 can write it without root.
 */
import type * as docker from "@pulumi/docker";
import { sha256 } from "../util/hash";
import { CONFIG_FILE, type ContainerSpec, dockerSecurityOpts, type GatewayContainerSpec, STATE_VOLUME } from "./spec";

export const CONFIG_VOLUME = "openclaw-config";
export const CONFIG_HASH_LABEL = "openclaw.config-sha256";
/** Where the writer sees the config volume (see the file comment for why /tmp). */
const WRITER_MOUNT = "/tmp";
const CONFIG_ENV = "OPENCLAW_CONFIG_JSON";

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
/** The args with plain values only (no Outputs), so tests can compare them with the compose rendering. */
export type PlainContainerArgs = Mutable<Omit<docker.ContainerArgs, "envs">> & { envs: string[] };

export interface ContainerRenderOptions {
  /** Name of the private network the container joins. */
  network: string;
  /** Docker volume behind each of the spec's mounts, by mount name. */
  sources: Record<string, string>;
  /** Publish the spec's published ports. */
  publishPort: boolean;
  /** Aliases on the private network. @default none */
  aliases?: string[];
  labels?: { label: string; value: string }[];
}

export interface DockerRenderOptions {
  /** Name of the private network the container joins. */
  network: string;
  /** Name of the state volume (docker.Volume name). @default STATE_VOLUME */
  stateVolume?: string;
  /** Name of the config volume the writer fills. @default "openclaw-config" */
  configVolume?: string;
  /** Publish the gateway port on 127.0.0.1 (ingress none). Off when a proxy on the network is the way in. */
  publishPort: boolean;
  /** sha256 of openclaw.json: a label, so a config change replaces the container (it reads the file once). */
  configSha256: string;
  /** Aliases on the private network (the proxy reaches the gateway by this name). @default ["gateway"] */
  aliases?: string[];
}

const seconds = (n: number) => `${n}s`;

function lockedDown(spec: ContainerSpec) {
  return {
    image: spec.image,
    user: `${spec.user.uid}:${spec.user.gid}`,
    readOnly: spec.readOnlyRootFilesystem,
    privileged: spec.privileged,
    capabilities: { drops: [...spec.capDrop], ...(spec.capAdd.length > 0 ? { adds: [...spec.capAdd] } : {}) },
    // Docker's default seccomp profile is the RuntimeDefault; only `unconfined` would weaken it, so none is named.
    securityOpts: dockerSecurityOpts(spec),
    memory: spec.resources.memoryMiB,
    // Swap would hide memory pressure and slow the process to a crawl before the OOM killer acts.
    memorySwap: spec.resources.memoryMiB,
    cpus: String(spec.resources.cpus),
    // @pulumi/docker 5.x has no pids_limit: RLIMIT_NPROC is the closest cap it can express. Caveat: the kernel
    // counts every process of uid 1000 in the user namespace, not only this container's (docs/kubernetes.md).
    ulimits: [{ name: "nproc", soft: spec.resources.pidsLimit, hard: spec.resources.pidsLimit }],
    logDriver: "json-file",
    logOpts: { "max-size": "10m", "max-file": "5" },
  };
}

/** One container from one spec: the same function for the gateway and any proxy beside it. */
export function containerArgs(spec: ContainerSpec, opts: ContainerRenderOptions): PlainContainerArgs {
  const h = spec.healthcheck;
  return {
    name: spec.name,
    ...(spec.hostname ? { hostname: spec.hostname } : {}),
    ...lockedDown(spec),
    ...(spec.command ? { command: [...spec.command] } : {}),
    envs: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
    tmpfs: Object.fromEntries(
      spec.tmpfs.map((t) => [t.path, [...t.options, `size=${t.sizeMiB}m`, `mode=${t.mode.toString(8)}`].join(",")]),
    ),
    mounts: spec.mounts.map((m) => {
      const source = opts.sources[m.name];
      if (source === undefined) throw new Error(`docker: no volume for mount "${m.name}" (${m.mountPath})`);
      // A file mount is its directory here: the volume holds the file (the config writer fills it).
      return { type: "volume", source, target: m.mountPath, ...(m.readOnly ? { readOnly: true } : {}) };
    }),
    ports: opts.publishPort
      ? spec.ports
          .filter((p) => p.publish)
          .map((p) => ({ internal: p.container, external: p.publish!.host, ip: p.publish!.hostIp, protocol: "tcp" }))
      : [],
    networksAdvanced: [{ name: opts.network, ...(opts.aliases ? { aliases: opts.aliases } : {}) }],
    healthcheck: {
      tests: ["CMD", ...h.command],
      interval: seconds(h.intervalSeconds),
      timeout: seconds(h.timeoutSeconds),
      retries: h.retries,
      startPeriod: seconds(h.startPeriodSeconds),
    },
    // Graceful stop: a hard kill leaves the gateway's owner lease behind and blocks the next start for minutes.
    ...(spec.stopGracePeriodSeconds !== undefined
      ? { stopTimeout: spec.stopGracePeriodSeconds, destroyGraceSeconds: spec.stopGracePeriodSeconds }
      : {}),
    restart: "unless-stopped",
    ...(opts.labels ? { labels: opts.labels } : {}),
    // Pulumi waits for the health check before reporting success, so a broken config fails the `up`.
    wait: true,
    waitTimeout: h.startPeriodSeconds + h.intervalSeconds * h.retries,
  };
}

export function gatewayContainerArgs(spec: GatewayContainerSpec, opts: DockerRenderOptions): PlainContainerArgs {
  return containerArgs(spec, {
    network: opts.network,
    sources: { state: opts.stateVolume ?? STATE_VOLUME, config: opts.configVolume ?? CONFIG_VOLUME },
    publishPort: opts.publishPort,
    aliases: opts.aliases ?? ["gateway"],
    labels: [{ label: CONFIG_HASH_LABEL, value: opts.configSha256 }],
  });
}

/** The node program the writer runs: replace the file (it is 0440, so unlink first) and leave it read-only. */
export function configWriterScript(path: string): string {
  return (
    `const fs=require('fs');const p=${JSON.stringify(path)};const c=process.env.${CONFIG_ENV};` +
    `JSON.parse(c);fs.rmSync(p,{force:true});fs.writeFileSync(p,c,{mode:0o440})`
  );
}

/**
 * The one-shot container that fills the config volume. As locked down as the gateway (same image, user,
 * read-only root, no capabilities, limits), no port, no network beyond none.
 */
export function configWriterArgs(
  spec: GatewayContainerSpec,
  configJson: string,
  opts: Pick<DockerRenderOptions, "configVolume">,
): PlainContainerArgs {
  const file = `${WRITER_MOUNT}/${CONFIG_FILE}`;
  return {
    name: `${spec.name}-config`,
    ...lockedDown(spec),
    // A few MiB are enough to parse and write a JSON file; the gateway's 2 GiB would be wasted on a one-shot.
    memory: 128,
    memorySwap: 128,
    command: ["node", "-e", configWriterScript(file)],
    // openclaw.json holds no secret (the token comes from the secret store), so the environment may carry it.
    envs: [`${CONFIG_ENV}=${configJson}`],
    mounts: [{ type: "volume", source: opts.configVolume ?? CONFIG_VOLUME, target: WRITER_MOUNT }],
    networkMode: "none",
    // The check is meaningful: healthy once the file it writes parses.
    healthcheck: {
      tests: ["CMD", "node", "-e", `JSON.parse(require('fs').readFileSync(${JSON.stringify(file)},'utf8'))`],
      interval: "5s",
      timeout: "5s",
      retries: 1,
    },
    // Run to completion during `pulumi up` and keep the stopped container (its exit code is the record).
    attach: true,
    mustRun: false,
    restart: "no",
    rm: false,
    logs: true,
    labels: [{ label: CONFIG_HASH_LABEL, value: sha256(configJson) }],
  };
}
