# shellcheck shell=bash
# Sourced by e2e/run.sh (uses its W, VM, PROJECT, COMPOSE, VENV, MARKER, helpers). The rendered backup.sh and
# restore.sh, container mode, for real: S3 is moto on loopback, `docker compose` is the v2 spelling the VM uses
# (a shim maps it to this machine's docker-compose 1.29), the host paths come from the env overrides the scripts
# document. Restore goes into a fresh, empty state directory (the disaster case), then the gateway must come
# back healthy with the same data, including the device pairing.

mkdir -p "$W/bin" "$W/staging"
cat >"$W/bin/docker" <<'EOF'
#!/bin/sh
# The VM has the compose v2 plugin (`docker compose`); this machine has docker-compose 1.29.
if [ "$1" = compose ]; then shift; exec docker-compose "$@"; fi
exec /usr/bin/docker "$@"
EOF
chmod 0755 "$W/bin/docker"
chmod 0700 "$W/staging"
# openclaw-backup.service's ExecStartPre.
install -d -m 0700 -o 1000 -g 1000 "$W/staging/container-out"

MOTO_PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"$VENV/bin/moto_server" -H 127.0.0.1 -p "$MOTO_PORT" >"$W/moto.log" 2>&1 &
MOTO_PID=$! # killed by run.sh's cleanup
export MOTO_PID
# moto imports slowly on a loaded host (10 s and more).
for _ in $(seq 1 240); do curl -fsS -o /dev/null "http://127.0.0.1:$MOTO_PORT/moto-api/" 2>/dev/null && break; sleep 0.25; done
if ! curl -fsS -o /dev/null "http://127.0.0.1:$MOTO_PORT/moto-api/" 2>/dev/null; then
  fail "moto_server did not start on 127.0.0.1:$MOTO_PORT in 60 s: $(tail -n 3 "$W/moto.log" | tr '\n' ' ')"
  exit 1
fi

drill_env() { # runs a command with the backup environment: backup.env as rendered + the overrides
  (
    set -a
    # shellcheck source=/dev/null
    . "$VM/backup.env"
    set +a
    export PATH="$W/bin:$VENV/bin:$PATH"
    export AWS_ACCESS_KEY_ID=e2e AWS_SECRET_ACCESS_KEY=e2e AWS_ENDPOINT_URL="http://127.0.0.1:$MOTO_PORT" AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
    export OPENCLAW_BACKUP_STAGING="$W/staging" OPENCLAW_COMPOSE_PROJECT="$PROJECT" OPENCLAW_COMPOSE_FILE="$W/compose.yaml"
    export OPENCLAW_BACKUP_HOST=e2e OPENCLAW_BACKUP_ENV_FILE=/nonexistent OPENCLAW_STATE_DIR="$W/state" OPENCLAW_GATEWAY_CONTROL=none
    # moto 5.2.5 cannot parse awscli 1.46's JSON-protocol CloudWatch call; the metric is covered by 30-backup-drill.
    export OPENCLAW_BACKUP_METRIC=none
    [ -n "${KEY_ARN:-}" ] && export OPENCLAW_BACKUP_KMS_KEY_ID="$KEY_ARN"
    "$@"
  )
}
KEY_ARN="$(drill_env aws kms create-key --description e2e --query KeyMetadata.Arn --output text)"
BUCKET="$(sed -n 's/^OPENCLAW_BACKUP_BUCKET=//p' "$VM/backup.env")"
drill_env aws s3api create-bucket --bucket "$BUCKET" >/dev/null

run_backup() { # script label -> sets BACKUP_KEY
  local t0 out
  t0=$(now)
  if out="$(drill_env bash "$1" 2>&1)"; then
    BACKUP_KEY="$(sed -n 's/.* key=\([^ ]*\).*/\1/p' <<<"$out" | tail -n 1)"
    pass "$2: $(grep 'openclaw-backup: ok' <<<"$out" | sed 's/ sha256=.*//') in $(since "$t0") s"
    return 0
  fi
  fail "$2: $(grep -E 'Address already in use|Reason:|FAILED' <<<"$out" | head -n 3 | tr '\n' ' ' | cut -c1-400)"
  return 1
}

BACKUP_KEY=""
run_backup "$VM/scripts/backup.sh" "rendered backup.sh against the live gateway" || true

if [ -n "$BACKUP_KEY" ]; then
  sha_remote="$(drill_env aws s3 cp --only-show-errors "s3://$BUCKET/$BACKUP_KEY.sha256" - | awk '{print $1}')"
  sse="$(drill_env aws s3api head-object --bucket "$BUCKET" --key "$BACKUP_KEY" --query ServerSideEncryption --output text)"
  check "archive and its SHA-256 manifest in S3, SSE $sse" test -n "$sha_remote" -a "$sse" = aws:kms
  drill_env aws s3 cp --only-show-errors "s3://$BUCKET/$BACKUP_KEY" "$W/archive.tar.gz"
  check "archive holds the state written before the backup (E2E_MARKER.md)" bash -c "tar -tzf '$W/archive.tar.gz' | grep -q 'workspace/E2E_MARKER.md'"
  check "archive holds openclaw's own verified manifest" bash -c "tar -tzf '$W/archive.tar.gz' | grep -q '/manifest.json$'"

  # Disaster: the data disk is gone. Stop, replace the state directory with an empty one, restore into it.
  "${COMPOSE[@]}" down --timeout 30 >/dev/null 2>&1
  mv "$W/state" "$W/state.lost"
  install -d -m 0700 -o 1000 -g 1000 "$W/state"
  t0=$(now)
  if out="$(drill_env bash "$VM/scripts/restore.sh" restore latest 2>&1)"; then
    pass "rendered restore.sh restore latest into an empty state dir: $(grep 'openclaw-restore: ok' <<<"$out" | cut -c1-160) in $(since "$t0") s"
  else
    fail "restore.sh restore latest: $(grep -E 'Reason:|FAILED|REFUSED' <<<"$out" | head -n 3 | tr '\n' ' ' | cut -c1-400)"
  fi
  check "restored state dir owned 1000, mode 700" test "$(stat -c '%u %a' "$W/state")" = "1000 700"
  rm -rf "$W/state.lost"
  up_healthy "gateway on the restored state" && GW_C="$(gw)"
  check "restored state holds the marker" test "$(docker exec "$GW_C" cat /home/node/.openclaw/workspace/E2E_MARKER.md 2>/dev/null)" = "$MARKER"
  check "restored state holds the device pairing: hello-ok without a new approval" test "$(ws right | jq -r .hello)" = hello-ok
else
  fail "no archive: restore not attempted"
fi
