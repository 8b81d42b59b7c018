import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from "@aws-sdk/client-secrets-manager";
import { ListCommandsCommand, SendCommandCommand, SSMClient } from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { SsmDelivery } from "../../components/rotating-secret/handler/delivery-ssm";
import {
  generateToken,
  isWellFormedToken,
  rotate,
  type Delivery,
  type RotationStep,
} from "../../components/rotating-secret/handler/rotation";

const arn = "arn:aws:secretsmanager:us-east-1:111122223333:secret:openclaw/prod/gateway-token-AbCdEf";
const sm = mockClient(SecretsManagerClient);
const notFound = () => new ResourceNotFoundException({ message: "no value", $metadata: {} });

function recorder(fail: Partial<Record<keyof Delivery, Error>> = {}) {
  const calls: string[] = [];
  const d: Delivery = {
    checkPending: async (v) => {
      calls.push(`check:${v}`);
      if (fail.checkPending) throw fail.checkPending;
    },
    syncCurrent: async () => {
      calls.push("sync");
      if (fail.syncCurrent) throw fail.syncCurrent;
    },
  };
  return { d, calls };
}
const ev = (Step: RotationStep, token = "tok-new") => ({ Step, SecretId: arn, ClientRequestToken: token });

beforeEach(() => {
  sm.reset();
  sm.on(DescribeSecretCommand).resolves({
    ARN: arn,
    RotationEnabled: true,
    VersionIdsToStages: { "tok-old": ["AWSCURRENT"], "tok-new": ["AWSPENDING"] },
  });
});

describe("pre-checks (as the AWS templates)", () => {
  it.each([
    [
      "rotation disabled",
      { ARN: arn, RotationEnabled: false, VersionIdsToStages: { "tok-new": ["AWSPENDING"] } },
      /does not have rotation enabled/,
    ],
    [
      "unknown token",
      { ARN: arn, RotationEnabled: true, VersionIdsToStages: { "tok-old": ["AWSCURRENT"] } },
      /has no stage for rotation/,
    ],
    [
      "token not pending",
      {
        ARN: arn,
        RotationEnabled: true,
        VersionIdsToStages: { "tok-new": ["AWSPREVIOUS"], "tok-old": ["AWSCURRENT"] },
      },
      /not set as AWSPENDING/,
    ],
    [
      "another secret",
      { ARN: `${arn}x`, RotationEnabled: true, VersionIdsToStages: { "tok-new": ["AWSPENDING"] } },
      /not the secret this function rotates/,
    ],
  ])("%s fails with a clear error and writes nothing", async (_n, meta, msg) => {
    sm.on(DescribeSecretCommand).resolves(meta);
    await expect(
      rotate(ev("createSecret"), { sm: new SecretsManagerClient({}), delivery: recorder().d, expectedSecretArn: arn }),
    ).rejects.toThrow(msg);
    expect(sm.commandCalls(PutSecretValueCommand)).toHaveLength(0);
    expect(sm.commandCalls(UpdateSecretVersionStageCommand)).toHaveLength(0);
  });

  it("rejects an unknown step", async () => {
    await expect(
      rotate(
        { ...ev("createSecret"), Step: "deleteSecret" as RotationStep },
        { sm: new SecretsManagerClient({}), delivery: recorder().d },
      ),
    ).rejects.toThrow(/Invalid step/);
  });

  it("a retried finishSecret on an already-current version clears a leftover AWSPENDING and makes the host follow", async () => {
    sm.on(DescribeSecretCommand).resolves({
      ARN: arn,
      RotationEnabled: true,
      VersionIdsToStages: { "tok-new": ["AWSCURRENT", "AWSPENDING"], "tok-old": ["AWSPREVIOUS"] },
    });
    const r = recorder();
    await rotate(ev("finishSecret"), { sm: new SecretsManagerClient({}), delivery: r.d });
    expect(sm.commandCalls(UpdateSecretVersionStageCommand).map((c) => c.args[0].input)).toEqual([
      { SecretId: arn, VersionStage: "AWSPENDING", RemoveFromVersionId: "tok-new" },
    ]);
    expect(r.calls).toEqual(["sync"]);
    await rotate(ev("setSecret"), { sm: new SecretsManagerClient({}), delivery: r.d });
    expect(r.calls).toEqual(["sync"]);
  });
  it("a retried finishSecret of the first version (no AWSPREVIOUS) asks no host anything", async () => {
    sm.on(DescribeSecretCommand).resolves({
      ARN: arn,
      RotationEnabled: true,
      VersionIdsToStages: { "tok-new": ["AWSCURRENT"] },
    });
    const r = recorder();
    await rotate(ev("finishSecret"), { sm: new SecretsManagerClient({}), delivery: r.d });
    expect(r.calls).toEqual([]);
  });
  it("a retried finishSecret whose host sync fails again says so (the version is AWSCURRENT, clients wait for the host)", async () => {
    sm.on(DescribeSecretCommand).resolves({
      ARN: arn,
      RotationEnabled: true,
      VersionIdsToStages: { "tok-new": ["AWSCURRENT"], "tok-old": ["AWSPREVIOUS"] },
    });
    const r = recorder({ syncCurrent: new Error("SSM sync-current: no result") });
    await expect(rotate(ev("finishSecret"), { sm: new SecretsManagerClient({}), delivery: r.d })).rejects.toThrow(
      /is AWSCURRENT but the host did not confirm.*reconcile timer/,
    );
    expect(sm.commandCalls(UpdateSecretVersionStageCommand)).toHaveLength(0);
  });
});

describe("createSecret", () => {
  it("stores a fresh 32+ byte URL-safe token as AWSPENDING under the request token (moving a stuck label)", async () => {
    sm.on(GetSecretValueCommand).rejects(notFound());
    await rotate(ev("createSecret"), { sm: new SecretsManagerClient({}), delivery: recorder().d });
    const put = sm.commandCalls(PutSecretValueCommand)[0].args[0].input;
    expect(put.ClientRequestToken).toBe("tok-new");
    expect(put.VersionStages).toEqual(["AWSPENDING"]);
    expect(isWellFormedToken(put.SecretString!)).toBe(true);
    expect(Buffer.from(put.SecretString!, "base64url").length).toBeGreaterThanOrEqual(32);
  });
  it("is a no-op when the pending value exists", async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: generateToken() });
    await rotate(ev("createSecret"), { sm: new SecretsManagerClient({}), delivery: recorder().d });
    expect(sm.commandCalls(PutSecretValueCommand)).toHaveLength(0);
  });
  it("propagates errors other than not-found (no blind overwrite)", async () => {
    sm.on(GetSecretValueCommand).rejects(Object.assign(new Error("AccessDenied"), { name: "AccessDeniedException" }));
    await expect(
      rotate(ev("createSecret"), { sm: new SecretsManagerClient({}), delivery: recorder().d }),
    ).rejects.toThrow(/AccessDenied/);
    expect(sm.commandCalls(PutSecretValueCommand)).toHaveLength(0);
  });
  it("refuses a weak generator", async () => {
    sm.on(GetSecretValueCommand).rejects(notFound());
    await expect(
      rotate(ev("createSecret"), { sm: new SecretsManagerClient({}), delivery: recorder().d, newToken: () => "short" }),
    ).rejects.toThrow(/not 32\+ URL-safe/);
  });
});

describe("setSecret / testSecret", () => {
  it("setSecret fails before delivery when createSecret has not stored a value", async () => {
    sm.on(GetSecretValueCommand).rejects(notFound());
    const r = recorder();
    await expect(rotate(ev("setSecret"), { sm: new SecretsManagerClient({}), delivery: r.d })).rejects.toThrow(
      /createSecret must run first/,
    );
    expect(r.calls).toEqual([]);
  });
  it("first provisioning (no AWSCURRENT) delivers nothing", async () => {
    sm.on(DescribeSecretCommand).resolves({
      ARN: arn,
      RotationEnabled: true,
      VersionIdsToStages: { "tok-new": ["AWSPENDING"] },
    });
    sm.on(GetSecretValueCommand).resolves({ SecretString: generateToken() });
    const r = recorder();
    await rotate(ev("setSecret"), { sm: new SecretsManagerClient({}), delivery: r.d });
    await rotate(ev("testSecret"), { sm: new SecretsManagerClient({}), delivery: r.d });
    expect(r.calls).toEqual([]);
  });
  it("setSecret only asks the host to read the pending version; the gateway keeps AWSCURRENT", async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: generateToken() });
    const r = recorder();
    await rotate(ev("setSecret"), { sm: new SecretsManagerClient({}), delivery: r.d });
    expect(r.calls).toEqual(["check:tok-new"]);
    expect(sm.commandCalls(UpdateSecretVersionStageCommand)).toHaveLength(0);
  });
  it("setSecret failure rolls the host back to AWSCURRENT and says it was confirmed", async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: generateToken() });
    const r = recorder({ checkPending: new Error("GetSecretValue -> HTTP 400 AccessDenied") });
    await expect(rotate(ev("setSecret"), { sm: new SecretsManagerClient({}), delivery: r.d })).rejects.toThrow(
      /setSecret: .*AccessDenied.*AWSCURRENT in Secrets Manager is unchanged; the host was confirmed on AWSCURRENT/,
    );
    expect(r.calls).toEqual(["check:tok-new", "sync"]);
    expect(sm.commandCalls(UpdateSecretVersionStageCommand)).toHaveLength(0);
  });
  it("a failed rollback is reported as such, never as a confirmed AWSCURRENT", async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: generateToken() });
    const r = recorder({ checkPending: new Error("timed out"), syncCurrent: new Error("ssm down") });
    const err = await rotate(ev("setSecret"), { sm: new SecretsManagerClient({}), delivery: r.d }).catch((e) => e);
    expect(err.message).toMatch(
      /confirming AWSCURRENT on the host failed too \(ssm down\); its reconcile timer retries it/,
    );
    expect(err.message).not.toMatch(/the host was confirmed/);
  });
  it("testSecret checks the host's sync path and the pending version before anything is promoted", async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: generateToken() });
    const r = recorder();
    await rotate(ev("testSecret"), { sm: new SecretsManagerClient({}), delivery: r.d });
    expect(r.calls).toEqual(["sync", "check:tok-new"]);
    expect(sm.commandCalls(UpdateSecretVersionStageCommand)).toHaveLength(0);
  });
  it("testSecret failure (host cannot sync) rolls back, never touches stages", async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: generateToken() });
    const r = recorder({ syncCurrent: new Error("secrets.reload failed") });
    await expect(rotate(ev("testSecret"), { sm: new SecretsManagerClient({}), delivery: r.d })).rejects.toThrow(
      /testSecret: .*secrets.reload failed.*confirming AWSCURRENT on the host failed too/,
    );
    expect(r.calls).toEqual(["sync", "sync"]);
    expect(sm.commandCalls(UpdateSecretVersionStageCommand)).toHaveLength(0);
  });
  it("testSecret rejects a malformed pending value without asking the gateway", async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: "hunter2" });
    const r = recorder();
    await expect(rotate(ev("testSecret"), { sm: new SecretsManagerClient({}), delivery: r.d })).rejects.toThrow(
      /not a 32\+ byte/,
    );
    expect(r.calls).toEqual([]);
  });
});

describe("finishSecret", () => {
  it("moves AWSCURRENT from the old version, removes AWSPENDING, then the host follows", async () => {
    const order: string[] = [];
    sm.on(UpdateSecretVersionStageCommand).callsFake(async (i) => order.push(`stage:${i.VersionStage}`));
    const r = recorder();
    r.d.syncCurrent = async () => {
      order.push("sync");
    };
    await rotate(ev("finishSecret"), { sm: new SecretsManagerClient({}), delivery: r.d });
    expect(sm.commandCalls(UpdateSecretVersionStageCommand).map((c) => c.args[0].input)).toEqual([
      { SecretId: arn, VersionStage: "AWSCURRENT", MoveToVersionId: "tok-new", RemoveFromVersionId: "tok-old" },
      { SecretId: arn, VersionStage: "AWSPENDING", RemoveFromVersionId: "tok-new" },
    ]);
    expect(order).toEqual(["stage:AWSCURRENT", "stage:AWSPENDING", "sync"]);
  });
  it("a host that does not follow fails the step after promotion, naming the reconcile timer", async () => {
    const r = recorder({ syncCurrent: new Error("exit 1") });
    await expect(rotate(ev("finishSecret"), { sm: new SecretsManagerClient({}), delivery: r.d })).rejects.toThrow(
      /tok-new .* is AWSCURRENT but the host did not confirm .*exit 1/,
    );
    expect(sm.commandCalls(UpdateSecretVersionStageCommand)).toHaveLength(2);
  });
});

describe("SsmDelivery", () => {
  const ssm = mockClient(SSMClient);
  beforeEach(() => ssm.reset());
  const delivery = () =>
    new SsmDelivery({
      ssm: new SSMClient({}),
      documentName: "openclaw-prod-reload-token",
      targetTags: { "openclaw:stack": "prod", "openclaw:role": "gateway" },
      timeoutSeconds: 30,
      sleep: async () => undefined,
    });

  it("sends only the document's action and version id, targeted by tags, and waits for success", async () => {
    ssm.on(SendCommandCommand).resolves({ Command: { CommandId: "c1" } });
    ssm
      .on(ListCommandsCommand)
      .resolvesOnce({ Commands: [{ CommandId: "c1", Status: "Pending", TargetCount: 0 }] })
      .resolvesOnce({ Commands: [{ CommandId: "c1", Status: "InProgress", TargetCount: 1, CompletedCount: 0 }] })
      .resolves({
        Commands: [{ CommandId: "c1", Status: "Success", TargetCount: 1, CompletedCount: 1, ErrorCount: 0 }],
      });
    await delivery().checkPending("0b6f2b86-4d7a-4a52-9d62-0c3a1b5a9e11");
    const input = ssm.commandCalls(SendCommandCommand)[0].args[0].input;
    expect(input.DocumentName).toBe("openclaw-prod-reload-token");
    expect(input.Parameters).toEqual({
      Action: ["check-pending"],
      VersionId: ["0b6f2b86-4d7a-4a52-9d62-0c3a1b5a9e11"],
    });
    expect(input.Targets).toEqual([
      { Key: "tag:openclaw:stack", Values: ["prod"] },
      { Key: "tag:openclaw:role", Values: ["gateway"] },
    ]);
    expect(ssm.commandCalls(ListCommandsCommand).length).toBe(3);
    expect(ssm.commandCalls(ListCommandsCommand)[0].args[0].input).toEqual({ CommandId: "c1" });
  });
  it("fails when any instance fails, naming the command to inspect", async () => {
    ssm.on(SendCommandCommand).resolves({ Command: { CommandId: "c2" } });
    ssm.on(ListCommandsCommand).resolves({
      Commands: [{ CommandId: "c2", Status: "Failed", TargetCount: 2, CompletedCount: 2, ErrorCount: 1 }],
    });
    await expect(delivery().syncCurrent()).rejects.toThrow(
      /1\/2 instance\(s\) \(command c2, status Failed\).*list-command-invocations --command-id c2/,
    );
  });
  it("fails when no instance matches before the deadline", async () => {
    let t = 0;
    ssm.on(SendCommandCommand).resolves({ Command: { CommandId: "c3" } });
    ssm.on(ListCommandsCommand).resolves({ Commands: [{ CommandId: "c3", Status: "Success", TargetCount: 0 }] });
    const d = new SsmDelivery({
      ssm: new SSMClient({}),
      documentName: "d",
      targetTags: { a: "b" },
      timeoutSeconds: 30,
      sleep: async () => {
        t += 10_000;
      },
      now: () => t,
    });
    await expect(d.syncCurrent()).rejects.toThrow(/no gateway instance matched/);
  });
});
