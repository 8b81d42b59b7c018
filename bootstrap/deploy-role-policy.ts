/**
 * Pure builders for the IAM documents the pipelines assume: the permission policy of each CI role
 * (derived from the plan's resource types through `resource-actions.ts`) and the GitHub OIDC trust
 * policy. No Pulumi here: `bootstrap/index.ts` and `bootstrap/render.ts` turn these into resources or
 * JSON, and `test/pipelines/deploy-role.test.ts` evaluates them with an IAM simulator.
 */
import { stackNameProblem } from "../components/config/sections/iam";
import {
  EC2_TAGGING,
  PROVIDER_BASE,
  type ArnContext,
  type Grant,
  lookupResourceActions,
  needsAwsPermissions,
  unmappedTypes,
} from "./resource-actions";

export interface PolicyStatement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Action: string | string[];
  /** Absent only in trust policies, where the role itself is the resource. */
  Resource?: string | string[];
  Principal?: Record<string, string>;
  Condition?: Record<string, Record<string, string | string[]>>;
}
export interface PolicyDocument {
  Version: "2012-10-17";
  Statement: PolicyStatement[];
}

/**
 * - `deploy`: `pulumi up` (read + write + reading secret values back).
 * - `drift`: `pulumi preview --refresh` on a schedule (read + secret values, no writes).
 * - `preview`: `pulumi preview` of one stack from main, behind a protected environment (read, no writes).
 */
export type RoleMode = "deploy" | "drift" | "preview";

export interface DeployRolePolicyOptions {
  /** 12-digit AWS account id the stack deploys into. */
  readonly accountId: string;
  /** Region of the stack (`aws:region`). */
  readonly region: string;
  /** @default "aws" */
  readonly partition?: string;
  /**
   * Every dash-delimited physical name of the stack starts with this, e.g. `openclaw-prod-`; it must end
   * with `-` so that, with stack names free of `-`, no other stack's names match it. No `*`.
   */
  readonly namePrefix: string;
  /** Path-shaped names (secrets, log groups) start with this. @default namePrefix with `-` read as `/` */
  readonly pathPrefix?: string;
  /**
   * The tag every taggable resource carries (the program's base tags: `openclaw:stack` = stack name). A
   * list of values is an OR: the read-only roles cover every stack.
   */
  readonly tag: { readonly key: string; readonly value: string | readonly string[] };
  /** @default "deploy" */
  readonly mode?: RoleMode;
  /**
   * Managed policies the stack may attach to its own roles. The program attaches none (its roles carry
   * inline policies only), so by default nothing can be attached.
   * @default DEFAULT_ATTACHABLE_POLICIES
   */
  readonly attachablePolicyArns?: readonly string[];
  /**
   * The permissions boundary every role the stack creates carries (the bootstrap creates the policy).
   * Required for a deploy role whose stack has IAM roles: roles can be created or changed only with it.
   */
  readonly permissionsBoundaryArn?: string;
  /**
   * The roles the stack hands to a service, by service principal, as role-name patterns (from the plan:
   * the instance profile's role to EC2, the rotation function's role to Lambda, the flow log's role to
   * VPC Flow Logs). @default every role of the stack to each service its resource types pass roles to
   */
  readonly passRoles?: Readonly<Record<string, readonly string[]>>;
  /**
   * Self-managed state backend (`pulumi login s3://bucket/prefix`). With `stacks`, the role reads and
   * writes only those stacks' state files; otherwise the whole prefix. @default Pulumi Cloud: no grants
   */
  readonly stateBackend?: { readonly bucket: string; readonly prefix?: string };
  /** Pulumi project and stacks whose state the role may touch (S3 backend). */
  readonly stateStacks?: { readonly project: string; readonly stacks: readonly string[] };
  /** KMS key of the `awskms://` secrets provider. @default none (Pulumi Cloud secrets) */
  readonly secretsKeyArn?: string;
}

export const DEFAULT_ATTACHABLE_POLICIES: readonly string[] = [];

/** Identity-creating actions no CI role ever needs: denied explicitly so a future grant cannot add them. */
export const DENIED_ACTIONS = [
  "iam:CreateUser",
  "iam:CreateAccessKey",
  "iam:CreateLoginProfile",
  "iam:UpdateLoginProfile",
  "iam:AttachUserPolicy",
  "iam:PutUserPolicy",
  "iam:AddUserToGroup",
  "iam:CreateOpenIDConnectProvider",
  "iam:UpdateOpenIDConnectProviderThumbprint",
  "iam:DeleteRolePermissionsBoundary",
  // A trust rewrite would let the deployer name itself (or anyone) as a principal of a stack role.
  "iam:UpdateAssumeRolePolicy",
  // Managed policies, the boundary among them, are the bootstrap's; CI neither writes nor re-points them.
  "iam:CreatePolicy",
  "iam:CreatePolicyVersion",
  "iam:DeletePolicy",
  "iam:DeletePolicyVersion",
  "iam:SetDefaultPolicyVersion",
  // CI never acts as another role or runs a function itself: a role it created, or a function it deployed,
  // stays out of its reach.
  "sts:AssumeRole",
  "lambda:InvokeFunction",
];

/** Actions that shape what a role may do: allowed only with the stack's boundary in the request. */
export const ROLE_SHAPING_ACTIONS = [
  "iam:CreateRole",
  "iam:PutRolePolicy",
  "iam:AttachRolePolicy",
  "iam:PutRolePermissionsBoundary",
];

const MODE_ACCESS: Record<RoleMode, ReadonlyArray<Grant["access"]>> = {
  deploy: ["read", "write", "secretRead"],
  drift: ["read", "secretRead"],
  preview: ["read"],
};

function validate(o: DeployRolePolicyOptions): void {
  const bad = (key: string, value: unknown, fix: string) =>
    new Error(`deployRolePolicy: ${key}=${JSON.stringify(value)} is invalid: ${fix}`);
  if (!/^\d{12}$/.test(o.accountId)) throw bad("accountId", o.accountId, "use the 12-digit AWS account id");
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(o.region)) throw bad("region", o.region, "use an AWS region such as us-east-1");
  if (!/^[a-z][a-z0-9-]{1,40}-$/.test(o.namePrefix))
    throw bad("namePrefix", o.namePrefix, "use the stack's lower-case name prefix ending in '-', no wildcards");
  if (o.pathPrefix !== undefined && !/^[a-z][a-z0-9/-]{1,40}\/$/.test(o.pathPrefix))
    throw bad("pathPrefix", o.pathPrefix, "use the stack's path prefix ending in '/', no wildcards");
  if (
    o.permissionsBoundaryArn !== undefined &&
    !/^arn:[a-z-]+:iam::\d{12}:policy\/[\w+=,.@/-]+$/.test(o.permissionsBoundaryArn)
  )
    throw bad("permissionsBoundaryArn", o.permissionsBoundaryArn, "use the ARN of the boundary policy, no wildcards");
  const values = typeof o.tag.value === "string" ? [o.tag.value] : o.tag.value;
  if (!o.tag.key || values.length === 0 || values.some((v) => !v || /[*?]/.test(v)) || /[*?]/.test(o.tag.key))
    throw bad("tag", o.tag, "give the stack's base tag key and value, without wildcards");
}

function uniqSorted(xs: Iterable<string>): string[] {
  return [...new Set(xs)].sort();
}

/**
 * The permission policy for one CI role of one stack. Throws if a type of the `aws` package is not in
 * the table, naming the types: an unmapped type would only surface as AccessDenied halfway through `up`.
 */
export function deployRolePolicy(resourceTypes: readonly string[], opts: DeployRolePolicyOptions): PolicyDocument {
  validate(opts);
  const missing = unmappedTypes(resourceTypes);
  if (missing.length > 0) {
    throw new Error(
      `deployRolePolicy: no IAM mapping for ${missing.join(", ")}; add each to RESOURCE_ACTIONS in bootstrap/resource-actions.ts`,
    );
  }
  const mode = opts.mode ?? "deploy";
  const access = MODE_ACCESS[mode];
  const c: ArnContext = {
    partition: opts.partition ?? "aws",
    region: opts.region,
    accountId: opts.accountId,
    prefix: opts.namePrefix,
    pathPrefix: opts.pathPrefix ?? opts.namePrefix.replace(/-/g, "/"),
  };
  const awsTypes = uniqSorted(resourceTypes.filter(needsAwsPermissions));
  const entries = awsTypes.map((t) => lookupResourceActions(t)!);
  const usesEc2 = awsTypes.some((t) => /^aws:(ec2|vpc|ebs)\//.test(t));
  const grants = [...PROVIDER_BASE, ...(usesEc2 ? EC2_TAGGING : []), ...entries.flatMap((e) => e.grants)].filter(
    (g) => access.includes(g.access) && g.actions.length > 0,
  );

  // Merge grants with the same scope and resources into one statement, so the document stays small
  // (IAM's 6,144-character managed-policy limit) and reads as one line per kind of access.
  const merged = new Map<string, { scope: Grant["scope"]; resources: string[]; actions: Set<string> }>();
  for (const g of grants) {
    const resources = g.scope === "any" ? ["*"] : g.arns ? g.arns(c) : ["*"];
    const key = `${g.scope}|${resources.join(",")}`;
    const m = merged.get(key) ?? { scope: g.scope, resources, actions: new Set<string>() };
    for (const a of g.actions) m.actions.add(a);
    merged.set(key, m);
  }

  // Role-shaping actions leave the plain name-scoped statement: they need the boundary in the request.
  const shaping = new Set([...ROLE_SHAPING_ACTIONS, "iam:DetachRolePolicy", "iam:DeleteRolePolicy"]);
  const boundaryArn = opts.permissionsBoundaryArn;
  if (mode === "deploy" && awsTypes.includes("aws:iam/role:Role") && !boundaryArn) {
    throw new Error(
      "deployRolePolicy: permissionsBoundaryArn is required for a deploy role whose stack creates IAM roles: without it the role could create a role with any permissions",
    );
  }
  const statements: PolicyStatement[] = [];
  const pulled: string[] = [];
  let n = 0;
  for (const m of merged.values()) {
    let actions = uniqSorted(m.actions);
    if (m.scope === "name") {
      const special = actions.filter((a) => shaping.has(a));
      pulled.push(...special);
      actions = actions.filter((a) => !special.includes(a));
      if (actions.length === 0) continue;
    }
    const s: PolicyStatement = {
      Sid: `${m.scope[0].toUpperCase()}${m.scope.slice(1)}${n++}`,
      Effect: "Allow",
      Action: actions,
      Resource: m.resources,
    };
    const tagValue = typeof opts.tag.value === "string" ? opts.tag.value : [...opts.tag.value];
    if (m.scope === "createTagged") s.Condition = { StringEquals: { [`aws:RequestTag/${opts.tag.key}`]: tagValue } };
    if (m.scope === "tagged") s.Condition = { StringEquals: { [`aws:ResourceTag/${opts.tag.key}`]: tagValue } };
    if (m.scope === "untagged") s.Condition = { Null: { [`aws:ResourceTag/${opts.tag.key}`]: "true" } };
    statements.push(s);
  }

  const roles = [`arn:${c.partition}:iam::${c.accountId}:role/${c.prefix}*`];
  const withBoundary = boundaryArn ? { StringEquals: { "iam:PermissionsBoundary": boundaryArn } } : undefined;
  const attach = new Set(["iam:AttachRolePolicy", "iam:DetachRolePolicy"]);
  const plainRoleActions = uniqSorted(pulled.filter((a) => !attach.has(a)));
  if (plainRoleActions.length > 0 && withBoundary) {
    statements.push({
      Sid: "RolesOnlyWithBoundary",
      Effect: "Allow",
      Action: plainRoleActions,
      Resource: roles,
      Condition: withBoundary,
    });
  }
  const attachActions = uniqSorted(pulled.filter((a) => attach.has(a)));
  const attachable = [...(opts.attachablePolicyArns ?? DEFAULT_ATTACHABLE_POLICIES)];
  if (attachActions.length > 0 && withBoundary && attachable.length > 0) {
    statements.push({
      Sid: "AttachOnlyKnownPolicies",
      Effect: "Allow",
      Action: attachActions,
      Resource: roles,
      Condition: { ArnEquals: { "iam:PolicyARN": attachable }, ...withBoundary },
    });
  }

  if (mode === "deploy") {
    const passTo = uniqSorted(entries.flatMap((e) => e.passRoleTo ?? []));
    const passRoles = opts.passRoles ?? Object.fromEntries(passTo.map((svc) => [svc, [`${c.prefix}*`]]));
    for (const [service, patterns] of Object.entries(passRoles).sort()) {
      if (!passTo.includes(service)) {
        throw new Error(
          `deployRolePolicy: passRoles names ${service}, but no resource type of the stack hands a role to it (known: ${passTo.join(", ") || "none"})`,
        );
      }
      for (const pattern of patterns) {
        if (!pattern.startsWith(c.prefix)) {
          throw new Error(
            `deployRolePolicy: passRoles[${service}] = ${pattern} is not a role of this stack: it must start with ${c.prefix}`,
          );
        }
      }
      statements.push({
        Sid: `Pass${service.split(".")[0].replace(/[^A-Za-z0-9]/g, "")}`,
        Effect: "Allow",
        Action: "iam:PassRole",
        Resource: patterns.map((r) => `arn:${c.partition}:iam::${c.accountId}:role/${r}`),
        Condition: { StringEquals: { "iam:PassedToService": service } },
      });
    }
    // Create-time tagging: EC2 authorises the tags of a RunInstances/CreateVpc call as a CreateTags on
    // a resource that has no tags yet, so `aws:ResourceTag` cannot match; `ec2:CreateAction` can.
    const ec2Creates = uniqSorted(
      entries
        .flatMap((e) => e.grants)
        .filter((g) => g.scope === "createTagged" && g.actions.some((a) => a.startsWith("ec2:")))
        .flatMap((g) => g.actions),
    );
    if (ec2Creates.length > 0) {
      statements.push({
        Sid: "TagOnCreate",
        Effect: "Allow",
        Action: "ec2:CreateTags",
        Resource: [`arn:${c.partition}:ec2:${c.region}:${c.accountId}:*`],
        Condition: { StringEquals: { "ec2:CreateAction": ec2Creates.map((a) => a.slice("ec2:".length)) } },
      });
    }
  }

  statements.push(...backendStatements(opts, mode, c.partition));
  statements.push({ Sid: "NeverCreateIdentities", Effect: "Deny", Action: [...DENIED_ACTIONS], Resource: "*" });
  // Belt and braces over the Allow above: whatever a later grant adds, no role of any name is created or
  // given permissions without exactly this boundary (and the read-only roles shape no role at all).
  statements.push(
    boundaryArn && mode === "deploy"
      ? {
          Sid: "NoRoleWithoutThisBoundary",
          Effect: "Deny",
          Action: [...ROLE_SHAPING_ACTIONS],
          Resource: "*",
          Condition: { StringNotEquals: { "iam:PermissionsBoundary": boundaryArn } },
        }
      : { Sid: "NoRoleShaping", Effect: "Deny", Action: [...ROLE_SHAPING_ACTIONS], Resource: "*" },
  );
  return { Version: "2012-10-17", Statement: statements };
}

function backendStatements(o: DeployRolePolicyOptions, mode: RoleMode, partition: string): PolicyStatement[] {
  const out: PolicyStatement[] = [];
  if (o.stateBackend) {
    const bucket = `arn:${partition}:s3:::${o.stateBackend.bucket}`;
    const prefix = o.stateBackend.prefix ? `${o.stateBackend.prefix.replace(/\/+$/, "")}/` : "";
    // The S3 backend's layout: one checkpoint per stack plus per-stack history, backups and locks. A role
    // of one stack reads and writes only those, so it never sees another stack's state (or its secrets).
    const own = o.stateStacks
      ? o.stateStacks.stacks.flatMap((st) => [
          `${bucket}/${prefix}.pulumi/stacks/${o.stateStacks!.project}/${st}.json*`,
          ...["history", "backups", "locks"].map(
            (d) => `${bucket}/${prefix}.pulumi/${d}/${o.stateStacks!.project}/${st}/*`,
          ),
        ])
      : [`${bucket}/${prefix}*`];
    out.push({
      Sid: "StateList",
      Effect: "Allow",
      Action: ["s3:GetBucketLocation", "s3:ListBucket"],
      Resource: bucket,
    });
    out.push({
      Sid: "StateRead",
      Effect: "Allow",
      Action: "s3:GetObject",
      Resource: [...own, `${bucket}/${prefix}.pulumi/meta.yaml`],
    });
    // Previews still take the backend's lock file, so even the read-only roles write under .pulumi/locks.
    const locks = o.stateStacks
      ? own.filter((r) => r.includes("/.pulumi/locks/"))
      : [`${bucket}/${prefix}.pulumi/locks/*`];
    const writable = mode === "deploy" ? own : locks;
    out.push({ Sid: "StateWrite", Effect: "Allow", Action: ["s3:DeleteObject", "s3:PutObject"], Resource: writable });
  }
  if (o.secretsKeyArn) {
    const actions = mode === "deploy" ? ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"] : ["kms:Decrypt"];
    out.push({ Sid: "SecretsProvider", Effect: "Allow", Action: actions, Resource: o.secretsKeyArn });
  }
  return out;
}

export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";

export interface TrustOptions {
  readonly accountId: string;
  /** `owner/name` of the GitHub repository. */
  readonly repo: string;
  /**
   * The `sub` claims allowed, after `repo:<owner/name>:`, e.g. `environment:prod`, `pull_request`,
   * `ref:refs/heads/main`. Matched with StringEquals: no wildcards, so no other branch or fork matches.
   */
  readonly subjects: readonly string[];
  /** @default "aws" */
  readonly partition?: string;
}

/**
 * The GitHub claim that narrows a subject beyond `sub`: IAM has evaluated the individual claims
 * (`environment`, `ref`, `repository`) since 2025, so each statement pins them as well as the `sub`
 * string IAM requires for this provider. Two independent checks of one fact cost nothing and survive a
 * repository's customised `sub` template.
 */
function claimConditions(subject: string): Record<string, Record<string, string>> {
  const h = GITHUB_OIDC_HOST;
  if (subject.startsWith("environment:"))
    return { StringEquals: { [`${h}:environment`]: subject.slice("environment:".length) } };
  if (subject.startsWith("ref:")) return { StringEquals: { [`${h}:ref`]: subject.slice("ref:".length) } };
  // A pull request's workflow is the PR's own code: no cloud role ever trusts it.
  throw new Error(
    `githubTrustPolicy: subject=${JSON.stringify(subject)} is not supported: use environment:<name> or ref:<full ref> (pull requests get no cloud role)`,
  );
}

/** Trust policy letting GitHub Actions runs of exactly these subjects, in this one repository, assume the role. */
export function githubTrustPolicy(o: TrustOptions): PolicyDocument {
  if (!/^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/.test(o.repo))
    throw new Error(`githubTrustPolicy: repo=${JSON.stringify(o.repo)} is invalid: use owner/name`);
  if (o.subjects.length === 0 || o.subjects.some((s) => /[*?]/.test(s) || s.trim() === ""))
    throw new Error(
      `githubTrustPolicy: subjects=${JSON.stringify(o.subjects)} is invalid: list exact subjects, no wildcards`,
    );
  const h = GITHUB_OIDC_HOST;
  return {
    Version: "2012-10-17",
    Statement: o.subjects.map((subject, i) => {
      const extra = claimConditions(subject);
      return {
        Sid: `GitHubActionsOidc${i}`,
        Effect: "Allow" as const,
        Principal: { Federated: `arn:${o.partition ?? "aws"}:iam::${o.accountId}:oidc-provider/${h}` },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          ...extra,
          StringEquals: {
            ...(extra.StringEquals ?? {}),
            [`${h}:aud`]: "sts.amazonaws.com",
            [`${h}:sub`]: `repo:${o.repo}:${subject}`,
            [`${h}:repository`]: o.repo,
          },
        },
      };
    }),
  };
}

/** One CI role: who may assume it and what it may do. */
export interface CiRole {
  name: string;
  mode: RoleMode;
  subjects: string[];
  /** Stack whose resources the role manages; the read-only roles cover every stack. */
  stacks: string[];
}

/**
 * The roles the workflows use; no role is trusted by a pull-request run. Deploy roles are per stack and
 * trusted only by jobs running in that stack's GitHub environment (whose deployment-branch rule admits
 * only `main`), so a dev deploy can never touch prod. Preview and drift roles are per stack too, trusted
 * only by the `<stack>-preview` and `<stack>-drift` environments (main only): the reviewed diff shown
 * before prod is approved, and the nightly refresh.
 */
export function ciRoles(project: string, stacks: readonly string[]): CiRole[] {
  for (const s of stacks) {
    const problem = stackNameProblem(s);
    if (problem) throw new Error(`ciRoles: stack ${JSON.stringify(s)} ${problem}`);
  }
  return [
    ...stacks.map((s) => ({
      name: `${project}-deploy-${s}`,
      mode: "deploy" as const,
      subjects: [`environment:${s}`],
      stacks: [s],
    })),
    ...stacks.map((s) => ({
      name: `${project}-preview-${s}`,
      mode: "preview" as const,
      subjects: [`environment:${s}-preview`],
      stacks: [s],
    })),
    ...stacks.map((s) => ({
      name: `${project}-drift-${s}`,
      mode: "drift" as const,
      subjects: [`environment:${s}-drift`],
      stacks: [s],
    })),
  ];
}
