/**
 * The compose file for the tailnet test, from the stack's rendered `vm/compose.yaml`:
 *   1. test/engine/prepare-compose.ts, which refuses to change a hardening setting: the images (the locally
 *      built gateway and sidecar), host paths into the work dir, the gateway's loopback host port, CloudWatch
 *      logging to json-file;
 *   2. the sidecar, only where the control plane must be the local one (SIDECAR_ADDITIONS below): keys are
 *      added, never replaced; an existing rendered key with another value is an error;
 *   3. two services of the test itself: `control` (the local tailnet: control, DERP, STUN) and `client`
 *      (a second node, on a network of its own that stands for the internet).
 * It prints every line of the sidecar that differs from the rendered one, as `~ key: rendered -> test` or
 * `+ key: test`, so the log states exactly what the run changed.
 *
 * usage: tsx e2e/tailscale/compose.ts <rendered compose.yaml> <out.yaml> --workdir <dir> --gateway-image <ref>
 *          --tailscale-image <ref> --control-bin <path> --host-port <n> --control-ip <ip>
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { parse, stringify } from "yaml";
import { prepare } from "../../test/engine/prepare-compose";

export const CONTROL_URL = "http://control:9911";

/** What the sidecar needs beyond the rendered service to use the local control plane, and why. */
export function sidecarAdditions(workdir: string) {
  return {
    environment: {
      // The only way containerboot takes a control URL; the rendered stack uses Tailscale's default.
      TS_EXTRA_ARGS: `--login-server=${CONTROL_URL}`,
      // tailscaled asks the ACME server for renewal info (ARI) about its certificate; Let's Encrypt is not
      // reachable offline, so the question goes to the local control server, which answers 404, and
      // tailscaled falls back to the certificate's own expiry.
      TS_DEBUG_ACME_DIRECTORY_URL: `${CONTROL_URL}/acme/directory`,
    },
    volumes: [
      // The test CA that issued the pre-placed certificate replaces the public bundle: tailscaled only uses
      // a cached certificate that chains to a system root.
      `${path.join(workdir, "test-ca.pem")}:/etc/ssl/certs/ca-certificates.crt:ro`,
    ],
  };
}

function flat(svc: any): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries<any>(svc ?? {})) {
    if (k === "environment") for (const [ek, ev] of Object.entries(v)) out.set(`environment.${ek}`, String(ev));
    else if (k === "volumes") for (const vol of v) out.set(`volumes[${String(vol).split(":")[1]}]`, String(vol));
    else out.set(k, JSON.stringify(v));
  }
  return out;
}

/** The sidecar's differences, rendered -> test, one line each. */
export function sidecarDiff(rendered: any, test: any): string[] {
  const a = flat(rendered);
  const b = flat(test);
  const lines: string[] = [];
  for (const [k, v] of b) {
    if (!a.has(k)) lines.push(`+ ${k}: ${v}`);
    else if (a.get(k) !== v) lines.push(`~ ${k}: ${a.get(k)} -> ${v}`);
  }
  for (const k of a.keys()) if (!b.has(k)) lines.push(`- ${k}`);
  return lines;
}

export interface TailnetComposeOptions {
  workdir: string;
  gatewayImage: string;
  tailscaleImage: string;
  controlBin: string;
  hostPort: number;
  /** The control server's fixed address on the stack's network (the rendered services hold .2 and .3). */
  controlIp: string;
}

export function tailnetCompose(rendered: any, o: TailnetComposeOptions): { doc: any; diff: string[] } {
  const original = structuredClone(rendered.services?.tailscale);
  if (!original)
    throw new Error("the rendered compose file has no tailscale service: render a stack with ingress tailscale");
  const doc = prepare(structuredClone(rendered), {
    image: o.gatewayImage,
    workdir: o.workdir,
    hostPort: o.hostPort,
    sidecars: { tailscale: o.tailscaleImage },
  });
  const ts = doc.services.tailscale;
  const add = sidecarAdditions(o.workdir);
  for (const [k, v] of Object.entries(add.environment)) {
    if (k in ts.environment)
      throw new Error(`the rendered sidecar already sets ${k}=${ts.environment[k]}: the test would override it`);
    ts.environment[k] = v;
  }
  const mounted = new Set((ts.volumes as string[]).map((v) => v.split(":")[1]));
  for (const v of add.volumes) {
    if (mounted.has(v.split(":")[1])) throw new Error(`the rendered sidecar already mounts ${v.split(":")[1]}`);
    ts.volumes.push(v);
  }
  const netName = Object.keys(ts.networks ?? {})[0];
  if (!netName) throw new Error("the rendered sidecar has no network");
  doc.networks.internet = { driver: "bridge" };
  // The control server stands for the internet: both the sidecar (on the stack's network) and the client
  // (on `internet`) reach it as "control". The two networks stay apart, so sidecar and client meet only
  // through the DERP relay, as two NATed machines would.
  doc.services.control = {
    image: o.tailscaleImage,
    entrypoint: ["/usr/local/bin/openclaw-testcontrol"],
    command: ["--keys", "/etc/testcontrol/keys.json", "--host", "control"],
    user: "1000:1000",
    read_only: true,
    cap_drop: ["ALL"],
    security_opt: ["no-new-privileges:true"],
    volumes: [
      `${o.controlBin}:/usr/local/bin/openclaw-testcontrol:ro`,
      `${path.join(o.workdir, "keys.json")}:/etc/testcontrol/keys.json:ro`,
    ],
    networks: {
      [netName]: { ipv4_address: o.controlIp, aliases: ["control"] },
      internet: { aliases: ["control"] },
    },
  };
  // The client is a laptop on the tailnet: kernel networking (so ordinary programs in its network namespace
  // reach tailnet addresses), hence NET_ADMIN and the TUN device, which the sidecar never gets.
  doc.services.client = {
    image: o.tailscaleImage,
    entrypoint: ["/usr/local/bin/tailscaled"],
    command: ["--state=/var/lib/tailscale/tailscaled.state", "--socket=/tmp/tailscaled.sock", "--tun=tailscale0"],
    cap_drop: ["ALL"],
    cap_add: ["NET_ADMIN", "NET_RAW"],
    devices: ["/dev/net/tun:/dev/net/tun"],
    read_only: true,
    tmpfs: ["/tmp", "/var/lib/tailscale"],
    networks: ["internet"],
    depends_on: ["control"],
  };
  ts.depends_on = { ...(ts.depends_on ?? {}), control: { condition: "service_started" } };
  const diff = sidecarDiff(original, ts);
  // The sidecar's named volumes are bind mounts of host directories: where they point moved too.
  for (const v of ts.volumes as string[]) {
    const name = v.split(":")[0]!;
    const before = rendered.volumes?.[name]?.driver_opts?.device;
    const after = doc.volumes?.[name]?.driver_opts?.device;
    if (before && before !== after) diff.push(`~ volumes.${name}.driver_opts.device: ${before} -> ${after}`);
  }
  return { doc, diff };
}

if (require.main === module) {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      workdir: { type: "string" },
      "gateway-image": { type: "string" },
      "tailscale-image": { type: "string" },
      "control-bin": { type: "string" },
      "host-port": { type: "string" },
      "control-ip": { type: "string" },
    },
  });
  const [input, output] = positionals;
  const need = ["workdir", "gateway-image", "tailscale-image", "control-bin", "host-port", "control-ip"] as const;
  const missing = need.filter((k) => !values[k]);
  if (!input || !output || missing.length > 0) {
    console.error(
      `usage: compose.ts <in.yaml> <out.yaml> ${need.map((k) => `--${k} <v>`).join(" ")} (missing: ${missing.join(", ") || "positionals"})`,
    );
    process.exit(2);
  }
  const { doc, diff } = tailnetCompose(parse(fs.readFileSync(input, "utf8")), {
    workdir: values.workdir!,
    gatewayImage: values["gateway-image"]!,
    tailscaleImage: values["tailscale-image"]!,
    controlBin: values["control-bin"]!,
    hostPort: Number(values["host-port"]),
    controlIp: values["control-ip"]!,
  });
  fs.writeFileSync(output, stringify(doc, { lineWidth: 0 }));
  for (const line of diff) console.log(line);
}
