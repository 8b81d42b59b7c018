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
 * claim, never inside the state, so a backup never contains the previous ones. Neither script runs the
 * `openclaw` CLI: the archive is the state's files as they are, restorable by any release.
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
 * The init container's script (POSIX sh, the gateway image's /bin/sh). A file-level archive of the quiescent
 * state, taken with tar rather than with the new image's `openclaw backup create`: the CLI of a newer release
 * migrates the store it opens before archiving it (measured: 2026.9.6 on a 2026.8.2 state, SQLite
 * user_version 15 -> 18), and the archive must hold the state exactly as the previous release left it. Tar
 * sees a consistent state because nothing else has it open: the Deployment recreates, and this container runs
 * before the gateway. The archive is verified (its listing has every entry of the state) and checksummed.
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
  tar -C ${stateDir} -czf "$d/work/$name.tar.gz" .
  state_n="$(cd ${stateDir} && find . | wc -l)"
  archive_n="$(tar -tzf "$d/work/$name.tar.gz" | wc -l)"
  [ "$state_n" = "$archive_n" ] || { echo "pre-upgrade: the archive lists $archive_n entries, the state has $state_n" >&2; exit 1; }
  (cd "$d/work" && sha256sum "$name.tar.gz" >"$name.tar.gz.sha256")
  printf '%s\\n' "\${last:-unknown}" >"$d/$name.image"
  mv "$d/work/$name.tar.gz.sha256" "$d/$name.tar.gz.sha256"
  mv "$d/work/$name.tar.gz" "$d/$name.tar.gz"
  rm -rf "$d/work"
  echo "pre-upgrade: $d/$name.tar.gz holds the state as \${last:-the previous image} left it ($state_n entries); restore it with the restore Job to roll back"
  ls -1 "$d"/pre-upgrade-*.tar.gz | sort -r | tail -n +${PRE_UPGRADE_KEEP + 1} | while read -r old; do
    rm -f -- "$old" "$old.sha256" "\${old%.tar.gz}.image"
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
 * The restore step of a rollback (docs/kubernetes.md): with the gateway scaled to 0, check the archive against
 * its checksum, extract it into a fresh directory, then swap it in; the replaced state is kept beside the
 * archives so the rollback itself can be undone. Entry names must stay inside the archive. Links in it are
 * not refused: the state may hold its own, and the Job can write nowhere but the volumes the archive's only
 * possible writer (a pod of this Deployment) already holds.
 */
export function preUpgradeRestoreScript(stateDir: string): string {
  return `set -eu
d=${PRE_UPGRADE_MOUNT}
a="$d/\${OPENCLAW_RESTORE_ARCHIVE:?name of a pre-upgrade-*.tar.gz in ${PRE_UPGRADE_MOUNT}}"
case "$OPENCLAW_RESTORE_ARCHIVE" in pre-upgrade-*.tar.gz) ;; *) echo "restore: $OPENCLAW_RESTORE_ARCHIVE is not a pre-upgrade archive" >&2; exit 2 ;; esac
[ -f "$a" ] || { echo "restore: $a does not exist; the archives are: $(ls "$d" | grep '^pre-upgrade-.*gz$' | tr '\\n' ' ')" >&2; exit 2; }
(cd "$d" && sha256sum -c "$OPENCLAW_RESTORE_ARCHIVE.sha256" >/dev/null) ||
  { echo "restore: $OPENCLAW_RESTORE_ARCHIVE has no $OPENCLAW_RESTORE_ARCHIVE.sha256 or does not match it; the state is unchanged" >&2; exit 1; }
if tar -tzf "$a" | grep -Eq '^/|(^|/)[.][.](/|$)'; then
  echo "restore: $OPENCLAW_RESTORE_ARCHIVE has entries outside the archive; the state is unchanged" >&2
  exit 1
fi
t="$d/restore-staging"
rm -rf "$t" && mkdir -p "$t"
tar -C "$t" -xzf "$a"
aside="$d/replaced-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir "$aside"
find ${stateDir} -mindepth 1 -maxdepth 1 -exec mv -- {} "$aside"/ \\;
find "$t" -mindepth 1 -maxdepth 1 -exec mv -- {} ${stateDir}/ \\;
rm -rf "$t"
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
