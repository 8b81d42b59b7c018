/** The Kubernetes target: the same locked-down gateway in an existing cluster. */
import type { StackConfig } from "../../components/config/schema";
import { gatewayContainerSpec } from "../../components/container/spec";
import { renderGatewayConfigJson } from "../../components/gateway-config/render";
import { GatewayK8s } from "../../components/gateway-k8s/gateway-k8s";
import { ingressFor } from "../../components/ingress/modes/registry";
import type { ProgramContext, ProgramResult } from "./context";
import { gatewayImage } from "./image";
import { providerEnvNames, secretEnvFrom } from "./secret-env";

export function deployKubernetes(cfg: StackConfig, ctx: ProgramContext): ProgramResult {
  const spec = gatewayContainerSpec(cfg, { providerKeyEnv: providerEnvNames(ctx.secrets) });
  const ingress = ingressFor(cfg.ingress, "kubernetes")(cfg).facts;
  const configJson = renderGatewayConfigJson(cfg, ingress);
  const gw = new GatewayK8s(`openclaw-${ctx.stack}`, {
    config: cfg,
    spec,
    configJson,
    secretEnv: secretEnvFrom(ctx.secrets),
    image: gatewayImage(cfg),
    kubeconfig: ctx.secrets.kubeconfig,
  });
  return {
    outputs: {
      namespace: cfg.kubernetes.namespace,
      gatewayUrl: ingress.allowedOrigins[0] ?? "",
      // What runs, by digest when pinned: the rollback point of the next upgrade.
      gatewayImage: gatewayImage(cfg),
    },
    artifacts: { ...gw.artifacts(), "k8s/openclaw.json": configJson },
  };
}
