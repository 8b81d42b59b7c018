#!/usr/bin/env bash
# Proves the locally built engine runs a Node.js (TypeScript) program end to end against a real
# Docker daemon: file backend login, a policy pack that must fail preview on a mandatory violation,
# preview, up (checked with docker inspect), destroy. Prints each step's time.
#
# The container is managed by a dynamic provider that drives the docker CLI, because the Docker
# provider plugin cannot be built here (see README.md); everything else is the real engine path:
# CLI -> language host -> @pulumi/pulumi run -> resource monitor -> plugin, and the analyzer path
# via the language host's RunPlugin.
#
# Needs: ci/engine/build.sh done; npm install done in the repo; DOCKER_HOST pointing at a running
# daemon (or ci/lib/dockerd.sh present, then a private daemon is started and stopped here).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
BIN="${OPENCLAW_CI_CACHE:-$HOME/.cache/openclaw-ci}/pulumi/bin"
WORK="$(mktemp -d /tmp/openclaw-engine-smoke.XXXXXX)"
IMAGE="openclaw-engine-smoke:busybox"
STARTED_DOCKERD=0

log() { printf '[engine-smoke] %s\n' "$*"; }
fail() { printf '[engine-smoke] FAIL: %s\n' "$*" >&2; exit 1; }

cleanup() {
  local rc=$?
  if [ -d "$WORK/proj" ] && [ -f "$WORK/state/.pulumi/stacks/engsmoke/smoke.json" ]; then
    (cd "$WORK/proj" && pulumi destroy --yes --stack smoke >/dev/null 2>&1) || true
  fi
  docker ps -aq --filter "label=openclaw-engine-smoke" 2>/dev/null | xargs -r docker rm -f >/dev/null 2>&1 || true
  [ "$STARTED_DOCKERD" = 1 ] && stop_dockerd
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT

[ -x "$BIN/pulumi" ] || fail "$BIN/pulumi missing; run ci/engine/build.sh first"
[ -d "$ROOT/node_modules/@pulumi/policy" ] || fail "$ROOT/node_modules missing; run npm install in $ROOT"
export PATH="$BIN:$PATH"
# Nothing may be downloaded: no update check, no plugin acquisition.
export PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PULUMI_HOME="$WORK/pulumi-home" PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE:-smoke-$RANDOM$RANDOM}"

if [ -z "${DOCKER_HOST:-}" ]; then
  # shellcheck source=/dev/null
  source "$ROOT/ci/lib/dockerd.sh"
  start_dockerd
  STARTED_DOCKERD=1
fi
docker info >/dev/null || fail "no Docker daemon at ${DOCKER_HOST:-default socket}"

mkdir -p "$WORK/rootfs/bin" "$WORK/rootfs/tmp" "$WORK/state" "$WORK/proj" "$WORK/pack"
busybox="$(command -v busybox || true)"
[ -n "$busybox" ] || fail "busybox missing (apt-get install -y busybox-static)"
cp "$busybox" "$WORK/rootfs/bin/busybox"
ln -s busybox "$WORK/rootfs/bin/sleep"
tar -C "$WORK/rootfs" -c . | docker import - "$IMAGE" >/dev/null

# Program and pack reuse the repo's node_modules, so they run the locked SDK versions.
ln -s "$ROOT/node_modules" "$WORK/proj/node_modules"
ln -s "$ROOT/node_modules" "$WORK/pack/node_modules"
cp "$HERE/smoke/Pulumi.yaml" "$HERE/smoke/index.ts" "$WORK/proj/"
printf '{ "name": "engsmoke", "version": "0.0.1", "main": "index.ts" }\n' >"$WORK/proj/package.json"
printf 'runtime: nodejs\n' >"$WORK/pack/PulumiPolicy.yaml"
cp "$HERE/smoke/policy.ts" "$WORK/pack/index.ts"
printf '{ "name": "engsmoke-policy", "version": "0.0.1", "main": "index.ts" }\n' >"$WORK/pack/package.json"

step() { # name, command...
  local name="$1" t0=$SECONDS
  shift
  if "$@" >"$WORK/$name.log" 2>&1; then
    log "$name: ok in $((SECONDS - t0)) s"
  else
    cat "$WORK/$name.log" >&2
    fail "$name ($*) exited non-zero after $((SECONDS - t0)) s"
  fi
}

cd "$WORK/proj"
step login pulumi login "file://$WORK/state"
step stack-init pulumi stack init smoke --secrets-provider passphrase
step config pulumi config set image "$IMAGE"

# A mandatory violation must stop preview and name the pack's message.
pulumi config set readOnly false
t0=$SECONDS
if pulumi preview --stack smoke --policy-pack "$WORK/pack" >"$WORK/violation.log" 2>&1; then
  cat "$WORK/violation.log" >&2
  fail "preview with readOnly=false passed, expected the mandatory policy to fail it"
fi
grep -q "ENGSMOKE-RO" "$WORK/violation.log" || { cat "$WORK/violation.log" >&2; fail "preview failed without the pack's message"; }
log "policy-violation: preview failed as expected in $((SECONDS - t0)) s: $(grep -m1 -o 'ENGSMOKE-RO[^"]*' "$WORK/violation.log")"
pulumi config set readOnly true

step preview pulumi preview --stack smoke --policy-pack "$WORK/pack"
step up pulumi up --yes --stack smoke --policy-pack "$WORK/pack"

id="$(pulumi stack output containerId --stack smoke)"
[ -n "$id" ] || fail "stack output containerId is empty"
ro="$(docker inspect -f '{{.HostConfig.ReadonlyRootfs}} {{.HostConfig.CapDrop}} {{.HostConfig.SecurityOpt}} {{.Config.User}} {{.State.Running}}' "$id")"
[ "$ro" = "true [ALL] [no-new-privileges:true] 1000:1000 true" ] || fail "docker inspect $id: got '$ro'"
log "inspect: $ro"

step destroy pulumi destroy --yes --stack smoke
if docker inspect "$id" >/dev/null 2>&1; then fail "container $id still exists after destroy"; fi
log "destroy removed container $id"
log "PASS"
