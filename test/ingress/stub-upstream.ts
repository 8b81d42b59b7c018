/**
 * A stand-in for the gateway behind Caddy, on 127.0.0.1: answers every request with the request it saw as JSON
 * (method, url, headers, body length), answers /healthz like the gateway, and accepts WebSocket upgrades with a
 * hand-written RFC 6455 handshake, echoing each text frame back.
 */
import * as crypto from "node:crypto";
import * as http from "node:http";
import type { AddressInfo, Socket } from "node:net";

export const WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

export function wsAccept(key: string): string {
  return crypto
    .createHash("sha1")
    .update(key + WS_GUID)
    .digest("base64");
}

/** One text frame; masked when sent by a client (RFC 6455 5.3). Payloads < 126 bytes are all the tests need. */
export function encodeTextFrame(text: string, mask: boolean): Buffer {
  const payload = Buffer.from(text);
  if (payload.length >= 126) throw new Error("test frames are short");
  if (!mask) return Buffer.concat([Buffer.from([0x81, payload.length]), payload]);
  const key = crypto.randomBytes(4);
  const masked = Buffer.from(payload.map((b, i) => b ^ key[i % 4]));
  return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), key, masked]);
}

/** Decodes one short text frame, masked or not; undefined until the whole frame is in `buf`. */
export function decodeTextFrame(buf: Buffer): { text: string; opcode: number; rest: Buffer } | undefined {
  if (buf.length < 2) return undefined;
  const opcode = buf[0] & 0x0f;
  const masked = (buf[1] & 0x80) !== 0;
  const len = buf[1] & 0x7f;
  if (len >= 126) throw new Error("test frames are short");
  const head = 2 + (masked ? 4 : 0);
  if (buf.length < head + len) return undefined;
  let payload = buf.subarray(head, head + len);
  if (masked) {
    const key = buf.subarray(2, 6);
    payload = Buffer.from(payload.map((b, i) => b ^ key[i % 4]));
  }
  return { text: payload.toString(), opcode, rest: buf.subarray(head + len) };
}

export interface SeenRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  bodyBytes: number;
}

export interface StubUpstream {
  port: number;
  /** Every request (and upgrade) the stub received, in order. */
  seen: SeenRequest[];
  close(): Promise<void>;
}

export async function startStubUpstream(): Promise<StubUpstream> {
  const seen: SeenRequest[] = [];
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    let bodyBytes = 0;
    req.on("data", (c: Buffer) => (bodyBytes += c.length));
    req.on("end", () => {
      const record = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, bodyBytes };
      seen.push(record);
      const body = req.url === "/healthz" ? { ok: true, status: "live" } : record;
      // Like the gateway: it sets its own Server header, which Caddy must strip.
      res.writeHead(200, { "content-type": "application/json", server: "stub-gateway" });
      res.end(JSON.stringify(body));
    });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  server.on("upgrade", (req, socket) => {
    seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, bodyBytes: 0 });
    const key = req.headers["sec-websocket-key"];
    if (typeof key !== "string" || req.headers.upgrade?.toLowerCase() !== "websocket") {
      socket.end("HTTP/1.1 400 Bad Request\r\n\r\n");
      return;
    }
    socket.write(
      [
        "HTTP/1.1 101 Switching Protocols",
        "Upgrade: websocket",
        "Connection: Upgrade",
        `Sec-WebSocket-Accept: ${wsAccept(key)}`,
        "",
        "",
      ].join("\r\n"),
    );
    let buf: Buffer = Buffer.alloc(0);
    socket.on("data", (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      for (let f = decodeTextFrame(buf); f; f = decodeTextFrame(buf)) {
        buf = f.rest;
        if (f.opcode === 0x8) {
          socket.end(Buffer.from([0x88, 0]));
          return;
        }
        if (f.opcode === 0x1) socket.write(encodeTextFrame(`echo:${f.text}`, false));
      }
    });
    socket.on("error", () => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
