#!/usr/bin/env bash
# npm run e2e:rotation: gateway token rotations against the real, locked-down gateway with clients connected.
#   1. private dockerd (ci/lib/dockerd.sh), egress dropped; the gateway image e2e/build-gateway-image.sh builds
#      (cached in $OPENCLAW_CI_CACHE, shared with npm run e2e); moto (test/rotation/moto_launcher.py) on loopback
#   2. `npm run plan -- --stack caddy`: the VM's compose file (images, host paths and subnet only changed; Caddy
#      dropped), openclaw.json untouched, and the rendered host scripts fetch-secrets.sh and reload-token.sh
#   3. the first token by the stack's rotation handler; fetch-secrets.sh (openclaw-secrets.service's command)
#      writes the token file; the gateway starts from the compose file
#   4. two clients (e2e/rotation/clients.ts) follow docs/secrets.md while driver.ts rotates and injects faults
# Ends with: rotation: client failures N, longest rejection S s, lockouts L, gateway restarts R, faults F/F recovered
# Exit 0 only with L = 0, R = 0 and every fault recovered.
# Env: RT_RECONCILE_SECONDS (the reconcile timer's period here, default 20; 120 on a host), E2E_KEEP=1 keeps the work dir.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
E2E_T0=$SECONDS
# shellcheck source=e2e/versions.env
. "$REPO/e2e/versions.env"
# shellcheck source=e2e/lib.sh
. "$REPO/e2e/lib.sh"
# shellcheck source=ci/lib/dockerd.sh
. "$REPO/ci/lib/dockerd.sh"

CACHE="${OPENCLAW_CI_CACHE:-$HOME/.cache/openclaw-ci}"
VENV="$CACHE/venv"
GW_IMAGE="openclaw-gateway:$OPENCLAW_VERSION"
PROJECT="ocrotation"
GW_PORT="${RT_GATEWAY_PORT:-18799}"
# Outside the daemon's bridge and pool; the stack's own 172.30.89.0/28 may be in use by another e2e.
SUBNET="${RT_SUBNET:-10.217.64.0/28}"
EGRESS_COMMENT="openclaw-rotation-e2e-egress"
TSX=(npx --no-install tsx)
export RT_RECONCILE_SECONDS="${RT_RECONCILE_SECONDS:-20}"

mkdir -p "$CACHE/tmp"
W="$(mktemp -d "$CACHE/tmp/rotation.XXXXXX")"
RUN="$W/run"
MOTO_PID=""
CLIENT=""
COMPOSE=(docker-compose -p "$PROJECT" -f "$W/compose.yaml")
cleanup() {
  local rc=$?
  set +e
  [ -n "$CLIENT" ] && docker rm -f "$CLIENT" >/dev/null 2>&1
  if [ -f "$W/compose.yaml" ] && [ -n "${DOCKER_HOST:-}" ]; then "${COMPOSE[@]}" down -v --timeout 10 >/dev/null 2>&1; fi
  iptables -D DOCKER-USER -s "$SUBNET" ! -d "$SUBNET" -m comment --comment "$EGRESS_COMMENT" -j DROP 2>/dev/null
  [ -n "$MOTO_PID" ] && kill "$MOTO_PID" 2>/dev/null && wait "$MOTO_PID" 2>/dev/null
  [ "${EGRESS_WAS_BLOCKED:-1}" = 0 ] && dockerd_unblock_egress
  # shellcheck disable=SC2119 # stops the daemon only when this shell started it
  stop_dockerd >/dev/null 2>&1
  if [ "${E2E_KEEP:-0}" = 1 ]; then echo "work dir kept: $W"; else rm -rf "$W"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

section "setup"
missing=()
for pair in dockerd:docker.io docker-compose:docker-compose jq:jq curl:curl iptables:iptables flock:util-linux; do
  command -v "${pair%%:*}" >/dev/null || missing+=("${pair#*:}")
done
[ -x /usr/bin/python3 ] && python3 -c 'import venv, ensurepip' 2>/dev/null || missing+=(python3-venv)
if [ "${#missing[@]}" -gt 0 ]; then
  info "installing ${missing[*]}"
  apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null
fi
# The same venv and pins as npm run e2e and the backup drill.
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/pip" freeze 2>/dev/null | grep -qx "moto==5.2.5" || "$VENV/bin/pip" install -q "moto[server]==5.2.5"
[ -d "$REPO/node_modules/tsx" ] || (cd "$REPO" && npm install --no-audit --no-fund >/dev/null)

start_dockerd
EGRESS_WAS_BLOCKED=0
iptables -S DOCKER-USER 2>/dev/null | grep -q -- "--comment openclaw-ci-egress" && EGRESS_WAS_BLOCKED=1
dockerd_block_egress
t=$SECONDS
bash "$REPO/e2e/build-gateway-image.sh" "$OPENCLAW_VERSION" | sed 's/^/INFO  /'
info "gateway image ready in $((SECONDS - t)) s"

port="$("$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')"
"$VENV/bin/python" "$REPO/test/rotation/moto_launcher.py" "$port" >"$W/moto.log" 2>&1 &
MOTO_PID=$!
for _ in $(seq 1 100); do
  curl -s -o /dev/null "http://127.0.0.1:$port/moto-api/" && break
  kill -0 "$MOTO_PID" 2>/dev/null || { fail "moto did not start: $(tail -n 3 "$W/moto.log")"; exit 1; }
  sleep 0.2
done
export RT_SM="http://127.0.0.1:$port"
pass "Secrets Manager emulator (moto 5.2.5) on 127.0.0.1:$port"

section "render"
PLAN="$W/plan"
if (cd "$REPO" && npm run -s plan -- --stack caddy --out "$PLAN" >"$W/plan.log" 2>&1); then
  pass "npm run plan -- --stack caddy"
else
  fail "npm run plan -- --stack caddy: $(tail -n 3 "$W/plan.log")"; exit 1
fi
VM="$PLAN/vm"
for f in compose.yaml openclaw.json scripts/fetch-secrets.sh scripts/reload-token.sh units/openclaw-token-reconcile.service units/openclaw-token-reconcile.timer; do
  [ -f "$VM/$f" ] || { fail "rendered $f is missing"; exit 1; }
done
check "openclaw.json reads gateway.auth.token through a file SecretRef" \
  jq -e '.gateway.auth.token.source == "file" and .secrets.providers[.gateway.auth.token.provider].mode == "singleValue"' "$VM/openclaw.json"
check "the compose file mounts the token directory read-only" grep -q -- "- /run/openclaw/secrets:/run/openclaw-token:ro" "$VM/compose.yaml"
reconcile_cmd="$(sed -n 's/^ExecStart=//p' "$VM/units/openclaw-token-reconcile.service")"
check "the reconcile unit runs reload-token.sh reconcile under timeout" test "$reconcile_cmd" = "/usr/bin/timeout 90 /usr/local/lib/openclaw/reload-token.sh reconcile"
# Host paths /run/openclaw/* -> $RUN/*; the subnet moved (Caddy is not part of this test, so no address is trusted).
(cd "$REPO" && "${TSX[@]}" test/engine/prepare-compose.ts "$VM/compose.yaml" "$W/compose.yaml" --image "$GW_IMAGE" \
  --workdir "$RUN" --host-port "$GW_PORT" --subnet "$SUBNET")
iptables -I DOCKER-USER -s "$SUBNET" ! -d "$SUBNET" -m comment --comment "$EGRESS_COMMENT" -j DROP
install -d -m 0700 "$RUN"
install -d -m 0700 -o 1000 -g 1000 "$RUN/state" "$W/client"
install -m 0600 -o 1000 -g 1000 "$VM/openclaw.json" "$RUN/openclaw.json"
# The scripts' fixed host paths become the work dir's through their documented overrides only.
export RT_SCRIPT="$VM/scripts/reload-token.sh" RT_RUN_DIR="$RUN" RT_COMPOSE="${COMPOSE[*]}"
export RT_SECRET_FILE="$W/secret.arn" RT_RESULT="$W/result.json"
RT_RENDERED_ARN="$(sed -n "s/^TOKEN_SECRET='\(.*\)'$/\1/p" "$RT_SCRIPT")"
export RT_RENDERED_ARN

section "first token and gateway start"
(cd "$REPO" && "${TSX[@]}" e2e/rotation/driver.ts provision)
OPENCLAW_RUN_DIR="$RUN" OPENCLAW_SM_ENDPOINT="$RT_SM" OPENCLAW_SECRET_WAIT_SECONDS=30 AWS_ACCESS_KEY_ID=e2e AWS_SECRET_ACCESS_KEY=e2e \
  bash "$VM/scripts/fetch-secrets.sh" 2>&1 | sed 's/^/INFO  /'
check "the token file is 0600, owned by the gateway's uid, one link" test "$(stat -c '%a %u %h' "$RUN/secrets/gateway-token")" = "600 1000 1"
"${COMPOSE[@]}" up -d gateway >/dev/null 2>&1 || { fail "docker-compose up: $("${COMPOSE[@]}" up -d gateway 2>&1 | tail -n 2)"; exit 1; }
if t=$(wait_body "http://127.0.0.1:$GW_PORT/readyz" '"ready":true' 240); then pass "gateway ready after ${t} s"; else
  fail "gateway not ready: $(docker logs --tail 5 "$("${COMPOSE[@]}" ps -q gateway)" 2>&1 | tr '\n' ' ' | cut -c1-300)"; exit 1
fi
GW_ID="$("${COMPOSE[@]}" ps -q gateway)"
gw_state() { docker inspect -f '{{.Id}} {{.RestartCount}} {{.State.StartedAt}}' "$GW_ID"; }
STATE0="$(gw_state)"
check "locked down: read-only root, no capabilities, uid 1000" \
  test "$(docker inspect -f '{{.HostConfig.ReadonlyRootfs}} {{.HostConfig.CapDrop}} {{.Config.User}}' "$GW_ID")" = "true [ALL] 1000:1000"

section "clients"
CLIENT="ocrotation-clients"
docker run -d --name "$CLIENT" --network host --read-only --cap-drop ALL --security-opt no-new-privileges:true --user 1000:1000 \
  -v "$HERE/clients.ts:/e2e/clients.ts:ro" -v "$W/client:/client" \
  -e "RC_GATEWAY=http://127.0.0.1:$GW_PORT" -e "RC_SM=$RT_SM" -e "RC_SECRET=$(cat "$RT_SECRET_FILE")" -e RC_DIR=/client \
  "$GW_IMAGE" node /e2e/clients.ts >/dev/null
# A remote device is admitted once approved (the gateway's pairing); approve the WebSocket client's request.
client_alive() { [ "$(docker inspect -f '{{.State.Running}}' "$CLIENT" 2>/dev/null)" = true ]; }
for _ in $(seq 1 60); do
  [ -s "$W/client/pairing.request" ] || [ -f "$W/client/ws.connected" ] && break
  client_alive || { fail "the client container exited: $(docker logs --tail 5 "$CLIENT" 2>&1 | tr '\n' ' ' | cut -c1-300)"; exit 1; }
  sleep 1
done
if [ -s "$W/client/pairing.request" ]; then
  docker exec "$GW_ID" openclaw devices approve "$(cat "$W/client/pairing.request")" >/dev/null 2>&1 || true
fi
for _ in $(seq 1 90); do [ -f "$W/client/ws.connected" ] && break; sleep 1; done
check "the WebSocket client is connected (hello-ok)" test -f "$W/client/ws.connected"
check "the HTTP client is served" sh -c "jq -e '.http.successes > 0' '$W/client/stats.json' >/dev/null"
# The pairing round is not a rotation: count from here.
cp "$W/client/stats.json" "$W/stats.before.json"

section "rotations"
(cd "$REPO" && "${TSX[@]}" e2e/rotation/driver.ts scenarios) || fail "driver.ts scenarios exited non-zero"
sleep 5
touch "$W/client/stop"
for _ in $(seq 1 30); do [ "$(docker inspect -f '{{.State.Running}}' "$CLIENT" 2>/dev/null)" = true ] || break; sleep 1; done
[ -f "$W/client/client.error" ] && fail "clients: $(head -c 300 "$W/client/client.error")"

section "result"
STATE1="$(gw_state)"
restarts=0
[ "${STATE0%% *}" = "${STATE1%% *}" ] || restarts=$((restarts + 1))
rc0="$(cut -d' ' -f2 <<<"$STATE0")"; rc1="$(cut -d' ' -f2 <<<"$STATE1")"
restarts=$((restarts + rc1 - rc0))
[ "$(cut -d' ' -f3 <<<"$STATE0")" = "$(cut -d' ' -f3 <<<"$STATE1")" ] || [ "$restarts" -gt 0 ] || restarts=1
S="$W/client/stats.json"; B="$W/stats.before.json"
failures=$(jq -n --slurpfile a "$S" --slurpfile b "$B" '($a[0].http.failures + $a[0].ws.failures) - ($b[0].http.failures + $b[0].ws.failures)')
lockouts=$(jq '.http.lockouts + .ws.lockouts' "$S")
longest=$(jq '[.http.longestRejection, .ws.longestRejection] | max | . * 10 | round / 10' "$S")
info "clients: $(jq -c '{http: {ok: .http.successes, failed: .http.failures, rereads: .http.rereads}, ws: {ok: .ws.successes, failed: .ws.failures, reconnects: .ws.reconnects}}' "$S")"
if [ -f "$RT_RESULT" ]; then
  F=$(jq .faults "$RT_RESULT"); R=$(jq .recovered "$RT_RESULT"); all=$(jq .allRecovered "$RT_RESULT")
  info "reconciler: $(jq -c '{runs: .reconcileRuns, failed: .reconcileFailures}' "$RT_RESULT")"
else
  F=0; R=0; all=false
fi
echo "rotation: client failures $failures, longest rejection $longest s, lockouts $lockouts, gateway restarts $restarts, faults $R/$F recovered"
[ "$lockouts" = 0 ] && [ "$restarts" = 0 ] && [ "$all" = true ] && [ "$F" -gt 0 ] && [ "$R" = "$F" ] && [ "$CHECK_FAILS" = 0 ]
