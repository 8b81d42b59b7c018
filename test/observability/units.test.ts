/** The probe's units under the real systemd-analyze: exposure <= 2.0, and the timer follows the config. */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { sandbox } from "../../components/gateway-vm/units";
import {
  PROBE_SANDBOX_CHANGES,
  PROBE_SERVICE,
  PROBE_TIMER,
  renderProbeService,
  renderProbeTimer,
} from "../../components/observability/host";

function exposure(name: string, content: string): { score: number; out: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "oc-units-"));
  try {
    const file = path.join(dir, name);
    fs.writeFileSync(file, content);
    const out = execFileSync("systemd-analyze", ["security", "--offline=true", file], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    const m = /Overall exposure level for \S+: (\d+\.\d+)/.exec(out);
    if (!m) throw new Error(`no exposure score in:\n${out}`);
    return { score: Number(m[1]), out };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe("openclaw-health.service", () => {
  it("scores at most 2.0 in systemd-analyze security --offline=true", () => {
    const { score } = exposure(PROBE_SERVICE, renderProbeService());
    console.log(`${PROBE_SERVICE} exposure: ${score}`);
    expect(score).toBeLessThanOrEqual(2.0);
  });

  it("is the shared sandbox, with only the documented lines changed, and not root", () => {
    const lines = renderProbeService().split("\n");
    for (const l of sandbox({ network: true })) expect(lines).toContain(PROBE_SANDBOX_CHANGES[l] ?? l);
    expect(lines).toContain("DynamicUser=yes");
    expect(lines).not.toContain("ProcSubset=pid");
    // One RestrictAddressFamilies line: a second one would be merged with the first, not narrow it.
    expect(lines.filter((l) => l.startsWith("RestrictAddressFamilies="))).toEqual([
      "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6",
    ]);
  });
});

describe("openclaw-health.timer", () => {
  it.each([1, 3, 5])("fires every %i min", (n) => {
    const t = renderProbeTimer(n);
    expect(t).toContain(`OnUnitActiveSec=${n}min`);
    expect(t).toContain("OnBootSec=2min");
    expect(t).toContain("WantedBy=timers.target");
  });
  it.each([0, 6, 1.5])("rejects %s min, naming the config key", (n) => {
    expect(() => renderProbeTimer(n)).toThrow(/openclaw:observability.healthProbeIntervalMinutes/);
  });
  it("passes systemd-analyze verify beside its service", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "oc-timer-"));
    try {
      fs.writeFileSync(path.join(dir, PROBE_TIMER), renderProbeTimer(1));
      // The service's ExecStart does not exist on this machine; point it at a real binary for verify only.
      fs.writeFileSync(
        path.join(dir, PROBE_SERVICE),
        renderProbeService().replace(/^ExecStart=.*$/m, "ExecStart=/bin/true"),
      );
      const r = execFileSync(
        "systemd-analyze",
        ["verify", path.join(dir, PROBE_TIMER), path.join(dir, PROBE_SERVICE)],
        { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
      );
      expect(r).toBe("");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
