import type * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";

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
  policyStatements: pulumi.Input<aws.iam.PolicyStatement>[];
}

export function mergeAddons(addons: HostAddon[]): HostAddon {
  return {
    files: addons.flatMap((a) => a.files),
    enableUnits: addons.flatMap((a) => a.enableUnits),
    policyStatements: addons.flatMap((a) => a.policyStatements),
  };
}
