#!/usr/bin/env bash
# npm run e2e: the stack's own rendered artifacts run the real OpenClaw gateway locked down behind the real
# Caddy, on a private dockerd this script starts, with egress from the test containers dropped.
#   1. dockerd + egress drop; the gateway image (npm, cached) and a Caddy image from Debian's caddy
#   2. `npm run plan -- --stack caddy`: compose file (images and host paths only changed), openclaw.json
#      untouched, the Caddyfile from the stack's renderer with its test TLS option; secrets as the host writes
#   3. checks, one PASS/FAIL line each (README.md lists them), through Caddy from a client container
#   4. the docker-target stack (`--stack local`) as its compose file documents
#   5. the lockdown overhead bench (tools/bench-lockdown.ts)
# Exit status: 0 only when every check passed. Everything started is removed by the EXIT trap.
# Env: E2E_START_ALLOWANCE (s, default 180), E2E_BENCH_RUNS (default 3; 0 skips the bench), E2E_KEEP=1 keeps
#      the work dir, OPENCLAW_CI_CACHE (cache root).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
E2E_T0=$SECONDS
# shellcheck source=e2e/versions.env
. "$HERE/versions.env"
# shellcheck source=e2e/lib.sh
. "$HERE/lib.sh"
# shellcheck source=ci/lib/dockerd.sh
. "$REPO/ci/lib/dockerd.sh"

ALLOW="${E2E_START_ALLOWANCE:-180}"
CACHE="${OPENCLAW_CI_CACHE:-$HOME/.cache/openclaw-ci}"
VENV="$CACHE/venv"
GW_IMAGE="openclaw-gateway:$OPENCLAW_VERSION"
PROJECT="oce2e"
HTTPS_PORT=18443
HTTP_PORT=18080
GW_PORT=18789
EGRESS_COMMENT="openclaw-e2e-egress"
TSX=(npx --no-install tsx)

mkdir -p "$CACHE/tmp"
# On disk, not the host's /tmp: the backup staging directory needs room for verification (256 MiB free).
W="$(mktemp -d "$CACHE/tmp/e2e.XXXXXX")"
MOTO_PID=""
SUBNET=""
COMPOSE=(docker-compose -p "$PROJECT" -f "$W/compose.yaml")
cleanup() {
  local rc=$?
  set +e
  if [ -f "$W/compose.yaml" ] && [ -n "${DOCKER_HOST:-}" ]; then "${COMPOSE[@]}" down -v --timeout 10 >/dev/null 2>&1; fi
  [ -f "$W/compose.fix.yaml" ] && docker-compose -p "$PROJECT" -f "$W/compose.fix.yaml" down -v --timeout 10 >/dev/null 2>&1
  [ -n "$SUBNET" ] && iptables -D DOCKER-USER -s "$SUBNET" ! -d "$SUBNET" -m comment --comment "$EGRESS_COMMENT" -j DROP 2>/dev/null
  [ -n "$MOTO_PID" ] && kill "$MOTO_PID" 2>/dev/null && wait "$MOTO_PID" 2>/dev/null
  [ "${EGRESS_WAS_BLOCKED:-1}" = 0 ] && dockerd_unblock_egress
  # shellcheck disable=SC2119 # stops the daemon only when this shell started it
  stop_dockerd >/dev/null 2>&1
  if [ "${E2E_KEEP:-0}" = 1 ]; then echo "work dir kept: $W"; else rm -rf "$W"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- 0. tools ------------------------------------------------------------------------------------------
section "setup"
missing=()
for pair in dockerd:docker.io docker-compose:docker-compose caddy:caddy busybox:busybox-static jq:jq curl:curl iptables:iptables; do
  command -v "${pair%%:*}" >/dev/null || missing+=("${pair#*:}")
done
[ -x /usr/bin/python3 ] && python3 -c 'import venv, ensurepip' 2>/dev/null || missing+=(python3-venv)
if [ "${#missing[@]}" -gt 0 ]; then
  info "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null ||
    { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null; }
fi
# The backup drill's pins (ci/steps/30-backup-drill.sh): one venv, one set of versions.
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
if ! "$VENV/bin/pip" freeze 2>/dev/null | grep -qx "moto==5.2.5" || ! "$VENV/bin/pip" freeze | grep -qx "awscli==1.46.3"; then
  "$VENV/bin/pip" install -q "moto[server]==5.2.5" "awscli==1.46.3"
fi
[ -d "$REPO/node_modules/tsx" ] || (cd "$REPO" && npm install --no-audit --no-fund >/dev/null)

start_dockerd
# Another user of a reused daemon may rely on the egress drop: remove it at the end only if we added it.
EGRESS_WAS_BLOCKED=0
iptables -S DOCKER-USER 2>/dev/null | grep -q -- "--comment openclaw-ci-egress" && EGRESS_WAS_BLOCKED=1
dockerd_block_egress
t=$SECONDS
bash "$HERE/build-gateway-image.sh" "$OPENCLAW_VERSION" | sed 's/^/INFO  /'
info "gateway image ready in $((SECONDS - t)) s"
t=$SECONDS
CADDY_IMAGE="openclaw-e2e-caddy:$(caddy version | awk '{print $1}' | tr -d v)"
bash "$HERE/build-caddy-image.sh" "$CADDY_IMAGE" | sed 's/^/INFO  /'
info "caddy image ready in $((SECONDS - t)) s"

# --- 1. render with the stack's own plan ---------------------------------------------------------------------
section "render"
PLAN="$W/plan"
if (cd "$REPO" && npm run -s plan -- --stack caddy --out "$PLAN/caddy" >"$W/plan-caddy.log" 2>&1); then
  pass "npm run plan -- --stack caddy renders $(find "$PLAN/caddy" -type f | wc -l) artifacts"
else
  fail "npm run plan -- --stack caddy: $(tail -n 3 "$W/plan-caddy.log")"; exit 1
fi
if (cd "$REPO" && npm run -s plan -- --stack local --out "$PLAN/local" >"$W/plan-local.log" 2>&1) && [ -f "$PLAN/local/local/compose.yaml" ]; then
  pass "npm run plan -- --stack local renders local/compose.yaml"
else
  info "local stack not rendered yet: $(grep -m1 -i error "$W/plan-local.log" || tail -n 1 "$W/plan-local.log")"
fi
VM="$PLAN/caddy/vm"
SUBNET="$(awk '$1 == "-" && $2 == "subnet:" {print $3; exit}' "$VM/compose.yaml")"
if [ -z "$SUBNET" ]; then fail "no subnet in the rendered compose file"; exit 1; fi
# dockerd_block_egress covers the daemon's bridge and pool; the stack's fixed ingress subnet is outside both.
iptables -I DOCKER-USER -s "$SUBNET" ! -d "$SUBNET" -m comment --comment "$EGRESS_COMMENT" -j DROP
info "egress from $SUBNET dropped too"
PROXY_IP="$(jq -r '.gateway.trustedProxies[0]' "$VM/openclaw.json")"
DOMAIN="$(jq -r '.gateway.controlUi.allowedOrigins[0]' "$VM/openclaw.json" | sed 's|^https://||')"

(cd "$REPO" && "${TSX[@]}" test/engine/prepare-compose.ts "$VM/compose.yaml" "$W/compose.yaml" --image "$GW_IMAGE" --workdir "$W" \
  --host-port "$GW_PORT" --sidecar "caddy=$CADDY_IMAGE" --publish "443=127.0.0.1:$HTTPS_PORT" --publish "80=127.0.0.1:$HTTP_PORT")
info "compose: $(diff <(grep -v '^#' "$VM/compose.yaml") "$W/compose.yaml" | grep -c '^>') lines changed (images, host paths, caddy's host ports)"
if out="$(cd "$REPO" && "${TSX[@]}" e2e/caddyfile.ts --stack caddy --rendered "$PLAN/caddy/caddy/Caddyfile" --out "$W/Caddyfile" 2>&1)"; then
  pass "Caddyfile: the stack's renderer reproduces the artifact; $out"
else
  fail "Caddyfile: $out"; exit 1
fi
check "caddy/Caddyfile and vm/caddy/Caddyfile are identical" cmp -s "$PLAN/caddy/caddy/Caddyfile" "$VM/caddy/Caddyfile"

# What the host writes (openclaw-secrets, openclaw-ingress, openclaw-gateway ExecStartPre).
install -d -m 0700 -o 1000 -g 1000 "$W/state" "$W/caddy" "$W/client"
install -m 0600 -o 1000 -g 1000 "$VM/openclaw.json" "$W/openclaw.json"
TOKEN="$(head -c 32 /dev/urandom | base64 -w0 | tr '+/' '-_' | tr -d '=')"
# gateway.env holds what fetch-secrets.sh writes there: the provider keys (none in this test), never the token,
# which the gateway reads through its file SecretRef (an environment token would override it: the audit warns).
(umask 077 && printf '# provider keys\n' >"$W/gateway.env")
# The VM's gateway reads its token through a file SecretRef (the directory is mounted; fetch-secrets.sh writes it).
install -d -m 0700 -o 1000 -g 1000 "$W/secrets"
(umask 077 && printf '%s\n' "$TOKEN" >"$W/secrets/gateway-token" && chown 1000:1000 "$W/secrets/gateway-token")
BASIC_USER="$(grep -A1 'basicauth' "$W/Caddyfile" | tail -n 1 | awk '{print $1}')"
BASIC_PW="$(head -c 24 /dev/urandom | base64 -w0 | tr '+/' '-_')"
(umask 077 && printf "CADDY_BASIC_AUTH_HASH='%s'\n" "$(caddy hash-password --plaintext "$BASIC_PW")" >"$W/ingress.env")
docker-compose -p "$PROJECT" -f "$W/compose.yaml" config -q && pass "prepared compose file is valid for docker-compose $(docker-compose version --short)"

# The client: a container of its own on the stack's network, Caddy's internal CA trusted, the domain -> Caddy.
client() {
  docker run --rm --network "${PROJECT}_openclaw" --add-host "$DOMAIN:$PROXY_IP" \
    --read-only --cap-drop ALL --security-opt no-new-privileges:true --user 1000:1000 \
    -v "$HERE/client.ts:/e2e/client.ts:ro" -v "$W/caddy/caddy/pki/authorities/local/root.crt:/ca.crt:ro" -v "$W/client:/client" \
    -e NODE_EXTRA_CA_CERTS=/ca.crt -e "E2E_BASE=https://$DOMAIN:8443" -e "E2E_ORIGIN=https://$DOMAIN" \
    -e "E2E_BASIC=$BASIC_USER:$BASIC_PW" -e "E2E_TOKEN=$TOKEN" -e E2E_KEY=/client/device.json \
    "$GW_IMAGE" node /e2e/client.ts "$@"
}
gw() { "${COMPOSE[@]}" ps -q gateway; }
up_healthy() { # label
  local t0 t
  t0=$(now)
  "${COMPOSE[@]}" up -d >/dev/null 2>&1 || { fail "$1: docker-compose up: $("${COMPOSE[@]}" up -d 2>&1 | tail -n 2)"; return 1; }
  if t=$(wait_body "http://127.0.0.1:$GW_PORT/startupz" '"status":"started"' "$ALLOW"); then
    pass "$1: /startupz started after ${t} s (allowance ${ALLOW} s)"
  else
    fail "$1: not started within ${ALLOW} s: $(docker logs --tail 5 "$(gw)" 2>&1 | tr '\n' ' ' | cut -c1-300)"; return 1
  fi
  if t=$(wait_health "$(gw)" "$ALLOW"); then pass "$1: Docker health (rendered healthcheck) healthy after $(since "$t0") s"; else fail "$1: Docker health not healthy within ${ALLOW} s"; return 1; fi
}

# --- 2. start and lockdown -----------------------------------------------------------------------------------------
section "start"
up_healthy "first start" || exit 1
GW_C="$(gw)"
CADDY_C="$("${COMPOSE[@]}" ps -q caddy)"
for i in $(seq 1 60); do [ "$(docker inspect -f '{{.State.Health.Status}}' "$CADDY_C")" = healthy ] && break; sleep 1; done
check "caddy healthy by its rendered healthcheck (busybox wget, no -T)" test "$(docker inspect -f '{{.State.Health.Status}}' "$CADDY_C")" = healthy

section "health bodies (published port, 127.0.0.1)"
check "/healthz = {\"ok\":true,\"status\":\"live\"}" test "$(curl -s "http://127.0.0.1:$GW_PORT/healthz")" = '{"ok":true,"status":"live"}'
check "/startupz = {\"ok\":true,\"status\":\"started\"}" test "$(curl -s "http://127.0.0.1:$GW_PORT/startupz")" = '{"ok":true,"status":"started"}'
check "/readyz = {\"ready\":true}" test "$(curl -s "http://127.0.0.1:$GW_PORT/readyz")" = '{"ready":true}'

section "lockdown (docker inspect, /proc, file system)"
noexec_tmp() {
  local rc=0
  docker exec "$1" sh -c 'cp /bin/busybox /tmp/bb || exit 99; /tmp/bb true' || rc=$?
  [ "$rc" -eq 126 ]
}
for svc in gateway caddy; do
  c="$("${COMPOSE[@]}" ps -q "$svc")"
  ins() { docker inspect -f "$1" "$c"; }
  check "$svc: read-only root" test "$(ins '{{.HostConfig.ReadonlyRootfs}}')" = true
  check "$svc: cap_drop ALL, no cap_add, not privileged" test "$(ins '{{.HostConfig.CapDrop}} {{.HostConfig.CapAdd}} {{.HostConfig.Privileged}}')" = "[ALL] [] false"
  check "$svc: no-new-privileges, seccomp not unconfined" bash -c "grep -q no-new-privileges:true <<<'$(ins '{{.HostConfig.SecurityOpt}}')' && ! grep -q unconfined <<<'$(ins '{{.HostConfig.SecurityOpt}}')'"
  check "$svc: user 1000:1000" test "$(ins '{{.Config.User}}')" = 1000:1000
  check "$svc: memory and pids limits ($(ins '{{.HostConfig.Memory}} {{.HostConfig.PidsLimit}}'))" bash -c "[ $(ins '{{.HostConfig.Memory}}') -gt 0 ] && [ $(ins '{{.HostConfig.PidsLimit}}') -gt 0 ]"
  check "$svc: CapEff 0, NoNewPrivs 1, Seccomp 2 inside" test "$(docker exec "$c" grep -E '^(CapEff|NoNewPrivs|Seccomp):' /proc/1/status | tr -s '\t ' ' ' | tr '\n' ' ')" = 'CapEff: 0000000000000000 NoNewPrivs: 1 Seccomp: 2 '
  check "$svc: write to / fails" not docker exec "$c" touch /e2e-root-write
  check "$svc: /tmp writable" docker exec "$c" sh -c 'echo x > /tmp/e2e-write' 
  check "$svc: /tmp noexec (a copied binary fails with 126)" noexec_tmp "$c"
  check "$svc: every published port on 127.0.0.1" test "$(ins '{{json .NetworkSettings.Ports}}' | grep -o '"HostIp":"[^"]*"' | sort -u)" = '"HostIp":"127.0.0.1"'
done
for addr in $(ip -4 -o addr show scope global | awk '{print $4}' | cut -d/ -f1); do
  for p in "$GW_PORT" "$HTTPS_PORT" "$HTTP_PORT"; do check "nothing answers on host address $addr:$p" not curl -s -m 3 -o /dev/null "http://$addr:$p/"; done
done
check "gateway: config read-only, owned 1000, mode 600" test "$(docker exec "$GW_C" stat -c '%u %a' /etc/openclaw/openclaw.json) $(docker exec "$GW_C" sh -c 'touch /etc/openclaw/openclaw.json 2>/dev/null && echo rw || echo ro')" = "1000 600 ro"

section "the gateway's own audit on the rendered config"
docker exec "$GW_C" openclaw security audit --json >"$W/audit.json" 2>/dev/null || true
if summary="$(jq -c '.summary' "$W/audit.json" 2>/dev/null)" && [ -n "$summary" ]; then
  jq -r '.findings[] | select(.severity != "info") | "INFO  audit finding: \(.severity) \(.checkId): \(.title // .message // "" | tostring | .[0:160])"' "$W/audit.json" || true
  check "security audit: 0 critical, 0 warn ($summary)" test "$(jq -r '"\(.summary.critical) \(.summary.warn)"' "$W/audit.json")" = "0 0"
else
  fail "security audit --json gave no JSON: $(head -c 300 "$W/audit.json")"
fi

section "through Caddy (client container on the stack network, non-loopback)"
{ client http 2>&1 || true; } | report_json_checks
ws() { client ws "$1" 2>/dev/null | tail -n 1 || true; }
r="$(ws wrong)"
case "$(jq -r '"\(.code) \(.closeCode)"' <<<"$r")" in AUTH_TOKEN_MISMATCH*|*1008) pass "WebSocket with a wrong token refused ($(jq -c '{code,closeCode}' <<<"$r"))" ;; *) fail "WebSocket with a wrong token: $r" ;; esac
r="$(ws right)"
req="$(jq -r '.requestId // empty' <<<"$r")"
if [ "$(jq -r .code <<<"$r")" = PAIRING_REQUIRED ] && [ -n "$req" ]; then
  pass "WebSocket with the right token from a new remote device: pairing required (request $req)"
  check "operator approves the device (openclaw devices approve, in the container)" docker exec "$GW_C" openclaw devices approve "$req"
  r="$(ws right)"
fi
check "WebSocket with the right token gets hello-ok ($(jq -c '{hello,protocol,scopes,code}' <<<"$r" 2>/dev/null))" test "$(jq -r .hello <<<"$r")" = hello-ok

section "state survives"
MARKER="e2e-$RANDOM$RANDOM"
docker exec "$GW_C" sh -c "mkdir -p /home/node/.openclaw/workspace && echo $MARKER > /home/node/.openclaw/workspace/E2E_MARKER.md"
t=$SECONDS
"${COMPOSE[@]}" down --timeout 30 >/dev/null 2>&1
info "docker-compose down (graceful): $((SECONDS - t)) s"
up_healthy "after down && up" && GW_C="$(gw)"
check "marker file survived down && up" test "$(docker exec "$GW_C" cat /home/node/.openclaw/workspace/E2E_MARKER.md)" = "$MARKER"
check "device pairing written through the gateway survived: hello-ok without a new approval" test "$(ws right | jq -r .hello)" = hello-ok
docker kill "$GW_C" >/dev/null
info "docker kill: $(docker inspect -f '{{.State.Status}} exit={{.State.ExitCode}}' "$GW_C")"
up_healthy "after docker kill && up (fixed hostname $(docker inspect -f '{{.Config.Hostname}}' "$GW_C"))" && GW_C="$(gw)"
check "no owner-lease refusal in the logs after the hard kill" not bash -c "docker logs '$GW_C' 2>&1 | grep -q 'owner lease is still active'"

# --- 3. backup and restore with the rendered scripts ------------------------------------------------------------
section "backup (rendered vm/scripts/backup.sh, container mode, live gateway) and restore"
# shellcheck source=e2e/backup-drill.sh
. "$HERE/backup-drill.sh"

# --- 4. the docker-target (local) stack, as its compose file documents -------------------------------------------
section "local stack (npm run plan -- --stack local)"
"${COMPOSE[@]}" down --timeout 30 >/dev/null 2>&1
# shellcheck source=e2e/local-stack.sh
. "$HERE/local-stack.sh"

# --- 5. bench --------------------------------------------------------------------------------------------------------
if [ "${E2E_BENCH_RUNS:-3}" -gt 0 ]; then
  section "lockdown overhead (median of ${E2E_BENCH_RUNS:-3})"
  # The bench passes the token in the environment: the same config without the file SecretRef.
  jq 'del(.gateway.auth.token, .secrets)' "$W/openclaw.json" >"$W/openclaw.bench.json" && chown 1000:1000 "$W/openclaw.bench.json" && chmod 0600 "$W/openclaw.bench.json"
  if (cd "$REPO" && "${TSX[@]}" tools/bench-lockdown.ts --image "$GW_IMAGE" --config "$W/openclaw.bench.json" --compose "$VM/compose.yaml" --runs "${E2E_BENCH_RUNS:-3}" >"$W/bench.out" 2>"$W/bench.err"); then
    sed 's/^/INFO  /' "$W/bench.out"
  else
    fail "bench: $(tail -n 3 "$W/bench.err")"
  fi
fi

section "summary"
echo "e2e: took $((SECONDS - E2E_T0)) s"
checks_summary e2e
