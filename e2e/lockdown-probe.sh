#!/usr/bin/env bash
# Runs the real gateway image fully locked down and checks, one line each, the facts the stack relies
# on: read-only config via OPENCLAW_CONFIG_PATH + env-only token, health bodies, lockdown as enforced,
# the gateway's own security audit, backup create --verify / restore into a fresh volume, hard kill and
# restart. Egress from the test containers is dropped for the whole run.
#
# Usage: e2e/lockdown-probe.sh [image]     (default openclaw-gateway:<OPENCLAW_VERSION>, built if missing)
# Env:   PROBE_START_ALLOWANCE seconds to wait for healthy (default 180: ~12-40 s depending on host load)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
# shellcheck source=e2e/versions.env
. "$HERE/versions.env"
IMAGE="${1:-openclaw-gateway:$OPENCLAW_VERSION}"
ALLOW="${PROBE_START_ALLOWANCE:-180}"
PORT=18789
ID="ocprobe$$"
GW="$ID-gw"
STATE="$ID-state"
BACKUPS="$ID-backups"
RESTORED="$ID-restored"

# shellcheck source=ci/lib/dockerd.sh
. "$REPO/ci/lib/dockerd.sh"
# shellcheck source=ci/lib/checks.sh
. "$REPO/ci/lib/checks.sh"
TMP="$(mktemp -d)"
STARTED=0
cleanup() {
  docker rm -f "$GW" "$ID-restore" >/dev/null 2>&1 || true
  docker volume rm -f "$STATE" "$BACKUPS" "$RESTORED" >/dev/null 2>&1 || true
  dockerd_unblock_egress
  rm -rf "$TMP"
  if [ "$STARTED" = 1 ]; then stop_dockerd --force; fi
}
trap cleanup EXIT


if [ -z "${DOCKER_HOST:-}" ] || ! docker info >/dev/null 2>&1; then start_dockerd; STARTED=1; fi
dockerd_block_egress
docker image inspect "$IMAGE" >/dev/null 2>&1 || "$HERE/build-gateway-image.sh" "${IMAGE#*:}"

# The config is bind-mounted read-only, owned by the container user and 0400: the audit flags a
# world-readable config as critical (fs.config.perms_world_readable).
mkdir -p "$TMP/etc"
cp "$HERE/fixtures/openclaw.locked.json" "$TMP/etc/openclaw.json"
chown 1000:1000 "$TMP/etc/openclaw.json"
chmod 0400 "$TMP/etc/openclaw.json"
TOKEN="$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')"
printf 'OPENCLAW_GATEWAY_TOKEN=%s\n' "$TOKEN" >"$TMP/gw.env"
chmod 0600 "$TMP/gw.env"

# shellcheck disable=SC2054 # commas belong to the --tmpfs option value
LOCKDOWN=(--read-only --cap-drop ALL --security-opt no-new-privileges:true
  --tmpfs /tmp:rw,noexec,nosuid,size=64m --user 1000:1000 --hostname openclaw-gateway
  --memory 2g --pids-limit 256 --env-file "$TMP/gw.env"
  -e OPENCLAW_CONFIG_PATH=/etc/openclaw/openclaw.json -e OPENCLAW_STATE_DIR=/home/node/.openclaw
  -v "$TMP/etc/openclaw.json:/etc/openclaw/openclaw.json:ro")

run_gateway() { # volume
  docker run -d --name "$GW" "${LOCKDOWN[@]}" -p "127.0.0.1:$PORT:$PORT" \
    -v "$1:/home/node/.openclaw" -v "$BACKUPS:/home/node/backups" "$IMAGE" >/dev/null
}
wait_body() { # path needle -> prints seconds, fails after the allowance
  local t0 body
  t0=$(now)
  while [ "$(since "$t0" | cut -d. -f1)" -lt "$ALLOW" ]; do
    body="$(curl -s -m 3 "http://127.0.0.1:$PORT/$1" || true)"
    case "$body" in *"$2"*) since "$t0"; return 0 ;; esac
    sleep 0.25
  done
  return 1
}
in_gw() { docker exec "$GW" "$@"; }

# --- start -----------------------------------------------------------------------------------------
t_run=$(now)
run_gateway "$STATE"
if t=$(wait_body healthz '"status":"live"'); then pass "healthz live after ${t} s"; else fail "not healthy within ${ALLOW} s"; docker logs --tail 30 "$GW"; exit 1; fi
if wait_body startupz '"status":"started"' >/dev/null; then pass "startupz started after $(since "$t_run") s from docker run"; else fail "startupz never started"; fi
for p in healthz health startupz readyz; do info "GET /$p -> $(curl -s -w ' [%{http_code}]' "http://127.0.0.1:$PORT/$p")"; done
check "/readyz body is {\"ready\":true} for a non-loopback caller" test "$(curl -s "http://127.0.0.1:$PORT/readyz")" = '{"ready":true}'
check "unknown path answers 200 (Control UI): probes must check the body" test "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/no-such-path")" = 200

# --- lockdown as enforced ----------------------------------------------------------------------------
check "fresh named state volume owned by 1000 mode 700" test "$(in_gw stat -c '%u:%g %a' /home/node/.openclaw)" = "1000:1000 700"
check "fresh named backups volume owned by 1000" test "$(in_gw stat -c '%u' /home/node/backups)" = 1000
valid_config() { docker exec "$GW" openclaw config validate --json | grep -q '"valid":true'; }
check "config validates (openclaw config validate --json)" valid_config
insp="$(docker inspect -f '{{.HostConfig.ReadonlyRootfs}} {{.HostConfig.CapDrop}} {{.HostConfig.SecurityOpt}} {{.Config.User}} {{.HostConfig.Memory}} {{.HostConfig.PidsLimit}} {{json .HostConfig.PortBindings}}' "$GW")"
check "inspect: read-only, cap-drop ALL, no-new-privileges, uid 1000, 2g, pids 256, 127.0.0.1 only" \
  test "$insp" = 'true [ALL] [no-new-privileges:true] 1000:1000 2147483648 256 {"18789/tcp":[{"HostIp":"127.0.0.1","HostPort":"18789"}]}'
proc_status() { test "$(docker exec "$GW" grep -E '^(CapEff|NoNewPrivs|Seccomp):' /proc/1/status | tr -s '\t ' ' ' | tr '\n' ' ')" = 'CapEff: 0000000000000000 NoNewPrivs: 1 Seccomp: 2 '; }
check "CapEff 0, NoNewPrivs 1, seccomp filter mode 2" proc_status
check "write to / fails" not docker exec "$GW" touch /probe
check "write to /home/node/.config/openclaw fails (image, read-only) and the gateway still runs" not docker exec "$GW" touch /home/node/.config/openclaw/probe
check "/tmp is writable" docker exec "$GW" sh -c 'echo x > /tmp/probe'
exec_tmp() { docker exec "$GW" sh -c 'cp /bin/busybox /tmp/bb; /tmp/bb true'; test $? -eq 126; }
check "/tmp is noexec" exec_tmp
log_clean() { ! docker logs "$GW" 2>&1 | grep -E 'EROFS|EACCES|/etc/openclaw/[a-z]'; }
check "no write errors against the read-only config path in the logs" log_clean

# --- auth: token from the environment only -------------------------------------------------------------
code() { curl -s -o /dev/null -w '%{http_code}' -X POST -H 'content-type: application/json' -d '{"tool":"none","args":{}}' "$@" "http://127.0.0.1:$PORT/tools/invoke"; }
check "POST /tools/invoke without token -> 401" test "$(code)" = 401
check "POST /tools/invoke with wrong token -> 401" test "$(code -H 'Authorization: Bearer wrong')" = 401
c="$(code -H "Authorization: Bearer $TOKEN")"
if [ "$c" != 401 ] && [ "$c" != 403 ]; then pass "POST /tools/invoke with env token passes auth ($c for an unknown tool)"; else fail "env token refused ($c)"; fi

# --- healthcheck of the image --------------------------------------------------------------------------
hc="$(docker inspect -f '{{json .Config.Healthcheck.Test}}' "$IMAGE")"
js="$(printf '%s' "$hc" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>process.stdout.write(JSON.parse(s)[3]))')"
check "image HEALTHCHECK exits 0 on /healthz" docker exec "$GW" node -e "$js"
js_wrong="${js/healthz/no-such-path}"
check "same probe aimed at a wrong path exits 1 (body check)" not docker exec "$GW" node -e "$js_wrong"

# --- the gateway's own audit ---------------------------------------------------------------------------
in_gw openclaw security audit --json >"$TMP/audit.json" 2>/dev/null || true
summary="$(node -e 'const a=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));console.log(JSON.stringify(a.summary));for(const f of a.findings)if(f.severity!=="info")console.log(f.severity,f.checkId)' "$TMP/audit.json" 2>&1 || true)"
info "security audit: $(printf '%s' "$summary" | tr '\n' ' ')"
case "$summary" in '{"critical":0,"warn":0,'*) pass "security audit: 0 critical, 0 warn" ;; *) fail "security audit: $summary" ;; esac

# --- backup while running, restore into a fresh volume --------------------------------------------------
marker="probe-$RANDOM$RANDOM"
in_gw sh -c "mkdir -p /home/node/.openclaw/workspace && echo $marker > /home/node/.openclaw/workspace/E2E_MARKER.md"
t0=$(now)
# --verify extracts SQLite snapshots and insists on 256 MiB free next to TMPDIR: the 64 MiB /tmp is too
# small, so TMPDIR goes onto the backups volume.
if in_gw sh -c 'mkdir -p /home/node/backups/.tmp && TMPDIR=/home/node/backups/.tmp openclaw backup create --verify --json --output /home/node/backups' >"$TMP/backup.json" 2>"$TMP/backup.err" &&
  grep -q '"verified": true' "$TMP/backup.json"; then
  archive="$(node -p 'require(process.argv[1]).archivePath' "$TMP/backup.json")"
  pass "backup create --verify from docker exec while serving: $archive ($(since "$t0") s, $(in_gw stat -c %s "$archive") bytes, mode $(in_gw stat -c %a "$archive"))"
else
  fail "backup create --verify: $(head -c 400 "$TMP/backup.err")"
  archive=""
fi

t0=$(now)
docker stop "$GW" >/dev/null
info "graceful stop: $(since "$t0") s ($(docker logs "$GW" 2>&1 | grep -o 'completed cleanly in [0-9]*ms' | tail -1))"
docker rm "$GW" >/dev/null
if [ -n "$archive" ]; then
  # Restore stages into a fresh directory outside any live state dir; a one-off container with a
  # larger /tmp (verification wants 256 MiB free) then copies the staged state into the new volume.
  if docker run --rm --name "$ID-restore" --read-only --cap-drop ALL --security-opt no-new-privileges:true \
    --tmpfs /tmp:rw,noexec,nosuid,size=512m --user 1000:1000 --network none \
    -v "$BACKUPS:/home/node/backups:ro" -v "$RESTORED:/home/node/.openclaw" "$IMAGE" \
    sh -c "openclaw backup restore '$archive' --target /tmp/restore --json >/tmp/r.json && cp -a /tmp/restore/*/payload/posix/home/node/.openclaw/. /home/node/.openclaw/ && cat /tmp/r.json" >"$TMP/restore.json" 2>"$TMP/restore.err"; then
    pass "backup restore into fresh volume ($(node -p 'require(process.argv[1]).entryCount' "$TMP/restore.json") entries)"
  else
    fail "backup restore: $(head -c 400 "$TMP/restore.err")"
  fi
  run_gateway "$RESTORED"
  if t=$(wait_body healthz '"status":"live"'); then pass "gateway on restored volume healthy after ${t} s"; else fail "restored gateway not healthy"; fi
  check "restored volume holds the marker written before the backup" test "$(in_gw cat /home/node/.openclaw/workspace/E2E_MARKER.md)" = "$marker"
  docker rm -f "$GW" >/dev/null
fi

# --- hard kill, same hostname ----------------------------------------------------------------------------
run_gateway "$STATE"
wait_body healthz '"status":"live"' >/dev/null || true
docker kill "$GW" >/dev/null
docker rm "$GW" >/dev/null
run_gateway "$STATE"
if t=$(wait_body startupz '"status":"started"'); then pass "after docker kill, same hostname: started again after ${t} s"; else fail "no restart after hard kill: $(docker logs --tail 5 "$GW" 2>&1)"; fi
sleep 5
info "memory: $(docker stats --no-stream --format '{{.MemUsage}} pids={{.PIDs}}' "$GW"), host load: $(cut -d' ' -f1-3 /proc/loadavg)"
info "egress drops so far: $(iptables -L DOCKER-USER -v -n -x | awk '/DROP/{s+=$1} END{print s+0}') packets"

checks_summary lockdown-probe
echo "lockdown-probe: all checks passed"
