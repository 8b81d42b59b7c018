/**
 * npm run bench [-- --runs N] [--lockdown] [--no-test]
 *
 * Prints figures, never asserts: the offline plan's time (median of N fresh processes, as a PR check runs it)
 * against the time a fresh process takes to import the SDKs the plan loads, measured interleaved so machine load
 * hits both alike; the `npm test` time; the systemd exposure score of every rendered unit, policy coverage, the
 * monthly cost estimate, and with --lockdown the gateway's start/RSS overhead under the lockdown (needs Docker;
 * see e2e/). Each figure is one section of main(); a new figure is a new section.
 */
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs, stripVTControlCharacters } from "node:util";

const ROOT = path.resolve(__dirname, "..");
const TSX = path.join(ROOT, "node_modules", ".bin", "tsx");

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** The SDKs the offline plan loads (the program's targets and the policy pack). */
const PLAN_SDKS = [
  "@pulumi/pulumi",
  "@pulumi/aws",
  "@pulumi/tailscale",
  "@pulumi/kubernetes",
  "@pulumi/docker",
  "@pulumi/policy",
];

interface Timed {
  /** Wall seconds. */
  wall: number;
  /** CPU seconds (user + system) of the child: less sensitive than wall time to other work on the machine. */
  cpu: number;
}

/** Runs a command to completion and times it; throws unless it exits with one of `okCodes`. */
function timed(cmd: string, args: string[], okCodes = [0]): Timed & { stdout: string } {
  const t = process.hrtime.bigint();
  // bash's `time` reports the CPU seconds (user, system) of the command and every process it waited for, last on
  // stderr.
  const r = spawnSync("bash", ["-c", 'TIMEFORMAT="%U %S"; time "$@"', "bench", cmd, ...args], {
    cwd: ROOT,
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
  const wall = Number(process.hrtime.bigint() - t) / 1e9;
  if (!okCodes.includes(r.status ?? -1))
    throw new Error(`${cmd} ${args.join(" ")} exited ${r.status}: ${(r.stderr ?? "").slice(-2000)}`);
  const m = /([\d.]+) ([\d.]+)\s*$/.exec(r.stderr ?? "");
  return { wall, cpu: m ? Number(m[1]) + Number(m[2]) : Number.NaN, stdout: r.stdout ?? "" };
}

/**
 * The offline plan as `npm run plan` runs it, a plain import of its SDKs (the target's yardstick), and the same
 * import with the deferral the bundled tools install (tools/lib/defer-sdk.cjs), alternating so load hits all alike.
 */
function planVersusImport(stack: string, runs: number): { plan: Timed[]; sdk: Timed[]; deferred: Timed[] } {
  // One untimed plan first: it builds the bundled CLI when a source changed since the last run.
  timed(process.execPath, ["tools/run.cjs", "plan", "--stack", stack, "--json"], [0, 1]);
  const plan: Timed[] = [];
  const sdk: Timed[] = [];
  const deferred: Timed[] = [];
  const importScript = PLAN_SDKS.map((m) => `require(${JSON.stringify(m)});`).join("");
  const deferScript = `require("./tools/lib/defer-sdk.cjs").deferUnusedSdkParts();${importScript}`;
  for (let i = 0; i < runs; i++) {
    plan.push(timed(process.execPath, ["tools/run.cjs", "plan", "--stack", stack, "--json"], [0, 1]));
    sdk.push(timed(process.execPath, ["-e", importScript]));
    deferred.push(timed(process.execPath, ["-e", deferScript]));
  }
  return { plan, sdk, deferred };
}

const loadAverage = () => os.loadavg()[0]!.toFixed(1);

function benchPlanRatio(runs: number): void {
  const load = loadAverage();
  const { plan, sdk, deferred } = planVersusImport("prod", runs);
  const med = (xs: Timed[], k: keyof Timed) => median(xs.map((x) => x[k]));
  console.log(
    `offline plan (prod, ${runs} fresh processes): median ${med(plan, "wall").toFixed(2)} s wall, ${med(plan, "cpu").toFixed(2)} s cpu; min ${Math.min(...plan.map((x) => x.wall)).toFixed(2)} s, max ${Math.max(...plan.map((x) => x.wall)).toFixed(2)} s`,
  );
  console.log(
    `SDK import (${PLAN_SDKS.join(", ")}; plain fresh process): median ${med(sdk, "wall").toFixed(2)} s wall, ${med(sdk, "cpu").toFixed(2)} s cpu`,
  );
  console.log(
    `plan/import ratio: ${(med(plan, "wall") / med(sdk, "wall")).toFixed(2)} wall, ${(med(plan, "cpu") / med(sdk, "cpu")).toFixed(2)} cpu (target <= 2; load ${load} -> ${loadAverage()})`,
  );
  // The plan defers SDK parts it never calls; against an import that defers them too, what is left is the
  // plan's own work (the program, the pack, the artifacts) plus the repository code and libraries it loads.
  console.log(
    `SDK import with the tools' deferral (tools/lib/defer-sdk.cjs): median ${med(deferred, "wall").toFixed(2)} s wall, ${med(deferred, "cpu").toFixed(2)} s cpu; plan/that ratio ${(med(plan, "wall") / med(deferred, "wall")).toFixed(2)} wall, ${(med(plan, "cpu") / med(deferred, "cpu")).toFixed(2)} cpu`,
  );
}

/** The pack alone on prod's resources, next to the plan time above. */
function benchPolicyPack(): void {
  const pack = spawnSync(TSX, ["tools/lib/bench-policy.ts", "prod"], { cwd: ROOT, encoding: "utf8" });
  console.log(`policy pack evaluation (prod, median of 5): ${pack.stdout.trim() || pack.stderr.trim()} ms`);
}

/** The whole `npm test` (type check, then every test file), as a developer runs it; fails the bench if it fails. */
function benchNpmTest(): void {
  const load = loadAverage();
  const test = timed("npm", ["test", "--silent"]);
  const counts = /Test Files\s+(\d+) passed.*\n\s*Tests\s+(\d+) passed/.exec(stripVTControlCharacters(test.stdout));
  console.log(
    `npm test: ${test.wall.toFixed(1)} s wall, ${test.cpu.toFixed(1)} s cpu (user+sys, all processes) (target <= 60 s wall; ${counts ? `${counts[2]} tests in ${counts[1]} files; ` : ""}load ${load} -> ${loadAverage()}, ${os.cpus().length} cores)`,
  );
}

function exposureScores(stack: string): [string, string][] {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "bench-"));
  try {
    spawnSync(process.execPath, ["tools/run.cjs", "plan", "--stack", stack, "--out", out], {
      cwd: ROOT,
      encoding: "utf8",
    });
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
    options: {
      runs: { type: "string", default: "5" },
      lockdown: { type: "boolean", default: false },
      "no-test": { type: "boolean", default: false },
    },
  });
  const runs = Number(values.runs);
  console.log(`# openclaw bench (${os.cpus().length} cores, node ${process.version}, load ${loadAverage()})`);

  benchPlanRatio(runs);
  benchPolicyPack();
  if (!values["no-test"]) benchNpmTest();

  for (const stack of ["prod", "caddy"]) {
    for (const [unit, score] of exposureScores(stack)) console.log(`systemd exposure (${stack}) ${unit}: ${score}`);
  }

  const coverage = spawnSync(TSX, ["tools/coverage-policies.ts"], { cwd: ROOT, encoding: "utf8" });
  const covered = /covered \d+\/\d+ controls/.exec(coverage.stdout ?? "");
  console.log(
    `policy coverage: ${covered ? covered[0] : (coverage.stdout || coverage.stderr).trim().split("\n").pop()}`,
  );

  const plan = JSON.parse(
    execFileSync(process.execPath, ["tools/run.cjs", "plan", "--stack", "prod", "--json"], {
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
