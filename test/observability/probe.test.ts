/**
 * The health probe, run for real: shellcheck, then bash against a stub gateway on 127.0.0.1 with the metric
 * push replaced by a recording command, and once through its own SigV4 CloudWatch call to a stub endpoint.
 */
import { execFile, execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderProbeScript } from "../../components/observability/host";

const run = promisify(execFile);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "oc-probe-"));
const script = path.join(dir, "health-probe.sh");
const fakePush = path.join(dir, "fake-push.sh");
const record = path.join(dir, "pushed.txt");
const meminfo = path.join(dir, "meminfo");

const LIVE = '{"ok":true,"status":"live"}';
const CONTROL_UI =
  "<!doctype html><html><head><title>OpenClaw Control</title></head><body><div id=app></div></body></html>";

type Handler = (req: http.IncomingMessage, body: string, res: http.ServerResponse) => void;
let handler: Handler = (_q, _b, res) => res.end();
let server: http.Server;
let port = 0;

beforeAll(async () => {
  fs.writeFileSync(script, renderProbeScript({ region: "us-east-1", stack: "prod" }), { mode: 0o755 });
  // Records each argument on its own line, so the test sees exactly what would be published.
  fs.writeFileSync(fakePush, `#!/bin/bash\nprintf '%s\\n' "$@" > ${JSON.stringify(record)}\n`, { mode: 0o755 });
  // 4 GiB total, 1 GiB available: 75.0% used.
  fs.writeFileSync(meminfo, "MemTotal:        4194304 kB\nMemFree:          100000 kB\nMemAvailable:    1048576 kB\n");
  server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => handler(req, body, res));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  fs.rmSync(dir, { recursive: true, force: true });
});

async function probe(env: Record<string, string>): Promise<{ code: number; stderr: string; pushed: string[] }> {
  fs.rmSync(record, { force: true });
  const base = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    OPENCLAW_MEMINFO: meminfo,
    OPENCLAW_DISK_PATHS: `/ ${dir}`,
  };
  try {
    const r = await run("bash", [script], { env: { ...base, ...env }, timeout: 30_000 });
    return {
      code: 0,
      stderr: r.stderr,
      pushed: fs.existsSync(record) ? fs.readFileSync(record, "utf8").trim().split("\n") : [],
    };
  } catch (e) {
    const err = e as { code: number; stderr: string };
    return {
      code: err.code,
      stderr: err.stderr,
      pushed: fs.existsSync(record) ? fs.readFileSync(record, "utf8").trim().split("\n") : [],
    };
  }
}

describe("health-probe.sh", () => {
  it("passes shellcheck", () => {
    expect(() => execFileSync("shellcheck", ["-s", "bash", script], { encoding: "utf8" })).not.toThrow();
  });

  const cases: { name: string; setup: () => string; healthy: string; reason: RegExp }[] = [
    {
      name: "200 with the live body",
      setup: () => (
        (handler = (req, _b, res) =>
          res.writeHead(req.url === "/healthz" ? 200 : 404, { "content-type": "application/json" }).end(LIVE)),
        `http://127.0.0.1:${port}/healthz`
      ),
      healthy: "1",
      reason: /published Healthy=1/,
    },
    {
      name: "200 with the Control UI's HTML (wrong body)",
      setup: () => (
        (handler = (_q, _b, res) => res.writeHead(200, { "content-type": "text/html" }).end(CONTROL_UI)),
        `http://127.0.0.1:${port}/healthz`
      ),
      healthy: "0",
      reason: /HTTP 200 but the body is not/,
    },
    {
      name: '200 with JSON that is not live ({"status":"draining"})',
      setup: () => (
        (handler = (_q, _b, res) => res.writeHead(200).end('{"ok":false,"status":"draining"}')),
        `http://127.0.0.1:${port}/healthz`
      ),
      healthy: "0",
      reason: /body is not/,
    },
    {
      name: "503 with the live body",
      setup: () => ((handler = (_q, _b, res) => res.writeHead(503).end(LIVE)), `http://127.0.0.1:${port}/healthz`),
      healthy: "0",
      reason: /unhealthy: HTTP 503/,
    },
    {
      name: "connection refused",
      setup: () => {
        // A port that was just free: bind, read, close.
        const s = http.createServer();
        return new Promise<string>((r) =>
          s.listen(0, "127.0.0.1", () => {
            const p = (s.address() as AddressInfo).port;
            s.close(() => r(`http://127.0.0.1:${p}/healthz`));
          }),
        ) as unknown as string;
      },
      healthy: "0",
      reason: /unhealthy: .*(refused|Failed to connect)/i,
    },
  ];

  it.each(cases)("reports Healthy=$healthy for $name", async (c) => {
    const url = await c.setup();
    const r = await probe({ OPENCLAW_HEALTH_URL: url, OPENCLAW_METRIC_PUSH: fakePush });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(c.reason);
    expect(r.pushed[0]).toBe("OpenClaw/Gateway");
    expect(r.pushed).toContain(`Healthy ${c.healthy} Count Stack=prod`);
    expect(r.pushed).toContain("mem_used_percent 75.0 Percent Stack=prod");
    expect(r.pushed.filter((l) => l.startsWith("disk_used_percent "))).toEqual([
      expect.stringMatching(/^disk_used_percent \d+(\.\d)? Percent Stack=prod path=\/$/),
      expect.stringMatching(
        new RegExp(
          `^disk_used_percent \\d+(\\.\\d)? Percent Stack=prod path=${dir.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`,
        ),
      ),
    ]);
  });

  it("publishes through its own SigV4-signed PutMetricData call (no AWS CLI)", async () => {
    const seen: { url?: string; auth?: string; token?: string; body?: string } = {};
    handler = (req, body, res) => {
      if (req.url === "/healthz") return res.writeHead(200).end(LIVE);
      Object.assign(seen, {
        url: req.url,
        auth: String(req.headers.authorization),
        token: String(req.headers["x-amz-security-token"]),
        body,
      });
      res.writeHead(200, { "content-type": "text/xml" }).end("<PutMetricDataResponse/>");
    };
    const r = await probe({
      OPENCLAW_HEALTH_URL: `http://127.0.0.1:${port}/healthz`,
      OPENCLAW_CW_ENDPOINT: `http://127.0.0.1:${port}`,
      AWS_ACCESS_KEY_ID: "AKIDEXAMPLE",
      AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
      AWS_SESSION_TOKEN: "session-token-example",
    });
    expect(r.code, r.stderr).toBe(0);
    expect(seen.auth).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/monitoring\/aws4_request, SignedHeaders=[^,]*x-amz-date[^,]*, Signature=[0-9a-f]{64}$/,
    );
    expect(seen.token).toBe("session-token-example");
    const form = new URLSearchParams(seen.body);
    expect(form.get("Action")).toBe("PutMetricData");
    expect(form.get("Version")).toBe("2010-08-01");
    expect(form.get("Namespace")).toBe("OpenClaw/Gateway");
    expect(form.get("MetricData.member.1.MetricName")).toBe("Healthy");
    expect(form.get("MetricData.member.1.Value")).toBe("1");
    expect(form.get("MetricData.member.1.Dimensions.member.1.Name")).toBe("Stack");
    expect(form.get("MetricData.member.1.Dimensions.member.1.Value")).toBe("prod");
    expect(form.get("MetricData.member.2.MetricName")).toBe("mem_used_percent");
    expect(form.get("MetricData.member.3.Dimensions.member.2.Name")).toBe("path");
    expect(form.get("MetricData.member.3.Dimensions.member.2.Value")).toBe("/");
    // The secret key signs; it never travels.
    expect(seen.body).not.toContain("wJalrXUtnFEMI");
  });

  it("fails (non-zero) when CloudWatch rejects the data, so systemd shows the unit failed", async () => {
    handler = (req, _b, res) =>
      req.url === "/healthz"
        ? res.writeHead(200).end(LIVE)
        : res.writeHead(403).end("<ErrorResponse><Error><Code>AccessDenied</Code></Error></ErrorResponse>");
    const r = await probe({
      OPENCLAW_HEALTH_URL: `http://127.0.0.1:${port}/healthz`,
      OPENCLAW_CW_ENDPOINT: `http://127.0.0.1:${port}`,
      AWS_ACCESS_KEY_ID: "AKIDEXAMPLE",
      AWS_SECRET_ACCESS_KEY: "x",
    });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/PutMetricData -> HTTP 403: .*AccessDenied/);
  });

  it.each([
    ["us-east-1; rm -rf /", "prod"],
    ["us-east-1", "prod name"],
  ])("refuses to render region=%j stack=%j", (region, stack) => {
    expect(() => renderProbeScript({ region, stack })).toThrow();
  });
});
