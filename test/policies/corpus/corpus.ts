// The adversarial corpus: insecure and secure variants of the shipped stacks' plans, each written in a
// shape the stacks themselves never use (another encoding, another resource kind, another spelling, another
// resource that opens the same path). Variants are derived from the plans at test time, so the corpus stays
// true as the stacks change; each is tagged with its class and the peer rule it corresponds to.
import { gzipSync } from "node:zlib";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { parseReleaseDocument } from "../../../components/gateway-vm/release";
import type { PolicyResourceInput } from "../../../policies/lib/evaluate";

export type CorpusClass = "shapes" | "resource-types" | "profiles" | "semantics" | "cross-resource";
export const CLASS_TITLES: Record<CorpusClass, string> = {
  shapes: "1. Artifacts in every shape",
  "resource-types": "2. Every resource type",
  profiles: "3. Known-good profiles",
  semantics: "4. Meaning, not literals",
  "cross-resource": "5. Across resources",
};

export interface Variant {
  id: string;
  cls: CorpusClass;
  /** The shape named in the issue this variant exercises (e.g. "gzip user data", "StatefulSet"). */
  shape: string;
  peer: string;
  stack: "prod" | "k8s" | "local";
  secure: boolean;
  build: (rs: PolicyResourceInput[]) => PolicyResourceInput[];
}

const INSTANCE = "aws:ec2/instance:Instance";
const DOCUMENT = "aws:ssm/document:Document";
const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const CONFIG_MAP = "kubernetes:core/v1:ConfigMap";
const CONTAINER = "docker:index/container:Container";
const SG = "aws:ec2/securityGroup:SecurityGroup";

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x));
function find(rs: PolicyResourceInput[], type: string, pick?: (r: PolicyResourceInput) => boolean) {
  const r = rs.find((x) => x.type === type && (!pick || pick(x)));
  if (!r) throw new Error(`the rendered stack has no ${type}: update the corpus`);
  return r;
}
/** Replaces one resource's props (deep copy) and returns the new list. */
function edit(
  type: string,
  mut: (p: Record<string, any>, r: PolicyResourceInput) => void,
  pick?: (r: PolicyResourceInput) => boolean,
) {
  return (rs: PolicyResourceInput[]) => {
    const target = find(rs, type, pick);
    return rs.map((r) => {
      if (r !== target) return r;
      const props = clone(r.props);
      mut(props, r);
      return { ...r, props };
    });
  };
}
const add =
  (...extra: PolicyResourceInput[]) =>
  (rs: PolicyResourceInput[]) => [...rs, ...extra];
const res = (
  type: string,
  name: string,
  props: Record<string, any>,
  deps?: Record<string, string[]>,
): PolicyResourceInput => ({
  type,
  name,
  urn: `urn:pulumi:corpus::openclaw::${type}::${name}`,
  props,
  ...(deps ? { dependencies: deps } : {}),
});
const chain =
  (...fs: ((rs: PolicyResourceInput[]) => PolicyResourceInput[])[]) =>
  (rs: PolicyResourceInput[]) =>
    fs.reduce((acc, f) => f(acc), rs);

// ---- the VM's cloud-init document, and the shapes it can be re-encoded in ----
type Doc = Record<string, any>;
const userDoc = (p: Record<string, any>): Doc => parseYaml(String(p.userData), { version: "1.1" });
const fileOf = (doc: Doc, re: RegExp) => {
  const f = (doc.write_files ?? []).find((x: any) => re.test(String(x.path)));
  if (!f) throw new Error(`user data no longer writes ${re}: update the corpus`);
  return f;
};
const cloudConfigText = (doc: Doc) => `#cloud-config\n${stringifyYaml(doc)}`;

/** How the user data is delivered: each entry sets the instance props from the cloud-config document. */
export const USER_DATA_SHAPES: Record<string, (p: Record<string, any>, doc: Doc) => void> = {
  "#cloud-config": (p, doc) => {
    p.userData = cloudConfigText(doc);
  },
  "gzip user data": (p, doc) => {
    delete p.userData;
    p.userDataBase64 = gzipSync(cloudConfigText(doc)).toString("base64");
  },
  "MIME multipart": (p, doc) => {
    p.userData = [
      'Content-Type: multipart/mixed; boundary="==BOUNDARY=="',
      "MIME-Version: 1.0",
      "",
      "--==BOUNDARY==",
      'Content-Type: text/x-shellscript; charset="us-ascii"',
      "",
      "#!/bin/bash\necho booting",
      "--==BOUNDARY==",
      'Content-Type: text/cloud-config; charset="us-ascii"',
      "Content-Transfer-Encoding: base64",
      "",
      Buffer.from(cloudConfigText(doc)).toString("base64"),
      "--==BOUNDARY==--",
      "",
    ].join("\n");
  },
  "MIME part gzip+base64": (p, doc) => {
    p.userData = [
      'Content-Type: multipart/mixed; boundary="b"',
      "MIME-Version: 1.0",
      "",
      "--b",
      "Content-Type: text/cloud-config",
      "Content-Transfer-Encoding: base64",
      "",
      gzipSync(cloudConfigText(doc)).toString("base64"),
      "--b--",
    ].join("\n");
  },
  "Jinja template": (p, doc) => {
    p.userData = `## template: jinja\n${cloudConfigText(doc)}# instance {{ v1.instance_id }}\n`;
  },
  "shell script heredocs": (p, doc) => {
    const lines = ["#!/bin/bash", "set -euo pipefail"];
    for (const f of doc.write_files ?? []) {
      lines.push(
        `mkdir -p "$(dirname ${f.path})"`,
        `cat > ${f.path} <<'OPENCLAW_EOF'`,
        String(f.content).replace(/\n$/, ""),
        "OPENCLAW_EOF",
      );
    }
    p.userData = `${lines.join("\n")}\n`;
  },
  "write_files b64": (p, doc) => {
    for (const f of doc.write_files ?? []) {
      f.encoding = "b64";
      f.content = Buffer.from(String(f.content)).toString("base64");
    }
    p.userData = cloudConfigText(doc);
  },
  "write_files gz+base64": (p, doc) => {
    for (const f of doc.write_files ?? []) {
      f.encoding = "gz+base64";
      f.content = gzipSync(String(f.content)).toString("base64");
    }
    p.userData = cloudConfigText(doc);
  },
};

/** Edits the VM's documents, then delivers them in one shape. */
const vm = (shape: string, mutDoc: (doc: Doc) => void) =>
  edit(INSTANCE, (p) => {
    const doc = userDoc(p);
    mutDoc(doc);
    USER_DATA_SHAPES[shape](p, doc);
  });
const gwJson = (doc: Doc, mut: (c: any) => void) => {
  const f = fileOf(doc, /openclaw\.json$/);
  const c = JSON.parse(String(f.content));
  mut(c);
  f.content = JSON.stringify(c, null, 2);
};
const composeDoc = (doc: Doc, mut: (c: any) => void) => {
  const f = fileOf(doc, /compose\.ya?ml$/);
  const c = parseYaml(String(f.content), { merge: true });
  mut(c);
  f.content = stringifyYaml(c, { aliasDuplicateObjects: false });
};
const gatewaySvc = (c: any) => c.services.gateway ?? Object.values(c.services)[0];

// ---- insecure gateway configs (the gateway's own audit findings) ----
const BAD_CONFIGS: [string, string, (c: any) => void][] = [
  ["auth none", "gateway.bind_no_auth", (c) => (c.gateway.auth.mode = "none")],
  ["funnel", "gateway.tailscale_funnel", (c) => (c.gateway.tailscale.mode = "funnel")],
  ["insecure UI auth", "gateway.control_ui.insecure_auth", (c) => (c.gateway.controlUi.allowInsecureAuth = true)],
  [
    "device auth off",
    "gateway.control_ui.device_auth_disabled",
    (c) => (c.gateway.controlUi.dangerouslyDisableDeviceAuth = true),
  ],
];

/** JSON5 the gateway accepts and JSON does not: comments, unquoted keys, trailing commas, single quotes. */
export const toJson5 = (c: unknown) =>
  `// rendered by hand\n${JSON.stringify(c, null, 2)
    .replace(/"([A-Za-z_][A-Za-z0-9_]*)":/g, "$1:")
    .replace(/"(token|none|funnel|serve|off|local|lan)"/g, "'$1'")
    .replace(/(\S)\n(\s*[}\]])/g, "$1,\n$2")}\n`;

// ---- k8s ----
const podOf = (p: any) => p.spec.template.spec;
const k8sDeploy = (mut: (pod: any, p: any) => void) => edit(DEPLOYMENT, (p) => mut(podOf(p), p));
const gwContainer = (pod: any) =>
  pod.containers.find((c: any) => (c.ports ?? []).some((x: any) => x.containerPort === 18789)) ?? pod.containers[0];

/** The Deployment's pod template re-homed in another workload kind, with its insecure edit. */
const KINDS: [string, (d: any) => [string, any]][] = [
  [
    "StatefulSet",
    (d) => [
      "kubernetes:apps/v1:StatefulSet",
      { ...d, kind: "StatefulSet", spec: { ...d.spec, serviceName: "gw", strategy: undefined } },
    ],
  ],
  [
    "DaemonSet",
    (d) => [
      "kubernetes:apps/v1:DaemonSet",
      { ...d, kind: "DaemonSet", spec: { selector: d.spec.selector, template: d.spec.template } },
    ],
  ],
  [
    "ReplicaSet",
    (d) => [
      "kubernetes:apps/v1:ReplicaSet",
      { ...d, kind: "ReplicaSet", spec: { selector: d.spec.selector, template: d.spec.template } },
    ],
  ],
  [
    "Job",
    (d) => [
      "kubernetes:batch/v1:Job",
      {
        ...d,
        kind: "Job",
        spec: { template: { ...d.spec.template, spec: { ...d.spec.template.spec, restartPolicy: "Never" } } },
      },
    ],
  ],
  [
    "CronJob",
    (d) => [
      "kubernetes:batch/v1:CronJob",
      {
        ...d,
        kind: "CronJob",
        spec: {
          schedule: "0 * * * *",
          jobTemplate: {
            spec: { template: { ...d.spec.template, spec: { ...d.spec.template.spec, restartPolicy: "Never" } } },
          },
        },
      },
    ],
  ],
  [
    "Pod",
    (d) => [
      "kubernetes:core/v1:Pod",
      {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { ...d.metadata, ...d.spec.template.metadata, namespace: d.metadata.namespace },
        spec: d.spec.template.spec,
      },
    ],
  ],
  [
    "ReplicationController",
    (d) => [
      "kubernetes:core/v1:ReplicationController",
      {
        ...d,
        apiVersion: "v1",
        kind: "ReplicationController",
        spec: { selector: d.spec.selector.matchLabels, template: d.spec.template },
      },
    ],
  ],
  [
    "PodTemplate",
    (d) => [
      "kubernetes:core/v1:PodTemplate",
      { apiVersion: "v1", kind: "PodTemplate", metadata: d.metadata, template: d.spec.template },
    ],
  ],
];
const asKind = (kind: string, mut: (pod: any) => void) => (rs: PolicyResourceInput[]) => {
  const d = clone(find(rs, DEPLOYMENT).props);
  mut(podOf(d));
  const [type, props] = KINDS.find(([k]) => k === kind)![1](d);
  return [
    ...rs.filter((r) => r.type !== DEPLOYMENT),
    res(type, `gw-${kind.toLowerCase()}`, JSON.parse(JSON.stringify(props))),
  ];
};

const PSS_BAD: [string, string, (pod: any) => void][] = [
  ["hostNetwork", "KSV-0009 / CKV_K8S_19", (pod) => (pod.hostNetwork = true)],
  ["hostPID", "KSV-0010 / CKV_K8S_17", (pod) => (pod.hostPID = true)],
  ["hostIPC", "KSV-0008 / CKV_K8S_18", (pod) => (pod.hostIPC = true)],
  [
    "hostPath volume",
    "KSV-0023 / PSS-baseline:hostPath",
    (pod) => pod.volumes.push({ name: "h", hostPath: { path: "/" } }),
  ],
  ["hostPort", "KSV-0024 / PSS-baseline:hostPorts", (pod) => (gwContainer(pod).ports[0].hostPort = 18789)],
  [
    "capabilities add SYS_ADMIN",
    "KSV-0005 / CKV_K8S_39",
    (pod) => (gwContainer(pod).securityContext.capabilities.add = ["SYS_ADMIN"]),
  ],
  ["privileged", "KSV-0017 / CKV_K8S_16", (pod) => (gwContainer(pod).securityContext.privileged = true)],
  [
    "allowPrivilegeEscalation",
    "KSV-0001 / CKV_K8S_20",
    (pod) => (gwContainer(pod).securityContext.allowPrivilegeEscalation = true),
  ],
  [
    "runAsUser 0 on the pod",
    "KSV-0105 / PSS-restricted:runAsUser",
    (pod) => {
      pod.securityContext.runAsUser = 0;
      delete gwContainer(pod).securityContext.runAsUser;
    },
  ],
  [
    "seccomp Unconfined",
    "KSV-0104 / CKV_K8S_31",
    (pod) => (gwContainer(pod).securityContext.seccompProfile = { type: "Unconfined" }),
  ],
  [
    "AppArmor unconfined",
    "KSV-0002 / PSS-baseline:appArmorProfile",
    (pod) => (gwContainer(pod).securityContext.appArmorProfile = { type: "Unconfined" }),
  ],
  [
    "SELinux custom type",
    "KSV-0025 / PSS-baseline:seLinuxOptions",
    (pod) => (pod.securityContext.seLinuxOptions = { type: "spc_t" }),
  ],
  [
    "procMount Unmasked",
    "KSV-0027 / PSS-baseline:procMount",
    (pod) => (gwContainer(pod).securityContext.procMount = "Unmasked"),
  ],
  [
    "unsafe sysctl",
    "KSV-0026 / PSS-baseline:sysctls",
    (pod) => (pod.securityContext.sysctls = [{ name: "kernel.core_pattern", value: "|/x" }]),
  ],
  [
    "init container privileged",
    "KSV-0017 / PSS-baseline:privileged",
    (pod) =>
      (pod.initContainers = [
        {
          ...clone(gwContainer(pod)),
          name: "init",
          ports: undefined,
          livenessProbe: undefined,
          readinessProbe: undefined,
          startupProbe: undefined,
          securityContext: { ...gwContainer(pod).securityContext, privileged: true },
        },
      ]),
  ],
  [
    "ephemeral container as root",
    "KSV-0012 / PSS-restricted:runAsNonRoot",
    (pod) =>
      (pod.ephemeralContainers = [
        { name: "debug", image: "busybox:1.36", securityContext: { runAsUser: 0, runAsNonRoot: false } },
      ]),
  ],
  [
    "volume type nfs",
    "PSS-restricted:volumeTypes",
    (pod) => pod.volumes.push({ name: "n", nfs: { server: "10.0.0.1", path: "/" } }),
  ],
];

// ---- compose / docker (CIS Docker section 5) ----
const CIS_BAD: [string, string, (svc: any) => void][] = [
  ["privileged: yes (YAML 1.1)", "CIS-Docker-5.5", (s) => (s.privileged = "yes")],
  ["network_mode host", "CIS-Docker-5.9", (s) => (s.network_mode = "host")],
  ["pid host", "CIS-Docker-5.15", (s) => (s.pid = "host")],
  ["ipc host", "CIS-Docker-5.16", (s) => (s.ipc = "host")],
  ["uts host", "CIS-Docker-5.20", (s) => (s.uts = "host")],
  ["userns_mode host", "CIS-Docker-5.30", (s) => (s.userns_mode = "host")],
  ["devices", "CIS-Docker-5.17", (s) => (s.devices = ["/dev/mem:/dev/mem"])],
  ["docker.sock mount", "CIS-Docker-5.32", (s) => s.volumes.push("/var/run/docker.sock:/var/run/docker.sock:ro")],
  ["host /etc mount", "CIS-Docker-5.5", (s) => s.volumes.push("/etc:/host-etc:ro")],
  ["apparmor unconfined", "CIS-Docker-5.1", (s) => s.security_opt.push("apparmor=unconfined")],
  ["seccomp unconfined", "CIS-Docker-5.22", (s) => s.security_opt.push("seccomp=unconfined")],
  ["user 00", "CIS-Docker-4.1", (s) => (s.user = "00")],
  ["user 0:0", "CIS-Docker-4.1", (s) => (s.user = "0:0")],
  ["user root", "CIS-Docker-4.1", (s) => (s.user = "root")],
  ["mem_limit -1", "CIS-Docker-5.11", (s) => (s.mem_limit = -1)],
  ["pids_limit 0", "CIS-Docker-5.29", (s) => (s.pids_limit = 0)],
  ["cap_add SYS_ADMIN", "CIS-Docker-5.4", (s) => (s.cap_add = ["SYS_ADMIN"])],
  ["read_only: no", "CIS-Docker-5.13", (s) => (s.read_only = "no")],
  [
    "no-new-privileges:false",
    "CIS-Docker-5.26",
    (s) =>
      (s.security_opt = s.security_opt.map((o: string) =>
        /^no-new-privileges/.test(o) ? "no-new-privileges:false" : o,
      )),
  ],
  ["port on 0.0.0.0", "CIS-Docker-5.14", (s) => (s.ports = ["18789:18789"])],
];

/** The same CIS edits applied to the Docker provider's Container resource. */
const DOCKER_BAD: [string, string, (p: any) => void][] = [
  ["networkMode host", "CIS-Docker-5.9", (p) => (p.networkMode = "host")],
  ["pidMode host", "CIS-Docker-5.15", (p) => (p.pidMode = "host")],
  ["ipcMode host", "CIS-Docker-5.16", (p) => (p.ipcMode = "host")],
  ["devices", "CIS-Docker-5.17", (p) => (p.devices = [{ hostPath: "/dev/kmsg" }])],
  [
    "docker.sock bind",
    "CIS-Docker-5.32",
    (p) => p.mounts.push({ type: "bind", source: "/run/docker.sock", target: "/s" }),
  ],
  ["apparmor unconfined", "CIS-Docker-5.1", (p) => p.securityOpts.push("apparmor:unconfined")],
  ["user 0", "CIS-Docker-4.1", (p) => (p.user = "0")],
  ["memory -1", "CIS-Docker-5.11", (p) => (p.memory = -1)],
  ["privileged", "CIS-Docker-5.5", (p) => (p.privileged = true)],
  ["port without host ip", "CIS-Docker-5.14", (p) => (p.ports = [{ internal: 18789, external: 18789 }])],
];

const gwDocker = (r: PolicyResourceInput) =>
  String(r.props.name ?? "").includes("gateway") && !String(r.props.name).includes("writer");
const writer = (r: PolicyResourceInput) =>
  (r.props.envs ?? []).some((e: string) => String(e).startsWith("OPENCLAW_CONFIG_JSON="));
const localConfig = (rs: PolicyResourceInput[]) =>
  JSON.parse(
    String(find(rs, CONTAINER, writer).props.envs.find((e: string) => e.startsWith("OPENCLAW_CONFIG_JSON="))).slice(
      "OPENCLAW_CONFIG_JSON=".length,
    ),
  );

const sgRule = (name: string, props: Record<string, any>) =>
  add(res("aws:ec2/securityGroupRule:SecurityGroupRule", name, { securityGroupId: "sg-1", ...props }));

/**
 * The shipped VM delivers its release (compose file, gateway config, ingress config) in an SSM document and
 * keeps only the bootstrap in user data. The user-data variants start from the equivalent stack that writes
 * the release with cloud-init, so every shape of user data is still tried with the gateway's own files.
 */
export function releaseInUserData(rs: PolicyResourceInput[]): PolicyResourceInput[] {
  const doc = find(rs, DOCUMENT, (r) => r.name.endsWith("-release"));
  const release = parseReleaseDocument(String(doc.props.content));
  if (release.files.length === 0) throw new Error("the release document carries no files: update the corpus");
  return edit(INSTANCE, (p) => {
    const ud = userDoc(p);
    ud.write_files = [
      ...(ud.write_files ?? []),
      ...release.files.map((f) => ({
        path: f.path,
        content: f.content,
        permissions: f.permissions,
        owner: "root:root",
      })),
    ];
    p.userData = cloudConfigText(ud);
  })(rs.filter((r) => r !== doc));
}

/** Edits one file of the release document in place (decoded, changed, encoded as the program writes it). */
const releaseFile = (re: RegExp, mut: (text: string) => string) =>
  edit(
    DOCUMENT,
    (p) => {
      const d = JSON.parse(String(p.content));
      const lines: string[] = d.mainSteps[0].inputs.runCommand;
      const i = lines.findIndex((l) => re.test(l.replace(/ && printf.*$/, "")));
      if (i < 0) throw new Error(`the release document no longer writes ${re}: update the corpus`);
      d.mainSteps[0].inputs.runCommand[i] = lines[i]!.replace(/'([A-Za-z0-9+/=]+)'/, (_m, b64: string) => {
        const text = mut(Buffer.from(b64, "base64").toString("utf8"));
        return `'${Buffer.from(text, "utf8").toString("base64")}'`;
      });
      p.content = JSON.stringify(d, null, 2);
    },
    (r) => r.name.endsWith("-release"),
  );

export function buildCorpus(): Variant[] {
  const v: Variant[] = [];
  const push = (x: Omit<Variant, "id">) =>
    v.push({ ...x, id: `${x.secure ? "secure" : "insecure"}/${x.cls}/${x.shape}` });

  // Class 1: every artifact shape, with each insecure gateway config and a clean one.
  for (const shape of Object.keys(USER_DATA_SHAPES)) {
    for (const [what, peer, mut] of BAD_CONFIGS)
      push({
        cls: "shapes",
        shape: `${shape}: ${what}`,
        peer,
        stack: "prod",
        secure: false,
        build: vm(shape, (d) => gwJson(d, mut)),
      });
    push({
      cls: "shapes",
      shape: `${shape}: privileged compose service`,
      peer: "CIS-Docker-5.5",
      stack: "prod",
      secure: false,
      build: vm(shape, (d) => composeDoc(d, (c) => (gatewaySvc(c).privileged = true))),
    });
    push({
      cls: "shapes",
      shape: `${shape}: shipped documents`,
      peer: "CKV_AWS_46",
      stack: "prod",
      secure: true,
      build: vm(shape, () => {}),
    });
  }
  push({
    cls: "shapes",
    shape: "user data with an AWS key in a heredoc",
    peer: "CKV_AWS_46",
    stack: "prod",
    secure: false,
    build: vm("shell script heredocs", (d) =>
      d.write_files.push({
        path: "/etc/aws.env",
        content: `AWS_ACCESS_KEY_ID=${["AKIA", "IOSFODNN7", "EXAMPLF"].join("")}\n`,
      }),
    ),
  });
  push({
    cls: "shapes",
    shape: "user data #include (cannot be checked)",
    peer: "net/artifacts-checkable",
    stack: "prod",
    secure: false,
    build: edit(INSTANCE, (p) => (p.userData = "#include\nhttps://example.com/cloud-config.yaml\n")),
  });
  push({
    cls: "shapes",
    shape: "corrupt gzip user data",
    peer: "net/artifacts-checkable",
    stack: "prod",
    secure: false,
    build: edit(INSTANCE, (p) => {
      delete p.userData;
      p.userDataBase64 = Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0]), Buffer.from("broken")]).toString("base64");
    }),
  });
  push({
    cls: "shapes",
    shape: "openclaw.json not JSON5 (cannot be checked)",
    peer: "net/artifacts-checkable",
    stack: "prod",
    secure: false,
    build: vm("#cloud-config", (d) => (fileOf(d, /openclaw\.json$/).content = "{ gateway: { auth: ")),
  });
  push({
    cls: "shapes",
    shape: "openclaw.json as JSON5",
    peer: "gateway.bind_no_auth",
    stack: "prod",
    secure: false,
    build: vm("#cloud-config", (d) => {
      const f = fileOf(d, /openclaw\.json$/);
      const c = JSON.parse(String(f.content));
      c.gateway.auth.mode = "none";
      f.content = toJson5(c);
    }),
  });
  push({
    cls: "shapes",
    shape: "openclaw.json as JSON5, secure",
    peer: "gateway.bind_no_auth",
    stack: "prod",
    secure: true,
    build: vm("#cloud-config", (d) => {
      const f = fileOf(d, /openclaw\.json$/);
      f.content = toJson5(JSON.parse(String(f.content)));
    }),
  });
  push({
    cls: "shapes",
    shape: "config moved by OPENCLAW_CONFIG_PATH",
    peer: "gateway.bind_no_auth",
    stack: "prod",
    secure: false,
    build: vm("#cloud-config", (d) => {
      const real = clone(fileOf(d, /openclaw\.json$/));
      const c = JSON.parse(String(real.content));
      c.gateway.auth.mode = "none";
      d.write_files.push({ path: "/etc/openclaw/runtime.conf", content: JSON.stringify(c), permissions: "0600" });
      composeDoc(d, (cd) => (gatewaySvc(cd).environment.OPENCLAW_CONFIG_PATH = "/etc/openclaw/runtime.conf"));
    }),
  });
  push({
    cls: "shapes",
    shape: "compose -f override file",
    peer: "CIS-Docker-5.5",
    stack: "prod",
    secure: false,
    build: vm("#cloud-config", (d) => {
      d.write_files.push({
        path: "/etc/openclaw/compose.override.yaml",
        content: "services:\n  gateway:\n    privileged: true\n",
      });
    }),
  });
  push({
    cls: "shapes",
    shape: "compose override that only adds a label",
    peer: "CIS-Docker-5.5",
    stack: "prod",
    secure: true,
    build: vm("#cloud-config", (d) => {
      d.write_files.push({
        path: "/etc/openclaw/compose.override.yaml",
        content: "services:\n  gateway:\n    labels:\n      team: ops\n",
      });
    }),
  });
  push({
    cls: "shapes",
    shape: "compose merge key",
    peer: "CIS-Docker-5.9",
    stack: "prod",
    secure: false,
    build: vm("#cloud-config", (d) => {
      const f = fileOf(d, /compose\.ya?ml$/);
      f.content = `x-base: &base\n  network_mode: host\n${String(f.content).replace(/^( {2}gateway:\n)/m, "$1    <<: *base\n")}`;
    }),
  });
  push({
    cls: "shapes",
    shape: "docker run in a shell script",
    peer: "CIS-Docker-5.5",
    stack: "prod",
    secure: false,
    build: vm("shell script heredocs", (d) => {
      d.write_files.push({
        path: "/usr/local/bin/start.sh",
        content: "#!/bin/sh\ndocker run -d --privileged --read-only --user 1000 ghcr.io/openclaw/openclaw:2026.9.6\n",
      });
    }),
  });

  // Class 1 on Kubernetes and Docker: the gateway config wherever the container reads it.
  const k8sCfg = (mut: (c: any) => void) => (rs: PolicyResourceInput[]) => {
    const cm = find(rs, CONFIG_MAP);
    const c = JSON.parse(String(cm.props.data["openclaw.json"]));
    mut(c);
    return c;
  };
  for (const [what, peer, mut] of BAD_CONFIGS) {
    push({
      cls: "shapes",
      shape: `ConfigMap binaryData: ${what}`,
      peer,
      stack: "k8s",
      secure: false,
      build: (rs) => {
        const c = k8sCfg(mut)(rs);
        return edit(CONFIG_MAP, (p) => {
          delete p.data["openclaw.json"];
          p.binaryData = { "openclaw.json": Buffer.from(JSON.stringify(c)).toString("base64") };
        })(rs);
      },
    });
    push({
      cls: "shapes",
      shape: `Secret stringData: ${what}`,
      peer,
      stack: "k8s",
      secure: false,
      build: (rs) =>
        add(
          res("kubernetes:core/v1:Secret", "gw-config", {
            metadata: { name: "gw-config", namespace: "openclaw" },
            stringData: { "config.json5": toJson5(k8sCfg(mut)(rs)) },
          }),
        )(rs),
    });
    push({
      cls: "shapes",
      shape: `Secret data under another key: ${what}`,
      peer,
      stack: "k8s",
      secure: false,
      build: (rs) =>
        add(
          res("kubernetes:core/v1:Secret", "gw-config-b64", {
            metadata: { name: "gw-config-b64", namespace: "openclaw" },
            data: { settings: Buffer.from(JSON.stringify(k8sCfg(mut)(rs))).toString("base64") },
          }),
        )(rs),
    });
    push({
      cls: "shapes",
      shape: `container env var: ${what}`,
      peer,
      stack: "k8s",
      secure: false,
      build: (rs) => {
        const c = k8sCfg(mut)(rs);
        return k8sDeploy((pod) =>
          gwContainer(pod).env.push({ name: "OPENCLAW_CONFIG_JSON", value: JSON.stringify(c) }),
        )(rs);
      },
    });
    push({
      cls: "shapes",
      shape: `Docker env (local stack): ${what}`,
      peer,
      stack: "local",
      secure: false,
      build: (rs) => {
        const c = localConfig(rs);
        mut(c);
        return edit(
          CONTAINER,
          (p) =>
            (p.envs = p.envs.map((e: string) =>
              e.startsWith("OPENCLAW_CONFIG_JSON=") ? `OPENCLAW_CONFIG_JSON=${JSON.stringify(c)}` : e,
            )),
          writer,
        )(rs);
      },
    });
    push({
      cls: "shapes",
      shape: `Docker uploads contentBase64: ${what}`,
      peer,
      stack: "local",
      secure: false,
      build: (rs) => {
        const c = localConfig(rs);
        mut(c);
        return edit(
          CONTAINER,
          (p) =>
            (p.uploads = [
              { file: "/etc/openclaw/openclaw.json", contentBase64: Buffer.from(JSON.stringify(c)).toString("base64") },
            ]),
          gwDocker,
        )(rs);
      },
    });
  }
  push({
    cls: "shapes",
    shape: "ConfigMap binaryData, secure",
    peer: "gateway.bind_no_auth",
    stack: "k8s",
    secure: true,
    build: (rs) => {
      const c = k8sCfg(() => {})(rs);
      return edit(CONFIG_MAP, (p) => {
        delete p.data["openclaw.json"];
        p.binaryData = { "openclaw.json": Buffer.from(JSON.stringify(c)).toString("base64") };
      })(rs);
    },
  });
  push({
    cls: "shapes",
    shape: "Secret stringData JSON5, secure",
    peer: "gateway.bind_no_auth",
    stack: "k8s",
    secure: true,
    build: (rs) =>
      add(
        res("kubernetes:core/v1:Secret", "gw-config", {
          metadata: { name: "gw-config", namespace: "openclaw" },
          stringData: { "openclaw.json": toJson5(k8sCfg(() => {})(rs)) },
        }),
      )(rs),
  });
  push({
    cls: "shapes",
    shape: "Docker uploads content, secure",
    peer: "gateway.bind_no_auth",
    stack: "local",
    secure: true,
    build: (rs) =>
      edit(
        CONTAINER,
        (p) => (p.uploads = [{ file: "/etc/openclaw/openclaw.json", content: JSON.stringify(localConfig(rs)) }]),
        gwDocker,
      )(rs),
  });

  // Class 2: other resource types for the same thing.
  push({
    cls: "resource-types",
    shape: "launch template with public IP",
    peer: "CKV_AWS_88",
    stack: "prod",
    secure: false,
    build: add(
      res("aws:ec2/launchTemplate:LaunchTemplate", "lt", {
        metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 1 },
        networkInterfaces: [{ associatePublicIpAddress: "true" }],
      }),
    ),
  });
  push({
    cls: "resource-types",
    shape: "spot instance request with public IP",
    peer: "CKV_AWS_88",
    stack: "prod",
    secure: false,
    build: add(res("aws:ec2/spotInstanceRequest:SpotInstanceRequest", "spot", { associatePublicIpAddress: true })),
  });
  push({
    cls: "resource-types",
    shape: "launch configuration with public IP",
    peer: "CKV_AWS_88",
    stack: "prod",
    secure: false,
    build: add(res("aws:ec2/launchConfiguration:LaunchConfiguration", "lc", { associatePublicIpAddress: true })),
  });
  push({
    cls: "resource-types",
    shape: "launch template user data with auth none",
    peer: "gateway.bind_no_auth",
    stack: "prod",
    secure: false,
    build: (rs) => {
      const doc = userDoc(find(rs, INSTANCE).props);
      gwJson(doc, (c) => (c.gateway.auth.mode = "none"));
      return add(
        res("aws:ec2/launchTemplate:LaunchTemplate", "lt-ud", {
          metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 1 },
          userData: Buffer.from(cloudConfigText(doc)).toString("base64"),
        }),
      )(rs);
    },
  });
  push({
    cls: "resource-types",
    shape: "SecurityGroupRule resource opens 18789",
    peer: "CKV_AWS_260",
    stack: "prod",
    secure: false,
    build: sgRule("open", {
      type: "ingress",
      protocol: "tcp",
      fromPort: 18789,
      toPort: 18789,
      cidrBlocks: ["0.0.0.0/0"],
    }),
  });
  push({
    cls: "resource-types",
    shape: "vpc.SecurityGroupIngressRule opens SSH on IPv6",
    peer: "CKV_AWS_24",
    stack: "prod",
    secure: false,
    build: add(
      res("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "v6", {
        securityGroupId: "sg-1",
        ipProtocol: "tcp",
        fromPort: 22,
        toPort: 22,
        cidrIpv6: "::/0",
      }),
    ),
  });
  push({
    cls: "resource-types",
    shape: "default security group opens every port",
    peer: "CKV2_AWS_12",
    stack: "prod",
    secure: false,
    build: edit(
      "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
      (p) => (p.ingress = [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }]),
    ),
  });
  push({
    cls: "resource-types",
    shape: "Elastic IP attached to the instance",
    peer: "CKV_AWS_88",
    stack: "prod",
    secure: false,
    build: add(res("aws:ec2/eip:Eip", "eip-gw", { domain: "vpc", instance: "i-0123" })),
  });
  push({
    cls: "resource-types",
    shape: "EIP association",
    peer: "CKV_AWS_88",
    stack: "prod",
    secure: false,
    build: add(
      res("aws:ec2/eipAssociation:EipAssociation", "assoc", { instanceId: "i-0123", allocationId: "eipalloc-1" }),
    ),
  });
  push({
    cls: "resource-types",
    shape: "Service with externalIPs",
    peer: "KSV-0108",
    stack: "k8s",
    secure: false,
    build: edit("kubernetes:core/v1:Service", (p) => (p.spec.externalIPs = ["203.0.113.10"])),
  });
  push({
    cls: "resource-types",
    shape: "Service NodePort",
    peer: "kube-linter:exposed-services",
    stack: "k8s",
    secure: false,
    build: edit("kubernetes:core/v1:Service", (p) => (p.spec.type = "NodePort")),
  });
  push({
    cls: "resource-types",
    shape: "IAM user policy with *:*",
    peer: "CKV_AWS_62",
    stack: "prod",
    secure: false,
    build: add(
      res("aws:iam/userPolicy:UserPolicy", "up", {
        user: "ops",
        policy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Action: "*:*", Resource: "*" }],
        }),
      }),
    ),
  });
  push({
    cls: "resource-types",
    shape: "AdministratorAccess attachment",
    peer: "CKV_AWS_274",
    stack: "prod",
    secure: false,
    build: add(
      res("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "admin", {
        role: "openclaw-prod-role-role",
        policyArn: "arn:aws:iam::aws:policy/AdministratorAccess",
      }),
    ),
  });
  push({
    cls: "resource-types",
    shape: "role managedPolicyArns IAMFullAccess",
    peer: "CKV_AWS_274",
    stack: "prod",
    secure: false,
    build: edit("aws:iam/role:Role", (p) => (p.managedPolicyArns = ["arn:aws:iam::aws:policy/IAMFullAccess"])),
  });
  push({
    cls: "resource-types",
    shape: "Lambda function URL without auth",
    peer: "CKV_AWS_258",
    stack: "prod",
    secure: false,
    build: add(res("aws:lambda/functionUrl:FunctionUrl", "url", { functionName: "f", authorizationType: "NONE" })),
  });
  for (const [kind] of KINDS) {
    push({
      cls: "resource-types",
      shape: `${kind} with hostNetwork`,
      peer: "KSV-0009 / CKV_K8S_19",
      stack: "k8s",
      secure: false,
      build: asKind(kind, (pod) => (pod.hostNetwork = true)),
    });
    push({
      cls: "resource-types",
      shape: `${kind} from the shipped pod template`,
      peer: "PSS-restricted",
      stack: "k8s",
      secure: true,
      build: asKind(kind, () => {}),
    });
  }

  // Class 3: the restricted PSS and CIS Docker 5 profiles, field by field.
  for (const [what, peer, mut] of PSS_BAD)
    push({
      cls: "profiles",
      shape: `PSS: ${what}`,
      peer,
      stack: "k8s",
      secure: false,
      build: k8sDeploy((pod) => mut(pod)),
    });
  for (const [what, peer, mut] of CIS_BAD)
    push({
      cls: "profiles",
      shape: `compose: ${what}`,
      peer,
      stack: "prod",
      secure: false,
      build: vm("#cloud-config", (d) => composeDoc(d, (c) => mut(gatewaySvc(c)))),
    });
  for (const [what, peer, mut] of DOCKER_BAD)
    push({
      cls: "profiles",
      shape: `docker.Container: ${what}`,
      peer,
      stack: "local",
      secure: false,
      build: edit(CONTAINER, (p) => mut(p), gwDocker),
    });
  push({
    cls: "profiles",
    shape: "compose: read_only: yes, privileged: no (YAML 1.1)",
    peer: "CIS-Docker-5.13",
    stack: "prod",
    secure: true,
    build: vm("#cloud-config", (d) =>
      composeDoc(d, (c) => Object.assign(gatewaySvc(c), { read_only: "yes", privileged: "no" })),
    ),
  });
  push({
    cls: "profiles",
    shape: "compose: user 1000 spelled 01000",
    peer: "CIS-Docker-4.1",
    stack: "prod",
    secure: true,
    build: vm("#cloud-config", (d) => composeDoc(d, (c) => (gatewaySvc(c).user = "01000:1000"))),
  });
  push({
    cls: "profiles",
    shape: "compose: memory spelled 2048m",
    peer: "CIS-Docker-5.11",
    stack: "prod",
    secure: true,
    build: vm("#cloud-config", (d) => composeDoc(d, (c) => (gatewaySvc(c).mem_limit = "2048m"))),
  });
  push({
    cls: "profiles",
    shape: "PSS: emptyDir and projected volumes",
    peer: "PSS-restricted:volumeTypes",
    stack: "k8s",
    secure: true,
    build: k8sDeploy((pod) => pod.volumes.push({ name: "x", emptyDir: {} }, { name: "y", projected: { sources: [] } })),
  });
  push({
    cls: "profiles",
    shape: "PSS: safe sysctl",
    peer: "PSS-baseline:sysctls",
    stack: "k8s",
    secure: true,
    build: k8sDeploy(
      (pod) => (pod.securityContext.sysctls = [{ name: "net.ipv4.ip_unprivileged_port_start", value: "0" }]),
    ),
  });
  push({
    cls: "profiles",
    shape: "PSS: AppArmor RuntimeDefault",
    peer: "PSS-baseline:appArmorProfile",
    stack: "k8s",
    secure: true,
    build: k8sDeploy((pod) => (gwContainer(pod).securityContext.appArmorProfile = { type: "RuntimeDefault" })),
  });
  push({
    cls: "profiles",
    shape: "docker.Container: read-only bind of an app file",
    peer: "CIS-Docker-5.5",
    stack: "local",
    secure: true,
    build: edit(
      CONTAINER,
      (p) => p.mounts.push({ type: "bind", source: "/srv/openclaw/ca.pem", target: "/etc/ssl/ca.pem", readOnly: true }),
      gwDocker,
    ),
  });

  // Class 4: meaning over literals.
  const NET: [string, string, boolean, Record<string, any>][] = [
    [
      "0.0.0.0/1 + 128.0.0.0/1",
      "CKV_AWS_260",
      false,
      { protocol: "tcp", fromPort: 18789, toPort: 18789, cidrBlocks: ["0.0.0.0/1", "128.0.0.0/1"] },
    ],
    [
      "a public /4",
      "CKV_AWS_260",
      false,
      { protocol: "tcp", fromPort: 18789, toPort: 18789, cidrBlocks: ["64.0.0.0/4"] },
    ],
    [
      "IPv6 2000::/3",
      "CKV_AWS_277",
      false,
      { protocol: "tcp", fromPort: 22, toPort: 22, ipv6CidrBlocks: ["2000::/3"] },
    ],
    [
      "protocol -1 with ports 0-0",
      "CKV_AWS_277",
      false,
      { protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] },
    ],
    ["protocol all", "CKV_AWS_277", false, { protocol: "all", fromPort: 443, toPort: 443, ipv6CidrBlocks: ["::/0"] }],
    [
      "protocol number 6 over a port range",
      "CKV_AWS_25",
      false,
      { protocol: "6", fromPort: 18000, toPort: 19000, cidrBlocks: ["0.0.0.0/0"] },
    ],
    [
      "ICMP echo from anywhere",
      "AVD-AWS-0107",
      true,
      { protocol: "icmp", fromPort: 8, toPort: 0, cidrBlocks: ["0.0.0.0/0"] },
    ],
    [
      "ICMPv6 from anywhere",
      "AVD-AWS-0107",
      true,
      { protocol: "58", fromPort: -1, toPort: -1, ipv6CidrBlocks: ["::/0"] },
    ],
    [
      "one office /24 to SSH",
      "CKV_AWS_24",
      true,
      { protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["81.2.69.0/24"] },
    ],
    [
      "private 10/8 to the gateway port",
      "CKV_AWS_260",
      true,
      { protocol: "tcp", fromPort: 18789, toPort: 18789, cidrBlocks: ["10.0.0.0/8"] },
    ],
  ];
  for (const [what, peer, secure, rule] of NET)
    push({
      cls: "semantics",
      shape: `CIDR: ${what}`,
      peer,
      stack: "prod",
      secure,
      build: edit(SG, (p) => (p.ingress = [...(p.ingress ?? []), rule])),
    });
  const iam = (name: string, doc: unknown) =>
    add(res("aws:iam/rolePolicy:RolePolicy", name, { role: "openclaw-prod-role-role", policy: JSON.stringify(doc) }));
  push({
    cls: "semantics",
    shape: "IAM NotAction on *",
    peer: "CKV_AWS_289",
    stack: "prod",
    secure: false,
    build: iam("na", {
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", NotAction: "s3:DeleteBucket", Resource: "*" }],
    }),
  });
  push({
    cls: "semantics",
    shape: "IAM NotResource",
    peer: "CKV_AWS_290",
    stack: "prod",
    secure: false,
    build: iam("nr", {
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Action: "secretsmanager:GetSecretValue",
          NotResource: "arn:aws:secretsmanager:us-east-1:123456789012:secret:x",
        },
      ],
    }),
  });
  push({
    cls: "semantics",
    shape: "IAM upper-case wildcard service",
    peer: "CKV_AWS_286",
    stack: "prod",
    secure: false,
    build: iam("uc", { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "IAM:*", Resource: "*" }] }),
  });
  push({
    cls: "semantics",
    shape: "IAM wildcard service prefix i*",
    peer: "CKV_AWS_286",
    stack: "prod",
    secure: false,
    build: iam("ws", { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "i*:*", Resource: "*" }] }),
  });
  push({
    cls: "semantics",
    shape: "IAM Secrets Manager on an ARN wildcard",
    peer: "CKV_AWS_290",
    stack: "prod",
    secure: false,
    build: iam("sw", {
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Action: "secretsmanager:GetSecretValue",
          Resource: "arn:aws:secretsmanager:us-east-1:123456789012:*",
        },
      ],
    }),
  });
  push({
    cls: "semantics",
    shape: "IAM scoped to one log group",
    peer: "CKV_AWS_290",
    stack: "prod",
    secure: true,
    build: iam("ok", {
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Action: ["logs:PutLogEvents"],
          Resource: "arn:aws:logs:us-east-1:123456789012:log-group:x:*",
        },
      ],
    }),
  });
  push({
    cls: "semantics",
    shape: "bucket SSE with the AWS-managed alias",
    peer: "CKV_AWS_145",
    stack: "prod",
    secure: false,
    build: edit(
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
      (p) => (p.rules[0].applyServerSideEncryptionByDefault.kmsMasterKeyId = "alias/aws/s3"),
    ),
  });
  push({
    cls: "semantics",
    shape: "rotation cron once a year",
    peer: "CKV_AWS_304",
    stack: "prod",
    secure: false,
    build: edit(
      "aws:secretsmanager/secretRotation:SecretRotation",
      (p) => (p.rotationRules = { scheduleExpression: "cron(0 3 1 JAN ? *)" }),
    ),
  });
  push({
    cls: "semantics",
    shape: "rotation cron every 6 months",
    peer: "CKV_AWS_304",
    stack: "prod",
    secure: false,
    build: edit(
      "aws:secretsmanager/secretRotation:SecretRotation",
      (p) => (p.rotationRules = { scheduleExpression: "cron(0 3 1 1,7 ? *)" }),
    ),
  });
  push({
    cls: "semantics",
    shape: "rotation rate(200 days)",
    peer: "CKV_AWS_304",
    stack: "prod",
    secure: false,
    build: edit(
      "aws:secretsmanager/secretRotation:SecretRotation",
      (p) => (p.rotationRules = { scheduleExpression: "rate(200 days)" }),
    ),
  });
  push({
    cls: "semantics",
    shape: "rotation cron monthly",
    peer: "CKV_AWS_304",
    stack: "prod",
    secure: true,
    build: edit(
      "aws:secretsmanager/secretRotation:SecretRotation",
      (p) => (p.rotationRules = { scheduleExpression: "cron(0 3 1 * ? *)" }),
    ),
  });
  push({
    cls: "semantics",
    shape: "rotation cron weekly",
    peer: "CKV_AWS_304",
    stack: "prod",
    secure: true,
    build: edit(
      "aws:secretsmanager/secretRotation:SecretRotation",
      (p) => (p.rotationRules = { scheduleExpression: "cron(0 3 ? * MON *)" }),
    ),
  });
  const RANDOM = "q8Zt3VwL0pXr7Ym2Kc9Nf4Hb6Jd1Sg5A";
  push({
    cls: "semantics",
    shape: "secret by shape: random value under an innocent name in user data",
    peer: "CKV_AWS_46",
    stack: "prod",
    secure: false,
    build: vm("#cloud-config", (d) =>
      d.write_files.push({ path: "/etc/openclaw/extra.env", content: `MODEL_SETTING=${RANDOM}\n` }),
    ),
  });
  push({
    cls: "semantics",
    shape: "secret by shape: hex token in a Kubernetes env value",
    peer: "CKV_K8S_35",
    stack: "k8s",
    secure: false,
    build: k8sDeploy((pod) =>
      gwContainer(pod).env.push({
        name: "UPSTREAM",
        value: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
      }),
    ),
  });
  push({
    cls: "semantics",
    shape: "secret by shape: sha256 label is not a secret",
    peer: "CKV_AWS_46",
    stack: "prod",
    secure: true,
    build: vm("#cloud-config", (d) =>
      d.write_files.push({
        path: "/etc/openclaw/extra.env",
        content: "CONFIG_SHA256=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n",
      }),
    ),
  });
  push({
    cls: "semantics",
    shape: 'k8s runAsUser "0" as a string',
    peer: "CKV_K8S_40",
    stack: "k8s",
    secure: false,
    build: k8sDeploy((pod) => (gwContainer(pod).securityContext.runAsUser = "0")),
  });
  push({
    cls: "semantics",
    shape: 'k8s hostNetwork "true" as a string',
    peer: "CKV_K8S_19",
    stack: "k8s",
    secure: false,
    build: k8sDeploy((pod) => (pod.hostNetwork = "true")),
  });

  // Class 5: paths across resources, power, and exemptions judged by content.
  push({
    cls: "cross-resource",
    shape: "prefix list with 0.0.0.0/0",
    peer: "CKV_AWS_260",
    stack: "prod",
    secure: false,
    build: chain(
      add(
        res("aws:ec2/managedPrefixList:ManagedPrefixList", "pl", {
          id: "pl-open",
          name: "pl",
          addressFamily: "IPv4",
          maxEntries: 2,
          entries: [{ cidr: "0.0.0.0/0" }],
        }),
      ),
      sgRule("pl-rule", {
        type: "ingress",
        protocol: "tcp",
        fromPort: 18789,
        toPort: 18789,
        prefixListIds: ["pl-open"],
      }),
    ),
  });
  push({
    cls: "cross-resource",
    shape: "prefix list outside the stack",
    peer: "CKV_AWS_260",
    stack: "prod",
    secure: false,
    build: sgRule("pl-ext", {
      type: "ingress",
      protocol: "tcp",
      fromPort: 22,
      toPort: 22,
      prefixListIds: ["pl-02cd2c6b"],
    }),
  });
  push({
    cls: "cross-resource",
    shape: "prefix list of private ranges",
    peer: "CKV_AWS_260",
    stack: "prod",
    secure: true,
    build: chain(
      add(
        res("aws:ec2/managedPrefixList:ManagedPrefixList", "pl", {
          id: "pl-priv",
          name: "pl",
          addressFamily: "IPv4",
          maxEntries: 2,
          entries: [{ cidr: "10.0.0.0/8" }, { cidr: "192.168.0.0/16" }],
        }),
      ),
      sgRule("pl-rule", {
        type: "ingress",
        protocol: "tcp",
        fromPort: 18789,
        toPort: 18789,
        prefixListIds: ["pl-priv"],
      }),
    ),
  });
  const bind = (subjects: any[], roleRef: any, kind = "RoleBinding") =>
    add(
      res(`kubernetes:rbac.authorization.k8s.io/v1:${kind}`, `b-${kind}-${String(roleRef.name)}`, {
        metadata: { name: "b", namespace: "openclaw" },
        subjects,
        roleRef: { apiGroup: "rbac.authorization.k8s.io", ...roleRef },
      }),
    );
  push({
    cls: "cross-resource",
    shape: "ClusterRoleBinding of cluster-admin to the gateway account",
    peer: "CKV_K8S_155 / KSV-0111",
    stack: "k8s",
    secure: false,
    build: bind(
      [{ kind: "ServiceAccount", name: "openclaw-gateway", namespace: "openclaw" }],
      { kind: "ClusterRole", name: "cluster-admin" },
      "ClusterRoleBinding",
    ),
  });
  push({
    cls: "cross-resource",
    shape: "RoleBinding of a secrets reader to the gateway account",
    peer: "KSV-0041 / kube-linter:access-to-secrets",
    stack: "k8s",
    secure: false,
    build: chain(
      add(
        res("kubernetes:rbac.authorization.k8s.io/v1:Role", "reader", {
          metadata: { name: "reader", namespace: "openclaw" },
          rules: [{ apiGroups: [""], resources: ["secrets"], verbs: ["get", "list"] }],
        }),
      ),
      bind([{ kind: "ServiceAccount", name: "openclaw-gateway" }], { kind: "Role", name: "reader" }),
    ),
  });
  push({
    cls: "cross-resource",
    shape: "RoleBinding of pods/exec to every service account",
    peer: "KSV-0053",
    stack: "k8s",
    secure: false,
    build: chain(
      add(
        res("kubernetes:rbac.authorization.k8s.io/v1:Role", "exec", {
          metadata: { name: "exec", namespace: "openclaw" },
          rules: [{ apiGroups: [""], resources: ["pods/exec"], verbs: ["create"] }],
        }),
      ),
      bind([{ kind: "Group", name: "system:serviceaccounts" }], { kind: "Role", name: "exec" }),
    ),
  });
  push({
    cls: "cross-resource",
    shape: "RoleBinding of a configmap reader to the gateway account",
    peer: "KSV-0041",
    stack: "k8s",
    secure: true,
    build: chain(
      add(
        res("kubernetes:rbac.authorization.k8s.io/v1:Role", "cm", {
          metadata: { name: "cm", namespace: "openclaw" },
          rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get"] }],
        }),
      ),
      bind([{ kind: "ServiceAccount", name: "openclaw-gateway" }], { kind: "Role", name: "cm" }),
    ),
  });
  push({
    cls: "cross-resource",
    shape: "role trust policy for everyone",
    peer: "CKV_AWS_60",
    stack: "prod",
    secure: false,
    build: edit(
      "aws:iam/role:Role",
      (p) =>
        (p.assumeRolePolicy = JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Principal: { AWS: "*" }, Action: "sts:AssumeRole" }],
        })),
    ),
  });
  push({
    cls: "cross-resource",
    shape: "role trust for a federated provider without conditions",
    peer: "CKV_AWS_61",
    stack: "prod",
    secure: false,
    build: edit(
      "aws:iam/role:Role",
      (p) =>
        (p.assumeRolePolicy = JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { Federated: "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" },
              Action: "sts:AssumeRoleWithWebIdentity",
            },
          ],
        })),
    ),
  });
  push({
    cls: "cross-resource",
    shape: "tailscale serve config with AllowFunnel",
    peer: "gateway.tailscale_funnel",
    stack: "prod",
    secure: false,
    build: vm("#cloud-config", (d) => {
      const f = (d.write_files ?? []).find((x: any) => /serve\.json$/.test(String(x.path)));
      const c = f ? JSON.parse(String(f.content)) : {};
      c.AllowFunnel = { "openclaw-prod.example-tailnet.ts.net:443": true };
      if (f) f.content = JSON.stringify(c);
      else d.write_files.push({ path: "/etc/openclaw/tailscale/serve.json", content: JSON.stringify(c) });
    }),
  });
  push({
    cls: "cross-resource",
    shape: "exemption by name does not cover a secret that holds a long-lived key",
    peer: "CKV2_AWS_57",
    stack: "prod",
    secure: false,
    build: (rs) => {
      const ver = find(rs, "aws:secretsmanager/secretVersion:SecretVersion");
      return rs.map((r) => (r === ver ? { ...r, dependencies: { ...r.dependencies, secretString: [] } } : r));
    },
  });
  // The release as the program ships it: an SSM Command document applied in place on the host.
  const composeInRelease = (mut: (c: any) => void) =>
    releaseFile(/compose\.yaml"$/, (t) => {
      const c = parseYaml(t);
      mut(c);
      return stringifyYaml(c);
    });
  const configInRelease = (mut: (c: any) => void) =>
    releaseFile(/openclaw\.json"$/, (t) => {
      const c = JSON.parse(t);
      mut(c);
      return JSON.stringify(c, null, 2);
    });
  const inRelease = (shape: string, peer: string, secure: boolean, build: Variant["build"]) =>
    v.push({
      cls: "shapes",
      shape,
      peer,
      stack: "prod",
      secure,
      build,
      id: `${secure ? "secure" : "insecure"}/shapes/${shape}`,
    });
  inRelease(
    "SSM release document: privileged gateway service",
    "CIS-Docker-5.5",
    false,
    composeInRelease((c) => {
      c.services.gateway.privileged = true;
    }),
  );
  inRelease(
    "SSM release document: gateway without auth",
    "openclaw audit gateway.bind_no_auth",
    false,
    configInRelease((c) => {
      c.gateway.auth = { mode: "none" };
    }),
  );
  inRelease(
    "SSM release document: gateway image by tag only in prod",
    "CKV_K8S_43",
    false,
    composeInRelease((c) => {
      for (const svc of Object.values<any>(c.services))
        if (/openclaw/.test(String(svc.image))) svc.image = String(svc.image).replace(/@sha256:[0-9a-f]{64}$/, "");
    }),
  );
  inRelease("SSM release document: as shipped", "CKV_AWS_46", true, (rs) => rs);
  inRelease(
    "SSM release document: a random-looking secret in a released env file",
    "CKV_AWS_46",
    false,
    edit(
      DOCUMENT,
      (p) => {
        const d = JSON.parse(String(p.content));
        const b64 = Buffer.from("MODEL_SETTING=q8Zt3VwL0pXr7Ym2Kc9Nf4Hb6Jd1Sg5A\n").toString("base64");
        d.mainSteps[0].inputs.runCommand.splice(
          -1,
          0,
          `install -D -m 0644 /dev/null "$d/extra.env" && printf '%s' '${b64}' | base64 -d > "$d/extra.env"`,
        );
        p.content = JSON.stringify(d, null, 2);
      },
      (r) => r.name.endsWith("-release"),
    ),
  );

  // Every other prod variant edits user data: start it from the release written by cloud-init.
  return v.map((x) =>
    x.stack === "prod" && !x.shape.startsWith("SSM release document")
      ? { ...x, build: (rs: PolicyResourceInput[]) => x.build(releaseInUserData(rs)) }
      : x,
  );
}

/** The README table: one row per class with its insecure/secure counts and peer rules. */
export function corpusTable(corpus: Variant[]): string {
  const rows = (Object.keys(CLASS_TITLES) as CorpusClass[]).map((cls) => {
    const vs = corpus.filter((x) => x.cls === cls);
    const peers = [...new Set(vs.flatMap((x) => x.peer.split(" / ")))].sort();
    return `| ${CLASS_TITLES[cls]} | ${vs.filter((x) => !x.secure).length} | ${vs.filter((x) => x.secure).length} | ${peers.join(", ")} |`;
  });
  const total = `| total | ${corpus.filter((x) => !x.secure).length} | ${corpus.filter((x) => x.secure).length} | |`;
  return ["| class | insecure | secure | peer rules |", "| --- | --- | --- | --- |", ...rows, total].join("\n");
}

if (require.main === module) console.log(corpusTable(buildCorpus()));
