import type * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** A file cloud-init writes on the host. Contents are never secret: secrets are fetched at boot. */
export interface HostFile {
  path: string;
  content: pulumi.Input<string>;
  /** Octal mode as a string, e.g. "0644". */
  permissions: string;
  /** user:group by name. @default "root:root" */
  owner?: string;
  /** Append to an existing file (e.g. /etc/fstab) instead of replacing it. */
  append?: boolean;
}

/** What another component adds to the host: files, units to enable, and what the instance role may do. */
export interface HostAddon {
  files: HostFile[];
  enableUnits: string[];
  /** The instance-role statements the add-on's units need, as one list; absent when they need none. */
  policyStatements?: pulumi.Input<pulumi.Input<aws.iam.PolicyStatement>[]>;
}

export interface MergedAddons {
  files: HostFile[];
  enableUnits: string[];
  /** Every add-on's statements in add-on order; undefined when no add-on needs any. */
  policyStatements?: pulumi.Output<aws.iam.PolicyStatement[]>;
}

export function mergeAddons(addons: HostAddon[]): MergedAddons {
  const lists = addons.flatMap((a) => (a.policyStatements === undefined ? [] : [a.policyStatements]));
  return {
    files: addons.flatMap((a) => a.files),
    enableUnits: addons.flatMap((a) => a.enableUnits),
    policyStatements:
      lists.length > 0
        ? pulumi.all(lists).apply((ls) => (ls as unknown as aws.iam.PolicyStatement[][]).flat())
        : undefined,
  };
}
