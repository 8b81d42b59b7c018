#!/usr/bin/env bash
# Builds the Kubernetes control plane and node binaries the k8s e2e runs (kube-apiserver,
# kube-controller-manager, kube-scheduler, kubelet, kubectl) from the Go module proxy, through the build
# module kube/go.mod (see its header), into $OPENCLAW_CI_CACHE/kube/bin with GOMODCACHE and GOCACHE
# beside it, like build.sh does for the Pulumi CLI. Skips the build when the stamp matches.
#
# Usage: ci/engine/build-kube.sh [--force|--check]   # prints "PATH entry: <bin>" on success
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
RECIPE="$HERE/kube"
CACHE="${OPENCLAW_CI_CACHE:-$HOME/.cache/openclaw-ci}/kube"
BIN="$CACHE/bin"
LOGS="$CACHE/logs"
BINARIES=(kube-apiserver kube-controller-manager kube-scheduler kubelet kubectl)
FORCE=0
CHECK=0
case "${1:-}" in
--force) FORCE=1 ;;
# --check: exit 0 when the cached binaries match this recipe, 3 when a build would be needed; builds nothing.
--check) CHECK=1 ;;
esac

log() { printf '[kube] %s\n' "$*"; }
die() { printf '[kube] FAIL: %s\n' "$*" >&2; exit 1; }

command -v go >/dev/null || die "go is not on PATH (needs Go >= 1.24)"
VERSION="$(awk '$1 == "require" && $2 == "k8s.io/kubernetes" {print $3}' "$RECIPE/go.mod")"
[[ "$VERSION" =~ ^v1\.([0-9]+)\.[0-9]+$ ]] || die "cannot read the k8s.io/kubernetes version from $RECIPE/go.mod"
MINOR="${BASH_REMATCH[1]}"
# Every staging module must sit at the matching v0.<minor>.<patch>, or the binaries mix releases.
STAGING="api apiextensions-apiserver apimachinery apiserver client-go component-base controller-manager kubelet kubectl pod-security-admission"
for m in $STAGING; do
  grep -Eq "^\s+k8s\.io/$m v0${VERSION#v1}( |\$)" "$RECIPE/go.mod" ||
    die "$RECIPE/go.mod must require k8s.io/$m v0${VERSION#v1} to match k8s.io/kubernetes $VERSION (then run 'go mod tidy' there)"
done

export GOMODCACHE="$CACHE/gomod" GOCACHE="$CACHE/gocache" GOTOOLCHAIN=local
export GOFLAGS="-mod=readonly -buildvcs=false${GOFLAGS:+ $GOFLAGS}"
mkdir -p "$BIN" "$LOGS"

STAMP="kubernetes=$VERSION go=$(go env GOVERSION) recipe=$(cat "$RECIPE"/go.{mod,sum} "$0" | sha256sum | cut -c1-16)"
have_all() { local b; for b in "${BINARIES[@]}"; do [ -x "$BIN/$b" ] || return 1; done; }
if [ "$FORCE" = 0 ] && [ -f "$BIN/.stamp" ] && [ "$(cat "$BIN/.stamp")" = "$STAMP" ] && have_all; then
  log "cached: $STAMP"
  log "PATH entry: $BIN"
  exit 0
fi
if [ "$CHECK" = 1 ]; then
  log "not built for $STAMP"
  exit 3
fi
rm -f "$BIN/.stamp"

T0=$SECONDS
(cd "$RECIPE" && go mod download) >"$LOGS/download.log" 2>&1 || { tail -n 20 "$LOGS/download.log" >&2; die "go mod download failed"; }
log "modules ready in $((SECONDS - T0)) s"

# What upstream's hack/lib/version.sh stamps; kubectl and the API server's /version report it.
PKG=k8s.io/component-base/version
LDFLAGS="-s -w -X $PKG.gitVersion=$VERSION -X $PKG.gitMajor=1 -X $PKG.gitMinor=$MINOR -X $PKG.gitTreeState=clean"
LDFLAGS="$LDFLAGS -X k8s.io/client-go/pkg/version.gitVersion=$VERSION -X k8s.io/client-go/pkg/version.gitMajor=1"
LDFLAGS="$LDFLAGS -X k8s.io/client-go/pkg/version.gitMinor=$MINOR"
for b in "${BINARIES[@]}"; do
  t=$SECONDS
  log "building $b, log $LOGS/$b.log"
  if ! (cd "$RECIPE" && nice -n 10 go build -trimpath -ldflags "$LDFLAGS" -o "$BIN/$b.new" "k8s.io/kubernetes/cmd/$b") >"$LOGS/$b.log" 2>&1; then
    tail -n 30 "$LOGS/$b.log" >&2
    die "go build of $b failed (command: cd $RECIPE && go build k8s.io/kubernetes/cmd/$b)"
  fi
  mv -f "$BIN/$b.new" "$BIN/$b"
  log "built $b in $((SECONDS - t)) s ($(du -h "$BIN/$b" | cut -f1))"
done

got="$("$BIN/kube-apiserver" --version)"
[ "$got" = "Kubernetes $VERSION" ] || die "built kube-apiserver reports '$got', expected 'Kubernetes $VERSION'"
echo "$STAMP" >"$BIN/.stamp"
log "kubernetes $VERSION built in $((SECONDS - T0)) s: $STAMP"
log "PATH entry: $BIN"
