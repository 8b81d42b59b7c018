/**
 * Caddy: a public HTTPS endpoint (Let's Encrypt certificate, optional basic auth) in front of the gateway, as a
 * compose sidecar on the VM or a Deployment behind a LoadBalancer Service on Kubernetes. It is the only mode
 * that opens inbound ports (443 and 80) and needs a public address.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { Probe } from "kubernetes-types/core/v1";
import { CaddyBasicAuthSecret } from "../basic-auth-secret";
import type { RuleIssue } from "../../config/sections/kubernetes";
import type { ConfigProblem, SecretConfigKey, StackConfig } from "../../config/schema";
import { containerSecurity } from "../../container/render-k8s";
import {
  CADDY_NAME,
  CONFIG_CHECKSUM_ANNOTATION,
  GATEWAY_NAME,
  caddyLabels,
  commonLabels,
  egressDnsAndHttps,
  gatewayLabels,
  podSecurity,
  type K8sManifests,
} from "../../gateway-k8s/manifests";
import { hardenedSidecar } from "../../container/sidecar";
import { GATEWAY_PORT, type GatewayContainerSpec } from "../../container/spec";
import { sha256 } from "../../util/hash";
import {
  BASIC_AUTH_HASH_ENV,
  CADDY_HEALTH_PORT,
  CADDY_HTTPS_PORT,
  CADDY_HTTP_PORT,
  renderCaddyfile,
} from "../caddyfile";
import {
  bindVolume,
  CADDYFILE_HOST_PATH,
  GATEWAY_ADDRESS,
  INGRESS_ENV_FILE,
  INGRESS_SUBNET,
  PROXY_ADDRESS,
  SIDECAR_UID,
  type IngressPlan,
} from "../plan";
import type { IngressConfigView, IngressModule, VmIngressInput } from "./mode";
import { proxyTrustIssues } from "./shared";

export const caddyIngress: IngressModule = {
  name: "caddy",
  configIssues,
  secretProblems,
  network: {
    egressRules: [],
    publicIpReason: "ingress caddy: serves 443/80 only; the gateway port is bound to the private network",
  },
  vm: caddyPlan,
  vmSecrets: (plan, { name, secrets, kmsKeyArn, tags }) => {
    const out: Record<string, pulumi.Input<string>> = {};
    for (const s of plan.secretEnv) {
      if (s.source === "caddyBasicAuthHash" && secrets.caddyBasicAuthHash) {
        out[s.name] = new CaddyBasicAuthSecret(`${name}-caddy-auth`, {
          hash: secrets.caddyBasicAuthHash,
          kmsKeyId: kmsKeyArn,
          tags,
        }).secretArn;
      }
    }
    return out;
  },
  kubernetes: (cfg) => ({
    // Proxies reach the gateway from the pod network: the gateway trusts exactly the configured pod CIDRs.
    facts: {
      allowedOrigins: [`https://${cfg.caddy.domain}`],
      trustedProxies: cfg.kubernetes.trustedProxyCidrs,
      allowTailscale: false,
    },
    gatewayPeers: [{ podSelector: { matchLabels: caddyLabels() } }],
    objects: (spec, c) => ({
      caddy: caddyManifests(
        spec,
        c,
        renderCaddyfile({
          domain: c.caddy.domain!,
          acmeEmail: c.caddy.acmeEmail!,
          upstream: `openclaw-gateway:${GATEWAY_PORT}`,
          basicAuth: c.caddy.basicAuth.enabled ? { username: c.caddy.basicAuth.username } : undefined,
          maxRequestBodyMiB: c.caddy.maxRequestBodyMiB,
          httpPort: CADDY_HTTP_PORT,
          httpsPort: CADDY_HTTPS_PORT,
        }),
      ),
    }),
  }),
};

function configIssues(c: IngressConfigView): RuleIssue[] {
  const issues = proxyTrustIssues(c);
  for (const key of ["domain", "acmeEmail"] as const) {
    if (!c.caddy[key]) {
      issues.push({
        path: ["caddy", key],
        input: undefined,
        message: "is required when ingress is caddy (TLS certificates are issued for it)",
      });
    }
  }
  if (c.target === "vm" && c.network.egress !== "public-ip") {
    issues.push({
      path: ["network", "egress"],
      input: c.network.egress,
      message:
        "must be public-ip when ingress is caddy on a VM: Caddy needs a public address for 443 (or use ingress tailscale)",
    });
  }
  return issues;
}

function secretProblems(c: StackConfig, secretNames: readonly SecretConfigKey[]): ConfigProblem[] {
  if (c.caddy.basicAuth.enabled && !secretNames.includes("caddyBasicAuthHash")) {
    return [
      {
        key: "openclaw:caddyBasicAuthHash",
        value: "(not set)",
        message:
          "is required when caddy.basicAuth is enabled: run `caddy hash-password` and `pulumi config set --secret openclaw:caddyBasicAuthHash '<hash>'`",
      },
    ];
  }
  return [];
}

function caddyPlan(cfg: StackConfig, { spec, dataDir }: VmIngressInput): IngressPlan {
  const c = cfg.caddy;
  if (!c.domain || !c.acmeEmail) {
    // The schema already requires both for caddy ingress; this guards callers that skipped parseStackConfig.
    throw new Error(
      `openclaw:caddy.domain and openclaw:caddy.acmeEmail are required when openclaw:ingress is caddy (got domain=${c.domain ?? "(not set)"})`,
    );
  }
  const caddyfile = renderCaddyfile({
    domain: c.domain,
    acmeEmail: c.acmeEmail,
    upstream: `${GATEWAY_ADDRESS}:${GATEWAY_PORT}`,
    basicAuth: c.basicAuth.enabled ? { username: c.basicAuth.username } : undefined,
    maxRequestBodyMiB: c.maxRequestBodyMiB,
  });
  const certDir = `${dataDir}/caddy`;
  const caddy = hardenedSidecar(spec, {
    image: c.image,
    user: SIDECAR_UID,
    command: ["caddy", "run", "--config", "/etc/caddy/Caddyfile", "--adapter", "caddyfile"],
    tmpfs: [
      { path: "/tmp", sizeMiB: 16 },
      // Caddy autosaves its adapted config here; it is rebuilt from the Caddyfile on every start.
      { path: "/config", sizeMiB: 8 },
    ],
    volumes: ["caddy-data:/data", `${CADDYFILE_HOST_PATH}:/etc/caddy/Caddyfile:ro`],
    environment: { XDG_DATA_HOME: "/data", XDG_CONFIG_HOME: "/config", HOME: "/tmp" },
    envFile: c.basicAuth.enabled ? INGRESS_ENV_FILE : undefined,
    // Docker publishes the privileged ports onto unprivileged ones, so Caddy runs as uid 1000 with no capability.
    ports: [`0.0.0.0:443:${CADDY_HTTPS_PORT}`, `0.0.0.0:80:${CADDY_HTTP_PORT}`],
    memoryMiB: 256,
    cpus: 0.5,
    pidsLimit: 128,
    healthcheck: {
      command: ["wget", "-q", "-O", "/dev/null", `http://127.0.0.1:${CADDY_HEALTH_PORT}/`],
      intervalSeconds: 30,
      timeoutSeconds: 5,
      retries: 3,
      startPeriodSeconds: 20,
    },
    address: PROXY_ADDRESS,
    dependsOnGateway: true,
  });
  const anywhere = { cidrBlocks: ["0.0.0.0/0"], ipv6CidrBlocks: ["::/0"] };
  return {
    mode: "caddy",
    facts: { allowedOrigins: [`https://${c.domain}`], trustedProxies: [PROXY_ADDRESS], allowTailscale: false },
    compose: {
      sidecars: { caddy },
      extraVolumes: { "caddy-data": bindVolume(certDir) },
      subnet: INGRESS_SUBNET,
      gatewayAddress: GATEWAY_ADDRESS,
      publishPort: true,
    },
    securityGroupIngress: [
      { description: "HTTPS to Caddy", protocol: "tcp", fromPort: 443, toPort: 443, ...anywhere },
      {
        description: "HTTP to Caddy: ACME http-01 challenge and redirect to HTTPS only",
        protocol: "tcp",
        fromPort: 80,
        toPort: 80,
        ...anywhere,
      },
    ],
    artifacts: { "caddy/Caddyfile": caddyfile },
    hostFiles: [{ path: CADDYFILE_HOST_PATH, content: caddyfile, permissions: "0644" }],
    hostDirs: [{ path: certDir, owner: SIDECAR_UID, mode: "0700" }],
    secretEnv: c.basicAuth.enabled ? [{ name: BASIC_AUTH_HASH_ENV, source: "caddyBasicAuthHash" }] : [],
  };
}

function caddyManifests(
  spec: GatewayContainerSpec,
  cfg: StackConfig,
  caddyfile: string,
): NonNullable<K8sManifests["caddy"]> {
  const ns = cfg.kubernetes.namespace;
  const labels = { ...caddyLabels(), ...commonLabels() };
  // A TCP probe: Caddy's admin API (the only HTTP health endpoint) must stay on localhost, where it cannot be reconfigured.
  const tcpProbe: Probe = { tcpSocket: { port: "https" }, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 };
  return {
    configMap: {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: CADDY_NAME, namespace: ns, labels },
      data: { Caddyfile: caddyfile },
    },
    // Certificates and the ACME account: losing them on every restart would run into Let's Encrypt rate limits.
    pvc: {
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      metadata: { name: `${CADDY_NAME}-data`, namespace: ns, labels },
      spec: {
        accessModes: ["ReadWriteOnce"],
        ...(cfg.kubernetes.storageClass ? { storageClassName: cfg.kubernetes.storageClass } : {}),
        resources: { requests: { storage: "1Gi" } },
      },
    },
    deployment: {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: CADDY_NAME, namespace: ns, labels },
      spec: {
        replicas: 1,
        strategy: { type: "Recreate" },
        selector: { matchLabels: caddyLabels() },
        template: {
          metadata: { labels, annotations: { [CONFIG_CHECKSUM_ANNOTATION]: sha256(caddyfile) } },
          spec: {
            serviceAccountName: GATEWAY_NAME,
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: podSecurity(spec),
            containers: [
              {
                name: "caddy",
                image: cfg.caddy.image,
                imagePullPolicy: "Always",
                args: ["caddy", "run", "--config", "/etc/caddy/Caddyfile", "--adapter", "caddyfile"],
                ports: [
                  { name: "http", containerPort: CADDY_HTTP_PORT, protocol: "TCP" },
                  { name: "https", containerPort: CADDY_HTTPS_PORT, protocol: "TCP" },
                ],
                env: [
                  { name: "XDG_DATA_HOME", value: "/data" },
                  { name: "XDG_CONFIG_HOME", value: "/config" },
                ],
                resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
                livenessProbe: tcpProbe,
                readinessProbe: tcpProbe,
                // The gateway's own lockdown: a setting changed in the spec changes here too.
                securityContext: containerSecurity(spec),
                volumeMounts: [
                  { name: "caddyfile", mountPath: "/etc/caddy", readOnly: true },
                  { name: "data", mountPath: "/data" },
                  { name: "config", mountPath: "/config" },
                ],
              },
            ],
            volumes: [
              { name: "caddyfile", configMap: { name: CADDY_NAME, defaultMode: 0o440 } },
              { name: "data", persistentVolumeClaim: { claimName: `${CADDY_NAME}-data` } },
              { name: "config", emptyDir: { medium: "Memory", sizeLimit: "16Mi" } },
            ],
          },
        },
      },
    },
    // The one public entry point: Caddy terminates TLS; the gateway's own Service stays ClusterIP.
    service: {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: CADDY_NAME, namespace: ns, labels },
      spec: {
        type: "LoadBalancer",
        selector: caddyLabels(),
        ports: [
          { name: "http", port: 80, targetPort: "http", protocol: "TCP" },
          { name: "https", port: 443, targetPort: "https", protocol: "TCP" },
        ],
      },
    },
    networkPolicy: {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name: CADDY_NAME, namespace: ns, labels: commonLabels() },
      spec: {
        podSelector: { matchLabels: caddyLabels() },
        policyTypes: ["Ingress", "Egress"],
        ingress: [
          {
            ports: [
              { protocol: "TCP", port: CADDY_HTTP_PORT },
              { protocol: "TCP", port: CADDY_HTTPS_PORT },
            ],
          },
        ],
        egress: [
          ...(egressDnsAndHttps(cfg) ?? []),
          {
            to: [{ podSelector: { matchLabels: gatewayLabels() } }],
            ports: [{ protocol: "TCP", port: spec.port.container }],
          },
        ],
      },
    },
  };
}
