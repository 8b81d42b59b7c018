// CIS Docker benchmark rules, applied to Docker `Container` resources and to every service of the
// compose file the VM target writes through cloud-init, from one normalised ContainerSpec.
import type { PolicyResource, ResourceValidation } from "@pulumi/policy";
import { composeFiles, DOCKER_CONTAINER, memoised, resourceArtifacts, ARTIFACT_CARRIERS } from "./lib/artifacts";
import {
  apparmorUnconfined,
  dockerRunServices,
  dockerSocketMounts,
  sensitiveHostMounts,
  fromComposeService,
  fromDockerContainer,
  hasNoNewPrivileges,
  runsAsRoot,
  seccompUnconfined,
  type ContainerSpec,
} from "./lib/container-model";
import { containersOf, isWorkloadType, podSpecOf } from "./lib/k8s";
import { isPrivateAddress } from "./lib/net";
import { configSchema, type PackPolicy } from "./lib/types";
import { asArray, imagePinned, isObject } from "./lib/util";

/** Every compose service a resource's artifacts define, merged as compose merges its files. */
export function composeSpecs(type: string, props: Record<string, any>): ContainerSpec[] {
  return composeFiles(type, props).flatMap((f) =>
    Object.entries(f.services).map(([name, svc]) =>
      fromComposeService(isObject(svc) ? svc : {}, `${f.source} services.${name}`),
    ),
  );
}

/** Every `docker run` in the resource's scripts and systemd units. */
function runSpecs(type: string, props: Record<string, any>): ContainerSpec[] {
  return resourceArtifacts(type, props)
    .artifacts.filter((a) => a.kind === "script" || /\.(service|sh)$|ExecStart/.test(a.path) || /^#!/.test(a.content))
    .flatMap((a) =>
      dockerRunServices(a.content).map((r) => fromComposeService(r.svc, `${a.source}: ${r.line.slice(0, 80)}`)),
    );
}

/** The containers one resource runs, in every shape: a Docker container, compose services, `docker run` lines. */
export function containerSpecsOf(type: string, props: Record<string, any>): ContainerSpec[] {
  return memoised("containers", type, props, () => [
    ...(type === DOCKER_CONTAINER ? [fromDockerContainer(props)] : []),
    ...composeSpecs(type, props),
    ...runSpecs(type, props),
  ]);
}

/** One check, every shape: `check` returns a problem (without the location) or undefined. */
function specPolicy(check: (s: ContainerSpec, config: any) => string | undefined): ResourceValidation {
  return (args, report) => {
    if (args.type !== DOCKER_CONTAINER && !CARRIERS.has(args.type)) return;
    for (const s of containerSpecsOf(args.type, args.props)) {
      const m = check(s, args.getConfig());
      if (m) report(`${s.where}: ${m}`);
    }
  };
}

/** Resource types whose artifacts can hold a compose file or a script that runs containers. */
const CARRIERS = ARTIFACT_CARRIERS;

const policy = (
  name: string,
  description: string,
  control: PackPolicy["controls"][number],
  check: (s: ContainerSpec, config: any) => string | undefined,
  extra = {},
): PackPolicy => ({
  name,
  description,
  enforcementLevel: "mandatory",
  controls: [control],
  configSchema: configSchema(extra),
  validateResource: specPolicy(check),
});

export const containerReadOnlyRoot = policy(
  "container-read-only-root",
  "Requires a read-only root filesystem, with writable paths only as tmpfs or named volumes.",
  "ctr/read-only-root",
  (s) => {
    if (!s.readOnly)
      return "the root filesystem is writable. Set read_only: true (Docker: readOnly: true) and mount /tmp as tmpfs.";
    if (s.writableBinds.length)
      return `host path(s) ${s.writableBinds.join(", ")} are bind-mounted writable. Use a named volume or tmpfs, or mount them :ro.`;
    return undefined;
  },
);

export const containerDropAllCapabilities = policy(
  "container-drop-all-capabilities",
  "Requires cap_drop ALL and no added capability beyond NET_BIND_SERVICE.",
  "ctr/cap-drop",
  (s) => {
    if (!s.capDrop.map((c) => c.toUpperCase()).includes("ALL"))
      return 'capabilities are not dropped. Set cap_drop: ["ALL"] (Docker: capabilities.drops ["ALL"]).';
    const add = s.capAdd.filter((c) => !/^(CAP_)?NET_BIND_SERVICE$/i.test(c));
    return add.length ? `capabilities ${add.join(", ")} are added. Remove them.` : undefined;
  },
);

export const containerNotPrivileged = policy(
  "container-not-privileged",
  "Prohibits privileged containers.",
  "ctr/privileged",
  (s) =>
    s.privileged
      ? "the container is privileged, which gives it the host's devices and every capability. Remove privileged."
      : undefined,
);

export const containerNoNewPrivileges = policy(
  "container-no-new-privileges",
  "Requires the no-new-privileges security option.",
  "ctr/no-new-privileges",
  (s) =>
    hasNoNewPrivileges(s.securityOpts)
      ? undefined
      : 'no-new-privileges is not set. Add security_opt: ["no-new-privileges:true"] (Docker: securityOpts).',
);

export const containerNonRootUser = policy(
  "container-non-root-user",
  "Requires an explicit non-root user for every container.",
  "ctr/non-root",
  (s) =>
    runsAsRoot(s.user)
      ? `user is ${JSON.stringify(s.user ?? "(unset: image default)")}. Set user: "1000:1000" (the gateway image's node user).`
      : undefined,
);

export const containerResourceLimits = policy(
  "container-resource-limits",
  "Requires memory, CPU and pids limits on every container.",
  "ctr/limits",
  (s) => {
    const missing = [
      s.memory ? "" : "memory (mem_limit)",
      s.cpu ? "" : "CPU (cpus)",
      s.pids ? "" : "pids (pids_limit; Docker provider: an nproc ulimit)",
    ].filter(Boolean);
    return missing.length ? `no ${missing.join(", ")} limit. Set them (the gateway needs ~2g memory).` : undefined;
  },
);

export const containerPortsPrivate = policy(
  "container-ports-private",
  "Requires published ports bound to 127.0.0.1 or a private address.",
  "ctr/ports",
  (s, config) => {
    const allowed = asArray<number>(config?.allowPublicPorts).map(Number);
    const bad = s.ports.filter((p) => !isPrivateAddress(p.ip) && !allowed.includes(Number(p.published ?? p.target)));
    return bad.length
      ? `port(s) ${bad.map((p) => p.raw).join(", ")} publish on ${bad[0].ip}. Bind to 127.0.0.1 or a private/tailnet address ("127.0.0.1:18789:18789"), or list a proxy's port in allowPublicPorts with a reason.`
      : undefined;
  },
  { allowPublicPorts: { type: "array", items: { type: "integer" } } },
);

export const containerHealthcheck = policy(
  "container-healthcheck",
  "Requires a health check on every container.",
  "ctr/healthcheck",
  (s) =>
    s.healthcheck
      ? undefined
      : 'no healthcheck. Add one (gateway: GET http://127.0.0.1:18789/healthz and check the body for "ok":true).',
);

export const containerNoDockerSocket = policy(
  "container-no-docker-socket",
  "Prohibits mounting the Docker socket into a container.",
  "ctr/docker-socket",
  (s) => {
    const socks = dockerSocketMounts(s);
    return socks.length ? `${socks.join(", ")} is mounted: that is root on the host. Remove the mount.` : undefined;
  },
);

export const containerSeccompConfined = policy(
  "container-seccomp-confined",
  "Prohibits seccomp=unconfined.",
  "ctr/seccomp",
  (s) =>
    seccompUnconfined(s.securityOpts)
      ? 'seccomp is unconfined. Remove "seccomp=unconfined" so Docker\'s default profile applies.'
      : undefined,
);

export const containerNoHostNamespaces = policy(
  "container-no-host-namespaces",
  "Prohibits sharing the host's network, PID, IPC, UTS, user or cgroup namespace.",
  "ctr/host-namespaces",
  (s) =>
    s.hostNamespaces.length
      ? `shares the host's ${s.hostNamespaces.join(", ")} namespace(s), which lets it see and reach the host's processes and interfaces. Remove network_mode/pid/ipc/uts/userns_mode: host.`
      : undefined,
);

export const containerNoHostDevices = policy(
  "container-no-host-devices",
  "Prohibits passing host devices into a container.",
  "ctr/host-devices",
  (s) =>
    s.devices.length
      ? `gets host device(s) ${s.devices.join(", ")}. Remove devices/--device: the gateway needs none.`
      : undefined,
);

export const containerNoSensitiveHostMounts = policy(
  "container-no-sensitive-host-mounts",
  "Prohibits mounting the host's root, system directories, kernel interfaces or homes into a container.",
  "ctr/host-mounts",
  (s) => {
    const bad = sensitiveHostMounts(s);
    return bad.length
      ? `mounts host path(s) ${bad.join(", ")}, which expose the host's system files. Use a named volume or a file under /run/openclaw.`
      : undefined;
  },
);

export const containerAppArmorConfined = policy(
  "container-apparmor-confined",
  "Prohibits apparmor=unconfined.",
  "ctr/apparmor",
  (s) =>
    apparmorUnconfined(s.securityOpts)
      ? 'AppArmor is unconfined. Remove "apparmor=unconfined" so the runtime\'s default profile applies.'
      : undefined,
);

const IMAGE_TYPES = ["docker:index/remoteImage:RemoteImage", "docker:index/image:Image"];
const imageNameOf = (r: PolicyResource) =>
  String(r.type === "docker:index/image:Image" ? r.props.imageName : r.props.name);

/**
 * Stack-level because a Container's `image` is often a RemoteImage's content id (sha256:...); the
 * name that says whether it was pinned lives on the RemoteImage it depends on.
 */
export const containerImagePinned: PackPolicy = {
  name: "container-image-pinned",
  description: "Requires every Docker and compose image pinned by version tag or digest, never latest.",
  enforcementLevel: "mandatory",
  controls: ["ctr/image-pinned"],
  configSchema: configSchema(),
  validateStack: (args, report) => {
    for (const r of args.resources) {
      if (IMAGE_TYPES.includes(r.type) && !imagePinned(imageNameOf(r))) {
        report(`image ${JSON.stringify(imageNameOf(r))} is not pinned. Use a version tag or @sha256 digest.`, r.urn);
      }
      if (r.type === DOCKER_CONTAINER) {
        const linked = (r.propertyDependencies.image ?? []).filter((d) => IMAGE_TYPES.includes(d.type));
        const image = String(r.props.image ?? "");
        // An image id is content-addressed; when it comes from a RemoteImage, that resource is checked above.
        if (linked.length === 0 && !/^sha256:[0-9a-f]{64}$/.test(image) && !imagePinned(image)) {
          report(`container image ${JSON.stringify(image)} is not pinned. Use a version tag or @sha256 digest.`, r.urn);
        }
      }
      if (CARRIERS.has(r.type)) {
        for (const s of [...composeSpecs(r.type, r.props), ...runSpecs(r.type, r.props)]) {
          if (!imagePinned(s.image ?? ""))
            report(
              `${s.where}: image ${JSON.stringify(s.image)} is not pinned. Use a version tag or @sha256 digest.`,
              r.urn,
            );
        }
      }
    }
  },
};

const DIGEST = /@sha256:[0-9a-f]{64}$/;
/** The gateway's image: its repository is named openclaw (ghcr.io/openclaw/openclaw, a local openclaw-gateway build). */
export const isGatewayImage = (image: string) =>
  /(^|\/)openclaw[\w.-]*$/.test(image.replace(/@.*$/, "").replace(/:[\w.-]+$/, ""));

/** The gateway image references one resource runs (compose services, `docker run`, a container, a pod). */
export function gatewayImagesOf(r: Pick<PolicyResource, "type" | "props">): { where: string; image: string }[] {
  const out: { where: string; image: string }[] = [];
  if (CARRIERS.has(r.type))
    for (const s of [...composeSpecs(r.type, r.props), ...runSpecs(r.type, r.props)])
      if (s.image) out.push({ where: s.where, image: s.image });
  if (r.type === DOCKER_CONTAINER) out.push({ where: "image", image: String(r.props.image ?? "") });
  if (isWorkloadType(r.type)) {
    const pod = podSpecOf(r.type, r.props);
    for (const k of pod ? containersOf(pod) : [])
      out.push({ where: `${k.where}.image`, image: String(k.c.image ?? "") });
  }
  return out.filter((x) => isGatewayImage(x.image));
}

/**
 * A tag can be moved (upstream has moved one backwards): pinned by digest, what runs changes only through an
 * upgrade, and the previous digest is the rollback point. Advisory by default (a tag is fine for trying the
 * gateway out); mandatory in a production stack's pack config.
 */
export const imagePinnedByDigest: PackPolicy = {
  name: "image-pinned-by-digest",
  description:
    "Requires the gateway image (a repository named openclaw) pinned by @sha256 digest, written in the stack or resolved at deploy time.",
  enforcementLevel: "advisory",
  controls: ["ctr/image-digest"],
  configSchema: configSchema(),
  validateStack: (args, report) => {
    for (const r of args.resources) {
      if (r.type === DOCKER_CONTAINER) {
        // A container started from a RemoteImage runs the content id (sha256:...) of what that resource pulled,
        // so the pin that matters is the name the RemoteImage pulled.
        const pulled = (r.propertyDependencies.image ?? []).filter((d) => IMAGE_TYPES.includes(d.type));
        for (const d of pulled) {
          const name = imageNameOf(d);
          if (isGatewayImage(name) && !DIGEST.test(name))
            report(
              `image ${JSON.stringify(name)} is pinned by tag only. Pin it by digest (name:tag@sha256:<64 hex>) or set openclaw:resolveImageDigest: true.`,
              d.urn,
            );
        }
        if (pulled.length > 0) continue;
      }
      for (const x of gatewayImagesOf(r))
        if (!DIGEST.test(x.image))
          report(
            `${x.where}: gateway image ${JSON.stringify(x.image)} is not pinned by digest, so a moved tag changes what runs without an upgrade. Pin it (name:tag@sha256:<64 hex>) or set openclaw:resolveImageDigest: true.`,
            r.urn,
          );
    }
  },
};

export const containerPolicies: PackPolicy[] = [
  containerReadOnlyRoot,
  containerDropAllCapabilities,
  containerNotPrivileged,
  containerNoNewPrivileges,
  containerNonRootUser,
  containerResourceLimits,
  containerPortsPrivate,
  containerHealthcheck,
  containerNoDockerSocket,
  containerSeccompConfined,
  containerNoHostNamespaces,
  containerNoHostDevices,
  containerNoSensitiveHostMounts,
  containerAppArmorConfined,
  containerImagePinned,
  imagePinnedByDigest,
];
