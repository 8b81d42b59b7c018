/**
 * Points the stack's rendered compose file at this machine without touching a single hardening setting: only
 * the images, the host paths (env files, config, Caddyfile, bind-volume devices) and, for a busy dev machine,
 * the host ports and subnet change. Sidecars are dropped (no registry here for their images) unless kept with
 * a locally built image (`--sidecar caddy=<image>`). The check scripts then prove the hardening from the
 * containers' real state.
 *
 * usage: tsx test/engine/prepare-compose.ts <in.yaml> <out.yaml> --image <ref> --workdir <dir>
 *          [--host-port N] [--subnet CIDR] [--sidecar name=<image>]... [--publish <host>=<ip:port>]...
 *   --sidecar caddy=openclaw-e2e-caddy:2.6.2   keep the caddy service, with this image
 *   --publish 443=127.0.0.1:18443             a kept sidecar's "0.0.0.0:443:8443" becomes "127.0.0.1:18443:8443"
 * Host paths map to <workdir>/<basename>: /run/openclaw/gateway.env -> <workdir>/gateway.env, a bind volume's
 * device /var/lib/openclaw/state -> <workdir>/state.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { parse, stringify } from "yaml";

const HARDENING_KEYS = [
  "read_only",
  "cap_drop",
  "cap_add",
  "security_opt",
  "user",
  "privileged",
  "tmpfs",
  "mem_limit",
  "memswap_limit",
  "cpus",
  "pids_limit",
  "healthcheck",
  "hostname",
  "command",
  "entrypoint",
  "environment",
  "restart",
];

export interface PrepareOptions {
  image: string;
  workdir: string;
  hostPort?: number;
  subnet?: string;
  /** Sidecars to keep, by service name, with the local image that replaces theirs. */
  sidecars?: Record<string, string>;
  /** Published host port of a kept sidecar -> loopback "ip:port" it is moved to. */
  publish?: Record<string, string>;
}

const hardening = (svc: any) => JSON.stringify(HARDENING_KEYS.map((k) => svc?.[k]));
const local = (workdir: string, hostPath: string) => path.join(workdir, path.basename(hostPath));

function relocate(svc: any, workdir: string): void {
  if (svc.env_file)
    svc.env_file = (Array.isArray(svc.env_file) ? svc.env_file : [svc.env_file]).map((f: string) => local(workdir, f));
  svc.volumes = (svc.volumes ?? []).map((v: string) => {
    const [src, dst, mode] = v.split(":");
    return src!.startsWith("/") ? [local(workdir, src!), dst, mode].filter(Boolean).join(":") : v;
  });
}

export function prepare(doc: any, o: PrepareOptions): any {
  const gw = doc.services?.gateway;
  if (!gw) throw new Error("no gateway service in the compose file");
  const kept: Record<string, any> = { gateway: gw };
  // One-off job services (backup/restore) are copies of the gateway service under a profile: same image.
  const oneOffs = Object.entries<any>(doc.services).filter(([n, s]) => n !== "gateway" && Array.isArray(s?.profiles));
  for (const [name, svc] of oneOffs) kept[name] = svc;
  for (const [name, image] of Object.entries(o.sidecars ?? {})) {
    if (!doc.services[name])
      throw new Error(
        `--sidecar ${name}: the compose file has no service ${name} (has: ${Object.keys(doc.services).join(", ")})`,
      );
    kept[name] = doc.services[name];
    kept[name].image = image;
  }
  const before = Object.fromEntries(Object.entries(kept).map(([n, s]) => [n, hardening(s)]));
  gw.image = o.image;
  for (const [, svc] of oneOffs) svc.image = o.image;
  for (const svc of Object.values(kept)) {
    relocate(svc, o.workdir);
    // Where logs go is the host's business (CloudWatch on the VM, which needs instance credentials); here
    // they stay in Docker's json-file.
    if (svc.logging?.driver === "awslogs") svc.logging = { driver: "json-file", options: { "max-size": "10m" } };
  }
  if (o.hostPort) gw.ports = gw.ports.map((p: string) => p.replace(/^127\.0\.0\.1:\d+:/, `127.0.0.1:${o.hostPort}:`));
  for (const [name, svc] of Object.entries(kept)) {
    if (name === "gateway" || !svc.ports) continue;
    svc.ports = svc.ports.map((p: string) => {
      const m = /^(?:[^:]+:)?(\d+):(\d+)$/.exec(p);
      const to = m ? o.publish?.[m[1]!] : undefined;
      if (!m || !to)
        throw new Error(
          `${name} publishes ${p}: map its host port with --publish ${m?.[1] ?? "<port>"}=127.0.0.1:<port>`,
        );
      return `${to}:${m[2]}`;
    });
  }
  for (const [name, vol] of Object.entries<any>(doc.volumes ?? {})) {
    if (vol?.driver_opts?.device)
      vol.driver_opts.device =
        name === "openclaw-state" ? path.join(o.workdir, "state") : local(o.workdir, vol.driver_opts.device);
  }
  // depends_on may name a dropped sidecar.
  for (const svc of Object.values(kept)) {
    if (svc.depends_on && !Array.isArray(svc.depends_on))
      svc.depends_on = Object.fromEntries(Object.entries(svc.depends_on).filter(([n]) => n in kept));
  }
  doc.services = kept;
  const used = (k: string) =>
    Object.values(kept).some((s) => (s.volumes ?? []).some((v: string) => v.startsWith(`${k}:`)));
  doc.volumes = Object.fromEntries(Object.entries(doc.volumes ?? {}).filter(([k]) => used(k)));
  if (o.subnet) {
    for (const net of Object.values<any>(doc.networks ?? {}))
      if (net?.ipam?.config) net.ipam.config = [{ subnet: o.subnet }];
    // A moved subnet invalidates the fixed addresses (and the gateway's trust in the proxy's): only for stub runs.
    for (const svc of Object.values(kept)) {
      const nets = svc.networks;
      if (nets && !Array.isArray(nets))
        for (const n of Object.values<any>(nets)) if (n?.ipv4_address) delete n.ipv4_address;
    }
  }
  for (const [n, s] of Object.entries(kept)) {
    if (hardening(s) !== before[n]) throw new Error(`preparing the compose file changed a hardening setting of ${n}`);
  }
  return doc;
}

function pairs(list: string[] | undefined, flag: string): Record<string, string> {
  return Object.fromEntries(
    (list ?? []).map((s) => {
      const i = s.indexOf("=");
      if (i < 1) throw new Error(`${flag} ${s}: expected <key>=<value>`);
      return [s.slice(0, i), s.slice(i + 1)];
    }),
  );
}

if (require.main === module) {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      image: { type: "string" },
      workdir: { type: "string" },
      "host-port": { type: "string" },
      subnet: { type: "string" },
      sidecar: { type: "string", multiple: true },
      publish: { type: "string", multiple: true },
    },
  });
  const [input, output] = positionals;
  if (!input || !output || !values.image || !values.workdir) {
    console.error(
      "usage: prepare-compose.ts <in.yaml> <out.yaml> --image <ref> --workdir <dir> [--host-port N] [--subnet CIDR] [--sidecar name=image]... [--publish port=ip:port]...",
    );
    process.exit(2);
  }
  const doc = prepare(parse(fs.readFileSync(input, "utf8")), {
    image: values.image,
    workdir: values.workdir,
    hostPort: values["host-port"] ? Number(values["host-port"]) : undefined,
    subnet: values.subnet,
    sidecars: pairs(values.sidecar, "--sidecar"),
    publish: pairs(values.publish, "--publish"),
  });
  fs.writeFileSync(output, stringify(doc, { lineWidth: 0 }));
}
