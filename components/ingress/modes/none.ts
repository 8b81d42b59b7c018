/**
 * No ingress: the gateway port is published on 127.0.0.1 of the operator's own Docker host and nothing else.
 * On a cluster or a VM nothing could reach the gateway, so the mode exists for the docker target only.
 */
import type { RuleIssue } from "../../config/sections/kubernetes";
import { GATEWAY_PORT } from "../../container/spec";
import type { IngressConfigView, IngressModule } from "./mode";

export const noIngress: IngressModule = {
  name: "none",
  configIssues,
  secretProblems: () => [],
  network: { egressRules: [] },
  docker: () => ({
    // Loopback only: the browser's origin is the published address itself.
    facts: { allowedOrigins: [`http://127.0.0.1:${GATEWAY_PORT}`], trustedProxies: [], allowTailscale: false },
    publishPort: true,
  }),
};

function configIssues(c: IngressConfigView): RuleIssue[] {
  const issues: RuleIssue[] = [];
  if (c.target !== "docker") {
    issues.push({
      path: ["ingress"],
      input: c.ingress,
      message: `is only allowed with target docker (loopback publishing on your own machine); target ${c.target} needs tailscale or caddy`,
    });
  }
  return issues;
}
