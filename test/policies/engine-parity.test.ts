// Guards the gap between hand-made arguments and the engine's: the same resources go through
// @pulumi/policy's own analyzer RPC handlers (server.js makeAnalyzeRpcFun / makeAnalyzeStackRpcFun, fed
// real protobuf requests as the CLI sends them, secrets and preview unknowns included) and through
// policies/lib/evaluate.ts. Verdicts must agree.
import { describe, expect, it } from "vitest";
import { createRequire } from "node:module";
import { allPolicies } from "../../policies/all";
import { evaluatePolicies, UNKNOWN, type PolicyResourceInput } from "../../policies/lib/evaluate";
import { cloudConfig, res, secureComposeService, secureGatewayConfig } from "./helpers";
import { stringify } from "yaml";

const pulumiRequire = createRequire(require.resolve("@pulumi/pulumi/proto/analyzer_pb"));
const analyzerproto = pulumiRequire("@pulumi/pulumi/proto/analyzer_pb");
const { Struct } = pulumiRequire("google-protobuf/google/protobuf/struct_pb");
const server = require("@pulumi/policy/server");

const SECRET_SIG = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270" };

function options() {
  const o = new analyzerproto.AnalyzerResourceOptions();
  o.setProtect(false);
  return o;
}

async function engineAnalyze(r: PolicyResourceInput, wire: Record<string, any>): Promise<any[]> {
  const req = new analyzerproto.AnalyzeRequest();
  req.setType(r.type);
  req.setUrn(r.urn);
  req.setName(r.name);
  req.setProperties(Struct.fromJavaScript(wire));
  req.setOptions(options());
  const fn = server.makeAnalyzeRpcFun("openclaw", "0.1.0", "advisory", allPolicies);
  return new Promise((resolve, reject) =>
    fn({ request: req }, (err: unknown, resp: any) => (err ? reject(err) : resolve(resp.getDiagnosticsList()))),
  );
}

async function engineAnalyzeStack(rs: { r: PolicyResourceInput; wire: Record<string, any> }[]): Promise<any[]> {
  const req = new analyzerproto.AnalyzeStackRequest();
  req.setResourcesList(
    rs.map(({ r, wire }) => {
      const a = new analyzerproto.AnalyzerResource();
      a.setType(r.type);
      a.setUrn(r.urn);
      a.setName(r.name);
      a.setProperties(Struct.fromJavaScript(wire));
      a.setOptions(options());
      const all: string[] = [];
      for (const [k, urns] of Object.entries(r.dependencies ?? {})) {
        const d = new analyzerproto.AnalyzerPropertyDependencies();
        d.setUrnsList(urns);
        a.getPropertydependenciesMap().set(k, d);
        all.push(...urns);
      }
      a.setDependenciesList(all);
      return a;
    }),
  );
  const fn = server.makeAnalyzeStackRpcFun("openclaw", "0.1.0", "advisory", allPolicies);
  return new Promise((resolve, reject) =>
    fn({ request: req }, (err: unknown, resp: any) => (err ? reject(err) : resolve(resp.getDiagnosticsList()))),
  );
}

const LEVEL: Record<number, string> = { 0: "advisory", 1: "mandatory" };
const key = (policy: string, level: string, urn: string) => `${policy} ${level} ${urn}`;

async function engineVerdicts(rs: { r: PolicyResourceInput; wire: Record<string, any> }[]): Promise<string[]> {
  const out: string[] = [];
  for (const x of rs)
    for (const d of await engineAnalyze(x.r, x.wire))
      out.push(key(d.getPolicyname(), LEVEL[d.getEnforcementlevel()], d.getUrn() || x.r.urn!));
  for (const d of await engineAnalyzeStack(rs))
    out.push(key(d.getPolicyname(), LEVEL[d.getEnforcementlevel()], d.getUrn() || "urn:pulumi:stack"));
  return out.sort();
}

const bucket = res("aws:s3/bucket:Bucket", "backups", { bucket: "backups" });
const fixtures = () => [
  // A secret-wrapped token inside user data: the engine unwraps it; mocks deliver it plain.
  {
    r: res("aws:ec2/instance:Instance", "vm", {
      associatePublicIpAddress: true,
      metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 1 },
      rootBlockDevice: { encrypted: true },
      monitoring: true,
      userData: cloudConfig([
        {
          path: "/etc/openclaw/openclaw.json",
          content: JSON.stringify({
            ...secureGatewayConfig,
            gateway: { ...secureGatewayConfig.gateway, auth: { mode: "none" } },
          }),
        },
        {
          path: "/etc/openclaw/compose.yaml",
          content: stringify({ services: { gateway: { ...secureComposeService, privileged: true } } }),
        },
      ]),
    }),
    secretProp: "userData",
  },
  {
    r: res("aws:ec2/securityGroup:SecurityGroup", "sg", {
      ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"] }],
    }),
  },
  {
    r: res("kubernetes:apps/v1:Deployment", "d", {
      spec: { template: { spec: { containers: [{ name: "gw", image: "openclaw:latest" }] } } },
    }),
  },
  { r: bucket },
  {
    r: res(
      "aws:s3/bucketVersioning:BucketVersioning",
      "ver",
      { bucket: "ignored", versioningConfiguration: { status: "Enabled" } },
      { dependencies: { bucket: [bucket.urn!] } },
    ),
  },
];

function wireOf(r: PolicyResourceInput, secretProp?: string): Record<string, any> {
  const w: Record<string, any> = JSON.parse(JSON.stringify(r.props));
  if (secretProp) w[secretProp] = { ...SECRET_SIG, value: w[secretProp] };
  return w;
}

describe("engine parity", () => {
  it("the engine's analyzer and evaluatePolicies give the same verdicts", async () => {
    const fx = fixtures();
    const engine = await engineVerdicts(fx.map((f) => ({ r: f.r, wire: wireOf(f.r, f.secretProp) })));
    const ours = (await evaluatePolicies(fx.map((f) => f.r))).map((v) => key(v.policy, v.level, v.urn)).sort();
    // Several violations of one policy on one resource are separate diagnostics in both.
    expect(ours).toEqual(engine);
    // And the fixture really exercised the pack.
    for (const p of [
      "gateway-auth-required",
      "container-not-privileged",
      "ec2-instance-no-public-ip",
      "security-group-no-public-admin-ingress",
      "k8s-image-pinned",
      "s3-public-access-block",
    ]) {
      expect(ours.some((k) => k.startsWith(`${p} mandatory`))).toBe(true);
    }
    // Versioning is linked through the dependency, not the ("ignored") bucket value, in both.
    expect(ours.some((k) => k.startsWith("s3-versioning-enabled"))).toBe(false);
  });

  it("unknown values at preview: neither crash nor pass silently; advisory in both", async () => {
    const sg = res("aws:ec2/securityGroup:SecurityGroup", "sg", {
      ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: [UNKNOWN.string] }],
    });
    const pab = res("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "pab", {
      bucket: UNKNOWN.string,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    const vm = res("aws:ec2/instance:Instance", "vm", {
      userData: UNKNOWN.string,
      metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 1 },
      rootBlockDevice: { encrypted: true },
    });
    const rs = [sg, bucket, pab, vm];
    const engine = await engineVerdicts(rs.map((r) => ({ r, wire: wireOf(r) })));
    const violations = await evaluatePolicies(rs, { preview: true });
    const ours = violations.map((v) => key(v.policy, v.level, v.urn)).sort();
    expect(ours).toEqual(engine);
    const sgUnknown = violations.find((v) => v.policy === "security-group-no-public-admin-ingress");
    expect(sgUnknown).toMatchObject({ level: "advisory", urn: sg.urn });
    expect(sgUnknown!.message).toMatch(
      /could not be checked at preview: string value at .ingress.0.cidrBlocks.0 can't be known/,
    );
    // The stack policy that had to compare the unknown bucket name reports it, not "missing".
    expect(violations.find((v) => v.policy === "s3-public-access-block")).toMatchObject({ level: "advisory" });
    expect(violations.find((v) => v.policy === "ec2-user-data-no-secrets")).toMatchObject({
      level: "advisory",
      urn: vm.urn,
    });
  });

  it("with dependencies the unknown bucket name is never read, so the check still passes at preview", async () => {
    const pab = res(
      "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
      "pab",
      {
        bucket: UNKNOWN.string,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      },
      { dependencies: { bucket: [bucket.urn!] } },
    );
    const v = await evaluatePolicies([bucket, pab], { preview: true });
    expect(v.filter((x) => x.policy === "s3-public-access-block")).toEqual([]);
  });

  it("props holding assets are not cloned (an archive's promises survive)", async () => {
    const pulumi = require("@pulumi/pulumi");
    const archive = new pulumi.asset.AssetArchive({
      "index.js": new pulumi.asset.StringAsset("exports.handler=()=>1"),
    });
    const fn = res("aws:lambda/function:Function", "rotate", { role: "r", code: archive });
    await expect(evaluatePolicies([fn])).resolves.toBeInstanceOf(Array);
    expect(fn.props.code).toBe(archive);
  });
});
