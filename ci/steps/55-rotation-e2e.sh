#!/usr/bin/env bash
# Gateway token rotations against the real, locked-down gateway with an HTTP and a WebSocket client connected:
# the stack's rotation handler and rendered host scripts, Secrets Manager on moto, faults injected. Ends with the
# "rotation: client failures …" line; exits non-zero on any lockout, gateway restart or unrecovered fault.
# Reuses the gateway image and venv that the e2e step caches in $OPENCLAW_CI_CACHE.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec npm run -s e2e:rotation
