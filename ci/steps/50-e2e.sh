#!/usr/bin/env bash
# The real gateway end to end: the stack's rendered compose file, openclaw.json and Caddyfile run the
# real OpenClaw gateway locked down behind the real Caddy on a private dockerd; prints PASS/FAIL per check and
# the lockdown overhead ratios. e2e/run.sh installs what it needs and cleans up after itself.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec npm run -s e2e
