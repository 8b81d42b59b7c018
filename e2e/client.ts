/**
 * The e2e suite's client for the gateway behind Caddy. It runs on Node 26 (native type stripping, built-in
 * fetch and WebSocket, no dependencies) inside a container of its own on the stack's compose network, so
 * Caddy forwards a non-loopback client address, as a real remote user would have (engines.md point 4).
 * Trusts only Caddy's internal CA (NODE_EXTRA_CA_CERTS) and reaches Caddy by the stack's own domain (SNI and
 * Host), so the certificate is verified for that name.
 *
 * Prints one JSON object per line: {"check": ..., "ok": true|false, "detail": ...}.
 *
 * env:  E2E_BASE   https://<domain>:<caddy https port>     E2E_ORIGIN  https://<domain>
 *       E2E_BASIC  user:password (basic auth)              E2E_TOKEN   the gateway token
 *       E2E_KEY    file holding this client's Ed25519 device key (created when missing)
 * usage: node client.ts http | node client.ts ws <right|wrong>
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as tls from "node:tls";

const env = (k: string): string => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set`);
  return v;
};
const out = (check: string, ok: boolean, detail: unknown) => console.log(JSON.stringify({ check, ok, detail }));
const basic = (cred: string) => `Basic ${Buffer.from(cred).toString("base64")}`;

async function req(path: string, init: RequestInit = {}): Promise<{ status: number; body: string; headers: Headers }> {
  const r = await fetch(env("E2E_BASE") + path, { redirect: "manual", signal: AbortSignal.timeout(20000), ...init });
  return { status: r.status, body: await r.text(), headers: r.headers };
}

async function httpChecks(): Promise<void> {
  const cred = env("E2E_BASIC");
  const token = env("E2E_TOKEN");
  let r = await req("/");
  out(
    "Control UI without credentials is refused (401, Basic challenge)",
    r.status === 401 && /^Basic /.test(r.headers.get("www-authenticate") ?? ""),
    r.status,
  );
  r = await req("/", { headers: { Authorization: basic(cred.replace(/:.*/, ":wrong-password")) } });
  out("Control UI with a wrong password is refused (401)", r.status === 401, r.status);
  r = await req("/", { headers: { Authorization: basic(cred) } });
  out(
    "Control UI with basic auth: 200 and the UI's HTML",
    r.status === 200 && /<html/i.test(r.body) && /openclaw/i.test(r.body),
    `${r.status} ${r.body.length} bytes`,
  );
  const h = r.headers;
  const hdrOk =
    /max-age=31536000/.test(h.get("strict-transport-security") ?? "") &&
    h.get("x-frame-options") === "DENY" &&
    h.get("x-content-type-options") === "nosniff" &&
    !h.get("server");
  out(
    "security headers set (HSTS, X-Frame-Options DENY, nosniff) and no Server header",
    hdrOk,
    Object.fromEntries([...h].filter(([k]) => /strict|frame|nosniff|type-options|server|referrer/.test(k))),
  );
  r = await req("/healthz");
  out(
    "/healthz through Caddy without credentials: 200 live",
    r.status === 200 && JSON.parse(r.body).status === "live",
    `${r.status} ${r.body}`,
  );

  const invoke = (auth?: string) =>
    req("/tools/invoke", {
      method: "POST",
      headers: { "content-type": "application/json", ...(auth ? { Authorization: auth } : {}) },
      body: JSON.stringify({ tool: "e2e-no-such-tool", args: {} }),
    });
  r = await invoke();
  out(
    "POST /tools/invoke without a token: 401 from the gateway (not basic auth)",
    r.status === 401 && !/^Basic/.test(r.headers.get("www-authenticate") ?? ""),
    `${r.status} ${r.body.slice(0, 120)}`,
  );
  r = await invoke(`Bearer wrong-${token.slice(0, 8)}`);
  out("POST /tools/invoke with a wrong token: 401", r.status === 401, `${r.status} ${r.body.slice(0, 120)}`);
  r = await invoke(`Bearer ${token}`);
  out(
    "POST /tools/invoke with the bearer token reaches the gateway past auth (not 401/403)",
    r.status !== 401 && r.status !== 403 && r.status < 500,
    `${r.status} ${r.body.slice(0, 160)}`,
  );

  // Declared too large: Caddy must answer 413 from the Content-Length alone, before reading any body.
  const status413 = await rawStatus("POST", "/tools/invoke", {
    "Content-Type": "application/json",
    "Content-Length": String(11 * 1024 * 1024),
    Authorization: `Bearer ${token}`,
  });
  out(
    "request body declared over the rendered 10 MiB limit: 413 before any body is read",
    status413 === 413,
    status413,
  );
  const plain = env("E2E_BASE")
    .replace(/^https:/, "http:")
    .replace(/:\d+$/, `:${process.env.E2E_HTTP_PORT ?? "8080"}`);
  const p = await fetch(`${plain}/some/path?q=1`, { redirect: "manual", signal: AbortSignal.timeout(10000) });
  out(
    "plain HTTP redirects to HTTPS (308)",
    p.status === 308 && (p.headers.get("location") ?? "").startsWith("https://"),
    `${p.status} ${p.headers.get("location")}`,
  );
}

/** One request on a raw TLS socket (fetch cannot send headers promising a body it does not send). */
function rawStatus(method: string, path: string, headers: Record<string, string>): Promise<number> {
  const u = new URL(env("E2E_BASE"));
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: u.hostname, port: Number(u.port), servername: u.hostname }, () => {
      s.write(
        `${method} ${path} HTTP/1.1\r\nHost: ${u.hostname}\r\n${Object.entries(headers)
          .map(([k, v]) => `${k}: ${v}\r\n`)
          .join("")}\r\n`,
      );
    });
    let buf = "";
    s.setTimeout(20000, () => s.destroy(new Error("timeout")));
    s.on("data", (d) => {
      buf += d.toString("latin1");
      const m = /^HTTP\/1\.1 (\d{3})/.exec(buf);
      if (m) {
        s.destroy();
        resolve(Number(m[1]));
      }
    });
    s.on("error", reject);
  });
}

interface DeviceKey {
  publicKeyPem: string;
  privateKeyPem: string;
}
function deviceKey(file: string): DeviceKey {
  if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, "utf8"));
  const { publicKey, privateKey } = crypto.generateKeyPairSync("ed25519");
  const k = {
    publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
    privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
  };
  fs.writeFileSync(file, JSON.stringify(k), { mode: 0o600 });
  return k;
}

/** The gateway's connect handshake (docs/gateway/protocol/handshake.md, auth.md): wait for connect.challenge,
 * answer with a `connect` request carrying the token and a device identity that signs the v3 payload. */
async function wsHandshake(which: string): Promise<void> {
  const token = which === "right" ? env("E2E_TOKEN") : `wrong-${crypto.randomBytes(24).toString("base64url")}`;
  const key = deviceKey(env("E2E_KEY"));
  const raw = crypto.createPublicKey(key.publicKeyPem).export({ type: "spki", format: "der" }).subarray(-32);
  const deviceId = crypto.createHash("sha256").update(raw).digest("hex");
  const wsUrl = `${env("E2E_BASE").replace(/^http/, "ws")}/`;
  // Node's WebSocket (undici) takes extra handshake headers: the browser would send its cached basic
  // credentials and its Origin on this same-origin upgrade.
  const ws = new (WebSocket as any)(wsUrl, {
    headers: { Authorization: basic(env("E2E_BASIC")), Origin: env("E2E_ORIGIN") },
  }) as WebSocket;
  const result: Record<string, unknown> = { which };
  const client = { id: "cli", version: "e2e", platform: "linux", mode: "cli" };
  const role = "operator";
  const scopes = ["operator.read"];
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      result.timeout = true;
      ws.close();
      resolve();
    }, 30000);
    ws.onmessage = (m: MessageEvent) => {
      const f = JSON.parse(String(m.data));
      if (f.type === "event" && f.event === "connect.challenge") {
        const { nonce, ts } = f.payload;
        const payload = [
          "v3",
          deviceId,
          client.id,
          client.mode,
          role,
          scopes.join(","),
          String(ts),
          token,
          nonce,
          client.platform,
          "",
        ].join("|");
        const signature = crypto
          .sign(null, Buffer.from(payload, "utf8"), crypto.createPrivateKey(key.privateKeyPem))
          .toString("base64url");
        ws.send(
          JSON.stringify({
            type: "req",
            id: "c1",
            method: "connect",
            params: {
              minProtocol: 4,
              maxProtocol: 4,
              client,
              role,
              scopes,
              caps: [],
              commands: [],
              permissions: {},
              auth: { token },
              locale: "en-US",
              userAgent: "openclaw-e2e",
              device: { id: deviceId, publicKey: raw.toString("base64url"), signature, signedAt: ts, nonce },
            },
          }),
        );
      } else if (f.type === "res" && f.id === "c1") {
        result.ok = f.ok;
        result.hello = f.payload?.type;
        result.protocol = f.payload?.protocol;
        result.scopes = f.payload?.auth?.scopes;
        result.code = f.error?.details?.code ?? f.error?.code;
        result.requestId = f.error?.details?.requestId;
        result.message = f.error?.message;
        if (f.ok) {
          clearTimeout(timer);
          ws.close(1000);
          resolve();
        }
      }
    };
    ws.onclose = (e: { code: number; reason: string }) => {
      result.closeCode = e.code;
      result.closeReason = e.reason;
      clearTimeout(timer);
      resolve();
    };
    ws.onerror = () => {
      result.error = true;
    };
  });
  result.deviceId = deviceId;
  console.log(JSON.stringify(result));
}

const [cmd, arg] = process.argv.slice(2);
(cmd === "http"
  ? httpChecks()
  : cmd === "ws"
    ? wsHandshake(arg ?? "right")
    : Promise.reject(new Error("usage: client.ts http | ws <right|wrong>"))
).catch((e) => {
  console.log(JSON.stringify({ check: `client ${cmd}`, ok: false, detail: String(e?.stack ?? e) }));
  process.exit(1);
});
