import { execFile, execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ingressHostAddon } from "../../components/ingress/host-addon";
import { INGRESS_UNIT, renderIngressSecretsScript, renderIngressUnit } from "../../components/ingress/host-files";
import { ingressPlan } from "../../components/ingress/modes/registry";
import { testConfig } from "../helpers/config";
import { valueOf } from "../helpers/mocks";

const ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:ts-secret-AbCdEf";
const KMS = "arn:aws:kms:us-east-1:123456789012:key/k1";
const run = promisify(execFile);
const tsPlan = () => ingressPlan(testConfig(), { stack: "prod" });

describe("renderIngressSecretsScript", () => {
  const script = renderIngressSecretsScript({
    region: "eu-west-1",
    secrets: [{ name: "TS_AUTHKEY", arn: ARN }],
    dirs: [{ path: "/var/lib/openclaw/tailscale", owner: "1000:1000", mode: "0700" }],
  });

  it("fetches exactly the named secret with the host's signed call in the literal region, and leaves privileged setup to the unit", () => {
    expect(script).not.toContain("install -d");
    expect(script).toContain('--aws-sigv4 "aws:amz:eu-west-1:$service"');
    expect(script).toContain("https://secretsmanager.eu-west-1.amazonaws.com");
    expect(script).not.toMatch(/^\s*aws /m);
    expect(script).toContain(`add TS_AUTHKEY '${ARN}'`);
    expect(script).toMatch(/^set -euo pipefail$/m);
    expect(script).not.toMatch(/^\s*set -[a-z]*x|echo "\$value"/m);
  });

  it("writes the env file atomically, 0600, under /run/openclaw", () => {
    expect(script).toContain("env_file='/run/openclaw/ingress.env'");
    expect(script).toMatch(/chmod 0600 "\$tmp"\nmv -f "\$tmp" "\$env_file"/);
  });

  it("passes shellcheck", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ingress-sc-"));
    try {
      fs.writeFileSync(path.join(dir, "s.sh"), script);
      expect(() =>
        execFileSync("shellcheck", ["-s", "bash", path.join(dir, "s.sh")], { encoding: "utf8" }),
      ).not.toThrow();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    [{ region: "us-east-1; rm -rf /", secrets: [], dirs: [] }, /not an AWS region/],
    [{ region: "us-east-1", secrets: [{ name: "ts authkey", arn: ARN }], dirs: [] }, /upper-case/],
    [{ region: "us-east-1", secrets: [{ name: "TS_AUTHKEY", arn: "arn:aws:ssm:x" }], dirs: [] }, /Secrets Manager ARN/],
  ])("rejects bad input %#", (input, message) => {
    expect(() => renderIngressSecretsScript(input)).toThrow(message);
  });
});

/**
 * The rendered script, run for real against a stub Secrets Manager (and a stub IMDS) on 127.0.0.1: the same
 * OPENCLAW_SM_ENDPOINT seam the rotation drill points at moto.
 */
describe("ingress-secrets.sh against a stub Secrets Manager", () => {
  type Seen = {
    method?: string;
    url?: string;
    target?: string;
    auth?: string;
    token?: string;
    body?: any;
    imds: string[];
  };
  let seen: Seen = { imds: [] };
  let reply: (body: any) => [number, object] = () => [500, {}];
  let server: http.Server;
  let port = 0;
  let dir = "";

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let raw = "";
      req.on("data", (c) => (raw += c));
      req.on("end", () => {
        // IMDSv2: token by PUT, then the role name and its credentials, each GET carrying the token.
        if (req.url!.startsWith("/latest/")) {
          seen.imds.push(
            `${req.method} ${req.url} ${req.headers["x-aws-ec2-metadata-token"] ?? req.headers["x-aws-ec2-metadata-token-ttl-seconds"] ?? ""}`,
          );
          if (req.method === "PUT" && req.url === "/latest/api/token") return res.end("imds-token-1");
          if (req.headers["x-aws-ec2-metadata-token"] !== "imds-token-1") return res.writeHead(401).end();
          if (req.url === "/latest/meta-data/iam/security-credentials/") return res.end("openclaw-host");
          if (req.url === "/latest/meta-data/iam/security-credentials/openclaw-host") {
            return res.end(
              JSON.stringify({
                Code: "Success",
                AccessKeyId: "ASIAROLE",
                SecretAccessKey: "role/secret+key",
                Token: "role-session-token",
              }),
            );
          }
          return res.writeHead(404).end();
        }
        seen = {
          ...seen,
          method: req.method,
          url: req.url,
          target: String(req.headers["x-amz-target"]),
          auth: String(req.headers.authorization),
          token: req.headers["x-amz-security-token"] as string | undefined,
          body: JSON.parse(raw || "{}"),
        };
        const [code, body] = reply(seen.body);
        res.writeHead(code, { "content-type": "application/x-amz-json-1.1" }).end(JSON.stringify(body));
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    port = (server.address() as AddressInfo).port;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "ingress-script-"));
    // The run dir redirected, so the real script runs unprivileged and offline.
    const body = renderIngressSecretsScript({
      region: "us-east-1",
      secrets: [{ name: "CADDY_BASIC_AUTH_HASH", arn: ARN }],
      dirs: [],
    })
      .replaceAll("/run/openclaw", path.join(dir, "run"))
      .replaceAll("http://169.254.169.254", `http://127.0.0.1:${port}`);
    fs.writeFileSync(path.join(dir, "s.sh"), body, { mode: 0o755 });
    fs.mkdirSync(path.join(dir, "run")); // the unit's privileged pre-step creates it on the host
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const envFile = () => path.join(dir, "run/ingress.env");
  const keys = { AWS_ACCESS_KEY_ID: "AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" };
  async function runScript(env: Record<string, string>): Promise<{ code: number; out: string; err: string }> {
    seen = { imds: [] };
    fs.rmSync(envFile(), { force: true });
    const base = {
      PATH: "/usr/bin:/bin",
      OPENCLAW_SM_ENDPOINT: `http://127.0.0.1:${port}`,
      OPENCLAW_SECRET_WAIT_SECONDS: "0",
    };
    try {
      const r = await run("bash", [path.join(dir, "s.sh")], { env: { ...base, ...env }, timeout: 30_000 });
      return { code: 0, out: r.stdout, err: r.stderr };
    } catch (e) {
      const x = e as { code: number; stdout: string; stderr: string };
      return { code: x.code, out: x.stdout, err: x.stderr };
    }
  }
  const secret = (value: string) => (b: any) =>
    [200, { ARN: b.SecretId, Name: "n", VersionId: "v1", SecretString: value, VersionStages: ["AWSCURRENT"] }] as [
      number,
      object,
    ];

  it("writes NAME='value' from a signed GetSecretValue of AWSCURRENT, mode 0600, leaving no response file behind", async () => {
    const hash = "$2a$14$Abc./xyz";
    reply = secret(hash);
    const r = await runScript(keys);
    expect(r.code, r.err).toBe(0);
    expect(fs.readFileSync(envFile(), "utf8")).toBe(`CADDY_BASIC_AUTH_HASH='${hash}'\n`);
    expect(fs.statSync(envFile()).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(path.join(dir, "run"))).toEqual(["ingress.env"]);
    expect(seen.method).toBe("POST");
    expect(seen.url).toBe("/");
    expect(seen.target).toBe("secretsmanager.GetSecretValue");
    expect(seen.body).toEqual({ SecretId: ARN, VersionStage: "AWSCURRENT" });
    expect(seen.auth).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/secretsmanager\/aws4_request, SignedHeaders=[^,]*x-amz-target[^,]*, Signature=[0-9a-f]{64}$/,
    );
    // No session token in the environment: no empty token header either.
    expect(seen.token).toBeUndefined();
    expect(seen.imds).toEqual([]);
    expect(r.out + r.err).not.toContain(hash);
  });

  it("without keys in the environment, signs with the instance role's credentials from IMDSv2", async () => {
    reply = secret("tskey-auth-abc123");
    const r = await runScript({});
    expect(r.code, r.err).toBe(0);
    expect(seen.imds).toEqual([
      "PUT /latest/api/token 300",
      "GET /latest/meta-data/iam/security-credentials/ imds-token-1",
      "GET /latest/meta-data/iam/security-credentials/openclaw-host imds-token-1",
    ]);
    expect(seen.auth).toMatch(
      /^AWS4-HMAC-SHA256 Credential=ASIAROLE\/\d{8}\/us-east-1\/secretsmanager\/aws4_request, /,
    );
    expect(seen.token).toBe("role-session-token");
    expect(fs.readFileSync(envFile(), "utf8")).toBe("CADDY_BASIC_AUTH_HASH='tskey-auth-abc123'\n");
  });

  it.each([
    ["a value with a quote", secret("it's"), /CADDY_BASIC_AUTH_HASH is empty or holds a quote/, "it's"],
    [
      "a value with a newline",
      secret("line1\nline2"),
      /CADDY_BASIC_AUTH_HASH is empty or holds a quote or newline/,
      "line1",
    ],
    ["an empty value", secret(""), /CADDY_BASIC_AUTH_HASH is empty/, "\u0000"],
    [
      "access denied (not retried)",
      () => [400, { __type: "AccessDeniedException", message: "no" }] as [number, object],
      /GetSecretValue AWSCURRENT arn:\S+ -> HTTP 400 AccessDeniedException/,
      "\u0000",
    ],
    [
      "a secret with no value yet (retried until the deadline)",
      () => [400, { __type: "ResourceNotFoundException" }] as [number, object],
      /gave up after 0s waiting for arn:/,
      "\u0000",
    ],
  ])("refuses %s and writes no env file", async (_name, answer, message, leaked) => {
    reply = answer;
    const r = await runScript(keys);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(message);
    expect(r.out + r.err).not.toContain(leaked);
    expect(fs.existsSync(envFile())).toBe(false);
    expect(fs.readdirSync(path.join(dir, "run"))).toEqual([]);
  });
});

describe("renderIngressUnit", () => {
  it("runs before the gateway unit, after the data disk is mounted, and is pulled in by it", () => {
    const unit = renderIngressUnit([{ path: "/var/lib/openclaw/caddy", owner: "1000:1000", mode: "0700" }]);
    expect(unit).toMatch(/^Before=openclaw-gateway\.service$/m);
    expect(unit).toMatch(
      /^ExecStartPre=\+\/usr\/bin\/install -d -o 1000 -g 1000 -m 0700 \/var\/lib\/openclaw\/caddy$/m,
    );
    expect(unit).toMatch(/^ProtectSystem=strict$/m);
    expect(unit).toMatch(/^RequiresMountsFor=\/var\/lib\/openclaw$/m);
    expect(unit).toMatch(/^RequiredBy=openclaw-gateway\.service$/m);
    expect(unit).toMatch(/^Type=oneshot$/m);
  });
});

describe("ingressHostAddon", () => {
  it("tailscale: serve.json, script and unit; reads exactly the auth-key secret", async () => {
    const addon = ingressHostAddon(tsPlan(), { region: "us-east-1", secretArns: { TS_AUTHKEY: ARN }, kmsKeyArn: KMS });
    expect(addon.files.map((f) => f.path).sort()).toEqual([
      "/etc/openclaw/tailscale/serve.json",
      "/etc/systemd/system/openclaw-ingress.service",
      "/usr/local/lib/openclaw/ingress-secrets.sh",
    ]);
    expect(addon.enableUnits).toEqual([INGRESS_UNIT]);
    const statements = await valueOf(addon.policyStatements as any);
    expect(statements).toEqual([
      { Sid: "IngressSecretsRead", Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: [ARN] },
      {
        Sid: "IngressSecretsDecrypt",
        Effect: "Allow",
        Action: ["kms:Decrypt"],
        Resource: [KMS],
        Condition: { StringEquals: { "kms:ViaService": "secretsmanager.us-east-1.amazonaws.com" } },
      },
    ]);
    const script = await valueOf(addon.files.find((f) => f.path.endsWith(".sh"))!.content);
    expect(script).toContain(`add TS_AUTHKEY '${ARN}'`);
  });

  it("fails early, naming the variable, when a secret ARN is missing", () => {
    expect(() => ingressHostAddon(tsPlan(), { region: "us-east-1", secretArns: {} })).toThrow(/TS_AUTHKEY/);
  });

  it("caddy without basic auth: no secret, no IAM statement, still the Caddyfile and the cert dir", async () => {
    const plan = ingressPlan(
      testConfig({
        ingress: "caddy",
        network: { egress: "public-ip" },
        caddy: { domain: "gw.example.com", acmeEmail: "a@example.com", basicAuth: { enabled: false } },
      }),
      { stack: "prod" },
    );
    const addon = ingressHostAddon(plan, { region: "us-east-1", secretArns: {} });
    expect(addon.policyStatements).toBeUndefined();
    expect(addon.files.map((f) => f.path)).toContain("/etc/openclaw/caddy/Caddyfile");
    const script = await valueOf(addon.files.find((f) => f.path.endsWith(".sh"))!.content);
    const unit = await valueOf(addon.files.find((f) => f.path.endsWith(".service"))!.content);
    expect(unit).toContain("ExecStartPre=+/usr/bin/install -d -o 1000 -g 1000 -m 0700 /var/lib/openclaw/caddy");
    expect(script).not.toMatch(/^add /m);
  });
});
