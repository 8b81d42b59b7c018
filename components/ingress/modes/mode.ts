/**
 * What one ingress mode means for every other part of the stack. A mode is one object implementing this
 * interface, registered in registry.ts; nothing else asks which mode is configured. A target a mode cannot
 * serve leaves its entry undefined, and the mode's config rules reject that combination before any resource.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { NetworkPolicyPeer } from "kubernetes-types/networking/v1";
import type { IngressMode } from "../../config/sections/ingress";
import type { RuleIssue, TargetIngressView } from "../../config/sections/kubernetes";
import type { ConfigProblem, SecretConfigKey, StackConfig } from "../../config/schema";
import type { ModeObject } from "../../gateway-k8s/objects";
import type { GatewayContainerSpec } from "../../container/spec";
import type { IngressFacts } from "../../gateway-config/render";
import type { SgRule } from "../../network/plan";
import type { IngressPlan } from "../plan";

/** The parsed config as the mode's rules see it (before stack-dependent defaults). */
export type IngressConfigView = TargetIngressView & {
  network: { egress: string };
  tailscale: { tailnetDnsName?: string };
  caddy: { domain?: string; acmeEmail?: string; basicAuth: { enabled: boolean } };
};

export interface VmIngressInput {
  stack: string;
  /** Host directory of the data disk; the sidecar's state lives beneath it. */
  dataDir: string;
}

/** What a mode needs to create the secrets its VM sidecar reads (Secrets Manager, under the stack's key). */
export interface VmSecretsInput {
  /** Prefix of the resource names (`openclaw-<stack>`). */
  name: string;
  /** The stack's secret settings. */
  secrets: Partial<Record<SecretConfigKey, pulumi.Output<string>>>;
  kmsKeyArn: pulumi.Input<string>;
  tags: Record<string, string>;
}

export interface K8sIngress {
  /** The gateway's allowed origins and trusted proxies (the proxy pods' CIDRs). */
  facts: IngressFacts;
  /** Who may open a connection to the gateway pod; empty when nothing may. */
  gatewayPeers: NetworkPolicyPeer[];
  /** The mode's own objects beside the gateway's (a tailnet Ingress, or Caddy's Deployment and friends). */
  objects(spec: GatewayContainerSpec, cfg: StackConfig): ModeObject[];
}

export interface DockerIngress {
  facts: IngressFacts;
  /** Publish the gateway port on 127.0.0.1: the only way in when no proxy fronts it. */
  publishPort: boolean;
}

export interface IngressModule {
  readonly name: IngressMode;
  /** Cross-key rules of this mode, checked with every other rule of the schema. */
  configIssues(c: IngressConfigView): RuleIssue[];
  /** Secret settings this mode needs, checked after parsing. */
  secretProblems(c: StackConfig, secretNames: readonly SecretConfigKey[]): ConfigProblem[];
  /** AWS network needs: outbound rules beyond the gateway's own, and why a public address (egress public-ip). */
  network: { egressRules: SgRule[]; publicIpReason?: string };
  /** The VM host: compose sidecar, inbound rules, host files, sidecar secrets. */
  vm?(cfg: StackConfig, input: VmIngressInput): IngressPlan;
  /** Creates the secrets of `plan.secretEnv`; returns each one's ARN by env var name. */
  vmSecrets?(plan: IngressPlan, input: VmSecretsInput): Record<string, pulumi.Input<string>>;
  kubernetes?(cfg: StackConfig): K8sIngress;
  docker?(cfg: StackConfig): DockerIngress;
}
