/**
 * Host-side pieces of the ingress for the VM: a oneshot unit that, before compose starts, writes the sidecar's
 * env file from Secrets Manager and creates the sidecar's state directory on the data disk. Pure renderers;
 * `ingressHostAddon` (host-addon.ts) wires in the secret ARNs.
 *
 * Secrets Manager is read the host's one way (components/gateway-vm/host-aws.ts: IMDSv2 credentials, curl
 * --aws-sigv4), the same call fetch-secrets.sh makes.
 *
 * Why a unit of its own and not the gateway's env file: that file holds the gateway token and provider keys,
 * and the proxy container must not see them (least privilege); the proxy gets a file with only its secret.
 */
import { assertAwsRegion, secretsManagerShell } from "../gateway-vm/host-aws";
import { SCRIPT_DIR } from "../gateway-vm/layout";
import { sandbox } from "../gateway-vm/units";
import type { HostDir } from "./plan";
import { DEFAULT_DATA_DIR, INGRESS_ENV_FILE } from "./plan";

export const INGRESS_UNIT = "openclaw-ingress.service";
export const INGRESS_SCRIPT_PATH = `${SCRIPT_DIR}/ingress-secrets.sh`;

export interface IngressSecretRef {
  /** Env var name in INGRESS_ENV_FILE. */
  name: string;
  /** Secrets Manager ARN (resolved before rendering). */
  arn: string;
}

export interface IngressScriptInput {
  /** Rendered as a literal: the host region is not secret. */
  region: string;
  secrets: readonly IngressSecretRef[];
  dirs: readonly HostDir[];
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export function renderIngressSecretsScript(input: IngressScriptInput): string {
  assertAwsRegion(input.region);
  for (const s of input.secrets) {
    if (!/^[A-Z][A-Z0-9_]*$/.test(s.name))
      throw new Error(`env var name "${s.name}" must be upper-case letters, digits and _`);
    if (!/^arn:aws[a-z-]*:secretsmanager:/.test(s.arn))
      throw new Error(`secret for ${s.name} must be a Secrets Manager ARN, got "${s.arn}"`);
  }
  const lines = [
    "#!/bin/bash",
    "# Rendered by the openclaw Pulumi stack (components/ingress/host-files.ts). Do not edit on the host.",
    "# Writes the ingress sidecar's env file from Secrets Manager and creates its state directory.",
    "# Never echoes a secret value; no set -x.",
    "set -euo pipefail",
    "umask 077",
    "",
    `env_file=${shellQuote(INGRESS_ENV_FILE)}`,
    // The secrets exist before the instance does; the wait covers IMDS credentials at early boot and throttling.
    'SM_WAIT_SECONDS="${OPENCLAW_SECRET_WAIT_SECONDS:-120}"',
    'tmp="$(mktemp "${env_file}.XXXXXX")"',
    'resp="$(mktemp "${env_file}.resp.XXXXXX")"',
    'trap \'rm -f "$tmp" "$resp"\' EXIT',
    "",
    secretsManagerShell({ region: input.region, tag: "ingress-secrets" }),
    "add() {",
    '  local name="$1" value',
    '  sm_get_secret "$resp" "$2" AWSCURRENT',
    '  value="$(jq -r \'.SecretString // ""\' "$resp")"',
    "  # Single-quoted so docker compose takes the value literally: a bcrypt hash is full of '$'.",
    '  case "$value" in',
    `    ""|*"'"*|*$'\\n'*) echo "secret for $name is empty or holds a quote or newline; fix the value in Secrets Manager" >&2; return 1 ;;`,
    "  esac",
    '  printf "%s=\'%s\'\\n" "$name" "$value" >>"$tmp"',
    "}",
    "",
    ...input.secrets.map((s) => `add ${s.name} ${shellQuote(s.arn)}`),
    "",
    'chmod 0600 "$tmp"',
    'mv -f "$tmp" "$env_file"',
    'rm -f "$resp"',
    "trap - EXIT",
    "",
  ];
  return lines.join("\n");
}

/** The sidecar's state directories are created by the unit's privileged pre-step; the script itself runs sandboxed. */
export function renderIngressUnit(dirs: readonly HostDir[] = []): string {
  return [
    "# Rendered by the openclaw Pulumi stack (components/ingress/host-files.ts). Do not edit on the host.",
    "[Unit]",
    "Description=OpenClaw ingress sidecar secrets and state directory",
    // The state directory lives on the data disk, which must be mounted first.
    `RequiresMountsFor=${DEFAULT_DATA_DIR}`,
    "After=network-online.target",
    "Wants=network-online.target",
    "Before=openclaw-gateway.service",
    "",
    "[Service]",
    "Type=oneshot",
    "RemainAfterExit=yes",
    // Only creating the directories with their owner needs privileges: "+" runs these outside the sandbox.
    "ExecStartPre=+/usr/bin/install -d -m 0755 /run/openclaw",
    ...dirs.map(
      (d) =>
        `ExecStartPre=+/usr/bin/install -d -o ${d.owner.split(":")[0]} -g ${d.owner.split(":")[1]} -m ${d.mode} ${d.path}`,
    ),
    `ExecStart=${INGRESS_SCRIPT_PATH}`,
    // Reaches Secrets Manager over HTTPS; writes only the env file under /run/openclaw.
    ...sandbox({ network: true, readWritePaths: ["/run/openclaw"] }),
    "",
    "[Install]",
    "RequiredBy=openclaw-gateway.service",
    "",
  ].join("\n");
}
