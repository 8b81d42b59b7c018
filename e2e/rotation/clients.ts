/**
 * Two gateway clients that follow docs/secrets.md through token rotations: an HTTP bearer client (one request a
 * second) and a WebSocket client (stays connected). Runs on Node 26 (the gateway image; built-in fetch and
 * WebSocket, no dependencies) with host networking: the gateway's published port and the Secrets Manager
 * emulator are on the host's loopback, and the gateway sees the client arrive through Docker's proxy, not as
 * loopback, so its auth rate limit applies.
 *
 * The documented behaviour: hold the token read from AWSCURRENT; on a rejection or a session the gateway closed,
 * re-read AWSCURRENT; a different token is retried at once, the same token only after a backoff (10 s, doubling,
 * at most 60 s). Both clients share one address here, so together they stay under 10 failures a minute.
 *
 * env: RC_GATEWAY http://127.0.0.1:<port>  RC_SM http://127.0.0.1:<moto>  RC_SECRET arn  RC_DIR state dir
 * Writes RC_DIR/stats.json every second; stops when RC_DIR/stop exists.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";

const env = (k: string): string => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set`);
  return v;
};
const GW = env("RC_GATEWAY");
const DIR = env("RC_DIR");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const now = () => Date.now() / 1000;

async function readCurrent(): Promise<string> {
  // The emulator does not check signatures; a real client signs this call (any AWS SDK's GetSecretValue).
  const r = await fetch(env("RC_SM"), {
    method: "POST",
    headers: {
      "content-type": "application/x-amz-json-1.1",
      "x-amz-target": "secretsmanager.GetSecretValue",
      authorization:
        "AWS4-HMAC-SHA256 Credential=e2e/20260101/us-east-1/secretsmanager/aws4_request, SignedHeaders=host, Signature=0",
    },
    body: JSON.stringify({ SecretId: env("RC_SECRET"), VersionStage: "AWSCURRENT" }),
  });
  if (r.status !== 200) throw new Error(`GetSecretValue: HTTP ${r.status}`);
  return ((await r.json()) as { SecretString: string }).SecretString;
}

interface Stats {
  failures: number;
  successes: number;
  lockouts: number;
  longestRejection: number;
  rejectedSince: number | null;
  reconnects: number;
  rereads: number;
  lastError?: string;
}
const stats: Record<string, Stats> = {};
const mk = (): Stats => ({
  failures: 0,
  successes: 0,
  lockouts: 0,
  longestRejection: 0,
  rejectedSince: null,
  reconnects: 0,
  rereads: 0,
});
function ok(s: Stats) {
  s.successes++;
  if (s.rejectedSince !== null) s.longestRejection = Math.max(s.longestRejection, now() - s.rejectedSince);
  s.rejectedSince = null;
}
function rejected(s: Stats, why: string) {
  s.failures++;
  s.lastError = why;
  if (s.rejectedSince === null) s.rejectedSince = now();
}

/** The documented reaction to a rejection: re-read, retry at once only with a new token, else back off. */
class TokenHolder {
  token = "";
  backoff = 10;
  private readonly s: Stats;
  constructor(s: Stats) {
    this.s = s;
  }
  async init() {
    this.token = await readCurrent();
  }
  async onRejected(): Promise<void> {
    this.s.rereads++;
    let fresh = this.token;
    try {
      fresh = await readCurrent();
    } catch {}
    if (fresh !== this.token) {
      this.token = fresh;
      return;
    }
    await sleep(this.backoff * 1000);
    this.backoff = Math.min(this.backoff * 2, 60);
  }
  onOk() {
    this.backoff = 10;
  }
  /** After the gateway closed an admitted session (a rotation does that): re-read before reconnecting. */
  async refresh(): Promise<void> {
    this.s.rereads++;
    try {
      this.token = await readCurrent();
    } catch {}
  }
}
const stopping = () => fs.existsSync(`${DIR}/stop`);

async function httpClient() {
  const s = (stats.http = mk());
  const h = new TokenHolder(s);
  await h.init();
  while (!stopping()) {
    let status = 0;
    try {
      const r = await fetch(`${GW}/tools/invoke`, {
        method: "POST",
        headers: { authorization: `Bearer ${h.token}`, "content-type": "application/json" },
        body: "{}",
        signal: AbortSignal.timeout(10000),
      });
      status = r.status;
      await r.text();
    } catch (e) {
      s.lastError = String(e);
      await sleep(1000);
      continue;
    }
    if (status === 429) s.lockouts++;
    if (status === 401 || status === 403 || status === 429) {
      rejected(s, `HTTP ${status}`);
      await h.onRejected();
      continue;
    }
    ok(s);
    h.onOk();
    await sleep(1000);
  }
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

/** One WebSocket session (docs/gateway/protocol/handshake.md): resolves with how it ended. */
function wsSession(
  token: string,
  onOpen: () => void,
): Promise<{ admitted: boolean; code?: string; requestId?: string }> {
  const key = deviceKey(`${DIR}/device.json`);
  const raw = crypto.createPublicKey(key.publicKeyPem).export({ type: "spki", format: "der" }).subarray(-32);
  const deviceId = crypto.createHash("sha256").update(raw).digest("hex");
  const ws = new WebSocket(`${GW.replace(/^http/, "ws")}/`);
  const client = { id: "cli", version: "e2e", platform: "linux", mode: "cli" };
  const scopes = ["operator.read"];
  return new Promise((resolve) => {
    let admitted = false;
    let code: string | undefined;
    let requestId: string | undefined;
    ws.onmessage = (m) => {
      const f = JSON.parse(String(m.data));
      if (f.type === "event" && f.event === "connect.challenge") {
        const { nonce, ts } = f.payload;
        const payload = [
          "v3",
          deviceId,
          client.id,
          client.mode,
          "operator",
          scopes.join(","),
          String(ts),
          token,
          nonce,
          client.platform,
          "",
        ].join("|");
        const signature = crypto
          .sign(null, Buffer.from(payload), crypto.createPrivateKey(key.privateKeyPem))
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
              role: "operator",
              scopes,
              caps: [],
              commands: [],
              permissions: {},
              auth: { token },
              locale: "en-US",
              userAgent: "openclaw-rotation-e2e",
              device: { id: deviceId, publicKey: raw.toString("base64url"), signature, signedAt: ts, nonce },
            },
          }),
        );
      } else if (f.type === "res" && f.id === "c1") {
        if (f.ok) {
          admitted = true;
          onOpen();
        } else {
          code = f.error?.details?.code ?? f.error?.code;
          requestId = f.error?.details?.requestId;
        }
      }
    };
    ws.onclose = () => resolve({ admitted, code, requestId });
    const stopTimer = setInterval(() => {
      if (stopping()) ws.close(1000);
    }, 500);
    ws.addEventListener("close", () => clearInterval(stopTimer));
  });
}

async function wsClient() {
  const s = (stats.ws = mk());
  const h = new TokenHolder(s);
  await h.init();
  let first = true;
  while (!stopping()) {
    const r = await wsSession(h.token, () => {
      ok(s);
      h.onOk();
      if (!first) s.reconnects++;
      first = false;
      fs.writeFileSync(`${DIR}/ws.connected`, String(Date.now()));
    });
    if (stopping()) break;
    if (r.admitted) {
      // Closed by the gateway, as after a rotation: re-read AWSCURRENT, reconnect at once.
      await h.refresh();
      continue;
    }
    if (r.code === "PAIRING_REQUIRED") {
      fs.writeFileSync(`${DIR}/pairing.request`, r.requestId ?? "");
      await sleep(2000);
      continue;
    }
    if (/RATE_LIMIT/i.test(r.code ?? "")) s.lockouts++;
    rejected(s, `ws ${r.code ?? "closed"}`);
    await h.onRejected();
  }
}

const writer = setInterval(() => fs.writeFileSync(`${DIR}/stats.json`, JSON.stringify(stats)), 1000);
Promise.all([httpClient(), wsClient()])
  .catch((e) => {
    fs.writeFileSync(`${DIR}/client.error`, String(e?.stack ?? e));
  })
  .finally(() => {
    clearInterval(writer);
    fs.writeFileSync(`${DIR}/stats.json`, JSON.stringify(stats));
  });
