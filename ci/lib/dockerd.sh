# shellcheck shell=bash
# A private Docker daemon for CI steps and e2e tests. Source it, then:
#
#   start_dockerd            # starts (or reuses) the daemon, exports DOCKER_HOST, puts Debian's client first on PATH
#   dockerd_block_egress     # drop forwarded traffic from this daemon's networks to anything outside them
#   dockerd_unblock_egress   # remove those rules (stop_dockerd does it too)
#   stop_dockerd [--force]   # stops the daemon by PID if this shell started it (or always with --force)
#
# Why a private daemon: other engineers and CI steps may run their own dockerd on the same host, so
# everything here is ours alone: socket, pid file, exec root, bridge name and address pools. The data
# root lives in the CI cache so images imported by one run (the ~720 MB gateway image) survive to the next.
#
# Tunables (environment, all optional):
#   OPENCLAW_CI_CACHE           cache root (default ~/.cache/openclaw-ci); data root is $OPENCLAW_CI_CACHE/docker
#   OPENCLAW_CI_RUN_DIR         socket/pid/log/exec-root dir (default /run/openclaw-ci)
#   OPENCLAW_CI_BRIDGE          name of the default bridge (default occi0)
#   OPENCLAW_CI_BRIDGE_CIDR     its address (default 10.213.0.1/24)
#   OPENCLAW_CI_ADDRESS_POOL    pool for user-defined networks, e.g. compose (default 10.213.128.0/17, /24 each)
#   OPENCLAW_CI_DOCKERD_TIMEOUT seconds to wait for `docker info` (default 30)

_oc_dockerd_vars() {
  OC_CACHE="${OPENCLAW_CI_CACHE:-$HOME/.cache/openclaw-ci}"
  OC_RUN="${OPENCLAW_CI_RUN_DIR:-/run/openclaw-ci}"
  OC_DATA_ROOT="$OC_CACHE/docker"
  OC_SOCK="$OC_RUN/docker.sock"
  OC_PIDFILE="$OC_RUN/dockerd.pid"
  OC_LOG="$OC_RUN/dockerd.log"
  OC_BRIDGE="${OPENCLAW_CI_BRIDGE:-occi0}"
  OC_BRIDGE_CIDR="${OPENCLAW_CI_BRIDGE_CIDR:-10.213.0.1/24}"
  OC_POOL="${OPENCLAW_CI_ADDRESS_POOL:-10.213.128.0/17}"
  OC_EGRESS_COMMENT="openclaw-ci-egress-${OC_BRIDGE}"
}

_oc_log() { printf '[dockerd] %s\n' "$*" >&2; }

# Debian's client matches the 20.10 daemon exactly; a newer /usr/local/bin/docker usually works too
# (API negotiation), but compose and tests should see one well-known client, so it goes first on PATH.
_oc_client_path() {
  if [ -x /usr/bin/docker ]; then
    mkdir -p "$OC_RUN/bin"
    ln -sf /usr/bin/docker "$OC_RUN/bin/docker"
    case ":$PATH:" in *":$OC_RUN/bin:"*) ;; *) PATH="$OC_RUN/bin:$PATH" ;; esac
    export PATH
  fi
}

_oc_dockerd_alive() {
  [ -s "$OC_PIDFILE" ] || return 1
  local pid
  pid="$(cat "$OC_PIDFILE")"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = dockerd ]
}

_oc_ensure_packages() {
  local missing=()
  command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
  command -v iptables >/dev/null 2>&1 || missing+=(iptables)
  command -v ip >/dev/null 2>&1 || missing+=(iproute2)
  if [ "${#missing[@]}" -gt 0 ]; then
    _oc_log "installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null || {
      apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null
    } || { _oc_log "FAIL: could not install ${missing[*]}"; return 1; }
  fi
}

# dockerd only accepts an existing bridge for --bridge; making our own keeps us off docker0, which a
# concurrently running default daemon would own.
_oc_ensure_bridge() {
  if ! ip link show "$OC_BRIDGE" >/dev/null 2>&1; then
    ip link add "$OC_BRIDGE" type bridge || return 1
  fi
  if ! ip -4 addr show dev "$OC_BRIDGE" | grep -qF "inet $OC_BRIDGE_CIDR"; then
    ip addr add "$OC_BRIDGE_CIDR" dev "$OC_BRIDGE" || return 1
  fi
  ip link set "$OC_BRIDGE" up
}

# The data root is cached for its images only. Containers, networks and volumes left by an interrupted run
# (a killed CI job, a Ctrl-C) would collide with the next run's fixed names and subnets, so a daemon this
# shell starts begins empty of them. A daemon that is reused belongs to a caller and is left alone.
_oc_prune_leftovers() {
  local n
  n="$(docker ps -aq | wc -l)"
  docker ps -aq | xargs -r docker rm -f >/dev/null 2>&1 || true
  docker network prune -f >/dev/null 2>&1 || true
  docker volume prune -f >/dev/null 2>&1 || true
  [ "$n" -eq 0 ] || _oc_log "removed $n container(s), and unused networks and volumes, left by an earlier run"
}

start_dockerd() {
  _oc_dockerd_vars
  _oc_client_path
  export DOCKER_HOST="unix://$OC_SOCK"
  if _oc_dockerd_alive && docker info >/dev/null 2>&1; then
    _oc_log "reusing dockerd pid $(cat "$OC_PIDFILE") on $OC_SOCK"
    return 0
  fi
  _oc_ensure_packages || return 1
  mkdir -p "$OC_RUN" "$OC_DATA_ROOT"
  # A stale pid file from a killed run would make dockerd refuse to start.
  rm -f "$OC_PIDFILE"
  _oc_ensure_bridge || { _oc_log "FAIL: cannot create bridge $OC_BRIDGE ($OC_BRIDGE_CIDR)"; return 1; }

  # iptables stays on: bridge networking, published ports and the DOCKER-USER egress drop need it.
  # --exec-root keeps our containerd and netns files apart from any other daemon's /var/run/docker.
  dockerd \
    --data-root "$OC_DATA_ROOT" \
    --exec-root "$OC_RUN/exec" \
    --host "unix://$OC_SOCK" \
    --pidfile "$OC_PIDFILE" \
    --bridge "$OC_BRIDGE" \
    --default-address-pool "base=$OC_POOL,size=24" \
    --iptables=true \
    --ip-forward=true \
    --log-level warn \
    >"$OC_LOG" 2>&1 &
  local bg=$! waited=0 timeout="${OPENCLAW_CI_DOCKERD_TIMEOUT:-30}"
  OPENCLAW_CI_DOCKERD_STARTED="$bg"
  export OPENCLAW_CI_DOCKERD_STARTED

  until docker info >/dev/null 2>&1; do
    if ! kill -0 "$bg" 2>/dev/null || [ "$waited" -ge "$((timeout * 4))" ]; then
      _oc_log "FAIL: dockerd not ready after $((waited / 4)) s; last lines of $OC_LOG:"
      tail -n 30 "$OC_LOG" >&2
      kill "$bg" 2>/dev/null
      unset OPENCLAW_CI_DOCKERD_STARTED
      return 1
    fi
    sleep 0.25
    waited=$((waited + 1))
  done
  # dockerd writes its pid file itself; fall back to the background job's pid if it has not yet.
  [ -s "$OC_PIDFILE" ] || echo "$bg" >"$OC_PIDFILE"
  _oc_log "dockerd pid $(cat "$OC_PIDFILE") ready in ~$((waited / 4)) s on $OC_SOCK (data root $OC_DATA_ROOT)"
  _oc_prune_leftovers
}

# Forwarded traffic from our bridge and our address pool to anything outside them is dropped: the
# gateway's plugin-feed lookup then fails fast instead of reaching the internet. Container-to-container
# and host-to-container traffic (published ports on 127.0.0.1) are not forwarded from these sources to
# outside, so they keep working.
dockerd_block_egress() {
  _oc_dockerd_vars
  local net src
  net="$(_oc_bridge_net)"
  for src in "$net" "$OC_POOL"; do
    iptables -C DOCKER-USER -s "$src" ! -d "$src" -m comment --comment "$OC_EGRESS_COMMENT" -j DROP 2>/dev/null ||
      iptables -I DOCKER-USER -s "$src" ! -d "$src" -m comment --comment "$OC_EGRESS_COMMENT" -j DROP || return 1
  done
  # Traffic between our bridge and our pool (a compose network and the default bridge) stays local.
  iptables -C DOCKER-USER -s "$net" -d "$OC_POOL" -m comment --comment "$OC_EGRESS_COMMENT" -j RETURN 2>/dev/null ||
    iptables -I DOCKER-USER -s "$net" -d "$OC_POOL" -m comment --comment "$OC_EGRESS_COMMENT" -j RETURN
  iptables -C DOCKER-USER -s "$OC_POOL" -d "$net" -m comment --comment "$OC_EGRESS_COMMENT" -j RETURN 2>/dev/null ||
    iptables -I DOCKER-USER -s "$OC_POOL" -d "$net" -m comment --comment "$OC_EGRESS_COMMENT" -j RETURN
  _oc_log "egress from $net and $OC_POOL dropped (DOCKER-USER)"
}

dockerd_unblock_egress() {
  _oc_dockerd_vars
  local rule
  # Delete by exact spec, as listed by iptables -S, so only our commented rules go.
  while rule="$(iptables -S DOCKER-USER 2>/dev/null | grep -F -- "--comment $OC_EGRESS_COMMENT" | head -n 1)" && [ -n "$rule" ]; do
    # shellcheck disable=SC2086 # the rule spec must split into words
    iptables ${rule/-A DOCKER-USER/-D DOCKER-USER} || break
  done
}

_oc_bridge_net() {
  # 10.213.0.1/24 -> 10.213.0.0/24 (the rule matches the whole bridge subnet)
  local ip="${OC_BRIDGE_CIDR%/*}" len="${OC_BRIDGE_CIDR#*/}"
  if [ "$len" = 24 ]; then printf '%s.0/24\n' "${ip%.*}"; else printf '%s\n' "$OC_BRIDGE_CIDR"; fi
}

stop_dockerd() {
  _oc_dockerd_vars
  local force=0
  [ "${1:-}" = --force ] && force=1
  if [ "$force" = 0 ] && [ -z "${OPENCLAW_CI_DOCKERD_STARTED:-}" ]; then
    _oc_log "dockerd was not started by this shell; leaving it running (stop_dockerd --force to stop)"
    return 0
  fi
  dockerd_unblock_egress
  if _oc_dockerd_alive; then
    local pid i=0
    pid="$(cat "$OC_PIDFILE")"
    kill -TERM "$pid" 2>/dev/null
    # dockerd stops its containers (10 s grace each, in parallel) and its containerd before exiting.
    while kill -0 "$pid" 2>/dev/null && [ "$i" -lt 120 ]; do sleep 0.25; i=$((i + 1)); done
    if kill -0 "$pid" 2>/dev/null; then
      _oc_log "dockerd $pid still running after 30 s; sending KILL"
      kill -KILL "$pid" 2>/dev/null
    fi
    _oc_log "dockerd $pid stopped"
  fi
  rm -f "$OC_PIDFILE"
  unset OPENCLAW_CI_DOCKERD_STARTED
}
