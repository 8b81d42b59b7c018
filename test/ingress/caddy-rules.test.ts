/** The caddy mode's own config rules: basic auth only where its secret reaches Caddy. */
import { describe, expect, it } from "vitest";
import { parseStackConfig } from "../../components/config/schema";
import { BASE_VALUES } from "../helpers/config";

const K8S_CADDY = {
  ...BASE_VALUES,
  target: "kubernetes",
  ingress: "caddy",
  kubernetes: { trustedProxyCidrs: ["10.244.0.0/16"] },
};

function parse(values: Record<string, unknown>, secretKeys: string[] = []) {
  return parseStackConfig({ stack: "k8s", values, secretKeys: new Set(secretKeys) });
}

describe("caddy basic auth on kubernetes", () => {
  it.each([
    ["left at its default (on)", { domain: "gateway.example.com", acmeEmail: "ops@example.com" }],
    ["switched on", { domain: "gateway.example.com", acmeEmail: "ops@example.com", basicAuth: { enabled: true } }],
  ])("is rejected when %s: no Secret would carry the hash to the pod", (_n, caddy) => {
    const r = parse({ ...K8S_CADDY, caddy, caddyBasicAuthHash: "x" }, ["caddyBasicAuthHash"]);
    expect(r.ok).toBe(false);
    const p = r.ok ? undefined : r.problems.find((x) => x.key === "openclaw:caddy.basicAuth.enabled");
    expect(p?.value).toBe("true");
    expect(p?.message).toMatch(/set openclaw:caddy.basicAuth.enabled to false on kubernetes/);
  });

  it("is accepted when off on kubernetes, and on a VM where the host delivers the hash", () => {
    const off = { domain: "gateway.example.com", acmeEmail: "ops@example.com", basicAuth: { enabled: false } };
    expect(parse({ ...K8S_CADDY, caddy: off }).ok).toBe(true);
    const vm = parse(
      {
        ...BASE_VALUES,
        ingress: "caddy",
        network: { egress: "public-ip" },
        caddy: { domain: "gateway.example.com", acmeEmail: "ops@example.com" },
        caddyBasicAuthHash: "x",
      },
      ["caddyBasicAuthHash"],
    );
    expect(vm.ok).toBe(true);
  });
});
