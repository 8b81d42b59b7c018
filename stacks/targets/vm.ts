/** The AWS VM target: network, secrets, backups, ingress and the hardened host, composed. */
import { stringify } from "yaml";
import type { StackConfig } from "../../components/config/schema";
import { gatewayContainerSpec } from "../../components/container/spec";
import { renderCompose } from "../../components/container/render-compose";
import { renderGatewayConfigJson, type IngressFacts } from "../../components/gateway-config/render";
import { GatewayVm } from "../../components/gateway-vm/gateway-vm";
import { ENV_FILE, RUNTIME_CONFIG, STATE_HOST_DIR } from "../../components/gateway-vm/units";
import { Network } from "../../components/network/network";
import { baseTags, type ProgramContext, type ProgramResult } from "../program";

export function deployVm(cfg: StackConfig, ctx: ProgramContext): ProgramResult {
  const tags = baseTags(cfg, ctx);
  const name = `openclaw-${ctx.stack}`;
  const ingress: IngressFacts = {
    allowedOrigins: cfg.ingress === "tailscale" ? [`https://${cfg.tailscale.hostname ?? name}.${cfg.tailscale.tailnetDnsName}`] : [`https://${cfg.caddy.domain}`],
    trustedProxies: [],
    allowTailscale: cfg.ingress === "tailscale",
  };
  const network = new Network(name, { network: cfg.network, ingress: cfg.ingress, ingressRules: [], tags });

  const spec = gatewayContainerSpec(cfg);
  const composeYaml = renderCompose(spec, { configHostPath: RUNTIME_CONFIG, envFile: ENV_FILE, stateHostDir: STATE_HOST_DIR });
  const gatewayConfigJson = renderGatewayConfigJson(cfg, ingress);

  const vm = new GatewayVm(name, {
    vm: cfg.vm,
    subnetId: network.gatewaySubnetId,
    availabilityZone: network.gatewayAvailabilityZone,
    securityGroupId: network.gatewaySecurityGroupId,
    associatePublicIp: network.placement.associatePublicIp,
    publicIpReason: network.placement.publicIpReason,
    composeYaml,
    gatewayConfigJson,
    hostFacts: { AWS_REGION: ctx.region, OPENCLAW_STACK: ctx.stack },
    addons: [],
    tags,
  });

  return {
    outputs: {
      instanceId: vm.instanceId,
      vpcId: network.vpcId,
      connect: vm.instanceId.apply((id) => `aws ssm start-session --target ${id} --region ${ctx.region}`),
      gatewayUrl: ingress.allowedOrigins[0],
    },
    artifacts: vm.hostFiles.apply((files) => ({
      "vm/user-data.yaml": vm.userData,
      "vm/container-spec.yaml": stringify(spec),
      ...hostFileArtifacts(files),
    })),
  };
}

/** Each host file under a predictable path, so real tools (systemd-analyze, shellcheck, compose) can check it. */
export function hostFileArtifacts(files: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [hostPath, content] of Object.entries(files)) {
    const base = hostPath.split("/").pop()!;
    if (hostPath.startsWith("/etc/systemd/system/")) out[`vm/units/${base}`] = content;
    else if (hostPath.startsWith("/usr/local/lib/openclaw/")) out[`vm/scripts/${base}`] = content;
    else if (hostPath.startsWith("/etc/openclaw/")) out[`vm/${base}`] = content;
    else out[`vm/files${hostPath}`] = content;
  }
  return out;
}
