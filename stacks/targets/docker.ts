/** The local Docker target: the same locked-down gateway on the operator's own Docker, no cloud account. */
import type { StackConfig } from "../../components/config/schema";
import { gatewayContainerSpec } from "../../components/container/spec";
import { renderGatewayConfigJson } from "../../components/gateway-config/render";
import { GatewayDocker } from "../../components/gateway-docker/gateway-docker";
import { ingressFor } from "../../components/ingress/modes/registry";
import type { ProgramContext, ProgramResult } from "./context";
import { providerEnvNames, secretEnvFrom } from "./secret-env";

export function deployDocker(cfg: StackConfig, ctx: ProgramContext): ProgramResult {
  const spec = gatewayContainerSpec(cfg, { providerKeyEnv: providerEnvNames(ctx.secrets) });
  const { facts: ingress, publishPort } = ingressFor(cfg.ingress, "docker")(cfg);
  const configJson = renderGatewayConfigJson(cfg, ingress);
  const gw = new GatewayDocker(`openclaw-${ctx.stack}`, {
    spec,
    configJson,
    secretEnv: secretEnvFrom(ctx.secrets),
    publishPort,
  });
  return {
    outputs: { gatewayUrl: ingress.allowedOrigins[0]!, container: gw.containerName },
    artifacts: gw.artifacts(),
  };
}
