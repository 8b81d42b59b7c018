import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { renderGatewayConfig } from "../../components/gateway-config/render";
import { testConfig } from "../helpers/config";

/** Every key path of a JSON object, e.g. gateway.auth.rateLimit.windowMs. */
function keyPaths(o: unknown, prefix = ""): string[] {
  if (!o || typeof o !== "object" || Array.isArray(o)) return [prefix];
  return Object.entries(o).flatMap(([k, v]) => keyPaths(v, prefix ? `${prefix}.${k}` : k));
}

describe("openclaw.json", () => {
  const facts = { allowedOrigins: ["https://gw.example.com"], trustedProxies: ["172.30.89.3"], allowTailscale: false };
  const doc = renderGatewayConfig(testConfig(), facts) as any;

  it("uses token auth with a rate limit, never a token literal", () => {
    expect(doc.gateway.auth.mode).toBe("token");
    expect(doc.gateway.auth.token).toBeUndefined();
    expect(doc.gateway.auth.rateLimit).toEqual({
      maxAttempts: 10,
      windowMs: 60000,
      lockoutMs: 300000,
      exemptLoopback: false,
    });
  });

  it("trusts exactly the proxy and allows exactly the ingress origin", () => {
    expect(doc.gateway.trustedProxies).toEqual(["172.30.89.3"]);
    expect(doc.gateway.controlUi.allowedOrigins).toEqual(["https://gw.example.com"]);
    expect(doc.gateway.tailscale.mode).toBe("off");
  });

  it("omits trustedProxies when nothing fronts it", () => {
    expect(renderGatewayConfig(testConfig(), { ...facts, trustedProxies: [] }).gateway.trustedProxies).toBeUndefined();
  });

  // The fixture was accepted by `openclaw config validate` on the pinned gateway (e2e/fixtures): rendering a key
  // outside that validated set risks a config the gateway rejects at start (it refuses unknown keys).
  it("renders only keys the real gateway validated", () => {
    const fixture = JSON.parse(
      fs.readFileSync(path.join(__dirname, "../../e2e/fixtures/openclaw.locked.json"), "utf8"),
    );
    const validated = new Set(keyPaths(fixture));
    const extra = keyPaths(doc).filter((k) => !validated.has(k) && !k.startsWith("gateway.auth.allowTailscale"));
    expect(extra).toEqual([]);
  });
});
