/**
 * The Caddyfile for the public (caddy) ingress, rendered from typed input. Pure: validated by the real Caddy
 * (`caddy validate`) and served in ci/steps/25-caddy-live.sh.
 */

/**
 * Paths the gateway authenticates itself with `Authorization: Bearer <token>` (or a signature / hook token),
 * from the gateway's docs (openclaw 2026.9.6, docs/gateway/*.md):
 * - `/tools/*`  tools-invoke-http-api.md (`POST /tools/invoke`)
 * - `/v1/*`     openai-http-api.md and openresponses-http-api.md (`/v1/chat/completions`, `/v1/models`,
 *               `/v1/embeddings`, `/v1/responses`)
 * - `/api/*`    prometheus.md (`/api/diagnostics/prometheus`), plugins/admin-http-rpc.md (`/api/v1/admin/rpc`),
 *               `/api/channels/*` (tailscale.md: "always follow the gateway's normal HTTP auth mode")
 * - `/hooks/*`  config-hooks.md ("Authorization: Bearer <token> or x-openclaw-token"; default `hooks.path`)
 * Basic auth uses the same `Authorization` header, so putting it in front of these paths would make every API
 * call fail (openclaw.md "Auth"). They stay outside basic auth and are protected by the gateway token, which is
 * rate-limited (`gateway.auth.rateLimit`). The Control UI's WebSocket stays inside basic auth: its token
 * travels in the connect message, and browsers resend cached basic credentials on a same-origin upgrade.
 */
export const GATEWAY_BEARER_PATHS = ["/tools/*", "/v1/*", "/api/*", "/hooks/*"] as const;

/** Unauthenticated liveness, for an external uptime check; the gateway answers it without auth. */
export const PUBLIC_HEALTH_PATH = "/healthz";

/** Env var (from the sidecar's env file) holding the bcrypt hash; Caddy resolves `{env.*}` when it loads. */
export const BASIC_AUTH_HASH_ENV = "CADDY_BASIC_AUTH_HASH";

/** Unprivileged ports inside the container; Docker publishes host 80/443 onto them, so Caddy needs no capability. */
export const CADDY_HTTP_PORT = 8080;
export const CADDY_HTTPS_PORT = 8443;
/** Loopback-only site for the container health check (the admin API is off). */
export const CADDY_HEALTH_PORT = 8081;

export interface CaddyfileInput {
  /** Site name the certificate is issued for. */
  domain: string;
  /** ACME account e-mail (global `email`). Omitted with `tls internal`. */
  acmeEmail?: string;
  /** host:port of the gateway on the private network. */
  upstream: string;
  /** Basic auth in front of the Control UI; absent = off. */
  basicAuth?: { username: string; realm?: string };
  maxRequestBodyMiB: number;
  /** @default CADDY_HTTP_PORT */
  httpPort?: number;
  /** @default CADDY_HTTPS_PORT */
  httpsPort?: number;
  /** @default CADDY_HEALTH_PORT */
  healthPort?: number;
  /** Test only: a certificate from Caddy's internal CA instead of ACME, and listeners bound to this address. */
  test?: { tlsInternal: true; bind: string };
}

/** Caddyfile string literal: quoted, with quotes and backslashes escaped. */
function q(s: string): string {
  return `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

function indent(lines: string[], depth = 1): string[] {
  return lines.map((l) => (l === "" ? l : "\t".repeat(depth) + l));
}

export function renderCaddyfile(input: CaddyfileInput): string {
  const httpPort = input.httpPort ?? CADDY_HTTP_PORT;
  const httpsPort = input.httpsPort ?? CADDY_HTTPS_PORT;
  const healthPort = input.healthPort ?? CADDY_HEALTH_PORT;
  if (!Number.isInteger(input.maxRequestBodyMiB) || input.maxRequestBodyMiB < 1) {
    throw new Error(
      `maxRequestBodyMiB (openclaw:caddy.maxRequestBodyMiB) = ${input.maxRequestBodyMiB}: must be a whole number of MiB, at least 1`,
    );
  }
  const maxBytes = input.maxRequestBodyMiB * 1024 * 1024;
  const bind = input.test ? [`bind ${input.test.bind}`] : [];

  const global = [
    ...(input.acmeEmail && !input.test ? [`email ${input.acmeEmail}`] : []),
    // Nothing should reconfigure Caddy at runtime; a config change restarts the container.
    "admin off",
    `http_port ${httpPort}`,
    `https_port ${httpsPort}`,
    // Caddy's own redirect would point at https_port (8443), not the published 443; the explicit block below redirects.
    "auto_https disable_redirects",
    ...(input.test ? ["skip_install_trust"] : []),
  ];

  const publicPaths = [PUBLIC_HEALTH_PATH, ...GATEWAY_BEARER_PATHS].join(" ");
  const auth = input.basicAuth
    ? [
        `@protected not path ${publicPaths}`,
        `basicauth @protected bcrypt ${q(input.basicAuth.realm ?? "OpenClaw")} {`,
        `\t${input.basicAuth.username} {env.${BASIC_AUTH_HASH_ENV}}`,
        "}",
        // The gateway never needs the basic credentials; dropping them keeps them out of its logs and out of its
        // failed-auth rate limiter.
        "request_header @protected -Authorization",
      ]
    : [];

  const site = [
    ...bind,
    ...(input.test ? ["tls internal"] : []),
    "log {",
    "\toutput stdout",
    "\tformat json",
    "}",
    "header {",
    '\tStrict-Transport-Security "max-age=31536000; includeSubDomains"',
    "\tX-Content-Type-Options nosniff",
    "\tX-Frame-Options DENY",
    "\tReferrer-Policy no-referrer",
    "\t-Server",
    // Deferred so the gateway's own Server header is removed too, not only Caddy's.
    "\tdefer",
    "}",
    "request_body {",
    `\tmax_size ${input.maxRequestBodyMiB}MiB`,
    "}",
    // request_body alone cuts an oversized body mid-stream, which reverse_proxy reports as 502 (Caddy 2.6); a body
    // declared too large is refused up front with a clear 413. The regex guard keeps int() from erroring (500)
    // when Content-Length is absent.
    `@oversize expression \`{http.request.header.Content-Length}.matches("^[0-9]{1,18}$") && int({http.request.header.Content-Length}) > ${maxBytes}\``,
    'respond @oversize "request body too large" 413',
    ...auth,
    // Caddy is the edge: it ignores client-sent X-Forwarded-* (no trusted_proxies) and sets them itself; the
    // explicit header_up documents that the gateway's trustedProxies logic gets the real client address.
    `reverse_proxy ${input.upstream} {`,
    "\theader_up X-Forwarded-For {remote_host}",
    "\theader_up X-Real-IP {remote_host}",
    "}",
  ];

  return [
    "# Rendered by the openclaw Pulumi stack (components/ingress/caddyfile.ts). Do not edit on the host.",
    "{",
    ...indent(global),
    "}",
    "",
    `${input.domain} {`,
    ...indent(site),
    "}",
    "",
    `http://${input.domain} {`,
    ...indent([...bind, "redir https://{host}{uri} 308"]),
    "}",
    "",
    `http://127.0.0.1:${healthPort} {`,
    ...indent(["bind 127.0.0.1", 'respond "ok" 200']),
    "}",
    "",
  ].join("\n");
}
