import { execFile } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Namespace } from "kubernetes-models/v1/Namespace";
import { PersistentVolumeClaim } from "kubernetes-models/v1/PersistentVolumeClaim";
import { Service } from "kubernetes-models/v1/Service";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import { Ingress } from "kubernetes-models/networking.k8s.io/v1/Ingress";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { GATEWAY_SECRET_NAME, loopbackProbeCommand } from "../../components/container/render-k8s";
import { manifestList, manifestPath, renderK8s, type K8sObject } from "../../components/gateway-k8s/manifests";
import { sha256 } from "../../components/util/hash";
import { CONFIG_DIR, gatewayContainerSpec } from "../../components/container/spec";
import { testConfig } from "../helpers/config";
import type { Deployment as DeploymentT } from "kubernetes-types/apps/v1";
import type { ConfigMap as ConfigMapT } from "kubernetes-types/core/v1";
import type { Ingress as IngressT } from "kubernetes-types/networking/v1";
import type { K8sManifests } from "../../components/gateway-k8s/manifests";

/** The object the ingress mode added under this id. */
function modeObject<T>(m: K8sManifests, id: string): T {
  const o = m.ingressObjects.find((x) => x.id === id);
  if (!o) throw new Error(`no ingress object ${id}: ${m.ingressObjects.map((x) => x.id).join(", ")}`);
  return o.object as T;
}

const K8S = { target: "kubernetes", kubernetes: { trustedProxyCidrs: ["10.244.0.0/16"] } };
const CONFIG_JSON = '{"gateway":{"mode":"local"}}\n';

function render(values: Record<string, unknown> = {}) {
  const cfg = testConfig({ ...K8S, ...values }, [], "k8s");
  const spec = gatewayContainerSpec(cfg, { providerKeyEnv: ["ANTHROPIC_API_KEY"] });
  return {
    cfg,
    spec,
    m: renderK8s({ cfg, spec, configJson: CONFIG_JSON }),
  };
}

const validators: Record<string, (o: any) => { validate(): void }> = {
  Namespace: (o) => new Namespace(o),
  ServiceAccount: (o) => new ServiceAccount(o),
  ConfigMap: (o) => new ConfigMap(o),
  PersistentVolumeClaim: (o) => new PersistentVolumeClaim(o),
  Deployment: (o) => new Deployment(o),
  Service: (o) => new Service(o),
  NetworkPolicy: (o) => new NetworkPolicy(o),
  Ingress: (o) => new Ingress(o),
};

describe("renderK8s", () => {
  it.each([
    // The state claim and the pre-upgrade backups' claim are both counted.
    ["tailscale", {}, 10],
    [
      "caddy",
      {
        ingress: "caddy",
        caddy: { domain: "gateway.example.com", acmeEmail: "ops@example.com", basicAuth: { enabled: false } },
      },
      14,
    ],
  ])("every manifest (%s) passes the kubernetes-models schema", (_mode, values, count) => {
    const { m } = render(values);
    const list = manifestList(m);
    expect(list).toHaveLength(count);
    for (const obj of list) {
      const make = validators[obj.kind!];
      expect(make, `no validator for ${obj.kind}`).toBeDefined();
      expect(() => make!(obj).validate()).not.toThrow();
    }
    expect(new Set(list.map(manifestPath)).size).toBe(list.length);
  });

  it("the schema check is real: a wrong type fails validation", () => {
    const { m } = render();
    const broken = structuredClone(m.deployment) as any;
    broken.spec.replicas = "one";
    expect(() => new Deployment(broken).validate()).toThrow();
  });

  it("labels the namespace for Pod Security restricted (enforce, audit, warn)", () => {
    const labels = render().m.namespace.metadata!.labels!;
    for (const mode of ["enforce", "audit", "warn"])
      expect(labels[`pod-security.kubernetes.io/${mode}`]).toBe("restricted");
  });

  it("renders a single Recreate replica with a fixed hostname, no token and no service links", () => {
    const { m, spec } = render();
    const d = m.deployment.spec!;
    expect(d.replicas).toBe(1);
    expect(d.strategy?.type).toBe("Recreate");
    const pod = d.template.spec!;
    expect(pod.hostname).toBe(spec.hostname);
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(m.serviceAccount.automountServiceAccountToken).toBe(false);
    expect(pod.enableServiceLinks).toBe(false);
    expect(pod.terminationGracePeriodSeconds).toBe(spec.stopGracePeriodSeconds);
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 1000,
      runAsGroup: 1000,
      fsGroup: 1000,
      fsGroupChangePolicy: "OnRootMismatch",
      seccompProfile: { type: "RuntimeDefault" },
    });
  });

  it("takes probe timings from openclaw:kubernetes.probes", () => {
    const c = render({
      kubernetes: {
        ...K8S.kubernetes,
        probes: { periodSeconds: 7, timeoutSeconds: 2, startupFailureThreshold: 40, livenessFailureThreshold: 5 },
      },
    }).m.deployment.spec!.template.spec!.containers[0]!;
    expect(c.startupProbe).toEqual({
      exec: { command: loopbackProbeCommand(18789, "/startupz", "status", "started", 2000) },
      periodSeconds: 7,
      timeoutSeconds: 2,
      failureThreshold: 40,
    });
    expect(c.livenessProbe).toMatchObject({ httpGet: { path: "/healthz" }, periodSeconds: 7, failureThreshold: 5 });
    expect(c.readinessProbe).toMatchObject({
      exec: { command: loopbackProbeCommand(18789, "/readyz", "ready", true, 2000) },
      failureThreshold: 3,
    });
  });

  // The kubelet's address lies in the pod CIDR on bridge, Cilium and VPC CNIs; the gateway answers a request
  // from a trusted proxy without X-Forwarded-For with 403 on every path but /healthz (a real cluster's kubelet
  // killed the pod for it), so only /healthz may be asked over the pod network.
  it.each([["tailscale"], ["caddy"]])("only /healthz is probed over the network (ingress %s)", (ingress) => {
    const extra =
      ingress === "caddy"
        ? { caddy: { domain: "gateway.example.com", acmeEmail: "ops@example.com", basicAuth: { enabled: false } } }
        : {};
    const c = render({ ingress, ...extra }).m.deployment.spec!.template.spec!.containers[0]!;
    const network = [c.startupProbe, c.readinessProbe, c.livenessProbe].filter((p) => p?.httpGet);
    expect(network.map((p) => p!.httpGet!.path)).toEqual(["/healthz"]);
    expect(c.startupProbe!.exec!.command).toEqual(loopbackProbeCommand(18789, "/startupz", "status", "started", 3000));
    expect(c.readinessProbe!.exec!.command).toEqual(loopbackProbeCommand(18789, "/readyz", "ready", true, 3000));
  });

  describe("the loopback probe command, run against a real server", () => {
    let server: Server;
    let port = 0;
    const answers: Record<string, [number, string]> = {
      "/ready": [200, '{"ready":true}'],
      "/notready": [503, '{"ready":false}'],
      "/false200": [200, '{"ready":false}'],
      "/ui": [200, "<!doctype html><title>Control UI</title>"],
      "/slow": [200, '{"ready":true}'],
    };
    beforeAll(async () => {
      server = createServer((req, res) => {
        const [status, body] = answers[req.url ?? ""] ?? [404, "{}"];
        if (req.url === "/slow") setTimeout(() => res.writeHead(status).end(body), 3000);
        else res.writeHead(status).end(body);
      });
      await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
      port = (server.address() as AddressInfo).port;
    });
    afterAll(() => new Promise<void>((ok) => server.close(() => ok())));
    const exitCode = (path: string, timeoutMs = 2000) =>
      new Promise<number>((ok) => {
        const [cmd, ...args] = loopbackProbeCommand(port, path, "ready", true, timeoutMs);
        execFile(cmd!, args, (err) => ok(err ? Number((err as { code?: number }).code) : 0));
      });
    it("passes only a 200 whose body says ready, within the timeout", async () => {
      expect(await exitCode("/ready")).toBe(0);
      expect(await exitCode("/notready")).toBe(1);
      expect(await exitCode("/false200")).toBe(1);
      expect(await exitCode("/ui")).toBe(1);
      expect(await exitCode("/slow", 500)).toBe(1);
    });
  });

  it("passes secrets only by secretKeyRef, never as literal values", () => {
    const { m, spec } = render();
    const env = m.deployment.spec!.template.spec!.containers[0]!.env!;
    for (const name of spec.secretEnv) {
      const e = env.find((x) => x.name === name)!;
      expect(e.value).toBeUndefined();
      expect(e.valueFrom?.secretKeyRef).toEqual({ name: GATEWAY_SECRET_NAME, key: name });
    }
    expect(spec.secretEnv).toContain("ANTHROPIC_API_KEY");
  });

  it("mounts state from the PVC, /tmp as a sized memory emptyDir and the config read-only", () => {
    const { m } = render({
      gateway: { tmpSizeMiB: 48 },
      kubernetes: { ...K8S.kubernetes, storageClass: "gp3", stateVolumeGiB: 20 },
    });
    const pod = m.deployment.spec!.template.spec!;
    const mounts = pod.containers[0]!.volumeMounts!;
    expect(mounts.find((x) => x.mountPath === "/tmp")).toBeDefined();
    expect(pod.volumes!.find((v) => v.emptyDir)?.emptyDir).toEqual({ medium: "Memory", sizeLimit: "48Mi" });
    expect(mounts.find((x) => x.mountPath === CONFIG_DIR)?.readOnly).toBe(true);
    expect(m.pvc.spec).toMatchObject({
      accessModes: ["ReadWriteOnce"],
      storageClassName: "gp3",
      resources: { requests: { storage: "20Gi" } },
    });
    expect(m.configMap.data!["openclaw.json"]).toBe(CONFIG_JSON);
  });

  it("rolls the pod when openclaw.json changes (checksum annotation)", () => {
    const a = render().m.deployment.spec!.template.metadata!.annotations!["openclaw.ai/config-sha256"];
    expect(a).toBe(sha256(CONFIG_JSON));
    const cfg = testConfig(K8S);
    const b = renderK8s({ cfg, spec: gatewayContainerSpec(cfg), configJson: "{}" }).deployment.spec!.template.metadata!
      .annotations!["openclaw.ai/config-sha256"];
    expect(b).not.toBe(a);
  });

  it("keeps the gateway Service ClusterIP; scrape annotations only when asked for, with the scraper's namespace", () => {
    const { m } = render();
    expect(m.service.spec!.type).toBe("ClusterIP");
    expect(m.service.metadata!.annotations).toBeUndefined();
    const on = render({ kubernetes: { ...K8S.kubernetes, prometheusScrape: true, prometheusNamespace: "monitoring" } });
    expect(on.m.service.metadata!.annotations!["prometheus.io/path"]).toBe("/api/diagnostics/prometheus");
  });

  it.each([
    ["tailscale", {}, [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "tailscale" } } }]],
    [
      "caddy",
      {
        ingress: "caddy",
        caddy: { domain: "gateway.example.com", acmeEmail: "ops@example.com", basicAuth: { enabled: false } },
      },
      [
        {
          podSelector: {
            matchLabels: { "app.kubernetes.io/name": "openclaw", "app.kubernetes.io/component": "caddy" },
          },
        },
      ],
    ],
  ])("NetworkPolicy (%s) admits only the ingress path and allows egress to DNS and 443 only", (_m, values, from) => {
    const np = render(values).m.networkPolicy.spec!;
    expect(np.policyTypes).toEqual(["Ingress", "Egress"]);
    expect(np.ingress).toEqual([{ from, ports: [{ protocol: "TCP", port: 18789 }] }]);
    const ports = np.egress!.flatMap((e) => e.ports!.map((p) => `${p.protocol}/${p.port}`));
    expect(ports.sort()).toEqual(["TCP/443", "TCP/53", "UDP/53"]);
    expect(np.egress![1]!.to![0]!.ipBlock!.except).toContain("169.254.169.254/32");
  });

  it("fronts the gateway with a tailnet-only Tailscale Ingress", () => {
    const ing = modeObject<IngressT>(render().m, "ingress");
    expect(ing.spec).toMatchObject({ ingressClassName: "tailscale", tls: [{ hosts: ["openclaw-k8s"] }] });
    expect(ing.spec!.defaultBackend!.service!.name).toBe("openclaw-gateway");
  });

  it("renders Caddy's own Caddyfile (unprivileged ports, the gateway Service upstream) and locks Caddy down like the gateway", () => {
    const caddyValues = {
      ingress: "caddy",
      caddy: { domain: "gateway.example.com", acmeEmail: "ops@example.com", basicAuth: { enabled: false } },
    };
    const { m } = render(caddyValues);
    const ctr = modeObject<DeploymentT>(m, "caddy-deployment").spec!.template.spec!.containers[0]!;
    expect(ctr.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
      runAsNonRoot: true,
    });
    expect(ctr.image).toBe("caddy:2.10.2"); // openclaw:caddy.image, shared with the VM sidecar
    const caddyfile = modeObject<ConfigMapT>(m, "caddy-config").data!.Caddyfile!;
    expect(caddyfile).toMatch(/^\s*http_port 8080$/m);
    expect(caddyfile).toMatch(/^\s*https_port 8443$/m);
    expect(caddyfile).toContain("gateway.example.com {");
    expect(caddyfile).toContain("reverse_proxy openclaw-gateway:18789");
    // Every port the Caddyfile listens on is a named container port the Service and NetworkPolicy use.
    expect(ctr.ports!.map((p) => p.containerPort).sort()).toEqual([8080, 8443]);
  });

  it("gives every manifest a distinct artifact path", () => {
    const paths = manifestList(render().m).map((o: K8sObject) => manifestPath(o));
    expect(paths).toContain("k8s/deployment-openclaw-gateway.yaml");
    expect(paths).toContain("k8s/namespace-openclaw.yaml");
  });
});

describe("namespace default deny", () => {
  it("shuts every pod no other policy selects, in both directions", () => {
    const { m } = render({});
    expect(m.defaultDeny.spec).toEqual({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
    expect(m.defaultDeny.metadata!.namespace).toBe(m.namespace.metadata!.name);
    expect(manifestList(m)).toContain(m.defaultDeny);
  });
});
