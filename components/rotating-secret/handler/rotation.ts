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

/** Moves the gateway between token versions. Implementations must never log or return the token. */
export interface Delivery {
  /** Make the gateway run with the token of `versionId` (still AWSPENDING). Idempotent. */
  applyPending(versionId: string): Promise<void>;
  /** Prove the gateway now authenticates with the token of `versionId`; throw otherwise. */
  verify(versionId: string): Promise<void>;
  /** Put the gateway back on AWSCURRENT (after a failed test). Idempotent. */
  restoreCurrent(): Promise<void>;
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
    // Already promoted by an earlier run; only a leftover AWSPENDING label may remain to clean up.
    if (step === "finishSecret" && stages.includes("AWSPENDING")) await removePending(deps.sm, secretId, token);
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
  await c.delivery.applyPending(c.token);
  c.log("setSecret: gateway switched to pending token", { secretId: c.secretId, versionId: c.token });
}

async function testSecret(c: StepContext): Promise<void> {
  const value = await requirePendingValue(c, "testSecret");
  if (!isWellFormedToken(value)) {
    throw new RotationError(
      `testSecret: pending value of ${c.secretId} version ${c.token} is not a 32+ byte URL-safe token`,
    );
  }
  if (c.currentVersion === undefined) return;
  try {
    await c.delivery.verify(c.token);
  } catch (err) {
    // The gateway may already hold the pending token: put it back on AWSCURRENT so clients keep working
    // until the retry. AWSCURRENT itself is never touched before finishSecret.
    try {
      await c.delivery.restoreCurrent();
    } catch (restoreErr) {
      c.log("testSecret: restoring AWSCURRENT on the gateway failed too", { error: String(restoreErr) });
    }
    throw new RotationError(
      `testSecret: the gateway did not accept pending version ${c.token} of ${c.secretId}: ${(err as Error).message}. AWSCURRENT is unchanged; Secrets Manager retries the rotation`,
    );
  }
  c.log("testSecret: gateway accepts pending token", { secretId: c.secretId, versionId: c.token });
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
