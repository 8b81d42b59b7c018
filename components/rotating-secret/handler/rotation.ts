/**
 * The four-step Secrets Manager rotation protocol for the gateway token, written after the AWS rotation
 * templates (SecretsManagerRotationTemplate / lambda_function.py) and made safe to re-run: Secrets Manager
 * retries a failed step with the same ClientRequestToken, so every step must give the same result when
 * invoked again, and nothing before finishSecret may touch AWSCURRENT.
 *
 * Delivery to the gateway is injected (`Delivery`), so the same code runs against the real service with
 * SSM Run Command and against the emulator in CI with a recording fake.
 */
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  type SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from "@aws-sdk/client-secrets-manager";
import { randomBytes } from "node:crypto";

export const rotationSteps = ["createSecret", "setSecret", "testSecret", "finishSecret"] as const;
export type RotationStep = (typeof rotationSteps)[number];

export interface RotationEvent {
  Step: RotationStep;
  SecretId: string;
  ClientRequestToken: string;
  /** Present on newer invocations; the handler does not depend on it. */
  RotationToken?: string;
}

/**
 * What the rotation function may ask of the gateway host. The host only ever serves AWSCURRENT: the new version is
 * promoted first and the host follows it (`syncCurrent`), because the gateway holds one token at a time and a
 * client is told to read AWSCURRENT. Implementations must never log or return the token; both calls are idempotent.
 */
export interface Delivery {
  /** The host can fetch `versionId` as AWSPENDING (id and stage enforced together) and it is a valid token. Changes nothing. */
  checkPending(versionId: string): Promise<void>;
  /** The running gateway accepts exactly AWSCURRENT (switched by a secrets reload, no restart); a no-op when it does. */
  syncCurrent(): Promise<void>;
}

export interface RotationDeps {
  sm: SecretsManagerClient;
  delivery: Delivery;
  /** Only this secret may be rotated by this function (defence against a mis-wired schedule). */
  expectedSecretArn?: string;
  newToken?: () => string;
  log?: (message: string, fields?: Record<string, unknown>) => void;
}

/** A rotation pre-check or step failed; the message names the secret, the version and what to do. */
export class RotationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RotationError";
  }
}

/** Minimum entropy the policy demands: 32 random bytes; 48 leaves margin and encodes to 64 chars. */
export const tokenBytes = 48;
const tokenPattern = /^[A-Za-z0-9_-]{43,}$/;

export function generateToken(): string {
  return randomBytes(tokenBytes).toString("base64url");
}

export function isWellFormedToken(value: string): boolean {
  return tokenPattern.test(value);
}

export async function rotate(event: RotationEvent, deps: RotationDeps): Promise<void> {
  const log = deps.log ?? (() => undefined);
  const { Step: step, SecretId: secretId, ClientRequestToken: token } = event;
  if (!(rotationSteps as readonly string[]).includes(step)) {
    throw new RotationError(`Invalid step "${String(step)}": expected one of ${rotationSteps.join(", ")}`);
  }
  if (!token) throw new RotationError(`${step}: ClientRequestToken is missing for secret ${secretId}`);

  const meta = await deps.sm.send(new DescribeSecretCommand({ SecretId: secretId }));
  if (deps.expectedSecretArn && meta.ARN !== deps.expectedSecretArn) {
    throw new RotationError(
      `Secret ${meta.ARN ?? secretId} is not the secret this function rotates (${deps.expectedSecretArn}); fix the rotation schedule`,
    );
  }
  if (!meta.RotationEnabled) {
    throw new RotationError(
      `Secret ${secretId} does not have rotation enabled; enable it (aws secretsmanager rotate-secret) before invoking the rotation function`,
    );
  }
  const versions = meta.VersionIdsToStages ?? {};
  const stages = versions[token];
  if (!stages) {
    throw new RotationError(
      `Secret version ${token} has no stage for rotation of secret ${secretId}: the ClientRequestToken is unknown`,
    );
  }
  if (stages.includes("AWSCURRENT")) {
    // Already promoted by an earlier run (a retried finishSecret whose host sync failed or timed out): clean up a
    // leftover AWSPENDING label and make sure the host follows; both are idempotent.
    if (step === "finishSecret") {
      if (stages.includes("AWSPENDING")) await removePending(deps.sm, secretId, token);
      // No AWSPREVIOUS anywhere: this was the first version, no gateway held a token before it.
      const firstVersion = !Object.values(versions).some((s) => s.includes("AWSPREVIOUS"));
      if (!firstVersion) await hostFollowsCurrent(deps.delivery, secretId, token, log);
    }
    log("already current", { step, secretId, versionId: token });
    return;
  }
  if (!stages.includes("AWSPENDING")) {
    throw new RotationError(
      `Secret version ${token} not set as AWSPENDING for rotation of secret ${secretId}; start a new rotation`,
    );
  }
  const currentVersion = Object.entries(versions).find(([, s]) => s.includes("AWSCURRENT"))?.[0];
  const ctx = {
    sm: deps.sm,
    delivery: deps.delivery,
    secretId,
    token,
    currentVersion,
    newToken: deps.newToken ?? generateToken,
    log,
  };
  switch (step) {
    case "createSecret":
      return createSecret(ctx);
    case "setSecret":
      return setSecret(ctx);
    case "testSecret":
      return testSecret(ctx);
    case "finishSecret":
      return finishSecret(ctx);
  }
}

interface StepContext {
  sm: SecretsManagerClient;
  delivery: Delivery;
  secretId: string;
  token: string;
  /** undefined at first provisioning: the secret was created without a value and this rotation makes the first one. */
  currentVersion: string | undefined;
  newToken: () => string;
  log: (message: string, fields?: Record<string, unknown>) => void;
}

async function createSecret(c: StepContext): Promise<void> {
  if (await pendingValue(c)) {
    c.log("createSecret: pending value exists", { secretId: c.secretId, versionId: c.token });
    return;
  }
  const value = c.newToken();
  if (!isWellFormedToken(value))
    throw new RotationError("createSecret: generated token is not 32+ URL-safe random bytes");
  // Putting AWSPENDING on this version moves the label off any stuck version of an earlier failed rotation,
  // as the AWS templates rely on; ClientRequestToken makes a retried put a no-op.
  await c.sm.send(
    new PutSecretValueCommand({
      SecretId: c.secretId,
      ClientRequestToken: c.token,
      SecretString: value,
      VersionStages: ["AWSPENDING"],
    }),
  );
  c.log("createSecret: new pending value stored", {
    secretId: c.secretId,
    versionId: c.token,
    firstVersion: c.currentVersion === undefined,
  });
}

async function setSecret(c: StepContext): Promise<void> {
  await requirePendingValue(c, "setSecret");
  if (c.currentVersion === undefined) {
    // First provisioning: no gateway can be running with a token yet; the host's fetch script waits for AWSCURRENT.
    c.log("setSecret: first version, nothing to deliver", { secretId: c.secretId, versionId: c.token });
    return;
  }
  // The host proves it can read the pending version; the gateway keeps serving AWSCURRENT until finishSecret.
  await withRollback(c, "setSecret", () => c.delivery.checkPending(c.token));
  c.log("setSecret: host can fetch the pending token", { secretId: c.secretId, versionId: c.token });
}

async function testSecret(c: StepContext): Promise<void> {
  const value = await requirePendingValue(c, "testSecret");
  if (!isWellFormedToken(value)) {
    throw new RotationError(
      `testSecret: pending value of ${c.secretId} version ${c.token} is not a 32+ byte URL-safe token`,
    );
  }
  if (c.currentVersion === undefined) return;
  // Before anything is promoted: the host's reload path works (the gateway accepts AWSCURRENT now, through the same
  // sync that finishSecret uses) and it still reads the pending version.
  await withRollback(c, "testSecret", async () => {
    await c.delivery.syncCurrent();
    await c.delivery.checkPending(c.token);
  });
  c.log("testSecret: host in sync and reads the pending token", { secretId: c.secretId, versionId: c.token });
}

async function finishSecret(c: StepContext): Promise<void> {
  await c.sm.send(
    new UpdateSecretVersionStageCommand({
      SecretId: c.secretId,
      VersionStage: "AWSCURRENT",
      MoveToVersionId: c.token,
      ...(c.currentVersion ? { RemoveFromVersionId: c.currentVersion } : {}),
    }),
  );
  await removePending(c.sm, c.secretId, c.token);
  c.log("finishSecret: promoted to AWSCURRENT", {
    secretId: c.secretId,
    versionId: c.token,
    previous: c.currentVersion ?? null,
  });
  if (c.currentVersion !== undefined) await hostFollowsCurrent(c.delivery, c.secretId, c.token, c.log);
}

/** After promotion: the host switches to the new AWSCURRENT. A failure is reported; the reconciler retries it. */
async function hostFollowsCurrent(
  delivery: Delivery,
  secretId: string,
  token: string,
  log: StepContext["log"],
): Promise<void> {
  try {
    await delivery.syncCurrent();
  } catch (err) {
    throw new RotationError(
      `finishSecret: version ${token} of ${secretId} is AWSCURRENT but the host did not confirm the gateway switched to it: ${(err as Error).message}. Clients holding the new token are rejected until the host's reconcile timer (every few minutes) or a retry of this step applies it`,
    );
  }
  log("finishSecret: gateway accepts the new AWSCURRENT", { secretId, versionId: token });
}

/**
 * Runs a pre-promotion host step; on failure puts the host back on AWSCURRENT (idempotent) and says truthfully
 * whether that worked.
 */
async function withRollback(c: StepContext, step: RotationStep, action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (err) {
    let restored: string;
    try {
      await c.delivery.syncCurrent();
      restored = "the host was confirmed on AWSCURRENT";
    } catch (restoreErr) {
      c.log(`${step}: confirming AWSCURRENT on the host failed too`, { error: String(restoreErr) });
      restored = `confirming AWSCURRENT on the host failed too (${(restoreErr as Error).message}); its reconcile timer retries it`;
    }
    throw new RotationError(
      `${step}: host step for pending version ${c.token} of ${c.secretId} failed: ${(err as Error).message}. AWSCURRENT in Secrets Manager is unchanged; ${restored}. Secrets Manager retries the rotation`,
    );
  }
}

async function removePending(sm: SecretsManagerClient, secretId: string, token: string): Promise<void> {
  await sm.send(
    new UpdateSecretVersionStageCommand({ SecretId: secretId, VersionStage: "AWSPENDING", RemoveFromVersionId: token }),
  );
}

async function pendingValue(c: StepContext): Promise<string | undefined> {
  try {
    const out = await c.sm.send(
      new GetSecretValueCommand({ SecretId: c.secretId, VersionId: c.token, VersionStage: "AWSPENDING" }),
    );
    return out.SecretString ?? undefined;
  } catch (err) {
    if (err instanceof ResourceNotFoundException || (err as { name?: string }).name === "ResourceNotFoundException")
      return undefined;
    throw err;
  }
}

async function requirePendingValue(c: StepContext, step: RotationStep): Promise<string> {
  const value = await pendingValue(c);
  if (value === undefined)
    throw new RotationError(
      `${step}: version ${c.token} of ${c.secretId} has no value yet; createSecret must run first`,
    );
  return value;
}
