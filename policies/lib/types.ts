import type {
  PolicyConfigSchema,
  ReportViolation,
  ResourceValidationPolicy,
  StackValidationPolicy,
} from "@pulumi/policy";
import type { ControlId } from "./controls";

export interface StackOutput {
  name: string;
  secret: boolean;
  value?: unknown;
}

/** Extra metadata every pack policy carries: which policy-rules.md controls it implements. */
export interface PackMeta {
  controls: ControlId[];
  /**
   * Stack outputs reach policies only through the offline plan: the engine's analyzer deserialises
   * stack props with secrets already unwrapped, so "was this output secret" cannot be asked there.
   */
  validateOutputs?: (outputs: StackOutput[], report: ReportViolation) => void;
}

export type PackResourcePolicy = ResourceValidationPolicy & PackMeta;
export type PackStackPolicy = StackValidationPolicy & PackMeta;
export type PackPolicy = PackResourcePolicy | PackStackPolicy;

/**
 * Every policy accepts `reason` in the pack config, so a stack that lowers, raises or disables a rule
 * says why next to the level (evaluate.ts insists on it when a mandatory rule is weakened).
 */
export function configSchema(extra: PolicyConfigSchema["properties"] = {}): PolicyConfigSchema {
  return {
    properties: {
      reason: { type: "string", description: "Why this stack changes the policy's level or settings." },
      ...extra,
    },
  };
}
