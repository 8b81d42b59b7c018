import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { backupHostAddon } from "../../components/backup/host-addon";
import { hostFileArtifacts } from "../../components/gateway-vm/layout";
import {
  backupScript,
  renderBackupEnv,
  renderBackupService,
  renderBackupTimer,
  restoreScript,
} from "../../components/backup/render";
import { testConfig } from "../helpers/config";
import { valueOf, withMocks } from "../helpers/mocks";

const has = (bin: string) => spawnSync("sh", ["-c", `command -v ${bin}`]).status === 0;
const keyArn = "arn:aws:kms:us-east-1:111122223333:key/11111111-2222-3333-4444-555555555555";
const env = { bucket: "openclaw-backup-abc", prefix: "prod/", keyArn, region: "us-east-1", stack: "prod" };

describe("renderBackupTimer", () => {
  it.each(["*-*-* 03:00:00", "daily", "Mon..Fri 02:30"])("OnCalendar=%s, persistent and spread", (schedule) => {
    const t = renderBackupTimer(schedule);
    expect(t).toContain(`\nOnCalendar=${schedule}\n`);
    expect(t).toContain("\nPersistent=true\n");
    expect(t).toMatch(/\nRandomizedDelaySec=\S+\n/);
    expect(t).toContain("WantedBy=timers.target");
  });
  it("rejects a schedule that would inject another directive", () => {
    expect(() => renderBackupTimer("daily\nOnBootSec=1")).toThrow(/openclaw:backup.schedule/);
  });
  it("takes the schedule from config", () => {
    const cfg = testConfig({ backup: { schedule: "*-*-* 04:15:00" } });
    expect(renderBackupTimer(cfg.backup.schedule)).toContain("OnCalendar=*-*-* 04:15:00");
  });
});

describe("renderBackupService", () => {
  const s = renderBackupService();
  it.each([
    "Type=oneshot",
    "EnvironmentFile=/etc/openclaw/backup.env",
    "ExecStart=/usr/local/lib/openclaw/backup.sh",
    "CapabilityBoundingSet=CAP_DAC_OVERRIDE",
    "ProtectSystem=strict",
    "ReadWritePaths=/var/lib/openclaw/backup-staging -/run/openclaw/docker",
    "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6",
    "NoNewPrivileges=yes",
    "PrivateMounts=yes",
    "Requires=docker.service",
    "RequiresMountsFor=/var/lib/openclaw",
  ])("has %s", (line) => expect(s.split("\n")).toContain(line));
  it("has no [Install] section (the timer starts it)", () => expect(s).not.toContain("[Install]"));
});

describe("renderBackupEnv", () => {
  it("writes every variable backup.sh requires", () => {
    const out = renderBackupEnv(env);
    for (const line of [
      "OPENCLAW_BACKUP_BUCKET=openclaw-backup-abc",
      "OPENCLAW_BACKUP_PREFIX=prod/",
      `OPENCLAW_BACKUP_KMS_KEY_ID=${keyArn}`,
      "OPENCLAW_STACK=prod",
      "AWS_REGION=us-east-1",
    ]) {
      expect(out.split("\n")).toContain(line);
    }
    const required = [...backupScript().matchAll(/^need (.+)$/gm)].flatMap((m) => m[1].split(" "));
    expect(required.length).toBeGreaterThanOrEqual(5);
    for (const v of required) expect(out).toMatch(new RegExp(`^${v}=`, "m"));
  });
  it.each([{ bucket: "a b" }, { bucket: "x\nEVIL=1" }, { keyArn: "$(reboot)" }])("rejects %j", (bad) => {
    expect(() => renderBackupEnv({ ...env, ...bad })).toThrow(/backup.env/);
  });
});

describe("rendered files pass the host's own checkers", () => {
  const dir = mkdtempSync(join(tmpdir(), "openclaw-backup-units-"));
  writeFileSync(join(dir, "openclaw-backup.service"), renderBackupService());
  writeFileSync(join(dir, "openclaw-backup.timer"), renderBackupTimer("*-*-* 03:00:00"));
  writeFileSync(join(dir, "backup.sh"), backupScript());
  writeFileSync(join(dir, "restore.sh"), restoreScript());

  it("systemd-analyze security --offline=true: exposure <= 2.0", () => {
    expect(has("systemd-analyze"), "systemd-analyze is installed here and in CI").toBe(true);
    const r = spawnSync("systemd-analyze", ["security", "--offline=true", "--no-pager", "openclaw-backup.service"], {
      cwd: dir,
      encoding: "utf8",
    });
    const m = /Overall exposure level for openclaw-backup\.service: (\d+\.\d+)/.exec(r.stdout + r.stderr);
    expect(m, r.stdout + r.stderr).not.toBeNull();
    const score = Number(m![1]);
    console.log(`openclaw-backup.service exposure: ${score}`);
    expect(score).toBeLessThanOrEqual(2.0);
  });

  it("systemd-analyze verify finds no syntax problems in the timer and service", () => {
    const r = spawnSync("systemd-analyze", ["verify", "--man=no", "openclaw-backup.timer", "openclaw-backup.service"], {
      cwd: dir,
      encoding: "utf8",
    });
    // Only the host's missing pieces (other units, the script path) may be reported, never an unknown key.
    const problems = (r.stdout + r.stderr)
      .split("\n")
      .filter((l) => l.trim() && !/not found|is not executable|No such file/.test(l));
    expect(problems).toEqual([]);
  });

  it.each(["backup.sh", "restore.sh"])("shellcheck %s", (f) => {
    expect(has("shellcheck"), "shellcheck is installed here and in CI").toBe(true);
    const out = spawnSync("shellcheck", ["-S", "style", f], { cwd: dir, encoding: "utf8" });
    expect(out.stdout + out.stderr).toBe("");
    expect(out.status).toBe(0);
  });

  it("scripts fail fast and say which variable is missing", () => {
    const r = spawnSync("bash", [join(dir, "backup.sh")], { encoding: "utf8", env: { PATH: process.env.PATH } });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("OPENCLAW_BACKUP_BUCKET is not set");
    expect(execFileSync("head", ["-n", "30", join(dir, "backup.sh")], { encoding: "utf8" })).toContain(
      "set -euo pipefail",
    );
  });
});

describe("backupHostAddon", () => {
  const args = (backup: Record<string, unknown> = {}, restoreFromHost?: boolean) => ({
    stack: "prod",
    region: "us-east-1",
    backup: testConfig({ backup }).backup,
    bucketName: "openclaw-backup-abc",
    bucketArn: "arn:aws:s3:::openclaw-backup-abc",
    keyArn,
    prefix: "prod/",
    restoreFromHost,
  });

  it("ships scripts, env, units; enables the timer; grants the backup statements", async () => {
    const { value: addon } = await withMocks(() => backupHostAddon(args()));
    expect(addon.files.map((f) => f.path).sort()).toEqual([
      "/etc/openclaw/backup.env",
      "/etc/systemd/system/openclaw-backup.service",
      "/etc/systemd/system/openclaw-backup.timer",
      "/usr/local/lib/openclaw/backup.sh",
      "/usr/local/lib/openclaw/restore.sh",
    ]);
    expect(addon.files.find((f) => f.path.endsWith("backup.sh"))!.permissions).toBe("0755");
    expect(addon.enableUnits).toEqual(["openclaw-backup.timer"]);
    expect(await valueOf(addon.files.find((f) => f.path === "/etc/openclaw/backup.env")!.content)).toContain(
      "OPENCLAW_BACKUP_BUCKET=openclaw-backup-abc",
    );
    const sids = ((await valueOf(addon.policyStatements!)) as { Sid: string }[]).map((s) => s.Sid);
    expect(sids).toEqual([
      "BackupPutUnderStackPrefix",
      "BackupEncryptWithBucketKey",
      "BackupSuccessMetric",
      "RestoreGetUnderStackPrefix",
      "RestoreListStackPrefix",
    ]);
  });

  it("restoreFromHost=false leaves the role write-only", async () => {
    const { value: addon } = await withMocks(() => backupHostAddon(args({}, false)));
    const actions = ((await valueOf(addon.policyStatements!)) as { Action: unknown }[]).map((s) => s.Action);
    expect(actions.flat()).not.toContain("s3:GetObject");
    expect(actions.flat()).not.toContain("s3:ListBucket");
  });

  it("backup.enabled=false adds nothing", async () => {
    const { value: addon } = await withMocks(() => backupHostAddon(args({ enabled: false })));
    expect(addon).toEqual({ files: [], enableUnits: [] });
  });

  it("plan artifacts carry the same files under vm/", async () => {
    const { value: addon } = await withMocks(() => backupHostAddon(args()));
    const files: Record<string, { content: string }> = {};
    for (const f of addon.files) files[f.path] = { content: await valueOf(f.content) };
    const a = hostFileArtifacts(files);
    expect(Object.keys(a).sort()).toEqual([
      "vm/backup.env",
      "vm/scripts/backup.sh",
      "vm/scripts/restore.sh",
      "vm/units/openclaw-backup.service",
      "vm/units/openclaw-backup.timer",
    ]);
    expect(await valueOf(a["vm/units/openclaw-backup.timer"])).toContain("OnCalendar=*-*-* 03:00:00");
  });
});
