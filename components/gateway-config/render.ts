/**
 * The gateway's own configuration (openclaw.json), rendered from typed input. What the gateway's
 * `openclaw security audit` would flag after deploy is decided here, before deploy: token auth, a bind that
 * is safe inside a container, exactly the allowed origins and trusted proxies the ingress implies.
 */
import type { StackConfig } from "../config/schema";
import { GATEWAY_PORT } from "../container/spec";

export interface IngressFacts {
  /** Origins the Control UI accepts (https://<domain> for Caddy, https://<node>.<tailnet> for Tailscale). */
  allowedOrigins: string[];
  /** Addresses of proxies allowed to set forwarded headers (exactly the proxy's address, never a wide range). */
  trustedProxies: string[];
  /** Let Tailscale identity headers authenticate (only when `tailscale serve` fronts the gateway). */
  allowTailscale: boolean;
}

export interface GatewayConfigDoc {
  gateway: Record<string, unknown>;
  [section: string]: unknown;
}

/**
 * Where the gateway reads its token when it comes from a file the host keeps current (a rotation rewrites it and
 * asks the running gateway to re-resolve its secrets). The gateway's file provider accepts only a regular file
 * with one link, owned by the gateway's uid and mode 0600 (measured on 2026.9.6: a root-owned 0640 file or a
 * symlinked path, as a Kubernetes Secret volume has, fails startup with "required secrets are unavailable").
 * The directory is bind-mounted, not the file: an atomic rename on the host replaces the directory entry, which a
 * single-file bind mount would never see.
 */
export const GATEWAY_TOKEN_MOUNT_DIR = "/run/openclaw-token";
export const GATEWAY_TOKEN_FILE_NAME = "gateway-token";
export const GATEWAY_TOKEN_PROVIDER = "gatewaytoken";

export interface GatewayConfigOptions {
  /**
   * Read gateway.auth.token through a file SecretRef at this path inside the container, so a rotation is a
   * `secrets.reload` (clients reconnect) instead of a restart. Absent: the token comes from OPENCLAW_GATEWAY_TOKEN.
   */
  tokenFile?: string;
}

export function renderGatewayConfig(
  cfg: StackConfig,
  ingress: IngressFacts,
  opts: GatewayConfigOptions = {},
): GatewayConfigDoc {
  const g = cfg.gateway;
  const origins = [...new Set([...ingress.allowedOrigins, ...g.extraAllowedOrigins])];
  // Every key below was validated with `openclaw config validate` on 2026.9.6 (e2e/fixtures). The gateway rejects
  // unknown keys, and `controlUi.allowInsecureAuth` / `dangerouslyDisableDeviceAuth` are gone (retired or
  // unrecognised), so insecure UI auth is off by being absent; the policy pack rejects either key if present.
  return {
    gateway: {
      mode: "local",
      // Inside a container a loopback bind is unreachable through the published port; the publish itself is
      // restricted to 127.0.0.1 (or the private network) by the container spec.
      bind: "lan",
      port: GATEWAY_PORT,
      auth: {
        // The token itself comes from the secret store, never from this file: a file SecretRef the host keeps
        // current, or OPENCLAW_GATEWAY_TOKEN. mode is explicit: the gateway hot-applies a SecretRef token only then.
        mode: "token",
        ...(opts.tokenFile ? { token: { source: "file", provider: GATEWAY_TOKEN_PROVIDER, id: "value" } } : {}),
        ...(ingress.allowTailscale ? { allowTailscale: true } : {}),
        rateLimit: {
          maxAttempts: g.authRateLimit.maxAttempts,
          windowMs: g.authRateLimit.windowSeconds * 1000,
          lockoutMs: g.authRateLimit.lockoutSeconds * 1000,
          // Behind a proxy every client arrives from the proxy; loopback is the host's own probes only.
          exemptLoopback: false,
        },
      },
      ...(ingress.trustedProxies.length > 0 ? { trustedProxies: [...ingress.trustedProxies] } : {}),
      // Only a trusted proxy's X-Forwarded-For names the client; never X-Real-IP from anyone.
      allowRealIpFallback: false,
      controlUi: { allowedOrigins: origins },
      // Tailscale runs beside the gateway (sidecar or operator), never inside it; Funnel is never on.
      tailscale: { mode: "off" },
    },
    ...(opts.tokenFile
      ? {
          secrets: {
            providers: { [GATEWAY_TOKEN_PROVIDER]: { source: "file", path: opts.tokenFile, mode: "singleValue" } },
          },
        }
      : {}),
    update: { checkOnStart: false, auto: { enabled: false } },
    telemetry: { enabled: false },
    // Idle outbound calls off: the catalog refresh is the only one with a switch (openclaw.md).
    models: { catalogRefresh: { enabled: false } },
    tools: { profile: g.toolsProfile, fs: { workspaceOnly: true }, elevated: { enabled: false } },
    // Webhooks stay off until an operator configures them with their own token.
    hooks: { enabled: false },
    // No mDNS announcements from a server.
    discovery: { mdns: { mode: "off" } },
  };
}

export function renderGatewayConfigJson(
  cfg: StackConfig,
  ingress: IngressFacts,
  opts: GatewayConfigOptions = {},
): string {
  return `${JSON.stringify(renderGatewayConfig(cfg, ingress, opts), null, 2)}\n`;
}
