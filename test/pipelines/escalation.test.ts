// The CI roles against the stacks as the offline plan builds them: the physical names each resource gets,
// the roles each service receives, the boundary each role carries. Evaluated with an IAM simulator
// (@cloud-copilot/iam-simulate): every action a stack's plan needs is allowed to that stack's own deploy
// role, and every known way for a deploy role to grow beyond its stack is denied.
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { beforeAll, describe, expect, it } from "vitest";
import { parseStackConfig } from "../../components/config/schema";
import { boundaryPolicyName } from "../../components/config/sections/iam";
import { type BootstrapDocuments, type PlannedResource, bootstrapDocuments } from "../../bootstrap/documents";
import { type PolicyDocument, ciRoles } from "../../bootstrap/deploy-role-policy";
import { lookupResourceActions } from "../../bootstrap/resource-actions";
import { MOCK_ACCOUNT } from "../../tools/lib/mocks";
import { runPlan } from "../../tools/lib/plan";

const ACCOUNT = MOCK_ACCOUNT;
const REGION = "us-east-1";
const TAG = "openclaw:stack";
const STACKS = ["dev", "prod"] as const;
type Stack = (typeof STACKS)[number];
// What Pulumi appends to an auto-named resource: 7 random hex characters.
const AUTONAME = "a1b2c3d";

const plans = {} as Record<Stack, PlannedResource[]>;
let docs: BootstrapDocuments;

beforeAll(async () => {
  for (const s of STACKS) plans[s] = (await runPlan({ stack: s })).resources as PlannedResource[];
  docs = bootstrapDocuments({
    project: "openclaw",
    repo: "acme/openclaw",
    accountId: ACCOUNT,
    region: REGION,
    stacks: STACKS.map((s) => ({ name: s, types: [...new Set(plans[s].map((r) => r.type))], resources: plans[s] })),
    stateBackend: { bucket: "acme-pulumi-state" },
  });
}, 240_000);

const deployPolicy = (s: string) => docs.roles.find((r) => r.role.name === `openclaw-deploy-${s}`)!.policy;
const boundaryOf = (s: string) => docs.boundaries.find((b) => b.stack === s)!;

const DEFAULT_KEY_POLICY = {
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "kms:*", Resource: "*" }],
};

async function simulate(
  policy: PolicyDocument | object,
  action: string,
  resource: string,
  ctx: Record<string, string | string[]>,
  boundary?: PolicyDocument,
): Promise<string> {
  const r = await runSimulation(
    {
      identityPolicies: [{ name: "p", policy }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(boundary ? { permissionBoundaryPolicies: [{ name: "boundary", policy: boundary }] } : {}),
      ...(/^arn:aws:kms:[^:]*:[^:]*:key\//.test(resource) ? { resourcePolicy: DEFAULT_KEY_POLICY } : {}),
      request: {
        action,
        principal: `arn:aws:iam::${ACCOUNT}:role/ci`,
        resource: { accountId: ACCOUNT, resource },
        contextVariables: ctx,
      },
    } as any,
    {},
  );
  if (r.resultType === "error") return `error: ${JSON.stringify(r.errors)}`;
  return r.overallResult as string;
}

/** A well-behaved `pulumi up` of the stack: its tag on requests and resources, its boundary on roles. */
function deployContext(stack: string): Record<string, string | string[]> {
  return {
    [`aws:RequestTag/${TAG}`]: stack,
    [`aws:ResourceTag/${TAG}`]: stack,
    "aws:TagKeys": [TAG],
    "iam:PermissionsBoundary": boundaryOf(stack).arn,
  };
}

function physicalName(r: PlannedResource): string {
  const n = r.inputs?.name;
  return typeof n === "string" ? n : `${r.name}-${AUTONAME}`;
}

/** The role a resource refers to (`<logical>-id` / `<logical>-role` / an ARN in the mock runtime). */
function roleOf(plan: PlannedResource[], ref: unknown): PlannedResource {
  const id = String(ref).split("/").pop()!;
  const role = plan.find(
    (r) => r.type === "aws:iam/role:Role" && [`${r.name}-id`, `${r.name}-role`, r.inputs?.name].includes(id),
  );
  if (!role) throw new Error(`no role for ${String(ref)}`);
  return role;
}

/**
 * The ARNs a resource's name-scoped actions are authorised on, from its physical name. Undefined for a
 * type this table does not know: the test then fails, naming it.
 */
function physicalArns(plan: PlannedResource[], r: PlannedResource): string[] | undefined {
  const a = `${REGION}:${ACCOUNT}`;
  const i = r.inputs ?? {};
  const roleArn = (x: PlannedResource) => `arn:aws:iam::${ACCOUNT}:role/${physicalName(x)}`;
  switch (r.type) {
    case "aws:secretsmanager/secret:Secret":
      return [`arn:aws:secretsmanager:${a}:secret:${physicalName(r)}-AbCdEf`];
    case "aws:secretsmanager/secretVersion:SecretVersion":
    case "aws:secretsmanager/secretRotation:SecretRotation":
      return [String(i.secretId)];
    case "aws:cloudwatch/logGroup:LogGroup":
      return [`arn:aws:logs:${a}:log-group:${physicalName(r)}`];
    case "aws:cloudwatch/metricAlarm:MetricAlarm":
      return [`arn:aws:cloudwatch:${a}:alarm:${physicalName(r)}`];
    case "aws:kms/alias:Alias":
      return [`arn:aws:kms:${a}:${physicalName(r)}`];
    case "aws:lambda/function:Function":
      return [`arn:aws:lambda:${a}:function:${physicalName(r)}`];
    case "aws:lambda/permission:Permission": {
      const f = String(i.function);
      return [f.startsWith("arn:") ? f : `arn:aws:lambda:${a}:function:${f}`];
    }
    case "aws:iam/role:Role":
      return [roleArn(r)];
    case "aws:iam/rolePolicy:RolePolicy":
    case "aws:iam/rolePolicyAttachment:RolePolicyAttachment":
      return [roleArn(roleOf(plan, i.role))];
    case "aws:iam/instanceProfile:InstanceProfile":
      return [`arn:aws:iam::${ACCOUNT}:instance-profile/${physicalName(r)}`];
    case "aws:s3/bucket:Bucket":
      return [`arn:aws:s3:::${typeof i.bucket === "string" ? i.bucket : physicalName(r)}`];
    case "aws:sns/topic:Topic":
      return [`arn:aws:sns:${a}:${physicalName(r)}`];
    case "aws:sns/topicPolicy:TopicPolicy":
      return [String(i.arn)];
    case "aws:budgets/budget:Budget":
      return [`arn:aws:budgets::${ACCOUNT}:budget/${physicalName(r)}`];
    case "aws:ssm/document:Document":
      return [`arn:aws:ssm:${a}:document/${physicalName(r)}`];
    case "aws:ssm/association:Association":
      // The document it runs (named after the stack) and the association itself (an id AWS invents).
      return [
        `arn:aws:ssm:${a}:document/${String(i.name)}`,
        `arn:aws:ssm:${a}:association/${AUTONAME}-0000-4000-8000-000000000000`,
      ];
  }
  if (r.type.startsWith("aws:s3/") && typeof i.bucket === "string") return [`arn:aws:s3:::${i.bucket}`];
  return undefined;
}

/** Every (action, ARN) a `pulumi up` of the plan needs on a physical name: the table's name-scoped grants. */
function planNeeds(plan: PlannedResource[]): { what: string; action: string; arn: string }[] {
  const out: { what: string; action: string; arn: string }[] = [];
  for (const r of plan) {
    const entry = lookupResourceActions(r.type);
    if (!entry) continue;
    const nameGrants = entry.grants.filter((g) => g.scope === "name" && g.actions.length > 0);
    if (nameGrants.length === 0) continue;
    const arns = physicalArns(plan, r);
    if (!arns) {
      out.push({ what: `${r.type} ${r.name}`, action: "(no physical ARN known to this test)", arn: "" });
      continue;
    }
    for (const arn of arns) {
      const service = arn.split(":")[2];
      for (const action of nameGrants.flatMap((g) => g.actions)) {
        // A module entry (aws:cloudwatch/*) lists actions of sibling types: each applies to its own ARN kind.
        if (action.split(":")[0] !== service) continue;
        out.push({ what: `${r.type} ${r.name}`, action, arn });
      }
    }
  }
  return out;
}

/** Which role the plan hands to which service, as (service, role ARN) pairs. */
function planPasses(plan: PlannedResource[]): { service: string; arn: string }[] {
  const out: { service: string; arn: string }[] = [];
  const arn = (ref: unknown) => `arn:aws:iam::${ACCOUNT}:role/${physicalName(roleOf(plan, ref))}`;
  for (const r of plan) {
    if (r.type === "aws:iam/instanceProfile:InstanceProfile")
      out.push({ service: "ec2.amazonaws.com", arn: arn(r.inputs?.role) });
    if (r.type === "aws:lambda/function:Function")
      out.push({ service: "lambda.amazonaws.com", arn: arn(r.inputs?.role) });
    if (r.type === "aws:ec2/flowLog:FlowLog")
      out.push({ service: "vpc-flow-logs.amazonaws.com", arn: arn(r.inputs?.iamRoleArn) });
  }
  return out;
}

const roleNamed = (s: Stack, logical: string) =>
  `arn:aws:iam::${ACCOUNT}:role/${physicalName(plans[s].find((r) => r.type === "aws:iam/role:Role" && r.name === logical)!)}`;

describe("the plan: every IAM role carries the stack's boundary", () => {
  it.each(STACKS)("%s: each aws:iam/role:Role has permissionsBoundary = the bootstrap's boundary", (s) => {
    const roles = plans[s].filter((r) => r.type === "aws:iam/role:Role");
    expect(roles.length).toBeGreaterThanOrEqual(3);
    const expected = `arn:aws:iam::${ACCOUNT}:policy/${boundaryPolicyName("openclaw", s)}`;
    expect(roles.map((r) => [r.name, r.inputs?.permissionsBoundary])).toEqual(roles.map((r) => [r.name, expected]));
    expect(boundaryOf(s).arn).toBe(expected);
  });

  it.each(STACKS)("%s: every physical name starts with openclaw-<stack>- or openclaw/<stack>/", (s) => {
    const stray = plans[s]
      .filter((r) => typeof r.inputs?.name === "string" && r.type.startsWith("aws:"))
      .map((r) =>
        String(r.inputs!.name)
          .replace(/^alias\//, "")
          .replace(/^\/aws\/lambda\//, "")
          .replace(/^\//, ""),
      )
      .filter((n) => !n.startsWith(`openclaw-${s}-`) && !n.startsWith(`openclaw/${s}/`));
    expect(stray).toEqual([]);
  });
});

describe("each stack's own deploy role may do everything its plan needs, on the plan's physical names", () => {
  for (const s of STACKS) {
    it(`${s}: every name-scoped action on every physical name is Allowed`, async () => {
      const needs = planNeeds(plans[s]);
      expect(needs.length).toBeGreaterThan(100);
      // The names the program gives the resources that had no deploy role able to create them.
      const arns = new Set(needs.map((n) => n.arn));
      expect(arns).toContain(`arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:openclaw/${s}/gateway-token-AbCdEf`);
      expect(arns).toContain(`arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/openclaw/${s}/gateway`);
      const denied: string[] = [];
      for (const n of needs) {
        const r = n.arn ? await simulate(deployPolicy(s), n.action, n.arn, deployContext(s)) : "unmapped";
        if (r !== "Allowed") denied.push(`${n.what}: ${n.action} on ${n.arn} -> ${r}`);
      }
      expect(denied).toEqual([]);
    }, 120_000);

    it(`${s}: passes exactly the plan's roles to their services, and no role to another service`, async () => {
      const passes = planPasses(plans[s]);
      expect(passes.map((p) => p.service).sort()).toEqual([
        "ec2.amazonaws.com",
        "lambda.amazonaws.com",
        "vpc-flow-logs.amazonaws.com",
      ]);
      for (const p of passes) {
        const ctx = { ...deployContext(s), "iam:PassedToService": p.service };
        expect(await simulate(deployPolicy(s), "iam:PassRole", p.arn, ctx)).toBe("Allowed");
        for (const other of passes.filter((o) => o.service !== p.service)) {
          const wrong = { ...deployContext(s), "iam:PassedToService": other.service };
          expect({
            role: p.arn,
            to: other.service,
            r: await simulate(deployPolicy(s), "iam:PassRole", p.arn, wrong),
          }).toEqual({ role: p.arn, to: other.service, r: "ImplicitlyDenied" });
        }
      }
    });
  }
});

describe("escalation paths of a deploy role are denied", () => {
  const ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess";

  for (const s of STACKS) {
    const other: Stack = s === "dev" ? "prod" : "dev";
    const instanceRole = () => roleNamed(s, `openclaw-${s}-role`);
    const rotationRole = () => roleNamed(s, `openclaw-${s}-secrets-role`);
    const fn = (st: string, n: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:openclaw-${st}-${n}`;

    it(`${s}: inline policy or admin attachment on its own roles without the boundary`, async () => {
      const p = deployPolicy(s);
      const { "iam:PermissionsBoundary": _b, ...noBoundary } = deployContext(s);
      expect(await simulate(p, "iam:PutRolePolicy", instanceRole(), noBoundary)).toBe("ExplicitlyDenied");
      expect(await simulate(p, "iam:CreateRole", `arn:aws:iam::${ACCOUNT}:role/openclaw-${s}-x`, noBoundary)).toBe(
        "ExplicitlyDenied",
      );
      const admin = { ...deployContext(s), "iam:PolicyARN": ADMIN };
      expect(await simulate(p, "iam:AttachRolePolicy", instanceRole(), admin)).toMatch(/Denied$/);
    });

    it(`${s}: what a role it does shape (any inline policy, under the boundary) can reach stays in ${s}`, async () => {
      const everything = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] };
      const b = boundaryOf(s).policy;
      const mine = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:openclaw/${s}/gateway-token-AbCdEf`;
      const theirs = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:openclaw/${other}/gateway-token-AbCdEf`;
      const key = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34bc-56ef-1234567890ab`;
      // Sanity: the boundary is not deny-all; the role's own secret stays readable.
      expect(await simulate(everything, "secretsmanager:GetSecretValue", mine, {}, b)).toBe("Allowed");
      const cases: [string, string, Record<string, string>][] = [
        ["secretsmanager:GetSecretValue", theirs, {}],
        ["kms:Decrypt", key, { [`aws:ResourceTag/${TAG}`]: other }],
        ["s3:GetObject", `arn:aws:s3:::openclaw-${other}-backup-bucket-${AUTONAME}/${other}/x.tar.gz`, {}],
        ["ssm:GetParameter", `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/payroll/db-password`, {}],
        ["iam:PutRolePolicy", `arn:aws:iam::${ACCOUNT}:role/OrganizationAdmin`, {}],
        ["iam:CreateUser", `arn:aws:iam::${ACCOUNT}:user/backdoor`, {}],
        ["sts:AssumeRole", `arn:aws:iam::${ACCOUNT}:role/openclaw-deploy-${other}`, {}],
        ["lambda:UpdateFunctionCode", fn(other, "token-rotation"), {}],
        ["ssm:SendCommand", `arn:aws:ssm:${REGION}:${ACCOUNT}:document/AWS-RunShellScript`, {}],
        [
          "ec2:StopInstances",
          `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/i-0abc`,
          { [`aws:ResourceTag/${TAG}`]: other },
        ],
      ];
      for (const [action, resource, ctx] of cases) {
        expect({ action, r: await simulate(everything, action, resource, ctx, b) }).toEqual({
          action,
          r: "ImplicitlyDenied",
        });
      }
    });

    it(`${s}: trust rewrite of its own role, or assuming it`, async () => {
      const p = deployPolicy(s);
      expect(await simulate(p, "iam:UpdateAssumeRolePolicy", instanceRole(), deployContext(s))).toBe(
        "ExplicitlyDenied",
      );
      expect(await simulate(p, "sts:AssumeRole", instanceRole(), deployContext(s))).toBe("ExplicitlyDenied");
    });

    it(`${s}: passing a program role to a new Lambda, then invoking it`, async () => {
      const p = deployPolicy(s);
      const toLambda = { ...deployContext(s), "iam:PassedToService": "lambda.amazonaws.com" };
      // The instance role (secrets, backups) and the flow-log role never go to Lambda.
      expect(await simulate(p, "iam:PassRole", instanceRole(), toLambda)).toBe("ImplicitlyDenied");
      expect(await simulate(p, "iam:PassRole", roleNamed(s, `openclaw-${s}-flow-logs`), toLambda)).toBe(
        "ImplicitlyDenied",
      );
      // A function the deployer did create cannot be run by it.
      expect(await simulate(p, "lambda:InvokeFunction", fn(s, "evil"), deployContext(s))).toBe("ExplicitlyDenied");
      expect(await simulate(p, "lambda:InvokeFunction", fn(s, "token-rotation"), deployContext(s))).toBe(
        "ExplicitlyDenied",
      );
    });

    it(`${s}: new code for a rotation function runs only with the rotation role, inside the boundary`, async () => {
      const p = deployPolicy(s);
      expect(await simulate(p, "lambda:UpdateFunctionCode", fn(other, "token-rotation"), deployContext(s))).toBe(
        "ImplicitlyDenied",
      );
      // Its own function it must be able to update (that is a deploy); what that code can then do is the
      // rotation role's inline policy intersected with the boundary.
      expect(await simulate(p, "lambda:UpdateFunctionCode", fn(s, "token-rotation"), deployContext(s))).toBe("Allowed");
      const rolePolicy = plans[s].find(
        (r) => r.type === "aws:iam/rolePolicy:RolePolicy" && r.name === `openclaw-${s}-secrets-role-policy`,
      )!;
      const policy = JSON.parse(String(rolePolicy.inputs!.policy));
      const b = boundaryOf(s).policy;
      for (const [action, resource] of [
        [
          "secretsmanager:GetSecretValue",
          `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:openclaw/${other}/gateway-token-AbCdEf`,
        ],
        ["ssm:ListCommandInvocations", "*"],
        ["ssm:GetCommandInvocation", "*"],
        ["iam:PutRolePolicy", rotationRole()],
        ["sts:AssumeRole", `arn:aws:iam::${ACCOUNT}:role/openclaw-deploy-${s}`],
      ]) {
        expect({ action, r: await simulate(policy, action, resource, {}, b) }).toEqual({
          action,
          r: "ImplicitlyDenied",
        });
      }
    });

    it(`${s}: removing or replacing the boundary of a role`, async () => {
      const p = deployPolicy(s);
      expect(await simulate(p, "iam:DeleteRolePermissionsBoundary", instanceRole(), deployContext(s))).toBe(
        "ExplicitlyDenied",
      );
      for (const arn of [ADMIN, boundaryOf(other).arn, `arn:aws:iam::${ACCOUNT}:policy/openclaw-${s}-boundary2`]) {
        const ctx = { ...deployContext(s), "iam:PermissionsBoundary": arn };
        for (const action of ["iam:PutRolePermissionsBoundary", "iam:CreateRole", "iam:PutRolePolicy"]) {
          expect({ action, arn, r: await simulate(p, action, instanceRole(), ctx) }).toEqual({
            action,
            arn,
            r: "ExplicitlyDenied",
          });
        }
      }
      // Re-attaching its own boundary (a role created before it) is what a deploy may do.
      expect(await simulate(p, "iam:PutRolePermissionsBoundary", instanceRole(), deployContext(s))).toBe("Allowed");
    });

    it(`${s}: editing the boundary policy itself`, async () => {
      const p = deployPolicy(s);
      for (const action of [
        "iam:CreatePolicyVersion",
        "iam:SetDefaultPolicyVersion",
        "iam:DeletePolicyVersion",
        "iam:DeletePolicy",
      ]) {
        expect({ action, r: await simulate(p, action, boundaryOf(s).arn, deployContext(s)) }).toEqual({
          action,
          r: "ExplicitlyDenied",
        });
      }
    });

    it(`${s}: every action ${other}'s plan needs on ${other}'s physical names is denied to ${s}'s role`, async () => {
      const needs = planNeeds(plans[other]);
      const allowed: string[] = [];
      for (const n of needs) {
        // Even with the other stack's boundary and tag in the request.
        const r = await simulate(deployPolicy(s), n.action, n.arn, deployContext(other));
        if (r === "Allowed") allowed.push(`${n.action} on ${n.arn}`);
      }
      expect(allowed).toEqual([]);
    }, 120_000);
  }

  it("prod's role reaches no name of a stack whose name extends prod (prodeu), and prod-eu is not a stack name", async () => {
    const shifted = planNeeds(plans.prod).map((n) => ({
      ...n,
      arn: n.arn
        .replaceAll("openclaw-prod-", "openclaw-prodeu-")
        .replaceAll("openclaw/prod/", "openclaw/prodeu/")
        .replaceAll("alias/openclaw-prod-", "alias/openclaw-prodeu-"),
    }));
    const allowed: string[] = [];
    for (const n of shifted) {
      const ctx = {
        ...deployContext("prod"),
        [`aws:ResourceTag/${TAG}`]: "prodeu",
        [`aws:RequestTag/${TAG}`]: "prodeu",
      };
      if ((await simulate(deployPolicy("prod"), n.action, n.arn, ctx)) === "Allowed")
        allowed.push(`${n.action} ${n.arn}`);
    }
    expect(allowed).toEqual([]);
    // `-` delimits the stack in every name pattern, so a stack name may not contain one.
    expect(() => ciRoles("openclaw", ["prod", "prod-eu"])).toThrow(/stack "prod-eu" must be 1-20 lower-case/);
    const r = parseStackConfig({
      stack: "prod-eu",
      values: { target: "vm", image: "ghcr.io/openclaw/openclaw:2026.9.6", tailscale: { tailnetDnsName: "x.ts.net" } },
      secretKeys: new Set(),
    });
    expect(r.ok ? [] : r.problems.map((p) => [p.key, p.value])).toEqual([["stack", '"prod-eu"']]);
  }, 120_000);

  it("no CI role's state access reaches another stack's state file", async () => {
    for (const s of STACKS) {
      const other = s === "dev" ? "prod" : "dev";
      for (const mode of ["deploy", "preview", "drift"]) {
        const p = docs.roles.find((r) => r.role.name === `openclaw-${mode}-${s}`)!.policy;
        const own = `arn:aws:s3:::acme-pulumi-state/.pulumi/stacks/openclaw/${s}.json`;
        const theirs = `arn:aws:s3:::acme-pulumi-state/.pulumi/stacks/openclaw/${other}.json`;
        expect({ mode, s, own: await simulate(p, "s3:GetObject", own, {}) }).toEqual({ mode, s, own: "Allowed" });
        expect({ mode, s, theirs: await simulate(p, "s3:GetObject", theirs, {}) }).toEqual({
          mode,
          s,
          theirs: "ImplicitlyDenied",
        });
      }
    }
  });
});

describe("the boundary admits what the program's own roles need", () => {
  for (const s of STACKS) {
    it(`${s}: every statement of every role policy in the plan is Allowed under the boundary`, async () => {
      const b = boundaryOf(s).policy;
      const policies = plans[s].filter((r) => r.type === "aws:iam/rolePolicy:RolePolicy");
      expect(policies.length).toBeGreaterThanOrEqual(3);
      const denied: string[] = [];
      for (const rp of policies) {
        const doc = JSON.parse(String(rp.inputs!.policy)) as { Statement: any[] };
        for (const st of doc.Statement) {
          // The request a statement is written for: its own condition values, the stack's tag on resources.
          const ctx: Record<string, string> = { [`aws:ResourceTag/${TAG}`]: s, [`ssm:resourceTag/${TAG}`]: s };
          for (const kv of Object.values(st.Condition ?? {}) as Record<string, string | string[]>[])
            for (const [k, v] of Object.entries(kv)) ctx[k] = (Array.isArray(v) ? v[0] : v).replace(/\*/g, "x");
          for (const action of [st.Action].flat() as string[]) {
            for (const res of [st.Resource].flat() as string[]) {
              let resource = res === "*" ? "*" : res.replace(/\*/g, "x");
              // Stream writes authorise on the stream, not the group: `<group ARN>:log-stream:<name>`.
              if (/^logs:(CreateLogStream|PutLogEvents)$/.test(action) && !resource.includes(":log-stream:"))
                resource = `${resource.replace(/:x$/, "")}:log-stream:x`;
              const r = await simulate({ Version: "2012-10-17", Statement: [st] }, action, resource, ctx, b);
              if (r !== "Allowed") denied.push(`${rp.name} ${st.Sid ?? ""}: ${action} on ${resource} -> ${r}`);
            }
          }
        }
      }
      expect(denied).toEqual([]);
    }, 120_000);
  }
});

describe("the instance role is Session Manager only", () => {
  it.each(STACKS)("%s: no managed policy attached, no ssm:GetParameter(s) on any parameter", async (s) => {
    expect(plans[s].filter((r) => r.type === "aws:iam/rolePolicyAttachment:RolePolicyAttachment")).toEqual([]);
    const role = `openclaw-${s}-role`;
    const statements = plans[s]
      .filter((r) => r.type === "aws:iam/rolePolicy:RolePolicy" && roleOf(plans[s], r.inputs?.role).name === role)
      .flatMap((r) => JSON.parse(String(r.inputs!.policy)).Statement);
    const policy = { Version: "2012-10-17", Statement: statements };
    const param = `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/payroll/db-password`;
    for (const action of ["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"])
      expect({ action, r: await simulate(policy, action, param, {}) }).toEqual({ action, r: "ImplicitlyDenied" });
    for (const action of ["ssmmessages:OpenDataChannel", "ssm:UpdateInstanceInformation", "ec2messages:GetMessages"])
      expect({ action, r: await simulate(policy, action, "*", {}) }).toEqual({ action, r: "Allowed" });
  });
});
