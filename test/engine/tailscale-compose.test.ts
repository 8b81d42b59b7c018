import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { CONTROL_URL, sidecarDiff, tailnetCompose } from "../../e2e/tailscale/compose";

// Shaped like the prod stack's rendered vm/compose.yaml (gateway + tailscale sidecar).
const rendered = () =>
  parse(`
services:
  gateway:
    image: ghcr.io/openclaw/openclaw:2026.9.6
    user: 1000:1000
    read_only: true
    cap_drop: [ALL]
    volumes: [openclaw-state:/home/node/.openclaw, /run/openclaw/openclaw.json:/etc/openclaw/openclaw.json:ro]
    env_file: [/run/openclaw/gateway.env]
    ports: [127.0.0.1:18789:18789]
    logging: { driver: awslogs, options: { awslogs-group: /openclaw/prod/gateway } }
    networks: { openclaw: { ipv4_address: 172.30.89.2 } }
  tailscale:
    image: tailscale/tailscale:v1.84.3
    hostname: openclaw-prod
    user: 1000:1000
    read_only: true
    privileged: false
    cap_drop: [ALL]
    security_opt: [no-new-privileges:true]
    tmpfs: [/tmp:rw,noexec,nosuid,nodev,size=16m,mode=1777]
    volumes: [tailscale-state:/var/lib/tailscale, /etc/openclaw/tailscale/serve.json:/etc/tailscale/serve.json:ro]
    environment:
      TS_HOSTNAME: openclaw-prod
      TS_STATE_DIR: /var/lib/tailscale
      TS_USERSPACE: "true"
      TS_SERVE_CONFIG: /etc/tailscale/serve.json
      TS_AUTH_ONCE: "true"
      TS_SOCKET: /tmp/tailscaled.sock
    env_file: [/run/openclaw/ingress.env]
    depends_on: { gateway: { condition: service_started } }
    networks: { openclaw: { ipv4_address: 172.30.89.3 } }
volumes:
  openclaw-state: { driver: local, driver_opts: { type: none, o: bind, device: /var/lib/openclaw/state } }
  tailscale-state: { driver: local, driver_opts: { type: none, o: bind, device: /var/lib/openclaw/tailscale } }
networks:
  openclaw: { driver: bridge, ipam: { config: [{ subnet: 172.30.89.0/28 }] } }
`);

const opts = {
  workdir: "/w",
  gatewayImage: "openclaw-gateway:2026.9.6",
  tailscaleImage: "openclaw-e2e-tailscale:1.84.3",
  controlBin: "/bin/openclaw-testcontrol",
  hostPort: 18719,
  controlIp: "172.30.89.14",
};

describe("tailnet e2e compose file (e2e/tailscale/compose.ts)", () => {
  it("changes the sidecar only by image, host paths and the local control plane, and says so line by line", () => {
    const { diff } = tailnetCompose(rendered(), opts);
    expect(diff).toEqual([
      `~ image: "tailscale/tailscale:v1.84.3" -> "openclaw-e2e-tailscale:1.84.3"`,
      "~ volumes[/etc/tailscale/serve.json]: /etc/openclaw/tailscale/serve.json:/etc/tailscale/serve.json:ro -> /w/serve.json:/etc/tailscale/serve.json:ro",
      "+ volumes[/etc/ssl/certs/ca-certificates.crt]: /w/test-ca.pem:/etc/ssl/certs/ca-certificates.crt:ro",
      `+ environment.TS_EXTRA_ARGS: --login-server=${CONTROL_URL}`,
      `+ environment.TS_DEBUG_ACME_DIRECTORY_URL: ${CONTROL_URL}/acme/directory`,
      '~ env_file: ["/run/openclaw/ingress.env"] -> ["/w/ingress.env"]',
      '~ depends_on: {"gateway":{"condition":"service_started"}} -> {"gateway":{"condition":"service_started"},"control":{"condition":"service_started"}}',
      "~ volumes.tailscale-state.driver_opts.device: /var/lib/openclaw/tailscale -> /w/tailscale",
    ]);
  });

  it("keeps every rendered hardening and TS_* setting of the sidecar and its fixed address", () => {
    const before = rendered().services.tailscale;
    const ts = tailnetCompose(rendered(), opts).doc.services.tailscale;
    for (const k of ["user", "read_only", "privileged", "cap_drop", "security_opt", "tmpfs", "hostname", "networks"])
      expect(ts[k], k).toEqual(before[k]);
    for (const [k, v] of Object.entries(before.environment)) expect(ts.environment[k], k).toBe(v);
    expect(ts.cap_add).toBeUndefined();
    expect(ts.ports).toBeUndefined();
  });

  it("puts the control server on the stack network at the given address and the client on a network of its own", () => {
    const { doc } = tailnetCompose(rendered(), opts);
    expect(doc.services.control.networks.openclaw).toEqual({ ipv4_address: "172.30.89.14", aliases: ["control"] });
    expect(doc.services.client.networks).toEqual(["internet"]);
    expect(doc.services.gateway.ports).toEqual(["127.0.0.1:18719:18789"]);
  });

  it("refuses to override a setting the rendered sidecar already has", () => {
    const r = rendered();
    r.services.tailscale.environment.TS_EXTRA_ARGS = "--advertise-tags=tag:openclaw";
    expect(() => tailnetCompose(r, opts)).toThrow(/already sets TS_EXTRA_ARGS/);
    const r2 = rendered();
    r2.services.tailscale.volumes.push("/etc/ssl:/etc/ssl/certs/ca-certificates.crt:ro");
    expect(() => tailnetCompose(r2, opts)).toThrow(/already mounts \/etc\/ssl\/certs\/ca-certificates.crt/);
  });

  it("fails for a stack without the tailscale sidecar", () => {
    const r = rendered();
    delete r.services.tailscale;
    expect(() => tailnetCompose(r, opts)).toThrow(/no tailscale service/);
  });

  it("diff reports removed keys too", () => {
    expect(sidecarDiff({ a: 1, environment: { X: "1" } }, { a: 1 })).toEqual(["- environment.X"]);
  });
});
