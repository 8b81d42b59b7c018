import { describe, expect, it } from "vitest";
import { parseStackConfig } from "../../components/config/schema";
import { kubernetesSection } from "../../components/config/sections/kubernetes";
import { ingressConfigIssues } from "../../components/ingress/modes/registry";
import { BASE_VALUES } from "../helpers/config";

describe("openclaw:kubernetes", () => {
  it("has safe defaults", () => {
    const k = kubernetesSection.parse(undefined);
    expect(k).toMatchObject({
      namespace: "openclaw",
      stateVolumeGiB: 10,
      tailscaleOperatorNamespace: "tailscale",
      trustedProxyCidrs: [],
      prometheusScrape: false,
    });
    expect(k.egressExcludedCidrs).toEqual(expect.arrayContaining(["10.0.0.0/8", "172.16.0.0/12", "169.254.0.0/16"]));
  });

  it.each([
    [{ namespace: "Open_Claw" }, "namespace", /DNS label/],
    [{ stateVolumeGiB: 0 }, "stateVolumeGiB", /at least 1/],
    [{ trustedProxyCidrs: ["10.244.0.0"] }, "trustedProxyCidrs", /IPv4 CIDR/],
    [{ trustedProxyCidrs: ["0.0.0.0/0"] }, "trustedProxyCidrs", /wider than \/8/],
    [{ probes: { periodSeconds: 0 } }, "probes", /at least 1/],
    [{ prometheusScrape: true }, "prometheusNamespace", /required when prometheusScrape is true/],
    [{ egressExcludedCidrs: ["10.96.0.1/12"] }, "egressExcludedCidrs", /host bits set: .*10\.96\.0\.0\/12/],
    [{ egressExcludedCidrs: ["0.0.0.0/0"] }, "egressExcludedCidrs", /from \/1 to \/32/],
    [{ bogus: 1 }, "", /unrecognized|Unrecognized/],
  ])("rejects %j", (value, key, message) => {
    const r = kubernetesSection.safeParse(value);
    expect(r.success).toBe(false);
    const issue = r.error!.issues[0]!;
    expect(String(issue.path[0] ?? "")).toBe(key);
    expect(issue.message).toMatch(message);
  });
});

describe("ingressConfigIssues: which ingress serves which target", () => {
  it.each([
    ["docker", "none", [], []],
    ["kubernetes", "none", [], ["ingress"]],
    ["vm", "none", [], ["ingress"]],
    ["kubernetes", "tailscale", [], ["kubernetes.trustedProxyCidrs"]],
    ["kubernetes", "tailscale", ["10.244.0.0/16"], []],
    ["kubernetes", "caddy", [], ["kubernetes.trustedProxyCidrs"]],
    ["docker", "tailscale", [], ["ingress"]],
    ["docker", "caddy", [], ["ingress"]],
  ])("target %s ingress %s cidrs %j -> %j", (target, ingress, cidrs, paths) => {
    const issues = ingressConfigIssues({
      target,
      ingress,
      kubernetes: { trustedProxyCidrs: cidrs },
      network: { egress: "public-ip" },
      tailscale: { tailnetDnsName: "tail1234.ts.net" },
      caddy: { domain: "gateway.example.com", acmeEmail: "ops@example.com", basicAuth: { enabled: false } },
    });
    expect(issues.map((i) => i.path.join("."))).toEqual(paths);
    for (const i of issues) expect(i.message).toMatch(/kubernetes|docker|tailscale|caddy/);
  });

  it("ingress none parses as a mode (the rule above restricts it to docker)", () => {
    const r = parseStackConfig({
      stack: "local",
      values: { ...BASE_VALUES, target: "docker", ingress: "none" },
      secretKeys: new Set(),
    });
    expect(r.ok).toBe(true);
  });
});
