/**
 * Rotation drill against a real Secrets Manager API on loopback (moto). Plays the service: RotateSecret
 * records the ClientRequestToken as AWSPENDING, then the four steps are invoked in order, each one twice
 * (the service retries), with a recording fake delivery that can be told to fail. Exits non-zero when an
 * invariant breaks. Never prints a secret value.
 */
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  RotateSecretCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { randomUUID } from "node:crypto";
import { renderFetchScript } from "../../components/rotating-secret/host-scripts";
import {
  isWellFormedToken,
  rotate,
  rotationSteps,
  type Delivery,
  type RotationStep,
} from "../../components/rotating-secret/handler/rotation";

const endpoint = process.env.OPENCLAW_SM_ENDPOINT;
if (!endpoint) throw new Error("OPENCLAW_SM_ENDPOINT is not set (ci/steps/20-rotation-emulator.sh sets it)");
const region = "us-east-1";
const creds = { accessKeyId: "drill", secretAccessKey: "drill" };
const sm = new SecretsManagerClient({ endpoint, region, credentials: creds });
const counts = { steps: 0, retries: 0, failuresInjected: 0, invariants: 0 };

/** The gateway host as the handler sees it: which version it serves, and whether the next host call fails. */
class FakeDelivery implements Delivery {
  calls: string[] = [];
  running = "initial";
  failNextCheck = false;
  async checkPending(v: string) {
    this.calls.push(`check:${v}`);
    if (this.failNextCheck) {
      this.failNextCheck = false;
      counts.failuresInjected++;
      throw new Error("injected: the host cannot fetch the pending version");
    }
  }
  async syncCurrent() {
    this.calls.push("sync");
    this.running = (await stagesHolder("AWSCURRENT")) ?? "none";
  }
  secretId = "";
}
let stagesHolder: (stage: string) => Promise<string | undefined> = async () => undefined;

function check(cond: boolean, what: string): void {
  counts.invariants++;
  if (!cond) throw new Error(`invariant violated: ${what}`);
}

async function stages(secretId: string): Promise<Record<string, string[]>> {
  const d = await sm.send(new DescribeSecretCommand({ SecretId: secretId }));
  return Object.fromEntries(Object.entries(d.VersionIdsToStages ?? {}).map(([k, v]) => [k, [...v].sort()]));
}
function holder(s: Record<string, string[]>, stage: string): string | undefined {
  return Object.entries(s).find(([, v]) => v.includes(stage))?.[0];
}
async function value(secretId: string, stage: string, versionId?: string): Promise<string> {
  return (
    (
      await sm.send(
        new GetSecretValueCommand({
          SecretId: secretId,
          VersionStage: stage,
          ...(versionId ? { VersionId: versionId } : {}),
        }),
      )
    ).SecretString ?? ""
  );
}
async function snapshot(secretId: string): Promise<string> {
  const s = await stages(secretId);
  const vals: Record<string, string> = {};
  for (const v of Object.keys(s)) {
    try {
      vals[v] = (await sm.send(new GetSecretValueCommand({ SecretId: secretId, VersionId: v }))).SecretString ?? "";
    } catch {
      vals[v] = "(no value)";
    }
  }
  return JSON.stringify({ s, vals });
}

async function step(secretId: string, token: string, s: RotationStep, delivery: Delivery): Promise<void> {
  const deps = { sm, delivery, newToken: undefined };
  counts.steps++;
  await rotate({ Step: s, SecretId: secretId, ClientRequestToken: token }, deps);
  const after = await snapshot(secretId);
  counts.retries++;
  await rotate({ Step: s, SecretId: secretId, ClientRequestToken: token }, deps);
  check((await snapshot(secretId)) === after, `${s} invoked twice gives the same versions and values`);
}

async function startRotation(secretId: string): Promise<string> {
  const token = randomUUID();
  await sm.send(
    new RotateSecretCommand({
      SecretId: secretId,
      ClientRequestToken: token,
      RotationRules: { AutomaticallyAfterDays: 30 },
      RotateImmediately: true,
    }),
  );
  return token;
}

async function fullRotation(
  secretId: string,
  token: string,
  delivery: Delivery,
  steps: readonly RotationStep[] = rotationSteps,
): Promise<void> {
  for (const s of steps) await step(secretId, token, s, delivery);
}

async function expectError(p: Promise<unknown>, pattern: RegExp, what: string): Promise<void> {
  try {
    await p;
  } catch (err) {
    check(pattern.test((err as Error).message), `${what}: error says ${pattern} (got: ${(err as Error).message})`);
    return;
  }
  check(false, `${what}: must fail`);
}

function runFetch(secretArn: string, dir: string, args: string[]): { token: string; version: string; mode: number } {
  const script = path.join(dir, "fetch-secrets.sh");
  writeFileSync(script, renderFetchScript({ region, tokenSecretArn: secretArn }), { mode: 0o755 });
  const runDir = path.join(dir, "run");
  execFileSync(script, args, {
    env: {
      PATH: process.env.PATH,
      OPENCLAW_SM_ENDPOINT: endpoint,
      OPENCLAW_RUN_DIR: runDir,
      OPENCLAW_SECRET_WAIT_SECONDS: "5",
      // The drill runs unprivileged-agnostic: the token file goes to the caller's own uid.
      OPENCLAW_GATEWAY_UID: String(process.getuid?.() ?? 0),
      AWS_ACCESS_KEY_ID: creds.accessKeyId,
      AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  const tokenPath = path.join(runDir, "secrets", "gateway-token");
  return {
    token: readFileSync(tokenPath, "utf8"),
    version: readFileSync(path.join(runDir, "gateway.version"), "utf8").trim(),
    mode: statSync(tokenPath).mode & 0o777,
  };
}

async function main(): Promise<void> {
  const name = `openclaw/drill-${process.pid}/gateway-token`;
  const arn = (await sm.send(new CreateSecretCommand({ Name: name, Description: "drill" }))).ARN!;
  const delivery = new FakeDelivery();
  stagesHolder = async (stage) => holder(await stages(arn), stage);

  // 1. First provisioning: the secret has no version; the rotation creates AWSCURRENT, delivers nothing.
  const t1 = await startRotation(arn);
  await fullRotation(arn, t1, delivery);
  let s = await stages(arn);
  check(holder(s, "AWSCURRENT") === t1, "first rotation makes its token AWSCURRENT");
  check(holder(s, "AWSPENDING") === undefined, "no AWSPENDING left after the first rotation");
  check(isWellFormedToken(await value(arn, "AWSCURRENT")), "first token is 32+ URL-safe random bytes");
  check(delivery.calls.length === 0, "first provisioning sends nothing to a host (the host waits for AWSCURRENT)");
  const v1 = await value(arn, "AWSCURRENT");

  // 2. A scheduled rotation: the host reads the pending token, the version is promoted, then the host follows it.
  const t2 = await startRotation(arn);
  await fullRotation(arn, t2, delivery);
  s = await stages(arn);
  const v2 = await value(arn, "AWSCURRENT");
  check(holder(s, "AWSCURRENT") === t2 && v2 !== v1, "second rotation promotes a new, different token");
  check(holder(s, "AWSPENDING") === undefined, "AWSPENDING removed by finishSecret");
  check(
    delivery.running === t2 && delivery.calls.includes(`check:${t2}`) && delivery.calls.at(-1) === "sync",
    "host read the pending token before promotion and followed AWSCURRENT after it",
  );

  // 3. testSecret fails: AWSCURRENT untouched, host confirmed on it; the service's retry (same token) completes.
  const t3 = await startRotation(arn);
  await fullRotation(arn, t3, delivery, ["createSecret", "setSecret"]);
  const pending3 = await value(arn, "AWSPENDING", t3);
  delivery.failNextCheck = true;
  counts.steps++;
  await expectError(
    rotate({ Step: "testSecret", SecretId: arn, ClientRequestToken: t3 }, { sm, delivery }),
    /host step for pending version .* AWSCURRENT in Secrets Manager is unchanged; the host was confirmed on AWSCURRENT/,
    "failed testSecret",
  );
  s = await stages(arn);
  check(
    holder(s, "AWSCURRENT") === t2 && (await value(arn, "AWSCURRENT")) === v2,
    "failed testSecret leaves AWSCURRENT on the previous version and value",
  );
  check(
    delivery.running === t2 && delivery.calls.at(-1) === "sync",
    "failed testSecret confirms the host on AWSCURRENT",
  );
  await fullRotation(arn, t3, delivery);
  check(
    holder(await stages(arn), "AWSCURRENT") === t3 && (await value(arn, "AWSCURRENT")) === pending3,
    "retry completes with the same pending value (createSecret did not regenerate)",
  );

  // 4. A stuck AWSPENDING from a rotation that died after createSecret: a new rotation is refused while it
  // stands, the service's reattempt with the same token reuses the stored pending value and completes.
  const t4 = await startRotation(arn);
  await fullRotation(arn, t4, delivery, ["createSecret"]);
  const pending4 = await value(arn, "AWSPENDING", t4);
  await expectError(startRotation(arn), /previous rotation isn't complete/, "RotateSecret while AWSPENDING is stuck");
  counts.failuresInjected++;
  await sm.send(new RotateSecretCommand({ SecretId: arn, ClientRequestToken: t4, RotateImmediately: true }));
  await fullRotation(arn, t4, delivery);
  s = await stages(arn);
  check(
    holder(s, "AWSCURRENT") === t4 &&
      holder(s, "AWSPENDING") === undefined &&
      (await value(arn, "AWSCURRENT")) === pending4,
    "stuck AWSPENDING completes on reattempt with its original value",
  );
  await expectError(
    rotate({ Step: "finishSecret", SecretId: arn, ClientRequestToken: t3 }, { sm, delivery }),
    /not set as AWSPENDING/,
    "late step for a superseded version",
  );
  const t5 = t4;

  // 5. Wrong token and wrong secret fail clearly and change nothing.
  const before = await snapshot(arn);
  await expectError(
    rotate({ Step: "createSecret", SecretId: arn, ClientRequestToken: randomUUID() }, { sm, delivery }),
    /has no stage for rotation/,
    "unknown ClientRequestToken",
  );
  await expectError(
    rotate(
      { Step: "createSecret", SecretId: arn, ClientRequestToken: t5 },
      { sm, delivery, expectedSecretArn: `${arn}-other` },
    ),
    /is not the secret this function rotates/,
    "wrong secret",
  );
  check((await snapshot(arn)) === before, "rejected invocations change nothing");

  // 6. Rotation disabled on the secret.
  const plain = (
    await sm.send(
      new CreateSecretCommand({ Name: `openclaw/drill-${process.pid}/no-rotation`, SecretString: "x".repeat(64) }),
    )
  ).ARN!;
  const current = holder(await stages(plain), "AWSCURRENT")!;
  await expectError(
    rotate({ Step: "createSecret", SecretId: plain, ClientRequestToken: current }, { sm, delivery }),
    /does not have rotation enabled/,
    "rotation disabled",
  );

  // 7. The host's fetch script (the real rendered one, curl + SigV4) against the same API.
  const dir = mkdtempSync(path.join(tmpdir(), "oc-fetch-"));
  try {
    const cur = runFetch(arn, dir, []);
    check(
      cur.token === `${await value(arn, "AWSCURRENT")}\n` && cur.version === t5 && cur.mode === 0o600,
      "fetch-secrets.sh writes AWSCURRENT to the 0600 token file with its version id",
    );
    const empty = (await sm.send(new CreateSecretCommand({ Name: `openclaw/drill-${process.pid}/empty` }))).ARN!;
    let waited = false;
    const t0 = Date.now();
    try {
      runFetch(empty, dir, []);
    } catch {
      waited = Date.now() - t0 >= 4000;
    }
    check(waited, "fetch-secrets.sh waits for AWSCURRENT (first boot) and fails after its deadline, not at once");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  console.log(
    `rotation drill: steps=${counts.steps} retries=${counts.retries} failures_injected=${counts.failuresInjected} invariants=all held (${counts.invariants} checks)`,
  );
}

main().catch((err) => {
  console.error(
    `rotation drill: FAILED: ${(err as Error).message}`,
    process.env.DRILL_DEBUG ? (err as Error).stack : "",
  );
  console.error(
    `rotation drill: steps=${counts.steps} retries=${counts.retries} failures_injected=${counts.failuresInjected} invariants=violated`,
  );
  process.exit(1);
});
