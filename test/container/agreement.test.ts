/**
 * The compose, Docker and Kubernetes renderings agree on every hardening setting, because all three read the
 * one spec. Each rendering is reduced to the same "hardening view"; the expected view is derived from the spec
 * alone; and a changed spec changes all three views the same way.
 */
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { composeGatewayService, renderCompose } from "../../components/container/render-compose";
import { configWriterArgs, gatewayContainerArgs } from "../../components/container/render-docker";
import { gatewayDeployment, renderK8s } from "../../components/gateway-k8s/manifests";
import { ingressPlan } from "../../components/ingress/modes/registry";
import { gatewayContainerSpec, type GatewayContainerSpec } from "../../components/container/spec";
import type { StackConfig } from "../../components/config/schema";
import { testConfig } from "../helpers/config";

interface HardeningView {
  image: string;
  hostname: string;
  uid: number;
  gid: number;
  readOnlyRoot: boolean;
  privileged: boolean;
  noNewPrivileges: boolean;
  capDrop: string[];
  capAdd: string[];
  tmp: { path: string; sizeMiB: number };
  memoryMiB: number;
  cpus: number;
  /** Per container on Docker/compose. Kubernetes has no per-pod pids limit in the pod spec: see note below. */
  pids: number | "kubelet podPidsLimit";
  heap: string;
  xdgCache: string;
  health: string[];
  port: number;
  publish: string | "ClusterIP Service";
  stopGraceSeconds: number;
}

function expected(spec: GatewayContainerSpec): Omit<HardeningView, "pids" | "publish" | "health"> & { health: string } {
  return {
    image: spec.image,
    hostname: spec.hostname,
    uid: spec.user.uid,
    gid: spec.user.gid,
    readOnlyRoot: true,
    privileged: false,
    noNewPrivileges: true,
    capDrop: ["ALL"],
    capAdd: [],
    tmp: { path: spec.tmpfs[0]!.path, sizeMiB: spec.tmpfs[0]!.sizeMiB },
    memoryMiB: spec.resources.memoryMiB,
    cpus: spec.resources.cpus,
    heap: `--max-old-space-size=${spec.resources.heapMiB}`,
    xdgCache: "/tmp/.cache",
    health: spec.healthcheck.path,
    port: spec.port.container,
    stopGraceSeconds: spec.stopGracePeriodSeconds,
  };
}

const sizeOf = (opts: string) => Number(/size=(\d+)m/.exec(opts)?.[1]);

function composeView(spec: GatewayContainerSpec): HardeningView {
  const s = composeGatewayService(spec, { configHostPath: "/etc/openclaw/openclaw.json" }) as any;
  const [uid, gid] = String(s.user).split(":").map(Number);
  const tmp = String(s.tmpfs[0]);
  return {
    image: s.image,
    hostname: s.hostname,
    uid: uid!,
    gid: gid!,
    readOnlyRoot: s.read_only,
    privileged: s.privileged,
    noNewPrivileges: s.security_opt.includes("no-new-privileges:true"),
    capDrop: s.cap_drop,
    capAdd: s.cap_add ?? [],
    tmp: { path: tmp.split(":")[0]!, sizeMiB: sizeOf(tmp) },
    memoryMiB: parseInt(s.mem_limit, 10),
    cpus: s.cpus,
    pids: s.pids_limit,
    heap: s.environment.NODE_OPTIONS,
    xdgCache: s.environment.XDG_CACHE_HOME,
    health: s.healthcheck.test,
    port: spec.port.container,
    publish: s.ports[0],
    stopGraceSeconds: parseInt(s.stop_grace_period, 10),
  };
}

function dockerView(spec: GatewayContainerSpec): HardeningView {
  const a = gatewayContainerArgs(spec, { network: "openclaw", publishPort: true, configSha256: "x" }) as any;
  const [uid, gid] = String(a.user).split(":").map(Number);
  const [tmpPath, tmpOpts] = Object.entries(a.tmpfs as Record<string, string>)[0]!;
  const env = Object.fromEntries(a.envs.map((e: string) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));
  const p = a.ports[0];
  return {
    image: a.image,
    hostname: a.hostname,
    uid: uid!,
    gid: gid!,
    readOnlyRoot: a.readOnly,
    privileged: a.privileged,
    noNewPrivileges: a.securityOpts.includes("no-new-privileges:true"),
    capDrop: a.capabilities.drops,
    capAdd: a.capabilities.adds ?? [],
    tmp: { path: tmpPath, sizeMiB: sizeOf(tmpOpts) },
    memoryMiB: a.memory,
    cpus: Number(a.cpus),
    pids: a.ulimits.find((u: any) => u.name === "nproc").hard,
    heap: env.NODE_OPTIONS,
    xdgCache: env.XDG_CACHE_HOME,
    health: a.healthcheck.tests,
    port: p.internal,
    publish: `${p.ip}:${p.external}:${p.internal}`,
    stopGraceSeconds: a.stopTimeout,
  };
}

function k8sView(spec: GatewayContainerSpec, cfg: StackConfig): HardeningView {
  const pod = gatewayDeployment(spec, cfg, "{}").spec!.template.spec!;
  const c = pod.containers[0]!;
  const sc = c.securityContext!;
  const tmpMount = c.volumeMounts!.find((m) => m.mountPath === "/tmp")!;
  const tmpVol = pod.volumes!.find((v) => v.name === tmpMount.name)!;
  const env = Object.fromEntries(c.env!.filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]));
  return {
    image: c.image!,
    hostname: pod.hostname!,
    uid: sc.runAsUser!,
    gid: sc.runAsGroup!,
    readOnlyRoot: sc.readOnlyRootFilesystem!,
    privileged: sc.privileged!,
    noNewPrivileges: sc.allowPrivilegeEscalation === false,
    capDrop: sc.capabilities!.drop!,
    capAdd: sc.capabilities!.add ?? [],
    tmp: { path: tmpMount.mountPath, sizeMiB: parseInt(String(tmpVol.emptyDir!.sizeLimit), 10) },
    memoryMiB: parseInt(String(c.resources!.limits!.memory), 10),
    cpus: parseInt(String(c.resources!.limits!.cpu), 10) / 1000,
    pids: "kubelet podPidsLimit",
    heap: env.NODE_OPTIONS!,
    xdgCache: env.XDG_CACHE_HOME!,
    health: [c.startupProbe!, c.livenessProbe!, c.readinessProbe!].map(
      // An exec probe asks the gateway on loopback from inside the pod: its path is the URL's.
      (p) => p.httpGet?.path ?? new URL(/http:\/\/127\.0\.0\.1:\d+\/\w+/.exec(p.exec!.command!.join(" "))![0]).pathname,
    ),
    port: c.ports![0]!.containerPort,
    publish: "ClusterIP Service",
    stopGraceSeconds: pod.terminationGracePeriodSeconds!,
  };
}

function views(values: Record<string, unknown>) {
  const cfg = testConfig({ target: "kubernetes", kubernetes: { trustedProxyCidrs: ["10.244.0.0/16"] }, ...values });
  const spec = gatewayContainerSpec(cfg);
  return { spec, compose: composeView(spec), docker: dockerView(spec), k8s: k8sView(spec, cfg) };
}

const COMMON = [
  "image",
  "hostname",
  "uid",
  "gid",
  "readOnlyRoot",
  "privileged",
  "noNewPrivileges",
  "capDrop",
  "capAdd",
  "tmp",
  "memoryMiB",
  "cpus",
  "heap",
  "xdgCache",
  "port",
  "stopGraceSeconds",
] as const;

describe.each([
  ["defaults", {}],
  [
    "changed spec",
    {
      image: `registry.example.com/openclaw:2026.10.1@sha256:${"a".repeat(64)}`,
      gateway: { memoryMiB: 4096, cpus: 2, pidsLimit: 512, tmpSizeMiB: 128, hostname: "oc-two" },
    },
  ],
])("renderings agree (%s)", (_name, values) => {
  const { spec, compose, docker, k8s } = views(values);
  const want = expected(spec);

  it.each(COMMON)("%s is the spec's value in compose, Docker and Kubernetes", (key) => {
    for (const v of [compose, docker, k8s]) expect(v[key]).toEqual(want[key]);
  });

  it("checks the same health endpoint with a body check on Docker and compose, and the spec's probe paths on Kubernetes", () => {
    expect(compose.health).toEqual(["CMD", ...spec.healthcheck.command]);
    expect(docker.health).toEqual(compose.health);
    expect(compose.health.join(" ")).toContain(want.health);
    expect(k8s.health).toEqual([spec.probes.startup, spec.probes.liveness, spec.probes.readiness]);
    expect(k8s.health).toContain(want.health);
  });

  it("limits processes per container on Docker and compose; Kubernetes relies on the kubelet's podPidsLimit", () => {
    // The pod spec has no pids field: the node's kubelet `podPidsLimit` caps it (docs/kubernetes.md asks for it).
    expect(compose.pids).toBe(spec.resources.pidsLimit);
    expect(docker.pids).toBe(spec.resources.pidsLimit);
    expect(k8s.pids).toBe("kubelet podPidsLimit");
  });

  it("publishes only on loopback (Docker, compose) and never outside the cluster (Kubernetes)", () => {
    const loopback = `127.0.0.1:${spec.port.host}:${spec.port.container}`;
    expect(compose.publish).toBe(loopback);
    expect(docker.publish).toBe(loopback);
    expect(k8s.publish).toBe("ClusterIP Service");
  });
});

describe("a spec change reaches all three renderings", () => {
  it.each([
    ["memoryMiB", { gateway: { memoryMiB: 3072 } }, (v: HardeningView) => [v.memoryMiB, v.heap]],
    ["tmpSizeMiB", { gateway: { tmpSizeMiB: 96 } }, (v: HardeningView) => [v.tmp.sizeMiB]],
    ["hostname", { gateway: { hostname: "gw-b" } }, (v: HardeningView) => [v.hostname]],
    ["image", { image: "ghcr.io/openclaw/openclaw:2026.10.2" }, (v: HardeningView) => [v.image]],
    ["cpus", { gateway: { cpus: 1.5 } }, (v: HardeningView) => [v.cpus]],
  ])("%s", (_k, values, pick) => {
    const before = views({});
    const after = views(values);
    for (const target of ["compose", "docker", "k8s"] as const) {
      expect(pick(after[target]), target).not.toEqual(pick(before[target]));
      expect(pick(after[target]), target).toEqual(pick(after.compose));
    }
  });
});

/**
 * Every container the stack runs, not only the gateway: the VM's compose file (gateway, the backup one-off,
 * the Caddy or Tailscale sidecar), the Kubernetes pods (gateway, Caddy) and the Docker target's containers
 * (gateway, config writer) hold the spec's lockdown. A setting changed in the spec reaches all of them.
 */
describe("every container the stack runs is locked down like the gateway", () => {
  const caddyValues = {
    ingress: "caddy",
    network: { egress: "public-ip" },
    caddy: { domain: "gateway.example.com", acmeEmail: "ops@example.com", basicAuth: { enabled: false } },
  };
  const tailscaleValues = { tailscale: { tailnetDnsName: "tail1234.ts.net" } };

  function vmServices(values: Record<string, unknown>, spec?: GatewayContainerSpec): Record<string, any> {
    const cfg = testConfig(values);
    const s = spec ?? gatewayContainerSpec(cfg);
    const plan = ingressPlan(cfg, { stack: "test", spec: s });
    const doc = parseYaml(
      renderCompose(s, {
        configHostPath: "/run/openclaw/openclaw.json",
        oneOffService: "backup",
        ...plan.compose,
      }),
    );
    return doc.services;
  }

  /** The lockdown as compose spells it, whatever the container. */
  function composeLockdown(svc: any) {
    return {
      readOnly: svc.read_only,
      privileged: svc.privileged,
      capDrop: svc.cap_drop,
      capAdd: svc.cap_add ?? [],
      securityOpt: svc.security_opt,
      nonRootUid: Number(String(svc.user).split(":")[0]) > 0,
      tmpfsNoExec: (svc.tmpfs as string[]).every((t) => /noexec/.test(t) && /nosuid/.test(t) && /nodev/.test(t)),
      swapCapped: svc.memswap_limit === svc.mem_limit,
      pidsLimited: Number.isInteger(svc.pids_limit) && svc.pids_limit > 0,
      logging: svc.logging.driver,
    };
  }

  it.each([
    ["caddy", caddyValues, ["gateway", "backup", "caddy"]],
    ["tailscale", tailscaleValues, ["gateway", "backup", "tailscale"]],
  ])("VM compose file with ingress %s: %j share the gateway's lockdown", (_mode, values, names) => {
    const services = vmServices(values);
    expect(Object.keys(services).sort()).toEqual([...names].sort());
    const gateway = composeLockdown(services.gateway);
    expect(gateway).toEqual({
      readOnly: true,
      privileged: false,
      capDrop: ["ALL"],
      capAdd: [],
      securityOpt: ["no-new-privileges:true"],
      nonRootUid: true,
      tmpfsNoExec: true,
      swapCapped: true,
      pidsLimited: true,
      logging: "json-file",
    });
    for (const name of names) expect(composeLockdown(services[name]), name).toEqual(gateway);
  });

  it("a spec change reaches the sidecars and the one-off job too", () => {
    const cfg = testConfig(caddyValues);
    const spec = gatewayContainerSpec(cfg);
    const changed = {
      ...spec,
      capDrop: ["ALL", "NET_RAW"],
      allowPrivilegeEscalation: true,
      tmpfs: [{ ...spec.tmpfs[0]!, options: ["rw", "noexec", "nosuid", "nodev", "noatime"] }],
    } as unknown as GatewayContainerSpec;
    const services = vmServices(caddyValues, changed);
    for (const name of ["gateway", "backup", "caddy"]) {
      expect(services[name].cap_drop, name).toEqual(["ALL", "NET_RAW"]);
      expect(services[name].security_opt, name).toEqual([]);
      expect(
        (services[name].tmpfs as string[]).every((t) => t.includes("noatime")),
        name,
      ).toBe(true);
    }
  });

  it("Kubernetes: the Caddy pod gets the gateway's container and pod security contexts", () => {
    const cfg = testConfig({
      ...caddyValues,
      target: "kubernetes",
      network: undefined,
      kubernetes: { trustedProxyCidrs: ["10.244.0.0/16"] },
    });
    const spec = gatewayContainerSpec(cfg);
    const m = renderK8s({ cfg, spec, configJson: "{}" });
    const gatewayPod = m.deployment.spec!.template.spec!;
    const caddyPod = m.caddy!.deployment.spec!.template.spec!;
    expect(caddyPod.securityContext).toEqual(gatewayPod.securityContext);
    expect(caddyPod.containers[0]!.securityContext).toEqual(gatewayPod.containers[0]!.securityContext);
    expect(caddyPod.automountServiceAccountToken).toBe(false);
  });

  it("Docker: the config writer is as locked down as the gateway", () => {
    const spec = gatewayContainerSpec(testConfig({ target: "docker", ingress: "none" }));
    const gateway = gatewayContainerArgs(spec, { network: "n", publishPort: true, configSha256: "x" });
    const writer = configWriterArgs(spec, "{}", {});
    for (const k of ["image", "user", "readOnly", "privileged", "capabilities", "securityOpts", "ulimits"] as const)
      expect(writer[k], k).toEqual(gateway[k]);
    expect(writer.networkMode).toBe("none");
  });
});
