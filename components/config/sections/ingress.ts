import { z } from "zod";
import { intRange } from "./common";
import { imageRef } from "./gateway";

/** `none`: no proxy; the port is published on 127.0.0.1 only. Target docker only (ingress/modes/none.ts). */
export const ingressModes = ["tailscale", "caddy", "none"] as const;
export type IngressMode = (typeof ingressModes)[number];

/** The Tailscale section; the node name's default is the stack's name (defaultTailnetHostname). */
export const tailscaleSection = (stack: string) =>
  z
    .strictObject({
      /**
       * The tailscale sidecar image, pinned like the gateway image (no `latest`, tag or digest required).
       * @default "tailscale/tailscale:v1.84.3"
       */
      image: imageRef.default("tailscale/tailscale:v1.84.3"),
      /** ACL tags the node joins with; the tailnet policy must list them in tagOwners. @default ["tag:openclaw"] */
      tags: z
        .array(z.string().regex(/^tag:[a-z0-9-]+$/, { error: "must be a Tailscale ACL tag such as tag:openclaw" }))
        .min(1, { error: "needs at least one tag: untagged keys join as the key owner's user" })
        .default(["tag:openclaw"]),
      /** Auth key lifetime. Short: the key is used once, at first boot. @default 3600 */
      keyExpirySeconds: intRange(300, 86400, "seconds").default(3600),
      /** The node's name on the tailnet. @default "openclaw-<stack>" as a DNS label (defaultTailnetHostname) */
      hostname: z
        .string()
        .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, { error: "must be a DNS label" })
        .default(defaultTailnetHostname(stack)),
      /** Your tailnet's DNS name (e.g. tail1234.ts.net); the Control UI origin is https://<hostname>.<tailnetDnsName>. */
      tailnetDnsName: z
        .string()
        .regex(/^[a-z0-9-]+(\.[a-z0-9-]+)*\.ts\.net$/, {
          error: "must be your tailnet's DNS name, such as tail1234.ts.net (Tailscale admin console > DNS)",
        })
        .optional(),
    })
    .prefault({});

export const caddySection = z
  .strictObject({
    /** The Caddy image, pinned like the gateway image (no `latest`, tag or digest required). @default "caddy:2.10.2" */
    image: imageRef.default("caddy:2.10.2"),
    /** Public DNS name pointing at the instance's address. Required for caddy ingress. */
    domain: z
      .string()
      .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, {
        error: "must be a DNS name such as gateway.example.com",
      })
      .optional(),
    /** Contact for the ACME account (Let's Encrypt expiry notices). Required for caddy ingress. */
    acmeEmail: z.email({ error: "must be an e-mail address" }).optional(),
    /** Basic auth in front of the Control UI; the bcrypt hash is the secret `openclaw:caddyBasicAuthHash`. */
    basicAuth: z
      .strictObject({
        enabled: z.boolean().default(true),
        username: z
          .string()
          .regex(/^[A-Za-z0-9._-]{1,64}$/, { error: "must be 1-64 letters, digits or ._-" })
          .default("openclaw"),
      })
      .prefault({}),
    /** Largest request body accepted. @default 10 */
    maxRequestBodyMiB: intRange(1, 1024, "MiB").default(10),
  })
  .prefault({});
export type TailscaleSection = z.infer<ReturnType<typeof tailscaleSection>>;

/**
 * The stack name as a DNS label, the node name when `openclaw:tailscale.hostname` is unset: Tailscale node
 * names are DNS labels; stack names may hold dots, capitals, `_`.
 */
export function defaultTailnetHostname(stack: string): string {
  return `openclaw-${stack}`
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .slice(0, 63)
    .replace(/^-+|-+$/g, "");
}
export type CaddySection = z.infer<typeof caddySection>;

/** Caddy compares against a bcrypt hash (`$2a$`/`$2b$`/`$2y$`); a plain password here would silently never match. */
export function checkBcryptHash(hash: string): string | undefined {
  return /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/.test(hash)
    ? undefined
    : "is not a bcrypt hash: run `caddy hash-password` and set its output with `pulumi config set --secret openclaw:caddyBasicAuthHash '<hash>'`";
}
