#!/usr/bin/env bash
# Builds the Go tools CI needs from the Go module proxy (the only source reachable on these machines),
# each from a local build module that pins its version and commits its go.sum:
#   tailscale   ci/tools/tailscale: containerboot, tailscaled, tailscale (tailscale.com, the sidecar's
#               version) and openclaw-testcontrol (our local control server + DERP/STUN, see its main.go)
#   trivy       ci/tools/trivy: trivy (github.com/aquasecurity/trivy) with its embedded checks
# into $OPENCLAW_CI_CACHE/tools/<set>/bin, with GOCACHE and GOMODCACHE under $OPENCLAW_CI_CACHE/tools
# so CI reuses them. A set is skipped when its stamp (go.mod, go.sum, our sources, the Go toolchain)
# (this script, go.mod, go.sum, our sources, the Go toolchain) matches, so a warm run takes a second.
#
# Usage: ci/tools/build.sh tailscale|trivy [--force]    # prints "bin: <dir>" on success
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SET="${1:-}"
FORCE=0
[ "${2:-}" = --force ] && FORCE=1

log() { printf '[tools:%s] %s\n' "$SET" "$*"; }
die() { printf '[tools:%s] FAIL: %s\n' "$SET" "$*" >&2; exit 1; }

case "$SET" in
tailscale)
  TS_VERSION=v1.84.3
  BINS=(containerboot tailscaled tailscale openclaw-testcontrol)
  ;;
trivy)
  TRIVY_VERSION=v0.74.0
  BINS=(trivy)
  ;;
*) printf 'usage: %s tailscale|trivy [--force]\n' "$0" >&2; exit 2 ;;
esac

command -v go >/dev/null || die "go is not on PATH (needs Go >= 1.26; CI must install it)"
MOD="$HERE/$SET"
ROOT_CACHE="${OPENCLAW_CI_CACHE:-$HOME/.cache/openclaw-ci}/tools"
BIN="$ROOT_CACHE/$SET/bin"
LOGS="$ROOT_CACHE/logs"
mkdir -p "$BIN" "$LOGS"
export GOMODCACHE="$ROOT_CACHE/gomod" GOCACHE="$ROOT_CACHE/gocache" GOTOOLCHAIN=local CGO_ENABLED=0
export GOFLAGS="-mod=readonly -buildvcs=false"

# The pinned version in go.mod must be the one this script stamps into the binaries.
case "$SET" in
tailscale) grep -Eq "tailscale.com $TS_VERSION( |\$)" "$MOD/go.mod" || die "$MOD/go.mod does not pin tailscale.com $TS_VERSION" ;;
trivy) grep -Eq "github.com/aquasecurity/trivy $TRIVY_VERSION( |\$)" "$MOD/go.mod" || die "$MOD/go.mod does not pin trivy $TRIVY_VERSION" ;;
esac

STAMP="go=$(go env GOVERSION) recipe=$({ cat "$0"; cd "$MOD" && find . -type f \( -name '*.go' -o -name go.mod -o -name go.sum \) | sort | xargs cat; } | sha256sum | cut -c1-16)"
fresh=1
for b in "${BINS[@]}"; do [ -x "$BIN/$b" ] || fresh=0; done
if [ "$FORCE" = 0 ] && [ "$fresh" = 1 ] && [ -f "$BIN/.stamp" ] && [ "$(cat "$BIN/.stamp")" = "$STAMP" ]; then
  log "cached: $STAMP"
  log "bin: $BIN"
  exit 0
fi
rm -f "$BIN/.stamp"

# Builds share the cores with other work: lowest practical priority, output to a log, tail on failure.
build() { # name pkg [ldflags] [env...]
  local name="$1" pkg="$2" ldflags="${3:-}" t0=$SECONDS
  shift 3 || shift $#
  log "building $name ($pkg), log $LOGS/$name.log"
  if ! (cd "$MOD" && env "$@" nice -n 10 go build -trimpath -ldflags "-s -w $ldflags" -o "$BIN/$name.new" "$pkg") >"$LOGS/$name.log" 2>&1; then
    tail -n 30 "$LOGS/$name.log" >&2
    die "go build of $name failed (command: cd $MOD && go build $pkg)"
  fi
  mv -f "$BIN/$name.new" "$BIN/$name"
  log "built $name in $((SECONDS - t0)) s ($(du -h "$BIN/$name" | cut -f1))"
}

T0=$SECONDS
(cd "$MOD" && go mod download) >"$LOGS/$SET-download.log" 2>&1 || { tail -n 20 "$LOGS/$SET-download.log" >&2; die "go mod download failed (proxy unreachable or module refused)"; }
log "modules ready in $((SECONDS - T0)) s"

case "$SET" in
tailscale)
  # The version stamp tailscaled reports (and the control server sees) comes from tailscale.com/version.
  vflags="-X tailscale.com/version.longStamp=${TS_VERSION#v} -X tailscale.com/version.shortStamp=${TS_VERSION#v}"
  build tailscaled tailscale.com/cmd/tailscaled "$vflags"
  build tailscale tailscale.com/cmd/tailscale "$vflags"
  build containerboot tailscale.com/cmd/containerboot "$vflags"
  build openclaw-testcontrol ./cmd/openclaw-testcontrol "$vflags"
  got="$("$BIN/tailscale" version | head -n1)"
  [ "$got" = "${TS_VERSION#v}" ] || die "built tailscale reports '$got', expected ${TS_VERSION#v}"
  ;;
trivy)
  # Trivy's own release build sets GOEXPERIMENT=jsonv2 (it imports encoding/json/v2).
  build trivy github.com/aquasecurity/trivy/cmd/trivy "-X github.com/aquasecurity/trivy/pkg/version/app.ver=${TRIVY_VERSION#v}" GOEXPERIMENT=jsonv2
  got="$("$BIN/trivy" --version | sed -n 's/^Version: //p')"
  [ "$got" = "${TRIVY_VERSION#v}" ] || die "built trivy reports '$got', expected ${TRIVY_VERSION#v}"
  ;;
esac
echo "$STAMP" >"$BIN/.stamp"
log "built in $((SECONDS - T0)) s: $STAMP"
log "bin: $BIN"
