#!/usr/bin/env bash
# Renders the Kubernetes stack's manifests (Pulumi.k8s.yaml, plus the ingress-caddy variant) and scans them,
# with docker/Dockerfile, with two scanners that install on any machine that reaches the package registries:
#   Trivy   built from the Go module proxy (ci/tools/build.sh trivy, cached), its embedded checks, no network;
#           config ci/k8s/trivy.yaml, skipped checks with reasons in ci/k8s/trivyignore.yaml
#   Checkov from PyPI, Kubernetes framework, ci/k8s/checkov.yaml (skips justified there)
# A scanner that cannot be installed fails the step, as does any finding.
# kube-linter is not used: the Go module proxy refuses golang.stackrox.io/kube-linter at every version and no
# other registry here ships it; Trivy's KSV checks and Checkov cover the same ground (policies/README.md maps
# each policy to the rule ids of all three).
#
# Environment: OPENCLAW_CI_CACHE (default ~/.cache/openclaw-ci) holds the Go caches, the Trivy binary and the
# Checkov venv.
set -euo pipefail

CHECKOV_VERSION=3.3.30
CACHE="${OPENCLAW_CI_CACHE:-$HOME/.cache/openclaw-ci}"
# A venv of its own: checkov pins an old boto3/botocore that breaks moto and awscli in the shared one.
VENV="$CACHE/venv-checkov"
say() { printf '[35-k8s-lint] %s\n' "$*"; }

OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT

# --- render ---------------------------------------------------------------------------------------
# The shipped k8s stack exactly as the offline plan writes it, plus its Caddy-ingress variant.
npm run --silent plan -- --stack k8s --out "$OUT/scan/k8s/plan" >/dev/null
npx tsx test/k8s/render-manifests.ts "$OUT/scan/k8s/caddy-variant" Pulumi.k8s.yaml --caddy
count="$(find "$OUT/scan/k8s" -name '*.yaml' | wc -l)"
[ "$count" -ge 8 ] || { say "FAIL: expected at least 8 manifests, rendered $count"; exit 1; }
mkdir -p "$OUT/scan/docker"
cp docker/Dockerfile "$OUT/scan/docker/Dockerfile"

# --- Trivy ----------------------------------------------------------------------------------------
t=$SECONDS
bash ci/tools/build.sh trivy >"$OUT/trivy-build.log" 2>&1 || { cat "$OUT/trivy-build.log"; say "FAIL: trivy cannot be built"; exit 1; }
TRIVY="$CACHE/tools/trivy/bin/trivy"
say "trivy $("$TRIVY" --version | sed -n 's/^Version: //p') ready in $((SECONDS - t)) s"
# A private cache directory: nothing from an earlier run or another tool is reused.
export TRIVY_CACHE_DIR="$OUT/trivy-cache"
set +e
"$TRIVY" config --config ci/k8s/trivy.yaml --ignorefile ci/k8s/trivyignore.yaml \
  --skip-check-update --skip-version-check --disable-telemetry --quiet \
  --format json --output "$OUT/trivy.json" "$OUT/scan" 2>"$OUT/trivy.err"
tv_rc=$?
set -e
[ -s "$OUT/trivy.json" ] || { tail -20 "$OUT/trivy.err"; say "FAIL: trivy wrote no result (exit $tv_rc)"; exit 1; }
jq -r '.Results[]? | .Target as $t | .Misconfigurations[]? | "\t\(.Status)  \(.ID) \(.Severity)  \($t): \(.Title)"' "$OUT/trivy.json"
files="$(jq '[.Results[]? | select(.Class == "config")] | length' "$OUT/trivy.json")"
tv_summary="$(jq -r '[.Results[]? | .MisconfSummary // {Successes: 0, Failures: 0}] | "\(map(.Successes) | add // 0) passed, \(map(.Failures) | add // 0) failed"' "$OUT/trivy.json")"
ignored="$(grep -c '^  - id:' ci/k8s/trivyignore.yaml || true)"

# --- Checkov --------------------------------------------------------------------------------------
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
if [ "$("$VENV/bin/checkov" --version 2>/dev/null)" != "$CHECKOV_VERSION" ]; then
  say "installing checkov $CHECKOV_VERSION"
  "$VENV/bin/pip" install -q "checkov==$CHECKOV_VERSION" || { say "FAIL: checkov $CHECKOV_VERSION cannot be installed"; exit 1; }
fi
set +e
# Checkov tries to download its guideline mappings first; offline that is a warning, not a failure.
"$VENV/bin/checkov" --config-file ci/k8s/checkov.yaml -d "$OUT/scan/k8s" --output cli >"$OUT/checkov.log" 2>"$OUT/checkov.err"
ck_rc=$?
set -e
grep -E '^(Passed checks|Check: |	FAILED|	File: )' "$OUT/checkov.log" || true
summary="$(grep -m1 '^Passed checks' "$OUT/checkov.log" || true)"
[ -n "$summary" ] || { say "FAIL: checkov printed no summary:"; tail -20 "$OUT/checkov.err"; exit 1; }

say "trivy: $files files ($count manifests + Dockerfile): $tv_summary, $ignored checks skipped in ci/k8s/trivyignore.yaml (exit $tv_rc)"
say "checkov $CHECKOV_VERSION: $summary (exit $ck_rc)"
if [ "$tv_rc" -ne 0 ] || [ "$ck_rc" -ne 0 ]; then say "FAIL"; exit 1; fi
say "OK $count manifests and the Dockerfile pass trivy; the manifests pass checkov"
