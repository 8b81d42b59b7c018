#!/usr/bin/env bash
# npm run e2e:tailscale: the default ingress (Tailscale sidecar + `tailscale serve`) of the dev/prod stacks,
# for real, on a local tailnet, with nothing leaving the machine:
#   1. tools and images: tailscale v1.84.3 (containerboot, tailscaled, tailscale) and our control server from
#      the Go module proxy (ci/tools/build.sh), the sidecar image from them, the real gateway image
#   2. the stack's own plan (`--stack prod` unless TS_E2E_STACK): vm/compose.yaml through compose.ts (which
#      prints every sidecar line that differs from the rendered one), openclaw.json and tailscale/serve.json
#      untouched; secrets as the host writes them; the tailnet's auth keys as the stack's TailnetKey asks
#   3. checks, one PASS/FAIL line each (README.md), then the summary line; exit 0 only when all pass
# Env: TS_E2E_STACK (default prod), E2E_KEEP=1 keeps the work dir and the containers' logs, OPENCLAW_CI_CACHE.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
E2E_T0=$SECONDS
# shellcheck source=e2e/versions.env
. "$REPO/e2e/versions.env"
# shellcheck source=e2e/lib.sh
. "$REPO/e2e/lib.sh"
# shellcheck source=ci/lib/dockerd.sh
. "$REPO/ci/lib/dockerd.sh"

STACK="${TS_E2E_STACK:-prod}"
CACHE="${OPENCLAW_CI_CACHE:-$HOME/.cache/openclaw-ci}"
GW_IMAGE="openclaw-gateway:$OPENCLAW_VERSION"
PROJECT="octs"
# The rendered gateway publishes 127.0.0.1:18789; other suites on this machine may hold that port.
HOST_PORT=18719
EGRESS_COMMENT="openclaw-e2e-tailscale-egress"
TSX=(npx --no-install tsx)
ALLOW="${E2E_START_ALLOWANCE:-180}"

mkdir -p "$CACHE/tmp"
W="$(mktemp -d "$CACHE/tmp/e2e-tailscale.XXXXXX")"
SUBNET=""
COMPOSE=(docker-compose -p "$PROJECT" -f "$W/compose.yaml")
cleanup() {
  local rc=$?
  set +e
  if [ -f "$W/compose.yaml" ] && [ -n "${DOCKER_HOST:-}" ]; then
    if [ "${E2E_KEEP:-0}" = 1 ]; then "${COMPOSE[@]}" logs --no-color >"$W/compose.log" 2>&1; fi
    "${COMPOSE[@]}" down -v --timeout 10 >/dev/null 2>&1
  fi
  docker rm -f "$PROJECT-second-use" >/dev/null 2>&1
  [ -n "$SUBNET" ] && iptables -D DOCKER-USER -s "$SUBNET" ! -d "$SUBNET" -m comment --comment "$EGRESS_COMMENT" -j DROP 2>/dev/null
  [ "${EGRESS_WAS_BLOCKED:-1}" = 0 ] && dockerd_unblock_egress
  # shellcheck disable=SC2119 # stops the daemon only when this shell started it
  stop_dockerd >/dev/null 2>&1
  if [ "${E2E_KEEP:-0}" = 1 ]; then echo "work dir kept: $W"; else rm -rf "$W"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- 0. tools and images -----------------------------------------------------------------------------------------
section "setup"
for tool in docker-compose jq curl openssl busybox iptables go; do
  command -v "$tool" >/dev/null || { fail "$tool is missing (CI installs it: .ci/run)"; exit 1; }
done
[ -d "$REPO/node_modules/tsx" ] || (cd "$REPO" && npm install --no-audit --no-fund >/dev/null)
start_dockerd
EGRESS_WAS_BLOCKED=0
iptables -S DOCKER-USER 2>/dev/null | grep -q -- "--comment openclaw-ci-egress" && EGRESS_WAS_BLOCKED=1
dockerd_block_egress
t=$SECONDS
TS_IMAGE="$(bash "$HERE/build-image.sh" 2> >(sed 's/^/INFO  /' >&2) | tail -n 1)"
info "tailscale tools and image $TS_IMAGE ready in $((SECONDS - t)) s"
CONTROL_BIN="$CACHE/tools/tailscale/bin/openclaw-testcontrol"
t=$SECONDS
bash "$REPO/e2e/build-gateway-image.sh" "$OPENCLAW_VERSION" | sed 's/^/INFO  /'
info "gateway image ready in $((SECONDS - t)) s"

# --- 1. render with the stack's own plan -----------------------------------------------------------------------
section "render (stack $STACK)"
PLAN="$W/plan"
if (cd "$REPO" && npm run -s plan -- --stack "$STACK" --json --out "$PLAN" >"$W/plan.json" 2>"$W/plan.err"); then
  pass "npm run plan -- --stack $STACK renders $(find "$PLAN" -type f | wc -l) artifacts"
else
  fail "npm run plan -- --stack $STACK: $(tail -n 3 "$W/plan.err")"; exit 1
fi
VM="$PLAN/vm"
[ -f "$VM/tailscale/serve.json" ] || { fail "stack $STACK renders no vm/tailscale/serve.json: not a tailscale-ingress VM stack"; exit 1; }
KEY_INPUTS="$(jq -c '[.resources[] | select(.type == "tailscale:index/tailnetKey:TailnetKey") | .inputs][0]' "$W/plan.json")"
TAGS="$(jq -r '.tags | join(",")' <<<"$KEY_INPUTS")"
SINGLE_USE="$(jq -r '.reusable == false' <<<"$KEY_INPUTS")"
[ -n "$TAGS" ] || { fail "the plan has no TailnetKey with tags"; exit 1; }
info "TailnetKey as planned: tags $TAGS, reusable $(jq -r .reusable <<<"$KEY_INPUTS"), preauthorized $(jq -r .preauthorized <<<"$KEY_INPUTS"), ephemeral $(jq -r .ephemeral <<<"$KEY_INPUTS")"
SUBNET="$(awk '$1 == "-" && $2 == "subnet:" {print $3; exit}' "$VM/compose.yaml")"
[ -n "$SUBNET" ] || { fail "no subnet in the rendered compose file"; exit 1; }
iptables -I DOCKER-USER -s "$SUBNET" ! -d "$SUBNET" -m comment --comment "$EGRESS_COMMENT" -j DROP
info "egress from $SUBNET dropped too"
# The gateway trusts exactly the sidecar's address; serve.json proxies to the gateway's.
PROXY_IP="$(jq -r '.gateway.trustedProxies[0]' "$VM/openclaw.json")"
GW_URL="$(jq -r '.Web["${TS_CERT_DOMAIN}:443"].Handlers["/"].Proxy' "$VM/tailscale/serve.json")"
GW_IP="${GW_URL#http://}"
GW_IP="${GW_IP%:*}"
DOMAIN="$(jq -r '.gateway.controlUi.allowedOrigins[0]' "$VM/openclaw.json" | sed 's|^https://||')"
TS_HOST="${DOMAIN%%.*}"
MAGICDNS="${DOMAIN#*.}"
# The control server takes the stack network's last host address (the rendered services hold the first ones).
CONTROL_IP="$(python3 -c "import ipaddress,sys; print(list(ipaddress.ip_network(sys.argv[1]).hosts())[-1])" "$SUBNET")"
check "serve.json has no AllowFunnel anywhere" test "$(jq '[paths | select(.[-1] == "AllowFunnel")] | length' "$VM/tailscale/serve.json")" = 0
check "serve.json: 443 HTTPS only, proxied to the gateway's address in the compose file ($GW_URL)" \
  test "$(jq -c '[(.TCP | keys), .TCP["443"].HTTPS]' "$VM/tailscale/serve.json") $(grep -c "ipv4_address: $GW_IP\$" "$VM/compose.yaml")" = '[["443"],true] 1'

(cd "$REPO" && "${TSX[@]}" e2e/tailscale/compose.ts "$VM/compose.yaml" "$W/compose.yaml" --workdir "$W" \
  --gateway-image "$GW_IMAGE" --tailscale-image "$TS_IMAGE" --control-bin "$CONTROL_BIN" \
  --host-port "$HOST_PORT" --control-ip "$CONTROL_IP") >"$W/sidecar.diff"
info "sidecar lines that differ from the rendered service (rendered -> test):"
sed 's/^/INFO    /' "$W/sidecar.diff"

# What the host writes: openclaw-secrets / openclaw-ingress (ingress.env, the 0700 uid-1000 state directory),
# openclaw-gateway (openclaw.json 0600 for uid 1000).
install -d -m 0700 -o 1000 -g 1000 "$W/state" "$W/tailscale"
install -m 0600 -o 1000 -g 1000 "$VM/openclaw.json" "$W/openclaw.json"
install -m 0644 "$VM/tailscale/serve.json" "$W/serve.json"
rand() { head -c 24 /dev/urandom | base64 -w0 | tr '+/' '-_' | tr -d '='; }
GW_TOKEN="$(rand)"
# gateway.env holds what fetch-secrets.sh writes there: the provider keys (none in this test), never the token,
# which the gateway reads through its file SecretRef (an environment token would override it: the audit warns).
(umask 077 && printf '# provider keys\n' >"$W/gateway.env")
# The gateway reads its token through a file SecretRef: the directory is mounted, fetch-secrets.sh writes the file
# (a regular file owned by uid 1000, mode 0600: the gateway's file provider refuses anything else).
install -d -m 0700 -o 1000 -g 1000 "$W/secrets"
(umask 077 && printf '%s\n' "$GW_TOKEN" >"$W/secrets/gateway-token" && chown 1000:1000 "$W/secrets/gateway-token")
SIDECAR_KEY="tskey-auth-$(rand)"
CLIENT_KEY="tskey-auth-$(rand)"
(umask 077 && printf "TS_AUTHKEY='%s'\n" "$SIDECAR_KEY" >"$W/ingress.env")
jq -n --arg sk "$SIDECAR_KEY" --arg ck "$CLIENT_KEY" --arg tags "$TAGS" --argjson single "$SINGLE_USE" \
  '{sidecar: {key: $sk, tags: ($tags | split(",")), singleUse: $single}, client: {key: $ck, tags: [], singleUse: true}}' >"$W/keys.json"
chown 1000:1000 "$W/keys.json" && chmod 0600 "$W/keys.json"

# HTTPS: tailscaled serves 443 with the certificate it caches in <state>/certs/<domain>.{crt,key} after an ACME
# order. Let's Encrypt cannot be reached here, so a test CA issues that certificate and the test places it
# where the ACME order would have left it (README.md: what this proves and what it does not).
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=openclaw e2e tailnet CA" \
  -keyout "$W/test-ca.key" -out "$W/test-ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$DOMAIN" \
  -keyout "$W/leaf.key" -out "$W/leaf.csr" 2>/dev/null
openssl x509 -req -in "$W/leaf.csr" -CA "$W/test-ca.pem" -CAkey "$W/test-ca.key" -CAcreateserial -days 1 \
  -extfile <(printf 'subjectAltName=DNS:%s\nextendedKeyUsage=serverAuth\n' "$DOMAIN") -out "$W/leaf.pem" 2>/dev/null
install -d -m 0700 -o 1000 -g 1000 "$W/tailscale/certs"
install -m 0644 -o 1000 -g 1000 "$W/leaf.pem" "$W/tailscale/certs/$DOMAIN.crt"
install -m 0600 -o 1000 -g 1000 "$W/leaf.key" "$W/tailscale/certs/$DOMAIN.key"
chmod 0644 "$W/test-ca.pem"
"${COMPOSE[@]}" config -q && pass "test compose file is valid for docker-compose $(docker-compose version --short)"

ts_sidecar() { docker exec "$("${COMPOSE[@]}" ps -q tailscale)" tailscale --socket=/tmp/tailscaled.sock "$@"; }
ts_client() { docker exec "$("${COMPOSE[@]}" ps -q client)" tailscale --socket=/tmp/tailscaled.sock "$@"; }
control_status() { curl -s -m 5 "http://$CONTROL_IP:9911/openclaw/status"; }
# wait_running <fn> <allowance s>: prints the seconds until BackendState is Running.
wait_running() {
  local t0
  t0=$(now)
  while [ "$(since "$t0" | cut -d. -f1)" -lt "$2" ]; do
    [ "$("$1" status --json 2>/dev/null | jq -r .BackendState 2>/dev/null)" = Running ] && { since "$t0"; return 0; }
    sleep 1
  done
  return 1
}

# --- 2. start ------------------------------------------------------------------------------------------------------
section "start"
"${COMPOSE[@]}" up -d >"$W/up.log" 2>&1 || { fail "docker-compose up: $(tail -n 3 "$W/up.log")"; exit 1; }
# The ingress needs a live gateway behind it. Its startup migrations time out on a machine this loaded (a 5 s
# state-lease heartbeat): it then stays live but refuses "started", and one restart is what an operator does.
if t=$(wait_body "http://127.0.0.1:$HOST_PORT/startupz" '"status":"started"' "$ALLOW"); then
  pass "gateway started after ${t} s"
elif docker restart "$("${COMPOSE[@]}" ps -q gateway)" >/dev/null && t=$(wait_body "http://127.0.0.1:$HOST_PORT/startupz" '"status":"started"' "$ALLOW"); then
  info "gateway refused startup on the first try ($(docker logs "$("${COMPOSE[@]}" ps -q gateway)" 2>&1 | grep -m1 -o 'state lease heartbeat did not become ready' || echo 'see its log')); restarted once"
  pass "gateway started after a restart, ${t} s"
else
  fail "gateway not started within ${ALLOW} s: $(docker logs --tail 5 "$("${COMPOSE[@]}" ps -q gateway)" 2>&1 | tr '\n' ' ' | cut -c1-300)"; exit 1
fi
if t=$(wait_running ts_sidecar 120); then
  pass "sidecar Running on the tailnet after ${t} s"
else
  fail "sidecar not Running within 120 s: $(docker logs --tail 8 "$("${COMPOSE[@]}" ps -q tailscale)" 2>&1 | tr '\n' ' ' | cut -c1-600)"; exit 1
fi
TS_C="$("${COMPOSE[@]}" ps -q tailscale)"
SELF="$(ts_sidecar status --json | jq -c .Self)"
SIDECAR_IP="$(jq -r '.TailscaleIPs[0]' <<<"$SELF")"
SIDECAR_NODEKEY="$(jq -r .PublicKey <<<"$SELF")"
SIDECAR_ID="$(jq -r .ID <<<"$SELF")"
info "sidecar: $(jq -r .DNSName <<<"$SELF") $SIDECAR_IP id $SIDECAR_ID"

section "joined with the rendered tags and a single-use key"
JOINED_TAGS="$(jq -r '(.Tags // []) | join(",")' <<<"$SELF")"
check "sidecar's own status shows tags $TAGS (got ${JOINED_TAGS:-none})" test "$JOINED_TAGS" = "$TAGS"
CS="$(control_status)"
check "control: node $TS_HOST.$MAGICDNS. tagged $TAGS ($(jq -c "[.nodes[] | select(.name == \"$TS_HOST.$MAGICDNS.\") | .tags]" <<<"$CS"))" \
  test "$(jq -r ".nodes[] | select(.name == \"$TS_HOST.$MAGICDNS.\") | .tags | join(\",\")" <<<"$CS")" = "$TAGS"
check "control: the sidecar key registered exactly one node" test "$(jq -r .keyUses.sidecar <<<"$CS")" = 1
check "certificate domain from the control plane is $DOMAIN" test "$(ts_sidecar status --json | jq -r '.CertDomains[0]')" = "$DOMAIN"
if [ "$SINGLE_USE" = true ]; then
  # A second machine with the same key and an empty state: the control plane must refuse it.
  docker run --rm --name "$PROJECT-second-use" --network "${PROJECT}_internet" --read-only --user 1000:1000 --cap-drop ALL --tmpfs /tmp --tmpfs /var/lib/tailscale:uid=1000,gid=1000,mode=0700 \
    -e TS_AUTHKEY="$SIDECAR_KEY" -e TS_USERSPACE=true -e TS_STATE_DIR=/var/lib/tailscale -e TS_SOCKET=/tmp/tailscaled.sock \
    -e TS_HOSTNAME=second-use -e TS_EXTRA_ARGS=--login-server=http://control:9911 -e HOME=/tmp \
    --stop-timeout 5 "$TS_IMAGE" >"$W/second-use.log" 2>&1 &
  second=$!
  for _ in $(seq 1 60); do grep -q "already been used" "$W/second-use.log" && break; kill -0 "$second" 2>/dev/null || break; sleep 1; done
  docker rm -f "$PROJECT-second-use" >/dev/null 2>&1 || true
  wait "$second" 2>/dev/null || true
  check "second use of the key refused by the control plane ($(grep -o 'invalid key[^"]*' "$W/second-use.log" | head -n 1))" grep -q "key has already been used" "$W/second-use.log"
  check "control: still one node for the sidecar key, none named second-use" \
    test "$(control_status | jq -r '"\(.keyUses.sidecar) \([.nodes[] | select(.name | startswith("second-use"))] | length)"')" = "1 0"
else
  info "the planned key is reusable: no single-use check"
fi

section "the sidecar as rendered: userspace, uid 1000, read-only root"
ins() { docker inspect -f "$1" "$TS_C"; }
check "sidecar: read-only root" test "$(ins '{{.HostConfig.ReadonlyRootfs}}')" = true
check "sidecar: user 1000:1000, cap_drop ALL, no cap_add, not privileged" test "$(ins '{{.Config.User}} {{.HostConfig.CapDrop}} {{.HostConfig.CapAdd}} {{.HostConfig.Privileged}}')" = "1000:1000 [ALL] [] false"
check "sidecar: CapEff 0, NoNewPrivs 1 inside" test "$(docker exec "$TS_C" grep -E '^(CapEff|NoNewPrivs):' /proc/1/status | tr -s '\t ' ' ' | tr '\n' ' ')" = 'CapEff: 0000000000000000 NoNewPrivs: 1 '
check "sidecar: no TUN device, no tailscale0 interface (userspace networking)" not docker exec "$TS_C" grep -q tailscale0 /proc/net/dev
check "sidecar: tailscaled runs as uid 1000" test "$(docker exec "$TS_C" sh -c 'for p in /proc/[0-9]*; do [ "$(cat $p/comm)" = tailscaled ] && grep ^Uid: $p/status; done' | awk '{print $2}' | sort -u)" = 1000
check "sidecar: write to / fails" not docker exec "$TS_C" touch /e2e-root-write
check "sidecar: state in the mounted directory (tailscaled.state, uid 1000)" test "$(stat -c %u "$W/tailscale/tailscaled.state" 2>/dev/null)" = 1000
if t=$(wait_health "$TS_C" 120); then pass "sidecar: Docker health (rendered wget healthcheck) healthy after $t s"; else fail "sidecar: Docker health not healthy within 120 s"; fi

section "serve and funnel"
SERVE="$(ts_sidecar serve status --json)"
check "serve: 443 HTTPS on $DOMAIN proxies to $GW_URL ($(jq -c '.Web | to_entries | map({(.key): .value.Handlers["/"].Proxy}) | add' <<<"$SERVE"))" \
  test "$(jq -r "[.TCP[\"443\"].HTTPS, .Web[\"$DOMAIN:443\"].Handlers[\"/\"].Proxy] | join(\" \")" <<<"$SERVE")" = "true $GW_URL"
check "serve: no AllowFunnel in the running serve config" test "$(jq '[paths | select(.[-1] == "AllowFunnel")] | length' <<<"$SERVE")" = 0
check "serve: only port 443 served" test "$(jq -c '.TCP | keys' <<<"$SERVE")" = '["443"]'
check "control: the sidecar has no funnel attribute ($(jq -c "[.nodes[] | select(.name == \"$TS_HOST.$MAGICDNS.\") | .capabilities]" <<<"$CS"))" \
  not bash -c "jq -r '.nodes[] | .capabilities[]?' <<<'$CS' | grep -qi funnel"
check "sidecar: node capabilities have no funnel" not bash -c "docker exec $TS_C tailscale --socket=/tmp/tailscaled.sock status --json | jq -r '.Self.CapMap // {} | keys[]' | grep -qi funnel"

section "a client on the tailnet reaches the gateway through serve"
ts_client up --login-server=http://control:9911 --authkey="$CLIENT_KEY" --hostname=laptop --accept-dns=false --netfilter-mode=off --timeout=60s >"$W/client-up.log" 2>&1 ||
  fail "client: tailscale up: $(tail -n 3 "$W/client-up.log")"
if t=$(wait_running ts_client 60); then pass "client Running on the tailnet after ${t} s"; else fail "client not Running"; fi
for _ in $(seq 1 30); do ts_client ping --until-direct=false -c 1 --timeout 3s "$SIDECAR_IP" >/dev/null 2>&1 && break; sleep 1; done
info "client -> sidecar: $(ts_client ping --until-direct=false -c 1 --timeout 5s "$SIDECAR_IP" 2>&1 | tail -n 1)"
# The probe shares the client's network namespace (so --add-host is not allowed): its own hosts file maps the
# domain to the sidecar's tailnet address, as MagicDNS would.
printf '127.0.0.1 localhost\n%s %s\n' "$SIDECAR_IP" "$DOMAIN" >"$W/hosts"
chmod 0644 "$W/hosts"
probe() {
  docker run --rm --network "container:$("${COMPOSE[@]}" ps -q client)" -v "$W/hosts:/etc/hosts:ro" \
    --read-only --cap-drop ALL --security-opt no-new-privileges:true --user 1000:1000 \
    -v "$HERE/probe.ts:/e2e/probe.ts:ro" -v "$W/test-ca.pem:/ca.pem:ro" -e NODE_EXTRA_CA_CERTS=/ca.pem \
    -e "PROBE_DOMAIN=$DOMAIN" -e "PROBE_TAILNET_IP=$SIDECAR_IP" "$GW_IMAGE" node /e2e/probe.ts "$@"
}
probe all >"$W/probe.log" 2>&1 || true
report_json_checks <"$W/probe.log"
HTTP_OK=0 WS_OK=0
grep -q '"check":"https GET /healthz through the tailnet and serve","ok":true' "$W/probe.log" && HTTP_OK=1
grep -q '"check":"wss upgrade through the tailnet and serve[^"]*","ok":true' "$W/probe.log" && WS_OK=1
[ "$HTTP_OK" = 1 ] || fail "the probe reported no successful HTTPS request through the tailnet"
[ "$WS_OK" = 1 ] || fail "the probe reported no successful WebSocket upgrade through the tailnet"

section "no other path to the gateway"
GW_C="$("${COMPOSE[@]}" ps -q gateway)"
CL_C="$("${COMPOSE[@]}" ps -q client)"
check "client's network (the 'internet'): $GW_IP:18789 unreachable" not docker exec "$CL_C" timeout 5 wget -q -O /dev/null "http://$GW_IP:18789/healthz"
check "client's network: the sidecar's address $PROXY_IP unreachable on 443" not docker exec "$CL_C" timeout 5 nc "$PROXY_IP" 443 </dev/null
check "gateway: every published port on 127.0.0.1" test "$(docker inspect -f '{{json .NetworkSettings.Ports}}' "$GW_C" | grep -o '"HostIp":"[^"]*"' | sort -u)" = '"HostIp":"127.0.0.1"'
check "sidecar: publishes no port" test "$(docker inspect -f '{{len .HostConfig.PortBindings}}' "$TS_C")" = 0
for addr in $(ip -4 -o addr show scope global | awk '{print $4}' | cut -d/ -f1); do
  case "$addr" in "${SUBNET%.*}".*) continue ;; esac
  check "host address $addr:$HOST_PORT closed" not curl -s -m 3 -o /dev/null "http://$addr:$HOST_PORT/"
done
SIDECAR_LAN="$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}' "$TS_C" | awk '{print $1}')"
check "sidecar's own address $SIDECAR_LAN: nothing on 443 (serve lives in the userspace netstack only)" not curl -sk -m 3 -o /dev/null "https://$SIDECAR_LAN/"
OTHER_OK=1
[ "$CHECK_FAILS" -eq 0 ] || OTHER_OK=0

section "restart with the state directory, no key"
# A recreated container (reboot, image update) with the same state directory and no TS_AUTHKEY at all.
: >"$W/ingress.env"
"${COMPOSE[@]}" up -d --no-deps --force-recreate tailscale >"$W/recreate.log" 2>&1 || fail "recreate: $(tail -n 2 "$W/recreate.log")"
if t=$(wait_running ts_sidecar 120); then pass "recreated sidecar Running without an auth key after ${t} s"; else fail "recreated sidecar not Running within 120 s"; fi
SELF2="$(ts_sidecar status --json | jq -c .Self)"
check "same node identity after recreate (node key and id)" test "$(jq -r '"\(.PublicKey) \(.ID)"' <<<"$SELF2")" = "$SIDECAR_NODEKEY $SIDECAR_ID"
check "control: still one node for the sidecar key, $(control_status | jq '.nodes | length') nodes in all" test "$(control_status | jq -r '"\(.keyUses.sidecar) \([.nodes[] | select(.name == "'"$TS_HOST.$MAGICDNS."'")] | length)"')" = "1 1"
for _ in $(seq 1 30); do ts_client ping --until-direct=false -c 1 --timeout 3s "$SIDECAR_IP" >/dev/null 2>&1 && break; sleep 1; done
probe http >"$W/probe2.log" 2>&1 || true
check "client reaches the gateway through the recreated sidecar" grep -q '"check":"https GET /healthz through the tailnet and serve","ok":true' "$W/probe2.log"

echo
if checks_summary "tailscale e2e ($((SECONDS - E2E_T0)) s)"; then
  [ "$HTTP_OK$WS_OK$OTHER_OK" = 111 ] || { echo "tailscale: internal error: checks passed but a flag is unset" >&2; exit 1; }
  echo "tailscale: joined with tags $TAGS, client reached gateway over tailnet (http ok, websocket ok), other paths closed, funnel off"
else
  exit 1
fi
