import { describe, expect, it } from "vitest";
import { parseStackConfig } from "../../components/config/schema";
import { BASE_VALUES, testConfig } from "../helpers/config";

describe("openclaw:observability", () => {
  it("defaults: 30-day retention, 1-minute probe, 90/85% thresholds, scheduled stop off", () => {
    const o = testConfig().observability;
    expect(o).toMatchObject({
      logRetentionDays: 30,
      healthProbeIntervalMinutes: 1,
      memoryAlarmPercent: 90,
      diskAlarmPercent: 85,
      monthlyBudgetUsd: 100,
    });
    expect(o.scheduledStop).toEqual({
      enabled: false,
      stopCron: "cron(0 20 ? * MON-FRI *)",
      startCron: "cron(0 7 ? * MON-FRI *)",
      timezone: "UTC",
    });
  });

  it.each([
    ["logRetentionDays", 45, /retention periods CloudWatch accepts/],
    ["healthProbeIntervalMinutes", 10, /at most 5 minutes/],
    ["healthProbeIntervalMinutes", 0, /at least 1 minute/],
    ["monthlyBudgetUsd", -5, /at least 1 USD/],
    ["memoryAlarmPercent", 100, /at most 99/],
    ["scheduledStop", { stopCron: "0 20 * * 1-5" }, /six fields/],
    ["scheduledStop", { timezone: "Mars/Olympus" }, /IANA time zone/],
  ])("rejects %s = %j, naming the key", (key, value, message) => {
    const r = parseStackConfig({
      stack: "t",
      values: { ...BASE_VALUES, observability: { [key]: value } },
      secretKeys: new Set(),
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const p = r.problems.find((x) => x.key.startsWith(`openclaw:observability.${key}`));
    expect(p?.message, JSON.stringify(r.problems)).toMatch(message);
  });

  it("accepts a scheduled stop in a named zone", () => {
    expect(
      testConfig({ observability: { scheduledStop: { enabled: true, timezone: "Europe/Berlin" } } }).observability
        .scheduledStop.enabled,
    ).toBe(true);
  });
});
