/**
 * Every container the stack runs (the gateway, its backup one-off job, Caddy, the Tailscale node) is one
 * ContainerSpec, and the compose, Docker and Kubernetes renderers agree on every hardening setting of each,
 * because all three read the spec. Each rendering is reduced to the same "hardening view"; the expected view is
 * derived from the spec alone; the files the stack actually writes (the VM's compose file, the Kubernetes
 * Deployments, the Docker target's container) are those renderings; and a changed spec changes every view.
 */
import { describe, expect, it } from "vitest";
import type { Deployment } from "kubernetes-types/apps/v1";
import type { Container, PodSpec, Probe } from "kubernetes-types/core/v1";
import { parse as parseYaml } from "yaml";
import { composeService, renderCompose } from "../../components/container/render-compose";
import { configWriterArgs, containerArgs, gatewayContainerArgs } from "../../components/container/render-docker";
import { k8sContainer, podSecurity, tmpfsVolumes } from "../../components/container/render-k8s";
import {
  type ContainerSpec,
  gatewayContainerSpec,
  type GatewayContainerSpec,
  LOCKDOWN,
  oneOffJobSpec,
  TMPFS_OPTIONS,
} from "../../components/container/spec";
import { gatewayDeployment, renderK8s } from "../../components/gateway-k8s/manifests";
import { caddyContainerSpec } from "../../components/ingress/modes/caddy";
import { ingressPlan } from "../../components/ingress/modes/registry";
import { tailscaleContainerSpec } from "../../components/ingress/modes/tailscale";
import type { StackConfig } from "../../components/config/schema";
import { testConfig } from "../helpers/config";

/** Everything that makes a container locked down, as one comparable value. */
interface HardeningView {
  image: string;
  command: string[] | undefined;
  uid: number;
  gid: number;
  runAsNonRoot: boolean;
  readOnlyRoot: boolean;
  privileged: boolean;
  noNewPrivileges: boolean;
  capDrop: string[];
  capAdd: string[];
  /** Every writable scratch path, its size and whether nothing on it can run. */
  tmpfs: { path: string; sizeMiB: number; noexec: boolean }[];
  /** Every mount, by container path, and whether it is read-only. */
  mounts: Record<string, boolean>;
  memoryMiB: number;
  cpus: number;
  env: Record<string, string>;
  containerPorts: number[];
}

const sizeOf = (opts: string) => Number(/size=(\d+)m/.exec(opts)?.[1]);
const locked = (opts: string) => ["noexec", "nosuid", "nodev"].every((o) => opts.split(",").includes(o));

/** The view the spec alone implies. */
function expected(spec: ContainerSpec, target: "compose" | "docker" | "k8s"): HardeningView {
  return {
    image: spec.image,
    command: spec.command ? [...spec.command] : undefined,
    uid: spec.user.uid,
    gid: spec.user.gid,
    runAsNonRoot: spec.user.uid > 0,
    readOnlyRoot: true,
    privileged: false,
    noNewPrivileges: true,
    capDrop: ["ALL"],
    capAdd: [],
    tmpfs: spec.tmpfs.map((t) => ({ path: t.path, sizeMiB: t.sizeMiB, noexec: true })),
    mounts: Object.fromEntries(
      spec.mounts.map((m) => [
        // compose binds a single host file where the spec names one; the others mount the directory.
        target === "compose" && m.file ? `${m.mountPath}/${m.file}` : m.mountPath,
        m.readOnly,
      ]),
    ),
    memoryMiB: spec.resources.memoryMiB,
    cpus: spec.resources.cpus,
    env: { ...spec.env },
    containerPorts: spec.ports.map((p) => p.container),
  };
}

function composeView(svc: any): HardeningView {
  const [uid, gid] = String(svc.user).split(":").map(Number);
  return {
    image: svc.image,
    command: svc.command,
    uid: uid!,
    gid: gid!,
    runAsNonRoot: uid! > 0,
    readOnlyRoot: svc.read_only,
    privileged: svc.privileged,
    noNewPrivileges: svc.security_opt.includes("no-new-privileges:true"),
    capDrop: svc.cap_drop,
    capAdd: svc.cap_add ?? [],
    tmpfs: (svc.tmpfs as string[]).map((t) => {
      const [path, opts] = [t.slice(0, t.indexOf(":")), t.slice(t.indexOf(":") + 1)];
      return { path, sizeMiB: sizeOf(opts), noexec: locked(opts) };
    }),
    mounts: Object.fromEntries(
      (svc.volumes as string[]).map((v) => {
        const [, target, mode] = v.split(":");
        return [target!, mode === "ro"];
      }),
    ),
    memoryMiB: parseInt(svc.mem_limit, 10),
    cpus: svc.cpus,
    env: svc.environment,
    containerPorts: (svc.ports ?? []).map((p: string) => Number(p.split(":").pop())),
  };
}

function dockerView(a: any): HardeningView {
  const [uid, gid] = String(a.user).split(":").map(Number);
  return {
    image: a.image,
    command: a.command,
    uid: uid!,
    gid: gid!,
    runAsNonRoot: uid! > 0,
    readOnlyRoot: a.readOnly,
    privileged: a.privileged,
    noNewPrivileges: a.securityOpts.includes("no-new-privileges:true"),
    capDrop: a.capabilities.drops,
    capAdd: a.capabilities.adds ?? [],
    tmpfs: Object.entries(a.tmpfs as Record<string, string>).map(([path, opts]) => ({
      path,
      sizeMiB: sizeOf(opts),
      noexec: locked(opts),
    })),
    mounts: Object.fromEntries(a.mounts.map((m: any) => [m.target, m.readOnly === true])),
    memoryMiB: a.memory,
    cpus: Number(a.cpus),
    env: Object.fromEntries(a.envs.map((e: string) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)])),
    containerPorts: a.ports.map((p: any) => p.internal),
  };
}

function k8sView(pod: PodSpec, c: Container): HardeningView {
  const sc = c.securityContext!;
  const vols = new Map((pod.volumes ?? []).map((v) => [v.name, v]));
  const tmpfs = c.volumeMounts!.filter((m) => vols.get(m.name)?.emptyDir?.medium === "Memory");
  return {
    image: c.image!,
    command: c.args,
    uid: sc.runAsUser!,
    gid: sc.runAsGroup!,
    runAsNonRoot: sc.runAsNonRoot === true && pod.securityContext?.runAsNonRoot === true,
    readOnlyRoot: sc.readOnlyRootFilesystem!,
    privileged: sc.privileged!,
    noNewPrivileges: sc.allowPrivilegeEscalation === false,
    capDrop: sc.capabilities!.drop!,
    capAdd: sc.capabilities!.add ?? [],
    // An emptyDir cannot be mounted noexec; what runs there is bounded by the read-only root and no capabilities.
    tmpfs: tmpfs.map((m) => ({
      path: m.mountPath,
      sizeMiB: parseInt(String(vols.get(m.name)!.emptyDir!.sizeLimit), 10),
      noexec: true,
    })),
    mounts: Object.fromEntries(
      c.volumeMounts!.filter((m) => !tmpfs.includes(m)).map((m) => [m.mountPath, m.readOnly === true]),
    ),
    memoryMiB: parseInt(String(c.resources!.limits!.memory), 10),
    cpus: parseInt(String(c.resources!.limits!.cpu), 10) / 1000,
    env: Object.fromEntries(c.env!.filter((e) => e.value !== undefined).map((e) => [e.name, e.value!])),
    containerPorts: (c.ports ?? []).map((p) => p.containerPort),
  };
}

/** Mount sources for the generic renderings: a made-up name per mount (sources are not hardening). */
const sourcesOf = (spec: ContainerSpec) => Object.fromEntries(spec.mounts.map((m) => [m.name, `/src/${m.name}`]));

function renderAll(spec: ContainerSpec) {
  const sources = sourcesOf(spec);
  const pod: PodSpec = {
    securityContext: podSecurity(spec),
    containers: [k8sContainer(spec, { name: "c", secretName: "s", probes: {} })],
    volumes: [...tmpfsVolumes(spec), ...spec.mounts.map((m) => ({ name: m.name, emptyDir: {} }))],
  };
  return {
    compose: composeView(composeService(spec, { sources })),
    docker: dockerView(containerArgs(spec, { network: "n", sources, publishPort: true })),
    k8s: k8sView(pod, pod.containers[0]!),
  };
}

const CADDY = {
  ingress: "caddy",
  network: { egress: "public-ip" },
  caddy: { domain: "gateway.example.com", acmeEmail: "ops@example.com", basicAuth: { enabled: false } },
};
const K8S_CADDY = {
  ...CADDY,
  target: "kubernetes",
  network: undefined,
  kubernetes: { trustedProxyCidrs: ["10.244.0.0/16"] },
};

/** Every container the stack runs, from the specs the stack builds. */
function containers(values: Record<string, unknown> = {}): [string, ContainerSpec][] {
  const cfg = testConfig({ ...CADDY, ...values });
  const gateway = gatewayContainerSpec(cfg);
  return [
    ["gateway", gateway],
    ["backup one-off", oneOffJobSpec(gateway)],
    ["caddy", caddyContainerSpec(cfg)],
    ["tailscale", tailscaleContainerSpec(cfg)],
  ];
}

const CHANGED = {
  image: `registry.example.com/openclaw:2026.10.1@sha256:${"a".repeat(64)}`,
  gateway: { memoryMiB: 4096, cpus: 2, pidsLimit: 512, tmpSizeMiB: 128, hostname: "oc-two" },
  vm: { instanceType: "t3.large" },
  caddy: { ...CADDY.caddy, image: "registry.example.com/caddy:2.10.3" },
  tailscale: { tailnetDnsName: "example-tailnet.ts.net", image: "registry.example.com/tailscale:v1.90.0" },
};

describe.each([
  ["defaults", {}],
  ["changed config", CHANGED],
])("every container's renderings agree with its spec (%s)", (_name, values) => {
  describe.each(containers(values))("%s", (_c, spec) => {
    const views = renderAll(spec);
    it.each(["compose", "docker", "k8s"] as const)("%s rendering holds every hardening setting of the spec", (t) => {
      expect(views[t]).toEqual(expected(spec, t));
    });
    it("carries the shared lockdown", () => {
      for (const [k, v] of Object.entries(LOCKDOWN)) expect(spec[k as keyof typeof LOCKDOWN], k).toEqual(v);
      for (const t of spec.tmpfs) expect(t.options).toEqual(expect.arrayContaining([...TMPFS_OPTIONS]));
      expect(spec.user.uid).toBeGreaterThan(0);
    });
  });
});

describe("a config change reaches every rendering of every container", () => {
  const before = Object.fromEntries(containers().map(([n, s]) => [n, renderAll(s)]));
  const after = Object.fromEntries(containers(CHANGED).map(([n, s]) => [n, renderAll(s)]));
  it.each([
    ["gateway", (v: HardeningView) => [v.image, v.memoryMiB, v.cpus, v.tmpfs, v.env.NODE_OPTIONS]],
    ["backup one-off", (v: HardeningView) => [v.image, v.memoryMiB, v.tmpfs]],
    ["caddy", (v: HardeningView) => [v.image]],
    ["tailscale", (v: HardeningView) => [v.image]],
  ] as const)("%s", (name, pick) => {
    for (const t of ["compose", "docker", "k8s"] as const) {
      expect(pick(after[name]![t]), t).not.toEqual(pick(before[name]![t]));
      expect(pick(after[name]![t]), t).toEqual(pick(after[name]!.compose));
    }
  });
});

describe("the files the stack writes are those renderings", () => {
  function vmServices(values: Record<string, unknown>): Record<string, any> {
    const cfg = testConfig(values);
    const spec = gatewayContainerSpec(cfg);
    const plan = ingressPlan(cfg, { stack: "test" });
    return parseYaml(
      renderCompose(spec, { configHostPath: "/run/openclaw/openclaw.json", oneOffService: "backup", ...plan.compose }),
    ).services;
  }

  it.each([
    ["caddy", CADDY, "caddy", caddyContainerSpec],
    ["tailscale", {}, "tailscale", tailscaleContainerSpec],
  ] as const)(
    "the VM's compose file with ingress %s: gateway, backup and proxy views are their specs'",
    (_m, values, proxy, specOf) => {
      const cfg = testConfig(values);
      const gateway = gatewayContainerSpec(cfg);
      const services = vmServices(values);
      expect(Object.keys(services).sort()).toEqual(["backup", "gateway", proxy].sort());
      expect(composeView(services.gateway)).toEqual(expected(gateway, "compose"));
      // The backup job: the gateway's view, minus the port (it has no network at all).
      expect(composeView(services.backup)).toEqual(expected(oneOffJobSpec(gateway), "compose"));
      expect(services.backup.network_mode).toBe("none");
      expect(services.backup.env_file).toBeUndefined();
      expect(composeView(services[proxy])).toEqual(expected(specOf(cfg), "compose"));
      // Every service of the file: capped swap and processes, size-capped logs.
      for (const svc of Object.values(services)) {
        expect(svc.memswap_limit).toBe(svc.mem_limit);
        expect(svc.pids_limit).toBeGreaterThan(0);
        expect(svc.logging.driver).toBeDefined();
      }
    },
  );

  it("Kubernetes: the gateway and Caddy Deployments hold their specs' views, and the same pod security", () => {
    const cfg = testConfig(K8S_CADDY);
    const spec = gatewayContainerSpec(cfg);
    const m = renderK8s({ cfg, spec, configJson: "{}" });
    const gatewayPod = m.deployment.spec!.template.spec!;
    const caddy = m.ingressObjects.find((o) => o.id === "caddy-deployment")!.object as Deployment;
    const caddyPod = caddy.spec!.template.spec!;
    expect(k8sView(gatewayPod, gatewayPod.containers[0]!)).toEqual(expected(spec, "k8s"));
    expect(k8sView(caddyPod, caddyPod.containers[0]!)).toEqual(expected(caddyContainerSpec(cfg), "k8s"));
    expect(caddyPod.securityContext).toEqual(gatewayPod.securityContext);
    expect(caddyPod.automountServiceAccountToken).toBe(false);
  });

  it("Docker: the gateway container holds its spec's view; the config writer its lockdown", () => {
    const spec = gatewayContainerSpec(testConfig({ target: "docker", ingress: "none" }));
    const gateway = gatewayContainerArgs(spec, { network: "n", publishPort: true, configSha256: "x" });
    expect(dockerView(gateway)).toEqual(expected(spec, "docker"));
    const writer = configWriterArgs(spec, "{}", {});
    for (const k of ["image", "user", "readOnly", "privileged", "capabilities", "securityOpts", "ulimits"] as const)
      expect(writer[k], k).toEqual(gateway[k]);
    expect(writer.networkMode).toBe("none");
  });
});

/** The gateway's own settings beyond the shared lockdown: heap, cache dir, health, publishing, graceful stop. */
describe("gateway specifics agree across targets", () => {
  function views(values: Record<string, unknown>) {
    const cfg: StackConfig = testConfig({
      target: "kubernetes",
      kubernetes: { trustedProxyCidrs: ["10.244.0.0/16"] },
      ...values,
    });
    const spec: GatewayContainerSpec = gatewayContainerSpec(cfg);
    const compose: any = composeService(spec, { sources: sourcesOf(spec) });
    const docker: any = gatewayContainerArgs(spec, { network: "openclaw", publishPort: true, configSha256: "x" });
    const pod = gatewayDeployment(spec, cfg, "{}").spec!.template.spec!;
    return { spec, compose, docker, pod, c: pod.containers[0]! };
  }

  it("checks the same health endpoint with a body check on Docker and compose, and the spec's probe paths on Kubernetes", () => {
    const { spec, compose, docker, c } = views({});
    expect(compose.healthcheck.test).toEqual(["CMD", ...spec.healthcheck.command]);
    expect(docker.healthcheck.tests).toEqual(compose.healthcheck.test);
    expect(compose.healthcheck.test.join(" ")).toContain(spec.healthcheck.path);
    // An exec probe asks the gateway on loopback from inside the pod: its path is the URL's.
    const path = (p: Probe) =>
      p.httpGet?.path ?? new URL(/http:\/\/127\.0\.0\.1:\d+\/\w+/.exec(p.exec!.command!.join(" "))![0]).pathname;
    expect([path(c.startupProbe!), path(c.livenessProbe!), path(c.readinessProbe!)]).toEqual([
      spec.probes.startup,
      spec.probes.liveness,
      spec.probes.readiness,
    ]);
  });

  it("limits processes per container on Docker and compose; Kubernetes relies on the kubelet's podPidsLimit", () => {
    const { spec, compose, docker, c } = views({ gateway: { pidsLimit: 512 } });
    // The pod spec has no pids field: the node's kubelet `podPidsLimit` caps it (docs/kubernetes.md asks for it).
    expect(compose.pids_limit).toBe(512);
    expect(docker.ulimits.find((u: any) => u.name === "nproc").hard).toBe(spec.resources.pidsLimit);
    expect(JSON.stringify(c)).not.toMatch(/pids/i);
  });

  it("publishes only on loopback (Docker, compose) and never outside the cluster (Kubernetes)", () => {
    const { compose, docker, c } = views({});
    expect(compose.ports).toEqual(["127.0.0.1:18789:18789"]);
    expect(docker.ports).toEqual([{ internal: 18789, external: 18789, ip: "127.0.0.1", protocol: "tcp" }]);
    expect(c.ports!.every((p) => p.hostPort === undefined)).toBe(true);
  });

  it.each([
    ["defaults", {}],
    ["changed", { gateway: { memoryMiB: 3072, hostname: "gw-b" } }],
  ])("heap, hostname and stop grace are the spec's everywhere (%s)", (_n, values) => {
    const { spec, compose, docker, pod, c } = views(values);
    const heap = `--max-old-space-size=${spec.resources.heapMiB}`;
    expect(compose.environment.NODE_OPTIONS).toBe(heap);
    expect(docker.envs).toContain(`NODE_OPTIONS=${heap}`);
    expect(c.env!.find((e) => e.name === "NODE_OPTIONS")?.value).toBe(heap);
    expect([compose.hostname, docker.hostname, pod.hostname]).toEqual([spec.hostname, spec.hostname, spec.hostname]);
    expect([parseInt(compose.stop_grace_period, 10), docker.stopTimeout, pod.terminationGracePeriodSeconds]).toEqual([
      spec.stopGracePeriodSeconds,
      spec.stopGracePeriodSeconds,
      spec.stopGracePeriodSeconds,
    ]);
  });
});
