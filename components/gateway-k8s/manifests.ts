/**
 * The Kubernetes objects of the gateway: namespace, service account, ConfigMap, state PVC, Deployment, Service
 * and NetworkPolicies, plus whatever the ingress mode adds. Pure: same input, same manifests; the GatewayK8s
 * component only turns them into resources, and `npm run plan` writes them as YAML. Typed as
 * `kubernetes-types`, so a misspelled field fails `tsc --strict`.
 */
import type { Deployment } from "kubernetes-types/apps/v1";
import type { ConfigMap, Namespace, PersistentVolumeClaim, Service, ServiceAccount } from "kubernetes-types/core/v1";
import type { NetworkPolicy, NetworkPolicyPeer } from "kubernetes-types/networking/v1";
import type { StackConfig } from "../config/schema";
import { gatewayContainer, podSecurity, tmpfsVolumes } from "../container/render-k8s";
import { CONFIG_FILE, gatewayPort, type GatewayContainerSpec, STATE_VOLUME } from "../container/spec";
import { ingressFor, ingressModule } from "../ingress/modes/registry";
import { sha256 } from "../util/hash";
import {
  CONFIG_CHECKSUM_ANNOTATION,
  commonLabels,
  egressDnsAndHttps,
  GATEWAY_NAME,
  gatewayLabels,
  type K8sObject,
  type ModeObject,
  persistentVolumeClaim,
} from "./objects";

export type { K8sObject, ModeObject } from "./objects";
import { PRE_UPGRADE_CLAIM, PRE_UPGRADE_VOLUME, preUpgradeBackupInitContainer, preUpgradeClaim } from "./upgrade";

export const GATEWAY_CONFIGMAP_NAME = "openclaw-config";
export const PROMETHEUS_PATH = "/api/diagnostics/prometheus";

export interface K8sRenderInput {
  cfg: StackConfig;
  spec: GatewayContainerSpec;
  /** The rendered openclaw.json (renderGatewayConfigJson). */
  configJson: string;
}

export interface K8sManifests {
  namespace: Namespace;
  serviceAccount: ServiceAccount;
  configMap: ConfigMap;
  pvc: PersistentVolumeClaim;
  /** Where the pre-upgrade backups go (upgrade.ts): apart from the state, so no backup contains another. */
  preUpgradePvc: PersistentVolumeClaim;
  deployment: Deployment;
  service: Service;
  networkPolicy: NetworkPolicy;
  /** Namespace-wide default deny: any pod no other policy selects gets no traffic at all. */
  defaultDeny: NetworkPolicy;
  /** What the ingress mode adds (a tailnet Ingress, or a proxy's Deployment and its objects), in apply order. */
  ingressObjects: ModeObject[];
}

export function gatewayDeployment(spec: GatewayContainerSpec, cfg: StackConfig, configJson: string): Deployment {
  const ns = cfg.kubernetes.namespace;
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: GATEWAY_NAME, namespace: ns, labels: { ...gatewayLabels(), ...commonLabels() } },
    spec: {
      replicas: 1,
      // The state PVC is ReadWriteOnce and the gateway holds an owner lease: never two pods at once.
      strategy: { type: "Recreate" },
      selector: { matchLabels: gatewayLabels() },
      template: {
        metadata: {
          labels: { ...gatewayLabels(), ...commonLabels() },
          // The config is a subPath-free directory mount, but the gateway reads it once: roll the pod on change.
          annotations: { [CONFIG_CHECKSUM_ANNOTATION]: sha256(configJson) },
        },
        spec: {
          // The owner lease is keyed by hostname: a new pod name after an unclean stop would block start for minutes.
          hostname: spec.hostname,
          serviceAccountName: GATEWAY_NAME,
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          terminationGracePeriodSeconds: spec.stopGracePeriodSeconds,
          securityContext: podSecurity(spec),
          // A verified backup of the state before a new image first runs on it (upgrade.ts).
          initContainers: [preUpgradeBackupInitContainer(spec, cfg)],
          containers: [gatewayContainer(spec, cfg)],
          volumes: [
            ...tmpfsVolumes(spec),
            { name: "state", persistentVolumeClaim: { claimName: STATE_VOLUME } },
            { name: PRE_UPGRADE_VOLUME, persistentVolumeClaim: { claimName: PRE_UPGRADE_CLAIM } },
            {
              name: "config",
              configMap: {
                name: GATEWAY_CONFIGMAP_NAME,
                items: [{ key: "openclaw.json", path: CONFIG_FILE }],
                defaultMode: 0o440,
              },
            },
          ],
        },
      },
    },
  };
}

/** Who may open a connection to the gateway: exactly the ingress path, nothing when there is none. */
export function gatewayIngressPeers(cfg: StackConfig): NetworkPolicyPeer[] {
  // `kubectl port-forward` goes through the kubelet, not the pod network, so it still works without peers.
  return ingressModule(cfg.ingress).kubernetes?.(cfg).gatewayPeers ?? [];
}

export function gatewayNetworkPolicy(spec: GatewayContainerSpec, cfg: StackConfig): NetworkPolicy {
  const peers = gatewayIngressPeers(cfg);
  // The scrape annotation is only advertised when this rule lets the scraper in (config schema).
  const scraper: NetworkPolicyPeer[] =
    cfg.kubernetes.prometheusScrape && cfg.kubernetes.prometheusNamespace
      ? [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": cfg.kubernetes.prometheusNamespace } } }]
      : [];
  const port = [{ protocol: "TCP", port: gatewayPort(spec) }];
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name: GATEWAY_NAME, namespace: cfg.kubernetes.namespace, labels: commonLabels() },
    spec: {
      podSelector: { matchLabels: gatewayLabels() },
      policyTypes: ["Ingress", "Egress"],
      // An empty list denies all ingress; a rule with peers admits only them, only on the gateway port.
      ingress: [
        ...(peers.length > 0 ? [{ from: peers, ports: port }] : []),
        ...(scraper.length > 0 ? [{ from: scraper, ports: port }] : []),
      ],
      egress: egressDnsAndHttps(cfg),
    },
  };
}

export function renderK8s(input: K8sRenderInput): K8sManifests {
  const { cfg, spec, configJson } = input;
  const ns = cfg.kubernetes.namespace;
  const m: K8sManifests = {
    ingressObjects: ingressFor(cfg.ingress, "kubernetes")(cfg).objects(spec, cfg),
    namespace: {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: {
        name: ns,
        labels: {
          ...commonLabels(),
          "pod-security.kubernetes.io/enforce": "restricted",
          "pod-security.kubernetes.io/enforce-version": "latest",
          "pod-security.kubernetes.io/audit": "restricted",
          "pod-security.kubernetes.io/warn": "restricted",
        },
      },
    },
    serviceAccount: {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { name: GATEWAY_NAME, namespace: ns, labels: commonLabels() },
      // The gateway never talks to the Kubernetes API: no token in the pod.
      automountServiceAccountToken: false,
    },
    configMap: {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: GATEWAY_CONFIGMAP_NAME, namespace: ns, labels: commonLabels() },
      data: { "openclaw.json": configJson },
    },
    pvc: persistentVolumeClaim(STATE_VOLUME, cfg, commonLabels(), cfg.kubernetes.stateVolumeGiB),
    preUpgradePvc: preUpgradeClaim(cfg),
    deployment: gatewayDeployment(spec, cfg, configJson),
    service: {
      apiVersion: "v1",
      kind: "Service",
      metadata: {
        name: GATEWAY_NAME,
        namespace: ns,
        labels: commonLabels(),
        // The metrics path sits behind the gateway token: the scraper needs `authorization: Bearer` (docs/kubernetes.md).
        ...(cfg.kubernetes.prometheusScrape && cfg.kubernetes.prometheusNamespace
          ? {
              annotations: {
                "prometheus.io/scrape": "true",
                "prometheus.io/path": PROMETHEUS_PATH,
                "prometheus.io/port": String(gatewayPort(spec)),
              },
            }
          : {}),
      },
      spec: {
        type: "ClusterIP",
        selector: gatewayLabels(),
        ports: [{ name: "http", port: gatewayPort(spec), targetPort: "http", protocol: "TCP" }],
      },
    },
    networkPolicy: gatewayNetworkPolicy(spec, cfg),
    // The gateway's and Caddy's own policies open exactly their paths; everything else in the namespace is shut.
    defaultDeny: {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name: "default-deny", namespace: ns, labels: commonLabels() },
      spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
    },
  };
  return m;
}

/** Every manifest in apply order (namespace first). */
export function manifestList(m: K8sManifests): K8sObject[] {
  const list: K8sObject[] = [
    m.namespace,
    m.serviceAccount,
    m.configMap,
    m.pvc,
    m.preUpgradePvc,
    m.deployment,
    m.service,
    m.networkPolicy,
    m.defaultDeny,
  ];
  return [...list, ...m.ingressObjects.map((o) => o.object)];
}

/** `k8s/<kind>-<name>.yaml`, the artifact path `npm run plan` writes each manifest to. */
export function manifestPath(obj: K8sObject): string {
  return `k8s/${(obj.kind ?? "object").toLowerCase()}-${obj.metadata?.name ?? "unnamed"}.yaml`;
}
