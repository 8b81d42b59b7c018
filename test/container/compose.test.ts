import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { renderCompose } from "../../components/container/render-compose";
import { gatewayContainerSpec, healthCheckCommand, heapMiB } from "../../components/container/spec";
import { testConfig } from "../helpers/config";

describe("gateway container spec", () => {
  it.each([
    [1024, 768],
    [2048, 1536],
    [4096, 3072],
  ])("heap for %i MiB is %i MiB (~75%%)", (mem, heap) => expect(heapMiB(mem)).toBe(heap));

  it("carries the lockdown the gateway was measured to need", () => {
    const spec = gatewayContainerSpec(testConfig());
    expect(spec.env.XDG_CACHE_HOME).toBe("/tmp/.cache");
    expect(spec.env.NODE_OPTIONS).toBe("--max-old-space-size=1536");
    expect(spec.hostname).toBe("openclaw-gateway");
    expect(spec.user).toEqual({ uid: 1000, gid: 1000 });
    expect(spec.ports[0].publish.hostIp).toBe("127.0.0.1");
    expect(spec.secretEnv).toContain("OPENCLAW_GATEWAY_TOKEN");
    expect(Object.keys(spec.env)).not.toContain("OPENCLAW_GATEWAY_TOKEN");
  });

  it("health check reads the body, not only the status", () => {
    const cmd = healthCheckCommand(18789).join(" ");
    expect(cmd).toContain("/healthz");
    expect(cmd).toContain("b.status==='live'");
  });
});

describe("compose rendering", () => {
  const spec = gatewayContainerSpec(testConfig({ gateway: { memoryMiB: 1536, pidsLimit: 128 } }));
  const doc = parse(
    renderCompose(spec, {
      configHostPath: "/run/openclaw/openclaw.json",
      envFile: "/run/openclaw/gateway.env",
      stateHostDir: "/var/lib/openclaw/state",
    }),
  );
  const gw = doc.services.gateway;

  it.each([
    ["read_only", true],
    ["cap_drop", ["ALL"]],
    ["security_opt", ["no-new-privileges:true"]],
    ["user", "1000:1000"],
    ["privileged", false],
    ["mem_limit", "1536m"],
    ["memswap_limit", "1536m"],
    ["pids_limit", 128],
    ["ports", ["127.0.0.1:18789:18789"]],
    ["hostname", "openclaw-gateway"],
    ["env_file", ["/run/openclaw/gateway.env"]],
  ])("%s", (key, value) => expect(gw[key]).toEqual(value));

  it("writable paths are only tmpfs /tmp (noexec) and the state volume", () => {
    expect(gw.tmpfs).toEqual(["/tmp:rw,noexec,nosuid,nodev,size=64m,mode=1777"]);
    expect(gw.volumes).toEqual([
      "openclaw-state:/home/node/.openclaw",
      "/run/openclaw/openclaw.json:/etc/openclaw/openclaw.json:ro",
    ]);
    expect(doc.volumes["openclaw-state"].driver_opts.device).toBe("/var/lib/openclaw/state");
  });

  it("health check is the spec's body check", () => {
    expect(gw.healthcheck.test).toEqual(["CMD", ...spec.healthcheck.command]);
  });

  it("never publishes when a sidecar is the only way in", () => {
    const d = parse(renderCompose(spec, { configHostPath: "/x", publishPort: false }));
    expect(d.services.gateway.ports).toBeUndefined();
  });
});

describe("one-off job service (backup, restore)", () => {
  const spec = gatewayContainerSpec(testConfig());
  const doc = parse(
    renderCompose(spec, {
      configHostPath: "/x",
      gatewayAddress: "172.30.89.2",
      subnet: "172.30.89.0/28",
      oneOffService: "backup",
    }),
  );
  const gw = doc.services.gateway;
  const job = doc.services.backup;

  it("is the gateway service itself: same image, user, hardening, state and config", () => {
    for (const k of [
      "image",
      "user",
      "read_only",
      "cap_drop",
      "security_opt",
      "tmpfs",
      "volumes",
      "mem_limit",
      "pids_limit",
      "environment",
      "healthcheck",
    ]) {
      expect(job[k], k).toEqual(gw[k]);
    }
  });

  it("has no network, no ports and never starts with `up`", () => {
    expect(job.network_mode).toBe("none");
    expect(job.networks).toBeUndefined();
    expect(job.ports).toBeUndefined();
    expect(job.restart).toBeUndefined();
    expect(job.profiles).toEqual(["backup"]);
  });

  it("is absent unless asked for", () => {
    expect(Object.keys(parse(renderCompose(spec, { configHostPath: "/x" })).services)).toEqual(["gateway"]);
  });
});
