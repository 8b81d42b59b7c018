import * as pulumi from "@pulumi/pulumi";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

interface Rec {
  type: string;
  name: string;
  inputs: Record<string, any>;
}
const recorded: Rec[] = [];
pulumi.runtime.setMocks(
  {
    newResource: (a) => {
      recorded.push({ type: a.type, name: a.name, inputs: a.inputs });
      return {
        id: `${a.name}-id`,
        state: {
          ...a.inputs,
          arn: a.inputs.arn ?? `arn:aws:mock:us-east-1:111122223333:${a.name}`,
          keyId: `${a.name}-keyid`,
        },
      };
    },
    call: (a) =>
      a.token === "aws:index/getCallerIdentity:getCallerIdentity"
        ? { accountId: "111122223333", arn: "arn:aws:iam::111122223333:root", userId: "u" }
        : a.token === "aws:index/getPartition:getPartition"
          ? { partition: "aws", dnsSuffix: "amazonaws.com" }
          : {},
  },
  "openclaw",
  "prod",
  false,
);

// Imported after setMocks so resources register against the mock monitor.
import { rotationHostAddon } from "../../components/rotating-secret/host-addon";
import { RotatingSecret } from "../../components/rotating-secret/rotating-secret";

const sentinel = "sk-ant-SENTINEL-" + "9f8e7d6c5b4a3210";
const unwrap = <T>(o: pulumi.Output<T>) =>
  new Promise<T>((r) =>
    o.apply((v) => {
      r(v);
      return v;
    }),
  );
const isSecret = (o: pulumi.Output<unknown>) => (o as any).isSecret as Promise<boolean>;

async function build(extra: Partial<ConstructorParameters<typeof RotatingSecret>[1]> = {}) {
  recorded.length = 0;
  const c = new RotatingSecret("gw", {
    stack: "prod",
    region: "us-east-1",
    tags: { "openclaw:stack": "prod" },
    rotationDays: 45,
    providerKeys: { anthropicApiKey: pulumi.secret(sentinel) },
    alarmTopicArn: "arn:aws:sns:us-east-1:111122223333:alerts",
    ...extra,
  });
  await unwrap(pulumi.all([c.tokenSecretArn, c.functionArn, c.providerKeysSecretArn, c.alarmName, c.kmsKeyArn]));
  await new Promise((r) => setTimeout(r, 50));
  return c;
}
const one = (type: string) => {
  const r = recorded.filter((x) => x.type === type);
  expect(r, type).toHaveLength(1);
  return r[0];
};
const all = (type: string) => recorded.filter((x) => x.type === type);

describe("RotatingSecret", () => {
  it("rotates the token secret on the configured schedule, immediately, through the Lambda", async () => {
    await build();
    const rot = one("aws:secretsmanager/secretRotation:SecretRotation");
    expect(rot.inputs.rotationRules.automaticallyAfterDays).toBe(45);
    expect(rot.inputs.rotateImmediately).toBe(true);
    expect(rot.inputs.rotationLambdaArn).toContain("gw-fn");
    const secrets = recorded.filter((x) => x.type === "aws:secretsmanager/secret:Secret");
    expect(secrets.map((s) => s.inputs.name).sort()).toEqual([
      "openclaw/prod/gateway-token",
      "openclaw/prod/provider-keys",
    ]);
    for (const s of secrets) {
      expect(s.inputs.kmsKeyId).toContain("gw-key");
      expect(s.inputs.recoveryWindowInDays).toBeGreaterThanOrEqual(7);
    }
    // The token never passes through Pulumi: exactly one SecretVersion, for the provider keys.
    expect(
      recorded.filter((x) => x.type === "aws:secretsmanager/secretVersion:SecretVersion").map((v) => v.inputs.secretId),
    ).toEqual(["gw-provider-keys-id"]);
    expect(one("aws:kms/key:Key").inputs.enableKeyRotation).toBe(true);
  });

  it("hardens the Lambda: runtime, concurrency 1, tracing, encrypted env with names only, scoped invoke permission, logs, alarm", async () => {
    await build();
    const fn = one("aws:lambda/function:Function").inputs;
    expect([fn.runtime, fn.reservedConcurrentExecutions, fn.tracingConfig.mode]).toEqual(["nodejs22.x", 1, "Active"]);
    expect(fn.kmsKeyArn).toContain("gw-key");
    expect(Object.keys(fn.environment.variables).sort()).toEqual([
      "OPENCLAW_DELIVERY_TIMEOUT_SECONDS",
      "OPENCLAW_RELOAD_DOCUMENT",
      "OPENCLAW_SECRET_ARN",
      "OPENCLAW_TARGET_TAGS",
    ]);
    const perm = one("aws:lambda/permission:Permission").inputs;
    expect([perm.principal, perm.sourceArn, perm.sourceAccount]).toEqual([
      "secretsmanager.amazonaws.com",
      "arn:aws:mock:us-east-1:111122223333:gw-token",
      "111122223333",
    ]);
    const lg = one("aws:cloudwatch/logGroup:LogGroup").inputs;
    expect([lg.name, lg.retentionInDays]).toEqual(["/aws/lambda/openclaw-prod-token-rotation", 365]);
    expect(lg.kmsKeyId).toContain("gw-key");
    const alarms = all("aws:cloudwatch/metricAlarm:MetricAlarm")
      .map((a) => a.inputs)
      .sort((a, b) => a.metricName.localeCompare(b.metricName));
    expect(
      alarms.map((a) => [
        a.namespace,
        a.metricName,
        a.threshold,
        a.comparisonOperator,
        a.treatMissingData,
        a.alarmActions,
      ]),
    ).toEqual([
      [
        "AWS/Lambda",
        "Errors",
        1,
        "GreaterThanOrEqualToThreshold",
        "notBreaching",
        ["arn:aws:sns:us-east-1:111122223333:alerts"],
      ],
      // The host's reconcile timer: 0 (drift it cannot fix) or silence (timer stopped) alarms.
      [
        "OpenClaw/Gateway",
        "TokenInSync",
        1,
        "LessThanThreshold",
        "breaching",
        ["arn:aws:sns:us-east-1:111122223333:alerts"],
      ],
    ]);
    const doc = JSON.parse(one("aws:ssm/document:Document").inputs.content);
    expect(doc.parameters.Action.allowedValues).toEqual(["check-pending", "sync-current"]);
    expect(fn.timeout).toBe(300);
    expect(fn.environment.variables.OPENCLAW_DELIVERY_TIMEOUT_SECONDS).toBe("130");
  });

  it("scopes the role policy to this secret, this key, this document and tagged instances", async () => {
    await build();
    const policy = JSON.parse(one("aws:iam/rolePolicy:RolePolicy").inputs.policy);
    const byAction = (a: string) =>
      policy.Statement.filter((s: any) => s.Action.includes(a)).map((s: any) => s.Resource);
    expect(byAction("secretsmanager:PutSecretValue")).toEqual(["arn:aws:mock:us-east-1:111122223333:gw-token"]);
    expect(byAction("kms:Decrypt")).toEqual(["arn:aws:mock:us-east-1:111122223333:gw-key"]);
    expect(byAction("ssm:SendCommand")).toEqual([
      "arn:aws:ssm:us-east-1:111122223333:document/openclaw-prod-reload-token",
      "arn:aws:ec2:us-east-1:111122223333:instance/*",
    ]);
    expect(policy.Statement.flatMap((s: any) => s.Action)).not.toContain("*");
    expect(JSON.stringify(policy)).not.toMatch(/DeleteSecret|secretsmanager:\*|kms:\*/);
  });

  it("creates no alarm and no provider secret when neither is given", async () => {
    const c = await build({ alarmTopicArn: undefined, providerKeys: {} });
    expect(recorded.filter((x) => x.type.includes("metricAlarm") || x.type.includes("secretVersion"))).toEqual([]);
    expect(await unwrap(c.providerKeysSecretArn)).toBeUndefined();
  });

  it.each([
    [{ rotationEnabled: false }, /openclaw:rotation.enabled = false/],
    [{ recoveryWindowInDays: 3 }, /recoveryWindowInDays = 3/],
  ])("rejects %j", (bad, msg) => {
    expect(
      () =>
        new RotatingSecret(`bad-${JSON.stringify(bad).length}`, {
          stack: "prod",
          region: "us-east-1",
          rotationDays: 30,
          ...bad,
        }),
    ).toThrow(msg);
  });

  it("no secret value appears in plain text in any resource input except the one secret-wrapped SecretVersion, any output, or any artifact", async () => {
    const c = await build();
    const holders = recorded.filter((r) => JSON.stringify(r.inputs).includes(sentinel));
    expect(holders.map((h) => h.type)).toEqual(["aws:secretsmanager/secretVersion:SecretVersion"]);
    const outputs = {
      tokenSecretArn: c.tokenSecretArn,
      providerKeysSecretArn: c.providerKeysSecretArn,
      kmsKeyArn: c.kmsKeyArn,
      functionArn: c.functionArn,
      reloadDocumentName: c.reloadDocumentName,
      alarmName: c.alarmName,
    };
    for (const [k, o] of Object.entries(outputs))
      expect(JSON.stringify(await unwrap(o as pulumi.Output<unknown>)) ?? "", k).not.toContain(sentinel);
    const addon = rotationHostAddon({
      stack: "dev",
      region: "us-east-1",
      tokenSecretArn: c.tokenSecretArn,
      providerKeysSecretArn: c.providerKeysSecretArn,
      kmsKeyArn: c.kmsKeyArn,
    });
    for (const f of addon.files) expect(await unwrap(pulumi.output(f.content)), f.path).not.toContain(sentinel);
    // The one input that holds the value must be a secret Output (state and previews show [secret]); the
    // mock monitor sees plain values, so capture the raw input with a transformation before serialization.
    let captured: pulumi.Output<unknown> | undefined;
    new RotatingSecret(
      "gw2",
      {
        stack: "prod2",
        region: "us-east-1",
        rotationDays: 30,
        providerKeys: { anthropicApiKey: pulumi.secret(sentinel) },
      },
      {
        transformations: [
          (a) => {
            if (a.type === "aws:secretsmanager/secretVersion:SecretVersion")
              captured = pulumi.output(a.props.secretString);
            return undefined;
          },
        ],
      },
    );
    expect(captured).toBeDefined();
    expect(await isSecret(captured!)).toBe(true);
    expect(await unwrap(captured!)).toBe(JSON.stringify({ ANTHROPIC_API_KEY: sentinel }));
  });
});

describe("handler bundle", () => {
  it("is deterministic and machine-independent (no diff on preview), and bundles the SDK it was tested with", async () => {
    const { buildRotationBundle } = await import("../../components/rotating-secret/bundle");
    const a = buildRotationBundle();
    const cwd = process.cwd();
    process.chdir(tmpdir());
    try {
      expect(buildRotationBundle() === a, "a second build from another working directory is byte-identical").toBe(true);
    } finally {
      process.chdir(cwd);
    }
    expect(a).not.toContain(cwd);
    expect(a).toContain("exports");
    expect(a).not.toMatch(/require\("@aws-sdk\/client-(secrets-manager|ssm)"\)/);
    expect(a.length).toBeLessThan(2_000_000);
  });

  it("is reused from the cache only while every input file is unchanged", async () => {
    const { buildRotationBundle, readCachedBundle, writeCachedBundle } = await import(
      "../../components/rotating-secret/bundle"
    );
    const dir = fs.mkdtempSync(path.join(tmpdir(), "bundle-cache-"));
    expect(readCachedBundle(dir), "an empty cache has nothing").toBeUndefined();
    const built = writeCachedBundle(dir);
    expect(built).toBe(buildRotationBundle());
    expect(readCachedBundle(dir)).toBe(built);
    const manifestFile = path.join(dir, "manifest.json");
    const manifest = JSON.parse(fs.readFileSync(manifestFile, "utf8"));
    expect(manifest.inputs).toContain("components/rotating-secret/handler/index.ts");
    expect(manifest.inputs.some((i: string) => i.includes("@aws-sdk/client-secrets-manager"))).toBe(true);
    // A manifest whose key no longer matches the inputs' contents (an input was edited) is a miss.
    fs.writeFileSync(manifestFile, JSON.stringify({ ...manifest, key: "0".repeat(64) }));
    expect(readCachedBundle(dir)).toBeUndefined();
    // So is one naming an input that is gone.
    writeCachedBundle(dir);
    const again = JSON.parse(fs.readFileSync(manifestFile, "utf8"));
    fs.writeFileSync(manifestFile, JSON.stringify({ ...again, inputs: [...again.inputs, "components/gone.ts"] }));
    expect(readCachedBundle(dir)).toBeUndefined();
  }, 60_000);
});

describe("host add-on", () => {
  it("renders a unit with exposure <= 2.0 and scripts that pass shellcheck; the role statements read only these secrets", async () => {
    const addon = rotationHostAddon({
      stack: "dev",
      region: "us-east-1",
      tokenSecretArn: "arn:aws:secretsmanager:us-east-1:1:secret:t",
      providerKeysSecretArn: "arn:aws:secretsmanager:us-east-1:1:secret:p",
      kmsKeyArn: "arn:aws:kms:us-east-1:1:key/k",
    });
    expect(addon.enableUnits).toEqual(["openclaw-secrets.service", "openclaw-token-reconcile.timer"]);
    const dir = mkdtempSync(path.join(tmpdir(), "oc-rot-"));
    for (const f of addon.files)
      writeFileSync(path.join(dir, path.basename(f.path)), await unwrap(pulumi.output(f.content)));
    execFileSync("shellcheck", [path.join(dir, "fetch-secrets.sh"), path.join(dir, "reload-token.sh")]);
    for (const unit of ["openclaw-secrets.service", "openclaw-token-reconcile.service"]) {
      const out = execFileSync("systemd-analyze", ["security", "--offline=true", path.join(dir, unit)], {
        encoding: "utf8",
      });
      const score = Number(/Overall exposure level for \S+: ([\d.]+)/.exec(out)![1]);
      expect(score, unit).toBeLessThanOrEqual(2.0);
    }
    execFileSync("systemd-analyze", ["verify", "--man=no", path.join(dir, "openclaw-token-reconcile.timer")], {
      cwd: dir,
      stdio: "pipe",
    });
    const stmts = (await unwrap(pulumi.output(addon.policyStatements) as pulumi.Output<any>)) as any[];
    expect(stmts.map((s) => [s.Action, s.Resource])).toEqual([
      [
        ["secretsmanager:GetSecretValue"],
        ["arn:aws:secretsmanager:us-east-1:1:secret:t", "arn:aws:secretsmanager:us-east-1:1:secret:p"],
      ],
      [["kms:Decrypt"], "arn:aws:kms:us-east-1:1:key/k"],
    ]);
  });
});
