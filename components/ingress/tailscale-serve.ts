/**
 * The `tailscale serve` configuration (the JSON file containerboot reads from TS_SERVE_CONFIG): HTTPS on :443,
 * on the tailnet only, proxied to the gateway's private address. Pure.
 *
 * Funnel (public internet exposure) is never enabled: the `AllowFunnel` map is not rendered at all, and the
 * policy pack rejects any serve config that carries it (see the report for the proposed policy).
 */

export interface ServeConfigInput {
  /** Where tailscaled proxies to, e.g. "http://172.30.89.2:18789". */
  target: string;
  /** Tailnet HTTPS port. @default 443 */
  httpsPort?: number;
}

export interface ServeConfig {
  TCP: Record<string, { HTTPS: true }>;
  Web: Record<string, { Handlers: Record<string, { Proxy: string }> }>;
  AllowFunnel?: never;
}

/**
 * containerboot substitutes `${TS_CERT_DOMAIN}` with the node's MagicDNS name (<hostname>.<tailnet>.ts.net)
 * once it has joined, so the file needs no knowledge of the tailnet name.
 */
export const TS_CERT_DOMAIN = "${TS_CERT_DOMAIN}";

export function renderServeConfig(input: ServeConfigInput): ServeConfig {
  const port = String(input.httpsPort ?? 443);
  if (!/^http:\/\/[^/]+:\d+$/.test(input.target)) {
    throw new Error(
      `serve target "${input.target}" must be http://<address>:<port> (TLS ends at tailscaled; the hop to the gateway is on the private network)`,
    );
  }
  return {
    TCP: { [port]: { HTTPS: true } },
    Web: { [`${TS_CERT_DOMAIN}:${port}`]: { Handlers: { "/": { Proxy: input.target } } } },
  };
}

export function renderServeConfigJson(input: ServeConfigInput): string {
  return `${JSON.stringify(renderServeConfig(input), null, 2)}\n`;
}

/** True when a serve config (as parsed JSON) would expose anything through Funnel; for tests and policies. */
export function servesFunnel(doc: unknown): boolean {
  if (!doc || typeof doc !== "object") return false;
  const allow = (doc as { AllowFunnel?: unknown }).AllowFunnel;
  return !!allow && typeof allow === "object" && Object.values(allow).some((v) => v === true);
}
