// Fail closed: an artifact that runs or configures the gateway and that the pack cannot decode or parse is
// a violation that says why, never a silent pass. Every other rule skips what this one reports.
import type { ResourceValidation } from "@pulumi/policy";
import { composeFiles, gatewayConfigs, resourceArtifacts, ARTIFACT_CARRIERS } from "./lib/artifacts";
import { isWorkloadType } from "./lib/k8s";
import { configSchema, type PackPolicy } from "./lib/types";

const CARRIERS = ARTIFACT_CARRIERS;

/** Pure: every reason the artifacts of one resource cannot be checked. */
export function uncheckable(type: string, props: Record<string, any>): string[] {
  if (!CARRIERS.has(type) && !isWorkloadType(type)) return [];
  const out = resourceArtifacts(type, props).problems.map((p) => `${p.source}: ${p.reason}`);
  for (const g of gatewayConfigs(type, props))
    if (g.error) out.push(`${g.source}: the gateway config does not parse as JSON5 (${g.error})`);
  for (const f of composeFiles(type, props))
    if (f.error) out.push(`${f.source}: the compose file cannot be read as compose reads it (${f.error})`);
  return out;
}

const validate: ResourceValidation = (args, report) => {
  for (const m of uncheckable(args.type, args.props))
    report(
      `${m}. It cannot be checked, so it is refused: render it in a format the pack decodes (see policies/README.md).`,
    );
};

export const artifactsCheckable: PackPolicy = {
  name: "artifacts-checkable",
  description:
    "Refuses user data, compose files and gateway configs that cannot be decoded or parsed, since they cannot be checked.",
  enforcementLevel: "mandatory",
  controls: ["net/artifacts-checkable"],
  configSchema: configSchema(),
  validateResource: validate,
};

export const artifactPolicies: PackPolicy[] = [artifactsCheckable];
