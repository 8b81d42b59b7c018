#!/usr/bin/env bash
# openclaw-upgrade: move the gateway to a new release as one transaction, and back.
#
#   upgrade.sh apply --release <dir>   back up, pull and pin, preflight on a copy, cut over, gate on health;
#                                      on any failure put back the previous image AND the pre-upgrade state
#   upgrade.sh rollback                undo the last completed upgrade (its previous release + its state)
#   upgrade.sh status                  JSON: current release, image digest, previous release, rollback point
#
# A release directory holds files named as they are under /etc/openclaw (compose.yaml, openclaw.json, and the
# ingress files Caddyfile / tailscale/serve.json) plus `image`: one line, the gateway image reference
# (repo:tag@sha256:<64 hex> or repo:tag; without a digest the digest pulled is what gets pinned).
#
# Exit codes: 0 upgraded (or rolled back on request) and healthy; 2 bad usage or a release refused before
# anything changed; 3 failed and rolled back, the previous release healthy; 1 failed and the rollback failed
# too (alarm-worthy: the gateway may be down); 75 the host lock stayed busy.
#
# Releases and rollback points live on the state data volume (they outlive a replaced instance):
#   $OPENCLAW_UPGRADE_DIR/releases/<id>/     files + image (as given) + pinned (what ran) + meta.json
#   $OPENCLAW_UPGRADE_DIR/current, previous  one release id each
#   $OPENCLAW_UPGRADE_DIR/rollback/<id>/     the state as it was just before release <id> started: the
#                                            point `rollback` returns to; only the newest one is kept
#
# Environment (defaults are the VM host's layout, components/gateway-vm/layout.ts):
#   OPENCLAW_CONFIG_DIR         /etc/openclaw              where the running release's files are installed
#   OPENCLAW_DATA_DIR           /var/lib/openclaw          the data volume
#   OPENCLAW_STATE_HOST_DIR     $OPENCLAW_DATA_DIR/state   the gateway's state (uid 1000)
#   OPENCLAW_UPGRADE_DIR        $OPENCLAW_DATA_DIR/upgrade
#   OPENCLAW_UPGRADE_RUNNER     systemd | compose          systemd: openclaw-gateway.service; compose: docker
#                                                          compose on the installed compose.yaml (Docker target)
#   OPENCLAW_COMPOSE_CMD        "docker compose"           the compose client (split on spaces, never evaluated)
#   OPENCLAW_COMPOSE_PROJECT    openclaw
#   OPENCLAW_RUNTIME_CONFIG     (compose runner) where the 0600 uid-1000 copy of openclaw.json goes before a
#                               start, as the gateway unit's ExecStartPre does on the VM
#   OPENCLAW_HEALTH_URL         http://127.0.0.1:18789     the gateway's published port
#   OPENCLAW_UPGRADE_DEADLINE   300                        seconds for /startupz then /readyz after a start
#   OPENCLAW_ROLLBACK_DEADLINE  600                        the same for the release rolled back to (it ran
#                                                          before: waiting longer beats declaring it dead)
#   OPENCLAW_UPGRADE_PREFLIGHT  1                          0 skips the preflight (drills of the rollback path)
#   OPENCLAW_UPGRADE_BACKUP     auto | s3 | none           auto: s3 when backup.env and backup.sh exist
#   OPENCLAW_BACKUP_SCRIPT      /usr/local/lib/openclaw/backup.sh
#   OPENCLAW_LOCK_FILE / OPENCLAW_LOCK_TIMEOUT             the host lock (see below)
#   DOCKER / AWS_CLI            docker / aws
set -euo pipefail
umask 077

PROG=openclaw-upgrade
log() { printf '%s: %s\n' "$PROG" "$*" >&2; }
die() { printf '%s: FAILED: %s\n' "$PROG" "$*" >&2; exit "${2:-1}"; }
refuse() { die "$*" 2; }

CONFIG_DIR="${OPENCLAW_CONFIG_DIR:-/etc/openclaw}"
DATA_DIR="${OPENCLAW_DATA_DIR:-/var/lib/openclaw}"
STATE_DIR="${OPENCLAW_STATE_HOST_DIR:-$DATA_DIR/state}"
UP_DIR="${OPENCLAW_UPGRADE_DIR:-$DATA_DIR/upgrade}"
RUNNER="${OPENCLAW_UPGRADE_RUNNER:-systemd}"
PROJECT="${OPENCLAW_COMPOSE_PROJECT:-openclaw}"
HEALTH_URL="${OPENCLAW_HEALTH_URL:-http://127.0.0.1:18789}"
DEADLINE="${OPENCLAW_UPGRADE_DEADLINE:-300}"
ROLLBACK_DEADLINE="${OPENCLAW_ROLLBACK_DEADLINE:-600}"
PREFLIGHT="${OPENCLAW_UPGRADE_PREFLIGHT:-1}"
BACKUP_MODE="${OPENCLAW_UPGRADE_BACKUP:-auto}"
BACKUP_SCRIPT="${OPENCLAW_BACKUP_SCRIPT:-/usr/local/lib/openclaw/backup.sh}"
DOCKER="${DOCKER:-docker}"
AWS="${AWS_CLI:-aws}"
GATEWAY_UNIT=openclaw-gateway.service
read -r -a COMPOSE_CMD <<<"${OPENCLAW_COMPOSE_CMD:-docker compose}"

# The files a release may carry, as paths under the config directory. Anything else is refused: the SSM
# document that delivers a release is the only writer, and a surprise file is a sign of a wrong or hostile one.
RELEASE_FILES=(compose.yaml openclaw.json Caddyfile tailscale/serve.json)
MAX_FILE_BYTES=1048576

case "$RUNNER" in systemd | compose) ;; *) refuse "OPENCLAW_UPGRADE_RUNNER=$RUNNER: use systemd or compose" ;; esac
[[ "$DEADLINE" =~ ^[1-9][0-9]{0,4}$ ]] || refuse "OPENCLAW_UPGRADE_DEADLINE=$DEADLINE: a whole number of seconds"
[[ "$ROLLBACK_DEADLINE" =~ ^[1-9][0-9]{0,4}$ ]] || refuse "OPENCLAW_ROLLBACK_DEADLINE=$ROLLBACK_DEADLINE: a whole number of seconds"
case "$BACKUP_MODE" in auto | s3 | none) ;; *) refuse "OPENCLAW_UPGRADE_BACKUP=$BACKUP_MODE: use auto, s3 or none" ;; esac

# --- host lock (components/gateway-vm/host-lock.ts) ---
# Serialises every script that stops, starts or swaps the gateway, its state or its token. Held until exit.
host_lock() { # <who> <default timeout in seconds>
  local file="${OPENCLAW_LOCK_FILE:-/run/openclaw-lock/host.lock}" timeout="${OPENCLAW_LOCK_TIMEOUT:-$2}" dir perm
  dir="$(dirname -- "$file")"
  # Created here when no unit made it yet (an operator's restore); checked either way.
  mkdir -m 0700 -- "$dir" 2>/dev/null || true
  perm="$(stat -c '%u %a' -- "$dir")"
  if [ -L "$dir" ] || [ "${perm% *}" != "$(id -u)" ] || (( 8#${perm#* } & 8#022 )); then
    printf 'host-lock: %s must be a directory owned by uid %s that no one else can write (it is: %s)\n' "$dir" "$(id -u)" "$perm" >&2
    exit 1
  fi
  if [ -L "$file" ] || { [ -e "$file" ] && [ ! -f "$file" ]; }; then
    printf 'host-lock: %s is not a regular file; refusing to open it\n' "$file" >&2
    exit 1
  fi
  exec {OPENCLAW_LOCK_FD}>>"$file"
  if ! flock -n "$OPENCLAW_LOCK_FD"; then
    printf 'host-lock: %s waits up to %ss for %s, held by: %s\n' "$1" "$timeout" "$file" "$(head -c 200 "$file")" >&2
    if ! flock -w "$timeout" "$OPENCLAW_LOCK_FD"; then
      printf 'host-lock: %s gave up after %ss: %s is still held by: %s. Another backup, restore or token reload is running; run this again when it has finished (or set OPENCLAW_LOCK_TIMEOUT to wait longer).\n' "$1" "$timeout" "$file" "$(head -c 200 "$file")" >&2
      exit 75
    fi
  fi
  printf '%s (pid %s) since %s\n' "$1" "$$" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$file"
}
# --- end host lock ---

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN{printf "%.1f", b-a}'; }

# A directory this root script writes into must be a real directory, not a link someone planted.
real_dir() { # <path> <what>
  if [ ! -d "$1" ] || [ -L "$1" ]; then die "$2 $1 is missing or a symbolic link"; fi
}

# One KEY=value line of a root-owned env file, read as data (never sourced: no line in it is executed).
env_get() { # <file> <key>
  [ -f "$1" ] && [ ! -L "$1" ] || return 0
  sed -n "s/^$2=\\([A-Za-z0-9_.:/*@+=-]*\\)\$/\\1/p" "$1" | tail -n 1
}

# A release id names a directory: only what `new_release_id` makes is accepted back from the pointer files.
valid_id() { [[ "$1" =~ ^[0-9]{8}T[0-9]{6}Z-[0-9a-f]{12}$ ]]; }
read_pointer() { # <name>: prints the id or nothing
  local f="$UP_DIR/$1" id
  [ -f "$f" ] && [ ! -L "$f" ] || return 0
  id="$(head -c 64 "$f" | head -n 1)"
  [ -z "$id" ] || valid_id "$id" || die "$f holds \"$id\", not a release id"
  printf '%s' "$id"
}
write_pointer() { # <name> <id|"">
  printf '%s\n' "$2" >"$UP_DIR/.$1.tmp" && mv -f "$UP_DIR/.$1.tmp" "$UP_DIR/$1"
}

# --- validating a release ---------------------------------------------------------------------------------
IMAGE_RE='^[a-z0-9]([a-z0-9._-]*[a-z0-9])?(:[0-9]+)?(/[a-z0-9]([a-z0-9._-]*[a-z0-9])?)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[0-9a-f]{64})?$'

validate_release() { # <dir>: exits 2 on the first problem; prints nothing
  local dir="$1" perm rel path n=0 bytes line extra
  [ -n "$dir" ] || refuse "apply needs --release <dir>"
  [ ! -L "$dir" ] || refuse "release $dir is a symbolic link"
  [ -d "$dir" ] || refuse "release $dir is not a directory"
  perm="$(stat -c '%u %a' -- "$dir")"
  # Written by root (the SSM document) and by no one else: a directory others can write could change under us.
  if [ "$(id -u)" = 0 ] && [ "${perm% *}" != 0 ]; then refuse "release $dir is owned by uid ${perm% *}, not root"; fi
  (( 8#${perm#* } & 8#022 )) && refuse "release $dir is writable by group or others (mode ${perm#* })"
  # Every entry, at any depth, must be one of the known files (or the tailscale/ directory holding one).
  while IFS= read -r -d '' path; do
    rel="${path#"$dir"/}"
    if [ -L "$path" ]; then refuse "release entry $rel is a symbolic link"; fi
    if [ -d "$path" ]; then
      [ "$rel" = tailscale ] || refuse "release entry $rel/ is not expected (files: image ${RELEASE_FILES[*]})"
      continue
    fi
    [ -f "$path" ] || refuse "release entry $rel is not a regular file"
    case " image ${RELEASE_FILES[*]} " in
      *" $rel "*) ;;
      *) refuse "release entry $rel is not expected (files: image ${RELEASE_FILES[*]})" ;;
    esac
    bytes="$(stat -c %s -- "$path")"
    [ "$bytes" -le "$MAX_FILE_BYTES" ] || refuse "release file $rel is $bytes bytes (at most $MAX_FILE_BYTES)"
    n=$((n + 1))
  done < <(find "$dir" -mindepth 1 -print0)
  [ -f "$dir/image" ] || refuse "release $dir has no image file"
  [ -f "$dir/compose.yaml" ] || refuse "release $dir has no compose.yaml"
  [ -f "$dir/openclaw.json" ] || refuse "release $dir has no openclaw.json"
  [ "$(wc -l <"$dir/image")" -le 1 ] || refuse "release image file must hold one line"
  line="$(head -n 1 "$dir/image")"
  { [ ${#line} -le 300 ] && [[ "$line" =~ $IMAGE_RE ]]; } ||
    refuse "release image \"$(printf '%s' "$line" | head -c 120 | tr -c '[:print:]' '?')\" is not an image reference (repo:tag@sha256:<64 hex> or repo:tag)"
  extra="$(tail -c +$((${#line} + 1)) "$dir/image" | tr -d '\n')"
  [ -z "$extra" ] || refuse "release image file has bytes after its one line"
  jq -e 'type == "object"' "$dir/openclaw.json" >/dev/null 2>&1 || refuse "release openclaw.json is not a JSON object"
  if [ -f "$dir/tailscale/serve.json" ]; then
    jq -e 'type == "object"' "$dir/tailscale/serve.json" >/dev/null 2>&1 || refuse "release tailscale/serve.json is not a JSON object"
  fi
  # The compose file must run the image the release names: its `image:` lines are how the pin is applied.
  compose_image_lines "$dir/compose.yaml" "$line" | grep -q . ||
    refuse "release compose.yaml has no \"image: $(image_no_digest "$line")\" line (the image file and the compose file disagree)"
  grep -q $'\r' "$dir/compose.yaml" && refuse "release compose.yaml has carriage returns"
  return 0
}

image_no_digest() { printf '%s' "${1%@sha256:*}"; }

# The compose file's `image:` lines that name the release image, with or without its digest.
compose_image_lines() { # <compose> <image ref>
  local ref="$1" img="$2"
  awk -v a="$img" -v b="$(image_no_digest "$img")" '
    { v = $0; sub(/^[ \t]*image:[ \t]*/, "", v) }
    $0 ~ /^[ \t]*image:[ \t]*/ && (v == a || v == b || v == "\"" a "\"" || v == "\"" b "\"") { print NR }' "$ref"
}

# The compose file with the release image's lines replaced by the pinned reference: exact string matches only.
pin_compose() { # <in> <image ref> <pinned> <out>
  awk -v a="$2" -v b="$(image_no_digest "$2")" -v p="$3" '
    { v = $0; sub(/^[ \t]*image:[ \t]*/, "", v) }
    $0 ~ /^[ \t]*image:[ \t]*/ && (v == a || v == b || v == "\"" a "\"" || v == "\"" b "\"") {
      match($0, /^[ \t]*image:[ \t]*/); print substr($0, 1, RLENGTH) p; next }
    { print }' "$1" >"$4"
}

# --- the gateway --------------------------------------------------------------------------------------------
compose() { "${COMPOSE_CMD[@]}" -p "$PROJECT" -f "$CONFIG_DIR/compose.yaml" "$@"; }

gateway_stop() {
  if [ "$RUNNER" = systemd ]; then
    systemctl stop "$GATEWAY_UNIT"
  else
    compose stop --timeout 30 >/dev/null 2>&1 || true
    compose rm -f >/dev/null 2>&1 || true
  fi
}

gateway_start() {
  if [ "$RUNNER" = systemd ]; then
    # --no-block: the unit waits for Docker's health check (its interval is 30 s); the gate below is ours.
    systemctl start --no-block "$GATEWAY_UNIT"
  else
    if [ -n "${OPENCLAW_RUNTIME_CONFIG:-}" ]; then
      install -m 0600 -o 1000 -g 1000 "$CONFIG_DIR/openclaw.json" "$OPENCLAW_RUNTIME_CONFIG"
    fi
    install -d -m 0700 -o 1000 -g 1000 "$STATE_DIR"
    compose up -d --remove-orphans >/dev/null 2>&1 || { log "compose up failed: $(compose up -d 2>&1 | tail -n 3 | tr '\n' ' ')"; return 1; }
  fi
}

# /startupz then /readyz within the deadline, from the start. Prints the seconds taken. A gateway container
# that exited or was restarted by Docker (restart: unless-stopped) fails at once: it crashed on start.
health_gate() { # <t0> <deadline s>
  local t0="$1" deadline="$2" phase=startupz body c st
  while awk -v s="$(since "$t0")" -v d="$deadline" 'BEGIN{exit !(s < d)}'; do
    c="$(running_image_container || true)"
    if [ -n "$c" ]; then
      st="$("$DOCKER" inspect -f '{{.RestartCount}} {{.State.Status}}' "$c" 2>/dev/null || true)"
      case "$st" in
        0\ running | 0\ created | "") ;;
        *) log "the new gateway crashed on start (restarts, status: $st)"; return 1 ;;
      esac
    fi
    body="$(curl -s -m 3 "$HEALTH_URL/$phase" 2>/dev/null || true)"
    if [ "$phase" = startupz ]; then
      case "$body" in *'"status":"started"'*) phase=readyz; continue ;; esac
    else
      case "$body" in *'"ready":true'*) since "$t0"; return 0 ;; esac
    fi
    sleep 0.5
  done
  log "gateway not healthy within ${deadline}s: /$phase answered \"$(printf '%s' "$body" | head -c 160 | tr -c '[:print:]' '?')\""
  return 1
}

running_image_id() {
  local c
  if [ "$RUNNER" = systemd ]; then
    c="$("$DOCKER" ps -q --filter "label=com.docker.compose.project=$PROJECT" --filter label=com.docker.compose.service=gateway | head -n 1)"
  else
    c="$(compose ps -q gateway 2>/dev/null | head -n 1)"
  fi
  [ -n "$c" ] && "$DOCKER" inspect -f '{{.Image}}' "$c"
}

# --- state copies -------------------------------------------------------------------------------------------
# Whole-tree copies that keep owners, modes, links (as links) and sparse files; the source is never followed.
copy_tree() { # <from> <to>
  rm -rf -- "$2"
  mkdir -p -- "$2"
  cp -a --reflink=auto -- "$1/." "$2/"
}

restore_state() { # <rollback point dir>
  local point="$1"
  real_dir "$point/state" "rollback state"
  [ -f "$point/complete" ] || die "rollback point $point was never completed"
  # The state directory itself stays (a bind mount's device); its contents are swapped.
  find "$STATE_DIR" -mindepth 1 -maxdepth 1 -exec rm -rf -- {} +
  cp -a --reflink=auto -- "$point/state/." "$STATE_DIR/"
}

# --- release records ----------------------------------------------------------------------------------------
new_release_id() { # <dir>: stamp + hash of the release's files, so the same content gives the same suffix
  local h
  h="$(cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-12)"
  printf '%s-%s' "$(date -u +%Y%m%dT%H%M%SZ)" "$h"
}

# Copies the release's known files (only those) into the record directory.
store_release() { # <from> <to>
  local rel
  mkdir -p -- "$2"
  for rel in image "${RELEASE_FILES[@]}"; do
    if [ -f "$1/$rel" ]; then
      mkdir -p -- "$(dirname -- "$2/$rel")"
      cp -- "$1/$rel" "$2/$rel"
    fi
  done
}

# The running configuration before the first upgrade through this script: what cloud-init (or the operator)
# installed, with the image the gateway container runs now. It becomes the first release, so the first
# upgrade has something to roll back to.
adopt_running() {
  local id tmp ref image_id rel pinned
  tmp="$(mktemp -d "$UP_DIR/adopt.XXXXXX")"
  for rel in compose.yaml openclaw.json Caddyfile tailscale/serve.json; do
    if [ -f "$CONFIG_DIR/$rel" ] && [ ! -L "$CONFIG_DIR/$rel" ]; then
      mkdir -p -- "$(dirname -- "$tmp/$rel")"
      cp -- "$CONFIG_DIR/$rel" "$tmp/$rel"
    fi
  done
  [ -f "$tmp/compose.yaml" ] || die "no release recorded and no $CONFIG_DIR/compose.yaml to adopt as the running one"
  image_id="$(running_image_id || true)"
  [ -n "$image_id" ] || die "no release recorded and no running gateway container to adopt (start the gateway first)"
  ref="$(awk '/^  gateway:/{g=1; next} g && /^  [^ ]/{g=0} g && /^[ \t]*image:/{sub(/^[ \t]*image:[ \t]*/, ""); gsub(/"/, ""); print; exit}' "$tmp/compose.yaml")"
  [[ "$ref" =~ $IMAGE_RE ]] || [[ "$ref" =~ ^sha256:[0-9a-f]{64}$ ]] || die "the running compose.yaml's gateway image \"$ref\" is not an image reference"
  printf '%s\n' "$ref" >"$tmp/image"
  id="$(new_release_id "$tmp")"
  # Rolling back to it must run what ran, not what the tag names by then: its registry digest, or its id.
  pinned="$("$DOCKER" image inspect -f '{{range .RepoDigests}}{{println .}}{{end}}' "$image_id" 2>/dev/null | head -n 1)"
  [[ "$pinned" =~ ^[a-z0-9./:_-]+@sha256:[0-9a-f]{64}$ ]] || pinned="$image_id"
  pin_compose "$tmp/compose.yaml" "$ref" "$pinned" "$tmp/compose.pinned.yaml"
  printf '%s\n' "$image_id" >"$tmp/pinned-id"
  printf '%s\n' "$pinned" >"$tmp/pinned"
  mv -- "$tmp" "$UP_DIR/releases/$id"
  write_pointer current "$id"
  log "adopted the running configuration as release $id (image $ref, id $image_id)"
}

# Pull (when the reference names a registry image) and resolve what to pin: the repo digest when the image
# came from a registry, else the local image id. Prints "<pinned ref> <image id>".
pull_and_pin() { # <image ref>
  local ref="$1" id digest repo
  if ! "$DOCKER" image inspect "$ref" >/dev/null 2>&1 || [[ "$ref" != *@sha256:* ]]; then
    "$DOCKER" pull -q "$ref" >/dev/null 2>&1 || "$DOCKER" image inspect "$ref" >/dev/null 2>&1 ||
      return 1
  fi
  id="$("$DOCKER" image inspect -f '{{.Id}}' "$ref")" || return 1
  repo="$(image_no_digest "$ref")"
  # Strip the tag, not a registry's port (registry:5000/repo has no tag).
  [[ "${repo##*:}" == */* ]] || repo="${repo%:*}"
  if [[ "$ref" == *@sha256:* ]]; then
    digest="${ref##*@}"
  else
    digest="$("$DOCKER" image inspect -f '{{range .RepoDigests}}{{println .}}{{end}}' "$ref" | grep -m1 "^$repo@sha256:" | sed 's/.*@//' || true)"
  fi
  if [ -n "$digest" ]; then
    printf '%s@%s %s\n' "$(image_no_digest "$ref")" "$digest" "$id"
  else
    # Built on this host (no registry digest): the image id is the content address Docker runs by.
    printf '%s %s\n' "$id" "$id"
  fi
}

# The gateway service's bind volumes ("volume<TAB>src<TAB>dst") and env files ("env_file<TAB>path<TAB>") as the
# stack renders them (block lists under `    volumes:` / `    env_file:`); named volumes are left out.
compose_gateway_files() { # <compose file>
  awk '
    /^  gateway:/ { g = 1; next }
    g && /^  [^ ]/ { g = 0 }
    !g { next }
    /^    [a-z_]+:/ { key = $1; sub(/:.*/, "", key); next }
    /^      - / && (key == "volumes" || key == "env_file") {
      v = $0; sub(/^      - /, "", v); gsub(/"/, "", v)
      if (key == "env_file") { print "env_file\t" v "\t"; next }
      n = split(v, p, ":")
      if (n >= 2 && (p[1] ~ /^\// || p[1] ~ /^\.\//)) print "volume\t" p[1] "\t" p[2]
    }' "$1"
}

# --- preflight on a copy of the state ------------------------------------------------------------------------
# The new image, locked down as the compose file runs it but with no network, on a copy of the state taken
# now: a dry start of the image's own command on the copy must reach /startupz (the gateway runs its startup
# migrations on the copy), then `openclaw doctor --non-interactive` applies the safe repairs and migrations it
# offers to the same copy; a failure of either fails here, before the real state is touched. Both cost time
# before the cut-over, none during it.
preflight() { # <image> <config file> <work dir> <compose file>
  local image="$1" cfg="$2" w="$3" compose_file="$4" c rc=0 t0 out host
  # The compose file's fixed hostname: the gateway's owner lease in the state names it, and a copy started
  # under another name would wait for (or refuse) the running gateway's lease.
  host="$(awk '/^  gateway:/{g=1; next} g && /^  [^ ]/{g=0} g && /^    hostname:/{print $2; exit}' "$compose_file")"
  [[ "$host" =~ ^[A-Za-z0-9][A-Za-z0-9.-]{0,62}$ ]] || host=openclaw-gateway
  mkdir -p "$w/state"
  cp -a --reflink=auto -- "$STATE_DIR/." "$w/state/"
  chown 1000:1000 "$w/state"
  install -m 0600 -o 1000 -g 1000 "$cfg" "$w/openclaw.json"
  # The files the compose file gives the gateway besides its state and config (the token's directory, env
  # files), read-only: the new version starts as it will at the cut-over, just on the copy and offline.
  local extra=() item src dst
  while IFS=$'\t' read -r item src dst; do
    case "$src" in ./*) src="$CONFIG_DIR/${src#./}" ;; esac
    [[ "$src" == /* && "$src" != *..* ]] || continue
    [ -e "$src" ] || { log "preflight: $src (in compose.yaml) does not exist on this host"; return 1; }
    if [ "$item" = env_file ]; then
      extra+=(--env-file "$src")
    elif [ "$dst" != /home/node/.openclaw ] && [ "$dst" != /etc/openclaw/openclaw.json ]; then
      extra+=(-v "$src:$dst:ro")
    fi
  done < <(compose_gateway_files "$compose_file")
  # shellcheck disable=SC2054 # the commas are inside one --tmpfs value
  local run=("$DOCKER" run --rm --hostname "$host" --network none "${extra[@]}" --read-only --cap-drop ALL --security-opt no-new-privileges:true
    --user 1000:1000 --tmpfs /tmp:rw,noexec,nosuid,nodev,size=64m,mode=1777 --memory 2g --pids-limit 256
    -e HOME=/home/node -e OPENCLAW_STATE_DIR=/home/node/.openclaw -e OPENCLAW_CONFIG_PATH=/etc/openclaw/openclaw.json
    -e OPENCLAW_NO_AUTO_UPDATE=1 -e OPENCLAW_DISABLE_BONJOUR=1 -e DO_NOT_TRACK=1 -e XDG_CACHE_HOME=/tmp/.cache
    -v "$w/state:/home/node/.openclaw" -v "$w/openclaw.json:/etc/openclaw/openclaw.json:ro")
  # The dry start: the image's own command, detached, polled from inside (it has no network to reach).
  # Not --rm: when it exits, its logs say why.
  c="$("$DOCKER" run -d "${run[@]:3}" "$image")" || { log "preflight: the new image does not start"; return 1; }
  t0="$(now)"
  rc=1
  while awk -v s="$(since "$t0")" -v d="$DEADLINE" 'BEGIN{exit !(s < d)}'; do
    if [ "$("$DOCKER" inspect -f '{{.State.Running}}' "$c" 2>/dev/null)" != true ]; then
      log "preflight: the new version exited on the copy of the state: $("$DOCKER" logs --tail 30 "$c" 2>&1 | grep -iE 'error|fail|fatal|invalid|refus' | tail -n 5 | tr '\n' ' ' | head -c 600)"
      break
    fi
    if "$DOCKER" exec "$c" node -e 'fetch("http://127.0.0.1:18789/startupz",{signal:AbortSignal.timeout(3000)}).then(r=>r.json()).then(b=>process.exit(b.status==="started"?0:1)).catch(()=>process.exit(1))' >/dev/null 2>&1; then
      rc=0
      log "preflight: dry start on the copy reached /startupz in $(since "$t0") s"
      break
    fi
    sleep 1
  done
  [ "$rc" = 0 ] || [ "$("$DOCKER" inspect -f '{{.State.Running}}' "$c" 2>/dev/null)" != true ] || log "preflight: no /startupz within ${DEADLINE}s on the copy"
  "$DOCKER" rm -f "$c" >/dev/null 2>&1 || true
  [ "$rc" = 0 ] || return 1
  if ! out="$(timeout 300 "${run[@]}" "$image" openclaw doctor --non-interactive 2>&1)"; then
    log "preflight: openclaw doctor --non-interactive failed on the copy: $(printf '%s' "$out" | tail -n 5 | tr '\n' ' ' | head -c 600)"
    return 1
  fi
  log "preflight: openclaw doctor --non-interactive on the copy: ok"
}

# --- backups ------------------------------------------------------------------------------------------------
BACKUP_ENV="$CONFIG_DIR/backup.env"
backup_enabled() {
  case "$BACKUP_MODE" in
    none) return 1 ;;
    s3) return 0 ;;
    auto) [ -f "$BACKUP_ENV" ] && [ -x "$BACKUP_SCRIPT" ] ;;
  esac
}

# The verified archive, uploaded under the pre-upgrade prefix (kept by the bucket's lifecycle until the next
# upgrade succeeds). Prints the object key.
s3_backup() { # <work dir>
  local w="$1" k v out key pre
  local vars=(OPENCLAW_BACKUP_BUCKET OPENCLAW_BACKUP_PREFIX OPENCLAW_BACKUP_KMS_KEY_ID OPENCLAW_STACK AWS_REGION
    AWS_DEFAULT_REGION OPENCLAW_BACKUP_SOURCE OPENCLAW_BACKUP_STAGING OPENCLAW_COMPOSE_PROJECT OPENCLAW_COMPOSE_FILE
    OPENCLAW_COMPOSE_RUN_SERVICE)
  local envs=()
  for k in "${vars[@]}"; do
    v="${!k:-$(env_get "$BACKUP_ENV" "$k")}"
    # The stack names the prefix in host.env (outside the tiered prefix, so no lifecycle rule ages it out);
    # without it, a pre-upgrade/ folder under the backup prefix.
    if [ "$k" = OPENCLAW_BACKUP_PREFIX ]; then
      pre="$(env_get "$CONFIG_DIR/host.env" OPENCLAW_PRE_UPGRADE_PREFIX)"
      v="${pre:-${v}pre-upgrade/}"
    fi
    [ -n "$v" ] && envs+=("$k=$v")
  done
  # This script holds the host lock; the nested backup takes a private one (a second flock on the same file
  # from a child would wait for us forever).
  mkdir -m 0700 "$w/backup-lock"
  out="$(env "${envs[@]}" OPENCLAW_LOCK_FILE="$w/backup-lock/lock" "$BACKUP_SCRIPT" 2>&1)" ||
    { log "pre-upgrade backup failed: $(printf '%s' "$out" | tail -n 3 | tr '\n' ' ')"; return 1; }
  key="$(printf '%s' "$out" | sed -n 's/.* key=\([^ ]*\) .*/\1/p' | tail -n 1)"
  [ -n "$key" ] || { log "pre-upgrade backup gave no key: $out"; return 1; }
  printf '%s' "$key"
}

ebs_snapshot() { # <release id>: prints the snapshot id, or nothing when the host has no state volume fact
  local vol stack region
  vol="$(env_get "$CONFIG_DIR/host.env" STATE_VOLUME_ID)"
  [ -n "$vol" ] || return 0
  [[ "$vol" =~ ^vol-[0-9a-f]{8,17}$ ]] || { log "host.env STATE_VOLUME_ID=$vol is not a volume id"; return 1; }
  stack="$(env_get "$CONFIG_DIR/host.env" OPENCLAW_STACK)"
  stack="${stack:-$(env_get "$BACKUP_ENV" OPENCLAW_STACK)}"
  region="$(env_get "$CONFIG_DIR/host.env" AWS_REGION)"
  region="${region:-$(env_get "$BACKUP_ENV" AWS_REGION)}"
  "$AWS" ec2 create-snapshot ${region:+--region "$region"} --volume-id "$vol" \
    --description "openclaw pre-upgrade $1" \
    --tag-specifications "ResourceType=snapshot,Tags=[{Key=openclaw:stack,Value=${stack:-unknown}},{Key=openclaw:purpose,Value=pre-upgrade},{Key=openclaw:release,Value=$1}]" \
    --query SnapshotId --output text
}

# --- commands -----------------------------------------------------------------------------------------------
json_str() { jq -Rn --arg v "$1" '$v'; }

status() {
  local cur prev point=null pinned=null
  [ -d "$UP_DIR" ] || { jq -n '{current: null, image: null, previous: null, rollbackPoint: null}'; return 0; }
  cur="$(read_pointer current)"
  prev="$(read_pointer previous)"
  [ -n "$cur" ] && [ -f "$UP_DIR/releases/$cur/pinned" ] && pinned="$(json_str "$(head -n 1 "$UP_DIR/releases/$cur/pinned")")"
  [ -n "$cur" ] && [ -f "$UP_DIR/rollback/$cur/complete" ] && point="$(jq -c . "$UP_DIR/rollback/$cur/meta.json" 2>/dev/null || echo null)"
  jq -n --arg cur "$cur" --arg prev "$prev" --argjson pinned "$pinned" --argjson point "$point" \
    '{current: (if $cur == "" then null else $cur end), image: $pinned,
      previous: (if $prev == "" then null else $prev end), rollbackPoint: $point}'
}

# Installs a stored release's files into the config directory: the pinned compose file, openclaw.json and
# the ingress files it carries; ingress files it does not carry are left as they are.
install_release() { # <release record dir>
  local r="$1" rel
  for rel in openclaw.json Caddyfile tailscale/serve.json; do
    if [ -f "$r/$rel" ]; then
      mkdir -p -- "$(dirname -- "$CONFIG_DIR/$rel")"
      [ ! -L "$CONFIG_DIR/$rel" ] || rm -f -- "$CONFIG_DIR/$rel"
      install -m 0644 -- "$r/$rel" "$CONFIG_DIR/$rel"
    fi
  done
  [ ! -L "$CONFIG_DIR/compose.yaml" ] || rm -f -- "$CONFIG_DIR/compose.yaml"
  install -m 0644 -- "$r/compose.pinned.yaml" "$CONFIG_DIR/compose.yaml" 2>/dev/null ||
    install -m 0644 -- "$r/compose.yaml" "$CONFIG_DIR/compose.yaml"
}

# Back to <release> with the state of <rollback point>; prints the seconds to healthy.
roll_back_to() { # <release id> <rollback point dir>
  local t0
  t0="$(now)"
  gateway_stop || true
  restore_state "$2" || return 1
  install_release "$UP_DIR/releases/$1" || return 1
  gateway_start || return 1
  health_gate "$t0" "$ROLLBACK_DEADLINE" >/dev/null || return 1
  since "$t0"
}

apply() {
  local src="" id cur rec pinned image_id ref w t0 t_cut down point key="" snap="" rb
  while [ $# -gt 0 ]; do
    case "$1" in
      --release) [ $# -ge 2 ] || refuse "--release needs a directory"; src="$2"; shift 2 ;;
      *) refuse "apply: unknown argument \"$(printf '%s' "$1" | head -c 80)\"" ;;
    esac
  done
  validate_release "$src"
  host_lock upgrade.sh 1800
  # Validated again under the lock: the directory may have changed while we waited.
  validate_release "$src"
  mkdir -p "$UP_DIR"
  mkdir -p "$UP_DIR/releases" "$UP_DIR/rollback" "$UP_DIR/work"
  chmod 0700 "$UP_DIR"
  real_dir "$UP_DIR" "upgrade directory"
  real_dir "$STATE_DIR" "state directory"
  cur="$(read_pointer current)"
  if [ -z "$cur" ]; then adopt_running; cur="$(read_pointer current)"; fi
  real_dir "$UP_DIR/releases/$cur" "current release"

  w="$(mktemp -d "$UP_DIR/work/apply.XXXXXX")"
  # shellcheck disable=SC2064 # the path is fixed now
  trap "rm -rf -- '$w'" EXIT
  store_release "$src" "$w/release"
  id="$(new_release_id "$w/release")"
  rec="$UP_DIR/releases/$id"
  ref="$(head -n 1 "$w/release/image")"
  log "release $id: image $ref (current $cur)"

  # (b) pull and pin first: a missing image or registry trouble fails before anything else happens.
  read -r pinned image_id < <(pull_and_pin "$ref") || refuse "cannot pull $ref"
  [ -n "${image_id:-}" ] || refuse "cannot pull or find $ref"
  pin_compose "$w/release/compose.yaml" "$ref" "$pinned" "$w/release/compose.pinned.yaml"
  printf '%s\n' "$pinned" >"$w/release/pinned"
  printf '%s\n' "$image_id" >"$w/release/pinned-id"
  log "pinned $pinned"
  if [ "$RUNNER" = compose ]; then
    cp "$w/release/compose.pinned.yaml" "$w/check.yaml"
    "${COMPOSE_CMD[@]}" -p "$PROJECT" --project-directory "$CONFIG_DIR" -f "$w/check.yaml" config -q >/dev/null 2>"$w/compose.err" ||
      refuse "release compose.yaml is not valid: $(head -c 300 "$w/compose.err")"
  fi

  # (a) backups: the verified archive (S3 on AWS) and the volume snapshot.
  if backup_enabled; then
    key="$(s3_backup "$w")" || die "pre-upgrade backup failed; nothing changed" 3
    log "pre-upgrade backup s3 key $key"
  fi
  snap="$(ebs_snapshot "$id")" || die "EBS snapshot of the state volume failed; nothing changed" 3
  [ -z "$snap" ] || log "pre-upgrade snapshot $snap"

  # (c) preflight on a copy.
  if [ "$PREFLIGHT" = 1 ]; then
    if ! preflight "$pinned" "$w/release/openclaw.json" "$w/preflight" "$w/release/compose.yaml"; then
      rm -rf -- "$w/preflight"
      log "preflight failed: the running release $cur was not touched"
      exit 3
    fi
    rm -rf -- "$w/preflight"
  fi

  # (d) cut over: stop, the cold copy of the state (the rollback point), new files, start.
  mv -- "$w/release" "$rec.tmp" && rm -rf -- "$rec" && mv -- "$rec.tmp" "$rec"
  point="$UP_DIR/rollback/$id"
  t_cut="$(now)"
  gateway_stop || log "stopping the gateway reported an error; continuing"
  copy_tree "$STATE_DIR" "$point/state" || die "copying the state to $point failed; the gateway is stopped on release $cur" 1
  jq -n --arg id "$id" --arg from "$cur" --arg at "$(date -u +%Y-%m-%dT%H:%M:%SZ)" --arg key "$key" --arg snap "$snap" \
    '{release: $id, previous: $from, takenAt: $at, s3Key: (if $key == "" then null else $key end),
      snapshot: (if $snap == "" then null else $snap end)}' >"$point/meta.json"
  touch "$point/complete"
  install_release "$rec"
  t0="$(now)"
  if gateway_start && health_gate "$t0" "$DEADLINE" >/dev/null; then
    down="$(since "$t_cut")"
    # (e) committed: pointers, then drop what the next upgrade no longer needs.
    write_pointer previous "$cur"
    write_pointer current "$id"
    prune "$id" "$cur"
    log "upgraded $cur -> $id ($pinned); downtime ${down} s"
    printf 'downtime_s=%s\n' "$down"
    return 0
  fi
  # (f) roll back: the previous release and the state as it was before the cut-over.
  log "release $id failed its health gate; rolling back to $cur with the pre-upgrade state"
  "$DOCKER" logs --tail 5 "$(running_image_container || true)" 2>/dev/null | sed 's/^/  new gateway: /' >&2 || true
  if rb="$(roll_back_to "$cur" "$point")"; then
    rm -rf -- "$point"
    rm -rf -- "$rec"
    log "rolled back to $cur in ${rb} s (state restored)"
    printf 'rollback_s=%s\n' "$rb"
    exit 3
  fi
  log "ROLLBACK FAILED: the gateway is not healthy on $cur; the pre-upgrade state is kept at $point"
  exit 1
}

running_image_container() {
  if [ "$RUNNER" = compose ]; then compose ps -q gateway 2>/dev/null | head -n 1; else
    "$DOCKER" ps -aq --filter "label=com.docker.compose.project=$PROJECT" --filter label=com.docker.compose.service=gateway | head -n 1
  fi
}

# Keeps the rollback point of the current release and the records it and its previous one need; older
# rollback points, releases and the previous pre-upgrade archive in S3 go.
prune() { # <current> <previous>
  local d base old_key bucket
  for d in "$UP_DIR"/rollback/*/; do
    base="$(basename -- "$d")"
    [ "$base" = "$1" ] && continue
    old_key="$(jq -r '.s3Key // empty' "$d/meta.json" 2>/dev/null || true)"
    bucket="${OPENCLAW_BACKUP_BUCKET:-$(env_get "$BACKUP_ENV" OPENCLAW_BACKUP_BUCKET)}"
    if [ -n "$old_key" ] && [ -n "$bucket" ] && [[ "$old_key" == pre-upgrade/* || "$old_key" == */pre-upgrade/* ]]; then
      { "$AWS" s3 rm --only-show-errors "s3://$bucket/$old_key" >/dev/null 2>&1 &&
        "$AWS" s3 rm --only-show-errors "s3://$bucket/$old_key.sha256" >/dev/null 2>&1; } ||
        log "note: could not delete the previous pre-upgrade archive s3://$bucket/$old_key (the lifecycle keeps it)"
    fi
    rm -rf -- "$d"
  done
  for d in "$UP_DIR"/releases/*/; do
    base="$(basename -- "$d")"
    [ "$base" = "$1" ] || [ "$base" = "$2" ] || rm -rf -- "$d"
  done
}

rollback() {
  local cur prev point rb
  [ $# -eq 0 ] || refuse "rollback takes no arguments"
  host_lock upgrade.sh 1800
  real_dir "$UP_DIR" "upgrade directory"
  cur="$(read_pointer current)"
  prev="$(read_pointer previous)"
  point="$UP_DIR/rollback/$cur"
  { [ -n "$cur" ] && [ -n "$prev" ] && [ -f "$point/complete" ]; } || refuse "no completed upgrade to roll back (status: $(status | jq -c .))"
  real_dir "$UP_DIR/releases/$prev" "previous release"
  log "rolling back $cur -> $prev with the state from before $cur started"
  if rb="$(roll_back_to "$prev" "$point")"; then
    write_pointer current "$prev"
    write_pointer previous ""
    rm -rf -- "$point"
    log "rolled back to $prev in ${rb} s"
    printf 'rollback_s=%s\n' "$rb"
    return 0
  fi
  log "ROLLBACK FAILED: the gateway is not healthy on $prev; the state of $point is kept"
  exit 1
}

cmd="${1:-}"
[ $# -gt 0 ] && shift
case "$cmd" in
  apply) apply "$@" ;;
  rollback) rollback "$@" ;;
  status) status ;;
  *) refuse "usage: upgrade.sh apply --release <dir> | rollback | status" ;;
esac
