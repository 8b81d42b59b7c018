/**
 * The Caddy basic-auth bcrypt hash (secret config `openclaw:caddyBasicAuthHash`) in Secrets Manager, so the
 * host reads it at boot into the Caddy container's env file (CADDY_BASIC_AUTH_HASH) and the Caddyfile holds
 * only the `{env.CADDY_BASIC_AUTH_HASH}` placeholder.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { tagged } from "../tags/tags";

export interface CaddyBasicAuthSecretArgs {
  /** The bcrypt hash from `caddy hash-password`, as a secret Output. */
  hash: pulumi.Input<string>;
  /** KMS key (ARN or id) that encrypts the secret. Required. */
  kmsKeyId: pulumi.Input<string>;
  /** Days Secrets Manager keeps a deleted secret. @default 7 */
  recoveryWindowInDays?: number;
  /** AWS tags for the secret. @default {} */
  tags?: Record<string, string>;
}

export { checkBcryptHash } from "../config/sections/ingress";

export class CaddyBasicAuthSecret extends pulumi.ComponentResource {
  /** ARN of the secret (env CADDY_BASIC_AUTH_HASH on the host). */
  readonly secretArn: pulumi.Output<string>;

  constructor(name: string, args: CaddyBasicAuthSecretArgs, opts?: pulumi.ComponentResourceOptions) {
    super("openclaw:ingress:CaddyBasicAuthSecret", name, {}, opts);
    const secret = new aws.secretsmanager.Secret(
      `${name}-secret`,
      {
        description: "bcrypt hash for Caddy basic auth in front of the OpenClaw Control UI",
        kmsKeyId: args.kmsKeyId,
        recoveryWindowInDays: args.recoveryWindowInDays ?? 7,
        tags: tagged(args.tags, `${name}-secret`),
      },
      { parent: this },
    );
    // The hash's shape is checked when the stack's config is resolved (components/config/load.ts), before any
    // resource is registered; here it only travels, as a secret.
    new aws.secretsmanager.SecretVersion(
      `${name}-secret-value`,
      { secretId: secret.id, secretString: pulumi.secret(args.hash) },
      { parent: this },
    );

    this.secretArn = secret.arn;
    this.registerOutputs({ secretArn: this.secretArn });
  }
}
