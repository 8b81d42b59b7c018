# shellcheck shell=bash
# Sourced by e2e/run.sh after the caddy stack is down (same host port). The docker-target stack
# (`npm run plan -- --stack local`), followed as its local/README.md says: install the config 0600 for uid
# 1000, write gateway.env from gateway.env.example, `docker compose up -d`. Only the image changes
# (prepare-compose.ts; the relative paths stay relative).
LOCAL="$PLAN/local/local"
if [ ! -f "$LOCAL/compose.yaml" ]; then
  info "local stack: no local/compose.yaml rendered; skipped"
  return 0
fi
LW="$W/local"
mkdir -p "$LW"
grep -q 'install -D -m 0600 -o 1000 -g 1000 openclaw.json config/openclaw.json' "$LOCAL/README.md" \
  || fail "local stack: local/README.md no longer says how to install the config"
install -D -m 0600 -o 1000 -g 1000 "$LOCAL/openclaw.json" "$LW/config/openclaw.json"
(cd "$REPO" && "${TSX[@]}" test/engine/prepare-compose.ts "$LOCAL/compose.yaml" "$LW/compose.yaml" --image "$GW_IMAGE" --workdir "$LW")
sed "s|^OPENCLAW_GATEWAY_TOKEN=.*|OPENCLAW_GATEWAY_TOKEN=$TOKEN|" "$LOCAL/gateway.env.example" >"$LW/gateway.env"
chmod 0600 "$LW/gateway.env"
LCOMPOSE=(docker-compose -p oce2elocal -f "$LW/compose.yaml")
info "local stack: config installed as local/README.md says: mode $(stat -c %a "$LW/config/openclaw.json"), owner $(stat -c %u "$LW/config/openclaw.json")"
t0=$(now)
if (cd "$LW" && "${LCOMPOSE[@]}" up -d >/dev/null 2>&1) && t=$(wait_body "http://127.0.0.1:$GW_PORT/healthz" '"status":"live"' "$ALLOW"); then
  pass "local stack: healthy on 127.0.0.1:$GW_PORT after ${t} s"
  LC="$("${LCOMPOSE[@]}" ps -q gateway)"
  check "local stack: read-only, cap_drop ALL, 1000:1000, port on 127.0.0.1" test "$(docker inspect -f '{{.HostConfig.ReadonlyRootfs}} {{.HostConfig.CapDrop}} {{.Config.User}}' "$LC") $(docker inspect -f '{{json .NetworkSettings.Ports}}' "$LC" | grep -o '"HostIp":"[^"]*"' | sort -u)" = 'true [ALL] 1000:1000 "HostIp":"127.0.0.1"'
  code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' -d '{"tool":"e2e-no-such-tool","args":{}}' "http://127.0.0.1:$GW_PORT/tools/invoke")
  check "local stack: POST /tools/invoke with the token passes auth ($code)" test "$code" != 401 -a "$code" != 403
  docker exec "$LC" openclaw security audit --json >"$LW/audit.json" 2>/dev/null || true
  jq -r '.findings[]? | select(.severity != "info") | "INFO  local audit finding: \(.severity) \(.checkId)"' "$LW/audit.json" 2>/dev/null || true
  check "local stack: security audit 0 critical, 0 warn ($(jq -c .summary "$LW/audit.json" 2>/dev/null))" test "$(jq -r '"\(.summary.critical) \(.summary.warn)"' "$LW/audit.json" 2>/dev/null)" = "0 0"
else
  fail "local stack: not healthy within ${ALLOW} s after $(since "$t0") s: $(docker logs --tail 5 "$("${LCOMPOSE[@]}" ps -q gateway 2>/dev/null)" 2>&1 | tr '\n' ' ' | cut -c1-300)"
fi
"${LCOMPOSE[@]}" down -v --timeout 30 >/dev/null 2>&1 || true
