#!/usr/bin/env bash
# openclaw-backup: make a verified archive of the gateway's state, upload it with its SHA-256 manifest to
# s3://$OPENCLAW_BACKUP_BUCKET/$OPENCLAW_BACKUP_PREFIX<YYYY>/<MM>/<DD>/<host>-<timestamp>.tar.gz, then record
# success (a log line and the CloudWatch metric OpenClaw/Backup BackupSucceeded=1, dimension Stack).
#
# Everything comes from the environment (set by openclaw-backup.service from /etc/openclaw/backup.env), so
# the same script runs in CI against an S3 emulator (AWS_ENDPOINT_URL) with OPENCLAW_BACKUP_SOURCE=dir:<path>.
#
#   OPENCLAW_BACKUP_BUCKET       bucket name (required)
#   OPENCLAW_BACKUP_PREFIX       "<stack>/" (required; the instance role may write nowhere else)
#   OPENCLAW_BACKUP_KMS_KEY_ID   KMS key ARN sent with every upload (required; the bucket policy checks it)
#   OPENCLAW_STACK               stack name, the metric's Stack dimension (required)
#   AWS_REGION                   region (required)
#   OPENCLAW_BACKUP_SOURCE       "container" (default): `openclaw backup create --verify` in a one-off
#                                container of the gateway service; "dir:<path>": tar of <path>, SQLite files
#                                copied with sqlite3's online .backup (CI, or a host without the container)
#   OPENCLAW_BACKUP_STAGING      scratch dir for the archive (default /var/lib/openclaw/backup-staging)
#   OPENCLAW_COMPOSE_PROJECT / OPENCLAW_COMPOSE_FILE / OPENCLAW_COMPOSE_RUN_SERVICE
#                                default openclaw / /etc/openclaw/compose.yaml / gateway
#   OPENCLAW_BACKUP_METRIC       "cloudwatch" (default) or "none"
#   OPENCLAW_BACKUP_HOST         host part of the key (default: hostname -s)
#   OPENCLAW_LOCK_FILE / OPENCLAW_LOCK_TIMEOUT
#                                the lock shared with restore.sh and reload-token.sh (default
#                                /run/openclaw-lock/host.lock, wait up to 1800 s)
set -euo pipefail

log() { printf 'openclaw-backup: %s\n' "$*"; }
die() { printf 'openclaw-backup: FAILED: %s\n' "$*" >&2; exit 1; }

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
    [ -n "${!name:-}" ] || die "environment variable $name is not set (it comes from /etc/openclaw/backup.env)"
  done
}

need OPENCLAW_BACKUP_BUCKET OPENCLAW_BACKUP_PREFIX OPENCLAW_BACKUP_KMS_KEY_ID OPENCLAW_STACK AWS_REGION
case "$OPENCLAW_BACKUP_PREFIX" in
  */) ;;
  *) die "OPENCLAW_BACKUP_PREFIX=$OPENCLAW_BACKUP_PREFIX must end with '/' (it is \"<stack>/\")" ;;
esac

SOURCE="${OPENCLAW_BACKUP_SOURCE:-container}"
STAGING="${OPENCLAW_BACKUP_STAGING:-/var/lib/openclaw/backup-staging}"
PROJECT="${OPENCLAW_COMPOSE_PROJECT:-openclaw}"
COMPOSE_FILE="${OPENCLAW_COMPOSE_FILE:-/etc/openclaw/compose.yaml}"
# One-off jobs run in the compose file's network-less copy of the gateway service (render-compose.ts).
RUN_SERVICE="${OPENCLAW_COMPOSE_RUN_SERVICE:-backup}"
METRIC="${OPENCLAW_BACKUP_METRIC:-cloudwatch}"
HOST="${OPENCLAW_BACKUP_HOST:-$(hostname -s)}"
AWS="${AWS_CLI:-aws}"

STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
NAME="${HOST}-${STAMP}.tar.gz"
KEY="${OPENCLAW_BACKUP_PREFIX}$(date -u +%Y/%m/%d)/${NAME}"

# A restore or a token reload stops and starts the gateway: never archive in the middle of one.
host_lock backup.sh 1800

{ [ -d "$STAGING" ] && [ ! -L "$STAGING" ]; } || die "staging directory $STAGING does not exist or is a symbolic link"
WORK="$(mktemp -d "$STAGING/run.XXXXXX")"
CLEAN_CONTAINER_OUT=""
cleanup() { rm -rf -- "$WORK" ${CLEAN_CONTAINER_OUT:+"$CLEAN_CONTAINER_OUT"}; }
trap cleanup EXIT

# The gateway's own command: it snapshots SQLite with the online backup API and verifies the archive. It runs
# in a one-off container of the gateway service (same image, user, state volume and config) rather than via
# `exec` in the running one: the running container's /tmp is a small tmpfs (64 MiB by default) that a real
# archive outgrows, and a one-off container also works while the gateway is stopped.
archive_from_container() {
  local out="$1" dir="$STAGING/container-out"
  # Made by the unit's ExecStartPre (owned by the container's uid 1000, mode 0700), so this script needs no
  # CAP_CHOWN: only CAP_DAC_OVERRIDE, to read and remove the 0600 archive the container writes there.
  { [ -d "$dir" ] && [ ! -L "$dir" ]; } || die "$dir does not exist or is a symbolic link (openclaw-backup.service creates it, owned by uid 1000)"
  rm -f -- "$dir/$NAME"
  CLEAN_CONTAINER_OUT="$dir/$NAME"
  # TMPDIR on the bind mount: --verify reserves 256 MiB, more than the container's /tmp tmpfs holds.
  docker compose -p "$PROJECT" -f "$COMPOSE_FILE" run --rm --no-deps -T \
    -v "$dir:/backup-out" -e TMPDIR=/backup-out "$RUN_SERVICE" \
    openclaw backup create --verify --json --output "/backup-out/$NAME" >"$WORK/create.json" \
    || die "openclaw backup create --verify failed (see the output above)"
  # Whatever the container left in its directory is untrusted: a link there would make this root script read
  # and upload any file on the host. The container has exited, so a copy that does not follow links (-P) into
  # the root-only work directory, checked there, is what gets hashed and uploaded.
  [ -e "$dir/$NAME" ] || [ -L "$dir/$NAME" ] || die "openclaw backup create reported success but $dir/$NAME is missing"
  cp -P -- "$dir/$NAME" "$out"
  if [ -L "$out" ] || [ ! -f "$out" ]; then
    die "$dir/$NAME, written by the container, is not a regular file (a symbolic link or special file); refusing to read through it"
  fi
  [ -s "$out" ] || die "openclaw backup create reported success but $dir/$NAME is empty"
}

# CI and fallback: the same archive layout as openclaw's (<root>/manifest.json, <root>/payload/posix/<abs>)
# so restore.sh handles both kinds alike. Live SQLite files are never copied byte-wise: sqlite3's .backup
# takes a consistent snapshot while writers keep going; their -wal/-shm/-journal sidecars are left out.
archive_from_dir() {
  local src="$1" out="$2" root abs db rel
  [ -d "$src" ] || die "OPENCLAW_BACKUP_SOURCE directory $src does not exist"
  command -v sqlite3 >/dev/null || die "sqlite3 is required for OPENCLAW_BACKUP_SOURCE=dir:"
  abs="$(cd "$src" && pwd -P)"
  root="${STAMP}-openclaw-backup"
  local payload="$WORK/tree/$root/payload/posix${abs}"
  mkdir -p "$payload"
  tar -C "$abs" --exclude='*.sqlite' --exclude='*.sqlite-wal' --exclude='*.sqlite-shm' --exclude='*.sqlite-journal' \
    --exclude='*.db' --exclude='*.db-wal' --exclude='*.db-shm' --exclude='*.db-journal' -cf - . | tar -C "$payload" -xpf -
  while IFS= read -r -d '' db; do
    rel="${db#"$abs"/}"
    mkdir -p "$(dirname "$payload/$rel")"
    sqlite3 "$db" ".timeout 10000" ".backup '$payload/$rel'" || die "sqlite3 .backup of $db failed"
    [ "$(sqlite3 "$payload/$rel" 'PRAGMA integrity_check;')" = "ok" ] || die "snapshot of $db fails integrity_check"
    chown --reference="$db" "$payload/$rel"
    chmod --reference="$db" "$payload/$rel"
  done < <(find "$abs" -type f \( -name '*.sqlite' -o -name '*.db' \) -print0)
  jq -n --arg root "$root" --arg src "$abs" --arg path "$root/payload/posix$abs" --arg at "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
    '{schemaVersion: 1, createdAt: $at, archiveRoot: $root, producer: "openclaw-backup dir mode",
      assets: [{kind: "state", sourcePath: $src, archivePath: $path}]}' >"$WORK/tree/$root/manifest.json"
  tar -C "$WORK/tree" -czf "$out" "$root"
}

create_archive() {
  local out="$1"
  case "$SOURCE" in
    container) archive_from_container "$out" ;;
    dir:*) archive_from_dir "${SOURCE#dir:}" "$out" ;;
    *) die "OPENCLAW_BACKUP_SOURCE=$SOURCE: use \"container\" or \"dir:<path>\"" ;;
  esac
}

upload() {
  "$AWS" s3 cp --only-show-errors --sse aws:kms --sse-kms-key-id "$OPENCLAW_BACKUP_KMS_KEY_ID" "$1" "s3://$OPENCLAW_BACKUP_BUCKET/$2"
}

ARCHIVE="$WORK/$NAME"
create_archive "$ARCHIVE"
# A truncated or foreign file must fail the backup here, not be recorded as a success and found at restore time.
gzip -t -- "$ARCHIVE" 2>"$WORK/gzip.err" || die "$NAME is not a valid gzip file: $(head -c 300 "$WORK/gzip.err")"
tar -tzf "$ARCHIVE" >"$WORK/list" 2>"$WORK/tar.err" || die "$NAME is not a readable tar archive: $(head -c 300 "$WORK/tar.err")"
BYTES="$(stat -c %s -- "$ARCHIVE")"
# grep -c exits 1 when it counts 0; the count is still printed.
FILES="$(grep -vc '/$' "$WORK/list" || true)"
[ "$FILES" -gt 0 ] || die "$NAME holds no files"
# sha256sum format, so `sha256sum -c` works on a downloaded pair; restore.sh compares the hash only.
(cd "$WORK" && sha256sum "$NAME" >"$NAME.sha256")

# The archive goes first: a manifest in the bucket means its archive was uploaded completely.
upload "$ARCHIVE" "$KEY"
upload "$WORK/$NAME.sha256" "$KEY.sha256"

if [ "$METRIC" = "cloudwatch" ]; then
  "$AWS" cloudwatch put-metric-data --namespace OpenClaw/Backup \
    --metric-data "MetricName=BackupSucceeded,Value=1,Unit=Count,Dimensions=[{Name=Stack,Value=$OPENCLAW_STACK}]" \
    "MetricName=BackupBytes,Value=$BYTES,Unit=Bytes,Dimensions=[{Name=Stack,Value=$OPENCLAW_STACK}]" \
    || die "backup uploaded to s3://$OPENCLAW_BACKUP_BUCKET/$KEY but the success metric could not be recorded"
fi
log "ok bytes=$BYTES files=$FILES key=$KEY sha256=$(cut -d' ' -f1 "$WORK/$NAME.sha256")"
