/**
 * Tailscale: the gateway is reachable on the tailnet only, through a Tailscale node in front of it (a compose
 * sidecar on the VM, the Tailscale operator's Ingress on Kubernetes). No inbound port is opened anywhere.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { Ingress } from "kubernetes-types/networking/v1";
import type { RuleIssue } from "../../config/sections/kubernetes";
import type { StackConfig } from "../../config/schema";
import { type ContainerSpec, LOCKDOWN, scratch } from "../../container/spec";
import { commonLabels, GATEWAY_NAME } from "../../gateway-k8s/objects";
import {
  bindVolume,
  INGRESS_ENV_FILE,
  INGRESS_SUBNET,
  GATEWAY_ADDRESS,
  PROXY_ADDRESS,
  PROXY_OWNER,
  PROXY_USER,
  tailnetHostname,
  upstreamUrl,
  type IngressPlan,
} from "../plan";
import { TailnetAuthKey } from "../tailscale-key";
import { renderServeConfigJson } from "../tailscale-serve";
import type { IngressConfigView, IngressModule, VmIngressInput } from "./mode";
import { proxyTrustIssues } from "./shared";
import { CONFIG_DIR as HOST_CONFIG_DIR } from "../../gateway-vm/layout";

const TAILSCALE_HEALTH = "127.0.0.1:9002";
export const TS_AUTHKEY_ENV = "TS_AUTHKEY";
export const SERVE_CONFIG_HOST_PATH = `${HOST_CONFIG_DIR}/tailscale/serve.json`;

export const tailscaleIngress: IngressModule = {
  name: "tailscale",
  configIssues,
  secretProblems: () => [],
  network: {
    egressRules: [
      {
        description: "Tailscale direct connections (WireGuard)",
        protocol: "udp",
        fromPort: 41641,
        toPort: 41641,
        cidrBlocks: ["0.0.0.0/0"],
        ipv6CidrBlocks: ["::/0"],
      },
      {
        description: "Tailscale STUN",
        protocol: "udp",
        fromPort: 3478,
        toPort: 3478,
        cidrBlocks: ["0.0.0.0/0"],
        ipv6CidrBlocks: ["::/0"],
      },
    ],
  },
  vm: tailscalePlan,
  vmSecrets: (plan, { name, kmsKeyArn, tags }) => {
    const out: Record<string, pulumi.Input<string>> = {};
    for (const s of plan.secretEnv) {
      if (s.source === "tailnet-key" && plan.tailscale) {
        out[s.name] = new TailnetAuthKey(`${name}-tailnet-key`, {
          aclTags: plan.tailscale.tags,
          expirySeconds: plan.tailscale.keyExpirySeconds,
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
      allowedOrigins: [`https://${tailnetHostname(cfg)}.${cfg.tailscale.tailnetDnsName}`],
      trustedProxies: cfg.kubernetes.trustedProxyCidrs,
      allowTailscale: false,
    },
    gatewayPeers: [
      {
        namespaceSelector: {
          matchLabels: { "kubernetes.io/metadata.name": cfg.kubernetes.tailscaleOperatorNamespace },
        },
      },
    ],
    objects: (_spec, c) => {
      const ns = c.kubernetes.namespace;
      const host = tailnetHostname(c);
      const ingress: Ingress = {
        apiVersion: "networking.k8s.io/v1",
        kind: "Ingress",
        metadata: { name: GATEWAY_NAME, namespace: ns, labels: commonLabels() },
        spec: {
          // The Tailscale operator serves it on the tailnet only (https://<host>.<tailnet>), never Funnel.
          ingressClassName: "tailscale",
          defaultBackend: { service: { name: GATEWAY_NAME, port: { name: "http" } } },
          tls: [{ hosts: [host] }],
        },
      };
      return [{ id: "ingress", object: ingress, after: ["service"] }];
    },
  }),
};

function configIssues(c: IngressConfigView): RuleIssue[] {
  const issues = proxyTrustIssues(c);
  if (c.target !== "docker" && !c.tailscale.tailnetDnsName) {
    issues.push({
      path: ["tailscale", "tailnetDnsName"],
      input: undefined,
      message:
        "is required when ingress is tailscale: the Control UI's allowed origin is https://<host>.<tailnetDnsName>",
    });
  }
  return issues;
}

/**
 * The Tailscale node's one container spec. Userspace networking: no /dev/net/tun and no NET_ADMIN, so it runs as
 * the gateway's uid with no capability; serve's proxy dials the gateway over the private bridge.
 */
export function tailscaleContainerSpec(cfg: StackConfig): ContainerSpec {
  const hostname = tailnetHostname(cfg);
  return {
    name: "openclaw-tailscale",
    image: cfg.tailscale.image,
    hostname,
    user: PROXY_USER,
    ...LOCKDOWN,
    tmpfs: [scratch("/tmp", 16)],
    mounts: [
      { name: "state", mountPath: "/var/lib/tailscale", readOnly: false },
      { name: "serve", mountPath: "/etc/tailscale", readOnly: true, file: "serve.json" },
    ],
    env: {
      TS_HOSTNAME: hostname,
      TS_STATE_DIR: "/var/lib/tailscale",
      TS_USERSPACE: "true",
      TS_SERVE_CONFIG: "/etc/tailscale/serve.json",
      // The key is single-use: log in with it only when the state holds no node key yet.
      TS_AUTH_ONCE: "true",
      TS_ACCEPT_DNS: "false",
      TS_SOCKET: "/tmp/tailscaled.sock",
      TS_ENABLE_HEALTH_CHECK: "true",
      TS_LOCAL_ADDR_PORT: TAILSCALE_HEALTH,
      HOME: "/tmp",
    },
    // The auth key arrives in the sidecar's own env file, never in the spec or a rendered file.
    secretEnv: [],
    ports: [],
    resources: { memoryMiB: 256, cpus: 0.5, pidsLimit: 128 },
    healthcheck: {
      command: ["wget", "-q", "-O", "/dev/null", `http://${TAILSCALE_HEALTH}/healthz`],
      intervalSeconds: 30,
      timeoutSeconds: 5,
      retries: 3,
      startPeriodSeconds: 60,
    },
  };
}

function tailscalePlan(cfg: StackConfig, { dataDir }: VmIngressInput): IngressPlan {
  const t = cfg.tailscale;
  const hostname = tailnetHostname(cfg);
  const serveJson = renderServeConfigJson({ target: upstreamUrl });
  const stateDir = `${dataDir}/tailscale`;
  const origin = t.tailnetDnsName ? `https://${hostname}.${t.tailnetDnsName}` : undefined;
  const tailscale = {
    spec: tailscaleContainerSpec(cfg),
    options: {
      sources: { state: "tailscale-state", serve: SERVE_CONFIG_HOST_PATH },
      envFile: INGRESS_ENV_FILE,
      address: PROXY_ADDRESS,
      afterGateway: true,
    },
  };
  return {
    mode: "tailscale",
    facts: {
      allowedOrigins: origin ? [origin] : [],
      trustedProxies: [PROXY_ADDRESS],
      // A serve route run outside the gateway (this sidecar) is the gateway's "externally managed Serve" path:
      // per docs/gateway/tailscale.md allowTailscale "cannot provide tokenless auth" there, so it stays off and
      // the token (plus trustedProxies) does the work.
      allowTailscale: false,
    },
    compose: {
      sidecars: { tailscale },
      extraVolumes: { "tailscale-state": bindVolume(stateDir) },
      subnet: INGRESS_SUBNET,
      gatewayAddress: GATEWAY_ADDRESS,
      publishPort: true,
    },
    securityGroupIngress: [],
    artifacts: { "tailscale/serve.json": serveJson },
    hostFiles: [{ path: SERVE_CONFIG_HOST_PATH, content: serveJson, permissions: "0644" }],
    hostDirs: [{ path: stateDir, owner: PROXY_OWNER, mode: "0700" }],
    secretEnv: [{ name: TS_AUTHKEY_ENV, source: "tailnet-key" }],
    tailscale: { hostname, tags: [...t.tags], keyExpirySeconds: t.keyExpirySeconds, origin },
  };
}
