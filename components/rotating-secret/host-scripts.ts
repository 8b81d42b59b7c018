/**
 * Pure renderers for the host side of secret delivery on the VM. No Pulumi here: inputs are plain
 * strings (ARNs may be Outputs; the component applies them before calling), so every file is testable
 * with shellcheck and systemd-analyze.
 *
 * The Secrets Manager call (IMDSv2 credentials, curl --aws-sigv4, retries) is the host's shared one, from
 * components/gateway-vm/host-aws.ts, which says why it is curl and not the AWS CLI.
 */

import { secretsManagerShell } from "../gateway-vm/host-aws";
import { COMPOSE_FILE, COMPOSE_PROJECT, ENV_FILE, RUN_DIR, SCRIPT_DIR, unitPath } from "../gateway-vm/layout";

export const SECRETS_UNIT = "openclaw-secrets.service";

export const hostPaths = {
  fetchScript: `${SCRIPT_DIR}/fetch-secrets.sh`,
  reloadScript: `${SCRIPT_DIR}/reload-token.sh`,
  unit: unitPath(SECRETS_UNIT),
  runDir: RUN_DIR,
  envFile: ENV_FILE,
  versionFile: `${RUN_DIR}/gateway.version`,
  requestFile: `${RUN_DIR}/secrets.request`,
} as const;

export interface FetchScriptInput {
  region: string;
  tokenSecretArn: string;
  /** Omitted when no provider key is configured. */
  providerKeysSecretArn?: string;
}

const uuidish = "^[A-Za-z0-9-]{32,64}$";

function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export function renderFetchScript(i: FetchScriptInput): string {
  return `#!/bin/bash
# Writes ${hostPaths.envFile} (OPENCLAW_GATEWAY_TOKEN and provider keys) from AWS Secrets Manager.
# Usage: fetch-secrets.sh [--stage AWSCURRENT|AWSPENDING] [--version-id ID]
# Defaults come from OPENCLAW_SECRET_STAGE / OPENCLAW_SECRET_VERSION_ID (the unit reads them from
# ${hostPaths.requestFile}, written by reload-token.sh during a rotation; /run is empty after a reboot,
# so a booting host always reads AWSCURRENT). Never prints a secret value.
set -euo pipefail
umask 077

TOKEN_SECRET=${shq(i.tokenSecretArn)}
PROVIDER_SECRET=${shq(i.providerKeysSecretArn ?? "")}
# OPENCLAW_RUN_DIR exists for the CI drill only; the unit leaves it unset.
RUN_DIR="\${OPENCLAW_RUN_DIR:-${hostPaths.runDir}}"
# First boot: the rotation function creates the first token moments after the secret; wait for it.
SM_WAIT_SECONDS="\${OPENCLAW_SECRET_WAIT_SECONDS:-900}"

stage="\${OPENCLAW_SECRET_STAGE:-AWSCURRENT}"
version_id="\${OPENCLAW_SECRET_VERSION_ID:-}"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --stage) stage="\${2:-}"; shift 2 ;;
    --version-id) version_id="\${2:-}"; shift 2 ;;
    *) echo "fetch-secrets: unknown argument $1" >&2; exit 64 ;;
  esac
done
case "$stage" in AWSCURRENT|AWSPENDING) ;; *) echo "fetch-secrets: --stage must be AWSCURRENT or AWSPENDING, got '$stage'" >&2; exit 64 ;; esac
if [[ -n "$version_id" && ! "$version_id" =~ ${uuidish} ]]; then
  echo "fetch-secrets: --version-id must match ${uuidish}" >&2; exit 64
fi

mkdir -p "$RUN_DIR"
work="$(mktemp -d "$RUN_DIR/.fetch.XXXXXX")"
trap 'rm -rf "$work"' EXIT

${secretsManagerShell({ region: i.region, tag: "fetch-secrets" })}
sm_get_secret "$work/resp.json" "$TOKEN_SECRET" "$stage" "$version_id"
token="$(jq -r '.SecretString // ""' "$work/resp.json")"
loaded_version="$(jq -r '.VersionId // ""' "$work/resp.json")"
if [[ ! "$token" =~ ^[A-Za-z0-9_-]{43,}$ ]]; then
  echo "fetch-secrets: the gateway token in $TOKEN_SECRET ($stage) is not a 32+ byte URL-safe token; refusing to start the gateway with it" >&2
  exit 65
fi
{ printf 'OPENCLAW_GATEWAY_TOKEN=%s\\n' "$token"; } > "$work/gateway.env"

if [[ -n "$PROVIDER_SECRET" ]]; then
  sm_get_secret "$work/resp.json" "$PROVIDER_SECRET" AWSCURRENT
  # Only NAME=value pairs that an env file can carry unambiguously; anything else is dropped, by name.
  jq -r '.SecretString | fromjson | to_entries[] | select((.key|test("^[A-Z][A-Z0-9_]*$")) and (.value|type=="string") and (.value|test("^[^\\\\s\\"#]+$"))) | "\\(.key)=\\(.value)"' "$work/resp.json" >> "$work/gateway.env"
  jq -r '.SecretString | fromjson | to_entries[] | select(((.key|test("^[A-Z][A-Z0-9_]*$")) and (.value|type=="string") and (.value|test("^[^\\\\s\\"#]+$")))|not) | "fetch-secrets: skipped provider key \\(.key): not a single-line value"' "$work/resp.json" >&2
fi

mv -f "$work/gateway.env" "$RUN_DIR/gateway.env"
printf '%s\\n' "$loaded_version" > "$RUN_DIR/gateway.version"
chmod 0600 "$RUN_DIR/gateway.env"
echo "fetch-secrets: wrote $RUN_DIR/gateway.env from version $loaded_version ($stage)"
`;
}

export interface ReloadScriptInput {
  /** Compose invocation prefix on the host, from the VM contract. */
  compose?: string;
}

/**
 * The only program the SSM document runs. Actions: apply-pending VERSION (gateway restarts on that
 * version, idempotent), verify VERSION (the running gateway authenticates with it), restore-current.
 */
export function renderReloadScript(i: ReloadScriptInput = {}): string {
  const compose = i.compose ?? `docker compose -p ${COMPOSE_PROJECT} -f ${COMPOSE_FILE}`;
  // Runs inside the gateway container: loopback there is a direct client (no proxy attribution), and the
  // token is the one the container really holds. Only a SHA-256 of the expected token crosses argv.
  const probe = [
    `const t=process.env.OPENCLAW_GATEWAY_TOKEN||"";`,
    `if(require("crypto").createHash("sha256").update(t).digest("hex")!==process.env.OC_EXPECT){console.error("the container holds a different token");process.exit(3)}`,
    `const u="http://127.0.0.1:18789";const end=Date.now()+120000;`,
    `(async()=>{for(;;){try{const r=await fetch(u+"/readyz");if(r.status===200)break}catch{}if(Date.now()>end){console.error("gateway not ready after 120s");process.exit(4)}await new Promise(r=>setTimeout(r,2000))}`,
    `const a=await fetch(u+"/tools/invoke",{method:"POST",headers:{authorization:"Bearer "+t,"content-type":"application/json"},body:"{}"});`,
    `const b=await fetch(u+"/tools/invoke",{method:"POST",headers:{"content-type":"application/json"},body:"{}"});`,
    `if(a.status===401||a.status===403){console.error("gateway rejected the token: HTTP "+a.status);process.exit(5)}`,
    `if(b.status!==401&&b.status!==403){console.error("gateway did not demand a token: HTTP "+b.status);process.exit(6)}`,
    `console.log("gateway accepts the token (HTTP "+a.status+"), rejects no token (HTTP "+b.status+")")})().catch(e=>{console.error(String(e));process.exit(7)})`,
  ].join("");
  return `#!/bin/bash
# Run by the SSM document openclaw-<stack>-reload-token during a token rotation. Prints no secret.
set -euo pipefail
umask 077
action="\${1:-}"; version="\${2:-}"
REQUEST=${shq(hostPaths.requestFile)}
VERSION_FILE=${shq(hostPaths.versionFile)}
ENV_FILE=${shq(hostPaths.envFile)}

need_version() {
  if [[ ! "$version" =~ ${uuidish} ]]; then echo "reload-token: $action needs a version id matching ${uuidish}" >&2; exit 64; fi
}
loaded() { if [[ -r "$VERSION_FILE" ]]; then cat "$VERSION_FILE"; fi; }

case "$action" in
  apply-pending)
    need_version
    if [[ "$(loaded)" == "$version" ]] && systemctl is-active --quiet openclaw-gateway.service; then
      echo "reload-token: gateway already runs version $version"; exit 0
    fi
    mkdir -p "$(dirname "$REQUEST")"
    printf 'OPENCLAW_SECRET_STAGE=AWSPENDING\\nOPENCLAW_SECRET_VERSION_ID=%s\\n' "$version" > "$REQUEST.tmp"
    mv -f "$REQUEST.tmp" "$REQUEST"
    # One transaction: the gateway (Requires=openclaw-secrets.service) restarts once, after the fetch.
    systemctl restart openclaw-secrets.service openclaw-gateway.service
    echo "reload-token: gateway restarted on pending version $version"
    ;;
  restore-current)
    rm -f "$REQUEST"
    systemctl restart openclaw-secrets.service openclaw-gateway.service
    echo "reload-token: gateway restarted on AWSCURRENT version $(loaded)"
    ;;
  verify)
    need_version
    if [[ "$(loaded)" != "$version" ]]; then echo "reload-token: gateway env holds version '$(loaded)', expected $version" >&2; exit 1; fi
    token="$(sed -n 's/^OPENCLAW_GATEWAY_TOKEN=//p' "$ENV_FILE")"
    expect="$(printf '%s' "$token" | sha256sum | cut -d' ' -f1)"
    unset token
    ${compose} exec -T -e OC_EXPECT="$expect" gateway node -e ${shq(probe)}
    ;;
  *) echo "reload-token: unknown action '$action' (apply-pending | verify | restore-current)" >&2; exit 64 ;;
esac
`;
}

/** systemd unit; hardened so `systemd-analyze security` scores it at most 2.0. */
export function renderSecretsUnit(): string {
  return `[Unit]
Description=OpenClaw: fetch the gateway token and provider keys from AWS Secrets Manager
Documentation=file:///usr/local/lib/openclaw/fetch-secrets.sh
Wants=network-online.target
After=network-online.target

[Service]
Type=oneshot
RemainAfterExit=yes
Environment=OPENCLAW_SECRET_STAGE=AWSCURRENT
EnvironmentFile=-${hostPaths.requestFile}
ExecStart=${hostPaths.fetchScript}
TimeoutStartSec=20min
UMask=0077
RuntimeDirectory=openclaw
RuntimeDirectoryMode=0700
RuntimeDirectoryPreserve=yes
ReadWritePaths=${hostPaths.runDir}
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
PrivateDevices=yes
PrivateIPC=yes
ProtectHostname=yes
ProtectClock=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectProc=invisible
ProcSubset=pid
RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
MemoryDenyWriteExecute=yes
RemoveIPC=yes
PrivateMounts=yes
CapabilityBoundingSet=
AmbientCapabilities=
SystemCallArchitectures=native
SystemCallFilter=@system-service
SystemCallFilter=~@privileged @resources @mount @swap @reboot @raw-io @module @obsolete @debug @cpu-emulation @clock
SystemCallErrorNumber=EPERM
DevicePolicy=closed
KeyringMode=private
NotifyAccess=none

[Install]
WantedBy=multi-user.target
`;
}
