#!/usr/bin/env bash
# Builds a tiny image without a registry: this machine's node binary and the libraries it links, busybox for a
# shell, the stub gateway, uid 1000. The rendered health check (node -e fetch ...) runs in it unchanged.
# usage: build-stub-image.sh <tag>
set -euo pipefail
tag="${1:?usage: build-stub-image.sh <tag>}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if docker image inspect "$tag" >/dev/null 2>&1 && [ "${REBUILD:-0}" != 1 ]; then
  echo "stub image $tag present"
  exit 0
fi
command -v busybox >/dev/null || { DEBIAN_FRONTEND=noninteractive apt-get install -y -q busybox-static >/dev/null; }
root="$(mktemp -d)"
trap 'rm -rf "$root"' EXIT
node_bin="$(readlink -f "$(command -v node)")"
mkdir -p "$root"/{bin,etc,tmp,stub,home/node/.openclaw,etc/openclaw}
cp "$node_bin" "$root/bin/node"
cp "$(command -v busybox)" "$root/bin/busybox"
for app in sh touch cat grep cp chmod ls id; do ln -s busybox "$root/bin/$app"; done
# Every shared library node links, plus the loader, at the same paths.
ldd "$node_bin" | grep -oE '/[^ ]+' | sort -u | while read -r lib; do
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
done
cp "$here/stub-gateway.js" "$root/stub/stub-gateway.js"
printf 'root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000:node:/home/node:/bin/sh\n' >"$root/etc/passwd"
printf 'root:x:0:\nnode:x:1000:\n' >"$root/etc/group"
chmod 1777 "$root/tmp"
chown -R 1000:1000 "$root/home/node"
tar -C "$root" -c . | docker import \
  --change 'USER 1000:1000' \
  --change 'ENV HOME=/home/node PATH=/bin' \
  --change 'CMD ["/bin/node", "/stub/stub-gateway.js"]' \
  - "$tag" >/dev/null
echo "stub image $tag built ($(docker image inspect "$tag" --format '{{.Size}}') bytes)"
