#!/usr/bin/env bash
# Ingress, tested with the real Caddy (Debian's 2.6) on loopback only:
#   - `caddy validate` on the Caddyfile rendered for a caddy stack config (and on `npm run plan`'s Caddyfile
#     for every caddy stack in Pulumi.*.yaml);
#   - Caddy serving that Caddyfile (tls internal, 127.0.0.1, free ports) in front of a stub gateway: basic auth,
#     /healthz, bearer API paths, WebSocket upgrade, forwarded headers, security headers, body limit;
#   - shellcheck on the host script that delivers the sidecar's secret.
set -euo pipefail
cd "$(dirname "$0")/../.."

command -v caddy >/dev/null || { apt-get update -qq && apt-get install -y -qq caddy >/dev/null; }
command -v shellcheck >/dev/null || { apt-get update -qq && apt-get install -y -qq shellcheck >/dev/null; }
echo "caddy-live: $(caddy version)"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# 1+2: validate and serve (the driver stops its own Caddy and stub, by PID, in a finally block).
npx tsx test/ingress/caddy-live.ts

# The Caddyfile `npm run plan` writes for each caddy stack must validate too: it is the file the host runs.
hash="$(caddy hash-password --plaintext "ci-$RANDOM-$RANDOM")"
found=0
for f in Pulumi.*.yaml; do
  [[ -e "$f" ]] || continue
  grep -Eq '^\s*openclaw:ingress:\s*caddy\s*$' "$f" || continue
  found=1
  stack="${f#Pulumi.}"; stack="${stack%.yaml}"
  rc=0
  npm run -s plan -- --stack "$stack" --out "$work/plan-$stack" >"$work/plan-$stack.log" 2>&1 || rc=$?
  # 1 = policy violations (reported by the plan step itself); the artifacts are still written.
  if [[ $rc -gt 1 || ! -f "$work/plan-$stack/caddy/Caddyfile" ]]; then
    echo "FAIL plan for caddy stack $stack wrote no caddy/Caddyfile (exit $rc)"; tail -20 "$work/plan-$stack.log"; exit 1
  fi
  if CADDY_BASIC_AUTH_HASH="$hash" HOME="$work" XDG_DATA_HOME="$work/d" XDG_CONFIG_HOME="$work/c" \
    caddy validate --adapter caddyfile --config "$work/plan-$stack/caddy/Caddyfile" >"$work/validate.log" 2>&1; then
    echo "PASS caddy validate (npm run plan --stack $stack: caddy/Caddyfile)"
  else
    echo "FAIL caddy validate (npm run plan --stack $stack)"; cat "$work/validate.log"; exit 1
  fi
done
[[ $found -eq 1 ]] || echo "NOTE no Pulumi.<stack>.yaml with openclaw:ingress: caddy; the plan-based validation ran on none (the fixture config above was validated)"

# The host script is rendered into user data; lint what is actually rendered.
npx tsx -e '
import { renderIngressSecretsScript } from "./components/ingress/host-files";
process.stdout.write(renderIngressSecretsScript({ region: "us-east-1",
  secrets: [{ name: "TS_AUTHKEY", arn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:x-AbCdEf" }],
  dirs: [{ path: "/var/lib/openclaw/tailscale", owner: "1000:1000", mode: "0700" }] }));
' >"$work/ingress-secrets.sh"
if shellcheck -s bash "$work/ingress-secrets.sh"; then echo "PASS shellcheck ingress-secrets.sh"; else echo "FAIL shellcheck ingress-secrets.sh"; exit 1; fi
echo "caddy-live: all checks passed"
