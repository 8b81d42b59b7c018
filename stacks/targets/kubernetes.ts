/** The Kubernetes target: the same locked-down gateway in an existing cluster. */
import type { StackConfig } from "../../components/config/schema";
import { gatewayContainerSpec } from "../../components/container/spec";
import { renderGatewayConfigJson, type IngressFacts } from "../../components/gateway-config/render";
import { GatewayK8s } from "../../components/gateway-k8s/gateway-k8s";
import { renderCaddyfile } from "../../components/ingress/caddyfile";
import { tailnetHostname } from "../../components/ingress/plan";
import { GATEWAY_PORT } from "../../components/container/spec";
import type { ProgramContext, ProgramResult } from "../program";
import { providerEnvNames, secretEnvFrom } from "./secret-env";

export function deployKubernetes(cfg: StackConfig, ctx: ProgramContext): ProgramResult {
  const spec = gatewayContainerSpec(cfg, { providerKeyEnv: providerEnvNames(ctx.secrets) });
  const hostname = tailnetHostname(cfg);
  // Proxies reach the gateway from the pod network: the gateway trusts exactly the configured pod CIDRs.
  const ingress: IngressFacts = {
    allowedOrigins:
      cfg.ingress === "caddy"
        ? [`https://${cfg.caddy.domain}`]
        : [`https://${hostname}.${cfg.tailscale.tailnetDnsName}`],
    trustedProxies: cfg.kubernetes.trustedProxyCidrs,
    allowTailscale: false,
  };
  const configJson = renderGatewayConfigJson(cfg, ingress);
  const caddyfile =
    cfg.ingress === "caddy"
      ? renderCaddyfile({
          domain: cfg.caddy.domain!,
          acmeEmail: cfg.caddy.acmeEmail!,
          upstream: `openclaw-gateway:${GATEWAY_PORT}`,
          basicAuth: cfg.caddy.basicAuth.enabled ? { username: cfg.caddy.basicAuth.username } : undefined,
          maxRequestBodyMiB: cfg.caddy.maxRequestBodyMiB,
          httpPort: 8080,
          httpsPort: 8443,
        })
      : undefined;
  const gw = new GatewayK8s(`openclaw-${ctx.stack}`, {
    config: cfg,
    spec,
    configJson,
    secretEnv: secretEnvFrom(ctx.secrets),
    kubeconfig: ctx.secrets.kubeconfig,
    tailscaleHostname: cfg.ingress === "tailscale" ? hostname : undefined,
    caddyfile,
  });
  return {
    outputs: { namespace: cfg.kubernetes.namespace, gatewayUrl: ingress.allowedOrigins[0] ?? "" },
    artifacts: { ...gw.artifacts(), "k8s/openclaw.json": configJson },
  };
}
