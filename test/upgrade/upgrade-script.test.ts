/**
 * components/upgrade/upgrade.sh run for real (bash, as root as on the VM) with a fake docker and compose client
 * on PATH (test/upgrade/fakes) and the health endpoints as files (file:// URL): a hostile or malformed release
 * is refused before anything changes, a release that fails its health gate is rolled back with the
 * pre-upgrade state, the operator's rollback returns to the previous release's state, and the host lock is
 * shared with the backup, restore and token scripts.
 */
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HOST_LOCK_BEGIN, HOST_LOCK_END, hostLockShell } from "../../components/gateway-vm/host-lock";
import { UPGRADE_EXIT, UPGRADE_SCRIPT, upgradeHostAddon, upgradeScript } from "../../components/upgrade/host-addon";

const SCRIPT = join(__dirname, "../../components/upgrade/upgrade.sh");
const FAKES = join(__dirname, "fakes");

let T = "";

function compose(image: string): string {
  return `services:\n  gateway:\n    image: ${image}\n    user: 1000:1000\n  backup:\n    image: ${image}\n    network_mode: none\n`;
}

function release(name: string, image: string, extra: Record<string, string> = {}): string {
  const dir = join(T, "incoming", name);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  writeFileSync(join(dir, "image"), `${image}\n`);
  writeFileSync(join(dir, "compose.yaml"), compose(image));
  writeFileSync(join(dir, "openclaw.json"), JSON.stringify({ gateway: { mode: "local", note: name } }));
  for (const [f, c] of Object.entries(extra)) writeFileSync(join(dir, f), c);
  return dir;
}

function run(args: string[], extraEnv: Record<string, string> = {}) {
  const r = spawnSync("bash", [SCRIPT, ...args], {
    encoding: "utf8",
    timeout: 60_000,
    env: {
      PATH: `${FAKES}:${process.env.PATH}`,
      FAKE_DIR: join(T, "fake"),
      FAKE_STATE: join(T, "data", "state"),
      DOCKER: join(FAKES, "docker"),
      OPENCLAW_COMPOSE_CMD: join(FAKES, "compose"),
      OPENCLAW_UPGRADE_RUNNER: "compose",
      OPENCLAW_CONFIG_DIR: join(T, "etc"),
      OPENCLAW_DATA_DIR: join(T, "data"),
      OPENCLAW_HEALTH_URL: `file://${join(T, "fake", "health")}`,
      OPENCLAW_UPGRADE_DEADLINE: "3",
      OPENCLAW_UPGRADE_PREFLIGHT: "0",
      OPENCLAW_UPGRADE_BACKUP: "none",
      OPENCLAW_LOCK_FILE: join(T, "lock", "host.lock"),
      OPENCLAW_LOCK_TIMEOUT: "1",
      ...extraEnv,
    },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const calls = () => (existsSync(join(T, "fake", "calls")) ? readFileSync(join(T, "fake", "calls"), "utf8") : "");
const state = (f: string) => readFileSync(join(T, "data", "state", f), "utf8");
const installedCompose = () => readFileSync(join(T, "etc", "compose.yaml"), "utf8");
const status = () => JSON.parse(run(["status"]).stdout);

/** The host as cloud-init leaves it: release files installed, the gateway running image `a:1`, some state. */
function bootHost() {
  mkdirSync(join(T, "etc"), { recursive: true });
  writeFileSync(join(T, "etc", "compose.yaml"), compose("registry.example/openclaw:1"));
  writeFileSync(join(T, "etc", "openclaw.json"), "{}");
  mkdirSync(join(T, "data", "state"), { recursive: true });
  writeFileSync(join(T, "data", "state", "data.txt"), "state of release 1\n");
  const r = spawnSync(join(FAKES, "compose"), ["-p", "openclaw", "-f", join(T, "etc", "compose.yaml"), "up", "-d"], {
    env: { ...process.env, FAKE_DIR: join(T, "fake"), FAKE_STATE: join(T, "data", "state") },
  });
  expect(r.status).toBe(0);
  rmSync(join(T, "fake", "calls"));
}

beforeEach(() => {
  T = mkdtempSync(join(tmpdir(), "openclaw-upgrade-"));
  mkdirSync(join(T, "fake"));
  mkdirSync(join(T, "lock"), { mode: 0o700 });
  bootHost();
});
afterEach(() => rmSync(T, { recursive: true, force: true }));

describe("upgrade.sh apply: hostile or malformed releases are refused before anything changes", () => {
  const cases: Array<[string, () => string, RegExp]> = [
    [
      "a release directory that is a symbolic link",
      () => {
        const d = release("real", "registry.example/openclaw:2");
        symlinkSync(d, join(T, "incoming", "link"));
        return join(T, "incoming", "link");
      },
      /is a symbolic link/,
    ],
    [
      "a file in the release that is a symbolic link (to /etc/shadow)",
      () => {
        const d = release("l", "registry.example/openclaw:2");
        symlinkSync("/etc/shadow", join(d, "Caddyfile"));
        return d;
      },
      /entry Caddyfile is a symbolic link/,
    ],
    [
      "an unexpected file",
      () => release("x", "registry.example/openclaw:2", { "evil.sh": "#!/bin/sh\nreboot\n" }),
      /entry evil.sh is not expected/,
    ],
    [
      "an unexpected directory",
      () => {
        const d = release("d", "registry.example/openclaw:2");
        mkdirSync(join(d, "systemd"));
        return d;
      },
      /entry systemd\/ is not expected/,
    ],
    [
      "an image line with shell syntax",
      () => {
        const d = release("i", "registry.example/openclaw:2");
        writeFileSync(join(d, "image"), "registry.example/openclaw:2$(touch /tmp/pwned)\n");
        return d;
      },
      /is not an image reference/,
    ],
    [
      "an image file of two lines",
      () => {
        const d = release("i2", "registry.example/openclaw:2");
        writeFileSync(join(d, "image"), "registry.example/openclaw:2\nother:1\n");
        return d;
      },
      /one line/,
    ],
    [
      "an openclaw.json that is not JSON",
      () => {
        const d = release("j", "registry.example/openclaw:2");
        writeFileSync(join(d, "openclaw.json"), "{ not json");
        return d;
      },
      /openclaw.json is not a JSON object/,
    ],
    [
      "a compose file that runs another image than the image file names",
      () => {
        const d = release("m", "registry.example/openclaw:2");
        writeFileSync(join(d, "compose.yaml"), compose("evil.example/miner:latest"));
        return d;
      },
      /image file and the compose file disagree/,
    ],
    [
      "a release directory others can write",
      () => {
        const d = release("w", "registry.example/openclaw:2");
        chmodSync(d, 0o777);
        return d;
      },
      /writable by group or others/,
    ],
    ["a release directory that does not exist", () => join(T, "incoming", "nope"), /is not a directory/],
  ];
  for (const [what, make, message] of cases) {
    it(`refuses ${what} (exit 2), touching neither config, state nor docker`, () => {
      const before = installedCompose();
      const r = run(["apply", "--release", make()]);
      expect(r.stderr).toMatch(message);
      expect(r.code).toBe(UPGRADE_EXIT.refused);
      expect(installedCompose()).toBe(before);
      expect(state("data.txt")).toBe("state of release 1\n");
      expect(calls()).not.toMatch(/docker (pull|run)|compose .*(stop|up)/);
      expect(existsSync("/tmp/pwned")).toBe(false);
    });
  }

  it("refuses bad usage with exit 2", () => {
    expect(run(["apply"]).code).toBe(2);
    expect(run(["apply", "--release"]).code).toBe(2);
    expect(run(["apply", "--release", release("u", "registry.example/openclaw:2"), "--force"]).code).toBe(2);
    expect(run(["frobnicate"]).code).toBe(2);
  });

  it("refuses an image it cannot pull, before stopping anything", () => {
    const r = run(["apply", "--release", release("p", "registry.example/openclaw:missing")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot pull/);
    expect(calls()).not.toMatch(/compose .* stop/);
  });
});

describe("upgrade.sh apply: the transaction", () => {
  it("upgrades, pins the image by id, records the rollback point and keeps the state", () => {
    const r = run(["apply", "--release", release("two", "registry.example/openclaw:2")]);
    expect(r.stderr).toMatch(/adopted the running configuration/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^downtime_s=\d+\.\d$/m);
    // The fake registry has no digests: the local image id is what gets pinned, in both services.
    expect(installedCompose().match(/image: sha256:[0-9a-f]{64}/g)).toHaveLength(2);
    expect(installedCompose()).not.toMatch(/openclaw:2/);
    expect(JSON.parse(readFileSync(join(T, "etc", "openclaw.json"), "utf8")).gateway.note).toBe("two");
    expect(state("data.txt")).toBe("state of release 1\n");
    const s = status();
    expect(s.current).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{12}$/);
    expect(s.image).toMatch(/^sha256:/);
    expect(s.previous).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{12}$/);
    expect(s.rollbackPoint).toMatchObject({ release: s.current, previous: s.previous });
  });

  it("rolls back a release that fails its health gate: previous image AND pre-upgrade state (exit 3)", () => {
    expect(run(["apply", "--release", release("two", "registry.example/openclaw:2")]).code).toBe(0);
    const good = status();
    const composeBefore = installedCompose();
    const r = run(["apply", "--release", release("bad", "registry.example/openclaw:3-bad")]);
    expect(r.stderr).toMatch(/failed its health gate; rolling back/);
    expect(r.code).toBe(UPGRADE_EXIT.rolledBack);
    expect(r.stdout).toMatch(/^rollback_s=\d+\.\d$/m);
    // The bad release migrated the state; the rollback put the pre-upgrade copy back.
    expect(existsSync(join(T, "data", "state", "MIGRATED"))).toBe(false);
    expect(state("data.txt")).toBe("state of release 1\n");
    expect(installedCompose()).toBe(composeBefore);
    expect(readFileSync(join(T, "fake", "running-ref"), "utf8").trim()).toMatch(/^sha256:/);
    expect(status()).toEqual(good);
  });

  it("runs the preflight on a copy of the state: a release that crashes there never stops the gateway (exit 3)", () => {
    expect(
      run(["apply", "--release", release("two", "registry.example/openclaw:2")], { OPENCLAW_UPGRADE_PREFLIGHT: "1" })
        .code,
    ).toBe(0);
    const good = status();
    const composeBefore = installedCompose();
    rmSync(join(T, "fake", "calls"));
    const r = run(["apply", "--release", release("bad", "registry.example/openclaw:3-bad")], {
      OPENCLAW_UPGRADE_PREFLIGHT: "1",
    });
    expect(r.stderr).toMatch(/preflight: the new version exited on the copy/);
    expect(r.code).toBe(UPGRADE_EXIT.rolledBack);
    expect(calls()).not.toMatch(/compose .* (stop|up)/);
    // The dry start ran locked down and offline on a copy, never on the live state directory.
    const dry =
      calls()
        .split("\n")
        .find((l) => l.startsWith("docker run -d")) ?? "";
    expect(dry).toMatch(
      /--network none --read-only --cap-drop ALL --security-opt no-new-privileges:true --user 1000:1000/,
    );
    expect(dry).toMatch(/-v \S+\/preflight\/state:\/home\/node\/.openclaw /);
    expect(dry).not.toContain(`${join(T, "data", "state")}:`);
    expect(installedCompose()).toBe(composeBefore);
    expect(status()).toEqual(good);
    expect(readdirSync(join(T, "data", "upgrade", "work"))).toEqual([]);
  });

  it("exits 1 when the rollback itself fails, keeping the pre-upgrade state copy", () => {
    expect(run(["apply", "--release", release("two", "registry.example/openclaw:2")]).code).toBe(0);
    // Every start fails from now on: the new release and the rollback alike.
    writeFileSync(join(T, "fake", "up-fails"), "");
    const r = run(["apply", "--release", release("three", "registry.example/openclaw:3")]);
    expect(r.stderr).toMatch(/ROLLBACK FAILED/);
    expect(r.code).toBe(UPGRADE_EXIT.rollbackFailed);
    const kept = /pre-upgrade state is kept at (\S+)/.exec(r.stderr)?.[1];
    expect(kept && readFileSync(join(kept, "state", "data.txt"), "utf8")).toBe("state of release 1\n");
  });

  it("rollback returns to the previous release with the state from before the upgrade, once", () => {
    expect(run(["apply", "--release", release("two", "registry.example/openclaw:2")]).code).toBe(0);
    const first = status().previous;
    // Release 2 runs for a while and changes the state.
    writeFileSync(join(T, "data", "state", "data.txt"), "written by release 2\n");
    const r = run(["rollback"]);
    expect(r.code).toBe(0);
    expect(state("data.txt")).toBe("state of release 1\n");
    // What ran before the first upgrade, pinned: a tag moved since then would not change what comes back.
    expect(installedCompose()).toContain(
      `image: sha256:${createHash("sha256").update("registry.example/openclaw:1").digest("hex")}`,
    );
    expect(status()).toMatchObject({ current: first, previous: null, rollbackPoint: null });
    const again = run(["rollback"]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/no completed upgrade to roll back/);
  });

  it("keeps only the newest rollback point and the releases it needs", () => {
    expect(run(["apply", "--release", release("two", "registry.example/openclaw:2")]).code).toBe(0);
    expect(run(["apply", "--release", release("four", "registry.example/openclaw:4")]).code).toBe(0);
    const s = status();
    const up = join(T, "data", "upgrade");
    const ls = (d: string) =>
      spawnSync("ls", [join(up, d)], { encoding: "utf8" })
        .stdout.trim()
        .split("\n");
    expect(ls("rollback")).toEqual([s.current]);
    expect(ls("releases").sort()).toEqual([s.current, s.previous].sort());
  });

  it("refuses a pointer file that does not hold a release id (never used as a path)", () => {
    expect(run(["apply", "--release", release("two", "registry.example/openclaw:2")]).code).toBe(0);
    writeFileSync(join(T, "data", "upgrade", "previous"), "../../../etc\n");
    const r = run(["rollback"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/not a release id/);
    expect(state("data.txt")).toBe("state of release 1\n");
  });

  it("waits for the host lock and gives up with 75 while a backup holds it", () => {
    const lockHolder = spawn("flock", [join(T, "lock", "host.lock"), "sleep", "5"]);
    try {
      spawnSync("sleep", ["0.3"]);
      const r = run(["apply", "--release", release("two", "registry.example/openclaw:2")]);
      expect(r.code).toBe(UPGRADE_EXIT.lockBusy);
      expect(r.stderr).toMatch(/gave up after 1s/);
      expect(calls()).not.toMatch(/compose .* (stop|up)/);
    } finally {
      lockHolder.kill();
    }
  });
});

describe("upgrade.sh apply: pre-upgrade backup and snapshot (AWS host)", () => {
  const BACKUP = join(__dirname, "../../components/backup/backup.sh");
  function awsHost() {
    mkdirSync(join(T, "staging"), { mode: 0o700 });
    writeFileSync(
      join(T, "etc", "backup.env"),
      [
        "OPENCLAW_BACKUP_BUCKET=openclaw-backups-test",
        "OPENCLAW_BACKUP_PREFIX=prod/",
        "OPENCLAW_BACKUP_KMS_KEY_ID=arn:aws:kms:us-east-1:123456789012:key/abcd",
        "OPENCLAW_STACK=prod",
        "AWS_REGION=us-east-1",
        `OPENCLAW_BACKUP_SOURCE=dir:${join(T, "data", "state")}`,
        `OPENCLAW_BACKUP_STAGING=${join(T, "staging")}`,
        "",
      ].join("\n"),
    );
    writeFileSync(join(T, "etc", "host.env"), "STATE_VOLUME_ID=vol-0123456789abcdef0\nOPENCLAW_STACK=prod\n");
  }
  const awsEnv = () => ({
    OPENCLAW_UPGRADE_BACKUP: "auto",
    OPENCLAW_BACKUP_SCRIPT: BACKUP,
    OPENCLAW_BACKUP_METRIC: "none",
    AWS_CLI: join(FAKES, "aws"),
  });
  const objects = () =>
    spawnSync("find", [join(T, "fake", "s3"), "-type", "f"], { encoding: "utf8" })
      .stdout.trim()
      .split("\n")
      .filter(Boolean)
      .map((f) => f.slice(join(T, "fake", "s3").length + 1))
      .sort();

  it("uploads a verified archive under <stack>/pre-upgrade/, snapshots the volume, and drops the previous archive after the next success", () => {
    awsHost();
    const r = run(["apply", "--release", release("two", "registry.example/openclaw:2")], awsEnv());
    expect(r.stderr).toMatch(/pre-upgrade backup s3 key prod\/pre-upgrade\//);
    expect(r.code).toBe(0);
    const first = objects();
    expect(first).toHaveLength(2);
    expect(first[0]).toMatch(/^prod\/pre-upgrade\/\d{4}\/\d{2}\/\d{2}\/.+\.tar\.gz$/);
    expect(first[1]).toBe(`${first[0]}.sha256`);
    // The archive holds the state as it was before the upgrade.
    const list = spawnSync("tar", ["-tzf", join(T, "fake", "s3", first[0])], { encoding: "utf8" }).stdout;
    expect(list).toMatch(/payload\/posix.*\/data\.txt/);
    expect(calls()).toMatch(
      /aws ec2 create-snapshot --region us-east-1 --volume-id vol-0123456789abcdef0 .*Key=openclaw:stack,Value=prod\},\{Key=openclaw:purpose,Value=pre-upgrade\}/,
    );
    expect(status().rollbackPoint).toMatchObject({ s3Key: first[0], snapshot: "snap-0123456789abcdef0" });

    spawnSync("sleep", ["1.1"]); // a new archive name (second resolution)
    expect(run(["apply", "--release", release("four", "registry.example/openclaw:4")], awsEnv()).code).toBe(0);
    const second = objects();
    expect(second).toHaveLength(2);
    expect(second).not.toContain(first[0]);
    expect(status().rollbackPoint.s3Key).toBe(second[0]);
  });

  it("stops before anything changes when the backup fails (exit 3, the gateway never stopped)", () => {
    awsHost();
    writeFileSync(join(T, "fake", "s3-fails"), "");
    const before = installedCompose();
    const r = run(["apply", "--release", release("two", "registry.example/openclaw:2")], awsEnv());
    expect(r.stderr).toMatch(/pre-upgrade backup failed/);
    expect(r.code).toBe(UPGRADE_EXIT.rolledBack);
    expect(installedCompose()).toBe(before);
    expect(calls()).not.toMatch(/compose .* (stop|up)/);
  });
});

describe("upgrade.sh as shipped", () => {
  it("carries the host lock snippet verbatim", () => {
    const s = upgradeScript();
    const snippet = s.slice(s.indexOf(HOST_LOCK_BEGIN), s.indexOf(HOST_LOCK_END) + HOST_LOCK_END.length);
    expect(snippet).toBe(hostLockShell());
  });

  it("is shellcheck-clean", () => {
    const r = spawnSync("shellcheck", ["-S", "style", SCRIPT], { encoding: "utf8" });
    expect(r.error, "shellcheck must be installed (apt-get install -y shellcheck)").toBeUndefined();
    expect(r.stdout).toBe("");
    expect(r.status).toBe(0);
  });

  it("is installed by the host add-on at the path the SSM document runs, root-only", () => {
    const a = upgradeHostAddon();
    expect(UPGRADE_SCRIPT).toBe("/usr/local/lib/openclaw/upgrade.sh");
    expect(a.files).toEqual([
      { path: UPGRADE_SCRIPT, content: upgradeScript(), permissions: "0755", owner: "root:root" },
    ]);
    expect(a.enableUnits).toEqual([]);
  });
});
