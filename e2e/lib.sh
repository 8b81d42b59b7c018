# shellcheck shell=bash
# Helpers for e2e/run.sh: result lines, timing, waiting on bodies, the client container.
# shellcheck source=ci/lib/checks.sh
. "$(dirname "${BASH_SOURCE[0]}")/../ci/lib/checks.sh"
section() { printf '\n== %s (t+%ss)\n' "$*" "$((SECONDS - E2E_T0))"; }

# wait_body <url> <needle> <allowance s>: prints the seconds it took; fails after the allowance.
wait_body() {
  local t0 body
  t0=$(now)
  while [ "$(since "$t0" | cut -d. -f1)" -lt "$3" ]; do
    body="$(curl -s -m 3 "$1" 2>/dev/null || true)"
    case "$body" in *"$2"*) since "$t0"; return 0 ;; esac
    sleep 0.25
  done
  return 1
}

# wait_health <container> <allowance s>: Docker's own health status, as the rendered healthcheck decides it.
wait_health() {
  local t0 st
  t0=$(now)
  while [ "$(since "$t0" | cut -d. -f1)" -lt "$2" ]; do
    st="$(docker inspect -f '{{.State.Health.Status}}' "$1" 2>/dev/null || true)"
    [ "$st" = healthy ] && { since "$t0"; return 0; }
    sleep 0.5
  done
  return 1
}

# Client results come as JSON lines {"check","ok","detail"}: one PASS/FAIL line each.
report_json_checks() {
  local line
  while IFS= read -r line; do
    case "$line" in
      '{"check"'*)
        if [ "$(jq -r .ok <<<"$line")" = true ]; then pass "$(jq -r .check <<<"$line") [$(jq -c .detail <<<"$line" | cut -c1-160)]"; else fail "$(jq -r .check <<<"$line") [$(jq -c .detail <<<"$line" | cut -c1-300)]"; fi
        ;;
      *) info "client: $line" ;;
    esac
  done
}
