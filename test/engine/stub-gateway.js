// Stands in for the gateway in the compose lockdown check: the documented health bodies, and the Control
// UI's habit of answering 200 with HTML for any unknown path (which a status-only probe would take as healthy).
const http = require("node:http");
const port = Number(process.env.STUB_PORT || 18789);
const bodies = {
  "/healthz": { ok: true, status: "live" },
  "/startupz": { ok: true, status: "started" },
  "/readyz": { ready: true },
};
http
  .createServer((req, res) => {
    const body = bodies[req.url];
    if (body) {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    } else {
      res.writeHead(200, { "content-type": "text/html" });
      res.end("<!doctype html><title>OpenClaw Control</title>");
    }
  })
  // 0.0.0.0 inside the container, like the gateway's `bind: lan`; the host publishes it on 127.0.0.1 only.
  .listen(port, "0.0.0.0", () => console.log(`stub gateway on :${port}`));
