/**
 * The Kubernetes upgrade transaction: the gateway pod's init container backs the state up before a new image
 * first runs on it (and only then), the Deployment recreates (one writer on the RWO claim), and the rendered
 * restore Job brings an archive back. Both scripts run for real here (sh, tar, sha256sum).
 */
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
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

/**
 * A sandbox for the two scripts: the state and the pre-upgrade claim as directories, the real sh, tar, gzip
 * and sha256sum, and an `openclaw` on PATH that records any call and fails: neither script may use the CLI.
 */
function sandbox() {
  const root = mkdtempSync(join(tmpdir(), "oc-k8s-upgrade-"));
  const bin = join(root, "bin");
  const state = join(root, "state");
  const pre = join(root, "pre-upgrade");
  for (const d of [bin, state, pre]) mkdirSync(d);
  writeFileSync(join(bin, "openclaw"), `#!/bin/sh\necho "$@" >> "${root}/calls"\nexit 9\n`);
  chmodSync(join(bin, "openclaw"), 0o755);
  const run = (script: string, env: Record<string, string>) =>
    spawnSync("sh", ["-c", script.replace(`d=${PRE_UPGRADE_MOUNT}\n`, `d=${pre}\n`)], {
      encoding: "utf8",
      env: { PATH: `${bin}:/usr/bin:/bin`, ...env },
    });
  const calls = () =>
    existsSync(join(root, "calls")) ? readFileSync(join(root, "calls"), "utf8").trim().split("\n") : [];
  /** The files under a directory with their contents, links as `-> target`. */
  const tree = (dir: string): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const f of readdirSync(dir, { recursive: true }).map(String).sort()) {
      const p = join(dir, f);
      const st = lstatSync(p);
      if (st.isSymbolicLink()) out[f] = `-> ${readlinkSync(p)}`;
      else if (st.isFile()) out[f] = readFileSync(p, "utf8");
    }
    return out;
  };
  /** An archive as the backup script writes it, of `files`, with its checksum and the image it belongs to. */
  const archive = (name: string, files: Record<string, string>, image = "gw:A\n") => {
    const src = mkdtempSync(join(root, "src-"));
    for (const [f, c] of Object.entries(files)) {
      mkdirSync(dirname(join(src, f)), { recursive: true });
      writeFileSync(join(src, f), c);
    }
    expect(spawnSync("tar", ["-C", src, "-czf", join(pre, name), "."]).status).toBe(0);
    const sum = spawnSync("sha256sum", [name], { cwd: pre, encoding: "utf8" });
    writeFileSync(join(pre, `${name}.sha256`), sum.stdout);
    writeFileSync(join(pre, name.replace(".tar.gz", ".image")), image);
  };
  return { root, state, pre, run, calls, tree, archive };
}

describe("the pre-upgrade backup script (sh, for real)", () => {
  it("backs up only when the image changes, byte for byte, records the image the state belongs to, keeps two archives", () => {
    const s = sandbox();
    const backup = preUpgradeBackupScript(s.state);
    const start = (img: string) => s.run(backup, { OPENCLAW_UPGRADE_IMAGE: img });
    const archives = () =>
      readdirSync(s.pre)
        .filter((f) => f.endsWith(".tar.gz"))
        .sort();

    expect(start("gw:A").status).toBe(0); // first start, empty state
    expect(archives()).toEqual([]);
    mkdirSync(join(s.state, "state"));
    writeFileSync(join(s.state, "state", "openclaw.sqlite"), "written by A\n");
    writeFileSync(join(s.state, "state", "openclaw.sqlite-wal"), "A's last transactions\n");
    symlinkSync("state/openclaw.sqlite", join(s.state, "current"));
    expect(start("gw:A").status).toBe(0); // a restart of the same image
    expect(archives()).toEqual([]);

    const r = start("gw:B");
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/holds the state as gw:A left it \(5 entries\)/);
    const [a] = archives();
    const out = mkdtempSync(join(s.root, "out-"));
    expect(spawnSync("tar", ["-C", out, "-xzf", join(s.pre, a!)]).status).toBe(0);
    expect(s.tree(out)).toEqual(s.tree(s.state));
    expect(spawnSync("sha256sum", ["-c", `${a}.sha256`], { cwd: s.pre }).status).toBe(0);
    expect(readFileSync(join(s.pre, a!.replace(".tar.gz", ".image")), "utf8")).toBe("gw:A\n");
    expect(readFileSync(join(s.pre, "running-image"), "utf8")).toBe("gw:B\n");

    // Two more upgrades: only the newest two archives stay (names carry the second; wait past it).
    for (const img of ["gw:C", "gw:D"]) {
      spawnSync("sleep", ["1.1"]);
      expect(start(img).status).toBe(0);
    }
    expect(archives()).toHaveLength(2);
    expect(archives()).not.toContain(a);
    expect(readdirSync(s.pre).filter((f) => f.startsWith(a!.replace(".tar.gz", "")))).toEqual([]);
    expect(s.calls()).toEqual([]);
  });

  it("a failed backup fails the init container, so the new image never starts on the state", () => {
    const s = sandbox();
    writeFileSync(join(s.state, "state.db"), "x\n");
    writeFileSync(join(s.pre, "running-image"), "gw:A\n");
    writeFileSync(join(s.root, "bin", "tar"), "#!/bin/sh\nexit 1\n");
    chmodSync(join(s.root, "bin", "tar"), 0o755);
    const r = s.run(preUpgradeBackupScript(s.state), { OPENCLAW_UPGRADE_IMAGE: "gw:B" });
    expect(r.status).not.toBe(0);
    expect(readFileSync(join(s.pre, "running-image"), "utf8")).toBe("gw:A\n");
    expect(readdirSync(s.pre).filter((f) => f.endsWith(".tar.gz"))).toEqual([]);
  });
});

describe("the restore script (sh, for real)", () => {
  const NAME = "pre-upgrade-20261130T210000Z.tar.gz";

  it("restores an archive into a fresh directory, swaps it in and keeps the replaced state", () => {
    const s = sandbox();
    s.archive(NAME, { "state/openclaw.sqlite": "state of A\n", "devices/paired.json": "[1]\n" });
    writeFileSync(join(s.state, "state.db"), "migrated by B\n");
    const r = s.run(preUpgradeRestoreScript(s.state), { OPENCLAW_RESTORE_ARCHIVE: NAME });
    expect(r.status, r.stderr).toBe(0);
    expect(s.tree(s.state)).toEqual({ "devices/paired.json": "[1]\n", "state/openclaw.sqlite": "state of A\n" });
    const aside = readdirSync(s.pre).find((f) => f.startsWith("replaced-"))!;
    expect(readFileSync(join(s.pre, aside, "state.db"), "utf8")).toBe("migrated by B\n");
    expect(readFileSync(join(s.pre, "running-image"), "utf8")).toBe("gw:A\n");
    expect(existsSync(join(s.pre, "restore-staging"))).toBe(false);
    expect(s.calls()).toEqual([]);
  });

  it.each([
    [
      "does not match its checksum",
      (pre: string) => writeFileSync(join(pre, `${NAME}.sha256`), `${"0".repeat(64)}  ${NAME}\n`),
    ],
    ["has no checksum file", (pre: string) => rmSync(join(pre, `${NAME}.sha256`))],
  ])("refuses an archive that %s: exit 1, the live state untouched", (_what, spoil) => {
    const s = sandbox();
    s.archive(NAME, { "state/openclaw.sqlite": "state of A\n" });
    spoil(s.pre);
    writeFileSync(join(s.state, "state.db"), "live\n");
    const r = s.run(preUpgradeRestoreScript(s.state), { OPENCLAW_RESTORE_ARCHIVE: NAME });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/or does not match it/);
    expect(s.tree(s.state)).toEqual({ "state.db": "live\n" });
  });

  it("refuses an archive with an entry outside it: exit 1, nothing written outside, the live state untouched", () => {
    const s = sandbox();
    const src = mkdtempSync(join(s.root, "evil-"));
    writeFileSync(join(src, "x"), "evil\n");
    // GNU tar keeps the transformed name as written: an entry named ../outside.
    expect(
      spawnSync("tar", ["-C", src, "--transform", "s,^x$,../outside,", "-czf", join(s.pre, NAME), "x"]).status,
    ).toBe(0);
    writeFileSync(
      join(s.pre, `${NAME}.sha256`),
      spawnSync("sha256sum", [NAME], { cwd: s.pre, encoding: "utf8" }).stdout,
    );
    expect(spawnSync("tar", ["-tzf", join(s.pre, NAME)], { encoding: "utf8" }).stdout).toContain("../outside");
    writeFileSync(join(s.state, "state.db"), "live\n");
    const r = s.run(preUpgradeRestoreScript(s.state), { OPENCLAW_RESTORE_ARCHIVE: NAME });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/entries outside the archive/);
    expect(s.tree(s.state)).toEqual({ "state.db": "live\n" });
    expect(existsSync(join(s.pre, "outside"))).toBe(false);
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
