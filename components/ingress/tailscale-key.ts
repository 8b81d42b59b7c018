/**
 * A single-use, pre-authorized, tagged Tailscale auth key, kept only in Secrets Manager: the host reads it at
 * boot (openclaw-ingress.service) and it never appears in user data, compose files or stack outputs.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as tailscale from "@pulumi/tailscale";
import { tagged } from "../tags/tags";

export interface TailnetAuthKeyArgs {
  /** Tailscale ACL tags the node joins with (must be in the tailnet policy's tagOwners). At least one. */
  aclTags: string[];
  /** Key lifetime in seconds: it is used once, at first boot. Limits 300-86400. */
  expirySeconds: number;
  /** Shown in the Tailscale admin console. Tailscale allows at most 50 characters. @default "openclaw <name>" */
  description?: string;
  /** KMS key (ARN or id) that encrypts the secret. Required: no AWS-managed default key. */
  kmsKeyId: pulumi.Input<string>;
  /** Days Secrets Manager keeps a deleted secret. @default 7 */
  recoveryWindowInDays?: number;
  /** AWS tags for the secret. @default {} */
  tags?: Record<string, string>;
}

/** Pure: the key's settings, checked. Exported for tests and for the policy pack's expectations. */
export function tailnetKeySettings(
  name: string,
  args: Pick<TailnetAuthKeyArgs, "aclTags" | "expirySeconds" | "description">,
) {
  if (args.aclTags.length === 0)
    throw new Error(
      "TailnetAuthKey.aclTags (openclaw:tailscale.tags) must hold at least one tag: untagged keys join as the key owner's user",
    );
  if (!Number.isInteger(args.expirySeconds) || args.expirySeconds < 300 || args.expirySeconds > 86400) {
    throw new Error(
      `TailnetAuthKey.expirySeconds (openclaw:tailscale.keyExpirySeconds) = ${args.expirySeconds}: must be a whole number between 300 and 86400`,
    );
  }
  const description = (args.description ?? `openclaw ${name}`).replace(/[^A-Za-z0-9 -]/g, "-").slice(0, 50);
  return {
    // Joins without an admin approving the device: the key is the approval, so it must be single-use and short-lived.
    preauthorized: true,
    reusable: false,
    // The node must survive restarts with its state (the key cannot be used twice).
    ephemeral: false,
    tags: [...args.aclTags],
    expiry: args.expirySeconds,
    description,
    // A used single-use key reads as invalid; recreating it on every `pulumi up` would leave a fresh, valid,
    // pre-authorized key in Secrets Manager for nothing. Re-enrol with `pulumi up --replace <key urn>` instead.
    recreateIfInvalid: "never",
  };
}

export class TailnetAuthKey extends pulumi.ComponentResource {
  /** ARN of the Secrets Manager secret holding the key (env TS_AUTHKEY on the host). */
  readonly secretArn: pulumi.Output<string>;
  /** The tailnet key's id (not secret). */
  readonly keyId: pulumi.Output<string>;

  constructor(name: string, args: TailnetAuthKeyArgs, opts?: pulumi.ComponentResourceOptions) {
    super("openclaw:ingress:TailnetAuthKey", name, {}, opts);
    const settings = tailnetKeySettings(name, args);

    const key = new tailscale.TailnetKey(`${name}-key`, settings, { parent: this });
    const secret = new aws.secretsmanager.Secret(
      `${name}-secret`,
      {
        description: "Tailscale auth key for the OpenClaw gateway's tailscale sidecar (single use, read at boot)",
        kmsKeyId: args.kmsKeyId,
        recoveryWindowInDays: args.recoveryWindowInDays ?? 7,
        tags: tagged(args.tags, `${name}-secret`),
      },
      { parent: this },
    );
    new aws.secretsmanager.SecretVersion(
      `${name}-secret-value`,
      { secretId: secret.id, secretString: pulumi.secret(key.key) },
      { parent: this },
    );

    this.secretArn = secret.arn;
    this.keyId = key.id;
    this.registerOutputs({ secretArn: this.secretArn, keyId: this.keyId });
  }
}
