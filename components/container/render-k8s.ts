/**
 * Renders container specs (spec.ts) as Kubernetes containers and their security contexts: every hardening
 * setting is read from the spec, none decided here. The pods and the objects around them (namespace, Service,
 * NetworkPolicy, Deployments) are the Kubernetes target's (components/gateway-k8s/). Typed as `kubernetes-types`, so a
 * misspelled field fails `tsc --strict`.
 */
import type { Container, PodSecurityContext, Probe, Volume } from "kubernetes-types/core/v1";
import type { StackConfig } from "../config/schema";
import type { ContainerSpec, GatewayContainerSpec } from "./spec";

/** The Secret the gateway's secret variables come from; its values exist only in Pulumi state. */
export const GATEWAY_SECRET_NAME = "openclaw-gateway-secrets";

function cpuQuantity(cpus: number): string {
  return `${Math.round(cpus * 1000)}m`;
}

type ProbeTimings = StackConfig["kubernetes"]["probes"];

function httpProbe(path: string, p: ProbeTimings, failureThreshold: number): Probe {
  return {
    httpGet: { path, port: "http", scheme: "HTTP" },
    periodSeconds: p.periodSeconds,
    timeoutSeconds: p.timeoutSeconds,
    failureThreshold,
  };
}

/**
 * The command of a probe asked from inside the container on loopback: exit 0 only for a 200 whose JSON body
 * has `key` equal to `value` (the Control UI answers 200 for unknown paths, so the status alone proves nothing).
 */
export function loopbackProbeCommand(port: number, path: string, key: string, value: unknown, timeoutMs: number) {
  const script =
    `fetch('http://127.0.0.1:${port}${path}',{signal:AbortSignal.timeout(${timeoutMs})})` +
    `.then(async r=>{const b=await r.json();process.exit(r.status===200&&b[${JSON.stringify(key)}]===${JSON.stringify(value)}?0:1)})` +
    `.catch(()=>process.exit(1))`;
  return ["node", "-e", script];
}

/**
 * The kubelet probes from the node's address, which on bridge CNIs (flannel, the bridge plugin), Cilium and VPC
 * CNIs lies inside the pod CIDR that trustedProxyCidrs names. The gateway takes such a request for proxy traffic
 * without X-Forwarded-For and answers 403 proxy_attribution_required on every path but /healthz; sending that
 * header would be refused the other way round wherever the node is not a trusted proxy. /startupz and /readyz
 * are therefore asked on loopback from inside the container, which the gateway always attributes to itself.
 */
function loopbackProbe(
  port: number,
  path: string,
  expect: [string, unknown],
  p: ProbeTimings,
  failureThreshold: number,
): Probe {
  return {
    exec: { command: loopbackProbeCommand(port, path, expect[0], expect[1], p.timeoutSeconds * 1000) },
    periodSeconds: p.periodSeconds,
    timeoutSeconds: p.timeoutSeconds,
    failureThreshold,
  };
}

export interface K8sContainerOptions {
  /** Container name in the pod. */
  name: string;
  /** The Secret the spec's secret variables come from; required when the spec has any. */
  secretName?: string;
  probes: { startup?: Probe; liveness?: Probe; readiness?: Probe };
}

/** One Kubernetes container from one spec: the same function for the gateway and Caddy. */
export function k8sContainer(spec: ContainerSpec, opts: K8sContainerOptions): Container {
  if (spec.secretEnv.length > 0 && !opts.secretName) {
    throw new Error(`k8sContainer ${opts.name}: secret variables ${spec.secretEnv.join(", ")} need a secretName`);
  }
  const r = spec.resources;
  const requests = r.requests ?? { memoryMiB: r.memoryMiB, cpus: Math.min(r.cpus, 0.25) };
  return {
    name: opts.name,
    image: spec.image,
    // A pinned tag can still be re-pushed; Always makes the kubelet check the registry (and its auth) each start.
    imagePullPolicy: "Always",
    // Compose `command` replaces the image's CMD; in Kubernetes that is `args` (keeps any ENTRYPOINT).
    ...(spec.command ? { args: [...spec.command] } : {}),
    ports: spec.ports.map((p) => ({ name: p.name, containerPort: p.container, protocol: "TCP" })),
    env: [
      ...Object.entries(spec.env).map(([name, value]) => ({ name, value })),
      // The Secret holds the values; the Deployment only names them.
      ...spec.secretEnv.map((name) => ({
        name,
        valueFrom: { secretKeyRef: { name: opts.secretName!, key: name } },
      })),
    ],
    resources: {
      // By default memory request = limit: the container is never the first evicted under node memory pressure.
      requests: { memory: `${requests.memoryMiB}Mi`, cpu: cpuQuantity(requests.cpus) },
      limits: { memory: `${r.memoryMiB}Mi`, cpu: cpuQuantity(r.cpus) },
    },
    ...(opts.probes.startup ? { startupProbe: opts.probes.startup } : {}),
    ...(opts.probes.liveness ? { livenessProbe: opts.probes.liveness } : {}),
    ...(opts.probes.readiness ? { readinessProbe: opts.probes.readiness } : {}),
    securityContext: containerSecurity(spec),
    volumeMounts: [
      ...spec.tmpfs.map((t, i) => ({ name: `tmp-${i}`, mountPath: t.path })),
      ...spec.mounts.map((m) => ({ name: m.name, mountPath: m.mountPath, ...(m.readOnly ? { readOnly: true } : {}) })),
    ],
    terminationMessagePolicy: "FallbackToLogsOnError",
  };
}

/** The pod volumes behind the spec's tmpfs: memory-backed like Docker's, counted against the memory limit on both. */
export function tmpfsVolumes(spec: ContainerSpec): Volume[] {
  return spec.tmpfs.map((t, i) => ({ name: `tmp-${i}`, emptyDir: { medium: "Memory", sizeLimit: `${t.sizeMiB}Mi` } }));
}

/** The gateway container: every hardening setting read from the spec, none decided here. */
export function gatewayContainer(spec: GatewayContainerSpec, cfg: StackConfig): Container {
  const p = cfg.kubernetes.probes;
  const port = spec.ports[0].container;
  return k8sContainer(spec, {
    name: "gateway",
    secretName: GATEWAY_SECRET_NAME,
    probes: {
      startup: loopbackProbe(port, spec.probes.startup, ["status", "started"], p, p.startupFailureThreshold),
      // /healthz is exempt from proxy attribution: the kubelet asks it over the pod network, as a client would.
      liveness: httpProbe(spec.probes.liveness, p, p.livenessFailureThreshold),
      readiness: loopbackProbe(port, spec.probes.readiness, ["ready", true], p, 3),
    },
  });
}

/** The container security context, from the spec. */
export function containerSecurity(spec: ContainerSpec): NonNullable<Container["securityContext"]> {
  return {
    readOnlyRootFilesystem: spec.readOnlyRootFilesystem,
    allowPrivilegeEscalation: spec.allowPrivilegeEscalation,
    privileged: spec.privileged,
    runAsNonRoot: true,
    runAsUser: spec.user.uid,
    runAsGroup: spec.user.gid,
    capabilities: { drop: [...spec.capDrop], ...(spec.capAdd.length > 0 ? { add: [...spec.capAdd] } : {}) },
    seccompProfile: { type: spec.seccompProfile },
  };
}

/** The pod security context, from the spec. */
export function podSecurity(spec: ContainerSpec): PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: spec.user.uid,
    runAsGroup: spec.user.gid,
    // The CSI volume arrives root-owned; fsGroup makes it writable by the container (operators' #1 issue: EACCES).
    fsGroup: spec.user.gid,
    // Only chown when the root of the volume is wrong: a recursive chown of a large state dir delays every start.
    fsGroupChangePolicy: "OnRootMismatch",
    seccompProfile: { type: spec.seccompProfile },
  };
}
