/**
 * Caddy: a public HTTPS endpoint (Let's Encrypt certificate, optional basic auth) in front of the gateway, as a
 * compose sidecar on the VM or a Deployment behind a LoadBalancer Service on Kubernetes. It is the only mode
 * that opens inbound ports (443 and 80) and needs a public address.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { Probe } from "kubernetes-types/core/v1";
import type { NetworkPolicy } from "kubernetes-types/networking/v1";
import type { ConfigProblem, SecretConfigKey, StackConfig } from "../../config/schema";
import type { RuleIssue } from "../../config/sections/kubernetes";
import {
  type ContainerSpec,
  GATEWAY_PORT,
  type GatewayContainerSpec,
  gatewayPort,
  LOCKDOWN,
  scratch,
} from "../../container/spec";
import {
  commonLabels,
  componentLabels,
  configMap,
  egressDnsAndHttps,
  gatewayLabels,
  loadBalancerService,
  type ModeObject,
  persistentVolumeClaim,
  proxyDeployment,
} from "../../gateway-k8s/objects";
import { CaddyBasicAuthSecret } from "../basic-auth-secret";
import {
  BASIC_AUTH_HASH_ENV,
  CADDY_HEALTH_PORT,
  CADDY_HTTP_PORT,
  CADDY_HTTPS_PORT,
  renderCaddyfile,
} from "../caddyfile";
import {
  bindVolume,
  GATEWAY_ADDRESS,
  INGRESS_ENV_FILE,
  INGRESS_SUBNET,
  type IngressPlan,
  PROXY_ADDRESS,
  PROXY_OWNER,
  PROXY_USER,
} from "../plan";
import type { IngressConfigView, IngressModule, K8sIngress, VmIngressInput } from "./mode";
import { proxyTrustIssues } from "./shared";
import { CONFIG_DIR as HOST_CONFIG_DIR } from "../../gateway-vm/layout";

export const CADDY_NAME = "openclaw-caddy";
export const CADDYFILE_HOST_PATH = `${HOST_CONFIG_DIR}/caddy/Caddyfile`;
const CADDY_COMPONENT = "caddy";

/**
 * Caddy's one container spec, for the VM's compose file and the Kubernetes Deployment alike. It listens on
 * unprivileged ports (Docker and the Service map 443/80 onto them), so it runs as the gateway's uid with no
 * capability; its admin API is off, so the only writable places are its certificate store and two scratch tmpfs.
 */
export function caddyContainerSpec(cfg: StackConfig): ContainerSpec {
  const anywhere = "0.0.0.0";
  return {
    name: CADDY_NAME,
    image: cfg.caddy.image,
    command: ["caddy", "run", "--config", "/etc/caddy/Caddyfile", "--adapter", "caddyfile"],
    user: PROXY_USER,
    ...LOCKDOWN,
    tmpfs: [
      scratch("/tmp", 16),
      // Caddy autosaves its adapted config here; it is rebuilt from the Caddyfile on every start.
      scratch("/config", 8),
    ],
    mounts: [
      // Certificates and the ACME account: losing them on every restart would run into Let's Encrypt rate limits.
      { name: "data", mountPath: "/data", readOnly: false },
      { name: "caddyfile", mountPath: "/etc/caddy", readOnly: true, file: "Caddyfile" },
    ],
    env: { XDG_DATA_HOME: "/data", XDG_CONFIG_HOME: "/config", HOME: "/tmp" },
    // The bcrypt hash arrives in the sidecar's own env file (VM); never in the spec or a rendered file.
    secretEnv: [],
    ports: [
      { name: "https", container: CADDY_HTTPS_PORT, publish: { hostIp: anywhere, host: 443 } },
      { name: "http", container: CADDY_HTTP_PORT, publish: { hostIp: anywhere, host: 80 } },
    ],
    resources: { memoryMiB: 256, cpus: 0.5, pidsLimit: 128, requests: { memoryMiB: 64, cpus: 0.05 } },
    healthcheck: {
      command: ["wget", "-q", "-O", "/dev/null", `http://127.0.0.1:${CADDY_HEALTH_PORT}/`],
      intervalSeconds: 30,
      timeoutSeconds: 5,
      retries: 3,
      startPeriodSeconds: 20,
    },
  };
}

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
  kubernetes: caddyKubernetes,
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
  if (c.target === "kubernetes" && c.caddy.basicAuth.enabled) {
    // The bcrypt hash reaches Caddy through the VM's own env file; no Kubernetes Secret carries it to the pod, so
    // the Caddyfile's {env.CADDY_BASIC_AUTH_HASH} would be empty there.
    issues.push({
      path: ["caddy", "basicAuth", "enabled"],
      input: true,
      message:
        "basic auth in front of Caddy is only delivered on target vm: set openclaw:caddy.basicAuth.enabled to false on kubernetes (the gateway token still protects every request)",
    });
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

function caddyPlan(cfg: StackConfig, { dataDir }: VmIngressInput): IngressPlan {
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
  const anywhere = { cidrBlocks: ["0.0.0.0/0"], ipv6CidrBlocks: ["::/0"] };
  return {
    mode: "caddy",
    facts: { allowedOrigins: [`https://${c.domain}`], trustedProxies: [PROXY_ADDRESS], allowTailscale: false },
    compose: {
      sidecars: {
        caddy: {
          spec: caddyContainerSpec(cfg),
          options: {
            sources: { data: "caddy-data", caddyfile: CADDYFILE_HOST_PATH },
            envFile: c.basicAuth.enabled ? INGRESS_ENV_FILE : undefined,
            address: PROXY_ADDRESS,
            afterGateway: true,
          },
        },
      },
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
    hostDirs: [{ path: certDir, owner: PROXY_OWNER, mode: "0700" }],
    secretEnv: c.basicAuth.enabled ? [{ name: BASIC_AUTH_HASH_ENV, source: "caddyBasicAuthHash" }] : [],
  };
}

function caddyKubernetes(cfg: StackConfig): K8sIngress {
  return {
    // Proxies reach the gateway from the pod network: the gateway trusts exactly the configured pod CIDRs.
    facts: {
      allowedOrigins: [`https://${cfg.caddy.domain}`],
      trustedProxies: cfg.kubernetes.trustedProxyCidrs,
      allowTailscale: false,
    },
    gatewayPeers: [{ podSelector: { matchLabels: componentLabels(CADDY_COMPONENT) } }],
    objects: (gateway, c) => caddyObjects(gateway, c),
  };
}

function caddyObjects(gateway: GatewayContainerSpec, cfg: StackConfig): ModeObject[] {
  const ns = cfg.kubernetes.namespace;
  const selector = componentLabels(CADDY_COMPONENT);
  const labels = { ...selector, ...commonLabels() };
  const spec = caddyContainerSpec(cfg);
  const caddyfile = renderCaddyfile({
    domain: cfg.caddy.domain!,
    acmeEmail: cfg.caddy.acmeEmail!,
    upstream: `openclaw-gateway:${GATEWAY_PORT}`,
    basicAuth: cfg.caddy.basicAuth.enabled ? { username: cfg.caddy.basicAuth.username } : undefined,
    maxRequestBodyMiB: cfg.caddy.maxRequestBodyMiB,
    httpPort: CADDY_HTTP_PORT,
    httpsPort: CADDY_HTTPS_PORT,
  });
  // A TCP probe: Caddy's admin API (the only HTTP health endpoint) must stay on localhost, where it cannot be reconfigured.
  const tcpProbe: Probe = { tcpSocket: { port: "https" }, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 };
  const networkPolicy: NetworkPolicy = {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name: CADDY_NAME, namespace: ns, labels: commonLabels() },
    spec: {
      podSelector: { matchLabels: selector },
      policyTypes: ["Ingress", "Egress"],
      ingress: [{ ports: spec.ports.map((p) => ({ protocol: "TCP", port: p.container })) }],
      egress: [
        ...(egressDnsAndHttps(cfg) ?? []),
        {
          to: [{ podSelector: { matchLabels: gatewayLabels() } }],
          ports: [{ protocol: "TCP", port: gatewayPort(gateway) }],
        },
      ],
    },
  };
  const inNamespace = ["namespace"];
  return [
    { id: "caddy-config", object: configMap(CADDY_NAME, ns, labels, { Caddyfile: caddyfile }), after: inNamespace },
    { id: "caddy-data", object: persistentVolumeClaim(`${CADDY_NAME}-data`, cfg, labels, 1), after: inNamespace },
    { id: "caddy-netpol", object: networkPolicy, after: inNamespace },
    {
      id: "caddy-deployment",
      object: proxyDeployment({
        name: CADDY_NAME,
        namespace: ns,
        selector,
        spec,
        container: "caddy",
        probes: { liveness: tcpProbe, readiness: tcpProbe },
        volumes: {
          data: { persistentVolumeClaim: { claimName: `${CADDY_NAME}-data` } },
          caddyfile: { configMap: { name: CADDY_NAME, defaultMode: 0o440 } },
        },
        configText: caddyfile,
      }),
      after: ["caddy-config", "caddy-data", "caddy-netpol", "sa", "service"],
    },
    { id: "caddy-service", object: loadBalancerService(CADDY_NAME, ns, selector, spec), after: inNamespace },
  ];
}
