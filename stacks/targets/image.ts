/**
 * The gateway image that runs: `openclaw:image` as written, or with `openclaw:resolveImageDigest` its tag
 * resolved to the digest the registry serves at deploy time. Either way every target runs one reference,
 * recorded as the `gatewayImage` stack output, so the previous output is the rollback point of an upgrade.
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../../components/config/schema";
import { isDigestPinned } from "../../components/config/sections/gateway";

export function gatewayImage(cfg: Pick<StackConfig, "image" | "resolveImageDigest">): pulumi.Output<string> {
  if (!cfg.resolveImageDigest || isDigestPinned(cfg.image)) return pulumi.output(cfg.image);
  // The lookup talks to the registry only (no Docker daemon). A tag the registry does not know fails the
  // preview, before any resource changes.
  return docker.getRegistryImageOutput({ name: cfg.image }).sha256Digest.apply((digest) => {
    if (!/^sha256:[a-f0-9]{64}$/.test(digest ?? "")) {
      throw new Error(
        `openclaw:resolveImageDigest: the registry returned no digest for ${cfg.image} (got ${JSON.stringify(digest)}); check the tag exists, or write the digest into openclaw:image`,
      );
    }
    return `${cfg.image}@${digest}`;
  });
}
