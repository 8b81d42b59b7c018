/**
 * The rotation e2e's orchestrator (run by e2e/rotation/run.sh): the stack's rotation handler
 * (components/rotating-secret/handler) against the Secrets Manager emulator, delivering to the real gateway
 * through the stack's rendered reload-token.sh, as SSM Run Command would run it on the host. A background loop
 * runs the reconcile timer's command. Faults are injected one scenario at a time; after each, the gateway must
 * accept exactly AWSCURRENT within the reconciler's period.
 *
 * usage: tsx driver.ts provision | scenarios
 * env:   RT_SM (emulator URL), RT_SECRET_FILE (where the secret ARN is kept), RT_SCRIPT (rendered reload-token.sh),
 *        RT_RUN_DIR, RT_COMPOSE, RT_RECONCILE_SECONDS, RT_RESULT (JSON summary written here),
 *        RT_RENDERED_ARN (the token secret's ARN in the rendered scripts)
 */
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { randomUUID } from "node:crypto";
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  RotateSecretCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { containerHelper, rotationTimeouts } from "../../components/rotating-secret/host-scripts";
import {
  type Delivery,
  rotate,
  type RotationStep,
  rotationSteps,
} from "../../components/rotating-secret/handler/rotation";

const env = (k: string): string => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set`);
  return v;
};
const sm = new SecretsManagerClient({
  endpoint: env("RT_SM"),
  region: "us-east-1",
  credentials: { accessKeyId: "e2e", secretAccessKey: "e2e" },
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const t0 = Date.now();
const log = (m: string) => console.log(`INFO  [${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${m}`);
const RECONCILE = Number(process.env.RT_RECONCILE_SECONDS ?? "20");

/** The host's environment for reload-token.sh: what the unit and SSM give it, pointed at the test's paths. */
function hostEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    DOCKER_HOST: process.env.DOCKER_HOST,
    OPENCLAW_SM_ENDPOINT: env("RT_SM"),
    OPENCLAW_MONITORING_ENDPOINT: env("RT_SM"),
    OPENCLAW_RUN_DIR: env("RT_RUN_DIR"),
    OPENCLAW_COMPOSE: env("RT_COMPOSE"),
    AWS_ACCESS_KEY_ID: "e2e",
    AWS_SECRET_ACCESS_KEY: "e2e",
    ...extra,
  };
}

/** Runs reload-token.sh under the SSM document's `timeout`; resolves with exit code and output. */
function runHost(args: string[], extra: Record<string, string> = {}): Promise<{ rc: number; out: string }> {
  return new Promise((resolve) => {
    const p = spawn("timeout", [String(rotationTimeouts.hostActionSeconds), "bash", env("RT_SCRIPT"), ...args], {
      env: hostEnv(extra),
    });
    let out = "";
    p.stdout.on("data", (d) => (out += d));
    p.stderr.on("data", (d) => (out += d));
    p.on("close", (rc) => resolve({ rc: rc ?? 1, out }));
  });
}

interface Fault {
  /** Env for the host action of that kind. */
  hostEnv?: Partial<Record<"check" | "sync", Record<string, string>>>;
  /** The rotation function stops waiting after this long (the host action goes on). */
  waitMs?: number;
}

/** SSM Run Command as the handler sees it, here running the rendered script directly. */
class ScriptDelivery implements Delivery {
  fault: Fault = {};
  private async run(kind: "check" | "sync", args: string[]) {
    const p = runHost(args, this.fault.hostEnv?.[kind]);
    const wait = this.fault.waitMs ?? rotationTimeouts.deliveryWaitSeconds * 1000;
    const r = await Promise.race([p, sleep(wait).then(() => undefined)]);
    if (!r) throw new Error(`SSM ${args[0]}: no result within ${wait} ms (the host action goes on)`);
    if (r.rc !== 0)
      throw new Error(`SSM ${args[0]} failed (exit ${r.rc}): ${r.out.trim().split("\n").slice(-2).join(" | ")}`);
  }
  checkPending(v: string) {
    return this.run("check", ["check-pending", v]);
  }
  syncCurrent() {
    return this.run("sync", ["sync-current"]);
  }
}

const secretArn = () => readFileSync(env("RT_SECRET_FILE"), "utf8").trim();
async function current(): Promise<{ version: string; value: string }> {
  const r = await sm.send(new GetSecretValueCommand({ SecretId: secretArn(), VersionStage: "AWSCURRENT" }));
  return { version: r.VersionId!, value: r.SecretString! };
}
async function startRotation(): Promise<string> {
  const token = randomUUID();
  await sm.send(
    new RotateSecretCommand({
      SecretId: secretArn(),
      ClientRequestToken: token,
      RotationRules: { AutomaticallyAfterDays: 30 },
      RotateImmediately: true,
    }),
  );
  return token;
}
const delivery = new ScriptDelivery();
async function step(token: string, s: RotationStep) {
  await rotate(
    { Step: s, SecretId: secretArn(), ClientRequestToken: token },
    { sm, delivery, expectedSecretArn: secretArn() },
  );
}
async function stepExpectingFailure(token: string, s: RotationStep, what: string): Promise<string> {
  try {
    await step(token, s);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error(`${what}: ${s} was expected to fail`);
}

/** In the gateway container, loopback (its own rate-limit bucket): 0 accepted, 1 rejected. */
function probeInGateway(token: string): Promise<number> {
  return new Promise((resolve) => {
    const compose = env("RT_COMPOSE").split(" ");
    const id = spawn(compose[0]!, [...compose.slice(1), "ps", "-q", "gateway"], { env: process.env });
    let cid = "";
    id.stdout.on("data", (d) => (cid += d));
    id.on("close", () => {
      const p = spawn("docker", ["exec", "-e", "OC_TOKEN", cid.trim(), "node", "-e", containerHelper, "probe"], {
        env: { ...process.env, OC_TOKEN: token },
        stdio: "ignore",
      });
      p.on("close", (rc) => resolve(rc ?? 2));
    });
  });
}

const results: { name: string; recovered: boolean; seconds: number; detail: string }[] = [];

/** After a scenario: the gateway accepts AWSCURRENT and rejects the token before it, within the reconciler's period. */
async function expectConverged(name: string, previous: string, since: number, detail: string) {
  const limit = RECONCILE + rotationTimeouts.hostActionSeconds;
  const cur = await current();
  let seconds = -1;
  while ((Date.now() - since) / 1000 < limit) {
    if ((await probeInGateway(cur.value)) === 0) {
      seconds = (Date.now() - since) / 1000;
      break;
    }
    await sleep(2000);
  }
  const oldRejected = seconds >= 0 && previous !== cur.value ? (await probeInGateway(previous)) === 1 : seconds >= 0;
  const recovered = seconds >= 0 && oldRejected;
  results.push({ name, recovered, seconds, detail });
  console.log(
    `${recovered ? "PASS" : "FAIL"}  ${name}: gateway accepts AWSCURRENT ${cur.version.slice(0, 8)}${recovered ? ` after ${seconds.toFixed(1)} s` : ` not within ${limit} s`}, previous token ${oldRejected ? "rejected" : "STILL ACCEPTED"} (${detail})`,
  );
}

let reconcileRuns = 0;
let reconcileFailures = 0;
let stopReconciler = false;
async function reconciler() {
  while (!stopReconciler) {
    const r = await runHost(["reconcile"]);
    reconcileRuns++;
    if (r.rc !== 0) {
      reconcileFailures++;
      log(`reconcile: exit ${r.rc}: ${r.out.trim().split("\n").slice(-1)[0]}`);
    } else if (/switched/.test(r.out)) log("reconcile: switched the gateway to AWSCURRENT");
    for (let i = 0; i < RECONCILE && !stopReconciler; i++) await sleep(1000);
  }
}

async function scenario(name: string, body: () => Promise<string>) {
  const before = (await current()).value;
  const since = Date.now();
  log(`scenario: ${name}`);
  let detail: string;
  try {
    detail = await body();
  } catch (e) {
    detail = `scenario error: ${(e as Error).message}`;
  }
  delivery.fault = {};
  await expectConverged(name, before, since, detail);
}

async function provision() {
  // The rendered scripts name the stack's secret by ARN; the emulator resolves an ARN by the name after
  // "secret:", so a secret of exactly that name is the one the host scripts read.
  const name = env("RT_RENDERED_ARN").split(":secret:")[1]!;
  const arn = (await sm.send(new CreateSecretCommand({ Name: name }))).ARN!;
  writeFileSync(env("RT_SECRET_FILE"), `${arn}\n`);
  const t = await startRotation();
  for (const s of rotationSteps) await step(t, s);
  log(`provisioned ${arn} with AWSCURRENT ${(await current()).version}`);
}

async function scenarios() {
  const rec = reconciler();
  await sleep(3000);

  await scenario("baseline rotation", async () => {
    const t = await startRotation();
    for (const s of rotationSteps) await step(t, s);
    return "four steps, no fault";
  });

  await scenario("fault: host reload fails after promotion", async () => {
    const t = await startRotation();
    for (const s of ["createSecret", "setSecret", "testSecret"] as const) await step(t, s);
    delivery.fault = { hostEnv: { sync: { OPENCLAW_COMPOSE: `${env("RT_COMPOSE")}-missing` } } };
    const m = await stepExpectingFailure(t, "finishSecret", "reload fault");
    return `finishSecret failed as injected (${m.slice(0, 90)}…); the reconciler recovers`;
  });

  await scenario("fault: secret fetch fails in setSecret", async () => {
    const t = await startRotation();
    await step(t, "createSecret");
    delivery.fault = {
      hostEnv: {
        check: { OPENCLAW_SM_ENDPOINT: "http://127.0.0.1:9", OPENCLAW_SECRET_WAIT_SECONDS: "3" },
        sync: { OPENCLAW_SM_ENDPOINT: "http://127.0.0.1:9", OPENCLAW_SECRET_WAIT_SECONDS: "3" },
      },
    };
    const m = await stepExpectingFailure(t, "setSecret", "fetch fault");
    if (!/confirming AWSCURRENT on the host failed too/.test(m)) throw new Error(`rollback not reported: ${m}`);
    delivery.fault = {};
    for (const s of ["setSecret", "testSecret", "finishSecret"] as const) await step(t, s);
    return "setSecret failed and said the rollback failed too; the retried rotation completed";
  });

  for (const s of ["setSecret", "testSecret", "finishSecret"] as const) {
    await scenario(`fault: rotation function times out in ${s}`, async () => {
      const t = await startRotation();
      for (const before of rotationSteps.slice(0, rotationSteps.indexOf(s))) await step(t, before);
      delivery.fault = { waitMs: 300 };
      await stepExpectingFailure(t, s, `timeout in ${s}`);
      delivery.fault = {};
      await sleep(2000);
      for (const after of rotationSteps.slice(rotationSteps.indexOf(s))) await step(t, after);
      return `${s} gave up after 0.3 s while the host went on; the retried steps completed`;
    });
  }

  await scenario("fault: every step retried", async () => {
    const t = await startRotation();
    for (const s of rotationSteps) {
      await step(t, s);
      await step(t, s);
    }
    return "each of the four steps ran twice";
  });

  await scenario("fault: two rotations at once", async () => {
    const t = await startRotation();
    for (const s of ["createSecret", "setSecret", "testSecret"] as const) await step(t, s);
    let refused = false;
    try {
      await startRotation();
    } catch {
      refused = true;
    }
    const [a, b, c] = await Promise.allSettled([
      step(t, "finishSecret"),
      step(t, "finishSecret"),
      runHost(["reconcile"]),
    ]);
    const desc = await sm.send(new DescribeSecretCommand({ SecretId: secretArn() }));
    const cur = Object.entries(desc.VersionIdsToStages ?? {}).find(([, v]) => v.includes("AWSCURRENT"))?.[0];
    if (!refused) throw new Error("a second rotation was accepted while one was in progress");
    if (cur !== t) throw new Error(`AWSCURRENT is ${cur}, not ${t}`);
    return `second RotateSecret refused; two finishSecret (${a.status}, ${b.status}) and a reconcile (${c.status === "fulfilled" ? `exit ${c.value.rc}` : "error"}) ran concurrently`;
  });

  stopReconciler = true;
  await rec;
  writeFileSync(
    env("RT_RESULT"),
    JSON.stringify({
      faults: results.filter((r) => r.name.startsWith("fault:")).length,
      recovered: results.filter((r) => r.name.startsWith("fault:") && r.recovered).length,
      allRecovered: results.every((r) => r.recovered),
      reconcileRuns,
      reconcileFailures,
      results,
    }),
  );
}

const cmd = process.argv[2];
(cmd === "provision"
  ? provision()
  : cmd === "scenarios"
    ? scenarios()
    : Promise.reject(new Error("usage: driver.ts provision | scenarios"))
)
  .then(() => process.exit(0))
  .catch((e) => {
    console.log(`FAIL  driver ${cmd}: ${(e as Error).stack ?? e}`);
    process.exit(1);
  });
