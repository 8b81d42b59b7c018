import { describe, expect, it } from "vitest";
import {
  backupLifecycleRules,
  backupPrefix,
  logLifecycleRules,
  preUpgradePrefix,
  rulesAgingKey,
} from "../../components/backup-bucket/lifecycle";
import { parseStackConfig } from "../../components/config/schema";
import { BASE_VALUES, testConfig } from "../helpers/config";

describe("backupLifecycleRules", () => {
  it("defaults: STANDARD -> STANDARD_IA at 30 -> GLACIER_IR at 90 -> expire at 365, under the stack prefix", () => {
    const [tiering, hygiene] = backupLifecycleRules(testConfig().backup, "prod/");
    expect(tiering).toEqual({
      id: "backups-tiering",
      status: "Enabled",
      filter: { prefix: "prod/" },
      transitions: [
        { days: 30, storageClass: "STANDARD_IA" },
        { days: 90, storageClass: "GLACIER_IR" },
      ],
      expiration: { days: 365 },
      noncurrentVersionExpiration: { noncurrentDays: 30 },
      abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
    });
    expect(hygiene.filter).toEqual({ prefix: "" });
    expect(hygiene.expiration).toEqual({ expiredObjectDeleteMarker: true });
    expect(hygiene.abortIncompleteMultipartUpload).toEqual({ daysAfterInitiation: 7 });
  });

  it.each([
    [{ standardIaAfterDays: 60, glacierAfterDays: 120, retentionDays: 730 }, [60, 120], 730, "GLACIER_IR"],
    [
      { glacierStorageClass: "DEEP_ARCHIVE", glacierAfterDays: 180, retentionDays: 2555 },
      [30, 180],
      2555,
      "DEEP_ARCHIVE",
    ],
    [
      { glacierStorageClass: "GLACIER", noncurrentVersionExpiryDays: 7, abortIncompleteUploadDays: 2 },
      [30, 90],
      365,
      "GLACIER",
    ],
  ] as const)("config %j -> transitions %j, expiry %d, class %s", (backup, days, expiry, cls) => {
    const cfg = testConfig({ backup });
    const [tiering] = backupLifecycleRules(cfg.backup, "s/");
    expect(tiering.transitions!.map((t) => t.days)).toEqual(days);
    expect(tiering.transitions![1].storageClass).toBe(cls);
    expect(tiering.expiration!.days).toBe(expiry);
    expect(tiering.noncurrentVersionExpiration!.noncurrentDays).toBe(cfg.backup.noncurrentVersionExpiryDays);
    expect(tiering.abortIncompleteMultipartUpload!.daysAfterInitiation).toBe(cfg.backup.abortIncompleteUploadDays);
    // Every transition before expiry, in increasing order.
    const all = [...tiering.transitions!.map((t) => t.days), tiering.expiration!.days!];
    expect([...all].sort((a, b) => a - b)).toEqual(all);
  });

  it("log bucket rules tier and expire too", () => {
    const [r] = logLifecycleRules(testConfig().backup);
    expect(r.transitions).toEqual([{ days: 30, storageClass: "STANDARD_IA" }]);
    expect(r.expiration).toEqual({ days: 365 });
  });
});

describe("backup config is rejected with the key's name", () => {
  const parse = (backup: unknown) =>
    parseStackConfig({ stack: "t", values: { ...BASE_VALUES, backup }, secretKeys: new Set() });
  it.each([
    [{ standardIaAfterDays: 10 }, "openclaw:backup.standardIaAfterDays", /at least 30/],
    [{ glacierAfterDays: 45 }, "openclaw:backup.glacierAfterDays", /standardIaAfterDays \+ 30 = 60/],
    [{ retentionDays: 100 }, "openclaw:backup.retentionDays", /glacierAfterDays \+ 90 = 180/],
    [{ glacierStorageClass: "ONEZONE_IA" }, "openclaw:backup.glacierStorageClass", /GLACIER_IR, GLACIER, DEEP_ARCHIVE/],
    [{ retentionDays: 12.5 }, "openclaw:backup.retentionDays", /whole number/],
    [{ objectLock: { enabled: true, days: 400 } }, "openclaw:backup.objectLock.days", /must not exceed retentionDays/],
    [{ schedule: "daily; rm -rf /" }, "openclaw:backup.schedule", /OnCalendar/],
    [{ retention: 30 }, "openclaw:backup.{retention}", /unknown key/],
  ])("%j -> %s", (backup, key, message) => {
    const r = parse(backup);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const p = r.problems.find((x) => x.key === key);
    expect(p, JSON.stringify(r.problems)).toBeDefined();
    expect(p!.message).toMatch(message);
  });
});

describe("backupPrefix", () => {
  it.each([
    ["prod", "prod/"],
    ["dev-1.eu", "dev-1.eu/"],
  ])("%s -> %s", (stack, prefix) => expect(backupPrefix(stack)).toBe(prefix));
  it.each(["", "a/b", "../x", "*"])("rejects %j", (stack) =>
    expect(() => backupPrefix(stack)).toThrow(/S3 key prefix/),
  );
});

describe("pre-upgrade backups are kept whatever the tiers say", () => {
  const b = testConfig().backup;
  it.each(["prod", "dev"])("stack %s: no rule transitions or expires pre-upgrade/<stack>/ keys", (stack) => {
    const rules = backupLifecycleRules(b, backupPrefix(stack));
    expect(rulesAgingKey(rules, `${preUpgradePrefix(stack)}2026-11-30T21-00-00Z.tar.zst`)).toEqual([]);
    // The scheduled backups beside them still age: the check can fail.
    expect(rulesAgingKey(rules, `${backupPrefix(stack)}2026-11-30T21-00-00Z.tar.zst`)).toEqual(["backups-tiering"]);
  });
  it("the prefix is outside the stack's own", () => {
    expect(preUpgradePrefix("prod")).toBe("pre-upgrade/prod/");
    expect(preUpgradePrefix("prod").startsWith(backupPrefix("prod"))).toBe(false);
  });
});
