/**
 * cloud-init user data for the gateway host (Ubuntu 24.04 LTS). Pure: files in, `#cloud-config` text out.
 * No secret ever goes in here: units fetch them from Secrets Manager at boot (policy `no-secrets-in-user-data`).
 */
import { stringify } from "yaml";
import { awsCliInstallScript } from "./aws-cli";

export interface ResolvedHostFile {
  path: string;
  content: string;
  permissions: string;
  owner?: string;
  append?: boolean;
}

export interface UserDataInput {
  files: ResolvedHostFile[];
  /** Units to enable and start, in order. */
  enableUnits: string[];
  /** Extra Debian/Ubuntu packages. */
  packages?: string[];
}

// gpg verifies the AWS CLI's signature (aws-cli.ts).
export const BASE_PACKAGES = ["docker.io", "docker-compose-v2", "jq", "curl", "unzip", "gpg", "unattended-upgrades"];

/** AWS CLI v2, pinned and signature-checked (aws-cli.ts), into /usr/local. */
export const AWS_CLI_INSTALL = ["bash", "-c", awsCliInstallScript()];

/** Host facts the units read (never secret): one place, so scripts stay parameterised and testable. */
export function renderHostEnv(facts: Record<string, string>): string {
  return (
    "# Rendered by the openclaw stack. Non-secret host facts for the openclaw-* units.\n" +
    Object.entries(facts)
      .map(([k, v]) => {
        if (!/^[A-Z][A-Z0-9_]*$/.test(k)) throw new Error(`host.env key ${k} is not an environment variable name`);
        if (/[\n"\\$`]/.test(v))
          throw new Error(`host.env value for ${k} contains characters systemd would interpret: ${JSON.stringify(v)}`);
        return `${k}="${v}"`;
      })
      .join("\n") +
    "\n"
  );
}

/** Docker daemon defaults: no inter-container traffic by default, no privilege gain, bounded logs. */
export const DOCKER_DAEMON_JSON = `${JSON.stringify(
  {
    icc: false,
    "no-new-privileges": true,
    "live-restore": true,
    "userland-proxy": false,
    "log-driver": "json-file",
    "log-opts": { "max-size": "10m", "max-file": "5" },
  },
  null,
  2,
)}\n`;

export function renderUserData(input: UserDataInput): string {
  const seen = new Set<string>();
  for (const f of input.files) {
    if (seen.has(f.path) && !f.append) throw new Error(`two host files claim ${f.path}`);
    seen.add(f.path);
    if (!/^0[0-7]{3}$/.test(f.permissions))
      throw new Error(`host file ${f.path}: permissions ${f.permissions} must be octal like 0644`);
  }
  const doc = {
    // No default (sudo) user, no passwords, no SSH: administration is through SSM Session Manager only. The
    // one user is the gateway's uid 1000, locked and without a shell, so host files can be owned by name.
    users: [{ name: "openclaw", uid: 1000, lock_passwd: true, shell: "/usr/sbin/nologin", no_create_home: true }],
    disable_root: true,
    ssh_pwauth: false,
    package_update: true,
    package_upgrade: true,
    packages: [...BASE_PACKAGES, ...(input.packages ?? [])],
    write_files: input.files.map((f) => ({
      path: f.path,
      content: f.content,
      permissions: f.permissions,
      owner: f.owner ?? "root:root",
      ...(f.append ? { append: true } : {}),
    })),
    runcmd: [
      ["systemctl", "disable", "--now", "ssh.socket", "ssh.service"],
      AWS_CLI_INSTALL,
      ["systemctl", "restart", "docker.service"],
      ["systemctl", "daemon-reload"],
      ...input.enableUnits.map((u) => ["systemctl", "enable", "--now", "--no-block", u]),
    ],
  };
  return `#cloud-config\n${stringify(doc, { lineWidth: 0 })}`;
}
