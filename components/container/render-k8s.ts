/**
 * Renders the one container spec (spec.ts) as a Kubernetes container: every hardening setting is read from the
 * spec, none decided here. The pod and the objects around it (namespace, Service, NetworkPolicy, Deployment)
 * are the Kubernetes target's (components/gateway-k8s/manifests.ts). Typed as `kubernetes-types`, so a
 * misspelled field fails `tsc --strict`.
 */
import type { Container, Probe } from "kubernetes-types/core/v1";
import type { StackConfig } from "../config/schema";
import type { GatewayContainerSpec } from "./spec";

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

/** The gateway container: every hardening setting read from the spec, none decided here. */
export function gatewayContainer(spec: GatewayContainerSpec, cfg: StackConfig): Container {
  const p = cfg.kubernetes.probes;
  return {
    name: "gateway",
    image: spec.image,
    // A pinned tag can still be re-pushed; Always makes the kubelet check the registry (and its auth) each start.
    imagePullPolicy: "Always",
    // Compose `command` replaces the image's CMD; in Kubernetes that is `args` (keeps any ENTRYPOINT).
    ...(spec.command ? { args: [...spec.command] } : {}),
    ports: [{ name: "http", containerPort: spec.port.container, protocol: "TCP" }],
    env: [
      ...Object.entries(spec.env).map(([name, value]) => ({ name, value })),
      // The Secret holds the values; the Deployment only names them.
      ...spec.secretEnv.map((name) => ({
        name,
        valueFrom: { secretKeyRef: { name: GATEWAY_SECRET_NAME, key: name } },
      })),
    ],
    resources: {
      // Memory request = limit: the gateway is never the first pod evicted under node memory pressure.
      requests: { memory: `${spec.resources.memoryMiB}Mi`, cpu: cpuQuantity(Math.min(spec.resources.cpus, 0.25)) },
      limits: { memory: `${spec.resources.memoryMiB}Mi`, cpu: cpuQuantity(spec.resources.cpus) },
    },
    startupProbe: loopbackProbe(
      spec.port.container,
      spec.probes.startup,
      ["status", "started"],
      p,
      p.startupFailureThreshold,
    ),
    // /healthz is exempt from proxy attribution: the kubelet asks it over the pod network, as a client would.
    livenessProbe: httpProbe(spec.probes.liveness, p, p.livenessFailureThreshold),
    readinessProbe: loopbackProbe(spec.port.container, spec.probes.readiness, ["ready", true], p, 3),
    securityContext: containerSecurity(spec),
    volumeMounts: [
      ...spec.tmpfs.map((t, i) => ({ name: `tmp-${i}`, mountPath: t.path })),
      { name: "state", mountPath: spec.stateVolume.mountPath },
      { name: "config", mountPath: spec.config.dir, readOnly: true },
    ],
    terminationMessagePolicy: "FallbackToLogsOnError",
  };
}

/** The container security context, from the one spec; Caddy's pod uses it unchanged. */
export function containerSecurity(spec: GatewayContainerSpec): NonNullable<Container["securityContext"]> {
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
