/**
 * The VM side of the rotating secret as a `HostAddon` (the shape the gateway-vm component consumes):
 * the fetch script, the reload script run by SSM, the hardened `openclaw-secrets.service`, and the
 * instance-role statements (read these two secrets, decrypt with this key via Secrets Manager; nothing else).
 */
import type * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { HostAddon } from "../gateway-vm/types";
import { hostPaths, SECRETS_UNIT, renderFetchScript, renderReloadScript, renderSecretsUnit } from "./host-scripts";
import { instanceSecretStatements } from "./policies";

export interface RotationHostAddonArgs {
  region: string;
  tokenSecretArn: pulumi.Input<string>;
  /** Absent (or resolving to undefined) when no provider key is configured. */
  providerKeysSecretArn?: pulumi.Input<string | undefined>;
  kmsKeyArn: pulumi.Input<string>;
}

export function rotationHostAddon(a: RotationHostAddonArgs): HostAddon {
  const facts = pulumi.all([a.tokenSecretArn, a.providerKeysSecretArn, a.kmsKeyArn]);
  return {
    files: [
      {
        path: hostPaths.fetchScript,
        permissions: "0755",
        owner: "root:root",
        content: facts.apply(([tokenSecretArn, providerKeysSecretArn]) =>
          renderFetchScript({
            region: a.region,
            tokenSecretArn,
            providerKeysSecretArn: providerKeysSecretArn ?? undefined,
          }),
        ),
      },
      { path: hostPaths.reloadScript, permissions: "0755", owner: "root:root", content: renderReloadScript() },
      { path: hostPaths.unit, permissions: "0644", owner: "root:root", content: renderSecretsUnit() },
    ],
    enableUnits: [SECRETS_UNIT],
    policyStatements: facts.apply(
      ([tokenSecretArn, providerKeysSecretArn, kmsKeyArn]) =>
        instanceSecretStatements({
          region: a.region,
          tokenSecretArn,
          providerKeysSecretArn: providerKeysSecretArn ?? undefined,
          kmsKeyArn,
        }) as aws.iam.PolicyStatement[],
    ),
  };
}
