#!/usr/bin/env bash
# Builds the Caddy sidecar image without a registry, from Debian's caddy package: /usr/bin/caddy plus the
# libraries ldd lists, busybox (static) for the rendered health check's `wget` and for `sh`, a CA bundle and
# a uid 1000 user; `docker import`. The CMD is the one the rendered compose file gives the caddy service.
#
# Usage: e2e/build-caddy-image.sh [image]     (default openclaw-e2e-caddy:<caddy version>)
#   Skipped when the image exists with the same inputs hash (binary + this recipe). Needs DOCKER_HOST.
set -euo pipefail

say() { printf '[build-caddy-image] %s\n' "$*"; }
for tool in caddy busybox ldd; do
  command -v "$tool" >/dev/null || { say "FAIL: $tool is missing (apt-get install -y caddy busybox-static)"; exit 1; }
done
CADDY_BIN="$(command -v caddy)"
VERSION="$("$CADDY_BIN" version | awk '{print $1}' | tr -d v)"
IMAGE="${1:-openclaw-e2e-caddy:$VERSION}"
LABEL="org.openclaw.ci.inputs"
HASH="$(cat "$CADDY_BIN" "$(command -v busybox)" "$0" | sha256sum | cut -c1-16)"

if [ "$(docker image inspect -f "{{index .Config.Labels \"$LABEL\"}}" "$IMAGE" 2>/dev/null || true)" = "$HASH" ]; then
  say "OK $IMAGE is up to date (inputs $HASH)"
  exit 0
fi

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
R="$WORK/rootfs"
mkdir -p "$R"/{bin,usr/bin,etc/ssl/certs,etc/caddy,tmp,config,data,home/caddy}
install -m 0755 "$CADDY_BIN" "$R/usr/bin/caddy"
# Debian links caddy dynamically (libc, libzstd): copy every library and the loader.
ldd "$CADDY_BIN" | awk '/=> \//{print $3} /^\t\/[^ ]+ \(/{print $1}' | while read -r lib; do
  mkdir -p "$R$(dirname "$lib")"
  cp -L "$lib" "$R$lib"
done
install -m 0755 "$(command -v busybox)" "$R/bin/busybox"
for applet in sh wget cat cp ls id ps grep touch; do ln -s busybox "$R/bin/$applet"; done
cp -L /etc/ssl/certs/ca-certificates.crt "$R/etc/ssl/certs/ca-certificates.crt"
printf 'root:x:0:0:root:/root:/bin/sh\ncaddy:x:1000:1000:caddy:/home/caddy:/bin/sh\n' >"$R/etc/passwd"
printf 'root:x:0:\ncaddy:x:1000:\n' >"$R/etc/group"
printf 'hosts: files dns\n' >"$R/etc/nsswitch.conf"
chmod 1777 "$R/tmp"
chown -R 1000:1000 "$R/data" "$R/config" "$R/home/caddy"
chmod 0700 "$R/data" "$R/config"
chroot "$R" /usr/bin/caddy version >/dev/null || { say "FAIL: caddy does not run inside the rootfs"; exit 1; }

tar -C "$R" --numeric-owner -c . | docker import \
  --change 'USER 1000:1000' \
  --change 'ENV PATH=/usr/bin:/bin' \
  --change 'ENV XDG_CONFIG_HOME=/config' \
  --change 'ENV XDG_DATA_HOME=/data' \
  --change 'EXPOSE 8080 8443' \
  --change "LABEL $LABEL=$HASH org.opencontainers.image.version=$VERSION" \
  --change 'CMD ["caddy", "run", "--config", "/etc/caddy/Caddyfile", "--adapter", "caddyfile"]' \
  - "$IMAGE" >/dev/null
say "OK built $IMAGE (caddy $VERSION, inputs $HASH)"
