import type { RuleIssue } from "../../config/sections/kubernetes";
import type { IngressConfigView } from "./mode";

/** Behind a proxy on Kubernetes the gateway must trust the proxy pods' CIDR, else it answers 403 to everyone. */
export function proxyTrustIssues(c: IngressConfigView): RuleIssue[] {
  const issues: RuleIssue[] = [];
  if (c.target === "kubernetes" && c.kubernetes.trustedProxyCidrs.length === 0) {
    issues.push({
      path: ["kubernetes", "trustedProxyCidrs"],
      input: [],
      message: `is required with ingress ${c.ingress} on kubernetes: list the pod CIDR of the proxy pods (e.g. ["10.244.0.0/16"]), else the gateway answers 403 proxy_attribution_required`,
    });
  }
  return issues;
}
