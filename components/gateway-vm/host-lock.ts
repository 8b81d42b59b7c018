/**
 * The one lock every state-changing host script takes: backup.sh, restore.sh (restore) and reload-token.sh
 * (apply-pending, restore-current). Without it an SSM retry restarts the gateway in the middle of a restore
 * (the gateway then starts on the pre-swap directory and the restore silently does nothing), and two token
 * applies restart the gateway twice.
 *
 * The lock lives in a root-only directory under /run: nothing the container or another local user can write,
 * so no one can pre-create it as a link or hold it to block backups. It is a bash snippet, not a sourced file,
 * so each script stays one self-contained file on the host (and in the CI drills that run them directly);
 * backup.sh and restore.sh carry it verbatim between the markers below, and a test keeps them equal to this.
 */

export const HOST_LOCK_FILE = "/run/openclaw-lock/host.lock";
export const HOST_LOCK_BEGIN = "# --- host lock (components/gateway-vm/host-lock.ts) ---";
export const HOST_LOCK_END = "# --- end host lock ---";

/** Exit code when the lock is not free within the timeout (EX_TEMPFAIL: try again later). */
export const HOST_LOCK_BUSY_EXIT = 75;

/**
 * Defines `host_lock WHO DEFAULT_TIMEOUT_SECONDS`: holds the lock until the script exits, or exits 75 naming
 * the holder. OPENCLAW_LOCK_FILE and OPENCLAW_LOCK_TIMEOUT override the defaults (tests, a longer wait).
 */
export function hostLockShell(): string {
  return `${HOST_LOCK_BEGIN}
# Serialises every script that stops, starts or swaps the gateway, its state or its token. Held until exit.
host_lock() { # <who> <default timeout in seconds>
  local file="\${OPENCLAW_LOCK_FILE:-${HOST_LOCK_FILE}}" timeout="\${OPENCLAW_LOCK_TIMEOUT:-$2}" dir perm
  dir="$(dirname -- "$file")"
  # Created here when no unit made it yet (an operator's restore); checked either way.
  mkdir -m 0700 -- "$dir" 2>/dev/null || true
  perm="$(stat -c '%u %a' -- "$dir")"
  if [ -L "$dir" ] || [ "\${perm% *}" != "$(id -u)" ] || (( 8#\${perm#* } & 8#022 )); then
    printf 'host-lock: %s must be a directory owned by uid %s that no one else can write (it is: %s)\\n' "$dir" "$(id -u)" "$perm" >&2
    exit 1
  fi
  if [ -L "$file" ] || { [ -e "$file" ] && [ ! -f "$file" ]; }; then
    printf 'host-lock: %s is not a regular file; refusing to open it\\n' "$file" >&2
    exit 1
  fi
  exec {OPENCLAW_LOCK_FD}>>"$file"
  if ! flock -n "$OPENCLAW_LOCK_FD"; then
    printf 'host-lock: %s waits up to %ss for %s, held by: %s\\n' "$1" "$timeout" "$file" "$(head -c 200 "$file")" >&2
    if ! flock -w "$timeout" "$OPENCLAW_LOCK_FD"; then
      printf 'host-lock: %s gave up after %ss: %s is still held by: %s. Another backup, restore or token reload is running; run this again when it has finished (or set OPENCLAW_LOCK_TIMEOUT to wait longer).\\n' "$1" "$timeout" "$file" "$(head -c 200 "$file")" >&2
      exit ${HOST_LOCK_BUSY_EXIT}
    fi
  fi
  printf '%s (pid %s) since %s\\n' "$1" "$$" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$file"
}
${HOST_LOCK_END}`;
}
