/**
 * The backup job as a HostAddon for the VM component: files cloud-init writes, the timer to enable, and what
 * the instance role may do. Pure apart from resolving the bucket's Outputs into the env file and statements.
 */
import * as pulumi from "@pulumi/pulumi";
import type { BackupSection } from "../config/sections/backup";
import type { HostAddon } from "../gateway-vm/types";
import { backupInstanceStatements } from "./iam";
import {
  BACKUP_ENV_FILE,
  BACKUP_SCRIPT,
  BACKUP_SERVICE,
  BACKUP_TIMER,
  RESTORE_SCRIPT,
  backupScript,
  renderBackupEnv,
  renderBackupService,
  renderBackupTimer,
  restoreScript,
} from "./render";

export interface BackupHostAddonArgs {
  stack: string;
  region: string;
  backup: BackupSection;
  bucketName: pulumi.Input<string>;
  bucketArn: pulumi.Input<string>;
  keyArn: pulumi.Input<string>;
  /** `<stack>/` (BackupBucket.prefix). */
  prefix: string;
  /** Let the instance role read its own prefix so restore.sh runs on the host (see iam.ts). @default true */
  restoreFromHost?: boolean;
}

export function backupHostAddon(a: BackupHostAddonArgs): HostAddon {
  if (!a.backup.enabled) return { files: [], enableUnits: [] };
  const env = pulumi
    .all([a.bucketName, a.keyArn])
    .apply(([bucket, keyArn]) =>
      renderBackupEnv({ bucket, keyArn, prefix: a.prefix, region: a.region, stack: a.stack }),
    );
  const statements = pulumi
    .all([a.bucketArn, a.keyArn])
    .apply(([bucketArn, keyArn]) =>
      backupInstanceStatements({ bucketArn, keyArn, prefix: a.prefix, region: a.region, restore: a.restoreFromHost }),
    );
  return {
    files: [
      { path: BACKUP_SCRIPT, content: backupScript(), permissions: "0755", owner: "root:root" },
      { path: RESTORE_SCRIPT, content: restoreScript(), permissions: "0755", owner: "root:root" },
      { path: BACKUP_ENV_FILE, content: env, permissions: "0644", owner: "root:root" },
      {
        path: `/etc/systemd/system/${BACKUP_SERVICE}`,
        content: renderBackupService(),
        permissions: "0644",
        owner: "root:root",
      },
      {
        path: `/etc/systemd/system/${BACKUP_TIMER}`,
        content: renderBackupTimer(a.backup.schedule),
        permissions: "0644",
        owner: "root:root",
      },
    ],
    enableUnits: [BACKUP_TIMER],
    policyStatements: statements,
  };
}
