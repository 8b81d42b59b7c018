import { z } from "zod";
import { intRange, singleLine } from "./common";

/** True when an image reference carries a digest (`name[:tag]@sha256:<64 hex>`). */
export function isDigestPinned(ref: string): boolean {
  return /@sha256:[a-f0-9]{64}$/.test(ref);
}

/**
 * An image reference pinned by tag or digest (`name:tag`, `name@sha256:<64 hex>` or both). `latest` (explicit or implied by a missing tag) is rejected:
 * a moving tag makes deploys unreproducible and lets an upstream push change production silently.
 */
export const imageRef = z
  .string({ error: "must be an image reference such as ghcr.io/openclaw/openclaw:2026.9.6" })
  .superRefine((ref, ctx) => {
    const at = ref.indexOf("@");
    if (at >= 0) {
      const digest = ref.slice(at + 1);
      if (!/^sha256:[a-f0-9]{64}$/.test(digest)) {
        const hex = /^sha256:(.*)$/.exec(digest)?.[1];
        const what =
          hex === undefined
            ? `"@${digest}" is not a sha256 digest`
            : /^[a-f0-9]*$/.test(hex)
              ? `the digest has ${hex.length} hex digits`
              : "the digest has characters other than lowercase hex";
        ctx.addIssue({
          code: "custom",
          message: `has a malformed digest: ${what}; a digest is @sha256: followed by exactly 64 lowercase hex digits (copy it from \`docker buildx imagetools inspect ${ref.slice(0, at)}\`), or drop the digest and set openclaw:resolveImageDigest: true to pin it at deploy time`,
        });
        return;
      }
    }
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

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);
const hostName = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

/**
 * An allowed origin for the Control UI is a trust grant to a whole site: exactly `https://<host>[:port]`, or
 * `http://` for loopback only (a plain-http origin elsewhere can be spoofed by anyone on the path). No
 * wildcards, paths, credentials or other schemes (`javascript:`, `data:`).
 */
function checkOrigin(o: string, ctx: z.core.$RefinementCtx<string>) {
  const fail = (why: string) =>
    ctx.addIssue({ code: "custom", message: `${why}; use an origin such as https://gateway.example.com` });
  let u: URL;
  try {
    u = new URL(o);
  } catch {
    return fail("is not a URL");
  }
  if (u.protocol !== "https:" && !(u.protocol === "http:" && LOOPBACK_HOSTS.has(u.hostname)))
    return fail(`uses ${u.protocol} only https (or http to localhost / 127.0.0.1 / [::1]) is allowed`);
  if (u.origin !== o)
    return fail(`is not a bare origin (it normalises to ${u.origin}; no path, query, credentials or trailing slash)`);
  if (!LOOPBACK_HOSTS.has(u.hostname) && !hostName.test(u.hostname))
    return fail(`host ${u.hostname} is not a DNS name (no wildcards)`);
}

export const gatewaySection = z
  .strictObject({
    /** Container memory limit. @default 2048. The gateway idles at ~650 MiB and is OOM-killed below ~1 GiB. */
    memoryMiB: intRange(1024, 65536, "MiB").default(2048),
    /** CPU limit in cores. @default 1 */
    cpus: z
      .number({ error: "must be a number of cores between 0.1 and 64, in steps of 0.01" })
      .min(0.1, { error: "must be at least 0.1 cores (the gateway cannot start on less; Docker refuses below 0.01)" })
      .max(64, { error: "must be at most 64 cores" })
      // Docker's --cpus and Kubernetes' CPU quantities are exact to 0.01 and 0.001; a finer value means a typo.
      .refine((c) => Math.abs(c * 100 - Math.round(c * 100)) < 1e-6, {
        error: "must be a number of cores in steps of 0.01, such as 1 or 1.5",
      })
      .default(1),
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
    command: z
      .array(
        z
          .string()
          .min(1, { error: "must not be empty" })
          .regex(singleLine, { error: "must be one line without control characters" })
          // Compose substitutes ${VAR} and $VAR from the host's environment and Kubernetes substitutes $(VAR):
          // the container would run something other than what the config says.
          .regex(/^[^$]*$/, {
            error:
              "must not contain '$': compose and Kubernetes substitute it from the environment; put variable parts in openclaw.json or the image",
          }),
      )
      .min(1)
      .optional(),
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
    extraAllowedOrigins: z.array(z.string().superRefine(checkOrigin)).default([]),
  })
  .prefault({});

export type GatewaySection = z.infer<typeof gatewaySection>;
