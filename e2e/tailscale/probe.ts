/**
 * The tailnet client's probe: runs on Node 26 (native type stripping, built-in fetch and WebSocket) in the
 * network namespace of the client node, so every packet to the sidecar goes through the client's tailscaled,
 * the tailnet (DERP relay) and the sidecar's serve config. Reaches the sidecar by its certificate domain
 * (SNI and Host are the real ones) and trusts only the test CA (NODE_EXTRA_CA_CERTS).
 *
 * Prints one JSON object per line: {"check": ..., "ok": true|false, "detail": ...}.
 * env: PROBE_DOMAIN (the sidecar's certificate domain), PROBE_TAILNET_IP (its tailnet address)
 */
import * as net from "node:net";

const env = (k: string): string => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set`);
  return v;
};
const out = (check: string, ok: boolean, detail: unknown) => console.log(JSON.stringify({ check, ok, detail }));
const domain = env("PROBE_DOMAIN");
const base = `https://${domain}`;

async function http(): Promise<void> {
  try {
    const r = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(30000) });
    const body = await r.text();
    out(
      "https GET /healthz through the tailnet and serve",
      r.status === 200 && body === '{"ok":true,"status":"live"}',
      {
        status: r.status,
        body: body.slice(0, 120),
      },
    );
    const ui = await fetch(`${base}/`, { signal: AbortSignal.timeout(30000) });
    const html = await ui.text();
    out("https GET / is the gateway's Control UI", ui.status === 200 && /<html/i.test(html), {
      status: ui.status,
      bytes: html.length,
    });
  } catch (e) {
    out("https GET /healthz through the tailnet and serve", false, String((e as Error).cause ?? e));
  }
}

/** WebSocket upgrade through serve: the gateway's first frame is its connect.challenge; a connect request with
 * a wrong token must come back refused, so frames flow both ways. */
async function ws(): Promise<void> {
  const result: Record<string, unknown> = {};
  await new Promise<void>((resolve) => {
    const sock = new (WebSocket as any)(`wss://${domain}/`, { headers: { Origin: base } }) as WebSocket;
    const timer = setTimeout(() => {
      result.timeout = true;
      sock.close();
      resolve();
    }, 30000);
    sock.onopen = () => {
      result.open = true;
    };
    sock.onmessage = (m: MessageEvent) => {
      const f = JSON.parse(String(m.data));
      if (f.type === "event" && f.event === "connect.challenge") {
        result.challenge = true;
        sock.send(
          JSON.stringify({
            type: "req",
            id: "c1",
            method: "connect",
            params: {
              minProtocol: 4,
              maxProtocol: 4,
              client: { id: "cli", version: "e2e", platform: "linux", mode: "cli" },
              role: "operator",
              scopes: ["operator.read"],
              auth: { token: "wrong-token-from-the-tailnet-probe" },
            },
          }),
        );
      } else if (f.type === "res" && f.id === "c1") {
        result.connectOk = f.ok;
        result.code = f.error?.details?.code ?? f.error?.code;
      }
    };
    sock.onclose = (e: { code: number }) => {
      result.closeCode = e.code;
      clearTimeout(timer);
      resolve();
    };
    sock.onerror = () => {
      result.error = true;
    };
  });
  out(
    "wss upgrade through the tailnet and serve: challenge received, wrong token refused",
    result.open === true && result.challenge === true && result.connectOk === false,
    result,
  );
}

/** Nothing but serve's port answers on the sidecar's tailnet address. */
function closed(port: number): Promise<void> {
  const ip = env("PROBE_TAILNET_IP");
  return new Promise((resolve) => {
    const s = net.connect({ host: ip, port, timeout: 5000 });
    const done = (ok: boolean, detail: string) => {
      s.destroy();
      out(`tailnet ${ip}:${port} closed`, ok, detail);
      resolve();
    };
    s.on("connect", () => done(false, "connected"));
    s.on("timeout", () => done(true, "timeout"));
    s.on("error", (e: NodeJS.ErrnoException) => done(true, e.code ?? String(e)));
  });
}

async function main(what: string): Promise<void> {
  if (what === "all" || what === "http") await http();
  if (what === "all" || what === "ws") await ws();
  if (what === "all" || what === "closed") for (const p of [18789, 80, 22, 8080]) await closed(p);
}
main(process.argv[2] ?? "all").catch((e) => {
  out("probe", false, String(e));
  process.exitCode = 1;
});
