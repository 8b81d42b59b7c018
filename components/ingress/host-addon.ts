/**
 * The ingress's contribution to the VM, as a HostAddon: the Caddyfile or serve.json, the unit and script
 * that deliver the sidecar's secret, and the instance-role permission to read exactly those secrets.
 */
import type * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { INGRESS_SCRIPT_PATH, INGRESS_UNIT, renderIngressSecretsScript, renderIngressUnit } from "./host-files";
import type { HostAddon } from "../gateway-vm/types";
import type { IngressPlan } from "./plan";

export interface IngressHostAddonInput {
  /** AWS region, rendered into the script as a literal. */
  region: string;
  /** Secret ARN per env var in `plan.secretEnv` (TS_AUTHKEY / CADDY_BASIC_AUTH_HASH). */
  secretArns: Record<string, pulumi.Input<string>>;
  /** KMS key that encrypts those secrets; adds kms:Decrypt via Secrets Manager only. */
  kmsKeyArn?: pulumi.Input<string>;
}

export function ingressHostAddon(plan: IngressPlan, input: IngressHostAddonInput): HostAddon {
  const missing = plan.secretEnv.filter((s) => input.secretArns[s.name] === undefined).map((s) => s.name);
  if (missing.length > 0) {
    throw new Error(
      `ingressHostAddon: no secret ARN for ${missing.join(", ")} (pass TailnetAuthKey.secretArn / CaddyBasicAuthSecret.secretArn in secretArns)`,
    );
  }
  const names = plan.secretEnv.map((s) => s.name);
  const arns = names.map((n) => pulumi.output(input.secretArns[n]));
  const script = pulumi.all(arns).apply((resolved) =>
    renderIngressSecretsScript({
      region: input.region,
      secrets: names.map((name, i) => ({ name, arn: resolved[i] })),
      dirs: plan.hostDirs,
    }),
  );

  const statements: pulumi.Input<aws.iam.PolicyStatement>[] = [];
  if (arns.length > 0) {
    statements.push({
      Sid: "IngressSecretsRead",
      Effect: "Allow",
      Action: ["secretsmanager:GetSecretValue"],
      Resource: arns,
    });
    if (input.kmsKeyArn) {
      statements.push({
        Sid: "IngressSecretsDecrypt",
        Effect: "Allow",
        Action: ["kms:Decrypt"],
        Resource: [input.kmsKeyArn],
        Condition: { StringEquals: { "kms:ViaService": `secretsmanager.${input.region}.amazonaws.com` } },
      });
    }
  }

  return {
    files: [
      ...plan.hostFiles.map((f) => ({ ...f, owner: "root:root" })),
      { path: INGRESS_SCRIPT_PATH, content: script, permissions: "0700", owner: "root:root" },
      {
        path: `/etc/systemd/system/${INGRESS_UNIT}`,
        content: renderIngressUnit(plan.hostDirs),
        permissions: "0644",
        owner: "root:root",
      },
    ],
    enableUnits: [INGRESS_UNIT],
    ...(statements.length > 0 ? { policyStatements: statements } : {}),
  };
}
