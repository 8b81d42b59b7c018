/** The local Docker target: the same locked-down gateway on the operator's own Docker, no cloud account. */
import type { StackConfig } from "../../components/config/schema";
import { gatewayContainerSpec, GATEWAY_PORT } from "../../components/container/spec";
import { renderGatewayConfigJson, type IngressFacts } from "../../components/gateway-config/render";
import { GatewayDocker } from "../../components/gateway-docker/gateway-docker";
import type { ProgramContext, ProgramResult } from "../program";
import { providerEnvNames, secretEnvFrom } from "./secret-env";

export function deployDocker(cfg: StackConfig, ctx: ProgramContext): ProgramResult {
  if (cfg.ingress !== "none") {
    // The schema allows tailscale/caddy on docker for later; the local renderings only support loopback today.
    throw new Error(
      `openclaw:ingress = "${cfg.ingress}" is not supported on target docker yet: use "none" (loopback only) or target vm/kubernetes`,
    );
  }
  const spec = gatewayContainerSpec(cfg, { providerKeyEnv: providerEnvNames(ctx.secrets) });
  // Loopback only: the browser's origin is the published address itself.
  const ingress: IngressFacts = {
    allowedOrigins: [`http://127.0.0.1:${GATEWAY_PORT}`],
    trustedProxies: [],
    allowTailscale: false,
  };
  const configJson = renderGatewayConfigJson(cfg, ingress);
  const gw = new GatewayDocker(`openclaw-${ctx.stack}`, {
    spec,
    configJson,
    secretEnv: secretEnvFrom(ctx.secrets),
    ingress: cfg.ingress,
  });
  return {
    outputs: { gatewayUrl: ingress.allowedOrigins[0]!, container: gw.containerName },
    artifacts: gw.artifacts(),
  };
}
