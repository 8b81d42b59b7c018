/**
 * The upgrade transaction's host side as a HostAddon: upgrade.sh (kept as a real file beside this module so
 * shellcheck and the e2e drill run exactly what the host runs) installed where only root and the SSM
 * document run it. It needs no unit and no instance-role statements of its own: the SSM document runs it,
 * the backup add-on's statements cover the pre-upgrade archive, and the snapshot statement belongs to the
 * target that knows the state volume.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DATA_DIR, SCRIPT_DIR } from "../gateway-vm/layout";
import type { HostAddon } from "../gateway-vm/types";

/** What the SSM document runs: `${UPGRADE_SCRIPT} apply --release <dir>`, `rollback`, `status`. */
export const UPGRADE_SCRIPT = `${SCRIPT_DIR}/upgrade.sh`;
/** Releases, the current/previous pointers and the rollback point: on the data volume, so they outlive the instance. */
export const UPGRADE_DIR = `${DATA_DIR}/upgrade`;
/** Under the stack's backup prefix: the key prefix of pre-upgrade archives that the bucket lifecycle keeps. */
export const PRE_UPGRADE_KEY_PREFIX = "pre-upgrade/";

/** upgrade.sh's exit codes, for the SSM document and alarms. */
export const UPGRADE_EXIT = {
  /** Upgraded (or rolled back on request) and healthy. */
  ok: 0,
  /** Failed and the rollback failed too: the gateway may be down. */
  rollbackFailed: 1,
  /** Refused before anything changed (bad release, bad usage). */
  refused: 2,
  /** Failed and rolled back: the previous release is healthy. */
  rolledBack: 3,
  /** The host lock stayed busy (a backup, restore or token reload is running). */
  lockBusy: 75,
} as const;

export function upgradeScript(): string {
  return readFileSync(join(__dirname, "upgrade.sh"), "utf8");
}

export function upgradeHostAddon(): HostAddon {
  return {
    files: [{ path: UPGRADE_SCRIPT, content: upgradeScript(), permissions: "0755", owner: "root:root" }],
    enableUnits: [],
  };
}
