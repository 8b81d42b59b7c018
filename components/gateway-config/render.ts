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

export function renderGatewayConfig(cfg: StackConfig, ingress: IngressFacts): GatewayConfigDoc {
  const g = cfg.gateway;
  const origins = [...new Set([...ingress.allowedOrigins, ...g.extraAllowedOrigins])];
  return {
    gateway: {
      mode: "local",
      // Inside a container a loopback bind is unreachable through the published port; the publish itself is
      // restricted to 127.0.0.1 (or the private network) by the container spec.
      bind: "lan",
      port: GATEWAY_PORT,
      auth: {
        // The token itself comes from OPENCLAW_GATEWAY_TOKEN (the secret store), never from this file.
        mode: "token",
        ...(ingress.allowTailscale ? { allowTailscale: true } : {}),
        rateLimit: {
          maxAttempts: g.authRateLimit.maxAttempts,
          windowMs: g.authRateLimit.windowSeconds * 1000,
          lockoutMs: g.authRateLimit.lockoutSeconds * 1000,
        },
      },
      ...(ingress.trustedProxies.length > 0 ? { trustedProxies: [...ingress.trustedProxies] } : {}),
      controlUi: {
        allowedOrigins: origins,
        allowInsecureAuth: false,
        dangerouslyDisableDeviceAuth: false,
      },
    },
    update: { checkOnStart: false },
    telemetry: { enabled: false },
    // Idle outbound calls off: the catalog refresh is the only one with a switch (openclaw.md).
    models: { catalogRefresh: { enabled: false } },
    tools: { profile: g.toolsProfile, fs: { workspaceOnly: true } },
  };
}

export function renderGatewayConfigJson(cfg: StackConfig, ingress: IngressFacts): string {
  return JSON.stringify(renderGatewayConfig(cfg, ingress), null, 2) + "\n";
}
