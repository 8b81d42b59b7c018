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
function containerPolicy(
  check: (pod: Record<string, any>, k: K8sContainer) => string | undefined,
): ResourceValidation {
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
            else if (isGatewayContainer(k.c) && !paths.includes(p.httpGet?.path)) {
              out.push(
                `${k.where} ${probe} checks ${JSON.stringify(p.httpGet?.path ?? "a non-HTTP handler")}; the gateway answers 200 on unknown paths, so use httpGet path ${paths[0]}.`,
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
];
