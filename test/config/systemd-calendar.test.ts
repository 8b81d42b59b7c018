/**
 * openclaw:backup.schedule is checked with systemd's calendar semantics; here against the real
 * `systemd-analyze calendar` (the tool the VM's systemd shares its parser with): every schedule the checker
 * accepts, systemd accepts and finds a next elapse for; every one systemd rejects or never fires, the checker
 * refuses, on a table of cases and on generated ones.
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { checkCalendar } from "../../components/config/sections/systemd-calendar";
import { parseStackConfig } from "../../components/config/schema";
import { BASE_VALUES } from "../helpers/config";

/** systemd's verdict: parses and elapses at least once. */
function systemd(spec: string): { ok: boolean; out: string } {
  const r = spawnSync("systemd-analyze", ["calendar", spec], { encoding: "utf8" });
  if (r.error) throw r.error;
  const out = `${r.stdout}${r.stderr}`;
  return { ok: r.status === 0 && /Next elapse: (?!never)/.test(out), out };
}

const table: [spec: string, accepted: boolean][] = [
  ["daily", true],
  ["hourly", true],
  ["weekly", true],
  ["semi-annually", true],
  ["*-*-* 03:00:00", true],
  ["*-*-* 3:0", true],
  ["03:00", true],
  ["Mon..Fri 02:30", true],
  ["mon,wed *-*-1..7 4:00", true],
  ["Sat *-*-1..7 18:00:00", true],
  ["Sat..Sun 01:00", true],
  ["*-*~1 23:00", true],
  ["*:0/15", true],
  ["*-*-* 03:00 UTC", true],
  ["*-*-* 03:00 Europe/Berlin", true],
  ["*-1/3-1 04:00", true],
  ["2099-1-1", true],
  ["Mon", true],
  // refused by systemd
  ["not a calendar", false],
  ["", false],
  ["*-*-* 24:00", false],
  ["*-*-* 03:60", false],
  ["*-13-01", false],
  ["*-*-32", false],
  ["1969-01-01", false],
  ["2200-01-01", false],
  ["Sun..Mon 03:00", false],
  ["*-*-7..1", false],
  ["*-0/3-1", false],
  ["*-*-* 03:00:00 Foo/Bar", false],
  ["Funday 03:00", false],
  ["daily\nOnBootSec=1", false],
  ["*-*-* 03:00 ; rm -rf /", false],
  // accepted by systemd, but never elapses: the timer would be enabled and never run
  ["2020-01-01", false],
  ["*-02-30", false],
  ["*-04-31 03:00", false],
  ["Mon 2020-*-*", false],
];

describe("backup.schedule is a systemd calendar event that fires", () => {
  it("systemd-analyze is installed here and in CI", () => {
    expect(spawnSync("systemd-analyze", ["--version"]).status).toBe(0);
  });

  it.each(table)("%j: accepted=%s by both the checker and systemd-analyze", (spec, accepted) => {
    expect(checkCalendar(spec) === undefined, checkCalendar(spec)).toBe(accepted);
    expect(systemd(spec).ok, systemd(spec).out).toBe(accepted);
  });

  it("on generated schedules, whatever the checker accepts systemd accepts and fires", () => {
    const pick = <T>(xs: T[], r: number) => xs[Math.floor(r * xs.length)];
    let seed = 20261130;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const weekdays = ["", "", "Mon", "mon..fri", "Sat,Sun", "Fri..Mon", "Xyz", "Tue..Thu,Sat"];
    const dates = ["", "*-*-*", "*-*-01", "2025-01-01", "2032-02-29", "2031-02-29", "*-02-30", "*-13-01", "*-*~1"];
    const dates2 = ["*-*-1..7", "*-*-7..1", "*-1/3-1", "*-0/3-1", "1969-1-1", "2199-12-31", "*-*-32", "*-2,8-15"];
    const times = ["", "03:00", "3:0:0", "24:00", "*:0/15", "00:60", "12:30:59", "12:30:60", "1,13:00", "5..1:00"];
    const zones = ["", "", "UTC", "Europe/Berlin", "Mars/Olympus"];
    const seen = new Set<string>();
    let agreed = 0;
    let accepted = 0;
    for (let n = 0; n < 160; n++) {
      const spec = [
        pick(weekdays, rand()),
        pick([...dates, ...dates2], rand()),
        pick(times, rand()),
        pick(zones, rand()),
      ]
        .filter(Boolean)
        .join(" ");
      if (seen.has(spec)) continue;
      seen.add(spec);
      const ours = checkCalendar(spec) === undefined;
      const theirs = systemd(spec);
      if (ours) {
        accepted++;
        expect(theirs.ok, `checker accepted ${JSON.stringify(spec)} but systemd says:\n${theirs.out}`).toBe(true);
      }
      if (ours === theirs.ok) agreed++;
    }
    // Both verdicts occur, and the checker refuses little that systemd would run (it may be stricter).
    expect(accepted).toBeGreaterThan(15);
    expect(seen.size - accepted).toBeGreaterThan(15);
    expect(agreed / seen.size).toBeGreaterThan(0.9);
  });

  it.each(["not a calendar", "*-02-30", "daily\nOnBootSec=1"])(
    "openclaw:backup.schedule %j is refused naming the key, the value and the fix",
    (schedule) => {
      const r = parseStackConfig({
        stack: "t",
        values: { ...BASE_VALUES, backup: { schedule } },
        secretKeys: new Set(),
      });
      expect(r.ok).toBe(false);
      const p = r.ok ? undefined : r.problems.find((x) => x.key === "openclaw:backup.schedule");
      expect(p?.value).toBe(JSON.stringify(schedule));
      expect(p?.message).toMatch(/never elapses|daily|03:00:00/);
    },
  );
});
