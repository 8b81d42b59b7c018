#!/usr/bin/env bash
# Builds pulumi-resource-kubernetes, the plugin @pulumi/kubernetes asks the engine for, from the Go
# module proxy (the only source reachable here), into $OPENCLAW_CI_CACHE/pulumi/bin beside the CLI that
# build.sh makes, sharing its GOMODCACHE and GOCACHE.
#
# The provider module cannot be built in place: its go.mod replaces the Go SDK with ../sdk, and its
# main package embeds schema-embed.json and terraform-mapping-embed.json, which upstream's Makefile
# generates and the module zip therefore lacks. So the verified zips (hashes in
# kubernetes-provider/go.sum) are copied into the upstream layout (provider/ beside sdk/), the two
# files are generated with the provider's own generate.go, and the provider is built as its own main
# module with its own go.sum and -mod=readonly: the dependency versions are exactly upstream's.
#
# Usage: ci/engine/build-kubernetes-provider.sh [--force|--check]   # prints "PATH entry: <bin>" on success
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
CACHE="${OPENCLAW_CI_CACHE:-$HOME/.cache/openclaw-ci}/pulumi"
BIN="$CACHE/bin"
LOGS="$CACHE/logs"
RECIPE="$HERE/kubernetes-provider"
FORCE=0
CHECK=0
case "${1:-}" in
--force) FORCE=1 ;;
# --check: exit 0 when the cached binaries match this recipe, 3 when a build would be needed; builds nothing.
--check) CHECK=1 ;;
esac

log() { printf '[k8s-provider] %s\n' "$*"; }
die() { printf '[k8s-provider] FAIL: %s\n' "$*" >&2; exit 1; }

command -v go >/dev/null || die "go is not on PATH (needs Go >= 1.25.11)"
command -v node >/dev/null || die "node is not on PATH"

# The engine loads the plugin at the version the SDK registers its resources with, so the binary must
# report exactly @pulumi/kubernetes's version from the lock file.
VERSION="$(node -p "require('$ROOT/package-lock.json').packages['node_modules/@pulumi/kubernetes'].version")"
PROVIDER_MOD=github.com/pulumi/pulumi-kubernetes/provider/v4
SDK_MOD=github.com/pulumi/pulumi-kubernetes/sdk/v4

export GOMODCACHE="$CACHE/gomod" GOCACHE="$CACHE/gocache" GOTOOLCHAIN=local
# Same as build.sh: the checksum database has no entry for some pulumi modules; go.sum pins them all.
export GONOSUMDB="github.com/pulumi${GONOSUMDB:+,$GONOSUMDB}"
export GOFLAGS="-mod=readonly -buildvcs=false${GOFLAGS:+ $GOFLAGS}"
mkdir -p "$BIN" "$LOGS"

STAMP="kubernetes=$VERSION go=$(go env GOVERSION) recipe=$(cat "$RECIPE"/go.{mod,sum} "$0" | sha256sum | cut -c1-16)"
if [ "$FORCE" = 0 ] && [ -f "$BIN/.stamp-kubernetes" ] && [ "$(cat "$BIN/.stamp-kubernetes")" = "$STAMP" ] &&
  [ -x "$BIN/pulumi-resource-kubernetes" ]; then
  log "cached: $STAMP"
  log "PATH entry: $BIN"
  exit 0
fi
if [ "$CHECK" = 1 ]; then
  log "not built for $STAMP"
  exit 3
fi
rm -f "$BIN/.stamp-kubernetes"

T0=$SECONDS
(cd "$RECIPE" && go mod download "$PROVIDER_MOD" "$SDK_MOD") >"$LOGS/kubernetes-download.log" 2>&1 ||
  { tail -n 20 "$LOGS/kubernetes-download.log" >&2; die "go mod download in $RECIPE failed"; }
PROVIDER_DIR="$(cd "$RECIPE" && go list -m -f '{{.Dir}}' "$PROVIDER_MOD")"
SDK_DIR="$(cd "$RECIPE" && go list -m -f '{{.Dir}}' "$SDK_MOD")"

SRC="$CACHE/src/pulumi-kubernetes"
rm -rf "$SRC"
mkdir -p "$SRC"
cp -r "$PROVIDER_DIR" "$SRC/provider"
cp -r "$SDK_DIR" "$SRC/sdk"
chmod -R u+w "$SRC"

# The provider's own dependency graph (its go.sum is in the verified zip).
(cd "$SRC/provider" && go mod download) >>"$LOGS/kubernetes-download.log" 2>&1 ||
  { tail -n 20 "$LOGS/kubernetes-download.log" >&2; die "go mod download of the provider's dependencies failed"; }
log "modules ready in $((SECONDS - T0)) s"

t=$SECONDS
(cd "$SRC/provider/cmd/pulumi-resource-kubernetes" && VERSION="$VERSION" go run ./generate.go) \
  >"$LOGS/kubernetes-generate.log" 2>&1 ||
  { tail -n 30 "$LOGS/kubernetes-generate.log" >&2; die "generating the embedded schema failed"; }
log "schema-embed.json and terraform-mapping-embed.json generated in $((SECONDS - t)) s"

t=$SECONDS
log "building pulumi-resource-kubernetes $VERSION, log $LOGS/kubernetes.log"
if ! (cd "$SRC/provider" && nice -n 10 go build -trimpath \
  -ldflags "-s -w -X $PROVIDER_MOD/pkg/version.Version=$VERSION" \
  -o "$BIN/pulumi-resource-kubernetes.new" ./cmd/pulumi-resource-kubernetes) >"$LOGS/kubernetes.log" 2>&1; then
  tail -n 30 "$LOGS/kubernetes.log" >&2
  die "go build of pulumi-resource-kubernetes failed (command: cd $SRC/provider && go build ./cmd/pulumi-resource-kubernetes)"
fi
mv -f "$BIN/pulumi-resource-kubernetes.new" "$BIN/pulumi-resource-kubernetes"
log "built pulumi-resource-kubernetes in $((SECONDS - t)) s ($(du -h "$BIN/pulumi-resource-kubernetes" | cut -f1))"
rm -rf "$SRC"

echo "$STAMP" >"$BIN/.stamp-kubernetes"
log "done in $((SECONDS - T0)) s: $STAMP"
log "PATH entry: $BIN"
