# shellcheck shell=bash
# Result lines for the real-engine checks (test/engine, e2e): one line per check, counted, so a script ends
# with "N passed, M failed" and a non-zero exit when anything failed. Source it, then:
#   check "what" command...   PASS when the command succeeds, FAIL otherwise (its output is hidden)
#   pass "what" / fail "what" / info "what"
#   checks_summary "label"    prints "label: N passed, M failed" and returns non-zero on any failure
CHECK_PASSES=0
CHECK_FAILS=0
pass() { printf 'PASS  %s\n' "$*"; CHECK_PASSES=$((CHECK_PASSES + 1)); }
fail() { printf 'FAIL  %s\n' "$*"; CHECK_FAILS=$((CHECK_FAILS + 1)); }
info() { printf 'INFO  %s\n' "$*"; }
check() {
  local what=$1
  shift
  if "$@" >/dev/null 2>&1; then pass "$what"; else fail "$what"; fi
}
# shellcheck disable=SC2317 # called through check()
not() { ! "$@"; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN{printf "%.1f", b-a}'; }
checks_summary() {
  echo "$1: $CHECK_PASSES passed, $CHECK_FAILS failed"
  [ "$CHECK_FAILS" -eq 0 ]
}
