#!/usr/bin/env bash
# The kubernetes target through the real Pulumi engine and Kubernetes provider onto a single-node cluster started
# here (`npm run e2e:k8s`, e2e/k8s/README.md): preview with the pack, up through the pod's real probes, a Pod
# Security refusal, a pack refusal, destroy. About 4 min when its binaries are built.
#
# Its binaries (the Pulumi CLI, pulumi-resource-kubernetes and the five Kubernetes binaries) take hours to
# compile cold on two shared cores (ci/engine/README.md), far more than CI's budget. So this step runs the test
# from the cache; with a cold cache it fails at once (exit 77, which .ci/run counts as a failure) instead of
# spending CI's budget on the build. `npm run e2e:k8s` builds them once and then runs the test.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
say() { printf '[60-k8s] %s\n' "$*"; }

# Where the Go builds are cached: as e2e/k8s/run.sh reads it.
GO_CACHE="${OPENCLAW_GO_CACHE:-${OPENCLAW_CI_CACHE:-$HOME/.cache/openclaw-ci}}"
cold=()
for b in build.sh build-kubernetes-provider.sh build-kube.sh; do
  out="$(OPENCLAW_CI_CACHE="$GO_CACHE" bash "ci/engine/$b" --check 2>&1)"
  rc=$?
  case "$rc" in
  0) ;;
  3) cold+=("ci/engine/$b (${out##*not built for })") ;;
  *)
    printf '%s\n' "$out" >&2
    say "FAIL: ci/engine/$b --check exited $rc"
    exit 1
    ;;
  esac
done

if [ "${#cold[@]}" -gt 0 ]; then
  say "FAIL: cannot run, these builds are not cached for the current recipes:"
  printf '[60-k8s]   %s\n' "${cold[@]}"
  say "the cold build takes hours here; run 'npm run e2e:k8s' once (it builds them, then runs the test)"
  exit 77
fi

exec npm run -s e2e:k8s
