#!/usr/bin/env bash
# Drives the gateway-token rotation handler through the four Secrets Manager steps against moto (a real
# Secrets Manager API on loopback), with failures injected, and runs the host's fetch script against it.
set -euo pipefail
cd "$(dirname "$0")/../.."

CACHE="${OPENCLAW_CI_CACHE:-$HOME/.cache/openclaw-ci}"
VENV="$CACHE/venv"
# Same venv and pin as the backup step: installing the same pins twice is a no-op.
MOTO_PIN='moto[server]==5.2.5'

if ! command -v curl >/dev/null || ! command -v jq >/dev/null; then apt-get update -qq && apt-get install -y -qq curl jq >/dev/null; fi
[[ -x "$VENV/bin/python" ]] || python3 -m venv "$VENV"
"$VENV/bin/pip" install -q --disable-pip-version-check "$MOTO_PIN"

port="$("$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')"
log="$(mktemp)"
"$VENV/bin/python" test/rotation/moto_launcher.py "$port" >"$log" 2>&1 &
moto_pid=$!
cleanup() { kill "$moto_pid" 2>/dev/null || true; wait "$moto_pid" 2>/dev/null || true; rm -f "$log"; }
trap cleanup EXIT

for _ in $(seq 1 100); do
  curl -s -o /dev/null "http://127.0.0.1:$port/moto-api/" && break
  kill -0 "$moto_pid" 2>/dev/null || { echo "rotation drill: moto failed to start"; cat "$log"; exit 1; }
  sleep 0.2
done

OPENCLAW_SM_ENDPOINT="http://127.0.0.1:$port" npx tsx test/rotation/emulator-drill.ts
