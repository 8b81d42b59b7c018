// The gateway's Kubernetes workload: every pod shape (Deployment, StatefulSet, DaemonSet, ReplicaSet,
// Job, CronJob, bare Pod), every container including initContainers, measured against the restricted
// Pod Security Standard, kube-linter and Checkov.
import { validateResourceOfType, type ResourceValidation } from "@pulumi/policy";
import { Service } from "@pulumi/kubernetes/core/v1/service";
import { Namespace } from "@pulumi/kubernetes/core/v1/namespace";
import { containersOf, effective, isGatewayContainer, isWorkloadType, podSpecOf, type K8sContainer } from "./lib/k8s";
import { configSchema, type PackPolicy } from "./lib/types";
import { asArray, imagePinned, isLiteralSecretEnv, isObject } from "./lib/util";

/** Runs `check` on the pod spec of every workload kind (and their patches); each string is one violation. */
function podPolicy(
  check: (pod: Record<string, any>, config: any) => string[],
  kinds: (type: string) => boolean = isWorkloadType,
): ResourceValidation {
  return (args, report) => {
    if (!kinds(args.type)) return;
    const pod = podSpecOf(args.type, args.props);
    if (!pod) return;
    for (const m of check(pod, args.getConfig<any>())) report(m);
  };
}

/** Same, per container: `check` returns a problem for that container or undefined. */
function containerPolicy(check: (pod: Record<string, any>, k: K8sContainer) => string | undefined): ResourceValidation {
  return podPolicy((pod) =>
    containersOf(pod)
      .map((k) => check(pod, k))
      .filter((m): m is string => !!m)
      .map(String),
  );
}

const sc = (k: K8sContainer) => (isObject(k.c.securityContext) ? k.c.securityContext : {});

export const k8sNoPrivileged: PackPolicy = {
  name: "k8s-no-privileged",
  description: "Prohibits privileged containers.",
  enforcementLevel: "mandatory",
  controls: ["k8s/privileged"],
  configSchema: configSchema(),
  validateResource: containerPolicy((_p, k) =>
    sc(k).privileged === true
      ? `${k.where} is privileged. Remove securityContext.privileged (or set false).`
      : undefined,
  ),
};

export const k8sNoPrivilegeEscalation: PackPolicy = {
  name: "k8s-no-privilege-escalation",
  description: "Requires allowPrivilegeEscalation false on every container.",
  enforcementLevel: "mandatory",
  controls: ["k8s/privilege-escalation"],
  configSchema: configSchema(),
  validateResource: containerPolicy((_p, k) =>
    sc(k).allowPrivilegeEscalation !== false
      ? `${k.where} does not set securityContext.allowPrivilegeEscalation: false. Set it.`
      : undefined,
  ),
};

export const k8sReadOnlyRootFs: PackPolicy = {
  name: "k8s-read-only-root-fs",
  description: "Requires a read-only root filesystem on every container; writable paths come from emptyDir or volumes.",
  enforcementLevel: "mandatory",
  controls: ["k8s/read-only-root"],
  configSchema: configSchema(),
  validateResource: containerPolicy((_p, k) =>
    sc(k).readOnlyRootFilesystem !== true
      ? `${k.where} does not set securityContext.readOnlyRootFilesystem: true. Set it and mount /tmp and the state dir as volumes.`
      : undefined,
  ),
};

export const k8sRunAsNonRoot: PackPolicy = {
  name: "k8s-run-as-non-root",
  description: "Requires runAsNonRoot and a uid of at least 1000 for every container.",
  enforcementLevel: "mandatory",
  controls: ["k8s/non-root"],
  configSchema: configSchema(),
  validateResource: containerPolicy((pod, k) => {
    const nonRoot = effective(pod, k.c, "runAsNonRoot");
    const uid = effective(pod, k.c, "runAsUser");
    if (nonRoot !== true)
      return `${k.where} does not set runAsNonRoot: true (pod or container securityContext). Set it.`;
    if (uid === undefined || Number(uid) < 1000)
      return `${k.where} runAsUser is ${JSON.stringify(uid)}. Set runAsUser to 1000 or higher (the gateway image's node user is 1000).`;
    return undefined;
  }),
};

export const k8sDropAllCapabilities: PackPolicy = {
  name: "k8s-drop-all-capabilities",
  description: "Requires capabilities to drop ALL and add nothing beyond NET_BIND_SERVICE.",
  enforcementLevel: "mandatory",
  controls: ["k8s/capabilities"],
  configSchema: configSchema(),
  validateResource: containerPolicy((_p, k) => {
    const caps = isObject(sc(k).capabilities) ? sc(k).capabilities : {};
    const drop = asArray<string>(caps.drop).map(String);
    const add = asArray<string>(caps.add)
      .map(String)
      .filter((c) => c !== "NET_BIND_SERVICE");
    if (!drop.includes("ALL"))
      return `${k.where} does not drop ALL capabilities. Set securityContext.capabilities.drop: ["ALL"].`;
    if (add.length)
      return `${k.where} adds capabilities ${add.join(", ")}. Remove them (NET_BIND_SERVICE is the only one allowed).`;
    return undefined;
  }),
};

export const k8sSeccompRuntimeDefault: PackPolicy = {
  name: "k8s-seccomp-runtime-default",
  description: "Requires the RuntimeDefault (or Localhost) seccomp profile for every container.",
  enforcementLevel: "mandatory",
  controls: ["k8s/seccomp"],
  configSchema: configSchema(),
  validateResource: containerPolicy((pod, k) => {
    const t = effective(pod, k.c, "seccompProfile")?.type;
    return t === "RuntimeDefault" || t === "Localhost"
      ? undefined
      : `${k.where} seccompProfile.type is ${JSON.stringify(t)}. Set securityContext.seccompProfile.type: RuntimeDefault on the pod.`;
  }),
};

/** Run-to-completion pods (Jobs, CronJobs) have nothing to probe; kube-linter and Checkov skip them too. */
const longRunning = (type: string) => isWorkloadType(type) && !/:(Job|CronJob)(Patch)?$/.test(type);
const LIVENESS_PATHS = ["/healthz", "/health"];
const READINESS_PATHS = ["/readyz"];

/**
 * The gateway path a probe checks: its httpGet path, or the loopback URL an exec probe fetches (the gateway
 * refuses /readyz to a kubelet whose address is a trusted proxy, so the stack asks it from inside the pod).
 */
function probedPath(p: Record<string, any>): string | undefined {
  if (p.httpGet) return p.httpGet.path;
  const cmd = asArray(p.exec?.command).join(" ");
  return /\bhttps?:\/\/(?:127\.0\.0\.1|localhost|\[::1\]):\d+(\/[\w./-]*)/.exec(cmd)?.[1];
}

export const k8sProbes: PackPolicy = {
  name: "k8s-probes",
  description:
    "Requires liveness and readiness probes on long-running pods, on /healthz and /readyz for the gateway because its Control UI answers 200 on any path.",
  enforcementLevel: "mandatory",
  controls: ["k8s/probes"],
  configSchema: configSchema(),
  validateResource: podPolicy(
    (pod) =>
      containersOf(pod)
        .filter((k) => !k.init)
        .flatMap((k) => {
          const out: string[] = [];
          for (const [probe, paths] of [
            ["livenessProbe", LIVENESS_PATHS],
            ["readinessProbe", READINESS_PATHS],
          ] as const) {
            const p = k.c[probe];
            if (!isObject(p)) out.push(`${k.where} has no ${probe}. Add an httpGet ${probe} on ${paths[0]}.`);
            else if (isGatewayContainer(k.c) && !paths.includes(probedPath(p) ?? "")) {
              out.push(
                `${k.where} ${probe} checks ${JSON.stringify(probedPath(p) ?? "a non-HTTP handler")}; the gateway answers 200 on unknown paths, so use httpGet path ${paths[0]} (or an exec probe fetching it on 127.0.0.1).`,
              );
            }
          }
          return out;
        }),
    longRunning,
  ),
};

export const k8sResourceLimits: PackPolicy = {
  name: "k8s-resource-limits",
  description: "Requires CPU and memory requests and limits on every container.",
  enforcementLevel: "mandatory",
  controls: ["k8s/resources"],
  configSchema: configSchema(),
  validateResource: containerPolicy((_p, k) => {
    const r = isObject(k.c.resources) ? k.c.resources : {};
    const missing = ["requests", "limits"].flatMap((kind) =>
      ["cpu", "memory"].filter((x) => !r[kind]?.[x]).map((x) => `${kind}.${x}`),
    );
    return missing.length
      ? `${k.where} lacks resources ${missing.join(", ")}. Set them (the gateway needs ~2Gi memory limit).`
      : undefined;
  }),
};

export const k8sImagePinned: PackPolicy = {
  name: "k8s-image-pinned",
  description: "Requires every container image pinned by version tag or digest, never latest.",
  enforcementLevel: "mandatory",
  controls: ["k8s/image-pinned"],
  configSchema: configSchema(),
  validateResource: containerPolicy((_p, k) =>
    !imagePinned(String(k.c.image ?? ""))
      ? `${k.where} image ${JSON.stringify(k.c.image)} is not pinned. Use a version tag or @sha256 digest.`
      : undefined,
  ),
};

export const k8sNoServiceAccountToken: PackPolicy = {
  name: "k8s-no-service-account-token",
  description: "Recommends automountServiceAccountToken false: the gateway never talks to the Kubernetes API.",
  enforcementLevel: "advisory",
  controls: ["k8s/sa-token"],
  configSchema: configSchema(),
  validateResource: podPolicy((pod) =>
    pod.automountServiceAccountToken !== false
      ? ["automountServiceAccountToken is not false. Set it to false on the pod spec."]
      : [],
  ),
};

export const k8sNoLiteralSecretEnv: PackPolicy = {
  name: "k8s-no-literal-secret-env",
  description: "Prohibits literal secret values in container env; use secretKeyRef or mounted files.",
  enforcementLevel: "mandatory",
  controls: ["k8s/env-secrets"],
  configSchema: configSchema(),
  validateResource: containerPolicy((_p, k) => {
    const bad = asArray<any>(k.c.env)
      .filter((e) => e && e.value !== undefined && isLiteralSecretEnv(String(e.name), e.value))
      .map((e) => e.name);
    return bad.length
      ? `${k.where} sets ${bad.join(", ")} as a literal env value. Use valueFrom.secretKeyRef or a mounted Secret file.`
      : undefined;
  }),
};

export const k8sServiceNotExposed: PackPolicy = {
  name: "k8s-service-not-exposed",
  description:
    "Prohibits LoadBalancer and NodePort Services; reach the gateway through the tailnet or an authenticated ingress.",
  enforcementLevel: "mandatory",
  controls: ["k8s/service-exposure"],
  configSchema: configSchema({ allowServices: { type: "array", items: { type: "string" } } }),
  validateResource: validateResourceOfType(Service, (s, args, report) => {
    const t = (s.spec as any)?.type;
    const allowed = asArray<string>(args.getConfig<any>().allowServices).includes(args.name);
    if (!allowed && asArray((s.spec as any)?.externalIPs).length > 0)
      report("Service sets externalIPs, which publishes it on those addresses from outside the cluster. Remove them.");
    if ((t === "LoadBalancer" || t === "NodePort") && !allowed) {
      report(
        `Service type is ${t}, which publishes the gateway outside the cluster. Use ClusterIP, or list this Service in allowServices with a reason in the pack config.`,
      );
    }
  }),
};

export const k8sNamespacePssRestricted: PackPolicy = {
  name: "k8s-namespace-pss-restricted",
  description: "Recommends the restricted Pod Security Standard enforced on every namespace the stack creates.",
  enforcementLevel: "advisory",
  controls: ["k8s/pss-netpol"],
  configSchema: configSchema(),
  validateResource: validateResourceOfType(Namespace, (ns, _a, report) => {
    const labels = (ns.metadata as any)?.labels ?? {};
    if (labels["pod-security.kubernetes.io/enforce"] !== "restricted") {
      report('label pod-security.kubernetes.io/enforce is not "restricted". Add it to metadata.labels.');
    }
  }),
};

const NETPOL = "kubernetes:networking.k8s.io/v1:NetworkPolicy";

export const k8sDefaultDenyNetworkPolicy: PackPolicy = {
  name: "k8s-default-deny-network-policy",
  description: "Recommends a default-deny ingress NetworkPolicy wherever the stack runs pods.",
  enforcementLevel: "advisory",
  controls: ["k8s/pss-netpol"],
  configSchema: configSchema(),
  validateStack: (args, report) => {
    const workloads = args.resources.filter((r) => isWorkloadType(r.type));
    if (workloads.length === 0) return;
    const defaultDeny = args.resources.some((r) => {
      if (r.type !== NETPOL) return false;
      const spec = r.props.spec ?? {};
      const sel = spec.podSelector;
      const selectsAll =
        isObject(sel) && Object.keys(sel.matchLabels ?? {}).length === 0 && asArray(sel.matchExpressions).length === 0;
      return selectsAll && asArray(spec.policyTypes).includes("Ingress") && asArray(spec.ingress).length === 0;
    });
    if (!defaultDeny)
      report(
        "The stack runs pods but has no NetworkPolicy with podSelector {} and policyTypes [Ingress]. Add a default-deny policy, then allow only the proxy/tailnet path.",
        workloads[0].urn,
      );
  },
};

const ALLOWED_VOLUME_TYPES = new Set([
  "configMap",
  "csi",
  "downwardAPI",
  "emptyDir",
  "ephemeral",
  "persistentVolumeClaim",
  "projected",
  "secret",
]);
const SAFE_SYSCTLS = new Set([
  "kernel.shm_rmid_forced",
  "net.ipv4.ip_local_port_range",
  "net.ipv4.ip_unprivileged_port_start",
  "net.ipv4.tcp_syncookies",
  "net.ipv4.ping_group_range",
  "net.ipv4.ip_local_reserved_ports",
  "net.ipv4.tcp_keepalive_time",
  "net.ipv4.tcp_fin_timeout",
  "net.ipv4.tcp_keepalive_intvl",
  "net.ipv4.tcp_keepalive_probes",
]);
const SELINUX_TYPES = new Set(["", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"]);
const truthy = (v: unknown) => v === true || /^(true|yes|on|1)$/i.test(String(v ?? ""));

/** The pod template's annotations, wherever the kind keeps them. */
function podAnnotations(type: string, props: Record<string, any>): Record<string, string> {
  const kind = type.replace(/Patch$/, "").replace(/.*:/, "");
  const meta =
    kind === "Pod"
      ? props.metadata
      : kind === "CronJob"
        ? props.spec?.jobTemplate?.spec?.template?.metadata
        : kind === "PodTemplate"
          ? props.template?.metadata
          : props.spec?.template?.metadata;
  return isObject(meta?.annotations) ? meta.annotations : {};
}

/**
 * The restricted Pod Security Standard as an allowlist: what is not on the list is refused, whatever field
 * or kind it arrives in. Pure, so tests can feed it any pod.
 */
export function pssViolations(pod: Record<string, any>, annotations: Record<string, string> = {}): string[] {
  const out: string[] = [];
  for (const f of ["hostNetwork", "hostPID", "hostIPC"] as const) {
    if (truthy(pod[f]))
      out.push(`spec.${f} is ${JSON.stringify(pod[f])}: the pod shares the host's namespace. Remove it.`);
  }
  for (const v of asArray<any>(pod.volumes)) {
    if (!isObject(v)) continue;
    const kinds = Object.keys(v).filter((k) => k !== "name");
    const bad = kinds.filter((k) => !ALLOWED_VOLUME_TYPES.has(k));
    if (bad.length)
      out.push(
        `volume ${JSON.stringify(v.name)} is of type ${bad.join(", ")}, outside the restricted list (configMap, secret, emptyDir, projected, downwardAPI, persistentVolumeClaim, csi, ephemeral). Use one of those.`,
      );
  }
  const checkCtx = (where: string, ctx: unknown) => {
    if (!isObject(ctx)) return;
    const se = ctx.seLinuxOptions;
    if (isObject(se)) {
      if (!SELINUX_TYPES.has(String(se.type ?? "")))
        out.push(`${where}.seLinuxOptions.type is ${JSON.stringify(se.type)}. Use container_t or leave it unset.`);
      if (se.user || se.role) out.push(`${where}.seLinuxOptions sets user/role. Remove them.`);
    }
    if (ctx.procMount !== undefined && ctx.procMount !== "Default")
      out.push(`${where}.procMount is ${JSON.stringify(ctx.procMount)}. Use Default.`);
    if (isObject(ctx.windowsOptions) && truthy(ctx.windowsOptions.hostProcess))
      out.push(`${where}.windowsOptions.hostProcess is true. Remove it.`);
    const aa = isObject(ctx.appArmorProfile) ? ctx.appArmorProfile.type : undefined;
    if (aa !== undefined && aa !== "RuntimeDefault" && aa !== "Localhost")
      out.push(`${where}.appArmorProfile.type is ${JSON.stringify(aa)}. Use RuntimeDefault.`);
    const sc = isObject(ctx.seccompProfile) ? ctx.seccompProfile.type : undefined;
    if (sc !== undefined && sc !== "RuntimeDefault" && sc !== "Localhost")
      out.push(`${where}.seccompProfile.type is ${JSON.stringify(sc)}. Use RuntimeDefault.`);
    if (ctx.runAsUser !== undefined && Number(ctx.runAsUser) === 0)
      out.push(`${where}.runAsUser is ${JSON.stringify(ctx.runAsUser)} (root). Use 1000.`);
    if (ctx.runAsNonRoot !== undefined && !truthy(ctx.runAsNonRoot))
      out.push(`${where}.runAsNonRoot is ${JSON.stringify(ctx.runAsNonRoot)}. Set it to true.`);
  };
  checkCtx("spec.securityContext", pod.securityContext);
  for (const s of asArray<any>(pod.securityContext?.sysctls))
    if (!SAFE_SYSCTLS.has(String(s?.name)))
      out.push(
        `spec.securityContext.sysctls sets ${JSON.stringify(s?.name)}, which is not a namespaced safe sysctl. Remove it.`,
      );
  for (const k of containersOf(pod)) {
    checkCtx(`${k.where}.securityContext`, k.c.securityContext);
    if (truthy(k.c.securityContext?.privileged)) out.push(`${k.where} is privileged. Remove it.`);
    for (const p of asArray<any>(k.c.ports))
      if (p?.hostPort !== undefined && Number(p.hostPort) !== 0)
        out.push(`${k.where} binds hostPort ${p.hostPort} on the node. Remove hostPort and use a Service.`);
    const adds = asArray<string>(k.c.securityContext?.capabilities?.add)
      .map(String)
      .filter((c) => !/^(CAP_)?NET_BIND_SERVICE$/i.test(c));
    if (adds.length) out.push(`${k.where} adds capabilities ${adds.join(", ")}. Remove them.`);
  }
  for (const [key, value] of Object.entries(annotations)) {
    if (
      /^container\.apparmor\.security\.beta\.kubernetes\.io\//.test(key) &&
      !/^(runtime\/default|localhost\/.+)$/.test(String(value))
    )
      out.push(`annotation ${key} is ${JSON.stringify(value)}. Use runtime/default.`);
    if (
      /^(seccomp\.security\.alpha\.kubernetes\.io\/pod|container\.seccomp\.security\.alpha\.kubernetes\.io\/.*)$/.test(
        key,
      ) &&
      /unconfined/i.test(String(value))
    )
      out.push(`annotation ${key} is ${JSON.stringify(value)}. Use runtime/default.`);
  }
  return out;
}

export const k8sPodSecurityRestricted: PackPolicy = {
  name: "k8s-pod-security-restricted",
  description:
    "Requires every pod of every workload kind to stay inside the restricted Pod Security Standard, including host namespaces, host paths, host ports, volume types, procMount, sysctls, SELinux and AppArmor.",
  enforcementLevel: "mandatory",
  controls: ["k8s/pss-restricted"],
  configSchema: configSchema(),
  validateResource: (args, report) => {
    if (!isWorkloadType(args.type)) return;
    const pod = podSpecOf(args.type, args.props);
    if (!pod) return;
    for (const m of pssViolations(pod, podAnnotations(args.type, args.props))) report(m);
  },
};

const BINDINGS = [
  "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
  "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
];
const ROLES = ["kubernetes:rbac.authorization.k8s.io/v1:Role", "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole"];
const POWERFUL_ROLES = /^(cluster-admin|admin|edit|system:masters|system:node|system:kube-controller-manager)$/;
const BROAD_GROUPS = /^system:(serviceaccounts(:.*)?|authenticated|unauthenticated)$/;

/** Does one RBAC rule grant power over secrets, workloads, nodes or RBAC itself? */
export function powerfulRule(rule: any): string | undefined {
  const verbs = asArray<string>(rule?.verbs).map((v) => String(v).toLowerCase());
  const res = asArray<string>(rule?.resources).map((r) => String(r).toLowerCase());
  const any = (xs: string[], ys: string[]) => xs.includes("*") || ys.some((y) => xs.includes(y));
  if (any(res, ["secrets"]) && any(verbs, ["get", "list", "watch"])) return "reads secrets";
  if (
    any(res, ["pods/exec", "pods/attach", "nodes/proxy", "pods/ephemeralcontainers"]) &&
    any(verbs, ["create", "get"])
  )
    return "executes in pods or nodes";
  if (
    any(res, ["pods", "deployments", "daemonsets", "statefulsets", "jobs", "cronjobs", "replicasets"]) &&
    any(verbs, ["create", "update", "patch"])
  )
    return "creates workloads";
  if (
    any(res, ["roles", "clusterroles", "rolebindings", "clusterrolebindings"]) &&
    any(verbs, ["escalate", "bind", "create", "update", "patch"])
  )
    return "changes RBAC";
  if (any(res, ["serviceaccounts/token"]) && any(verbs, ["create"])) return "mints tokens";
  if (any(res, ["nodes"]) && any(verbs, ["update", "patch", "delete"])) return "changes nodes";
  if (asArray(rule?.nonResourceURLs).includes("*") && verbs.includes("*")) return "has every non-resource verb";
  return undefined;
}

export const k8sRbacGatewayPower: PackPolicy = {
  name: "k8s-rbac-gateway-power",
  description:
    "Prohibits role bindings that give the gateway's service account, a namespace default account or every account power over secrets, pods, nodes or RBAC.",
  enforcementLevel: "mandatory",
  controls: ["k8s/rbac"],
  configSchema: configSchema(),
  validateStack: (args, report) => {
    const accounts = new Set<string>();
    for (const r of args.resources) {
      if (!isWorkloadType(r.type)) continue;
      const pod = podSpecOf(r.type, r.props);
      const ns = String(r.props.metadata?.namespace ?? "default");
      accounts.add(`${ns}/${pod?.serviceAccountName ?? pod?.serviceAccount ?? "default"}`);
    }
    const roles = args.resources.filter((r) => ROLES.includes(r.type));
    for (const b of args.resources.filter((r) => BINDINGS.includes(r.type))) {
      const bns = String(b.props.metadata?.namespace ?? "default");
      const who = asArray<any>(b.props.subjects).filter((s) => {
        if (s?.kind === "Group") return BROAD_GROUPS.test(String(s.name));
        if (s?.kind === "ServiceAccount") return accounts.has(`${s.namespace ?? bns}/${s.name}`);
        return false;
      });
      if (who.length === 0) continue;
      const ref = b.props.roleRef ?? {};
      let power: string | undefined;
      if (POWERFUL_ROLES.test(String(ref.name ?? ""))) power = `is bound to ${ref.kind} ${ref.name}`;
      else {
        const role = roles.find(
          (r) =>
            r.type.endsWith(`:${ref.kind}`) &&
            String(r.props.metadata?.name ?? r.name) === String(ref.name) &&
            (ref.kind === "ClusterRole" || String(r.props.metadata?.namespace ?? "default") === bns),
        );
        if (!role && !/^system:/.test(String(ref.name ?? "")))
          power = `is bound to ${ref.kind} ${ref.name}, which the stack does not define, so its power cannot be judged`;
        for (const rule of asArray<any>(role?.props.rules)) power = power ?? powerfulRule(rule);
      }
      if (power)
        report(
          `binding ${b.name} gives ${who.map((s) => `${s.kind} ${s.name}`).join(", ")} power: it ${power}. The gateway never talks to the Kubernetes API; remove the binding or narrow the role.`,
          b.urn,
        );
    }
  },
};

export const kubernetesPolicies: PackPolicy[] = [
  k8sNoPrivileged,
  k8sNoPrivilegeEscalation,
  k8sReadOnlyRootFs,
  k8sRunAsNonRoot,
  k8sDropAllCapabilities,
  k8sSeccompRuntimeDefault,
  k8sProbes,
  k8sResourceLimits,
  k8sImagePinned,
  k8sNoServiceAccountToken,
  k8sNoLiteralSecretEnv,
  k8sServiceNotExposed,
  k8sNamespacePssRestricted,
  k8sDefaultDenyNetworkPolicy,
  k8sPodSecurityRestricted,
  k8sRbacGatewayPower,
];
