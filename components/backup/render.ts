/**
 * The backup job's host files, rendered from typed input: the two scripts (kept as real files beside this
 * module so shellcheck and the CI drill run exactly what the host runs), the systemd service and timer, and
 * the environment file that ties them to this stack's bucket and key.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { COMPOSE_FILE, COMPOSE_PROJECT, CONFIG_DIR, DATA_DIR, SCRIPT_DIR, STATE_HOST_DIR } from "../gateway-vm/layout";
import { sandbox } from "../gateway-vm/units";

export const BACKUP_SCRIPT = `${SCRIPT_DIR}/backup.sh`;
export const RESTORE_SCRIPT = `${SCRIPT_DIR}/restore.sh`;
export const BACKUP_ENV_FILE = `${CONFIG_DIR}/backup.env`;
export const BACKUP_STAGING_DIR = `${DATA_DIR}/backup-staging`;
export const BACKUP_SERVICE = "openclaw-backup.service";
export const BACKUP_TIMER = "openclaw-backup.timer";

export function backupScript(): string {
  return readFileSync(join(__dirname, "backup.sh"), "utf8");
}

export function restoreScript(): string {
  return readFileSync(join(__dirname, "restore.sh"), "utf8");
}

export interface BackupEnv {
  bucket: string;
  /** `<stack>/` */
  prefix: string;
  keyArn: string;
  region: string;
  stack: string;
}

/** KEY=value lines for systemd's EnvironmentFile= and for `. backup.env` in restore.sh: no quoting needed. */
export function renderBackupEnv(e: BackupEnv): string {
  const vars: Record<string, string> = {
    OPENCLAW_BACKUP_BUCKET: e.bucket,
    OPENCLAW_BACKUP_PREFIX: e.prefix,
    OPENCLAW_BACKUP_KMS_KEY_ID: e.keyArn,
    OPENCLAW_STACK: e.stack,
    AWS_REGION: e.region,
    AWS_DEFAULT_REGION: e.region,
    OPENCLAW_BACKUP_SOURCE: "container",
    OPENCLAW_BACKUP_STAGING: BACKUP_STAGING_DIR,
    OPENCLAW_COMPOSE_PROJECT: COMPOSE_PROJECT,
    OPENCLAW_COMPOSE_FILE: COMPOSE_FILE,
    OPENCLAW_COMPOSE_SERVICE: "gateway",
    OPENCLAW_COMPOSE_RUN_SERVICE: "backup",
    OPENCLAW_STATE_DIR: STATE_HOST_DIR,
  };
  for (const [k, v] of Object.entries(vars)) {
    // Both systemd and the shell read this file: a value with spaces, quotes or $ would mean different
    // things to each, so only the characters ARNs, names and paths use are allowed.
    if (!/^[A-Za-z0-9_.:/*@+=-]+$/.test(v))
      throw new Error(`backup.env: ${k}=${JSON.stringify(v)} has characters outside [A-Za-z0-9_.:/*@+=-]`);
  }
  return `${[
    "# Written by Pulumi (components/backup). Read by openclaw-backup.service and restore.sh.",
    ...Object.entries(vars).map(([k, v]) => `${k}=${v}`),
  ].join("\n")}\n`;
}

/** systemd accepts these in OnCalendar=; the config schema checks the character set, this checks shape. */
export function renderBackupTimer(schedule: string): string {
  if (schedule.trim() === "" || /[\n\r]/.test(schedule))
    throw new Error(
      `openclaw:backup.schedule = ${JSON.stringify(schedule)}: must be one systemd OnCalendar expression`,
    );
  return [
    "[Unit]",
    "Description=Daily off-host backup of the OpenClaw gateway state",
    "",
    "[Timer]",
    `OnCalendar=${schedule}`,
    // A host that was off at the scheduled time backs up at boot instead of skipping a day.
    "Persistent=true",
    // Spread many stacks' backups so they do not hit S3 and KMS in the same second.
    "RandomizedDelaySec=15min",
    "AccuracySec=1min",
    "",
    "[Install]",
    "WantedBy=timers.target",
    "",
  ].join("\n");
}

export function renderBackupService(): string {
  const service = [
    "Type=oneshot",
    `EnvironmentFile=${BACKUP_ENV_FILE}`,
    // The docker CLI reads its config from HOME, which ProtectHome hides; the gateway unit uses the same dir.
    "Environment=DOCKER_CONFIG=/run/openclaw/docker",
    "Environment=HOME=/var/lib/openclaw-backup",
    "Environment=PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "StateDirectory=openclaw-backup",
    // The lock backup.sh shares with restore.sh and reload-token.sh (gateway-vm/host-lock.ts): root-only, kept
    // when the job ends so a restore that holds it is not left with a deleted lock file.
    "RuntimeDirectory=openclaw-lock",
    "RuntimeDirectoryMode=0700",
    "RuntimeDirectoryPreserve=yes",
    // "+": created outside the sandbox (chown is not in its bounding set). On the encrypted data volume
    // because archives hold credentials; container-out is where the gateway container (uid 1000) writes.
    `ExecStartPre=+/usr/bin/install -d -m 0700 -o root -g root ${BACKUP_STAGING_DIR}`,
    `ExecStartPre=+/usr/bin/install -d -m 0700 -o 1000 -g 1000 ${BACKUP_STAGING_DIR}/container-out`,
    `ExecStart=${BACKUP_SCRIPT}`,
    "TimeoutStartSec=2h",
    // A backup must not slow the gateway down: lowest CPU and I/O priority.
    "Nice=10",
    "IOSchedulingClass=idle",
    "SyslogIdentifier=openclaw-backup",
    // backup.sh reads and removes the 0600 archive the container (uid 1000) wrote: CAP_DAC_OVERRIDE only.
    // S3, KMS and CloudWatch need AF_INET(6); neither the AWS CLI nor the docker CLI needs netlink.
    ...sandbox({
      network: true,
      readWritePaths: [BACKUP_STAGING_DIR, "-/run/openclaw/docker"],
      capabilities: ["CAP_DAC_OVERRIDE"],
    }).map((l) => (l.startsWith("RestrictAddressFamilies=") ? "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6" : l)),
    "PrivateMounts=yes",
  ];
  return [
    "[Unit]",
    "Description=OpenClaw gateway state backup to S3 (openclaw backup create --verify)",
    "Documentation=file:/usr/local/lib/openclaw/restore.sh",
    // The state lives on the data volume that systemd mounts from fstab (components/gateway-vm/units.ts).
    "Requires=docker.service",
    "RequiresMountsFor=/var/lib/openclaw",
    "After=docker.service openclaw-secrets.service network-online.target",
    "Wants=network-online.target",
    "",
    "[Service]",
    ...service,
    "",
  ].join("\n");
}
