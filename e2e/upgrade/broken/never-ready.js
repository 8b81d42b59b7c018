// A release that migrates the state, then starts and stays live but never ready (/readyz 503).
require("/broken/migrate.js");
require("node:http")
  .createServer((req, res) => {
    res.setHeader("content-type", "application/json");
    if (req.url === "/readyz") {
      res.writeHead(503);
      res.end(JSON.stringify({ ready: false }));
    } else {
      res.end(JSON.stringify({ ok: true, status: req.url === "/startupz" ? "started" : "live" }));
    }
  })
  .listen(18789, "0.0.0.0");
