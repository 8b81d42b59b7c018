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
  /** Host namespaces shared, as "network", "pid", "ipc", "uts", "userns", "cgroup". */
  hostNamespaces: string[];
  /** Host devices passed in (`devices`, `--device`, device cgroup rules). */
  devices: string[];
}

/**
 * A number as Docker reads a size or count: "2g", "512m", 1.5, "-1". The sign is kept, because a negative
 * limit (like 0) means unlimited to Docker and must not count as a limit.
 */
const num = (v: unknown): number | undefined => {
  if (v === undefined || v === null || v === "" || typeof v === "boolean") return undefined;
  const m = /^\s*(-?\d+(?:\.\d+)?)\s*([kmgtb]?)i?b?\s*$/i.exec(String(v));
  if (!m) return Number.NaN;
  const unit = { "": 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[m[2].toLowerCase()] ?? 1;
  return Number(m[1]) * unit;
};
const positive = (v: unknown) => {
  const n = num(v);
  return n !== undefined && !Number.isNaN(n) && n > 0;
};
/** A boolean as YAML 1.1 and the Docker CLI spell it. */
export const truthy = (v: unknown) => v === true || v === 1 || /^(true|yes|on|y|1)$/i.test(String(v ?? "").trim());

/** `host` in network_mode/pid/ipc/uts/userns (and Docker's `container:` sharing of another's namespace). */
const hostMode = (v: unknown) => /^host$/i.test(String(v ?? "").trim());

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
    readOnly: truthy(props.readOnly),
    capDrop: asArray<string>(caps.drops).map(String),
    capAdd: asArray<string>(caps.adds).map(String),
    privileged: truthy(props.privileged),
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
    hostNamespaces: [
      ["network", props.networkMode],
      ["pid", props.pidMode],
      ["ipc", props.ipcMode],
      ["uts", props.utsMode ?? props.uts],
      ["userns", props.usernsMode],
      ["cgroup", props.cgroupnsMode],
    ]
      .filter(([, v]) => hostMode(v))
      .map(([n]) => String(n)),
    devices: [
      ...asArray<any>(props.devices).map((d) => String(d?.hostPath ?? d)),
      ...asArray<any>(props.deviceRequests).map(() => "deviceRequests"),
    ],
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
  if (isObject(v)) return v.type === "bind" && !truthy(v.read_only) ? String(v.source) : undefined;
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
    readOnly: truthy(svc.read_only),
    capDrop: asArray<string>(svc.cap_drop).map(String),
    capAdd: asArray<string>(svc.cap_add).map(String),
    privileged: truthy(svc.privileged),
    securityOpts: asArray<string>(svc.security_opt).map(String),
    user: svc.user === undefined || svc.user === null ? undefined : String(svc.user),
    // Compose lets the service-level key win over deploy.resources; a later unlimited value voids a limit.
    memory: svc.mem_limit !== undefined ? positive(svc.mem_limit) : positive(limits.memory),
    cpu: svc.cpus !== undefined ? positive(svc.cpus) : positive(limits.cpus),
    pids: svc.pids_limit !== undefined ? positive(svc.pids_limit) : positive(limits.pids),
    hostNamespaces: [
      ["network", svc.network_mode],
      ["pid", svc.pid],
      ["ipc", svc.ipc],
      ["uts", svc.uts],
      ["userns", svc.userns_mode],
      ["cgroup", svc.cgroup],
    ]
      .filter(([, v]) => hostMode(v))
      .map(([n]) => String(n)),
    devices: [
      ...asArray<any>(svc.devices).map((d) => (isObject(d) ? String(d.source ?? JSON.stringify(d)) : String(d))),
      ...asArray<any>(svc.device_cgroup_rules).map(String),
      ...asArray<any>(svc.deploy?.resources?.reservations?.devices).map(() => "deploy.resources.reservations.devices"),
      ...(svc.gpus !== undefined ? ["gpus"] : []),
    ],
    ports: asArray(svc.ports).map(parseComposePort),
    healthcheck: hc !== undefined && !truthy(hc.disable) && test.length > 0 && test[0] !== "NONE",
    hostMounts: mounts,
    writableBinds: asArray<any>(svc.volumes)
      .map(composeWritableBind)
      .filter((b): b is string => b !== undefined),
  };
}

/**
 * Root when unset (the image default is unknown here, so be explicit), `root`, or uid 0 in any spelling the
 * kernel accepts ("0", "00", "0:0", "+0"); a uid below 1000 is a system account and no better.
 */
export function runsAsRoot(user: string | undefined): boolean {
  if (user === undefined || user.trim() === "") return true;
  const uid = user.split(":")[0].trim();
  if (/^root$/i.test(uid)) return true;
  if (/^\+?\d+$/.test(uid)) return Number(uid) === 0;
  return false;
}

/** Docker reads `no-new-privileges`, `no-new-privileges:true` and `no-new-privileges=true`; anything else is off. */
export function hasNoNewPrivileges(opts: string[]): boolean {
  let on = false;
  for (const o of opts) {
    const m = /^no-new-privileges(?:[:=](.*))?$/i.exec(o.trim());
    if (m) on = m[1] === undefined || truthy(m[1]);
  }
  return on;
}

export function seccompUnconfined(opts: string[]): boolean {
  return opts.some((o) => /^seccomp\s*[:=]\s*["']?unconfined["']?$/i.test(o.trim()));
}

export function apparmorUnconfined(opts: string[]): boolean {
  return opts.some((o) => /^apparmor\s*[:=]\s*["']?unconfined["']?$/i.test(o.trim()));
}

/** Sockets of the container runtimes: mounting one is root on the host. */
const RUNTIME_SOCKET = /(docker|containerd|crio|podman)\.sock$|^\/(var\/)?run\/(docker|containerd|crio|podman)\/?$/;
const norm = (p: string) => p.replace(/\/+/g, "/").replace(/(.)\/$/, "$1");
export const dockerSocketMounts = (spec: ContainerSpec) => spec.hostMounts.filter((m) => RUNTIME_SOCKET.test(norm(m)));

/**
 * Host paths that hand a container the host: a system root itself (/, /etc, /var, ...), anything under the
 * kernel, device, boot, root-home and runtime-state trees, and the host's credential and init config. An
 * application's own file (/etc/openclaw/x.json) is not one of them.
 */
const SYSTEM_ROOT =
  /^\/(etc|proc|sys|boot|dev|root|home|lib|lib64|usr|bin|sbin|opt|srv|var|var\/run|run|var\/lib|var\/log|mnt|media)?$/;
const SYSTEM_TREE =
  /^\/(proc|sys|dev|boot|root|home|var\/lib\/(docker|kubelet|containerd)|etc\/(shadow|gshadow|passwd|group|sudoers|ssh|kubernetes|docker|containerd|systemd|cron[^/]*|pam\.d|security|ld\.so[^/]*)|usr\/(s?bin|lib)|s?bin|lib(64)?)(\/|$)/;
export const sensitiveHostMounts = (spec: ContainerSpec) =>
  spec.hostMounts
    .map(norm)
    .filter((m) => m.startsWith("/"))
    .filter((m) => (SYSTEM_ROOT.test(m) || SYSTEM_TREE.test(m)) && !RUNTIME_SOCKET.test(m));

const RUN_VALUE_FLAGS = new Set(
  "--network --net --pid --ipc --uts --userns --cgroupns --device --volume -v --mount --security-opt --cap-add --cap-drop --user -u --memory -m --cpus --pids-limit --publish -p --health-cmd --name --env -e --env-file --tmpfs --restart --hostname -h --workdir -w --entrypoint --label -l --log-driver --log-opt --memory-swap --cpu-shares -c --cpuset-cpus --ulimit --add-host --dns --gpus --device-cgroup-rule --platform --pull --stop-timeout --health-interval --health-timeout --health-retries --health-start-period --expose --link --volumes-from --storage-opt --sysctl --init-path --runtime --shm-size --group-add --cidfile --ip --ip6 --mac-address --network-alias --pod".split(
    " ",
  ),
);

/** Splits a shell command line into words, honouring quotes and backslash-newlines. */
export function shellWords(line: string): string[] {
  const out: string[] = [];
  let cur = "";
  let q: string | undefined;
  let has = false;
  const s = line.replace(/\\\n/g, " ");
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (q) {
      if (ch === q) q = undefined;
      else if (ch === "\\" && q === '"' && i + 1 < s.length) cur += s[++i];
      else cur += ch;
    } else if (ch === "'" || ch === '"') {
      q = ch;
      has = true;
    } else if (/\s/.test(ch)) {
      if (has || cur) out.push(cur);
      cur = "";
      has = false;
    } else if (ch === "\\" && i + 1 < s.length) {
      cur += s[++i];
      has = true;
    } else {
      cur += ch;
      has = true;
    }
  }
  if (has || cur) out.push(cur);
  return out;
}

/**
 * Every `docker run` / `docker container run` / `podman run` in a script, read as the CLI reads its flags and
 * turned into the compose service it is equivalent to, so the same CIS profile judges it.
 */
export function dockerRunServices(script: string): { line: string; svc: Record<string, any> }[] {
  const out: { line: string; svc: Record<string, any> }[] = [];
  const joined = script.replace(/\\\r?\n/g, " ");
  for (const line of joined.split(/\n|&&|;|\|\|/)) {
    const words = shellWords(line);
    const at = words.findIndex(
      (w, i) =>
        /(^|\/)(docker|podman|nerdctl)$/.test(w) &&
        (words[i + 1] === "run" || (words[i + 1] === "container" && words[i + 2] === "run")),
    );
    if (at < 0) continue;
    const args = words.slice(at + (words[at + 1] === "run" ? 2 : 3));
    const svc: Record<string, any> = {
      cap_add: [],
      cap_drop: [],
      security_opt: [],
      volumes: [],
      ports: [],
      devices: [],
    };
    for (let i = 0; i < args.length; i++) {
      let a = args[i];
      let v: string | undefined;
      if (a.startsWith("--") && a.includes("=")) [a, v] = [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)];
      if (!a.startsWith("-")) {
        svc.image = a;
        break;
      }
      if (RUN_VALUE_FLAGS.has(a) && v === undefined) v = args[++i];
      switch (a) {
        case "--privileged":
          svc.privileged = v === undefined ? true : truthy(v);
          break;
        case "--read-only":
          svc.read_only = v === undefined ? true : truthy(v);
          break;
        case "--network":
        case "--net":
          svc.network_mode = v;
          break;
        case "--pid":
          svc.pid = v;
          break;
        case "--ipc":
          svc.ipc = v;
          break;
        case "--uts":
          svc.uts = v;
          break;
        case "--userns":
          svc.userns_mode = v;
          break;
        case "--cgroupns":
          svc.cgroup = v;
          break;
        case "--device":
        case "--gpus":
        case "--device-cgroup-rule":
          svc.devices.push(String(v));
          break;
        case "-v":
        case "--volume":
          svc.volumes.push(String(v));
          break;
        case "--mount": {
          const kv = Object.fromEntries(
            String(v)
              .split(",")
              .map((p) => p.split("=")),
          );
          svc.volumes.push({
            type: kv.type ?? "volume",
            source: kv.source ?? kv.src,
            target: kv.target ?? kv.dst ?? kv.destination,
            read_only: "readonly" in kv || "ro" in kv ? truthy(kv.readonly ?? kv.ro ?? "true") : false,
          });
          break;
        }
        case "--security-opt":
          svc.security_opt.push(String(v));
          break;
        case "--cap-add":
          svc.cap_add.push(String(v));
          break;
        case "--cap-drop":
          svc.cap_drop.push(String(v));
          break;
        case "-u":
        case "--user":
          svc.user = v;
          break;
        case "-m":
        case "--memory":
          svc.mem_limit = v;
          break;
        case "--cpus":
          svc.cpus = v;
          break;
        case "--pids-limit":
          svc.pids_limit = v;
          break;
        case "-p":
        case "--publish":
          svc.ports.push(String(v));
          break;
        case "--health-cmd":
          svc.healthcheck = { test: ["CMD-SHELL", String(v)] };
          break;
        case "--no-healthcheck":
          svc.healthcheck = { disable: true };
          break;
      }
    }
    out.push({ line: line.trim(), svc });
  }
  return out;
}
