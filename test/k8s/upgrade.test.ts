/**
 * The Kubernetes upgrade transaction: the gateway pod's init container backs the state up before a new image
 * first runs on it (and only then), the Deployment recreates (one writer on the RWO claim), and the rendered
 * restore Job brings an archive back. Both scripts run for real here (sh, tar-free: a stand-in `openclaw`
 * binary records what the real CLI would be asked to do).
 */
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Job } from "kubernetes-models/batch/v1/Job";
import { describe, expect, it } from "vitest";
import { gatewayContainerSpec, STATE_DIR } from "../../components/container/spec";
import { renderK8s } from "../../components/gateway-k8s/manifests";
import {
  PRE_UPGRADE_CLAIM,
  PRE_UPGRADE_MOUNT,
  preUpgradeBackupScript,
  preUpgradeRestoreJob,
  preUpgradeRestoreScript,
} from "../../components/gateway-k8s/upgrade";
import { testConfig } from "../helpers/config";

const cfg = testConfig({ target: "kubernetes", kubernetes: { trustedProxyCidrs: ["10.244.0.0/16"] } }, [], "k8s");
const spec = gatewayContainerSpec(cfg, { providerKeyEnv: [] });
const m = renderK8s({
  cfg,
  spec,
  configJson: '{"gateway":{"mode":"local"}}\n',
});
const pod = m.deployment.spec!.template.spec!;

describe("the gateway Deployment", () => {
  it("recreates (never two pods on the RWO state) and backs up in an init container before the gateway", () => {
    expect(m.deployment.spec!.strategy).toEqual({ type: "Recreate" });
    expect(pod.initContainers!.map((c) => c.name)).toEqual(["pre-upgrade-backup"]);
    const init = pod.initContainers![0]!;
    const gw = pod.containers[0]!;
    expect(init.image).toBe(gw.image);
    expect(init.securityContext).toEqual(gw.securityContext);
    expect(init.resources).toEqual(gw.resources);
    // No token or provider key: an archive job has no use for them.
    expect(JSON.stringify(init.env)).not.toMatch(/secretKeyRef|OPENCLAW_GATEWAY_TOKEN/);
    expect(init.env).toContainEqual({ name: "OPENCLAW_UPGRADE_IMAGE", value: spec.image });
    expect(init.volumeMounts).toContainEqual({ name: "state", mountPath: STATE_DIR });
    expect(init.volumeMounts).toContainEqual({ name: "pre-upgrade", mountPath: PRE_UPGRADE_MOUNT });
    expect(pod.volumes).toContainEqual({
      name: "pre-upgrade",
      persistentVolumeClaim: { claimName: PRE_UPGRADE_CLAIM },
    });
    expect(m.preUpgradePvc.spec?.accessModes).toEqual(["ReadWriteOnce"]);
  });

  it("renders a schema-valid restore Job with the gateway's pod security and both claims", () => {
    const job = preUpgradeRestoreJob(spec, cfg, pod, "pre-upgrade-20261130T210000Z.tar.gz");
    expect(() => new Job(job as ConstructorParameters<typeof Job>[0]).validate()).not.toThrow();
    const p = job.spec!.template.spec!;
    expect(p.securityContext).toEqual(pod.securityContext);
    expect(p.restartPolicy).toBe("Never");
    expect(p.containers[0]!.env).toContainEqual({
      name: "OPENCLAW_RESTORE_ARCHIVE",
      value: "pre-upgrade-20261130T210000Z.tar.gz",
    });
    expect(p.volumes!.map((v) => v.name)).toEqual(expect.arrayContaining(["state", "pre-upgrade", "config"]));
  });
});

/** A fake `openclaw` CLI: `backup create --output F` writes the state's listing to F; `backup restore A --target T` unpacks it. */
function sandbox() {
  const root = mkdtempSync(join(tmpdir(), "oc-k8s-upgrade-"));
  const bin = join(root, "bin");
  const state = join(root, "state");
  const pre = join(root, "pre-upgrade");
  for (const d of [bin, state, pre]) mkdirSync(d);
  writeFileSync(
    join(bin, "openclaw"),
    `#!/bin/sh
set -eu
case "$1 $2" in
  "backup create") out="$6"; cat "${state}"/* > "$out" ;;
  "backup restore")
    # The CLI's layout: <target>/<root>/manifest.json, the state under <root>/payload/posix<its path>.
    r="$5/20260101T000000Z-openclaw-backup"; p="$r/payload/posix${state}"; rel="\${p#"$5"/}"
    mkdir -p "$r"
    case "\${FAKE_RESTORE:-good}" in
      good) mkdir -p "$p"; cp "$3" "$p/restored.db" ;;
      escape) rel="../../outside" ;;
      link) mkdir -p "$(dirname "$p")"; ln -s "${root}/victim" "$p" ;;
    esac
    printf '{"schemaVersion":1,"assets":[{"kind":"state","archivePath":"%s"}]}' "$rel" >"$r/manifest.json" ;;
  *) exit 9 ;;
esac
echo "$@" >> "${root}/calls"
`,
  );
  chmodSync(join(bin, "openclaw"), 0o755);
  const run = (script: string, env: Record<string, string>) =>
    spawnSync("sh", ["-c", script.replace(`d=${PRE_UPGRADE_MOUNT}\n`, `d=${pre}\n`)], {
      encoding: "utf8",
      // node: the restore reads the archive's manifest with it, as it does in the gateway image.
      env: { PATH: `${bin}:${dirname(process.execPath)}:/usr/bin:/bin`, ...env },
    });
  const calls = () =>
    existsSync(join(root, "calls")) ? readFileSync(join(root, "calls"), "utf8").trim().split("\n") : [];
  return { root, state, pre, run, calls };
}

describe("the pre-upgrade backup script (sh, for real)", () => {
  it("backs up only when the image changes, records the image the state belongs to, keeps two archives", () => {
    const s = sandbox();
    const backup = preUpgradeBackupScript(s.state);
    const start = (img: string) => s.run(backup, { OPENCLAW_UPGRADE_IMAGE: img });

    expect(start("gw:A").status).toBe(0); // first start, empty state
    expect(s.calls()).toEqual([]);
    writeFileSync(join(s.state, "state.db"), "written by A\n");
    expect(start("gw:A").status).toBe(0); // a restart of the same image
    expect(s.calls()).toEqual([]);

    const r = start("gw:B");
    expect(r.status, r.stderr).toBe(0);
    expect(s.calls()).toHaveLength(1);
    const archives = () =>
      readdirSync(s.pre)
        .filter((f) => f.endsWith(".tar.gz"))
        .sort();
    const [a] = archives();
    expect(readFileSync(join(s.pre, a!), "utf8")).toBe("written by A\n");
    expect(readFileSync(join(s.pre, a!.replace(".tar.gz", ".image")), "utf8")).toBe("gw:A\n");
    expect(readFileSync(join(s.pre, "running-image"), "utf8")).toBe("gw:B\n");

    // Two more upgrades: only the newest two archives stay (names carry the second; wait past it).
    for (const img of ["gw:C", "gw:D"]) {
      spawnSync("sleep", ["1.1"]);
      expect(start(img).status).toBe(0);
    }
    expect(archives()).toHaveLength(2);
    expect(archives()).not.toContain(a);
  });

  it("a failed backup fails the init container, so the new image never starts on the state", () => {
    const s = sandbox();
    writeFileSync(join(s.state, "state.db"), "x\n");
    writeFileSync(join(s.pre, "running-image"), "gw:A\n");
    writeFileSync(join(s.root, "bin", "openclaw"), "#!/bin/sh\nexit 1\n");
    const r = s.run(preUpgradeBackupScript(s.state), { OPENCLAW_UPGRADE_IMAGE: "gw:B" });
    expect(r.status).not.toBe(0);
    expect(readFileSync(join(s.pre, "running-image"), "utf8")).toBe("gw:A\n");
  });
});

describe("the restore script (sh, for real)", () => {
  it("restores an archive into a fresh directory, swaps it in and keeps the replaced state", () => {
    const s = sandbox();
    writeFileSync(join(s.pre, "pre-upgrade-20261130T210000Z.tar.gz"), "state of A\n");
    writeFileSync(join(s.pre, "pre-upgrade-20261130T210000Z.image"), "gw:A\n");
    writeFileSync(join(s.state, "state.db"), "migrated by B\n");
    const r = s.run(preUpgradeRestoreScript(s.state), {
      OPENCLAW_RESTORE_ARCHIVE: "pre-upgrade-20261130T210000Z.tar.gz",
    });
    expect(r.status, r.stderr).toBe(0);
    expect(readdirSync(s.state)).toEqual(["restored.db"]);
    expect(readFileSync(join(s.state, "restored.db"), "utf8")).toBe("state of A\n");
    const aside = readdirSync(s.pre).find((f) => f.startsWith("replaced-"))!;
    expect(readFileSync(join(s.pre, aside, "state.db"), "utf8")).toBe("migrated by B\n");
    expect(readFileSync(join(s.pre, "running-image"), "utf8")).toBe("gw:A\n");
  });

  it.each([
    ["escape", "a state path outside the restored tree"],
    ["link", "a state asset that is a link"],
  ])("refuses a restored tree with %s (%s): exit 1, the live state untouched", (fake) => {
    const s = sandbox();
    mkdirSync(join(s.root, "victim"));
    writeFileSync(join(s.pre, "pre-upgrade-20261130T210000Z.tar.gz"), "state of A\n");
    writeFileSync(join(s.state, "state.db"), "live\n");
    const r = s.run(preUpgradeRestoreScript(s.state), {
      OPENCLAW_RESTORE_ARCHIVE: "pre-upgrade-20261130T210000Z.tar.gz",
      FAKE_RESTORE: fake,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/restore: the (manifest names no state asset|state asset .* is not a directory)/);
    expect(readdirSync(s.state)).toEqual(["state.db"]);
    expect(readFileSync(join(s.state, "state.db"), "utf8")).toBe("live\n");
  });

  it.each([["../../etc/passwd"], ["pre-upgrade-missing.tar.gz"]])("refuses archive %s and leaves the state", (name) => {
    const s = sandbox();
    writeFileSync(join(s.state, "state.db"), "live\n");
    const r = s.run(preUpgradeRestoreScript(s.state), { OPENCLAW_RESTORE_ARCHIVE: name });
    expect(r.status).toBe(2);
    expect(readFileSync(join(s.state, "state.db"), "utf8")).toBe("live\n");
  });
});

describe("the real-cluster e2e (e2e/k8s/run.sh)", () => {
  it("pre-creates one volume per claim the stack renders: nothing provisions them there, a missing one leaves the pod Pending", () => {
    const objects = [
      ...Object.values(m).filter((o) => !Array.isArray(o)),
      ...m.ingressObjects.map((o: { object: unknown }) => o.object),
    ] as { kind?: string }[];
    const claims = objects.filter((o) => o?.kind === "PersistentVolumeClaim");
    expect(claims.length).toBeGreaterThanOrEqual(2);
    const runSh = readFileSync(join(__dirname, "../../e2e/k8s/run.sh"), "utf8");
    const line = /^cluster_storage "\$STORAGE_CLASS" (\d+) ([^|]+?) \|\|/m.exec(runSh);
    expect(line, "run.sh calls cluster_storage").not.toBeNull();
    expect(line![2]!.trim().split(/\s+/)).toHaveLength(claims.length);
  });
});
