/**
 * The release: what runs in the containers (compose file, gateway config, ingress config, the pinned image),
 * as opposed to the bootstrap (units, scripts, host.env, Docker's daemon.json) that cloud-init writes once.
 *
 * Why the split: the bootstrap is the instance's user data, and a changed user data replaces the instance
 * (minutes of downtime, a new tailnet node, no way back once a new gateway migrated the state). A release
 * changes every few weeks, so it travels in an SSM Command document instead: State Manager runs it on the
 * running host on `pulumi up`, and a unit runs the same document at boot. Its commands stage the files under
 * the state volume and hand them to the host's upgrade transaction (`upgrade.sh apply --release <dir>`:
 * backup and snapshot first, health-gated cut-over, automatic rollback).
 *
 * Pure: files in, document text out. The document is readable by anyone who can describe SSM documents, so
 * it never carries a secret (the token is a file SecretRef the host fetches; provider keys an env file).
 */
import { createHash } from "node:crypto";
import { CONFIG_DIR, DATA_DIR, HOST_ENV, SCRIPT_DIR, UNIT_DIR } from "./layout";
import { sandbox, type UnitFile } from "./units";

/** The host's upgrade transaction (installed by the upgrade host add-on). */
export const UPGRADE_SCRIPT = `${SCRIPT_DIR}/upgrade.sh`;
/** Fetches this stack's release document's commands: the boot-time path to the same apply. */
export const FETCH_RELEASE_SCRIPT = `${SCRIPT_DIR}/fetch-release.sh`;
const RELEASE_RUNTIME_DIR = "openclaw-release";
const RELEASE_STEP = "applyRelease";
export const RELEASE_UNIT = "openclaw-release.service";
/** Where a release is staged before upgrade.sh takes it: on the state volume, so it survives a reboot. */
export const RELEASE_STAGING_DIR = `${DATA_DIR}/release-staging`;
/** The file of a release that holds the gateway image reference (the compose file names it too). */
export const RELEASE_IMAGE_FILE = "image";
/** SSM Command documents are limited to 64 KB; the base64 of a release must stay well inside it. */
export const RELEASE_DOCUMENT_MAX_BYTES = 60_000;
/** How long State Manager lets one apply run: pull, backup, snapshot, preflight, cut-over, health gate. */
export const RELEASE_TIMEOUT_SECONDS = 1800;

export function releaseDocumentName(stack: string): string {
  return `openclaw-${stack}-release`;
}

export interface ReleaseFile {
  /** Absolute host path under /etc/openclaw (the name inside a release is the path below it). */
  path: string;
  content: string;
  /** Octal mode, e.g. "0600". */
  permissions: string;
}

export interface Release {
  /** The gateway image reference the compose file runs (digest-pinned or a tag). */
  image: string;
  files: ReleaseFile[];
}

/** A release file's name inside the release directory: its path below /etc/openclaw. */
export function releaseFileName(hostPath: string): string {
  const prefix = `${CONFIG_DIR}/`;
  const rel = hostPath.startsWith(prefix) ? hostPath.slice(prefix.length) : "";
  // Names land in a shell line and a directory: plain path segments only, never "..", never host.env.
  if (!/^[A-Za-z0-9_-][A-Za-z0-9._-]*(\/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$/.test(rel) || hostPath === HOST_ENV) {
    throw new Error(`release file ${hostPath}: a release holds only files under ${CONFIG_DIR} (and not host.env)`);
  }
  if (rel === RELEASE_IMAGE_FILE) throw new Error(`release file ${hostPath}: "${RELEASE_IMAGE_FILE}" is reserved`);
  return rel;
}

/** A short content hash naming the release: the same files give the same id (the staging directory). */
export function releaseId(r: Release): string {
  const h = createHash("sha256");
  h.update(`image\0${r.image}\0`);
  for (const f of [...r.files].sort((a, b) => a.path.localeCompare(b.path)))
    h.update(`${f.path}\0${f.permissions}\0${f.content}\0`);
  return h.digest("hex").slice(0, 16);
}

/** One line per file: `install` makes it with its mode, then base64 (only [A-Za-z0-9+/=]: safe in '') fills it. */
function fileLine(name: string, permissions: string, content: string): string {
  if (!/^0[0-7]{3}$/.test(permissions))
    throw new Error(`release file ${name}: permissions ${permissions} must be octal`);
  const b64 = Buffer.from(content, "utf8").toString("base64");
  return `install -D -m ${permissions} /dev/null "$d/${name}" && printf '%s' '${b64}' | base64 -d > "$d/${name}"`;
}

/** The commands of the document: stage the release, then run the upgrade transaction on it. */
export function releaseCommands(r: Release): string[] {
  if (!r.image || /[\s'"\\$`]/.test(r.image))
    throw new Error(`release image ${JSON.stringify(r.image)} is not a reference`);
  const names = new Set<string>();
  const lines = r.files.map((f) => {
    const name = releaseFileName(f.path);
    if (names.has(name)) throw new Error(`release file ${f.path} appears twice`);
    names.add(name);
    return fileLine(name, f.permissions, f.content);
  });
  const id = releaseId(r);
  return [
    "#!/bin/bash",
    `# OpenClaw release ${id}: stage the files, then ${UPGRADE_SCRIPT} applies them as one transaction.`,
    "set -euo pipefail",
    "umask 077",
    // State Manager may reach a new instance before cloud-init has installed Docker and the scripts.
    "if command -v cloud-init >/dev/null; then cloud-init status --wait >/dev/null || true; fi",
    `d="${RELEASE_STAGING_DIR}/${id}"`,
    'rm -rf -- "$d"',
    `install -d -m 0700 "${RELEASE_STAGING_DIR}" "$d"`,
    fileLine(RELEASE_IMAGE_FILE, "0644", `${r.image}\n`),
    ...lines,
    `exec ${UPGRADE_SCRIPT} apply --release "$d"`,
  ];
}

/** The SSM Command document (schema 2.2): no parameters, so nothing sent with it can change what it runs. */
export function releaseDocumentContent(r: Release): string {
  const content = JSON.stringify(
    {
      schemaVersion: "2.2",
      description: `OpenClaw release ${releaseId(r)}: stage the gateway's compose file, config and image reference, then run the upgrade transaction (backup, snapshot, health-gated cut-over, rollback). Never carries a secret.`,
      mainSteps: [
        {
          action: "aws:runShellScript",
          name: RELEASE_STEP,
          precondition: { StringEquals: ["platformType", "Linux"] },
          inputs: { timeoutSeconds: String(RELEASE_TIMEOUT_SECONDS), runCommand: releaseCommands(r) },
        },
      ],
    },
    null,
    2,
  );
  if (Buffer.byteLength(content) > RELEASE_DOCUMENT_MAX_BYTES) {
    throw new Error(
      `the release document is ${Buffer.byteLength(content)} bytes; SSM allows 64 KB: shrink the gateway config or compose file`,
    );
  }
  return content;
}

/** Reads a release back from its document (the inverse of releaseDocumentContent), for tests and the plan. */
export function parseReleaseDocument(content: string): Release {
  const doc = JSON.parse(content) as { mainSteps?: { inputs?: { runCommand?: string[] } }[] };
  const files: ReleaseFile[] = [];
  let image = "";
  for (const line of doc.mainSteps?.[0]?.inputs?.runCommand ?? []) {
    const m =
      /^install -D -m (0[0-7]{3}) \/dev\/null "\$d\/([^"]+)" && printf '%s' '([A-Za-z0-9+/=]*)' \| base64 -d > "\$d\/\2"$/.exec(
        line,
      );
    if (!m) continue;
    const text = Buffer.from(m[3]!, "base64").toString("utf8");
    if (m[2] === RELEASE_IMAGE_FILE) image = text.trim();
    else files.push({ path: `${CONFIG_DIR}/${m[2]}`, content: text, permissions: m[1]! });
  }
  return { image, files };
}

/**
 * Boot-time apply, first half: fetch the document State Manager runs and write its commands to a file. On a
 * first boot the commands bring the gateway up; on a reboot the same release again is a no-op for
 * upgrade.sh; a release published while the host was down is applied as an upgrade.
 */
export function renderFetchReleaseScript(): string {
  return `#!/bin/bash
# Writes this stack's current release commands (what State Manager runs on \`pulumi up\`) to "$1".
set -euo pipefail
umask 077
: "\${AWS_REGION:?set in ${HOST_ENV}}" "\${OPENCLAW_RELEASE_DOCUMENT:?set in ${HOST_ENV}}" "\${1:?usage: $0 <output file>}"
# The default version is the latest: the provider promotes each new version when the content changes.
/usr/local/bin/aws ssm get-document --region "$AWS_REGION" --name "$OPENCLAW_RELEASE_DOCUMENT" \\
  --query Content --output text \\
  | jq -er '.mainSteps[] | select(.name == "${RELEASE_STEP}") | .inputs.runCommand | join("\\n")' >"$1.tmp"
mv -f -- "$1.tmp" "$1"
`;
}

function unit(sections: Record<string, string[]>): string {
  return `${Object.entries(sections)
    .map(([title, lines]) => `[${title}]\n${lines.join("\n")}`)
    .join("\n\n")}\n`;
}

/**
 * Applies the current release at boot. The fetch (the part that talks to the network) runs in the shared
 * sandbox; the commands then run as root outside it ("+"), exactly as the SSM agent runs them: upgrade.sh
 * drives Docker and systemd, installs files owned by the gateway's uid and snapshots the volume, which is
 * root's work by nature. Not ordered before the gateway unit: upgrade.sh starts the gateway itself, and a
 * gateway unit waiting on this one while this one waits on it would deadlock.
 */
export function renderReleaseUnit(): UnitFile {
  const commands = `/run/${RELEASE_RUNTIME_DIR}/release.sh`;
  return {
    name: RELEASE_UNIT,
    content: unit({
      Unit: [
        "Description=OpenClaw: apply the stack's current release (image, compose file, configs) as an upgrade transaction",
        "Wants=network-online.target",
        "After=network-online.target docker.service openclaw-secrets.service",
        `RequiresMountsFor=${DATA_DIR}`,
      ],
      Service: [
        "Type=oneshot",
        "RemainAfterExit=yes",
        `EnvironmentFile=${HOST_ENV}`,
        `RuntimeDirectory=${RELEASE_RUNTIME_DIR}`,
        `ExecStart=${FETCH_RELEASE_SCRIPT} ${commands}`,
        `ExecStart=+/bin/bash ${commands}`,
        // Pull, backup, snapshot, preflight and health gate of a large state can take a while.
        `TimeoutStartSec=${RELEASE_TIMEOUT_SECONDS}`,
        ...sandbox({ network: true }),
      ],
      Install: ["WantedBy=multi-user.target"],
    }),
  };
}

export const RELEASE_UNIT_PATH = `${UNIT_DIR}/${RELEASE_UNIT}`;
