// The decoders, shape by shape, as cloud-init, Docker Compose and the gateway read them. Each case builds the
// artifact the way its tool accepts it and checks that the pack sees the same content (or says why not).
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { composeFiles, gatewayConfigs, resourceArtifacts } from "../../policies/lib/artifacts";
import { fromComposeService, hasNoNewPrivileges, runsAsRoot } from "../../policies/lib/container-model";
import { decodeUserData, renderJinja, shellFiles } from "../../policies/lib/decode";
import { publicV4Addresses, reachesInternet, widestPublicV6 } from "../../policies/lib/net";
import { cronMaxGapDays, rotationDays } from "../../policies/secrets";

const CONFIG = '{"gateway":{"auth":{"mode":"none"}}}';
const cc = `#cloud-config\nwrite_files:\n  - path: /etc/openclaw/openclaw.json\n    content: '${CONFIG}'\n`;
const paths = (text: string | Buffer) =>
  decodeUserData(text)
    .artifacts.filter((a) => a.kind === "file")
    .map((a) => [a.path, a.content]);

describe("user data as cloud-init reads it", () => {
  it("#cloud-config write_files", () => expect(paths(cc)).toEqual([["/etc/openclaw/openclaw.json", CONFIG]]));
  it("gzip", () => expect(paths(gzipSync(cc))).toEqual([["/etc/openclaw/openclaw.json", CONFIG]]));
  it("MIME multipart with a base64 part and a shell part", () => {
    const mime = `Content-Type: multipart/mixed; boundary="XX"\nMIME-Version: 1.0\n\n--XX\nContent-Type: text/x-shellscript\n\n#!/bin/sh\ncat > /etc/a.json <<EOF\n${CONFIG}\nEOF\n--XX\nContent-Type: text/cloud-config\nContent-Transfer-Encoding: base64\n\n${Buffer.from(cc).toString("base64")}\n--XX--\n`;
    expect(paths(mime)).toEqual([
      ["/etc/a.json", `${CONFIG}\n`],
      ["/etc/openclaw/openclaw.json", CONFIG],
    ]);
  });
  it("Jinja header: both branches are kept and expressions are placeholders", () => {
    const j = `## template: jinja\n#cloud-config\n{% if v1.region == 'x' %}\nruncmd:\n  - echo {{ v1.instance_id }}\n{% endif %}\n`;
    expect(renderJinja(j)).toBe("#cloud-config\nruncmd:\n  - echo jinja\n");
    expect(decodeUserData(j).problems).toEqual([]);
  });
  it("shell heredocs, tee and base64 literals", () => {
    const sh = `#!/bin/bash\ncat <<'EOF' > /x/one.json\n${CONFIG}\nEOF\ntee /x/two.json >/dev/null <<-EOF\n\t${CONFIG}\n\tEOF\necho ${Buffer.from(CONFIG).toString("base64")} | base64 -d > /x/three.json\n`;
    expect(shellFiles(sh, "s").map((a) => [a.path, a.content.trim()])).toEqual([
      ["/x/one.json", CONFIG],
      ["/x/two.json", CONFIG],
      ["/x/three.json", CONFIG],
    ]);
  });
  it.each([
    ["b64", Buffer.from(CONFIG).toString("base64")],
    ["base64", Buffer.from(CONFIG).toString("base64")],
    ["gz+base64", gzipSync(CONFIG).toString("base64")],
    ["gzip+base64", gzipSync(CONFIG).toString("base64")],
    ["text", CONFIG],
  ])("write_files encoding %s", (enc, content) => {
    const doc = `#cloud-config\nwrite_files:\n  - path: /c.json\n    encoding: ${enc}\n    content: '${content}'\n`;
    expect(paths(doc)).toEqual([["/c.json", CONFIG]]);
  });
  it("write_files gzip as !!binary", () => {
    const doc = `#cloud-config\nwrite_files:\n  - path: /c.json\n    encoding: gzip\n    content: !!binary |\n      ${gzipSync(CONFIG).toString("base64")}\n`;
    expect(paths(doc)).toEqual([["/c.json", CONFIG]]);
  });
  it("says why when it cannot read: #include, unknown encoding, corrupt gzip, invalid YAML, unknown format", () => {
    expect(decodeUserData("#include\nhttps://x/y\n").problems[0].reason).toMatch(/cannot see/);
    expect(
      decodeUserData("#cloud-config\nwrite_files:\n  - path: /a\n    encoding: rot13\n    content: x\n").problems[0]
        .reason,
    ).toMatch(/rot13/);
    expect(decodeUserData(Buffer.from([0x1f, 0x8b, 8, 0, 1, 2])).problems[0].reason).toMatch(/gzip/);
    expect(decodeUserData("#cloud-config\na: [\n").problems[0].reason).toMatch(/not valid YAML/);
    expect(decodeUserData("just some text").problems[0].reason).toMatch(/not a format cloud-init runs/);
  });
});

describe("gateway config wherever the container reads it, as JSON5", () => {
  const json5 = "{ // comment\n gateway: { auth: { mode: 'none', }, }, }";
  it.each([
    ["ConfigMap data", "kubernetes:core/v1:ConfigMap", { data: { "openclaw.json": json5 } }],
    [
      "ConfigMap binaryData",
      "kubernetes:core/v1:ConfigMap",
      { binaryData: { "openclaw.json": Buffer.from(json5).toString("base64") } },
    ],
    [
      "Secret data under another key",
      "kubernetes:core/v1:Secret",
      { data: { cfg: Buffer.from(json5).toString("base64") } },
    ],
    ["Secret stringData", "kubernetes:core/v1:Secret", { stringData: { "x.json5": json5 } }],
    [
      "Docker uploads content",
      "docker:index/container:Container",
      { uploads: [{ file: "/etc/openclaw/openclaw.json", content: json5 }] },
    ],
    [
      "Docker uploads contentBase64",
      "docker:index/container:Container",
      { uploads: [{ file: "/a/b.json", contentBase64: Buffer.from(json5).toString("base64") }] },
    ],
    ["Docker env", "docker:index/container:Container", { envs: [`OPENCLAW_CONFIG_JSON=${json5}`] }],
    [
      "Docker env, base64",
      "docker:index/container:Container",
      { envs: [`CFG=${Buffer.from(CONFIG).toString("base64")}`] },
    ],
    [
      "Kubernetes env",
      "kubernetes:apps/v1:Deployment",
      { spec: { template: { spec: { containers: [{ name: "g", env: [{ name: "X", value: json5 }] }] } } } },
    ],
  ])("%s", (_n, type, props) => {
    const g = gatewayConfigs(type, props as Record<string, any>);
    expect(g.map((x) => x.config?.gateway?.auth?.mode)).toEqual(["none"]);
  });
  it("a file named by OPENCLAW_CONFIG_PATH is the config even when it does not parse", () => {
    const props = {
      uploads: [{ file: "/etc/x/run.conf", content: "{ broken" }],
      envs: ["OPENCLAW_CONFIG_PATH=/etc/x/run.conf"],
    };
    const g = gatewayConfigs("docker:index/container:Container", props);
    expect(g).toHaveLength(1);
    expect(g[0].error).toBeDefined();
  });
});

describe("compose as Docker Compose reads it", () => {
  const ud = (files: Record<string, string>, extra = "") =>
    `#cloud-config\nwrite_files:\n${Object.entries(files)
      .map(([p, c]) => `  - path: ${p}\n    content: ${JSON.stringify(c)}\n`)
      .join("")}${extra}`;
  const I = "aws:ec2/instance:Instance";
  it("merge keys and anchors", () => {
    const f = composeFiles(I, {
      userData: ud({ "/o/compose.yaml": "x: &b\n  privileged: yes\nservices:\n  g:\n    image: a:1\n    <<: *b\n" }),
    });
    expect(fromComposeService(f[0].services.g, "g").privileged).toBe(true);
  });
  it("-f chains merge the override into the base", () => {
    const userData = ud(
      {
        "/o/base.yml": "services:\n  g:\n    image: a:1\n    read_only: true\n",
        "/o/over.yml": "services:\n  g:\n    read_only: false\n",
      },
      "runcmd:\n  - docker compose -f /o/base.yml -f /o/over.yml up -d\n",
    );
    const f = composeFiles(I, { userData });
    expect(f).toHaveLength(1);
    expect(fromComposeService(f[0].services.g, "g").readOnly).toBe(false);
  });
  it("compose.override.yaml beside compose.yaml is merged", () => {
    const f = composeFiles(I, {
      userData: ud({
        "/o/compose.yaml": "services:\n  g:\n    image: a:1\n",
        "/o/compose.override.yaml": "services:\n  g:\n    pid: host\n",
      }),
    });
    expect(f.map((x) => fromComposeService(x.services.g, "g").hostNamespaces)).toEqual([["pid"]]);
  });
  it("a services document under any name is a compose file", () => {
    expect(composeFiles(I, { userData: ud({ "/o/stack.yml": "services:\n  g:\n    image: a:1\n" }) })).toHaveLength(1);
  });
  it("uid spellings, no-new-privileges spellings, unlimited limits", () => {
    for (const u of ["0", "00", "0:0", "root", "+0", undefined]) expect(runsAsRoot(u), String(u)).toBe(true);
    for (const u of ["1000", "1000:1000", "node"]) expect(runsAsRoot(u), u).toBe(false);
    expect(hasNoNewPrivileges(["no-new-privileges"])).toBe(true);
    expect(hasNoNewPrivileges(["no-new-privileges=true"])).toBe(true);
    expect(hasNoNewPrivileges(["no-new-privileges:false"])).toBe(false);
    const s = fromComposeService(
      { image: "a:1", mem_limit: -1, cpus: 0, pids_limit: "2g", deploy: { resources: { limits: { memory: "1g" } } } },
      "x",
    );
    expect([s.memory, s.cpu, s.pids]).toEqual([false, false, true]);
  });
  it("resource artifacts of an unknown type are empty, never an error", () => {
    expect(resourceArtifacts("aws:s3/bucket:Bucket", { bucket: "x" })).toEqual({ artifacts: [], problems: [] });
  });
});

describe("address and schedule arithmetic", () => {
  it("counts public IPv4 space once, without private ranges", () => {
    expect(publicV4Addresses(["0.0.0.0/1", "128.0.0.0/1"])).toBe(publicV4Addresses(["0.0.0.0/0"]));
    expect(publicV4Addresses(["10.0.0.0/8", "192.168.0.0/16"])).toBe(0);
    expect(publicV4Addresses(["81.2.69.0/24", "81.2.69.0/25"])).toBe(256);
  });
  it("internet: /0 halves, large public blocks, global IPv6; not an office /24 or ULA", () => {
    expect(reachesInternet(["0.0.0.0/1", "128.0.0.0/1"])).toBe(true);
    expect(reachesInternet(["64.0.0.0/4"])).toBe(true);
    expect(reachesInternet(["::/0"])).toBe(true);
    expect(reachesInternet(["2000::/3"])).toBe(true);
    expect(reachesInternet(["81.2.69.0/24"])).toBe(false);
    expect(reachesInternet(["fd00::/8"])).toBe(false);
    expect(widestPublicV6(["2a00:1450::/48"])).toBe(48);
    expect(widestPublicV6(["2001:db8::/32"])).toBe(129);
  });
  it("rotation schedules as the longest gap between runs", () => {
    expect(cronMaxGapDays("0 3 1 * ? *")).toBe(31);
    expect(cronMaxGapDays("0 3 ? * MON *")).toBe(7);
    expect(cronMaxGapDays("0 3 1 JAN ? *")).toBeGreaterThan(360);
    expect(rotationDays({ scheduleExpression: "rate(12 hours)" })).toBe(0.5);
    expect(rotationDays({ scheduleExpression: "cron(0 3 1 1,7 ? *)" })).toBeGreaterThan(180);
  });
});
