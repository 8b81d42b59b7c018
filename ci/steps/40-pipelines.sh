#!/usr/bin/env bash
# Pipelines: lint the GitHub workflows (actionlint with its shellcheck integration, and the GitHub
# workflow schema via @action-validator/cli), then validate the workflows' intent and the GitOps manifest
# (test/pipelines). Self-sufficient on a fresh machine; runs from the repo root.
set -euo pipefail

CACHE="${OPENCLAW_CI_CACHE:-$HOME/.cache/openclaw-ci}"
ACTIONLINT_VERSION="v1.7.12"
GOBIN_DIR="$CACHE/go/bin"
ACTIONLINT="$GOBIN_DIR/actionlint"
WORKFLOWS=(.github/workflows/*.yml)
declare -a RESULTS=()
failed=0

record() { # name, status
  RESULTS+=("$(printf '%-28s %s' "$1" "$2")")
  if [[ "$2" != PASS* ]]; then failed=1; fi
}

# shellcheck disable=SC2317  # invoked by the EXIT trap
summary() {
  echo
  echo "== 40-pipelines summary =="
  if ((${#RESULTS[@]})); then printf '%s\n' "${RESULTS[@]}"; fi
}
trap summary EXIT

# actionlint runs shellcheck on every `run:` block; without it that half is silently off.
if ! command -v shellcheck >/dev/null 2>&1; then
  apt-get install -y shellcheck >/dev/null
fi

if [[ -x "$ACTIONLINT" ]] && "$ACTIONLINT" -version | head -1 | grep -qx "${ACTIONLINT_VERSION#v}"; then
  echo "actionlint ${ACTIONLINT_VERSION} cached at $ACTIONLINT"
else
  command -v go >/dev/null 2>&1 || { echo "FAIL: go is required to build actionlint"; exit 1; }
  mkdir -p "$GOBIN_DIR"
  echo "building actionlint ${ACTIONLINT_VERSION} (go install)"
  GOBIN="$GOBIN_DIR" GOCACHE="$CACHE/go/build" GOMODCACHE="$CACHE/go/mod" GOFLAGS=-mod=mod \
    go install "github.com/rhysd/actionlint/cmd/actionlint@${ACTIONLINT_VERSION}"
fi

echo "== actionlint (shellcheck $(shellcheck --version | sed -n 's/^version: //p')) on ${#WORKFLOWS[@]} workflows"
if "$ACTIONLINT" -no-color -shellcheck "$(command -v shellcheck)" "${WORKFLOWS[@]}"; then
  record "actionlint" "PASS (${#WORKFLOWS[@]} workflows)"
else
  record "actionlint" "FAIL"
fi

for wf in "${WORKFLOWS[@]}"; do
  echo "== action-validator $wf"
  if npx --no-install action-validator "$wf"; then
    record "schema $(basename "$wf")" "PASS"
  else
    record "schema $(basename "$wf")" "FAIL"
  fi
done

# The IAM simulation runs in `npm test` already; these two are the checks this step is about.
echo "== test/pipelines: workflow intent, GitOps manifest vs CRD schema + policy pack"
if npx --no-install vitest run test/pipelines/gitops.test.ts test/pipelines/workflows.test.ts --reporter=dot; then
  record "gitops+workflow tests" "PASS"
else
  record "gitops+workflow tests" "FAIL"
fi

exit "$failed"
