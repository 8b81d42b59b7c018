/**
 * The VM side of the rotating secret as a `HostAddon` (the shape the gateway-vm component consumes):
 * the fetch script, the reload script run by SSM, the hardened `openclaw-secrets.service`, and the
 * instance-role statements (read these two secrets, decrypt with this key via Secrets Manager; nothing else).
 */
import type * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { HostAddon } from "../gateway-vm/types";
import {
  hostPaths,
  renderFetchScript,
  renderReconcileTimer,
  renderReconcileUnit,
  renderReloadScript,
  renderSecretsUnit,
  SECRETS_UNIT,
} from "./host-scripts";
import { instanceSecretStatements } from "./policies";

export interface RotationHostAddonArgs {
  region: string;
  /** Stack name: the TokenInSync metric's dimension. */
  stack: string;
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
      {
        path: hostPaths.reloadScript,
        permissions: "0755",
        owner: "root:root",
        content: facts.apply(([tokenSecretArn]) =>
          renderReloadScript({ region: a.region, tokenSecretArn, stack: a.stack }),
        ),
      },
      { path: hostPaths.unit, permissions: "0644", owner: "root:root", content: renderSecretsUnit() },
      { path: hostPaths.reconcileUnit, permissions: "0644", owner: "root:root", content: renderReconcileUnit() },
      { path: hostPaths.reconcileTimer, permissions: "0644", owner: "root:root", content: renderReconcileTimer() },
    ],
    enableUnits: [SECRETS_UNIT, "openclaw-token-reconcile.timer"],
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
