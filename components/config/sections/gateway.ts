import { z } from "zod";
import { intRange } from "./common";

/**
 * An image reference pinned by tag or digest. `latest` (explicit or implied by a missing tag) is rejected:
 * a moving tag makes deploys unreproducible and lets an upstream push change production silently.
 */
export const imageRef = z
  .string({ error: "must be an image reference such as ghcr.io/openclaw/openclaw:2026.9.6" })
  .superRefine((ref, ctx) => {
    const m =
      /^(?<name>[a-z0-9]+(?:[._/:-][a-z0-9]+)*?)(?::(?<tag>[\w][\w.-]{0,127}))?(?:@(?<digest>sha256:[a-f0-9]{64}))?$/.exec(
        ref,
      );
    if (!m?.groups) {
      ctx.addIssue({
        code: "custom",
        message: "is not a valid image reference; use registry/name:tag or registry/name@sha256:<64 hex>",
      });
      return;
    }
    const { tag, digest } = m.groups;
    if (tag === "latest") {
      ctx.addIssue({
        code: "custom",
        message: "uses the moving tag 'latest'; pin a version tag (e.g. :2026.9.6) or a digest (@sha256:...)",
      });
    } else if (!tag && !digest) {
      ctx.addIssue({
        code: "custom",
        message:
          "has no tag or digest, which means 'latest'; pin a version tag (e.g. :2026.9.6) or a digest (@sha256:...)",
      });
    }
  });

export const gatewaySection = z
  .strictObject({
    /** Container memory limit. @default 2048. The gateway idles at ~650 MiB and is OOM-killed below ~1 GiB. */
    memoryMiB: intRange(1024, 65536, "MiB").default(2048),
    /** CPU limit in cores. @default 1 */
    cpus: z.number().positive().max(64, { error: "must be at most 64 cores" }).default(1),
    /** Process limit: the gateway runs 30-34 processes; 256 leaves room for tools and stops fork bombs. */
    pidsLimit: intRange(64, 4096).default(256),
    /** Size of the /tmp tmpfs (logs, compile cache, locks: ~4 MiB used). @default 64 */
    tmpSizeMiB: intRange(16, 1024, "MiB").default(64),
    /** Fixed hostname: the gateway's owner lease is keyed by hostname. @default "openclaw-gateway" */
    hostname: z
      .string()
      .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, {
        error: "must be a DNS label: lowercase letters, digits and '-', at most 63",
      })
      .default("openclaw-gateway"),
    /**
     * Command the container runs, when the image's own default is not the gateway.
     * @default the image's entrypoint/command
     */
    command: z.array(z.string().min(1)).min(1).optional(),
    /** Tool profile for agents. `full` is never acceptable in production (policy, advisory). @default "coding" */
    toolsProfile: z.enum(["minimal", "coding", "full"]).default("coding"),
    /** Failed auth attempts allowed per window before the gateway rate-limits a client. */
    authRateLimit: z
      .strictObject({
        maxAttempts: intRange(1, 1000).default(10),
        windowSeconds: intRange(1, 86400, "seconds").default(60),
        lockoutSeconds: intRange(1, 86400, "seconds").default(300),
      })
      .prefault({}),
    /** Extra origins allowed for the Control UI, beyond the one the ingress implies. */
    extraAllowedOrigins: z.array(z.url({ error: "must be an origin such as https://gateway.example.com" })).default([]),
  })
  .prefault({});

export type GatewaySection = z.infer<typeof gatewaySection>;
