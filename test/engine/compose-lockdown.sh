#!/usr/bin/env bash
# Runs the stack's rendered compose file on a real Docker engine with a stub gateway, and checks from the
# container's real state that the lockdown holds. usage: compose-lockdown.sh <rendered compose.yaml>
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
compose_in="${1:?usage: compose-lockdown.sh <rendered compose.yaml>}"
host_port="${OPENCLAW_TEST_PORT:-18789}"
subnet="${OPENCLAW_TEST_SUBNET:-}"
image="openclaw-stub:ci"
project="oclockdown$$"

# shellcheck source=SCRIPTDIR/../../ci/lib/dockerd.sh
. "$repo/ci/lib/dockerd.sh"
# shellcheck source=SCRIPTDIR/../../ci/lib/checks.sh
. "$repo/ci/lib/checks.sh"
work="$(mktemp -d)"
# shellcheck disable=SC2317,SC2119 # called by the EXIT trap; stop_dockerd takes no script arguments
cleanup() {
  docker-compose -p "$project" -f "$work/compose.yaml" down -v --timeout 5 >/dev/null 2>&1 || true
  stop_dockerd
  rm -rf "$work"
}
trap cleanup EXIT
start_dockerd
command -v docker-compose >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -q docker-compose >/dev/null

"$here/build-stub-image.sh" "$image"
mkdir -p "$work/state"
chown 1000:1000 "$work/state"
chmod 0700 "$work/state"
printf 'OPENCLAW_GATEWAY_TOKEN=stub-token-not-a-secret\n' >"$work/gateway.env"
chmod 0600 "$work/gateway.env"
printf '{"gateway":{"mode":"local"}}\n' >"$work/openclaw.json"
chown 1000:1000 "$work/openclaw.json"
chmod 0600 "$work/openclaw.json"
(cd "$repo" && npx --no-install tsx test/engine/prepare-compose.ts "$compose_in" "$work/compose.yaml" --image "$image" --workdir "$work" --host-port "$host_port" ${subnet:+--subnet "$subnet"})


docker-compose -p "$project" -f "$work/compose.yaml" config -q
start=$(date +%s)
docker-compose -p "$project" -f "$work/compose.yaml" up -d gateway >/dev/null
cid="$(docker-compose -p "$project" -f "$work/compose.yaml" ps -q gateway)"
health=""
for _ in $(seq 1 120); do
  health="$(docker inspect -f '{{.State.Health.Status}}' "$cid")"
  [ "$health" = healthy ] && break
  sleep 1
done
echo "INFO  healthy after $(($(date +%s) - start)) s (status: $health)"
check "health check turns healthy" test "$health" = healthy

inspect() { docker inspect -f "$1" "$cid"; }
check "read-only root filesystem" test "$(inspect '{{.HostConfig.ReadonlyRootfs}}')" = true
check "cap_drop ALL, no cap_add" test "$(inspect '{{.HostConfig.CapDrop}} {{.HostConfig.CapAdd}}')" = "[ALL] []"
check "no-new-privileges" grep -q "no-new-privileges:true" <<<"$(inspect '{{.HostConfig.SecurityOpt}}')"
check "not privileged" test "$(inspect '{{.HostConfig.Privileged}}')" = false
check "runs as 1000:1000" test "$(inspect '{{.Config.User}}')" = "1000:1000"
check "memory limit set" test "$(inspect '{{.HostConfig.Memory}}')" -gt 0
check "pids limit set" test "$(inspect '{{.HostConfig.PidsLimit}}')" -gt 0
check "seccomp not unconfined" not grep -q "seccomp=unconfined" <<<"$(inspect '{{.HostConfig.SecurityOpt}}')"
check "no docker socket mounted" not grep -q docker.sock <<<"$(inspect '{{json .Mounts}}')"
capeff="$(docker exec "$cid" grep CapEff /proc/1/status | awk '{print $2}')"
check "CapEff is 0 inside (got $capeff)" test "$capeff" = 0000000000000000
check "uid inside is 1000" test "$(docker exec "$cid" id -u)" = 1000
check "write to / fails" not docker exec "$cid" touch /root-write-test
check "write to /tmp works" docker exec "$cid" touch /tmp/write-test
check "/tmp is noexec" not docker exec "$cid" sh -c 'cp /bin/busybox /tmp/bb && /tmp/bb true'
check "state dir is writable" docker exec "$cid" touch /home/node/.openclaw/write-test
body="$(curl -fsS --max-time 5 "http://127.0.0.1:$host_port/healthz")"
check "port answers on 127.0.0.1 with the health body" grep -q '"status":"live"' <<<"$body"
published="$(inspect '{{json .NetworkSettings.Ports}}')"
check "port published on 127.0.0.1 only" test "$(grep -o '"HostIp":"[^"]*"' <<<"$published" | sort -u)" = '"HostIp":"127.0.0.1"'
for addr in $(ip -4 -o addr show scope global | awk '{print $4}' | cut -d/ -f1); do
  check "no answer on host address $addr" not curl -fsS --max-time 3 "http://$addr:$host_port/healthz"
done
checks_summary compose-lockdown
