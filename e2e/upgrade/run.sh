#!/usr/bin/env bash
# npm run e2e:upgrade: gateway upgrades through components/upgrade/upgrade.sh with two real releases from npm.
#   1. dockerd + egress drop; the pinned gateway (B, e2e/versions.env) and an older one (A: the oldest of
#      E2E_UPGRADE_CANDIDATES that starts under the stack's rendered config); two deliberately broken images
#      made from B (one exits, one never becomes ready; both "migrate" the state first)
#   2. VM shape: `npm run plan -- --stack prod`'s compose file and openclaw.json, A running locked down with
#      real state (a device paired through the gateway, a session, config), then
#        A -> B through upgrade.sh apply          state intact, B healthy, downtime measured
#        B -> broken (exits)                      refused by the preflight on a copy: B never stopped
#        B -> broken (exits), preflight off       rolled back automatically: B with its pre-upgrade state
#        B -> broken (never ready)                rolled back automatically at the readiness deadline
#        upgrade.sh rollback                      A with the state from before the A -> B upgrade
#   3. Docker target (`--stack local`): A -> B (preflight off: same code as above), broken -> automatic
#      rollback, manual rollback
# Ends with: upgrade: A -> B ok (downtime S s); broken image rolled back in S s, state intact; manual rollback ok
# Env: E2E_UPGRADE_CANDIDATES (older versions to try, oldest first), E2E_UPGRADE_PORT (default 28789),
#      E2E_UPGRADE_SUBNET (default 172.30.118.0/28), E2E_KEEP=1 keeps the work dir, OPENCLAW_CI_CACHE.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
E2E="$(cd "$HERE/.." && pwd)"
REPO="$(cd "$E2E/.." && pwd)"
E2E_T0=$SECONDS
# shellcheck source=e2e/versions.env
. "$E2E/versions.env"
# shellcheck source=e2e/lib.sh
. "$E2E/lib.sh"
# shellcheck source=ci/lib/dockerd.sh
. "$REPO/ci/lib/dockerd.sh"

CACHE="${OPENCLAW_CI_CACHE:-$HOME/.cache/openclaw-ci}"
CANDIDATES="${E2E_UPGRADE_CANDIDATES:-2026.8.2 2026.9.1 2026.9.2 2026.9.3 2026.9.4 2026.9.5}"
PORT="${E2E_UPGRADE_PORT:-28789}"
SUBNET="${E2E_UPGRADE_SUBNET:-172.30.118.0/28}"
B="$OPENCLAW_VERSION"
B_IMAGE="openclaw-gateway:$B"
BROKEN_EXIT="openclaw-gateway-broken:exits"
BROKEN_NOTREADY="openclaw-gateway-broken:never-ready"
UPGRADE="$REPO/components/upgrade/upgrade.sh"
TSX=(npx --no-install tsx)
EGRESS_COMMENT="openclaw-e2e-upgrade-egress"

mkdir -p "$CACHE/tmp"
W="$(mktemp -d "$CACHE/tmp/e2e-upgrade.XXXXXX")"
PROJECTS=()
cleanup() {
  local rc=$? p
  set +e
  for p in "${PROJECTS[@]}"; do
    docker ps -aq --filter "label=com.docker.compose.project=$p" | xargs -r docker rm -f >/dev/null 2>&1
    docker network ls -q --filter "label=com.docker.compose.project=$p" | xargs -r docker network rm >/dev/null 2>&1
    docker volume ls -q --filter "label=com.docker.compose.project=$p" | xargs -r docker volume rm >/dev/null 2>&1
  done
  iptables -D DOCKER-USER -s "$SUBNET" ! -d "$SUBNET" -m comment --comment "$EGRESS_COMMENT" -j DROP 2>/dev/null
  [ "${EGRESS_WAS_BLOCKED:-1}" = 0 ] && dockerd_unblock_egress
  # shellcheck disable=SC2119 # stops the daemon only when this shell started it
  stop_dockerd >/dev/null 2>&1
  if [ "${E2E_KEEP:-0}" = 1 ]; then echo "work dir kept: $W"; else rm -rf "$W"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

section "setup"
for pair in dockerd:docker.io docker-compose:docker-compose busybox:busybox-static jq:jq curl:curl iptables:iptables flock:util-linux sqlite3:sqlite3; do
  command -v "${pair%%:*}" >/dev/null || { fail "${pair%%:*} is missing (apt-get install -y ${pair#*:})"; exit 1; }
done
[ -d "$REPO/node_modules/tsx" ] || (cd "$REPO" && npm install --no-audit --no-fund >/dev/null)
start_dockerd
EGRESS_WAS_BLOCKED=0
iptables -S DOCKER-USER 2>/dev/null | grep -q -- "--comment openclaw-ci-egress" && EGRESS_WAS_BLOCKED=1
dockerd_block_egress
iptables -I DOCKER-USER -s "$SUBNET" ! -d "$SUBNET" -m comment --comment "$EGRESS_COMMENT" -j DROP
t=$SECONDS
bash "$E2E/build-gateway-image.sh" "$B" | sed 's/^/INFO  /'
info "gateway $B image ready in $((SECONDS - t)) s"

# --- render --------------------------------------------------------------------------------------------------
section "render (npm run plan -- --stack prod / local)"
PLAN="$W/plan"
for s in prod local; do
  (cd "$REPO" && npm run -s plan -- --stack "$s" --out "$PLAN/$s" >"$W/plan-$s.log" 2>&1) ||
    { fail "npm run plan -- --stack $s: $(tail -n 3 "$W/plan-$s.log")"; exit 1; }
done
pass "rendered prod (vm/compose.yaml, vm/openclaw.json) and local (local/compose.yaml)"
VM="$PLAN/prod/vm"
LOCAL="$PLAN/local/local"

# A host in a directory: what prepare-compose maps /run/openclaw/*, /var/lib/openclaw/state to (<host>/<name>),
# and the config directory and the upgrade records upgrade.sh keeps (<host>/etc, <host>/upgrade).
TOKEN="$(head -c 32 /dev/urandom | base64 -w0 | tr '+/' '-_' | tr -d '=')"
make_host() { # <dir>; a leftover of an interrupted run (same project) would hold the old bind paths
  docker ps -aq --filter "label=com.docker.compose.project=$PROJECT" | xargs -r docker rm -f >/dev/null 2>&1 || true
  docker volume ls -q --filter "label=com.docker.compose.project=$PROJECT" | xargs -r docker volume rm >/dev/null 2>&1 || true
  install -d -m 0700 "$1" "$1/etc" "$1/lock"
  install -d -m 0700 -o 1000 -g 1000 "$1/state" "$1/secrets"
  (umask 077 && printf '# provider keys\n' >"$1/gateway.env")
  (umask 077 && printf '%s\n' "$TOKEN" >"$1/secrets/gateway-token" && chown 1000:1000 "$1/secrets/gateway-token")
}
# A release directory as the SSM document delivers one: the files of /etc/openclaw plus `image`.
make_release() { # <dir> <image> <compose src> <openclaw.json>
  install -d -m 0700 "$1"
  (cd "$REPO" && "${TSX[@]}" test/engine/prepare-compose.ts "$3" "$1/compose.yaml" --image "$2" --workdir "$HOST" \
    --host-port "$PORT" --subnet "$SUBNET")
  # The image file names what the compose file runs; the pin is upgrade.sh's to add.
  printf '%s\n' "$2" >"$1/image"
  install -m 0600 "$4" "$1/openclaw.json"
}
upgrade() { # upgrade.sh with this host's layout; extra VAR=value first
  env OPENCLAW_CONFIG_DIR="$HOST/etc" OPENCLAW_STATE_HOST_DIR="$STATE" OPENCLAW_UPGRADE_DIR="$HOST/upgrade" \
    OPENCLAW_UPGRADE_RUNNER=compose OPENCLAW_COMPOSE_CMD=docker-compose OPENCLAW_COMPOSE_PROJECT="$PROJECT" \
    OPENCLAW_RUNTIME_CONFIG="$RUNTIME" OPENCLAW_HEALTH_URL="http://127.0.0.1:$PORT" \
    OPENCLAW_LOCK_FILE="$HOST/lock/host.lock" OPENCLAW_UPGRADE_BACKUP=none "$@"
}
gw() { docker ps -q --filter "label=com.docker.compose.project=$PROJECT" --filter label=com.docker.compose.service=gateway | head -n 1; }
version_running() { docker exec "$(gw)" node -p 'require("/app/package.json").version' 2>/dev/null || echo none; }

# First start as cloud-init's files and the gateway unit do it: config installed, compose up.
first_start() { # <release dir>
  install -m 0644 "$1/compose.yaml" "$HOST/etc/compose.yaml"
  install -m 0644 "$1/openclaw.json" "$HOST/etc/openclaw.json"
  install -D -m 0600 -o 1000 -g 1000 "$1/openclaw.json" "$RUNTIME"
  docker-compose -p "$PROJECT" -f "$HOST/etc/compose.yaml" up -d >/dev/null 2>&1 &&
    wait_body "http://127.0.0.1:$PORT/readyz" '"ready":true' 240 >/dev/null
}

# --- A: the oldest candidate that starts under the rendered, locked-down config -------------------------------
section "the older release (oldest of: $CANDIDATES)"
A=""
# The verdict is cached with what decides it (the rendered config, the candidates, the image recipe): a warm
# run does not start every candidate again; a changed config probes again.
PROBE_KEY="$(cat "$VM/compose.yaml" "$VM/openclaw.json" "$E2E/build-gateway-image.sh" "$E2E/versions.env" | { cat; echo "$CANDIDATES"; } | sha256sum | cut -c1-16)"
PROBE_CACHE="$CACHE/e2e-upgrade-older-release"
cached_a="$(awk -v k="$PROBE_KEY" '$1 == k {print $2}' "$PROBE_CACHE" 2>/dev/null || true)"
for v in $CANDIDATES; do
  [ -z "$cached_a" ] || [ "$v" = "$cached_a" ] || continue
  t=$SECONDS
  if ! bash "$E2E/build-gateway-image.sh" "$v" "$v" >"$W/build-$v.log" 2>&1; then
    info "$v: build failed: $(tail -n 2 "$W/build-$v.log" | tr '\n' ' ')"; continue
  fi
  info "$v: image ready in $((SECONDS - t)) s"
  if [ "$v" = "$cached_a" ]; then
    A="$v"; pass "openclaw $A: the oldest candidate that starts under this rendered config (verdict cached for $PROBE_KEY)"; break
  fi
  HOST="$W/probe-$v"; PROJECT="ocupprobe"; PROJECTS+=("$PROJECT"); RUNTIME="$HOST/openclaw.json"
  make_host "$HOST"
  make_release "$W/rel-probe-$v" "openclaw-gateway:$v" "$VM/compose.yaml" "$VM/openclaw.json"
  if first_start "$W/rel-probe-$v"; then A="$v"; fi
  docker-compose -p "$PROJECT" -f "$HOST/etc/compose.yaml" down -v --timeout 10 >/dev/null 2>&1 || true
  if [ -n "$A" ]; then
    pass "openclaw $A starts and gets ready under prod's rendered config"
    printf '%s %s\n' "$PROBE_KEY" "$A" >"$PROBE_CACHE"
    break
  fi
  info "$v: does not become ready under the rendered config: $(docker logs --tail 3 "$(gw 2>/dev/null)" 2>&1 | tr '\n' ' ' | cut -c1-200)"
done
[ -n "$A" ] || { fail "no candidate of $CANDIDATES starts under the rendered config"; exit 1; }
A_IMAGE="openclaw-gateway:$A"

# Broken releases made from B (e2e/upgrade/broken): each "migrates" the state the way a bad release does
# (drops the device pairings, leaves a schema marker), then fails. Only the rollback of the state undoes that.
c="$(docker create "$B_IMAGE")"
docker cp "$HERE/broken" "$c:/broken"
docker commit --change 'CMD ["node", "/broken/exits.js"]' "$c" "$BROKEN_EXIT" >/dev/null
docker commit --change 'CMD ["node", "/broken/never-ready.js"]' "$c" "$BROKEN_NOTREADY" >/dev/null
docker rm "$c" >/dev/null
pass "broken images from $B: $BROKEN_EXIT (migrates, exits 1), $BROKEN_NOTREADY (migrates, /readyz 503 forever)"

# --- state ------------------------------------------------------------------------------------------------------
# A device paired through the gateway itself (WebSocket connect from a non-loopback client, operator approval),
# a session transcript and a workspace file, as the gateway keeps them in its state directory.
client_ws() {
  local ip origin
  # The Origin a browser on this shape's Control UI sends (each stack's config allows its own).
  origin="$(jq -r '.gateway.controlUi.allowedOrigins[0] // "https://openclaw.invalid"' "$HOST/etc/openclaw.json")"
  ip="$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$(gw)")"
  docker run --rm --network "${PROJECT}_openclaw" --read-only --cap-drop ALL --security-opt no-new-privileges:true \
    --user 1000:1000 -v "$E2E/client.ts:/e2e/client.ts:ro" -v "$HOST/client:/client" \
    -e "E2E_BASE=http://$ip:18789" -e "E2E_ORIGIN=$origin" -e E2E_BASIC=none:none -e "E2E_TOKEN=$TOKEN" \
    -e E2E_KEY=/client/device.json "$A_IMAGE" node /e2e/client.ts ws right 2>/dev/null | tail -n 1 || true
}
seed_state() {
  local r req
  install -d -m 0700 -o 1000 -g 1000 "$HOST/client"
  r="$(client_ws)"
  req="$(jq -r '.requestId // empty' <<<"$r" 2>/dev/null || true)"
  if [ -n "$req" ]; then docker exec "$(gw)" openclaw devices approve "$req" >/dev/null 2>&1 || true; fi
  r="$(client_ws)"
  if [ "$(jq -r .hello <<<"$r" 2>/dev/null)" = hello-ok ]; then
    pass "device paired through the gateway ($(jq -c '{hello,protocol}' <<<"$r"))"
  else
    info "WebSocket pairing on $A: $(printf '%s' "$r" | cut -c1-200)"
  fi
  docker exec "$(gw)" sh -c 'mkdir -p /home/node/.openclaw/workspace /home/node/.openclaw/agents/main/sessions &&
    echo "remember: upgrade drill" > /home/node/.openclaw/workspace/MEMORY.md &&
    printf "%s\n" "{\"type\":\"session\",\"id\":\"e2e-upgrade\"}" "{\"type\":\"message\",\"role\":\"user\",\"content\":\"hello before the upgrade\"}" > /home/node/.openclaw/agents/main/sessions/e2e-upgrade.jsonl'
  check "paired device recorded in the gateway's store (device_pairing_paired: $(paired_count) row(s))" test "$(paired_count)" -ge 1
}
# The gateway's own store, read from a copy (never opened while the gateway writes it).
paired_rows() {
  local t
  t="$(mktemp -d)"
  cp "$STATE"/state/openclaw.sqlite* "$t/" 2>/dev/null || true
  sqlite3 "$t/openclaw.sqlite" 'SELECT * FROM device_pairing_paired ORDER BY 1' 2>/dev/null || true
  rm -rf "$t"
}
paired_count() { paired_rows | grep -c . || true; }
# What must survive an upgrade and come back unchanged with a rollback.
state_digest() {
  { paired_rows; cat "$STATE/workspace/MEMORY.md" "$STATE/agents/main/sessions/e2e-upgrade.jsonl" 2>/dev/null || true; } | sha256sum | cut -c1-16
}
state_intact() { # <expected digest>
  [ "$(state_digest)" = "$1" ] && [ ! -e "$STATE/BROKEN_MIGRATION" ] && [ "$(paired_count)" -ge 1 ]
}
applied() { # <exit code> <output file>: the figure upgrade.sh printed
  sed -n "s/^$2=//p" "$1" | tail -n 1
}

# One full run on a host shape: <label> <compose src> <openclaw.json src> <full: 1 for every case>
drill() {
  local label="$1" src="$2" cfg="$3" full="$4" rc d0 d1 out
  HOST="$W/host-$label"; PROJECT="ocup$label"; PROJECTS+=("$PROJECT")
  make_host "$HOST"
  if [ "$label" = local ]; then
    # The Docker target as local/README.md sets it up: config in ./config, the token in ./gateway.env, the
    # state in the named volume (upgrade.sh copies it at the volume's mount point).
    RUNTIME="$HOST/etc/config/openclaw.json"
    # (prepare-compose points env_file at <host>/gateway.env)
    sed "s|^OPENCLAW_GATEWAY_TOKEN=.*|OPENCLAW_GATEWAY_TOKEN=$TOKEN|" "$LOCAL/gateway.env.example" >"$HOST/gateway.env"
    chmod 0600 "$HOST/gateway.env"
    STATE="$W/unset"
  else
    RUNTIME="$HOST/openclaw.json"; STATE="$HOST/state"
  fi
  make_release "$W/$label-A" "$A_IMAGE" "$src" "$cfg"
  make_release "$W/$label-B" "$B_IMAGE" "$src" "$cfg"
  make_release "$W/$label-exit" "$BROKEN_EXIT" "$src" "$cfg"
  make_release "$W/$label-notready" "$BROKEN_NOTREADY" "$src" "$cfg"
  first_start "$W/$label-A" || { fail "$label: $A does not start: $(docker logs --tail 5 "$(gw)" 2>&1 | tr '\n' ' ' | cut -c1-300)"; return 1; }
  [ "$label" = local ] && STATE="$(docker volume inspect -f '{{.Mountpoint}}' "${PROJECT}_openclaw-state")"
  check "$label: $A running ($(version_running))" test "$(version_running)" = "$A"
  seed_state
  d0="$(state_digest)"

  section "$label: $A -> $B"
  out="$W/$label-apply-B.out"; rc=0
  # The preflight (minutes on a busy host) is the same code on both shapes: the VM shape runs it.
  upgrade env OPENCLAW_UPGRADE_PREFLIGHT="$full" "$UPGRADE" apply --release "$W/$label-B" >"$out" 2>"$out.err" || rc=$?
  sed 's/^/INFO  /' "$out.err" | tail -n 12
  check "$label: apply $B exits 0 ($rc)" test "$rc" = 0
  check "$label: $B running ($(version_running))" test "$(version_running)" = "$B"
  check "$label: /readyz ready on $B" bash -c "curl -s http://127.0.0.1:$PORT/readyz | grep -q '\"ready\":true'"
  check "$label: paired device, session and memory intact after the upgrade ($(paired_count) paired)" bash -c "[ -f '$STATE/agents/main/sessions/e2e-upgrade.jsonl' ] && grep -q 'upgrade drill' '$STATE/workspace/MEMORY.md' && [ $(paired_count) -ge 1 ]"
  check "$label: the compose file runs B pinned by id/digest ($(grep -m1 'image:' "$HOST/etc/compose.yaml" | tr -s ' '))" grep -q "image: sha256:$(docker image inspect -f '{{.Id}}' "$B_IMAGE" | cut -d: -f2)" "$HOST/etc/compose.yaml"
  local st
  st="$(upgrade "$UPGRADE" status)"
  check "$label: status names the rollback point back to $A ($(jq -c '{current,previous,rollback: .rollbackPoint.release}' <<<"$st"))" test "$(jq -r '.rollbackPoint.previous == .previous and .previous != null' <<<"$st")" = true
  [ "$label" = vm ] && UP_DOWNTIME="$(applied "$out" downtime_s)"
  info "$label: downtime $(applied "$out" downtime_s) s"
  d1="$(state_digest)"

  if [ "$full" = 1 ]; then
    section "$label: $B -> broken (exits), preflight on"
    rc=0; t=$(now)
    upgrade "$UPGRADE" apply --release "$W/$label-exit" >"$out" 2>"$out.err" || rc=$?
    sed 's/^/INFO  /' "$out.err" | tail -n 4
    check "$label: refused by the preflight (exit $rc, $(since "$t") s), $B never stopped" test "$rc" = 3 -a "$(version_running)" = "$B"
    check "$label: the live state untouched by the preflight" state_intact "$d1"
  fi

  section "$label: $B -> broken (exits), preflight off: automatic rollback"
  rc=0
  upgrade env OPENCLAW_UPGRADE_PREFLIGHT=0 OPENCLAW_UPGRADE_DEADLINE=60 "$UPGRADE" apply --release "$W/$label-exit" >"$out" 2>"$out.err" || rc=$?
  sed 's/^/INFO  /' "$out.err" | tail -n 6
  check "$label: exit 3 (failed, rolled back healthy): $rc" test "$rc" = 3
  check "$label: $B running again ($(version_running))" test "$(version_running)" = "$B"
  check "$label: pre-upgrade state back (paired devices, session, memory; the broken release's migration gone)" state_intact "$d1"
  [ "$label" = vm ] && UP_ROLLBACK="$(applied "$out" rollback_s)"
  info "$label: rolled back in $(applied "$out" rollback_s) s"

  if [ "$full" = 1 ]; then
    section "$label: $B -> broken (never ready), preflight off: rollback at the deadline"
    rc=0
    upgrade env OPENCLAW_UPGRADE_PREFLIGHT=0 OPENCLAW_UPGRADE_DEADLINE=30 "$UPGRADE" apply --release "$W/$label-notready" >"$out" 2>"$out.err" || rc=$?
    sed 's/^/INFO  /' "$out.err" | tail -n 6
    check "$label: exit 3: $rc; $B running again ($(version_running))" test "$rc" = 3 -a "$(version_running)" = "$B"
    check "$label: pre-upgrade state back after the never-ready release" state_intact "$d1"
    info "$label: rolled back in $(applied "$out" rollback_s) s"
  fi

  section "$label: upgrade.sh rollback (the operator's command)"
  rc=0
  upgrade "$UPGRADE" rollback >"$out" 2>"$out.err" || rc=$?
  sed 's/^/INFO  /' "$out.err" | tail -n 3
  check "$label: rollback exits 0 ($rc)" test "$rc" = 0
  check "$label: $A running again ($(version_running))" test "$(version_running)" = "$A"
  check "$label: the state from before the $A -> $B upgrade" state_intact "$d0"
  check "$label: a second rollback is refused (nothing left to undo)" not upgrade "$UPGRADE" rollback
  [ "$label" = vm ] && UP_MANUAL="$(applied "$out" rollback_s)"
  docker-compose -p "$PROJECT" -f "$HOST/etc/compose.yaml" down -v --timeout 10 >/dev/null 2>&1 || true
}

section "VM shape (prod's rendered compose.yaml and openclaw.json)"
UP_DOWNTIME="" UP_ROLLBACK="" UP_MANUAL=""
drill vm "$VM/compose.yaml" "$VM/openclaw.json" 1

section "Docker target (local's rendered compose.yaml)"
drill local "$LOCAL/compose.yaml" "$LOCAL/openclaw.json" 0

section "summary"
echo "e2e:upgrade: took $((SECONDS - E2E_T0)) s"
if checks_summary e2e:upgrade && [ -n "$UP_DOWNTIME" ] && [ -n "$UP_ROLLBACK" ] && [ -n "$UP_MANUAL" ]; then
  echo "upgrade: $A -> $B ok (downtime $UP_DOWNTIME s); broken image rolled back in $UP_ROLLBACK s, state intact; manual rollback ok"
else
  exit 1
fi
