import { describe, expect, it } from "vitest";
import {
  k8sDefaultDenyNetworkPolicy,
  k8sDropAllCapabilities,
  k8sImagePinned,
  k8sNamespacePssRestricted,
  k8sNoLiteralSecretEnv,
  k8sNoPrivileged,
  k8sNoPrivilegeEscalation,
  k8sNoServiceAccountToken,
  k8sProbes,
  k8sReadOnlyRootFs,
  k8sResourceLimits,
  k8sRunAsNonRoot,
  k8sSeccompRuntimeDefault,
  k8sServiceNotExposed,
} from "../../policies/kubernetes";
import type { PackPolicy } from "../../policies/lib/types";
import { res, run } from "./helpers";

const secureContainer = () => ({
  name: "gateway",
  image: "ghcr.io/openclaw/openclaw:2026.9.6",
  ports: [{ containerPort: 18789 }],
  securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
  resources: { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "2", memory: "2Gi" } },
  livenessProbe: { httpGet: { path: "/healthz", port: 18789 } },
  readinessProbe: { httpGet: { path: "/readyz", port: 18789 } },
  env: [
    { name: "OPENCLAW_GATEWAY_TOKEN", valueFrom: { secretKeyRef: { name: "openclaw", key: "token" } } },
    { name: "XDG_CACHE_HOME", value: "/tmp/.cache" },
  ],
});
const secureInit = () => ({
  ...secureContainer(),
  name: "chown",
  image: "busybox:1.36",
  livenessProbe: undefined,
  readinessProbe: undefined,
  ports: undefined,
});
const securePod = (mut: (c: any, pod: any) => void = () => {}) => {
  const pod: any = {
    automountServiceAccountToken: false,
    securityContext: {
      runAsNonRoot: true,
      runAsUser: 1000,
      runAsGroup: 1000,
      fsGroup: 1000,
      seccompProfile: { type: "RuntimeDefault" },
    },
    initContainers: [secureInit()],
    containers: [secureContainer()],
  };
  mut(pod.containers[0], pod);
  return pod;
};

/** The pod spec placed in each workload shape. */
const shapes = (pod: any) => [
  res("kubernetes:apps/v1:Deployment", "d", {
    metadata: { name: "openclaw" },
    spec: { replicas: 1, template: { spec: pod } },
  }),
  res("kubernetes:apps/v1:StatefulSet", "s", { spec: { serviceName: "x", template: { spec: pod } } }),
  res("kubernetes:apps/v1:DaemonSet", "ds", { spec: { template: { spec: pod } } }),
  res("kubernetes:batch/v1:Job", "j", { spec: { template: { spec: pod } } }),
  res("kubernetes:batch/v1:CronJob", "cj", {
    spec: { schedule: "0 3 * * *", jobTemplate: { spec: { template: { spec: pod } } } },
  }),
  res("kubernetes:core/v1:Pod", "p", { spec: pod }),
];

const table: { policy: PackPolicy; mut: (c: any, pod: any) => void; msg: RegExp; batchExempt?: boolean }[] = [
  {
    policy: k8sNoPrivileged,
    mut: (c) => (c.securityContext.privileged = true),
    msg: /containers\[gateway\] is privileged/,
  },
  {
    policy: k8sNoPrivilegeEscalation,
    mut: (c) => delete c.securityContext.allowPrivilegeEscalation,
    msg: /allowPrivilegeEscalation: false/,
  },
  {
    policy: k8sReadOnlyRootFs,
    mut: (c) => (c.securityContext.readOnlyRootFilesystem = false),
    msg: /readOnlyRootFilesystem: true/,
  },
  { policy: k8sRunAsNonRoot, mut: (c) => (c.securityContext.runAsUser = 0), msg: /runAsUser is 0/ },
  {
    policy: k8sDropAllCapabilities,
    mut: (c) => (c.securityContext.capabilities = { drop: ["ALL"], add: ["SYS_ADMIN"] }),
    msg: /adds capabilities SYS_ADMIN/,
  },
  {
    policy: k8sSeccompRuntimeDefault,
    mut: (_c, pod) => delete pod.securityContext.seccompProfile,
    msg: /seccompProfile.type is undefined/,
  },
  {
    policy: k8sProbes,
    mut: (c) => (c.readinessProbe = { httpGet: { path: "/api/health", port: 18789 } }),
    msg: /readinessProbe checks "\/api\/health"/,
    batchExempt: true,
  },
  { policy: k8sResourceLimits, mut: (c) => delete c.resources.limits.memory, msg: /lacks resources limits.memory/ },
  { policy: k8sImagePinned, mut: (c) => (c.image = "ghcr.io/openclaw/openclaw:latest"), msg: /is not pinned/ },
  {
    policy: k8sNoServiceAccountToken,
    mut: (_c, pod) => delete pod.automountServiceAccountToken,
    msg: /automountServiceAccountToken is not false/,
  },
  {
    policy: k8sNoLiteralSecretEnv,
    mut: (c) => c.env.push({ name: "ANTHROPIC_API_KEY", value: "sk-ant-xxxxxxxxxxxxxxxx" }),
    msg: /ANTHROPIC_API_KEY as a literal env value/,
  },
];

const isBatch = (t: string) => t.startsWith("kubernetes:batch/");

describe.each(table)("$policy.name", ({ policy, mut, msg, batchExempt }) => {
  it("passes the secure pod in every workload shape", async () => {
    expect(await run(policy, shapes(securePod()))).toEqual([]);
  });
  it("fails the insecure pod in every workload shape", async () => {
    const rs = shapes(securePod(mut));
    const v = await run(policy, rs);
    const expected = rs.filter((r) => !(batchExempt && isBatch(r.type))).map((r) => r.urn);
    expect([...new Set(v.map((x) => x.urn))].sort()).toEqual(expected.sort());
    for (const x of v) {
      expect(x.message).toMatch(msg);
      expect(x.level).toBe(policy.enforcementLevel);
    }
  });
});

describe("initContainers are checked too", () => {
  it.each([
    [
      k8sNoPrivileged,
      (i: any): void => void (i.securityContext.privileged = true),
      /initContainers\[chown\] is privileged/,
    ],
    [k8sImagePinned, (i: any): void => void (i.image = "busybox"), /initContainers\[chown\] image "busybox"/],
    [
      k8sRunAsNonRoot,
      (i: any): void => void (i.securityContext.runAsUser = 0),
      /initContainers\[chown\] runAsUser is 0/,
    ],
  ] as const)("%#", async (policy, mut, msg) => {
    const pod = securePod();
    mut(pod.initContainers[0]);
    const v = await run(policy, [res("kubernetes:apps/v1:Deployment", "d", { spec: { template: { spec: pod } } })]);
    expect(v).toHaveLength(1);
    expect(v[0].message).toMatch(msg);
  });
  it("Jobs and CronJobs need no probes, long-running pods do", async () => {
    const pod = securePod((c) => {
      delete c.livenessProbe;
      delete c.readinessProbe;
    });
    const v = await run(k8sProbes, shapes(pod));
    expect([...new Set(v.map((x) => x.urn.split("::")[2]))].sort()).toEqual([
      "kubernetes:apps/v1:DaemonSet",
      "kubernetes:apps/v1:Deployment",
      "kubernetes:apps/v1:StatefulSet",
      "kubernetes:core/v1:Pod",
    ]);
    expect(v[0].message).toMatch(/has no livenessProbe/);
  });
  it("a readiness probe may fetch /readyz on loopback from inside the pod, and only that", async () => {
    const exec = (url: string) => ({ exec: { command: ["node", "-e", `fetch('${url}').then(r=>r.json())`] } });
    const deploy = (probe: unknown) =>
      res("kubernetes:apps/v1:Deployment", "d", {
        spec: { template: { spec: securePod((c) => (c.readinessProbe = probe)) } },
      });
    expect(await run(k8sProbes, [deploy(exec("http://127.0.0.1:18789/readyz"))])).toEqual([]);
    const wrongPath = await run(k8sProbes, [deploy(exec("http://127.0.0.1:18789/api/health"))]);
    expect(wrongPath.map((v) => v.message)).toEqual([expect.stringMatching(/readinessProbe checks "\/api\/health"/)]);
    // Another host is not the gateway in this pod; a shell that never fetches is no probe of it.
    for (const probe of [exec("http://example.com:18789/readyz"), { exec: { command: ["true"] } }]) {
      const v = await run(k8sProbes, [deploy(probe)]);
      expect(v.map((x) => x.message)).toEqual([expect.stringMatching(/readinessProbe checks "a non-HTTP handler"/)]);
    }
  });
  it("init containers need no probes", async () => {
    expect(
      await run(k8sProbes, [res("kubernetes:apps/v1:Deployment", "d", { spec: { template: { spec: securePod() } } })]),
    ).toEqual([]);
  });
});

describe("k8s-service-not-exposed", () => {
  const svc = (type: string) => res("kubernetes:core/v1:Service", "gw", { spec: { type, ports: [{ port: 18789 }] } });
  it("passes ClusterIP and fails LoadBalancer / NodePort", async () => {
    expect(await run(k8sServiceNotExposed, [svc("ClusterIP")])).toEqual([]);
    for (const t of ["LoadBalancer", "NodePort"])
      expect((await run(k8sServiceNotExposed, [svc(t)]))[0].message).toMatch(new RegExp(`Service type is ${t}`));
  });
  it("allowServices lets a named proxy Service through", async () => {
    expect(
      await run(k8sServiceNotExposed, [svc("LoadBalancer")], {
        config: { "k8s-service-not-exposed": { allowServices: ["gw"], reason: "caddy" } },
      }),
    ).toEqual([]);
  });
});

describe("k8s-namespace-pss-restricted and k8s-default-deny-network-policy", () => {
  it("namespace label", async () => {
    const N = "kubernetes:core/v1:Namespace";
    expect(
      await run(k8sNamespacePssRestricted, [
        res(N, "ns", { metadata: { labels: { "pod-security.kubernetes.io/enforce": "restricted" } } }),
      ]),
    ).toEqual([]);
    expect(
      (
        await run(k8sNamespacePssRestricted, [
          res(N, "ns", { metadata: { labels: { "pod-security.kubernetes.io/enforce": "baseline" } } }),
        ])
      )[0].message,
    ).toMatch(/is not "restricted"/);
  });
  it("default deny", async () => {
    const dep = shapes(securePod())[0];
    const deny = res("kubernetes:networking.k8s.io/v1:NetworkPolicy", "deny", {
      spec: { podSelector: {}, policyTypes: ["Ingress"] },
    });
    const allowAll = res("kubernetes:networking.k8s.io/v1:NetworkPolicy", "all", {
      spec: { podSelector: {}, policyTypes: ["Ingress"], ingress: [{}] },
    });
    expect(await run(k8sDefaultDenyNetworkPolicy, [dep, deny])).toEqual([]);
    const v = await run(k8sDefaultDenyNetworkPolicy, [dep, allowAll]);
    expect(v[0]).toMatchObject({ level: "advisory" });
    expect(v[0].message).toMatch(/no NetworkPolicy with podSelector \{\}/);
    expect(await run(k8sDefaultDenyNetworkPolicy, [deny])).toEqual([]);
  });
});
