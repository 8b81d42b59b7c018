/**
 * The host side of observability on the VM: the health probe (script, service, timer) and the instance-role
 * statements, as a HostAddon for GatewayVm. Pure renderers; the addon only resolves the log group's ARN.
 *
 * Why no CloudWatch agent: Ubuntu 24.04 has no package for it (a .deb from an S3 URL, unverifiable and
 * untestable here), it runs as a root daemon with its own config and credentials, and it would publish the
 * same two numbers (memory, disk) as custom metrics at the same price. The probe that already runs every
 * minute reads them from /proc/meminfo and df and sends them in its one PutMetricData call.
 *
 * PutMetricData goes through the host's shared signed call (components/gateway-vm/host-aws.ts: IMDSv2
 * credentials, curl --aws-sigv4, keys on stdin), not the AWS CLI.
 */
import type * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { assertAwsRegion, awsCurlShell, awsEndpoint } from "../gateway-vm/host-aws";
import type { HostAddon } from "../gateway-vm/types";
import { SCRIPT_DIR } from "../gateway-vm/layout";
import { sandbox } from "../gateway-vm/units";
import { WATCHED_PATHS } from "./alarms";
import { GATEWAY_METRIC_NAMESPACE, observabilityHostStatements } from "./policies";

export const PROBE_SCRIPT = `${SCRIPT_DIR}/health-probe.sh`;
export const PROBE_SERVICE = "openclaw-health.service";
export const PROBE_TIMER = "openclaw-health.timer";
export const HEALTH_URL = "http://127.0.0.1:18789/healthz";

function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export interface ProbeScriptInput {
  region: string;
  stack: string;
}

/**
 * Test seams (environment, unset by the unit): OPENCLAW_HEALTH_URL, OPENCLAW_METRIC_PUSH (a command that
 * receives the namespace and the data instead of CloudWatch), OPENCLAW_CW_ENDPOINT, OPENCLAW_DISK_PATHS,
 * OPENCLAW_MEMINFO.
 */
export function renderProbeScript(i: ProbeScriptInput): string {
  assertAwsRegion(i.region);
  if (!/^[A-Za-z0-9_.-]+$/.test(i.stack)) throw new Error(`stack name ${i.stack} cannot be a metric dimension value`);
  return `#!/bin/bash
# OpenClaw health probe (${PROBE_SERVICE}, every few minutes from ${PROBE_TIMER}).
# Publishes to CloudWatch ${GATEWAY_METRIC_NAMESPACE}, dimension Stack:
#   Healthy            1 when GET /healthz answers 200 with {"status":"live"}, else 0. The Control UI answers
#                      200 with HTML for unknown paths, so the status code alone proves nothing: the body counts.
#   mem_used_percent   (MemTotal - MemAvailable) / MemTotal, as the CloudWatch agent computes it.
#   disk_used_percent  per watched file system (dimension path), df's used / (used + available).
# Exit 0 once the data is published (healthy or not); non-zero only when publishing failed.
set -euo pipefail
umask 077

STACK=${shq(i.stack)}
NAMESPACE=${shq(GATEWAY_METRIC_NAMESPACE)}
HEALTH_URL="\${OPENCLAW_HEALTH_URL:-${HEALTH_URL}}"
ENDPOINT="\${OPENCLAW_CW_ENDPOINT:-${awsEndpoint("monitoring", i.region)}}"
DISK_PATHS="\${OPENCLAW_DISK_PATHS:-${WATCHED_PATHS.join(" ")}}"
MEMINFO="\${OPENCLAW_MEMINFO:-/proc/meminfo}"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

log() { echo "health-probe: $*" >&2; }

# 1 when the gateway answers /healthz with the live body, else 0 (with the reason on stderr).
probe_health() {
  local code
  code="$(curl -sS --max-time 5 -o "$work/body" -w '%{http_code}' "$HEALTH_URL" 2>"$work/err")" || {
    log "unhealthy: $(tr -d '\\n' < "$work/err")"; echo 0; return 0
  }
  if [[ "$code" != 200 ]]; then log "unhealthy: HTTP $code"; echo 0; return 0; fi
  if jq -e '.status == "live"' "$work/body" >/dev/null 2>&1; then echo 1; return 0; fi
  log "unhealthy: HTTP 200 but the body is not {\\"status\\":\\"live\\"} (first bytes: $(head -c 60 "$work/body" | tr -cd '[:print:]'))"
  echo 0
}

mem_used_percent() {
  awk '/^MemTotal:/ {t=$2} /^MemAvailable:/ {a=$2} END { if (t > 0) printf "%.1f", (t - a) * 100 / t; else exit 1 }' "$MEMINFO"
}

disk_used_percent() {
  df -P -k "$1" | awk 'NR == 2 { u=$3; a=$4; if (u + a > 0) printf "%.1f", u * 100 / (u + a); else print 0 }'
}

${awsCurlShell({ region: i.region, tag: "health-probe", maxTimeSeconds: 10 })}
# push_cloudwatch NAMESPACE "Name Value Unit [Dim=Value ...]"... : one PutMetricData call (query API, SigV4).
push_cloudwatch() {
  local ns="$1"; shift
  local -a form=(--data-urlencode "Action=PutMetricData" --data-urlencode "Version=2010-08-01" --data-urlencode "Namespace=$ns")
  local n=0 d m dims kv
  for d in "$@"; do
    n=$((n + 1)); m="MetricData.member.$n"
    read -r -a dims <<< "$d"
    form+=(--data-urlencode "$m.MetricName=\${dims[0]}" --data-urlencode "$m.Value=\${dims[1]}" --data-urlencode "$m.Unit=\${dims[2]}")
    local k=0
    for kv in "\${dims[@]:3}"; do
      k=$((k + 1))
      form+=(--data-urlencode "$m.Dimensions.member.$k.Name=\${kv%%=*}" --data-urlencode "$m.Dimensions.member.$k.Value=\${kv#*=}")
    done
  done
  local code
  code="$(aws_curl monitoring "$ENDPOINT/" "$work/push" "\${form[@]}")" || return 1
  if [[ "$code" != 200 ]]; then log "PutMetricData -> HTTP $code: $(head -c 300 "$work/push" | tr -d '\\n')"; return 1; fi
}

push() {
  if [[ -n "\${OPENCLAW_METRIC_PUSH:-}" ]]; then "$OPENCLAW_METRIC_PUSH" "$@"; else push_cloudwatch "$@"; fi
}

healthy="$(probe_health)"
data=("Healthy $healthy Count Stack=$STACK")
if mem="$(mem_used_percent)"; then data+=("mem_used_percent $mem Percent Stack=$STACK"); else log "cannot read $MEMINFO"; fi
for p in $DISK_PATHS; do
  if used="$(disk_used_percent "$p")" && [[ -n "$used" ]]; then data+=("disk_used_percent $used Percent Stack=$STACK path=$p"); else log "cannot stat $p"; fi
done

push "$NAMESPACE" "\${data[@]}"
log "published Healthy=$healthy mem=\${mem:-?}% to $NAMESPACE (Stack=$STACK)"
`;
}

function unit(sections: Record<string, string[]>): string {
  return `${Object.entries(sections)
    .map(([title, lines]) => `[${title}]\n${lines.join("\n")}`)
    .join("\n\n")}\n`;
}

/** Lines of the shared sandbox the probe changes, each with its reason. */
export const PROBE_SANDBOX_CHANGES: Record<string, string> = {
  // ProcSubset=pid would hide /proc/meminfo, the memory figure's only source.
  "ProcSubset=pid": "ProcSubset=all",
  // HTTP over IPv4/IPv6 only: no netlink (nothing here configures interfaces). Repeating the directive would
  // merge the lists, so the shared line is replaced rather than narrowed by a second one.
  "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK": "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6",
};

export function renderProbeService(): string {
  return unit({
    Unit: [
      "Description=OpenClaw: probe /healthz (body), memory and disk; publish to CloudWatch",
      `Documentation=file://${PROBE_SCRIPT}`,
      "Wants=network-online.target",
      "After=network-online.target",
    ],
    Service: [
      "Type=oneshot",
      `ExecStart=${PROBE_SCRIPT}`,
      // Reads only world-readable things (loopback HTTP, IMDS, /proc/meminfo, statfs): no reason to be root.
      "DynamicUser=yes",
      "TimeoutStartSec=45s",
      // The shared sandbox with network (loopback, IMDS, the CloudWatch endpoint), with two lines adjusted.
      ...sandbox({ network: true }).map((l) => PROBE_SANDBOX_CHANGES[l] ?? l),
      "PrivateIPC=yes",
      "PrivateUsers=yes",
    ],
  });
}

export function renderProbeTimer(intervalMinutes: number): string {
  if (!Number.isInteger(intervalMinutes) || intervalMinutes < 1 || intervalMinutes > 5) {
    throw new Error(
      `openclaw:observability.healthProbeIntervalMinutes = ${intervalMinutes}: must be a whole number from 1 to 5`,
    );
  }
  return unit({
    Unit: [`Description=OpenClaw: health probe every ${intervalMinutes} min`],
    Timer: [
      // The first probe after boot: the gateway needs about 12 s once compose has started it.
      "OnBootSec=2min",
      `OnUnitActiveSec=${intervalMinutes}min`,
      "AccuracySec=5s",
    ],
    Install: ["WantedBy=timers.target"],
  });
}

export interface ObservabilityHostAddonArgs {
  stack: string;
  region: string;
  /** Observability.logGroupArn. */
  logGroupArn: pulumi.Input<string>;
  /** `openclaw:observability.healthProbeIntervalMinutes`. @default 1 */
  probeIntervalMinutes?: number;
}

export function observabilityHostFiles(a: {
  stack: string;
  region: string;
  probeIntervalMinutes?: number;
}): Record<string, string> {
  return {
    [PROBE_SCRIPT]: renderProbeScript({ region: a.region, stack: a.stack }),
    [`/etc/systemd/system/${PROBE_SERVICE}`]: renderProbeService(),
    [`/etc/systemd/system/${PROBE_TIMER}`]: renderProbeTimer(a.probeIntervalMinutes ?? 1),
  };
}

export function observabilityHostAddon(a: ObservabilityHostAddonArgs): HostAddon {
  const files = observabilityHostFiles(a);
  const statements = pulumi.output(a.logGroupArn).apply((logGroupArn) => observabilityHostStatements({ logGroupArn }));
  return {
    files: Object.entries(files).map(([path, content]) => ({
      path,
      content,
      permissions: path === PROBE_SCRIPT ? "0755" : "0644",
      owner: "root:root",
    })),
    enableUnits: [PROBE_TIMER],
    policyStatements: statements.apply((s) => s as unknown as aws.iam.PolicyStatement[]),
  };
}
