/**
 * What the rendered NetworkPolicies let through, evaluated the way a CNI does (for the selected pods: a
 * connection is allowed when some rule matches its peer and port). Egress on 443 reaches the internet only,
 * not the API server, in-cluster Services or the metadata endpoint; the Prometheus scrape annotation is there
 * exactly when the scraper's namespace is admitted.
 */
import type { NetworkPolicy, NetworkPolicyPeer } from "kubernetes-types/networking/v1";
import { describe, expect, it } from "vitest";
import { renderK8s } from "../../components/gateway-k8s/manifests";
import { gatewayContainerSpec } from "../../components/container/spec";
import { testConfig } from "../helpers/config";

const K8S = { target: "kubernetes", kubernetes: { trustedProxyCidrs: ["10.244.0.0/16"] } };
const CADDY = {
  ingress: "caddy",
  caddy: { domain: "gateway.example.com", acmeEmail: "ops@example.com", basicAuth: { enabled: false } },
};

function render(values: Record<string, unknown> = {}) {
  const cfg = testConfig({ ...K8S, ...values });
  return renderK8s({ cfg, spec: gatewayContainerSpec(cfg), configJson: "{}" });
}

const ip = (s: string) => s.split(".").reduce((a, o) => a * 256 + Number(o), 0);
function inCidr(addr: string, cidr: string): boolean {
  const [base, p] = cidr.split("/");
  const size = 2 ** (32 - Number(p));
  return Math.floor(ip(addr) / size) === Math.floor(ip(base) / size);
}

/** A destination outside the cluster's pod selectors: only ipBlock peers can match it. */
function egressAllowed(np: NetworkPolicy, addr: string, port: number): boolean {
  return (np.spec!.egress ?? []).some(
    (rule) =>
      (rule.ports ?? []).some((p) => p.port === port && p.protocol === "TCP") &&
      (rule.to ?? []).some(
        (peer) =>
          peer.ipBlock !== undefined &&
          inCidr(addr, peer.ipBlock.cidr) &&
          !(peer.ipBlock.except ?? []).some((e) => inCidr(addr, e)),
      ),
  );
}

/** A pod in namespace `ns` (labelled as Kubernetes labels every namespace) connecting to `port`. */
function ingressAllowedFromNamespace(np: NetworkPolicy, ns: string, port: number): boolean {
  const matches = (peer: NetworkPolicyPeer) =>
    peer.namespaceSelector?.matchLabels?.["kubernetes.io/metadata.name"] === ns && peer.podSelector === undefined;
  return (np.spec!.ingress ?? []).some(
    (rule) => (rule.ports ?? []).some((p) => p.port === port) && (rule.from ?? []).some(matches),
  );
}

describe("HTTPS egress reaches the internet, not the cluster", () => {
  const destinations: [string, string, boolean][] = [
    ["the API server's Service address (10.96.0.1)", "10.96.0.1", false],
    ["an EKS Service address (172.20.0.10)", "172.20.0.10", false],
    ["a node or pod on 192.168.x", "192.168.3.4", false],
    ["a CGNAT-range pod (100.64.1.2)", "100.64.1.2", false],
    ["the cloud metadata endpoint", "169.254.169.254", false],
    ["a public LLM API address", "160.79.104.10", true],
    ["another public address", "8.8.8.8", true],
  ];
  it.each(["tailscale", "caddy"])("%s: gateway and (with caddy) Caddy policies", (mode) => {
    const m = render(mode === "caddy" ? CADDY : {});
    const policies = [
      m.networkPolicy,
      ...m.ingressObjects.flatMap((o) => (o.object.kind === "NetworkPolicy" ? [o.object as NetworkPolicy] : [])),
    ];
    expect(policies).toHaveLength(mode === "caddy" ? 2 : 1);
    for (const np of policies) {
      for (const [what, addr, allowed] of destinations)
        expect(egressAllowed(np, addr, 443), `${np.metadata!.name} -> ${what}:443`).toBe(allowed);
      expect(egressAllowed(np, "8.8.8.8", 80)).toBe(false);
    }
  });

  it("is configurable: a service CIDR in public space can be excluded, and IMDS stays excluded", () => {
    const np = render({ kubernetes: { ...K8S.kubernetes, egressExcludedCidrs: ["198.19.0.0/16"] } }).networkPolicy;
    expect(egressAllowed(np, "198.19.0.1", 443)).toBe(false);
    expect(egressAllowed(np, "169.254.169.254", 443)).toBe(false);
    expect(egressAllowed(np, "10.96.0.1", 443)).toBe(true);
  });
});

describe("the Prometheus scrape annotation is advertised only when the scraper can reach the gateway", () => {
  it.each([
    ["default", {}],
    ["prometheusScrape with a namespace", { prometheusScrape: true, prometheusNamespace: "monitoring" }],
    ["prometheusScrape with another namespace", { prometheusScrape: true, prometheusNamespace: "observability" }],
  ])("%s", (_, k) => {
    const m = render({ kubernetes: { ...K8S.kubernetes, ...k } });
    const annotations = m.service.metadata!.annotations ?? {};
    const advertised = annotations["prometheus.io/scrape"] === "true";
    const ns = (k as { prometheusNamespace?: string }).prometheusNamespace ?? "monitoring";
    const port = Number(annotations["prometheus.io/port"] ?? 18789);
    expect(ingressAllowedFromNamespace(m.networkPolicy, ns, port)).toBe(advertised);
    // The ingress path itself is unchanged either way.
    expect(ingressAllowedFromNamespace(m.networkPolicy, "tailscale", 18789)).toBe(true);
    expect(ingressAllowedFromNamespace(m.networkPolicy, "default", 18789)).toBe(false);
  });
});
