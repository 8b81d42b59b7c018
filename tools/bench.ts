/**
 * npm run bench [-- --runs N] [--lockdown]
 *
 * Prints figures, never asserts: the offline plan's wall time (median of N fresh processes, as a PR check runs
 * it), the systemd exposure score of every rendered unit, policy coverage, the monthly cost estimate, and with
 * --lockdown the gateway's start/RSS overhead under the lockdown (needs Docker; see e2e/).
 */
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";

const ROOT = path.resolve(__dirname, "..");
const TSX = path.join(ROOT, "node_modules", ".bin", "tsx");

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function timePlan(stack: string, runs: number): number[] {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    const r = spawnSync(TSX, ["tools/plan.ts", "--stack", stack, "--json"], { cwd: ROOT, encoding: "utf8" });
    if (r.status !== 0 && r.status !== 1) throw new Error(`plan ${stack} exited ${r.status}: ${r.stderr}`);
    times.push(Number(process.hrtime.bigint() - t) / 1e9);
  }
  return times;
}

function exposureScores(stack: string): [string, string][] {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "bench-"));
  try {
    spawnSync(TSX, ["tools/plan.ts", "--stack", stack, "--out", out], { cwd: ROOT, encoding: "utf8" });
    const units = path.join(out, "vm", "units");
    if (!fs.existsSync(units)) return [];
    return fs
      .readdirSync(units)
      .filter((u) => u.endsWith(".service"))
      .map((u) => {
        const r = spawnSync("systemd-analyze", ["security", "--offline=true", path.join(units, u)], {
          encoding: "utf8",
        });
        const m = /Overall exposure level for \S+: ([\d.]+)/.exec(r.stdout ?? "");
        return [u, m ? m[1]! : `n/a (${(r.stderr || r.error?.message || "").trim().split("\n")[0]})`] as [
          string,
          string,
        ];
      });
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

function main() {
  const { values } = parseArgs({
    options: { runs: { type: "string", default: "5" }, lockdown: { type: "boolean", default: false } },
  });
  const runs = Number(values.runs);
  console.log(`# openclaw bench (${os.cpus().length} cores, node ${process.version})`);

  const times = timePlan("prod", runs);
  console.log(
    `offline plan (prod, ${runs} fresh processes): median ${median(times).toFixed(2)} s, min ${Math.min(...times).toFixed(2)} s, max ${Math.max(...times).toFixed(2)} s`,
  );
  const pack = spawnSync(TSX, ["tools/lib/bench-policy.ts", "prod"], { cwd: ROOT, encoding: "utf8" });
  console.log(`policy pack evaluation (prod, median of 5): ${pack.stdout.trim() || pack.stderr.trim()} ms`);

  for (const stack of ["prod", "caddy"]) {
    for (const [unit, score] of exposureScores(stack)) console.log(`systemd exposure (${stack}) ${unit}: ${score}`);
  }

  const coverage = spawnSync(TSX, ["tools/coverage-policies.ts"], { cwd: ROOT, encoding: "utf8" });
  const covered = /covered \d+\/\d+ controls/.exec(coverage.stdout ?? "");
  console.log(
    `policy coverage: ${covered ? covered[0] : (coverage.stdout || coverage.stderr).trim().split("\n").pop()}`,
  );

  const plan = JSON.parse(
    execFileSync(TSX, ["tools/plan.ts", "--stack", "prod", "--json"], {
      cwd: ROOT,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).toString() || "{}",
  );
  if (plan.cost) {
    console.log(
      `monthly estimate (prod): $${Number(plan.cost.totalUsd).toFixed(2)}, hardening overhead ${Number(plan.cost.overheadRatio).toFixed(2)} x the bare instance ($${Number(plan.cost.bareInstanceUsd).toFixed(2)})`,
    );
  }

  if (values.lockdown) {
    // A private dockerd and the real gateway image (cached after the first build), as the e2e suite uses them.
    const script = [
      ". ci/lib/dockerd.sh",
      "start_dockerd",
      "trap stop_dockerd EXIT",
      "bash e2e/build-gateway-image.sh >&2",
      `"${TSX}" tools/bench-lockdown.ts --runs 3`,
    ].join(" && ");
    const r = spawnSync("bash", ["-c", script], { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
    process.stdout.write(
      (r.stdout ?? "")
        .split("\n")
        .filter((l) => !l.startsWith('{"bench"'))
        .join("\n"),
    );
    if (r.status !== 0) console.log(`lockdown overhead: failed (exit ${r.status})`);
  } else {
    console.log("lockdown overhead: run `npm run bench -- --lockdown` (starts the real gateway on Docker, ~5 min)");
  }
}

main();
