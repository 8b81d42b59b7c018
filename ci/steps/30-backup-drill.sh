#!/usr/bin/env bash
# Backup-then-restore drill against a real S3 API on loopback (moto in server mode) with the real AWS CLI,
# running the exact scripts the VM runs (components/backup/{backup,restore}.sh) in their dir mode:
#   1. a state directory with files and SQLite databases, one of them written to by a background loop;
#   2. backup.sh -> archive + SHA-256 manifest uploaded with SSE-KMS, success metric recorded;
#   3. restore.sh into an empty directory -> every file's checksum compared, SQLite checked by
#      integrity_check, a dump of the static table and the row count of the busy one;
#   4. restore over non-empty data without --force is refused; with --force the old state is kept aside;
#   5. a corrupted copy of the archive is refused with a clear message and the live state is untouched.
set -euo pipefail

REPO="$(cd "$(dirname "$0")/../.." && pwd)"
CACHE="${OPENCLAW_CI_CACHE:-$HOME/.cache/openclaw-ci}"
VENV="$CACHE/venv"
MOTO_VERSION=5.2.5
AWSCLI_VERSION=1.46.3

say() { printf 'backup drill: %s\n' "$*"; }
fail() { printf 'backup drill: FAIL: %s\n' "$*" >&2; exit 1; }

T0=$SECONDS
missing=()
for bin in sqlite3 jq curl; do command -v "$bin" >/dev/null || missing+=("$bin"); done
if [ "${#missing[@]}" -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null
fi
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
if ! "$VENV/bin/pip" freeze 2>/dev/null | grep -qx "moto==$MOTO_VERSION" || ! "$VENV/bin/pip" freeze | grep -qx "awscli==$AWSCLI_VERSION"; then
  "$VENV/bin/pip" install -q "moto[server]==$MOTO_VERSION" "awscli==$AWSCLI_VERSION"
fi
export PATH="$VENV/bin:$PATH"

TMP="$(mktemp -d /tmp/openclaw-backup-drill.XXXXXX)"
PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf -- "$TMP"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# --- the emulator -------------------------------------------------------------------------------------
PORT="$(free_port)"
moto_server -H 127.0.0.1 -p "$PORT" >"$TMP/moto.log" 2>&1 &
PIDS+=($!)
export AWS_ACCESS_KEY_ID=drill AWS_SECRET_ACCESS_KEY=drill AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
export AWS_ENDPOINT_URL="http://127.0.0.1:$PORT" AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
for _ in $(seq 1 100); do curl -fsS -o /dev/null "$AWS_ENDPOINT_URL/moto-api/" 2>/dev/null && break; sleep 0.1; done
curl -fsS -o /dev/null "$AWS_ENDPOINT_URL/moto-api/" || fail "moto_server did not start on 127.0.0.1:$PORT ($(tail -n 5 "$TMP/moto.log"))"

BUCKET=openclaw-backup-drill
KEY_ARN="$(aws kms create-key --description "backup drill" --query KeyMetadata.Arn --output text)"
aws s3api create-bucket --bucket "$BUCKET" >/dev/null
aws s3api put-bucket-versioning --bucket "$BUCKET" --versioning-configuration Status=Enabled
aws s3api put-bucket-encryption --bucket "$BUCKET" --server-side-encryption-configuration \
  "{\"Rules\":[{\"ApplyServerSideEncryptionByDefault\":{\"SSEAlgorithm\":\"aws:kms\",\"KMSMasterKeyID\":\"$KEY_ARN\"},\"BucketKeyEnabled\":true}]}"

# --- a state directory with a database being written to -------------------------------------------------
STATE="$TMP/live/state"
mkdir -p "$STATE/agents/main/agent" "$STATE/workspace/notes" "$STATE/credentials" "$STATE/state"
echo '{"gateway":{"mode":"local","bind":"lan"}}' >"$STATE/openclaw.json"
for i in $(seq 1 40); do printf 'note %s\n%s\n' "$i" "$(head -c 300 /dev/urandom | base64 -w0)" >"$STATE/workspace/notes/note-$i.md"; done
head -c 2097152 /dev/urandom >"$STATE/workspace/blob.bin"
echo 'token placeholder' >"$STATE/credentials/profile with spaces.json"
chmod 0600 "$STATE/credentials/profile with spaces.json"
AGENT_DB="$STATE/agents/main/agent/openclaw-agent.sqlite"
BUSY_DB="$STATE/state/openclaw.sqlite"
sqlite3 "$AGENT_DB" "PRAGMA journal_mode=WAL;" "CREATE TABLE profiles(id INTEGER PRIMARY KEY, name TEXT, secret BLOB);" >/dev/null
for i in $(seq 1 200); do echo "INSERT INTO profiles(name, secret) VALUES ('p$i', randomblob(64));"; done | sqlite3 "$AGENT_DB"
sqlite3 "$BUSY_DB" "PRAGMA journal_mode=WAL;" "CREATE TABLE events(id INTEGER PRIMARY KEY, at TEXT, body BLOB);" >/dev/null
# The gateway's own pattern: a long-lived writer in WAL mode committing small transactions continuously.
(
  i=0
  while :; do
    i=$((i + 1))
    sqlite3 "$BUSY_DB" ".timeout 5000" "INSERT INTO events(at, body) VALUES (strftime('%Y-%m-%dT%H:%M:%f','now'), randomblob(512));" 2>/dev/null || true
    sleep 0.02
  done
) &
WRITER=$!
PIDS+=("$WRITER")
sleep 1
count() { sqlite3 "$1" ".timeout 5000" "SELECT count(*) FROM events;"; }

# --- back up (the same script as the VM, dir mode) -------------------------------------------------------
export OPENCLAW_BACKUP_BUCKET="$BUCKET" OPENCLAW_BACKUP_PREFIX="drill/" OPENCLAW_BACKUP_KMS_KEY_ID="$KEY_ARN" OPENCLAW_STACK=drill
export OPENCLAW_BACKUP_SOURCE="dir:$STATE" OPENCLAW_BACKUP_STAGING="$TMP/staging" OPENCLAW_BACKUP_HOST=ci-drill
export OPENCLAW_BACKUP_ENV_FILE=/nonexistent
mkdir -p "$TMP/staging"
TD=$SECONDS
BEFORE="$(count "$BUSY_DB")"
OUT="$(bash "$REPO/components/backup/backup.sh")" || fail "backup.sh failed: $OUT"
AFTER="$(count "$BUSY_DB")"
say "$OUT"
[ "$AFTER" -gt "$BEFORE" ] || fail "the writer did not write during the backup (rows $BEFORE -> $AFTER): the drill would prove nothing"
case "$OUT" in *"openclaw-backup: ok bytes="*" files="*" key=drill/"*) ;; *) fail "backup.sh did not print its success line" ;; esac
KEY="$(sed -n 's/.* key=\([^ ]*\).*/\1/p' <<<"$OUT")"
SSE="$(aws s3api head-object --bucket "$BUCKET" --key "$KEY" --query '[ServerSideEncryption,SSEKMSKeyId]' --output text)"
case "$SSE" in "aws:kms"*"$KEY_ARN"*) ;; *) fail "archive is not SSE-KMS with the drill key: $SSE" ;; esac
METRICS="$(aws cloudwatch list-metrics --namespace OpenClaw/Backup --metric-name BackupSucceeded --query 'Metrics[].Dimensions[]' --output text)"
grep -q "Stack.*drill" <<<"$METRICS" || fail "no OpenClaw/Backup BackupSucceeded metric with Stack=drill (got: $METRICS)"

# --- restore into an empty directory ---------------------------------------------------------------------
mkdir -p "$TMP/health"
printf '{"ok":true,"status":"live"}' >"$TMP/health/healthz"
HPORT="$(free_port)"
python3 -m http.server "$HPORT" --bind 127.0.0.1 --directory "$TMP/health" >/dev/null 2>&1 &
PIDS+=($!)
export OPENCLAW_GATEWAY_CONTROL=none OPENCLAW_HEALTH_URL="http://127.0.0.1:$HPORT/healthz" OPENCLAW_HEALTH_TIMEOUT=20
export OPENCLAW_STATE_DIR="$TMP/restored/state"
mkdir -p "$TMP/restored"
RESTORE="$REPO/components/backup/restore.sh"
bash "$RESTORE" list | grep -q "$KEY" || fail "restore.sh list does not show $KEY"
bash "$RESTORE" restore latest >"$TMP/restore.log" 2>&1 || fail "restore.sh restore latest failed: $(cat "$TMP/restore.log")"
TOOK=$((SECONDS - TD))
kill "$WRITER" 2>/dev/null || true
wait "$WRITER" 2>/dev/null || true

# Every regular file except SQLite databases and their sidecars must be byte-identical.
sums() { (cd "$1" && find . -type f ! -name '*.sqlite' ! -name '*.sqlite-*' -print0 | sort -z | xargs -0 sha256sum); }
diff <(sums "$STATE") <(sums "$OPENCLAW_STATE_DIR") >"$TMP/diff.txt" || fail "restored files differ: $(head -n 20 "$TMP/diff.txt")"
FILES="$(sums "$STATE" | wc -l)"
[ "$FILES" -gt 40 ] || fail "only $FILES files compared"
[ "$(stat -c %a "$OPENCLAW_STATE_DIR/credentials/profile with spaces.json")" = 600 ] || fail "file modes not preserved"
# SQLite: a database restored from an online snapshot is intact, the quiet one identical, the busy one within the window.
for db in agents/main/agent/openclaw-agent.sqlite state/openclaw.sqlite; do
  [ "$(sqlite3 "$OPENCLAW_STATE_DIR/$db" 'PRAGMA integrity_check;')" = ok ] || fail "$db fails integrity_check after restore"
  FILES=$((FILES + 1))
done
[ -z "$(find "$OPENCLAW_STATE_DIR" -name '*-wal' -o -name '*-shm')" ] || fail "WAL/SHM sidecars were archived"
diff <(sqlite3 "$AGENT_DB" .dump) <(sqlite3 "$OPENCLAW_STATE_DIR/agents/main/agent/openclaw-agent.sqlite" .dump) >/dev/null || fail "agent database dump differs"
ROWS="$(count "$OPENCLAW_STATE_DIR/state/openclaw.sqlite")"
{ [ "$ROWS" -ge "$BEFORE" ] && [ "$ROWS" -le "$AFTER" ]; } || fail "busy database has $ROWS rows, outside the backup window [$BEFORE, $AFTER]"
say "sqlite: busy db rows before=$BEFORE restored=$ROWS after=$AFTER; agent db dump identical"

# --- refusals --------------------------------------------------------------------------------------------
set +e
MSG="$(bash "$RESTORE" restore "$KEY" 2>&1)"
RC=$?
set -e
{ [ "$RC" -eq 3 ] && grep -q "REFUSED: live state .* is not empty" <<<"$MSG"; } || fail "restore over live data without --force was not refused (rc=$RC): $MSG"
say "refused without --force: ${MSG#openclaw-restore: }"
bash "$RESTORE" restore "$KEY" --force >"$TMP/restore2.log" 2>&1 || fail "restore --force failed: $(cat "$TMP/restore2.log")"
ls -d "$OPENCLAW_STATE_DIR".pre-restore-* >/dev/null 2>&1 || fail "restore --force did not keep the previous state aside"

LIVE_SUM="$(sums "$OPENCLAW_STATE_DIR" | sha256sum)"
aws s3 cp --only-show-errors "s3://$BUCKET/$KEY" "$TMP/corrupt.tar.gz"
printf 'garbage' | dd of="$TMP/corrupt.tar.gz" bs=1 seek=$(($(stat -c %s "$TMP/corrupt.tar.gz") / 2)) conv=notrunc status=none
BAD="${KEY%.tar.gz}-corrupted.tar.gz"
aws s3 cp --only-show-errors --sse aws:kms --sse-kms-key-id "$KEY_ARN" "$TMP/corrupt.tar.gz" "s3://$BUCKET/$BAD"
aws s3 cp --only-show-errors --sse aws:kms --sse-kms-key-id "$KEY_ARN" "s3://$BUCKET/$KEY.sha256" "s3://$BUCKET/$BAD.sha256"
set +e
MSG="$(bash "$RESTORE" restore "$BAD" --force 2>&1)"
RC=$?
set -e
{ [ "$RC" -eq 3 ] && grep -q "REFUSED: checksum mismatch" <<<"$MSG"; } || fail "corrupted archive was not refused (rc=$RC): $MSG"
[ "$(sums "$OPENCLAW_STATE_DIR" | sha256sum)" = "$LIVE_SUM" ] || fail "a refused restore changed the live state"
say "corrupted archive refused: $(grep REFUSED <<<"$MSG" | sed 's/^openclaw-restore: //')"

say "ok files=$FILES verified, took ${TOOK}s (backup + restore; step total $((SECONDS - T0))s)"
