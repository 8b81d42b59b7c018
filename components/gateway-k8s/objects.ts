/**
 * The Kubernetes target's shared vocabulary: object names, labels, the egress every pod of the stack gets, and
 * the constructors of the objects a proxy in front of the gateway needs (its Deployment, ConfigMap, PVC,
 * LoadBalancer Service). Imports no ingress mode, so a mode can build its objects from here without coming back
 * to the gateway's manifests.
 */
import type { Deployment } from "kubernetes-types/apps/v1";
import type {
  ConfigMap,
  Namespace,
  PersistentVolumeClaim,
  Probe,
  Service,
  ServiceAccount,
  Volume,
} from "kubernetes-types/core/v1";
import type { Ingress, NetworkPolicy } from "kubernetes-types/networking/v1";
import type { StackConfig } from "../config/schema";
import { k8sContainer, podSecurity, tmpfsVolumes } from "../container/render-k8s";
import type { ContainerSpec } from "../container/spec";
import { sha256 } from "../util/hash";

export type K8sObject =
  | Namespace
  | ServiceAccount
  | ConfigMap
  | PersistentVolumeClaim
  | Deployment
  | Service
  | NetworkPolicy
  | Ingress;

/**
 * An object an ingress mode adds beside the gateway's: `id` names its Pulumi resource (`<component>-<id>`) and
 * `after` the ids it waits for, the gateway's own (`namespace`, `sa`, `service`, ...) or the mode's.
 */
export interface ModeObject {
  id: string;
  object: K8sObject;
  after: readonly string[];
}

export const GATEWAY_NAME = "openclaw-gateway";
export const CONFIG_CHECKSUM_ANNOTATION = "openclaw.ai/config-sha256";

export function gatewayLabels(): Record<string, string> {
  return componentLabels("gateway");
}
/** The selector labels of one component of the stack (gateway, caddy). */
export function componentLabels(component: string): Record<string, string> {
  return { "app.kubernetes.io/name": "openclaw", "app.kubernetes.io/component": component };
}
export function commonLabels(): Record<string, string> {
  return { "app.kubernetes.io/part-of": "openclaw", "app.kubernetes.io/managed-by": "pulumi" };
}

const IMDS = "169.254.169.254/32";

/**
 * DNS to kube-system and HTTPS to the internet only: not to the cluster's own networks (the API server and
 * every in-cluster service listen on 443 too) nor the cloud metadata endpoint (node credentials live there).
 */
export function egressDnsAndHttps(cfg: StackConfig): NonNullable<NetworkPolicy["spec"]>["egress"] {
  const excluded = cfg.kubernetes.egressExcludedCidrs;
  // The metadata address is named on its own, whatever the configured list says.
  const except = excluded.includes(IMDS) ? [...excluded] : [...excluded, IMDS];
  return [
    {
      to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } } }],
      ports: [
        { protocol: "UDP", port: 53 },
        { protocol: "TCP", port: 53 },
      ],
    },
    {
      to: [{ ipBlock: { cidr: "0.0.0.0/0", except } }],
      ports: [{ protocol: "TCP", port: 443 }],
    },
  ];
}

export function configMap(name: string, ns: string, labels: Record<string, string>, data: Record<string, string>) {
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: ns, labels }, data } satisfies ConfigMap;
}

export function persistentVolumeClaim(
  name: string,
  cfg: StackConfig,
  labels: Record<string, string>,
  storageGiB: number,
): PersistentVolumeClaim {
  return {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name, namespace: cfg.kubernetes.namespace, labels },
    spec: {
      accessModes: ["ReadWriteOnce"],
      ...(cfg.kubernetes.storageClass ? { storageClassName: cfg.kubernetes.storageClass } : {}),
      resources: { requests: { storage: `${storageGiB}Gi` } },
    },
  };
}

export interface ProxyDeploymentInput {
  name: string;
  namespace: string;
  /** Selector labels (componentLabels). */
  selector: Record<string, string>;
  spec: ContainerSpec;
  /** Container name in the pod. */
  container: string;
  probes: { liveness?: Probe; readiness?: Probe };
  /** The pod volume behind each of the spec's mounts, by mount name. */
  volumes: Record<string, Omit<Volume, "name">>;
  /** The config file the pod reads once: its checksum rolls the pod when it changes. */
  configText: string;
}

/** A single-replica Deployment of a proxy container, locked down from its spec like the gateway's pod. */
export function proxyDeployment(p: ProxyDeploymentInput): Deployment {
  const labels = { ...p.selector, ...commonLabels() };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: p.name, namespace: p.namespace, labels },
    spec: {
      replicas: 1,
      strategy: { type: "Recreate" },
      selector: { matchLabels: p.selector },
      template: {
        metadata: { labels, annotations: { [CONFIG_CHECKSUM_ANNOTATION]: sha256(p.configText) } },
        spec: {
          serviceAccountName: GATEWAY_NAME,
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: podSecurity(p.spec),
          containers: [k8sContainer(p.spec, { name: p.container, probes: p.probes })],
          volumes: [
            ...tmpfsVolumes(p.spec),
            ...p.spec.mounts.map((m) => {
              const v = p.volumes[m.name];
              if (!v) throw new Error(`proxyDeployment ${p.name}: no pod volume for mount "${m.name}"`);
              return { name: m.name, ...v };
            }),
          ],
        },
      },
    },
  };
}

/** The one public entry point: a LoadBalancer Service onto the proxy's published ports. */
export function loadBalancerService(
  name: string,
  ns: string,
  selector: Record<string, string>,
  spec: ContainerSpec,
): Service {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, namespace: ns, labels: { ...selector, ...commonLabels() } },
    spec: {
      type: "LoadBalancer",
      selector,
      ports: spec.ports
        .filter((p) => p.publish)
        .map((p) => ({ name: p.name, port: p.publish!.host, targetPort: p.name, protocol: "TCP" })),
    },
  };
}
