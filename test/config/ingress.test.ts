import { describe, expect, it } from "vitest";
import { parseStackConfig } from "../../components/config/schema";
import { BASE_VALUES, testConfig } from "../helpers/config";

describe("openclaw:tailscale / openclaw:caddy images", () => {
  it("default to pinned tags", () => {
    const cfg = testConfig();
    expect(cfg.tailscale.image).toMatch(/^tailscale\/tailscale:v\d+\.\d+\.\d+$/);
    expect(cfg.caddy.image).toMatch(/^caddy:\d+\.\d+\.\d+$/);
  });

  it.each([
    ["tailscale", "tailscale/tailscale:latest", /moving tag 'latest'/],
    ["tailscale", "tailscale/tailscale", /no tag or digest/],
    ["caddy", "caddy", /no tag or digest/],
    ["caddy", "caddy:latest", /moving tag 'latest'/],
    ["caddy", "Caddy:2", /not a valid image reference/],
  ])("rejects openclaw:%s.image = %s, naming the key", (section, image, message) => {
    const r = parseStackConfig({
      stack: "t",
      values: { ...BASE_VALUES, [section]: { ...(BASE_VALUES[section] as object), image } },
      secretKeys: new Set(),
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const p = r.problems.find((x) => x.key === `openclaw:${section}.image`);
    expect(p?.message).toMatch(message);
    expect(p?.value).toBe(JSON.stringify(image));
  });

  it("accepts a digest pin", () => {
    const digest = `caddy@sha256:${"a".repeat(64)}`;
    expect(testConfig({ caddy: { image: digest } }).caddy.image).toBe(digest);
  });
});
