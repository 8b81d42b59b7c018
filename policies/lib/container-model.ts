// One normalised view of a container, built from a Docker `Container` resource or a compose service,
// so each CIS Docker rule is written once and runs on both shapes.
import { asArray, isObject } from "./util";

export interface PortBinding {
  ip: string;
  published?: number;
  target?: number;
  raw: string;
}

export interface ContainerSpec {
  /** e.g. `container` or `userData:/etc/openclaw/compose.yaml services.gateway` */
  where: string;
  image?: string;
  readOnly: boolean;
  capDrop: string[];
  capAdd: string[];
  privileged: boolean;
  securityOpts: string[];
  user?: string;
  memory: boolean;
  cpu: boolean;
  pids: boolean;
  ports: PortBinding[];
  healthcheck: boolean;
  hostMounts: string[];
  /** Host paths bind-mounted writable: state belongs in named volumes or tmpfs instead. */
  writableBinds: string[];
}

const num = (v: unknown) =>
  v === undefined || v === null || v === "" ? undefined : Number(String(v).replace(/[^\d.]/g, ""));
const positive = (v: unknown) => {
  const n = num(v);
  return n !== undefined && !Number.isNaN(n) && n > 0;
};

export function fromDockerContainer(props: Record<string, any>, where = "container"): ContainerSpec {
  const caps = isObject(props.capabilities) ? props.capabilities : {};
  const hc = isObject(props.healthcheck) ? props.healthcheck : undefined;
  const tests = asArray<string>(hc?.tests);
  const mounts = [
    ...asArray<any>(props.volumes).map((v) => String(v?.hostPath ?? "")),
    ...asArray<any>(props.mounts)
      .filter((m) => m?.type === "bind")
      .map((m) => String(m?.source ?? "")),
  ].filter((s) => s.length > 0);
  return {
    where,
    image: typeof props.image === "string" ? props.image : undefined,
    readOnly: props.readOnly === true,
    capDrop: asArray<string>(caps.drops).map(String),
    capAdd: asArray<string>(caps.adds).map(String),
    privileged: props.privileged === true,
    securityOpts: asArray<string>(props.securityOpts).map(String),
    user: typeof props.user === "string" ? props.user : undefined,
    memory: positive(props.memory),
    cpu:
      positive(props.cpus) ||
      positive(props.cpuShares) ||
      positive(props.cpuQuota) ||
      (typeof props.cpuSet === "string" && props.cpuSet !== ""),
    // @pulumi/docker 5.x has no pids_limit input: an `nproc` ulimit is the closest cap it can express.
    pids: asArray<any>(props.ulimits).some((u) => u?.name === "nproc" && positive(u?.hard)),
    ports: asArray<any>(props.ports).map((p) => ({
      // The provider defaults `ip` to 0.0.0.0: an absent ip publishes on every interface.
      ip: typeof p?.ip === "string" && p.ip !== "" ? p.ip : "0.0.0.0",
      published: num(p?.external),
      target: num(p?.internal),
      raw: JSON.stringify(p),
    })),
    healthcheck: tests.length > 0 && tests[0] !== "NONE",
    hostMounts: mounts,
    writableBinds: [
      ...asArray<any>(props.volumes)
        .filter((v) => v?.hostPath && v?.readOnly !== true)
        .map((v) => String(v.hostPath)),
      ...asArray<any>(props.mounts)
        .filter((m) => m?.type === "bind" && m?.readOnly !== true)
        .map((m) => String(m.source ?? "")),
    ],
  };
}

/** Compose short syntax: `[ip:]host:container[/proto]`, `container`, IPv6 as `[::1]:h:c`. */
export function parseComposePort(p: unknown): PortBinding {
  if (isObject(p)) {
    return {
      ip: typeof p.host_ip === "string" ? p.host_ip : "0.0.0.0",
      published: num(p.published),
      target: num(p.target),
      raw: JSON.stringify(p),
    };
  }
  const raw = String(p).replace(/\/(tcp|udp|sctp)$/, "");
  let ip = "0.0.0.0";
  let rest = raw;
  const v6 = /^\[([^\]]+)\]:(.*)$/.exec(raw);
  if (v6) {
    ip = v6[1];
    rest = v6[2];
  } else {
    const parts = raw.split(":");
    if (parts.length === 3) {
      ip = parts[0];
      rest = parts.slice(1).join(":");
    }
  }
  const [a, b] = rest.split(":");
  return b === undefined
    ? { ip, published: undefined, target: num(a), raw: String(p) }
    : { ip, published: num(a), target: num(b), raw: String(p) };
}

/** The host path of a writable bind mount in compose syntax; named volumes and `:ro` binds are fine. */
function composeWritableBind(v: unknown): string | undefined {
  if (isObject(v)) return v.type === "bind" && v.read_only !== true ? String(v.source) : undefined;
  const [src, , mode = ""] = String(v).split(":");
  const isBind = /^[/.~]/.test(src);
  return isBind && !mode.split(",").includes("ro") ? src : undefined;
}

export function fromComposeService(svc: Record<string, any>, where: string): ContainerSpec {
  const limits = isObject(svc.deploy?.resources?.limits) ? svc.deploy.resources.limits : {};
  const hc = isObject(svc.healthcheck) ? svc.healthcheck : undefined;
  const test = asArray<string>(hc?.test);
  const mounts = asArray<any>(svc.volumes)
    .map((v) => (isObject(v) ? String(v.source ?? "") : String(v).split(":")[0]))
    .filter((s) => s.length > 0);
  return {
    where,
    image: typeof svc.image === "string" ? svc.image : undefined,
    readOnly: svc.read_only === true,
    capDrop: asArray<string>(svc.cap_drop).map(String),
    capAdd: asArray<string>(svc.cap_add).map(String),
    privileged: svc.privileged === true,
    securityOpts: asArray<string>(svc.security_opt).map(String),
    user: svc.user === undefined ? undefined : String(svc.user),
    memory: positive(svc.mem_limit) || positive(limits.memory),
    cpu: positive(svc.cpus) || positive(limits.cpus),
    pids: positive(svc.pids_limit) || positive(limits.pids),
    ports: asArray(svc.ports).map(parseComposePort),
    healthcheck: hc !== undefined && hc.disable !== true && test.length > 0 && test[0] !== "NONE",
    hostMounts: mounts,
    writableBinds: asArray<any>(svc.volumes)
      .map(composeWritableBind)
      .filter((b): b is string => b !== undefined),
  };
}

/** Root when unset (the image default is unknown here, so be explicit), `root`, or uid 0. */
export function runsAsRoot(user: string | undefined): boolean {
  if (user === undefined || user.trim() === "") return true;
  const uid = user.split(":")[0].trim();
  return uid === "root" || uid === "0";
}

export function hasNoNewPrivileges(opts: string[]): boolean {
  return opts.some((o) => /^no-new-privileges(:true|=true)?$/.test(o.trim()));
}

export function seccompUnconfined(opts: string[]): boolean {
  return opts.some((o) => /^seccomp[:=]unconfined$/.test(o.trim()));
}

export const dockerSocketMounts = (spec: ContainerSpec) =>
  spec.hostMounts.filter((m) => /docker\.sock$|^\/var\/run\/docker$|^\/run\/docker\.sock/.test(m));
