/** The ingress modes by name: the one place that maps `openclaw:ingress` to its module. */
import type * as pulumi from "@pulumi/pulumi";
import type { IngressMode } from "../../config/sections/ingress";
import type { StackConfig } from "../../config/schema";
import { DEFAULT_DATA_DIR, type IngressPlan, type IngressPlanOptions } from "../plan";
import { caddyIngress } from "./caddy";
import type { RuleIssue } from "../../config/sections/kubernetes";
import type { IngressConfigView, IngressModule, VmSecretsInput } from "./mode";
import { noIngress } from "./none";
import { tailscaleIngress } from "./tailscale";

const modes: Record<IngressMode, IngressModule> = {
  tailscale: tailscaleIngress,
  caddy: caddyIngress,
  none: noIngress,
};

export function ingressModule(mode: IngressMode): IngressModule {
  return modes[mode];
}

/** The configured mode's own rules, and that it can serve the configured target at all. */
export function ingressConfigIssues(c: IngressConfigView): RuleIssue[] {
  const m = modes[c.ingress as IngressMode];
  if (!m) return []; // an unknown mode is the enum's error, reported on its own
  const issues = m.configIssues(c);
  const target = c.target as "vm" | "kubernetes" | "docker";
  if (target in { vm: 1, kubernetes: 1, docker: 1 } && !m[target] && !issues.some((i) => i.path[0] === "ingress")) {
    issues.push({
      path: ["ingress"],
      input: c.ingress,
      message: `is not supported on target ${target} yet: use ${supporting(target).join(" or ")}`,
    });
  }
  return issues;
}

function supporting(target: "vm" | "kubernetes" | "docker"): string[] {
  return Object.values(modes)
    .filter((m) => m[target])
    .map((m) => m.name);
}

/** A target's part of the mode, or an error naming the key, the value and what works instead. */
export function ingressFor<K extends "vm" | "kubernetes" | "docker">(
  mode: IngressMode,
  target: K,
): NonNullable<IngressModule[K]> {
  const part = modes[mode][target];
  if (!part) {
    // The schema rejects these combinations first; this guards callers that skipped parseStackConfig.
    throw new Error(
      `openclaw:ingress = "${mode}" is not supported on target ${target}: use ${supporting(target).join(" or ")}`,
    );
  }
  return part as NonNullable<IngressModule[K]>;
}

/** The VM's ingress plan for the configured mode: sidecar, inbound rules, host files, sidecar secrets. */
export function ingressPlan(cfg: StackConfig, opts: IngressPlanOptions): IngressPlan {
  return ingressFor(cfg.ingress, "vm")(cfg, {
    stack: opts.stack,
    dataDir: opts.dataDir ?? DEFAULT_DATA_DIR,
  });
}

/** The secrets the configured mode's VM sidecar reads, created under the stack's key; ARNs by env var name. */
export function ingressVmSecrets(
  mode: IngressMode,
  plan: IngressPlan,
  input: VmSecretsInput,
): Record<string, pulumi.Input<string>> {
  return modes[mode].vmSecrets?.(plan, input) ?? {};
}
