#!/usr/bin/env bash
# Builds the Tailscale sidecar image the stacks pin (tailscale/tailscale:v1.84.3) without a registry: the
# official image's three programs (containerboot as the entrypoint, tailscaled, tailscale), built from the
# Go module proxy by ci/tools/build.sh, plus busybox for the rendered healthcheck's wget, in a rootfs that
# `docker import` turns into openclaw-e2e-tailscale:<version>. The same image, with its own command, is the
# test's client node.
#
# Usage: e2e/tailscale/build-image.sh        (needs DOCKER_HOST pointing at a running daemon)
#   prints the image reference on its last line; skipped when that tag exists with the same inputs hash.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
TS_VERSION=1.84.3
IMAGE="openclaw-e2e-tailscale:$TS_VERSION"
INPUTS_LABEL="org.openclaw.ci.inputs"
say() { printf '[build-tailscale-image] %s\n' "$*" >&2; }

bash "$REPO/ci/tools/build.sh" tailscale >&2
BIN="${OPENCLAW_CI_CACHE:-$HOME/.cache/openclaw-ci}/tools/tailscale/bin"
"$BIN/tailscale" version | head -n1 | grep -qx "$TS_VERSION" || { say "FAIL: $BIN/tailscale is not $TS_VERSION"; exit 1; }

# The binaries' stamp and this recipe decide the image: a cached tag is never stale.
INPUTS_HASH="$(cat "$BIN/.stamp" "$0" "$(command -v busybox)" | sha256sum | cut -c1-16)"
if [ "$(docker image inspect -f "{{index .Config.Labels \"$INPUTS_LABEL\"}}" "$IMAGE" 2>/dev/null || true)" = "$INPUTS_HASH" ]; then
  say "OK $IMAGE is up to date (inputs $INPUTS_HASH)"
  echo "$IMAGE"
  exit 0
fi

W="$(mktemp -d)"
trap 'rm -rf "$W"' EXIT
R="$W/rootfs"
mkdir -p "$R"/{bin,usr/bin,usr/local/bin,etc/ssl/certs,tmp,var/lib/tailscale,var/run,root}
for b in containerboot tailscaled tailscale; do install -m 0755 "$BIN/$b" "$R/usr/local/bin/$b"; done
install -m 0755 "$(command -v busybox)" "$R/bin/busybox"
for applet in sh wget ls cat ps id sleep grep head tail env nc timeout; do ln -s busybox "$R/bin/$applet"; done
ln -s /bin/busybox "$R/usr/bin/env"
# The official image carries Alpine's CA bundle; tailscaled verifies certificates (its own cached one
# included) against the system roots.
cp -L /etc/ssl/certs/ca-certificates.crt "$R/etc/ssl/certs/ca-certificates.crt"
printf 'root:x:0:0:root:/root:/bin/sh\ntailscale:x:1000:1000::/tmp:/bin/false\n' >"$R/etc/passwd"
printf 'root:x:0:\ntailscale:x:1000:\n' >"$R/etc/group"
printf 'hosts: files dns\n' >"$R/etc/nsswitch.conf"
chmod 1777 "$R/tmp"

# As the official image: containerboot is the entrypoint, no USER (the stack sets 1000:1000).
tar -C "$R" --numeric-owner -c . | docker import \
  --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' \
  --change 'ENTRYPOINT ["/usr/local/bin/containerboot"]' \
  --change "LABEL $INPUTS_LABEL=$INPUTS_HASH org.opencontainers.image.version=v$TS_VERSION" \
  - "$IMAGE" >/dev/null
say "OK built $IMAGE (inputs $INPUTS_HASH, $(docker image inspect -f '{{.Size}}' "$IMAGE" | awk '{printf "%d MB", $1/1048576}'))"
echo "$IMAGE"
