/**
 * The root-run host scripts, run for real (bash, as root, as on the VM) with fake `docker`, `aws` and
 * `systemctl` on PATH (test/backup/fakes): what the one-off container or an archive leaves behind must never
 * make them chown, chmod, move or upload something outside their own scratch space, an invalid archive must
 * fail the backup, and the scripts that stop or restart the gateway must run one at a time.
 */
import { spawn, spawnSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { backupScript, restoreScript } from "../../components/backup/render";
import { HOST_LOCK_BEGIN, HOST_LOCK_END, hostLockShell } from "../../components/gateway-vm/host-lock";
import { renderReloadScript } from "../../components/rotating-secret/host-scripts";

const FAKES = join(__dirname, "fakes");

const RELOAD_INPUT = {
  region: "us-east-1",
  tokenSecretArn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:openclaw/prod/gateway-token-AbCdEf",
  stack: "prod",
};

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

let T = "";
let env: Record<string, string> = {};

function setup() {
  T = mkdtempSync(join(tmpdir(), "openclaw-host-scripts-"));
  chmodSync(T, 0o755);
  for (const [f, content] of Object.entries({
    "backup.sh": backupScript(),
    "restore.sh": restoreScript(),
    "reload-token.sh": renderReloadScript(RELOAD_INPUT),
  })) {
    writeFileSync(join(T, f), content, { mode: 0o755 });
  }
  // openclaw-backup.service's ExecStartPre: a root-only staging dir, the container's output dir inside it.
  mkdirSync(join(T, "staging", "container-out"), { recursive: true, mode: 0o700 });
  chmodSync(join(T, "staging"), 0o700);
  chownSync(join(T, "staging", "container-out"), 1000, 1000);
  mkdirSync(join(T, "s3"));
  mkdirSync(join(T, "data"), { mode: 0o755 });
  writeFileSync(join(T, "events"), "");
  writeFileSync(join(T, "log"), "");
  env = {
    PATH: `${FAKES}:${process.env.PATH}`,
    HOME: T,
    FAKE_EVENTS: join(T, "events"),
    FAKE_LOG: join(T, "log"),
    FAKE_S3: join(T, "s3"),
    OPENCLAW_LOCK_FILE: join(T, "lock", "host.lock"),
    OPENCLAW_BACKUP_ENV_FILE: "/nonexistent",
    OPENCLAW_BACKUP_BUCKET: "openclaw-backup-test",
    OPENCLAW_BACKUP_PREFIX: "test/",
    OPENCLAW_BACKUP_KMS_KEY_ID: "arn:aws:kms:us-east-1:111122223333:key/test",
    OPENCLAW_STACK: "test",
    AWS_REGION: "us-east-1",
    OPENCLAW_BACKUP_SOURCE: "container",
    OPENCLAW_BACKUP_STAGING: join(T, "staging"),
    OPENCLAW_BACKUP_HOST: "host",
    OPENCLAW_STATE_DIR: join(T, "data", "state"),
    OPENCLAW_GATEWAY_CONTROL: "none",
  };
}

function run(script: string, args: string[] = [], extra: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    const p = spawn("bash", [join(T, script), ...args], { env: { ...env, ...extra } });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d) => (stdout += d));
    p.stderr.on("data", (d) => (stderr += d));
    p.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** Every file the fake bucket holds, with its content. */
function bucket(): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string, rel: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(dir, e.name), `${rel}${e.name}/`);
      else out[`${rel}${e.name}`] = readFileSync(join(dir, e.name), "latin1");
    }
  };
  walk(join(T, "s3"), "");
  return out;
}

/** `start|end <what> <epoch seconds>` lines the fakes wrote, as intervals per process. */
function events(): { what: string; start: number; end: number }[] {
  const lines = readFileSync(join(T, "events"), "utf8").trim().split("\n").filter(Boolean);
  const open: Record<string, number> = {};
  const done: { what: string; start: number; end: number }[] = [];
  for (const l of lines) {
    const [kind, what, at] = l.split(" ");
    if (kind === "start") open[what] = Number(at);
    else done.push({ what, start: open[what], end: Number(at) });
  }
  return done;
}

const owner = (p: string) => {
  const s = lstatSync(p);
  return `${s.uid}:${s.gid} ${(s.mode & 0o7777).toString(8)}`;
};

/** A stored backup: archive bytes and the sha256 manifest backup.sh writes beside it. */
function storeBackup(key: string) {
  const file = join(T, "s3", key);
  mkdirSync(join(file, ".."), { recursive: true });
  writeFileSync(file, "archive bytes (the fake container does the restoring)");
  const sum = spawnSync("sha256sum", [file], { encoding: "utf8" }).stdout.split(" ")[0];
  writeFileSync(`${file}.sha256`, `${sum}  ${key.split("/").pop()}\n`);
}

beforeEach(() => {
  // The scripts chown to the container's uid and read through root's DAC override, as on the host.
  expect(process.getuid?.(), "these tests run the host scripts as root, as the VM does").toBe(0);
  setup();
});
afterEach(() => rmSync(T, { recursive: true, force: true }));

describe("backup.sh reads only what it made itself", () => {
  it("uploads a valid archive with its manifest and records success (the fakes work)", async () => {
    const r = await run("backup.sh");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/openclaw-backup: ok bytes=\d+ files=2 key=test\//);
    const keys = Object.keys(bucket());
    expect(keys.filter((k) => k.endsWith(".tar.gz"))).toHaveLength(1);
    expect(keys.filter((k) => k.endsWith(".tar.gz.sha256"))).toHaveLength(1);
    expect(readFileSync(join(T, "log"), "utf8")).toContain("aws cloudwatch put-metric-data");
    // The container's output is gone; nothing it wrote is left in the staging directory.
    expect(readdirSync(join(T, "staging", "container-out"))).toEqual([]);
  });

  it("refuses a symbolic link the container left in its output directory: the root-only file is not uploaded", async () => {
    const secret = join(T, "root-only-secret");
    writeFileSync(secret, "ROOT-ONLY-CONTENT\n", { mode: 0o600 });
    const r = await run("backup.sh", [], { FAKE_BACKUP: "link", FAKE_SECRET: secret });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /FAILED: .*container-out\/host-\S+\.tar\.gz, written by the container, is not a regular file/,
    );
    expect(Object.values(bucket()).join("")).not.toContain("ROOT-ONLY-CONTENT");
    expect(Object.keys(bucket())).toEqual([]);
    expect(readFileSync(join(T, "log"), "utf8")).not.toContain("put-metric-data");
    expect(readFileSync(secret, "utf8")).toBe("ROOT-ONLY-CONTENT\n");
  });

  it.each([
    ["not gzip at all", "garbage", /is not a valid gzip file/],
    ["a truncated gzip", "truncated", /is not a valid gzip file/],
  ])("an archive that is %s fails the backup: nothing uploaded, no success metric", async (_, mode, message) => {
    const r = await run("backup.sh", [], { FAKE_BACKUP: mode });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).not.toContain("openclaw-backup: ok");
    expect(bucket()).toEqual({});
    expect(readFileSync(join(T, "log"), "utf8")).not.toContain("aws ");
  });
});

describe("restore.sh never follows what the archive or the restore container controls", () => {
  const key = "test/2026/01/01/host-20260101T000000Z.tar.gz";
  let state = "";
  let victimParent = "";
  let victim = "";
  beforeEach(() => {
    storeBackup(key);
    // The live state, owned by the container's uid, as on the host.
    state = join(T, "data", "state");
    mkdirSync(state, { mode: 0o700 });
    writeFileSync(join(state, "old.txt"), "old state\n");
    chownSync(state, 1000, 1000);
    chmodSync(state, 0o700);
    // A host directory the attacker wants handed to uid 1000 (think /etc or /root/.ssh).
    victimParent = join(T, "host-dir");
    victim = join(victimParent, "posix", "home", "node", ".openclaw");
    mkdirSync(victim, { recursive: true, mode: 0o755 });
    writeFileSync(join(victim, "host-file"), "host data\n");
    chmodSync(victim, 0o755);
  });

  it("swaps in a restored tree and keeps the old state (the fakes work)", async () => {
    const r = await run("restore.sh", ["restore", key, "--force"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(readFileSync(join(state, "restored.txt"), "utf8")).toBe("restored\n");
    expect(owner(state)).toBe("1000:1000 700");
    const previous = readdirSync(join(T, "data")).find((d) => d.startsWith("state.pre-restore-"));
    expect(previous).toBeDefined();
    expect(readFileSync(join(T, "data", previous!, "old.txt"), "utf8")).toBe("old state\n");
    // The container got a box of its own (uid 1000, 0700); the scratch dir around it stayed root's.
    expect(readFileSync(join(T, "log"), "utf8")).toMatch(/docker service=backup mount=\/restore owner=1000 700/);
    expect(readdirSync(join(T, "data")).filter((d) => d.startsWith(".restore-"))).toEqual([]);
  });

  it.each([
    ["the state asset itself is a link to a host directory", "asset-link", /is a symbolic link/],
    [
      "a directory on the way to the state asset is a link",
      "payload-link",
      /payload in the restored tree is a symbolic link/,
    ],
    ["the restored tree itself is a link", "target-link", /is not a directory \(a link\?\)/],
  ])(
    "refuses when %s: nothing chowned, chmodded or moved, state unchanged, gateway started again",
    async (_, mode, message) => {
      const before = { victim: owner(victim), parent: owner(victimParent), state: owner(state) };
      const r = await run("restore.sh", ["restore", key, "--force"], {
        FAKE_RESTORE: mode,
        FAKE_VICTIM: victim,
        FAKE_VICTIM_PARENT: victimParent,
      });
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(/REFUSED: /);
      expect(r.stderr).toMatch(message);
      expect(owner(victim)).toBe(before.victim);
      expect(owner(victimParent)).toBe(before.parent);
      expect(readFileSync(join(victim, "host-file"), "utf8")).toBe("host data\n");
      expect(lstatSync(state).isSymbolicLink()).toBe(false);
      expect(owner(state)).toBe(before.state);
      expect(readdirSync(state)).toEqual(["old.txt"]);
      expect(readdirSync(join(T, "data")).sort()).toEqual(["state"]);
      expect(r.stdout).toContain("starting the gateway again on its unchanged state");
    },
  );

  it("refuses a live state directory that is a symbolic link before stopping anything", async () => {
    rmSync(state, { recursive: true });
    symlinkSync(victim, state);
    const r = await run("restore.sh", ["restore", key, "--force"]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/REFUSED: .*state is a symbolic link/);
    expect(owner(victim)).toBe("0:0 755");
    expect(readFileSync(join(T, "log"), "utf8")).not.toContain("docker");
  });
});

describe("one lock around every state-changing host script", () => {
  it("backup.sh, restore.sh and reload-token.sh carry the same lock snippet and take it", () => {
    const block = (s: string) => s.slice(s.indexOf(HOST_LOCK_BEGIN), s.indexOf(HOST_LOCK_END) + HOST_LOCK_END.length);
    for (const [name, s] of [
      ["backup.sh", backupScript()],
      ["restore.sh", restoreScript()],
      ["reload-token.sh", renderReloadScript(RELOAD_INPUT)],
    ]) {
      expect(block(s), name).toBe(hostLockShell());
      expect(s, name).toMatch(/^\s*(case .*\) )?host_lock "?[\w. $-]+"? \d+/m);
    }
  });

  it("backup.sh and restore.sh started at once run one after the other", async () => {
    storeBackup("test/2026/01/01/host-20260101T000000Z.tar.gz");
    const [b, r] = await Promise.all([
      run("backup.sh", [], { FAKE_SLEEP: "1.5" }),
      run("restore.sh", ["restore", "test/2026/01/01/host-20260101T000000Z.tar.gz"], { FAKE_SLEEP: "1.5" }),
    ]);
    expect(b.code, b.stderr).toBe(0);
    expect(r.code, r.stderr).toBe(0);
    const [first, second] = events().sort((x, y) => x.start - y.start);
    expect([first.what, second.what].sort()).toEqual(["create", "restore"]);
    expect(second.start).toBeGreaterThanOrEqual(first.end);
    expect(b.stderr + r.stderr).toMatch(/host-lock: (backup\.sh|restore\.sh restore) waits up to \d+s for .*held by: /);
  });

  it("reload-token.sh waits for a running backup before it touches the token", async () => {
    const backup = run("backup.sh", [], { FAKE_SLEEP: "2" });
    for (let i = 0; i < 100 && !readFileSync(join(T, "events"), "utf8").includes("start create"); i++)
      await new Promise((res) => setTimeout(res, 50));
    // In a private mount namespace with an empty /run: the script's fixed /run/openclaw paths stay untouched.
    const reload = await new Promise<Run & { end: number }>((resolve) => {
      const p = spawn(
        "unshare",
        [
          "-m",
          "--propagation",
          "private",
          "sh",
          "-c",
          'mount -t tmpfs -o size=1m tmpfs /run && exec bash "$0" sync-current',
          join(T, "reload-token.sh"),
        ],
        // No Secrets Manager here: the run fails at its fetch, after the lock; only the order is asserted.
        { env: { ...env, OPENCLAW_SECRET_WAIT_SECONDS: "1" } },
      );
      let stdout = "";
      let stderr = "";
      p.stdout.on("data", (d) => (stdout += d));
      p.stderr.on("data", (d) => (stderr += d));
      p.on("close", (code) => resolve({ code, stdout, stderr, end: Date.now() / 1000 }));
    });
    const b = await backup;
    expect(b.code, b.stderr).toBe(0);
    const create = events().find((e) => e.what === "create")!;
    expect(reload.stderr).toMatch(
      /host-lock: reload-token\.sh sync-current waits up to 60s .*held by: backup\.sh \(pid \d+\)/,
    );
    expect(reload.end).toBeGreaterThanOrEqual(create.end);
  });

  it("gives up after the timeout with a message naming the holder, and changes nothing", async () => {
    mkdirSync(join(T, "lock"), { mode: 0o700 });
    writeFileSync(join(T, "lock", "host.lock"), "restore.sh restore (pid 4242) since 2026-01-01T00:00:00Z\n");
    const holder = spawn("flock", [join(T, "lock", "host.lock"), "sleep", "10"]);
    try {
      await new Promise((res) => setTimeout(res, 300));
      const t0 = Date.now();
      const r = await run("backup.sh", [], { OPENCLAW_LOCK_TIMEOUT: "1" });
      expect(r.code).toBe(75);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
      expect(r.stderr).toMatch(
        /host-lock: backup\.sh gave up after 1s: .*host\.lock is still held by: restore\.sh restore \(pid 4242\).*run this again when it has finished/,
      );
      expect(readFileSync(join(T, "log"), "utf8")).toBe("");
      expect(bucket()).toEqual({});
    } finally {
      holder.kill();
    }
  });

  it.each([
    ["a symbolic link", (f: string) => symlinkSync("/etc/hostname", f)],
    ["a directory", (f: string) => mkdirSync(f)],
  ])("refuses a lock file that is %s", async (_, make) => {
    mkdirSync(join(T, "lock"), { mode: 0o700 });
    make(join(T, "lock", "host.lock"));
    const r = await run("backup.sh");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/host-lock: .*host\.lock is not a regular file/);
    expect(readFileSync(join(T, "log"), "utf8")).toBe("");
  });

  it("refuses a lock directory others can write", async () => {
    mkdirSync(join(T, "lock"));
    chmodSync(join(T, "lock"), 0o777);
    const r = await run("backup.sh");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /host-lock: .*lock must be a directory owned by uid 0 that no one else can write \(it is: 0 777\)/,
    );
    expect(existsSync(join(T, "lock", "host.lock"))).toBe(false);
    expect(statSync(join(T, "lock")).isDirectory()).toBe(true);
  });
});
