/**
 * The compose, Docker and Kubernetes renderings agree on every hardening setting, because all three read the
 * one spec. Each rendering is reduced to the same "hardening view"; the expected view is derived from the spec
 * alone; and a changed spec changes all three views the same way.
 */
import { describe, expect, it } from "vitest";
import { composeGatewayService } from "../../components/container/render-compose";
import { gatewayContainerArgs } from "../../components/container/render-docker";
import { gatewayDeployment } from "../../components/gateway-k8s/manifests";
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
    health: [c.startupProbe!.httpGet!.path!, c.livenessProbe!.httpGet!.path!, c.readinessProbe!.httpGet!.path!],
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
