/**
 * Upgrades on Kubernetes, with the shape of the VM's transaction: a verified backup of the state before a new
 * image first runs on it, one writer at a time on the ReadWriteOnce volume, and a restore path back to it.
 *
 * Why an init container rather than a Job ordered before the Deployment: the Deployment's Recreate strategy
 * stops the old pod before the new pod exists, so the init container of the new pod is the first and only
 * thing that touches the state between the two versions (a Job beside a running gateway would back up a live
 * SQLite, and would need the RWO volume on the gateway's node). The kubelet starts the gateway only when the
 * init container exits 0, so a failed backup blocks the upgrade instead of losing the way back.
 *
 * It runs at every pod start but backs up only when the image differs from the one that last ran on this
 * state (recorded beside the archives), and it keeps the newest two archives. Archives live on their own
 * claim, never inside the state, so a backup never contains the previous ones.
 */
import type { Job } from "kubernetes-types/batch/v1";
import type { Container, PersistentVolumeClaim, PodSpec } from "kubernetes-types/core/v1";
import type { StackConfig } from "../config/schema";
import { gatewayContainer } from "../container/render-k8s";
import { type GatewayContainerSpec, STATE_DIR } from "../container/spec";

export const PRE_UPGRADE_CLAIM = "openclaw-pre-upgrade";
export const PRE_UPGRADE_VOLUME = "pre-upgrade";
export const PRE_UPGRADE_MOUNT = "/pre-upgrade";
/** Archives kept on the claim: the one an operator rolls back to, and the one before it. */
export const PRE_UPGRADE_KEEP = 2;
const IMAGE_ENV = "OPENCLAW_UPGRADE_IMAGE";

/**
 * The init container's script (POSIX sh, the gateway image's /bin/sh). `openclaw backup create --verify` of
 * the image about to start: the CLI archives and verifies the state, the gateway's start is what migrates it.
 */
export function preUpgradeBackupScript(stateDir: string): string {
  return `set -eu
d=${PRE_UPGRADE_MOUNT}
img="\${${IMAGE_ENV}:?}"
last="$(cat "$d/running-image" 2>/dev/null || true)"
if [ "$last" = "$img" ]; then
  echo "pre-upgrade: $img already ran on this state; nothing to back up"
  exit 0
fi
if [ -z "$last" ] && [ -z "$(ls -A ${stateDir} 2>/dev/null)" ]; then
  echo "pre-upgrade: first start on an empty state; nothing to back up"
else
  name="pre-upgrade-$(date -u +%Y%m%dT%H%M%SZ)"
  rm -rf "$d/work" && mkdir -p "$d/work"
  # TMPDIR on the claim: --verify needs more room than the container's /tmp holds.
  TMPDIR="$d/work" openclaw backup create --verify --json --output "$d/work/$name.tar.gz"
  [ -s "$d/work/$name.tar.gz" ] || { echo "pre-upgrade: openclaw backup create wrote no archive" >&2; exit 1; }
  printf '%s\\n' "\${last:-unknown}" >"$d/$name.image"
  mv "$d/work/$name.tar.gz" "$d/$name.tar.gz"
  rm -rf "$d/work"
  echo "pre-upgrade: $d/$name.tar.gz holds the state as \${last:-the previous image} left it; restore it with the restore Job to roll back"
  ls -1 "$d"/pre-upgrade-*.tar.gz | sort -r | tail -n +${PRE_UPGRADE_KEEP + 1} | while read -r old; do
    rm -f -- "$old" "\${old%.tar.gz}.image"
  done
fi
printf '%s\\n' "$img" >"$d/running-image"
`;
}

/** The gateway's own container, stripped to what a backup needs: no ports, probes or secrets (no token). */
function jobContainer(spec: GatewayContainerSpec, cfg: StackConfig, name: string, script: string): Container {
  const {
    ports: _p,
    startupProbe: _s,
    livenessProbe: _l,
    readinessProbe: _r,
    env,
    args: _a,
    ...base
  } = gatewayContainer(spec, cfg);
  return {
    ...base,
    name,
    command: ["/bin/sh", "-c", script],
    // The token and provider keys come from the Secret; an archive job has no use for them.
    env: [...(env ?? []).filter((e) => e.value !== undefined && !e.valueFrom), { name: IMAGE_ENV, value: spec.image }],
    volumeMounts: [...(base.volumeMounts ?? []), { name: PRE_UPGRADE_VOLUME, mountPath: PRE_UPGRADE_MOUNT }],
  };
}

export function preUpgradeBackupInitContainer(spec: GatewayContainerSpec, cfg: StackConfig): Container {
  return jobContainer(spec, cfg, "pre-upgrade-backup", preUpgradeBackupScript(STATE_DIR));
}

export function preUpgradeClaim(cfg: StackConfig): PersistentVolumeClaim {
  return {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: {
      name: PRE_UPGRADE_CLAIM,
      namespace: cfg.kubernetes.namespace,
      labels: { "app.kubernetes.io/part-of": "openclaw", "app.kubernetes.io/managed-by": "pulumi" },
    },
    spec: {
      accessModes: ["ReadWriteOnce"],
      ...(cfg.kubernetes.storageClass ? { storageClassName: cfg.kubernetes.storageClass } : {}),
      // Two compressed archives of the state fit in the state's own size.
      resources: { requests: { storage: `${cfg.kubernetes.stateVolumeGiB}Gi` } },
    },
  };
}

/**
 * The restore step of a rollback (docs/kubernetes.md): with the gateway scaled to 0, restore an archive into
 * a fresh directory (the CLI refuses a damaged one), then swap it in; the replaced state is kept beside the
 * archives so the rollback itself can be undone.
 */
export function preUpgradeRestoreScript(stateDir: string): string {
  return `set -eu
d=${PRE_UPGRADE_MOUNT}
a="$d/\${OPENCLAW_RESTORE_ARCHIVE:?name of a pre-upgrade-*.tar.gz in ${PRE_UPGRADE_MOUNT}}"
case "$OPENCLAW_RESTORE_ARCHIVE" in pre-upgrade-*.tar.gz) ;; *) echo "restore: $OPENCLAW_RESTORE_ARCHIVE is not a pre-upgrade archive" >&2; exit 2 ;; esac
[ -f "$a" ] || { echo "restore: $a does not exist; the archives are: $(ls "$d" | grep '^pre-upgrade-' | tr '\\n' ' ')" >&2; exit 2; }
t="$d/restore-staging"
rm -rf "$t" "$d/work" && mkdir -p "$d/work"
TMPDIR="$d/work" openclaw backup restore "$a" --target "$t" --json
# The restored tree is <root>/manifest.json and the payload; the state is the asset the manifest names, at a
# path relative to the target (never guessed from the layout).
m="$(find "$t" -mindepth 2 -maxdepth 2 -type f -name manifest.json | head -n 1)"
[ -n "$m" ] || { echo "restore: the restored archive has no <root>/manifest.json" >&2; exit 1; }
rel="$(node -e 'const a=(require(process.argv[1]).assets||[]).find((x)=>x.kind==="state");process.stdout.write(String((a&&a.archivePath)||""))' "$m")"
case "$rel" in "" | /* | *..*) echo "restore: the manifest names no state asset inside the archive (\${rel:-none})" >&2; exit 1 ;; esac
src="$t/$rel"
if [ -L "$src" ] || [ ! -d "$src" ]; then echo "restore: the state asset $rel is not a directory in the restored tree" >&2; exit 1; fi
aside="$d/replaced-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir "$aside"
find ${stateDir} -mindepth 1 -maxdepth 1 -exec mv -- {} "$aside"/ \\;
find "$src" -mindepth 1 -maxdepth 1 -exec mv -- {} ${stateDir}/ \\;
rm -rf "$t" "$d/work"
cat "\${a%.tar.gz}.image" >"$d/running-image" 2>/dev/null || true
echo "restore: ${stateDir} now holds $OPENCLAW_RESTORE_ARCHIVE; the replaced state is in $aside"
`;
}

/**
 * The restore Job, rendered for an operator to apply with the archive's name filled in. `pod` is the gateway
 * Deployment's pod spec: the Job gets the same security context and volumes, plus the archives' claim.
 */
export function preUpgradeRestoreJob(spec: GatewayContainerSpec, cfg: StackConfig, pod: PodSpec, archive: string): Job {
  const c = jobContainer(spec, cfg, "restore", preUpgradeRestoreScript(STATE_DIR));
  c.env = [...(c.env ?? []), { name: "OPENCLAW_RESTORE_ARCHIVE", value: archive }];
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name: "openclaw-restore-pre-upgrade",
      namespace: cfg.kubernetes.namespace,
      labels: { "app.kubernetes.io/part-of": "openclaw", "app.kubernetes.io/component": "restore" },
    },
    spec: {
      backoffLimit: 0,
      template: {
        spec: {
          restartPolicy: "Never",
          automountServiceAccountToken: false,
          securityContext: pod.securityContext,
          containers: [c],
          volumes: [
            ...(pod.volumes ?? []).filter((v) => v.name !== PRE_UPGRADE_VOLUME),
            { name: PRE_UPGRADE_VOLUME, persistentVolumeClaim: { claimName: PRE_UPGRADE_CLAIM } },
          ],
        },
      },
    },
  };
}
