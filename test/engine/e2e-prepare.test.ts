import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { allowedTestChange, lineDiff } from "../../e2e/caddyfile";
import { composeService } from "../../components/container/render-compose";
import { gatewayContainerSpec, oneOffJobSpec } from "../../components/container/spec";
import { testConfig } from "../helpers/config";
import { lockdownFlags, median } from "../../tools/bench-lockdown";
import { prepare } from "./prepare-compose";

// A compose file shaped like the caddy stack's rendered vm/compose.yaml.
const rendered = () =>
  parse(`
services:
  gateway:
    image: ghcr.io/openclaw/openclaw:2026.9.6
    hostname: openclaw-gateway
    user: 1000:1000
    read_only: true
    cap_drop: [ALL]
    security_opt: [no-new-privileges:true]
    tmpfs:
      - /tmp:rw,noexec,nosuid,nodev,size=64m,mode=1777
    volumes: [openclaw-state:/home/node/.openclaw, /run/openclaw/openclaw.json:/etc/openclaw/openclaw.json:ro]
    env_file: [/run/openclaw/gateway.env]
    ports: [127.0.0.1:18789:18789]
    mem_limit: 2048m
    pids_limit: 256
    networks: { openclaw: { ipv4_address: 172.30.89.2 } }
  caddy:
    image: caddy:2.10.2
    user: 1000:1000
    read_only: true
    cap_drop: [ALL]
    volumes: [caddy-data:/data, /etc/openclaw/caddy/Caddyfile:/etc/caddy/Caddyfile:ro]
    env_file: [/run/openclaw/ingress.env]
    ports: [0.0.0.0:443:8443, 0.0.0.0:80:8080]
    depends_on: { gateway: { condition: service_started } }
    networks: { openclaw: { ipv4_address: 172.30.89.3 } }
volumes:
  openclaw-state: { driver: local, driver_opts: { type: none, o: bind, device: /var/lib/openclaw/state } }
  caddy-data: { driver: local, driver_opts: { type: none, o: bind, device: /var/lib/openclaw/caddy } }
networks:
  openclaw: { driver: bridge, ipam: { config: [{ subnet: 172.30.89.0/28 }] } }
`);

describe("prepare-compose", () => {
  it("drops sidecars by default and maps the gateway's host paths into the work dir", () => {
    const d = prepare(rendered(), { image: "gw:local", workdir: "/w" });
    expect(Object.keys(d.services)).toEqual(["gateway"]);
    expect(d.services.gateway.volumes).toContain("/w/openclaw.json:/etc/openclaw/openclaw.json:ro");
    expect(d.services.gateway.env_file).toEqual(["/w/gateway.env"]);
    expect(Object.keys(d.volumes)).toEqual(["openclaw-state"]);
    expect(d.volumes["openclaw-state"].driver_opts.device).toBe("/w/state");
  });

  it("keeps a sidecar with a local image, its paths and ports moved to loopback, hardening and addresses untouched", () => {
    const d = prepare(rendered(), {
      image: "gw:local",
      workdir: "/w",
      sidecars: { caddy: "caddy:local" },
      publish: { "443": "127.0.0.1:18443", "80": "127.0.0.1:18080" },
    });
    const c = d.services.caddy;
    expect(c.image).toBe("caddy:local");
    expect(c.ports).toEqual(["127.0.0.1:18443:8443", "127.0.0.1:18080:8080"]);
    expect(c.volumes).toEqual(["caddy-data:/data", "/w/Caddyfile:/etc/caddy/Caddyfile:ro"]);
    expect(c.env_file).toEqual(["/w/ingress.env"]);
    expect(d.volumes["caddy-data"].driver_opts.device).toBe("/w/caddy");
    expect(c.networks.openclaw.ipv4_address).toBe("172.30.89.3");
    expect(c.read_only).toBe(true);
    expect(c.depends_on).toEqual({ gateway: { condition: "service_started" } });
  });

  it("refuses a kept sidecar whose public port has no loopback mapping, and an unknown sidecar", () => {
    expect(() =>
      prepare(rendered(), { image: "gw", workdir: "/w", sidecars: { caddy: "c" }, publish: { "443": "127.0.0.1:1" } }),
    ).toThrow(/--publish 80=/);
    expect(() => prepare(rendered(), { image: "gw", workdir: "/w", sidecars: { nope: "c" } })).toThrow(
      /no service nope/,
    );
  });
});

describe("e2e Caddyfile test variant", () => {
  const base = "{\n\temail ops@example.com\n\tadmin off\n}\n\nexample.com {\n\tlog\n}\n";
  it("accepts only the TLS-mode lines as the difference", () => {
    const test = "{\n\tadmin off\n\tskip_install_trust\n}\n\nexample.com {\n\tbind 0.0.0.0\n\ttls internal\n\tlog\n}\n";
    expect(allowedTestChange(lineDiff(base, test))).toBe(true);
  });
  it("rejects any other change, and a variant without tls internal", () => {
    expect(
      allowedTestChange(lineDiff(base, `${base.replace("admin off", "admin localhost:2019")}\ttls internal\n`)),
    ).toBe(false);
    expect(allowedTestChange(lineDiff(base, base))).toBe(false);
  });
});

describe("the one-off backup service and bench helpers", () => {
  it("keeps the rendered backup service, on the local image, with the gateway's hardening and moved paths", () => {
    const doc = rendered();
    doc.services.backup = composeService(oneOffJobSpec(gatewayContainerSpec(testConfig())), {
      sources: { state: "openclaw-state", config: "/run/openclaw/openclaw.json" },
      profile: "backup",
    });
    const d = prepare(doc, { image: "gw", workdir: "/w" });
    const b = d.services.backup;
    expect(b.image).toBe("gw");
    expect(b.network_mode).toBe("none");
    expect(b.profiles).toEqual(["backup"]);
    for (const k of ["read_only", "cap_drop", "security_opt", "user", "tmpfs", "volumes"])
      expect(b[k]).toEqual(d.services.gateway[k]);
    expect(b.env_file).toBeUndefined();
  });
  it("derives docker run flags from the rendered gateway service and takes medians", () => {
    const gw = rendered().services.gateway;
    expect(lockdownFlags(gw)).toEqual([
      "--read-only",
      "--cap-drop",
      "ALL",
      "--security-opt",
      "no-new-privileges:true",
      "--tmpfs",
      "/tmp:rw,noexec,nosuid,nodev,size=64m,mode=1777",
      "--memory",
      "2048m",
      "--pids-limit",
      "256",
    ]);
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
  it("the e2e client and the shell steps exist where run.sh expects them", () => {
    for (const f of ["client.ts", "lib.sh", "backup-drill.sh", "build-caddy-image.sh"])
      expect(fs.existsSync(path.join(__dirname, "../../e2e", f))).toBe(true);
  });
});
