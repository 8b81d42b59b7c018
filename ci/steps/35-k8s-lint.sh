#!/usr/bin/env bash
# Renders the Kubernetes stack's manifests (Pulumi.k8s.yaml, plus the ingress-caddy variant) and lints them
# with kube-linter (defaults + the hardening checks in ci/k8s/kube-linter.yaml) and Checkov's Kubernetes
# checks (ci/k8s/checkov.yaml, skips justified there). Exits non-zero on any finding.
#
# Environment: OPENCLAW_CI_CACHE (default ~/.cache/openclaw-ci) holds the Go toolchain caches, the
# kube-linter binary and the shared Python venv.
set -euo pipefail

KUBE_LINTER_VERSION=v0.7.6
CHECKOV_VERSION=3.3.30
CACHE="${OPENCLAW_CI_CACHE:-$HOME/.cache/openclaw-ci}"
export GOBIN="$CACHE/go/bin" GOCACHE="$CACHE/go/cache" GOMODCACHE="$CACHE/go/mod" GOFLAGS=-modcacherw
# A venv of its own: checkov pins an old boto3/botocore that breaks moto and awscli in the shared one.
VENV="$CACHE/venv-checkov"
say() { printf '[35-k8s-lint] %s\n' "$*"; }

OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT

# --- render ---------------------------------------------------------------------------------------
# The shipped k8s stack exactly as the offline plan writes it, plus its Caddy-ingress variant.
npm run --silent plan -- --stack k8s --out "$OUT/plan" >/dev/null
npx tsx test/k8s/render-manifests.ts "$OUT/caddy-variant" Pulumi.k8s.yaml --caddy
count="$(find "$OUT" -name '*.yaml' | wc -l)"
[ "$count" -ge 8 ] || { say "FAIL: expected at least 8 manifests, rendered $count"; exit 1; }

# --- kube-linter ----------------------------------------------------------------------------------
# The Go module proxy these machines reach answers 403 for golang.stackrox.io/kube-linter (every version),
# and no other registry here ships it. When it cannot be installed, say so loudly and let Checkov and the
# kubernetes-models schema tests (npm test) carry the check; never report it as passed.
KL="$GOBIN/kube-linter"
kl_rc=0
kl_status=""
if [ ! -x "$KL" ] || [ "$("$KL" version 2>/dev/null)" != "$KUBE_LINTER_VERSION" ]; then
  say "installing kube-linter $KUBE_LINTER_VERSION"
  if ! command -v go >/dev/null || ! go install -ldflags "-X golang.stackrox.io/kube-linter/internal/version.version=$KUBE_LINTER_VERSION" \
      "golang.stackrox.io/kube-linter/cmd/kube-linter@$KUBE_LINTER_VERSION" 2>"$OUT/kl-install.err"; then
    kl_status="NOT RUN: go install golang.stackrox.io/kube-linter@$KUBE_LINTER_VERSION failed: $(tail -n 2 "$OUT/kl-install.err" | tr '\n' ' ')"
  fi
fi
if [ -z "$kl_status" ]; then
  say "kube-linter $("$KL" version)"
  "$KL" lint --config ci/k8s/kube-linter.yaml "$OUT" 2>&1 | tee "$OUT/kube-linter.log"
  kl_rc=${PIPESTATUS[0]}
  kl_status="$(tail -n 1 "$OUT/kube-linter.log") (exit $kl_rc)"
fi

# --- Checkov --------------------------------------------------------------------------------------
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
if [ "$("$VENV/bin/checkov" --version 2>/dev/null)" != "$CHECKOV_VERSION" ]; then
  say "installing checkov $CHECKOV_VERSION"
  "$VENV/bin/pip" install -q "checkov==$CHECKOV_VERSION"
fi
set +e
# Checkov tries to download its guideline mappings first; offline that is a warning, not a failure.
"$VENV/bin/checkov" --config-file ci/k8s/checkov.yaml -d "$OUT" --output cli >"$OUT/checkov.log" 2>"$OUT/checkov.err"
ck_rc=$?
set -e
grep -E '^(Passed checks|Check: |	FAILED|	File: )' "$OUT/checkov.log" || true
summary="$(grep -m1 '^Passed checks' "$OUT/checkov.log" || true)"
[ -n "$summary" ] || { say "FAIL: checkov printed no summary:"; tail -20 "$OUT/checkov.err"; exit 1; }

say "kube-linter: $kl_status"
say "checkov $CHECKOV_VERSION: $summary (exit $ck_rc)"
if [ "$kl_rc" -ne 0 ] || [ "$ck_rc" -ne 0 ]; then say "FAIL"; exit 1; fi
case "$kl_status" in
  NOT\ RUN*) say "OK $count manifests pass checkov; kube-linter NOT RUN (see above)" ;;
  *) say "OK $count manifests pass kube-linter and checkov" ;;
esac
