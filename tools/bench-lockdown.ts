/**
 * Lockdown overhead of the real gateway: start-to-healthy and RSS of the image run with the rendered compose
 * file's lockdown flags vs the same image, config, env and state volume without them (no read-only root, no
 * cap-drop, no no-new-privileges, no tmpfs, no memory/cpu/pids limits). Runs alternate (locked, plain, locked, ...)
 * so a change in host load hits both; the medians are compared. A third variant, locked but without `--cpus`,
 * shows how much of the start overhead is the CPU quota rather than the security flags.
 *
 * Needs a Docker daemon in DOCKER_HOST with the gateway image (e2e/run.sh provides both; alone:
 * `. ci/lib/dockerd.sh && start_dockerd && npm run e2e:image && npx tsx tools/bench-lockdown.ts`).
 *
 * CLI: tsx tools/bench-lockdown.ts [--image openclaw-gateway:<v>] [--config openclaw.json] [--compose compose.yaml] [--runs 3]
 *   prints `lockdown overhead: start x.xx, rss x.xx` and one JSON line {"bench":"lockdown",...}.
 * API: benchLockdown(opts) -> LockdownBench (tools/bench.ts calls it).
 */
import { execFileSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { parse } from "yaml";

export interface LockdownBenchOptions {
  image: string;
  /** openclaw.json to mount read-only (bind lan, token auth); default e2e/fixtures/openclaw.locked.json. */
  configPath?: string;
  /** Rendered compose file whose gateway service supplies the lockdown flags; default: the flags below. */
  composePath?: string;
  runs?: number;
  /** Seconds to wait for /healthz. @default 180 */
  allowance?: number;
  /** Seconds after healthy before RSS is read (the gateway keeps loading for a while). @default 10 */
  settle?: number;
  log?: (s: string) => void;
}

export interface LockdownBench {
  runs: number;
  startSeconds: { locked: number[]; plain: number[]; lockedNoCpuCap: number[] };
  rssMiB: { locked: number[]; plain: number[]; lockedNoCpuCap: number[] };
  median: Record<"locked" | "plain" | "lockedNoCpuCap", { start: number; rss: number }>;
  /** locked / plain: 1.00 = no overhead. `startNoCpuCap`: the same without `--cpus`, which separates the CPU
   * quota (a sizing choice) from the security flags. */
  ratio: { start: number; rss: number; startNoCpuCap: number };
  lockdownFlags: string[];
}

const docker = (args: string[]) =>
  execFileSync("docker", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** docker run flags equivalent to the rendered gateway service's lockdown keys. */
export function lockdownFlags(gw: any): string[] {
  const f: string[] = [];
  if (gw.read_only) f.push("--read-only");
  for (const c of gw.cap_drop ?? []) f.push("--cap-drop", c);
  for (const o of gw.security_opt ?? []) f.push("--security-opt", o);
  for (const t of gw.tmpfs ?? []) f.push("--tmpfs", t);
  if (gw.mem_limit) f.push("--memory", String(gw.mem_limit));
  if (gw.memswap_limit) f.push("--memory-swap", String(gw.memswap_limit));
  if (gw.cpus) f.push("--cpus", String(gw.cpus));
  if (gw.pids_limit) f.push("--pids-limit", String(gw.pids_limit));
  return f;
}

const DEFAULT_GATEWAY = {
  read_only: true,
  cap_drop: ["ALL"],
  security_opt: ["no-new-privileges:true"],
  tmpfs: ["/tmp:rw,noexec,nosuid,nodev,size=64m,mode=1777"],
  mem_limit: "2048m",
  memswap_limit: "2048m",
  cpus: 1,
  pids_limit: 256,
};

/** Polls /healthz with curl: synchronous, so nothing depends on the event loop staying alive between polls. */
function healthyAfter(port: number, allowance: number): number {
  const t0 = performance.now();
  while (performance.now() - t0 < allowance * 1000) {
    let body = "";
    try {
      body = execFileSync("curl", ["-s", "-m", "2", `http://127.0.0.1:${port}/healthz`], { encoding: "utf8" });
    } catch {
      /* not up yet */
    }
    if (body.includes('"status":"live"')) return (performance.now() - t0) / 1000;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
  }
  throw new Error(`gateway not healthy within ${allowance} s`);
}

/** RSS of every process in the container (KiB from `docker top`), in MiB. */
function rssMiB(name: string): number {
  const lines = docker(["top", name, "-o", "pid,rss"]).split("\n").slice(1);
  return lines.reduce((s, l) => s + (Number(l.trim().split(/\s+/)[1]) || 0), 0) / 1024;
}

export async function benchLockdown(o: LockdownBenchOptions): Promise<LockdownBench> {
  const log = o.log ?? (() => {});
  const runs = o.runs ?? 3;
  const gw = o.composePath ? parse(fs.readFileSync(o.composePath, "utf8")).services.gateway : DEFAULT_GATEWAY;
  const flags = lockdownFlags(gw);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-lockdown-"));
  const config = path.join(dir, "openclaw.json");
  fs.copyFileSync(o.configPath ?? path.join(__dirname, "..", "e2e", "fixtures", "openclaw.locked.json"), config);
  fs.chownSync(config, 1000, 1000);
  fs.chmodSync(config, 0o600);
  const token = crypto.randomBytes(32).toString("base64url");
  const env = [
    "-e",
    "XDG_CACHE_HOME=/tmp/.cache",
    "-e",
    "OPENCLAW_CONFIG_PATH=/etc/openclaw/openclaw.json",
    "-e",
    "OPENCLAW_STATE_DIR=/home/node/.openclaw",
    "-e",
    `OPENCLAW_GATEWAY_TOKEN=${token}`,
  ];
  const res: LockdownBench["startSeconds"] = { locked: [], plain: [], lockedNoCpuCap: [] };
  const rss: LockdownBench["rssMiB"] = { locked: [], plain: [], lockedNoCpuCap: [] };
  const noCpu = flags.filter((f, i) => f !== "--cpus" && flags[i - 1] !== "--cpus");
  const variant = { locked: flags, plain: [] as string[], lockedNoCpuCap: noCpu };
  const port = 18900 + (process.pid % 50);
  try {
    for (let i = 0; i < runs; i++) {
      for (const kind of ["locked", "plain", "lockedNoCpuCap"] as const) {
        const name = `bench-lockdown-${process.pid}-${kind}-${i}`;
        try {
          docker([
            "run",
            "-d",
            "--name",
            name,
            "--hostname",
            "openclaw-gateway",
            "--user",
            "1000:1000",
            ...variant[kind],
            ...env,
            "-v",
            `${config}:/etc/openclaw/openclaw.json:ro`,
            "-v",
            `${name}:/home/node/.openclaw`,
            "-p",
            `127.0.0.1:${port}:18789`,
            o.image,
          ]);
          const t = healthyAfter(port, o.allowance ?? 180);
          await new Promise((r) => setTimeout(r, (o.settle ?? 10) * 1000));
          const m = rssMiB(name);
          res[kind].push(t);
          rss[kind].push(m);
          log(`run ${i + 1} ${kind}: healthy after ${t.toFixed(1)} s, RSS ${m.toFixed(0)} MiB`);
        } finally {
          try {
            docker(["rm", "-f", "-v", name]);
            docker(["volume", "rm", "-f", name]);
          } catch {
            /* already gone */
          }
        }
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const med = (k: keyof typeof res) => ({ start: median(res[k]), rss: median(rss[k]) });
  const m = { locked: med("locked"), plain: med("plain"), lockedNoCpuCap: med("lockedNoCpuCap") };
  return {
    runs,
    startSeconds: res,
    rssMiB: rss,
    median: m,
    ratio: {
      start: m.locked.start / m.plain.start,
      rss: m.locked.rss / m.plain.rss,
      startNoCpuCap: m.lockedNoCpuCap.start / m.plain.start,
    },
    lockdownFlags: flags,
  };
}

if (require.main === module) {
  const { values } = parseArgs({
    options: {
      image: { type: "string", default: "openclaw-gateway:2026.9.6" },
      config: { type: "string" },
      compose: { type: "string" },
      runs: { type: "string", default: "3" },
    },
  });
  benchLockdown({
    image: values.image!,
    configPath: values.config,
    composePath: values.compose,
    runs: Number(values.runs),
    log: (s) => console.log(s),
  })
    .then((b) => {
      console.log(
        `medians: locked start ${b.median.locked.start.toFixed(1)} s rss ${b.median.locked.rss.toFixed(0)} MiB; plain start ${b.median.plain.start.toFixed(1)} s rss ${b.median.plain.rss.toFixed(0)} MiB`,
      );
      console.log(
        `lockdown overhead: start ${b.ratio.start.toFixed(2)}, rss ${b.ratio.rss.toFixed(2)} (target <= 1.05); start without the --cpus quota ${b.ratio.startNoCpuCap.toFixed(2)}`,
      );
      console.log(JSON.stringify({ bench: "lockdown", ...b }));
    })
    .catch((e) => {
      console.error(`bench-lockdown: ${e.message}`);
      process.exit(1);
    });
}
