import { artifactsCheckable } from "../../policies/artifacts";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import {
  containerDropAllCapabilities,
  containerHealthcheck,
  containerImagePinned,
  containerNoDockerSocket,
  containerNoNewPrivileges,
  containerNonRootUser,
  containerNotPrivileged,
  containerPortsPrivate,
  containerReadOnlyRoot,
  containerResourceLimits,
  containerSeccompConfined,
} from "../../policies/containers";
import { parseComposePort } from "../../policies/lib/container-model";
import type { PackPolicy } from "../../policies/lib/types";
import { cloudConfig, res, run, secureComposeService, secureDockerContainer } from "./helpers";

const C = "docker:index/container:Container";
const I = "aws:ec2/instance:Instance";
const vmWithCompose = (svc: Record<string, any>) =>
  res(I, "vm", {
    ami: "ami-1",
    instanceType: "t3.medium",
    userData: cloudConfig([{ path: "/etc/openclaw/compose.yaml", content: stringify({ services: { gateway: svc } }) }]),
  });

type Mut = { docker: (c: any) => void; compose: (s: any) => void };
const table: { policy: PackPolicy; mut: Mut; msg: RegExp }[] = [
  {
    policy: containerReadOnlyRoot,
    mut: { docker: (c) => (c.readOnly = false), compose: (s) => delete s.read_only },
    msg: /root filesystem is writable/,
  },
  {
    policy: containerDropAllCapabilities,
    mut: { docker: (c) => (c.capabilities = { drops: ["NET_RAW"] }), compose: (s) => delete s.cap_drop },
    msg: /capabilities are not dropped/,
  },
  {
    policy: containerNotPrivileged,
    mut: { docker: (c) => (c.privileged = true), compose: (s) => (s.privileged = true) },
    msg: /is privileged/,
  },
  {
    policy: containerNoNewPrivileges,
    mut: { docker: (c) => (c.securityOpts = []), compose: (s) => (s.security_opt = ["apparmor=docker-default"]) },
    msg: /no-new-privileges is not set/,
  },
  {
    policy: containerNonRootUser,
    mut: { docker: (c) => (c.user = "root"), compose: (s) => delete s.user },
    msg: /Set user: "1000:1000"/,
  },
  {
    policy: containerResourceLimits,
    mut: { docker: (c) => delete c.ulimits, compose: (s) => delete s.pids_limit },
    msg: /no pids/,
  },
  {
    policy: containerPortsPrivate,
    mut: { docker: (c) => delete c.ports[0].ip, compose: (s) => (s.ports = ["18789:18789"]) },
    msg: /publish on 0\.0\.0\.0/,
  },
  {
    policy: containerHealthcheck,
    mut: { docker: (c) => delete c.healthcheck, compose: (s) => (s.healthcheck = { disable: true }) },
    msg: /no healthcheck/,
  },
  {
    policy: containerNoDockerSocket,
    mut: {
      docker: (c) => c.volumes.push({ hostPath: "/var/run/docker.sock", containerPath: "/var/run/docker.sock" }),
      compose: (s) => s.volumes.push("/var/run/docker.sock:/var/run/docker.sock:ro"),
    },
    msg: /docker\.sock is mounted/,
  },
  {
    policy: containerSeccompConfined,
    mut: {
      docker: (c) => c.securityOpts.push("seccomp=unconfined"),
      compose: (s) => s.security_opt.push("seccomp:unconfined"),
    },
    msg: /seccomp is unconfined/,
  },
];

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x));

describe.each(table)("$policy.name", ({ policy, mut, msg }) => {
  it("passes the secure Docker container and compose service", async () => {
    expect(
      await run(policy, [res(C, "gw", clone(secureDockerContainer)), vmWithCompose(clone(secureComposeService))]),
    ).toEqual([]);
  });
  it("fails the Docker container shape", async () => {
    const c = clone(secureDockerContainer);
    mut.docker(c);
    const v = await run(policy, [res(C, "gw", c)]);
    expect(v).toHaveLength(1);
    expect(v[0].message).toMatch(/^container: /);
    expect(v[0].message).toMatch(msg);
  });
  it("fails the compose service in user data", async () => {
    const s = clone(secureComposeService);
    mut.compose(s);
    const v = await run(policy, [vmWithCompose(s)]);
    expect(v).toHaveLength(1);
    expect(v[0].message).toMatch(/^userData:\/etc\/openclaw\/compose.yaml services.gateway: /);
    expect(v[0].message).toMatch(msg);
  });
});

describe("container-read-only-root writable binds", () => {
  it("flags a writable host bind but not a named volume or :ro bind", async () => {
    const ok = {
      ...clone(secureComposeService),
      volumes: ["state:/home/node/.openclaw", "/etc/openclaw/openclaw.json:/home/node/.openclaw/openclaw.json:ro"],
    };
    expect(await run(containerReadOnlyRoot, [vmWithCompose(ok)])).toEqual([]);
    const bad = { ...ok, volumes: ["/srv/openclaw:/home/node/.openclaw"] };
    expect((await run(containerReadOnlyRoot, [vmWithCompose(bad)]))[0].message).toMatch(
      /\/srv\/openclaw are bind-mounted writable/,
    );
  });
});

describe("container-ports-private", () => {
  it.each([
    ["127.0.0.1:18789:18789", "127.0.0.1", 18789],
    ["18789", "0.0.0.0", undefined],
    ["[::1]:18789:18789/tcp", "::1", 18789],
    ["100.101.102.103:18789:18789", "100.101.102.103", 18789],
  ])("parses %s", (p, ip, published) => {
    expect(parseComposePort(p)).toMatchObject({ ip, published });
  });
  it("a tailnet address passes; allowPublicPorts admits the proxy's 443 only", async () => {
    expect(
      await run(containerPortsPrivate, [
        vmWithCompose({ ...clone(secureComposeService), ports: ["100.101.102.103:18789:18789"] }),
      ]),
    ).toEqual([]);
    const caddy = vmWithCompose({ ...clone(secureComposeService), ports: ["443:443", "0.0.0.0:18789:18789"] });
    const v = await run(containerPortsPrivate, [caddy], {
      config: { "container-ports-private": { allowPublicPorts: [443], reason: "public TLS ingress" } },
    });
    expect(v).toHaveLength(1);
    expect(v[0].message).toMatch(/0\.0\.0\.0:18789:18789/);
    expect(v[0].message).not.toMatch(/443:443/);
  });
});

describe("container-image-pinned", () => {
  const remote = (name: string) => res("docker:index/remoteImage:RemoteImage", "img", { name });
  it("passes pinned images in every shape", async () => {
    const img = remote("ghcr.io/openclaw/openclaw:2026.9.6");
    const byDep = res(
      C,
      "gw",
      { ...clone(secureDockerContainer), image: `sha256:${"a".repeat(64)}` },
      { dependencies: { image: [img.urn!] } },
    );
    expect(await run(containerImagePinned, [img, byDep, vmWithCompose(clone(secureComposeService))])).toEqual([]);
  });
  it.each([
    [
      "remote image latest",
      () => [remote("ghcr.io/openclaw/openclaw:latest")],
      /image "ghcr.io\/openclaw\/openclaw:latest" is not pinned/,
    ],
    [
      "docker Image untagged",
      () => [res("docker:index/image:Image", "build", { imageName: "localhost:5000/openclaw" })],
      /"localhost:5000\/openclaw" is not pinned/,
    ],
    [
      "container string",
      () => [res(C, "gw", { ...clone(secureDockerContainer), image: "openclaw/openclaw" })],
      /container image "openclaw\/openclaw"/,
    ],
    [
      "compose service",
      () => [vmWithCompose({ ...clone(secureComposeService), image: "ghcr.io/openclaw/openclaw:latest" })],
      /services.gateway: image .*latest/,
    ],
  ])("fails %s", async (_n, make, msg) => {
    const v = await run(containerImagePinned, make());
    expect(v).toHaveLength(1);
    expect(v[0].message).toMatch(msg);
  });
});

describe("an unparsable compose file is reported, not skipped", () => {
  it("artifacts-checkable refuses it once, saying why", async () => {
    const vm = res(I, "vm", {
      userData: cloudConfig([
        { path: "/etc/openclaw/compose.yaml", content: "services:\n  gateway:\n    image: x:1\n   bad: [" },
      ]),
    });
    const v = await run(artifactsCheckable, [vm]);
    expect(v).toHaveLength(1);
    expect(v[0].level).toBe("mandatory");
    expect(v[0].message).toMatch(
      /compose.yaml: the compose file cannot be read as compose reads it .* cannot be checked/,
    );
  });
});
