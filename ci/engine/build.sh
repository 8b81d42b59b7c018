#!/usr/bin/env bash
# Builds the Pulumi engine pieces from the Go module proxy (the only source reachable here):
#   pulumi                         CLI, github.com/pulumi/pulumi/pkg/v3/cmd/pulumi at @pulumi/pulumi's version
#   pulumi-language-nodejs         our minimal Node.js language host (ci/engine/language-nodejs, see main.go)
#   pulumi-resource-pulumi-nodejs  dynamic-provider shim, copied from the sdk/v3 module zip
# into $OPENCLAW_CI_CACHE/pulumi/bin (default ~/.cache/openclaw-ci/pulumi/bin), with GOCACHE and
# GOMODCACHE beside it so CI reuses them. Skips the build when the version stamp matches.
# The Docker provider cannot be built here (its module is not served by the proxy); see README.md.
#
# Usage: ci/engine/build.sh            # prints "PATH entry: <bin>" on success
#        ci/engine/build.sh --force    # rebuild even if the stamp matches (keeps the Go caches)
#        ci/engine/build.sh --check    # exit 0 if the cached build matches, 3 if a build is needed
#        ci/engine/build.sh --check    # exit 0 if the cached build matches, 3 if one is needed
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
CACHE="${OPENCLAW_CI_CACHE:-$HOME/.cache/openclaw-ci}/pulumi"
BIN="$CACHE/bin"
LOGS="$CACHE/logs"
FORCE=0
CHECK=0
case "${1:-}" in
--force) FORCE=1 ;;
# --check: exit 0 when the cached binaries match this recipe, 3 when a build would be needed; builds nothing.
--check) CHECK=1 ;;
esac

log() { printf '[engine] %s\n' "$*"; }
die() { printf '[engine] FAIL: %s\n' "$*" >&2; exit 1; }

command -v go >/dev/null || die "go is not on PATH (needs Go >= 1.25.11; the machine has it, CI must too)"
command -v node >/dev/null || die "node is not on PATH"

# The version the program's SDK is locked to decides what we build; the go.mod pins must agree,
# otherwise CI would quietly test a different engine than the lock file promises.
SDK_VERSION="$(node -p "require('$ROOT/package-lock.json').packages['node_modules/@pulumi/pulumi'].version")"
for mod in "$HERE/pulumi/go.mod" "$HERE/language-nodejs/go.mod"; do
  grep -Eq "github.com/pulumi/pulumi/sdk/v3 v$SDK_VERSION( |\$)" "$mod" ||
    die "$mod does not pin github.com/pulumi/pulumi/sdk/v3 v$SDK_VERSION (package-lock.json has @pulumi/pulumi $SDK_VERSION); update the require lines, run 'go mod tidy' there"
done
grep -Eq "github.com/pulumi/pulumi/pkg/v3 v$SDK_VERSION( |\$)" "$HERE/pulumi/go.mod" ||
  die "$HERE/pulumi/go.mod does not pin github.com/pulumi/pulumi/pkg/v3 v$SDK_VERSION; update it, run 'go mod tidy' there"

export GOMODCACHE="$CACHE/gomod" GOCACHE="$CACHE/gocache" GOTOOLCHAIN=local
# The checksum database (via the proxy) answers 404 for the pulumi 3.248 modules; the committed go.sum
# files still pin every module's hash, so verification against them stays on.
export GONOSUMDB="github.com/pulumi${GONOSUMDB:+,$GONOSUMDB}"
# Extra flags from the caller (e.g. -p=1 on a shared machine) are kept.
export GOFLAGS="-mod=readonly -buildvcs=false${GOFLAGS:+ $GOFLAGS}"
mkdir -p "$BIN" "$LOGS"

# The stamp covers everything that changes the output: versions, our recipe files, the Go toolchain.
STAMP="sdk=$SDK_VERSION go=$(go env GOVERSION) recipe=$(cat "$HERE"/pulumi/go.{mod,sum} "$HERE"/language-nodejs/{go.mod,go.sum,main.go} | sha256sum | cut -c1-16)"
if [ "$FORCE" = 0 ] && [ -f "$BIN/.stamp" ] && [ "$(cat "$BIN/.stamp")" = "$STAMP" ] &&
  [ -x "$BIN/pulumi" ] && [ -x "$BIN/pulumi-language-nodejs" ] && [ -x "$BIN/pulumi-resource-pulumi-nodejs" ]; then
  log "cached: $STAMP"
  log "PATH entry: $BIN"
  exit 0
fi
if [ "$CHECK" = 1 ]; then
  log "not built for $STAMP"
  exit 3
fi
rm -f "$BIN/.stamp"

# Builds share 2 cores with other work: lowest practical priority, output to a log, tail on failure.
build() { # name dir ldflags pkg
  local name="$1" dir="$2" ldflags="$3" pkg="$4" t0=$SECONDS
  log "building $name ($pkg), log $LOGS/$name.log"
  if ! (cd "$dir" && nice -n 10 go build -trimpath -ldflags "-s -w $ldflags" -o "$BIN/$name.new" "$pkg") >"$LOGS/$name.log" 2>&1; then
    tail -n 30 "$LOGS/$name.log" >&2
    die "go build of $name failed (command: cd $dir && go build $pkg)"
  fi
  mv -f "$BIN/$name.new" "$BIN/$name"
  log "built $name in $((SECONDS - t0)) s ($(du -h "$BIN/$name" | cut -f1))"
}

T0=$SECONDS
# Downloads first, so a proxy failure is reported as such and not as a compile error.
(cd "$HERE/pulumi" && go mod download) >"$LOGS/download.log" 2>&1 || { tail -n 20 "$LOGS/download.log" >&2; die "go mod download (pulumi CLI) failed"; }
(cd "$HERE/language-nodejs" && go mod download) >>"$LOGS/download.log" 2>&1 || { tail -n 20 "$LOGS/download.log" >&2; die "go mod download (language host) failed"; }
log "modules ready in $((SECONDS - T0)) s"

build pulumi "$HERE/pulumi" "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$SDK_VERSION" \
  github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
build pulumi-language-nodejs "$HERE/language-nodejs" "-X main.version=$SDK_VERSION" .

# Dynamic providers (pulumi.dynamic.Resource) run through this shell shim, which ships in the
# sdk/v3 module zip (and not in the npm package).
SDK_DIR="$(cd "$HERE/language-nodejs" && go list -m -f '{{.Dir}}' github.com/pulumi/pulumi/sdk/v3)"
install -m 0755 "$SDK_DIR/nodejs/dist/pulumi-resource-pulumi-nodejs" "$BIN/pulumi-resource-pulumi-nodejs"

got="$("$BIN/pulumi" version)"
[ "$got" = "v$SDK_VERSION" ] || die "built pulumi reports '$got', expected v$SDK_VERSION"
echo "$STAMP" >"$BIN/.stamp"
log "engine built in $((SECONDS - T0)) s: pulumi $got, $STAMP"
log "PATH entry: $BIN"
