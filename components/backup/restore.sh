#!/usr/bin/env bash
# openclaw-restore: list, fetch and restore the backups written by backup.sh. Runbook: docs/restore.md.
#
#   restore.sh list                               backups under the stack's prefix, oldest first
#   restore.sh fetch <key|latest> [dir]           download archive + manifest into dir and verify the checksum
#   restore.sh restore <key|latest> [--force]     fetch, verify, stop the gateway, restore into a fresh staging
#                                                 directory, swap it in (old state kept as
#                                                 <state>.pre-restore-<ts>), start, check health
#
# Reads /etc/openclaw/backup.env when present (the same settings as backup.sh), then the environment:
#   OPENCLAW_BACKUP_BUCKET, OPENCLAW_BACKUP_PREFIX, AWS_REGION    where the backups are
#   OPENCLAW_STATE_DIR        live state on the host (default /var/lib/openclaw/state)
#   OPENCLAW_BACKUP_SOURCE    "container" (default): `openclaw backup restore` in a one-off gateway container;
#                             "dir:<path>": verified tar extraction (CI; the archive layout is the same)
#   OPENCLAW_GATEWAY_CONTROL  "systemd" (default): systemctl stop/start openclaw-gateway; "none" (CI)
#   OPENCLAW_HEALTH_URL       default http://127.0.0.1:18789/healthz; body must say "status":"live"
#   OPENCLAW_HEALTH_TIMEOUT   seconds to wait for health (default 180)
#   OPENCLAW_LOCK_FILE / OPENCLAW_LOCK_TIMEOUT   the lock shared with backup.sh and reload-token.sh
#                             (default /run/openclaw-lock/host.lock, wait up to 600 s)
#
# Runs as root on what an archive and a one-off container produced: nothing it chowns, chmods or moves into
# place may be a link, and everything must resolve inside the restore's own scratch directory.
set -euo pipefail

ENV_FILE="${OPENCLAW_BACKUP_ENV_FILE:-/etc/openclaw/backup.env}"
if [ -r "$ENV_FILE" ]; then
  set -a
  # shellcheck source=/dev/null
  . "$ENV_FILE"
  set +a
fi

log() { printf 'openclaw-restore: %s\n' "$*"; }
die() { printf 'openclaw-restore: FAILED: %s\n' "$*" >&2; exit 1; }
refuse() { printf 'openclaw-restore: REFUSED: %s\n' "$*" >&2; exit 3; }
usage() { sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }

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

need() {
  local name
  for name in "$@"; do
    [ -n "${!name:-}" ] || die "environment variable $name is not set (set it or run on the host, which has $ENV_FILE)"
  done
}

AWS="${AWS_CLI:-aws}"
STATE_DIR="${OPENCLAW_STATE_DIR:-/var/lib/openclaw/state}"
SOURCE="${OPENCLAW_BACKUP_SOURCE:-container}"
CONTROL="${OPENCLAW_GATEWAY_CONTROL:-systemd}"
HEALTH_URL="${OPENCLAW_HEALTH_URL:-http://127.0.0.1:18789/healthz}"
HEALTH_TIMEOUT="${OPENCLAW_HEALTH_TIMEOUT:-180}"
PROJECT="${OPENCLAW_COMPOSE_PROJECT:-openclaw}"
COMPOSE_FILE="${OPENCLAW_COMPOSE_FILE:-/etc/openclaw/compose.yaml}"
SERVICE="${OPENCLAW_COMPOSE_SERVICE:-gateway}"
# One-off jobs run in the compose file's network-less copy of the gateway service (render-compose.ts).
RUN_SERVICE="${OPENCLAW_COMPOSE_RUN_SERVICE:-backup}"

# Prints "<date> <time> <bytes> <key>" per archive, oldest first (keys sort by date, then host).
list_backups() {
  need OPENCLAW_BACKUP_BUCKET OPENCLAW_BACKUP_PREFIX
  "$AWS" s3 ls --recursive "s3://$OPENCLAW_BACKUP_BUCKET/$OPENCLAW_BACKUP_PREFIX" | awk '$4 ~ /\.tar\.gz$/' | sort -k1,2
}

resolve_key() {
  local key="$1"
  if [ "$key" = "latest" ]; then
    key="$(list_backups | tail -n 1 | awk '{print $4}')"
    [ -n "$key" ] || die "no backups under s3://$OPENCLAW_BACKUP_BUCKET/$OPENCLAW_BACKUP_PREFIX"
  fi
  case "$key" in
    "$OPENCLAW_BACKUP_PREFIX"*.tar.gz) ;;
    *) die "key $key is not an archive under $OPENCLAW_BACKUP_PREFIX (see: restore.sh list)" ;;
  esac
  printf '%s\n' "$key"
}

# Downloads <key> and <key>.sha256 into <dir>; refuses (exit 3) unless the archive's SHA-256 matches.
fetch_verified() {
  local key="$1" dir="$2" name expected actual
  need OPENCLAW_BACKUP_BUCKET OPENCLAW_BACKUP_PREFIX
  name="$(basename "$key")"
  mkdir -p "$dir"
  "$AWS" s3 cp --only-show-errors "s3://$OPENCLAW_BACKUP_BUCKET/$key" "$dir/$name" || die "cannot download s3://$OPENCLAW_BACKUP_BUCKET/$key"
  "$AWS" s3 cp --only-show-errors "s3://$OPENCLAW_BACKUP_BUCKET/$key.sha256" "$dir/$name.sha256" \
    || refuse "$key has no checksum manifest ($key.sha256): its upload may not have completed; pick another backup (restore.sh list)"
  expected="$(awk 'NR==1 {print $1}' "$dir/$name.sha256")"
  actual="$(sha256sum "$dir/$name" | awk '{print $1}')"
  if [ "$expected" != "$actual" ] || [ -z "$expected" ]; then
    rm -f -- "$dir/$name"
    refuse "checksum mismatch for $key: manifest says sha256=$expected, downloaded archive is sha256=$actual. The archive is corrupt or was altered; nothing was changed. Pick another backup (restore.sh list)."
  fi
  log "verified sha256=$actual $key"
}

# Extract into a fresh <target>: openclaw's own restore (verifies the archive and its SQLite snapshots), or in
# dir mode a tar extraction that first rejects absolute paths, '..' and links leaving the archive.
restore_into() {
  local archive="$1" target="$2"
  case "$SOURCE" in
    container)
      local box name
      # The container (uid 1000) writes only into its own box inside the root-only scratch directory; the
      # scratch directory itself, the downloaded archive and its checksum stay root's.
      box="$(dirname "$target")"
      name="$(basename "$archive")"
      install -d -m 0700 -o 1000 -g 1000 "$box"
      # Root's verified download moves in (no second copy of a large archive); nothing runs in the box yet.
      mv -- "$archive" "$box/$name"
      chown -h 1000:1000 "$box/$name"
      chmod 0600 "$box/$name"
      # TMPDIR on the bind mount: verification reserves 256 MiB, more than the container's /tmp tmpfs holds.
      docker compose -p "$PROJECT" -f "$COMPOSE_FILE" run --rm --no-deps -T -v "$box:/restore" -e TMPDIR=/restore "$RUN_SERVICE" \
        openclaw backup restore "/restore/$name" --target "/restore/$(basename "$target")" --json >/dev/null \
        || die "openclaw backup restore refused $name (see above); the live state is unchanged"
      ;;
    dir:*)
      if tar -tzf "$archive" | grep -Eq '^/|(^|/)\.\.(/|$)' || tar -tzvf "$archive" | grep -E '^[lh]' | grep -Eq '( -> | link to )(/|(.*/)?\.\.(/|$))'; then
        refuse "$(basename "$archive") contains absolute paths, '..' or links leaving the archive; the live state is unchanged"
      fi
      mkdir "$target"
      tar -C "$target" -xzpf "$archive" || die "extraction of $(basename "$archive") failed; the live state is unchanged"
      ;;
    *) die "OPENCLAW_BACKUP_SOURCE=$SOURCE: use \"container\" or \"dir:<path>\"" ;;
  esac
}

# The state asset inside a restored tree, from the archive's own manifest (never guessed from file names).
# The tree was written by the archive or the one-off container (gone by now, so nothing changes under these
# checks): the asset and every directory on the way to it must be real directories inside <target>, else
# the chown, chmod and rename below would act on a host directory a link points at.
state_asset() {
  local target="$1" manifest rel root path part real
  local -a parts
  { [ -d "$target" ] && [ ! -L "$target" ]; } || refuse "the restored tree $target is not a directory (a link?); the live state is unchanged"
  root="$(realpath -e -- "$target")"
  manifest="$(find "$target" -mindepth 2 -maxdepth 2 -type f -name manifest.json | head -n 1)"
  [ -n "$manifest" ] || die "restored archive has no <root>/manifest.json"
  rel="$(jq -r '[.assets[] | select(.kind == "state")][0].archivePath // empty' "$manifest")"
  [ -n "$rel" ] || die "manifest $manifest lists no state asset"
  case "$rel" in /* | *..*) die "manifest state path $rel is not relative to the archive" ;; esac
  path="$target"
  IFS=/ read -r -a parts <<<"$rel"
  for part in "${parts[@]}"; do
    if [ -z "$part" ] || [ "$part" = . ]; then continue; fi
    path="$path/$part"
    [ ! -L "$path" ] || refuse "$path in the restored tree is a symbolic link ($(readlink -- "$path")); the archive or the restore container tried to redirect the restore outside it. The live state is unchanged."
  done
  [ -d "$path" ] || die "state asset $rel is missing from the restored tree"
  real="$(realpath -e -- "$path")"
  case "$real" in "$root"/*) ;; *) refuse "state asset $rel resolves to $real, outside the restored tree; the live state is unchanged" ;; esac
  printf '%s\n' "$path"
}

gateway() {
  [ "$CONTROL" = "systemd" ] || { log "gateway $1 skipped (OPENCLAW_GATEWAY_CONTROL=$CONTROL)"; return 0; }
  systemctl "$1" openclaw-gateway.service
}

health_body() {
  curl -fsS --max-time 5 "$HEALTH_URL" 2>/dev/null && return 0
  # The port is not published on every ingress: ask from inside the container, like its health check does.
  [ "$SOURCE" = "container" ] || return 1
  docker compose -p "$PROJECT" -f "$COMPOSE_FILE" exec -T "$SERVICE" \
    node -e "fetch('http://127.0.0.1:18789/healthz').then(r=>r.text()).then(t=>process.stdout.write(t))" 2>/dev/null
}

check_health() {
  local deadline=$((SECONDS + HEALTH_TIMEOUT)) body=""
  while [ "$SECONDS" -lt "$deadline" ]; do
    body="$(health_body || true)"
    case "$body" in *'"status":"live"'*) log "health ok: $body"; return 0 ;; esac
    sleep 3
  done
  return 1
}

# Set by cmd_restore; on_exit reads them so a failure never leaves scratch files or a stopped gateway behind.
work=""
previous=""
stopped=0
on_exit() {
  local rc=$?
  [ -z "$work" ] || rm -rf -- "$work"
  if [ "$stopped" -eq 1 ]; then
    log "restore did not complete: starting the gateway again on its unchanged state"
    gateway start || true
  fi
  exit "$rc"
}

cmd_restore() {
  local key="" force=0 arg ts parent staged asset
  for arg in "$@"; do
    case "$arg" in
      --force) force=1 ;;
      -*) usage ;;
      *) key="$arg" ;;
    esac
  done
  [ -n "$key" ] || usage
  need OPENCLAW_BACKUP_BUCKET OPENCLAW_BACKUP_PREFIX
  # A backup or a token reload in the middle of the swap would archive or start the wrong directory.
  host_lock "restore.sh restore" 600
  if [ -L "$STATE_DIR" ]; then
    refuse "$STATE_DIR is a symbolic link (to $(readlink -- "$STATE_DIR")): the gateway would mount whatever it points at. Replace it with a real directory first."
  fi
  if [ -d "$STATE_DIR" ] && [ -n "$(ls -A "$STATE_DIR")" ] && [ "$force" -ne 1 ]; then
    refuse "live state $STATE_DIR is not empty ($(find "$STATE_DIR" -mindepth 1 | wc -l) entries). Re-run with --force to replace it; the current state is then kept as $STATE_DIR.pre-restore-<timestamp>."
  fi
  key="$(resolve_key "$key")"
  ts="$(date -u +%Y%m%dT%H%M%SZ)"
  parent="$(dirname "$STATE_DIR")"
  # On the same file system as the state, so the swap is a rename, not a copy.
  work="$parent/.restore-$ts"
  mkdir -m 0700 "$work"
  trap on_exit EXIT
  fetch_verified "$key" "$work"
  gateway stop
  stopped=1
  case "$SOURCE" in
    container) staged="$work/box/staged" ;;
    *) staged="$work/staged" ;;
  esac
  restore_into "$work/$(basename "$key")" "$staged"
  asset="$(state_asset "$staged")"
  if [ -d "$STATE_DIR" ]; then
    previous="$STATE_DIR.pre-restore-$ts"
    # state_asset checked that $asset is a real directory inside the scratch tree; -h all the same.
    chown -h -- "$(stat -c %u:%g -- "$STATE_DIR")" "$asset"
    chmod -- "$(stat -c %a -- "$STATE_DIR")" "$asset"
    mv -T -- "$STATE_DIR" "$previous"
  fi
  if ! mv -T -- "$asset" "$STATE_DIR"; then
    [ -n "$previous" ] && mv -T -- "$previous" "$STATE_DIR"
    die "could not move the restored state into place; the previous state is back at $STATE_DIR"
  fi
  log "state restored from $key into $STATE_DIR${previous:+ (previous state kept at $previous)}"
  stopped=0
  gateway start
  if [ "$CONTROL" = "systemd" ] || [ -n "${OPENCLAW_HEALTH_URL:-}" ]; then
    check_health || die "gateway not healthy after ${HEALTH_TIMEOUT}s at $HEALTH_URL. Roll back: systemctl stop openclaw-gateway && mv $STATE_DIR $STATE_DIR.failed-$ts && mv $previous $STATE_DIR && systemctl start openclaw-gateway"
  fi
  log "ok key=$key state=$STATE_DIR"
}

main() {
  [ "$#" -ge 1 ] || usage
  local cmd="$1"
  shift
  case "$cmd" in
    list) list_backups ;;
    fetch)
      [ "$#" -ge 1 ] || usage
      local key
      key="$(resolve_key "$1")"
      fetch_verified "$key" "${2:-.}"
      ;;
    restore) cmd_restore "$@" ;;
    *) usage ;;
  esac
}

main "$@"
