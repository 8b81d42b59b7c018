/**
 * The gateway host's layout: where every file lives, which units and users exist, and the tag that token
 * delivery finds the instance by. Each add-on (secrets, ingress, backup, observability) places its files
 * here, so a path the compose file, a unit and a script must agree on is written once.
 *
 * Why these places: configuration the instance is built with is in /etc/openclaw (read-only at run time,
 * replaced with the instance); scripts are in /usr/local/lib/openclaw (outside PATH: only units run them);
 * secrets are written at start to /run/openclaw (tmpfs: never on a disk or in a snapshot); state is on the
 * separate encrypted data volume mounted at /var/lib/openclaw, which outlives the instance.
 */
import { GATEWAY_ROLE_TAG } from "../tags/tags";

export const CONFIG_DIR = "/etc/openclaw";
export const SCRIPT_DIR = "/usr/local/lib/openclaw";
export const RUN_DIR = "/run/openclaw";
/** The data volume's mount point (dataVolumeFstab). */
export const DATA_DIR = "/var/lib/openclaw";
export const UNIT_DIR = "/etc/systemd/system";

export const COMPOSE_FILE = `${CONFIG_DIR}/compose.yaml`;
export const COMPOSE_PROJECT = "openclaw";
export const STATE_HOST_DIR = `${DATA_DIR}/state`;
export const ENV_FILE = `${RUN_DIR}/gateway.env`;
export const RENDERED_CONFIG = `${CONFIG_DIR}/openclaw.json`;
export const RUNTIME_CONFIG = `${RUN_DIR}/openclaw.json`;
export const HOST_ENV = `${CONFIG_DIR}/host.env`;

/** The uid:gid the gateway and its sidecars run as, so host directories they share have one owner. */
export const CONTAINER_USER = "1000:1000";

export const GATEWAY_UNIT = "openclaw-gateway.service";

/** The instance tag the rotation function's SSM Run Command targets (with the stack tag). */
export const INSTANCE_ROLE_TAG = GATEWAY_ROLE_TAG;

/** A unit file's path on the host. */
export function unitPath(unit: string): string {
  return `${UNIT_DIR}/${unit}`;
}

/**
 * Where `npm run plan -- --out` writes a host file, so real tools (systemd-analyze, shellcheck, compose) can
 * check it: units under vm/units, scripts under vm/scripts, /etc/openclaw's files under vm/, anything else
 * under vm/files with its full path.
 */
export function hostFileArtifactPath(hostPath: string): string {
  const base = hostPath.split("/").pop()!;
  if (hostPath.startsWith(`${UNIT_DIR}/`)) return `vm/units/${base}`;
  if (hostPath.startsWith(`${SCRIPT_DIR}/`)) return `vm/scripts/${base}`;
  if (hostPath.startsWith(`${CONFIG_DIR}/`)) return `vm/${hostPath.slice(`${CONFIG_DIR}/`.length)}`;
  return `vm/files${hostPath}`;
}

/** Every host file by its plan-artifact path. */
export function hostFileArtifacts(files: Record<string, { content: string }>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [hostPath, { content }] of Object.entries(files)) out[hostFileArtifactPath(hostPath)] = content;
  return out;
}
