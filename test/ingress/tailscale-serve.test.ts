import { describe, expect, it } from "vitest";
import { renderServeConfig, renderServeConfigJson, servesFunnel } from "../../components/ingress/tailscale-serve";

describe("renderServeConfig", () => {
  it("serves HTTPS :443 on the tailnet to the gateway's private address", () => {
    const doc = renderServeConfig({ target: "http://172.30.89.2:18789" });
    expect(doc).toEqual({
      TCP: { "443": { HTTPS: true } },
      Web: { "${TS_CERT_DOMAIN}:443": { Handlers: { "/": { Proxy: "http://172.30.89.2:18789" } } } },
    });
  });

  it("never carries AllowFunnel, in the object or the JSON", () => {
    const json = renderServeConfigJson({ target: "http://172.30.89.2:18789" });
    expect(json).not.toMatch(/funnel/i);
    expect(servesFunnel(JSON.parse(json))).toBe(false);
  });

  it.each([
    ["https target (TLS ends at tailscaled)", "https://172.30.89.2:18789"],
    ["no port", "http://172.30.89.2"],
    ["a path", "http://172.30.89.2:18789/ui"],
  ])("rejects a %s", (_name, target) => {
    expect(() => renderServeConfig({ target })).toThrow(/must be http:\/\/<address>:<port>/);
  });
});

describe("servesFunnel", () => {
  it.each([
    [{ AllowFunnel: { "x.ts.net:443": true } }, true],
    [{ AllowFunnel: { "x.ts.net:443": false } }, false],
    [{ TCP: {} }, false],
    [null, false],
  ])("%j -> %s", (doc, expected) => {
    expect(servesFunnel(doc)).toBe(expected);
  });
});
