/**
 * Pure renderers for the host side of secret delivery on the VM. No Pulumi here: inputs are plain
 * strings (ARNs may be Outputs; the component applies them before calling), so every file is testable
 * with shellcheck and systemd-analyze.
 *
 * The Secrets Manager call (IMDSv2 credentials, curl --aws-sigv4, retries) is the host's shared one, from
 * components/gateway-vm/host-aws.ts, which says why it is curl and not the AWS CLI.
 */

import { GATEWAY_PORT, GATEWAY_UID } from "../container/spec";
import { GATEWAY_TOKEN_FILE_NAME } from "../gateway-config/render";
import { awsEndpoint, secretsManagerShell } from "../gateway-vm/host-aws";
import { GATEWAY_METRIC_NAMESPACE } from "../observability/policies";
import { hostLockShell } from "../gateway-vm/host-lock";
import { COMPOSE_FILE, COMPOSE_PROJECT, ENV_FILE, RUN_DIR, SCRIPT_DIR, unitPath } from "../gateway-vm/layout";

export const SECRETS_UNIT = "openclaw-secrets.service";

export const hostPaths = {
  fetchScript: `${SCRIPT_DIR}/fetch-secrets.sh`,
  reloadScript: `${SCRIPT_DIR}/reload-token.sh`,
  unit: unitPath(SECRETS_UNIT),
  reconcileUnit: unitPath("openclaw-token-reconcile.service"),
  reconcileTimer: unitPath("openclaw-token-reconcile.timer"),
  runDir: RUN_DIR,
  envFile: ENV_FILE,
  /** Bind-mounted (the directory, read-only) at GATEWAY_TOKEN_MOUNT_DIR in the container. */
  tokenDir: `${RUN_DIR}/secrets`,
  tokenFile: `${RUN_DIR}/secrets/${GATEWAY_TOKEN_FILE_NAME}`,
  /** The token the gateway may still hold while a new one is being applied; removed once it accepts the new one. */
  previousTokenFile: `${RUN_DIR}/gateway-token.previous`,
  versionFile: `${RUN_DIR}/gateway.version`,
  /** Written by an earlier layout; removed by every run so no restart ever reloads an abandoned version. */
  legacyRequestFile: `${RUN_DIR}/secrets.request`,
} as const;

/**
 * Timeouts, innermost first; each layer waits longer than everything inside it, so nobody gives up on a host
 * action that is still running (tested in test/rotation/host-script.test.ts).
 */
export const rotationTimeouts = {
  /** One GetSecretValue, retried while it can heal. */
  secretFetchSeconds: 20,
  /** Waiting for the gateway to answer a token probe (before and after the reload). */
  probeSeconds: 15,
  /** One secrets.reload RPC in the container; at most two are tried (the previous token, the file's). */
  reloadRpcSeconds: 15,
  /** The whole reload-token.sh run (`timeout` around it in the SSM document and the reconcile unit). */
  hostActionSeconds: 90,
  /** SSM document step executionTimeout. */
  ssmStepSeconds: 110,
  /** How long the rotation function waits for one host action (SendCommand + polling). */
  deliveryWaitSeconds: 130,
  /** The rotation function's own timeout: at most two host actions per step (setSecret's check, then rollback). */
  lambdaSeconds: 300,
  /** The reconciler's period: the longest a host stays off AWSCURRENT after any failure. */
  reconcileMinutes: 2,
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

/**
 * install_token NEWFILE: puts the token file in place atomically (same directory, rename), owned by the gateway's
 * uid and 0600 as its file provider demands. The token it replaces is kept as the previous token (unless one is
 * kept already) so the running gateway, which still holds it, can be asked to reload.
 */
function installTokenShell(): string {
  return `GATEWAY_UID="\${OPENCLAW_GATEWAY_UID:-${GATEWAY_UID}}"
TOKEN_DIR="$RUN_DIR/secrets"
TOKEN_FILE="$TOKEN_DIR/${GATEWAY_TOKEN_FILE_NAME}"
# root's own copies: the gateway's file is 0600 to uid ${GATEWAY_UID}, which root without CAP_DAC_* cannot read back.
CURRENT_COPY="$RUN_DIR/gateway-token.current"
PREVIOUS_FILE="$RUN_DIR/gateway-token.previous"
install_token() {
  local src="$1" tmp
  mkdir -p "$TOKEN_DIR"
  chmod 0700 "$TOKEN_DIR"; chown "$GATEWAY_UID:$GATEWAY_UID" "$TOKEN_DIR"
  if [[ -f "$CURRENT_COPY" ]] && ! cmp -s "$src" "$CURRENT_COPY" && [[ ! -f "$PREVIOUS_FILE" ]]; then
    mv -f "$CURRENT_COPY" "$PREVIOUS_FILE"
  fi
  cat "$src" > "$CURRENT_COPY.tmp" && mv -f "$CURRENT_COPY.tmp" "$CURRENT_COPY"
  tmp="$(mktemp "$TOKEN_DIR/.token.XXXXXX")"
  cat "$src" > "$tmp"
  chmod 0600 "$tmp"; chown "$GATEWAY_UID:$GATEWAY_UID" "$tmp"
  mv -f "$tmp" "$TOKEN_FILE"
}
`;
}

export function renderFetchScript(i: FetchScriptInput): string {
  return `#!/bin/bash
# Boot path: writes the gateway token (AWSCURRENT) to ${hostPaths.tokenFile}, where the gateway reads it through a
# file SecretRef, and the provider keys to ${hostPaths.envFile}. Never prints a secret value.
# Rotations do not restart anything: reload-token.sh rewrites the token file and the running gateway re-reads it.
set -euo pipefail
umask 077

TOKEN_SECRET=${shq(i.tokenSecretArn)}
PROVIDER_SECRET=${shq(i.providerKeysSecretArn ?? "")}
# OPENCLAW_RUN_DIR exists for the tests only; the unit leaves it unset.
RUN_DIR="\${OPENCLAW_RUN_DIR:-${hostPaths.runDir}}"
# First boot: the rotation function creates the first token moments after the secret; wait for it.
SM_WAIT_SECONDS="\${OPENCLAW_SECRET_WAIT_SECONDS:-900}"

mkdir -p "$RUN_DIR"
rm -f "$RUN_DIR/secrets.request"
work="$(mktemp -d "$RUN_DIR/.fetch.XXXXXX")"
trap 'rm -rf "$work"' EXIT

${secretsManagerShell({ region: i.region, tag: "fetch-secrets" })}
${installTokenShell()}
sm_get_secret "$work/resp.json" "$TOKEN_SECRET" AWSCURRENT
token="$(jq -r '.SecretString // ""' "$work/resp.json")"
loaded_version="$(jq -r '.VersionId // ""' "$work/resp.json")"
if [[ ! "$token" =~ ^[A-Za-z0-9_-]{43,}$ ]]; then
  echo "fetch-secrets: the gateway token in $TOKEN_SECRET (AWSCURRENT) is not a 32+ byte URL-safe token; refusing to start the gateway with it" >&2
  exit 65
fi
printf '%s\\n' "$token" > "$work/token"
unset token
: > "$work/gateway.env"

if [[ -n "$PROVIDER_SECRET" ]]; then
  sm_get_secret "$work/resp.json" "$PROVIDER_SECRET" AWSCURRENT
  # Only NAME=value pairs that an env file can carry unambiguously; anything else is dropped, by name.
  jq -r '.SecretString | fromjson | to_entries[] | select((.key|test("^[A-Z][A-Z0-9_]*$")) and (.value|type=="string") and (.value|test("^[^\\\\s\\"#]+$"))) | "\\(.key)=\\(.value)"' "$work/resp.json" >> "$work/gateway.env"
  jq -r '.SecretString | fromjson | to_entries[] | select(((.key|test("^[A-Z][A-Z0-9_]*$")) and (.value|type=="string") and (.value|test("^[^\\\\s\\"#]+$")))|not) | "fetch-secrets: skipped provider key \\(.key): not a single-line value"' "$work/resp.json" >&2
fi

install_token "$work/token"
mv -f "$work/gateway.env" "$RUN_DIR/gateway.env"
chmod 0600 "$RUN_DIR/gateway.env"
printf '%s\\n' "$loaded_version" > "$RUN_DIR/gateway.version"
echo "fetch-secrets: wrote the gateway token (AWSCURRENT version $loaded_version) and $RUN_DIR/gateway.env"
`;
}

export interface ReloadScriptInput {
  region: string;
  tokenSecretArn: string;
  /** The stack name: the metric's Stack dimension. */
  stack: string;
  /** Compose invocation prefix on the host, from the VM contract. */
  compose?: string;
}

/**
 * Runs inside the gateway container (loopback there is a direct client, and it reaches the gateway the clients
 * reach). Tokens come in the environment (`docker exec -e NAME`, never argv). Modes:
 *   probe  OC_TOKEN:  exit 0 accepted, 1 rejected (401/403), 2 not ready or unreachable, 3 auth not enforced
 *   reload OC_TOKEN:  the gateway's own `secrets.reload` RPC, authenticated with the token it runs on now;
 *                     exit 0 reloaded, 1 that token was rejected, 2 anything else
 */
export const containerHelper = [
  `const [mode]=process.argv.slice(1);const t=process.env.OC_TOKEN||"";const u="127.0.0.1:${GATEWAY_PORT}";`,
  `const post=(h)=>fetch("http://"+u+"/tools/invoke",{method:"POST",headers:{"content-type":"application/json",...h},body:"{}",signal:AbortSignal.timeout(10000)});`,
  `(async()=>{if(mode==="probe"){let r;try{r=await fetch("http://"+u+"/readyz",{signal:AbortSignal.timeout(5000)})}catch(e){console.error("gateway unreachable: "+e.message);process.exit(2)}`,
  `if(r.status!==200){console.error("gateway not ready: HTTP "+r.status);process.exit(2)}`,
  `const a=await post({authorization:"Bearer "+t});if(a.status===401||a.status===403){process.exit(1)}`,
  `const b=await post({});if(b.status!==401&&b.status!==403){console.error("gateway did not demand a token: HTTP "+b.status);process.exit(3)}process.exit(0)}`,
  `const ws=new WebSocket("ws://"+u+"/");setTimeout(()=>{console.error("secrets.reload: no answer in ${rotationTimeouts.reloadRpcSeconds}s");process.exit(2)},${rotationTimeouts.reloadRpcSeconds * 1000});`,
  `ws.onmessage=(m)=>{const f=JSON.parse(String(m.data));`,
  `if(f.type==="event"&&f.event==="connect.challenge"){ws.send(JSON.stringify({type:"req",id:"c",method:"connect",params:{minProtocol:4,maxProtocol:4,client:{id:"cli",version:"reload-token",platform:"linux",mode:"cli"},role:"operator",scopes:["operator.admin"],caps:[],commands:[],permissions:{},auth:{token:t},locale:"en-US",userAgent:"openclaw-reload-token"}}))}`,
  `else if(f.type==="res"&&f.id==="c"){if(!f.ok){const c=f.error?.details?.code??f.error?.code;console.error("secrets.reload: connect refused: "+c);process.exit(String(c).startsWith("AUTH_")?1:2)}ws.send(JSON.stringify({type:"req",id:"r",method:"secrets.reload",params:{}}))}`,
  `else if(f.type==="res"&&f.id==="r"){if(!f.ok){console.error("secrets.reload failed: "+(f.error?.message??"?"));process.exit(2)}process.exit(0)}};`,
  `ws.onclose=(e)=>{console.error("secrets.reload: closed "+e.code+" "+e.reason);process.exit(/token|auth/i.test(e.reason)?1:2)}})()`,
  `.catch((e)=>{console.error(String(e));process.exit(2)})`,
].join("");

/**
 * The only program the SSM document and the reconcile timer run. The host only ever serves AWSCURRENT: the
 * rotation function promotes the new version first and then asks for `sync-current`, so there is no pending
 * state on the host to clear or to be reloaded by a later restart. Actions:
 *   check-pending VERSION  the host can fetch VERSION as AWSPENDING (both enforced) and it is a valid token;
 *                          nothing is written, the gateway is untouched
 *   sync-current           the running gateway accepts exactly AWSCURRENT, switched by `secrets.reload` (no
 *                          restart); idempotent: a gateway already on AWSCURRENT is left alone
 *   reconcile              sync-current, then publish TokenInSync (1/0) to CloudWatch (the timer's action)
 */
export function renderReloadScript(i: ReloadScriptInput): string {
  const compose = i.compose ?? `docker compose -p ${COMPOSE_PROJECT} -f ${COMPOSE_FILE}`;
  if (!/^[a-z0-9][a-z0-9-]*$/.test(i.stack)) throw new Error(`stack "${i.stack}" is not a stack name`);
  return `#!/bin/bash
# Run by the SSM document openclaw-<stack>-reload-token during a token rotation and by
# openclaw-token-reconcile.timer. Prints no secret. Usage: reload-token.sh check-pending VERSION | sync-current | reconcile
set -euo pipefail
umask 077
action="\${1:-}"; version="\${2:-}"
TOKEN_SECRET=${shq(i.tokenSecretArn)}
STACK=${shq(i.stack)}
# Overrides exist for the tests and the e2e only; the units and SSM leave them unset.
RUN_DIR="\${OPENCLAW_RUN_DIR:-${hostPaths.runDir}}"
read -r -a COMPOSE <<< "\${OPENCLAW_COMPOSE:-${compose}}"
SM_WAIT_SECONDS="\${OPENCLAW_SECRET_WAIT_SECONDS:-${rotationTimeouts.secretFetchSeconds}}"
PROBE_SECONDS="\${OPENCLAW_PROBE_SECONDS:-${rotationTimeouts.probeSeconds}}"
METRIC_NAMESPACE=${shq(GATEWAY_METRIC_NAMESPACE)}
MONITORING_ENDPOINT="\${OPENCLAW_MONITORING_ENDPOINT:-${awsEndpoint("monitoring", i.region)}}"
HELPER=${shq(containerHelper)}

log() { echo "reload-token: $*" >&2; }
need_version() {
  if [[ ! "$version" =~ ${uuidish} ]]; then log "$action needs a version id matching ${uuidish}"; exit 64; fi
}
case "$action" in
  check-pending) need_version ;;
  sync-current|reconcile) ;;
  *) log "unknown action '$action' (check-pending VERSION | sync-current | reconcile)"; exit 64 ;;
esac

mkdir -p "$RUN_DIR"
${hostLockShell()}
# One state-changing run at a time: the rotation function and the reconcile timer may meet, and a backup or
# restore must not see the token swapped under it. 60 s keeps the wait inside the SSM step's timeout; a
# rotation that gives up is retried by Secrets Manager and the timer runs again.
case "$action" in sync-current | reconcile) host_lock "reload-token.sh $action" 60 ;; esac
rm -f "$RUN_DIR/secrets.request"
work="$(mktemp -d "$RUN_DIR/.reload.XXXXXX")"
trap 'rm -rf "$work"' EXIT

${secretsManagerShell({ region: i.region, tag: "reload-token" })}
${installTokenShell()}
# fetch_token STAGE [VERSION]: the token into $work/token.STAGE, its version on stdout; fails on a bad value.
fetch_token() {
  local token v
  sm_get_secret "$work/resp.json" "$TOKEN_SECRET" "$1" "\${2:-}" || return 1
  token="$(jq -r '.SecretString // ""' "$work/resp.json")"
  v="$(jq -r '.VersionId // ""' "$work/resp.json")"
  rm -f "$work/resp.json"
  if [[ ! "$token" =~ ^[A-Za-z0-9_-]{43,}$ ]]; then log "$1 version $v of the gateway token is not a 32+ byte URL-safe token"; return 1; fi
  printf '%s\\n' "$token" > "$work/token.$1"
  printf '%s' "$v"
}

gateway_id() { "\${COMPOSE[@]}" ps -q gateway 2>/dev/null | head -n 1; }
# in_gateway MODE TOKENFILE: the container helper with that token in its environment; returns its exit code.
in_gateway() {
  local id rc=0
  id="$(gateway_id)"
  if [[ -z "$id" ]]; then log "the gateway container is not running"; return 2; fi
  OC_TOKEN="$(head -n 1 "$2")" docker exec -e OC_TOKEN "$id" node -e "$HELPER" "$1" || rc=$?
  return "$rc"
}
# probe_until TOKENFILE SECONDS: 0 once the gateway accepts the token; 1 when it rejects it; 2 never ready.
probe_until() {
  local end=$(( $(date +%s) + $2 )) rc
  while :; do
    rc=0; in_gateway probe "$1" || rc=$?
    [[ $rc -eq 0 || $rc -eq 1 || $rc -eq 3 ]] && return "$rc"
    (( $(date +%s) >= end )) && return 2
    sleep 2
  done
}

sync_current() {
  local v rc cand
  v="$(fetch_token AWSCURRENT)" || { log "cannot fetch AWSCURRENT; the gateway keeps the token it has"; return 1; }
  rc=0; probe_until "$work/token.AWSCURRENT" "$PROBE_SECONDS" || rc=$?
  if [[ $rc -eq 3 ]]; then log "the gateway does not enforce token auth"; return 1; fi
  if [[ $rc -eq 2 ]]; then
    # Not running or not ready: the file is what it will read when it starts.
    install_token "$work/token.AWSCURRENT"
    log "the gateway is not answering; the token file holds AWSCURRENT version $v for its next start"; return 1
  fi
  if [[ $rc -eq 0 ]]; then
    cmp -s "$work/token.AWSCURRENT" "$CURRENT_COPY" 2>/dev/null || install_token "$work/token.AWSCURRENT"
    rm -f "$PREVIOUS_FILE"; printf '%s\\n' "$v" > "$RUN_DIR/gateway.version"
    log "in sync: the gateway accepts AWSCURRENT version $v"; return 0
  fi
  # The gateway runs another token: it is in the file we replace now, or kept from an interrupted run.
  install_token "$work/token.AWSCURRENT"
  local rejected=0 tried=0
  rc=1
  for cand in "$PREVIOUS_FILE" "$CURRENT_COPY"; do
    [[ -f "$cand" ]] || continue
    tried=$((tried + 1)); rc=0; in_gateway reload "$cand" || rc=$?
    [[ $rc -eq 0 ]] && break
    [[ $rc -eq 1 ]] && rejected=$((rejected + 1))
  done
  if [[ $rc -ne 0 && $rejected -lt $tried ]]; then
    log "secrets.reload did not complete; the token file holds AWSCURRENT version $v and the next run retries"; return 1
  fi
  if [[ $rc -ne 0 ]]; then
    # Every token we know of was refused: only a restart makes the gateway read the file. Not expected; logged.
    log "no known token authenticates secrets.reload; restarting the gateway container onto AWSCURRENT version $v"
    docker restart --time 30 "$(gateway_id)" >/dev/null
  fi
  rc=0; probe_until "$work/token.AWSCURRENT" "$PROBE_SECONDS" || rc=$?
  if [[ $rc -ne 0 ]]; then log "the gateway still rejects AWSCURRENT version $v after the reload"; return 1; fi
  rm -f "$PREVIOUS_FILE"; printf '%s\\n' "$v" > "$RUN_DIR/gateway.version"
  log "switched: the gateway accepts AWSCURRENT version $v (no restart)"
}

publish_in_sync() {
  local code
  code="$(aws_curl monitoring "$MONITORING_ENDPOINT/" "$work/push" --data-urlencode Action=PutMetricData --data-urlencode Version=2010-08-01 \\
    --data-urlencode "Namespace=$METRIC_NAMESPACE" --data-urlencode MetricData.member.1.MetricName=TokenInSync \\
    --data-urlencode "MetricData.member.1.Value=$1" --data-urlencode MetricData.member.1.Unit=Count \\
    --data-urlencode MetricData.member.1.Dimensions.member.1.Name=Stack --data-urlencode "MetricData.member.1.Dimensions.member.1.Value=$STACK")" || return 1
  [[ "$code" == 200 ]] || { log "PutMetricData -> HTTP $code"; return 1; }
}

case "$action" in
  check-pending)
    v="$(fetch_token AWSPENDING "$version")" || { log "cannot fetch version $version as AWSPENDING"; exit 1; }
    [[ "$v" == "$version" ]] || { log "asked for $version, got $v"; exit 1; }
    log "version $version is AWSPENDING and a valid token; nothing changed on the host"
    ;;
  sync-current) sync_current ;;
  reconcile)
    ok=1; sync_current || ok=0
    if [[ "\${OPENCLAW_METRIC:-cloudwatch}" == cloudwatch ]]; then publish_in_sync "$ok" || log "could not publish TokenInSync=$ok"; fi
    [[ $ok -eq 1 ]]
    ;;
esac
`;
}

/** The reconciler: every few minutes, make the running gateway accept AWSCURRENT and say so in a metric. */
export function renderReconcileUnit(): string {
  return `[Unit]
Description=OpenClaw: the running gateway token is AWSCURRENT (fix it if not), metric TokenInSync
Documentation=file://${hostPaths.reloadScript}
Requires=openclaw-secrets.service
After=openclaw-secrets.service openclaw-gateway.service docker.service

[Service]
Type=oneshot
ExecStart=/usr/bin/timeout ${rotationTimeouts.hostActionSeconds} ${hostPaths.reloadScript} reconcile
TimeoutStartSec=${rotationTimeouts.hostActionSeconds + 15}
UMask=0077
ReadWritePaths=${hostPaths.runDir}
# The host lock shared with backup and restore (components/gateway-vm/host-lock.ts).
RuntimeDirectory=openclaw-lock
RuntimeDirectoryMode=0700
RuntimeDirectoryPreserve=yes
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
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
MemoryDenyWriteExecute=yes
# Hands the token file to the gateway's uid; the docker socket is the rest of its power.
CapabilityBoundingSet=CAP_CHOWN
AmbientCapabilities=
SystemCallArchitectures=native
SystemCallFilter=@system-service
SystemCallFilter=~@resources @mount @swap @reboot @raw-io @module @obsolete @debug @cpu-emulation @clock
SystemCallErrorNumber=EPERM
DevicePolicy=closed
KeyringMode=private
RemoveIPC=yes
PrivateMounts=yes
NotifyAccess=none
`;
}

export function renderReconcileTimer(): string {
  return `[Unit]
Description=OpenClaw: reconcile the gateway token every ${rotationTimeouts.reconcileMinutes} min

[Timer]
OnBootSec=3min
OnUnitActiveSec=${rotationTimeouts.reconcileMinutes}min
AccuracySec=10s

[Install]
WantedBy=timers.target
`;
}

/** systemd unit; hardened so `systemd-analyze security` scores it at most 2.0. */
export function renderSecretsUnit(): string {
  return `[Unit]
Description=OpenClaw: fetch the gateway token and provider keys from AWS Secrets Manager
Documentation=file://${hostPaths.fetchScript}
Wants=network-online.target
After=network-online.target
# First boot: the token exists only once the rotation function has run, which can take longer than one
# attempt waits. Retry forever; the gateway's start job (Requires=, After=) waits through the retries.
StartLimitIntervalSec=0

[Service]
Type=oneshot
RemainAfterExit=yes
Restart=on-failure
RestartSec=30s
# 64: called wrongly, retrying cannot help.
RestartPreventExitStatus=64
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
# The token file belongs to the gateway's uid (its file provider refuses anything else).
CapabilityBoundingSet=CAP_CHOWN
AmbientCapabilities=
SystemCallArchitectures=native
SystemCallFilter=@system-service
SystemCallFilter=~@resources @mount @swap @reboot @raw-io @module @obsolete @debug @cpu-emulation @clock
SystemCallErrorNumber=EPERM
DevicePolicy=closed
KeyringMode=private
NotifyAccess=none

[Install]
WantedBy=multi-user.target
`;
}
