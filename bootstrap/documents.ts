/**
 * Everything the once-per-account bootstrap creates, as plain data: for each CI role its trust policy
 * and permission policy. Shared by the Pulumi program (`index.ts`) and the JSON renderer (`render.ts`),
 * so the console/CLI path and the Pulumi path cannot drift apart.
 */
import { boundaryPolicyArn, boundaryPolicyName } from "../components/config/sections/iam";
import { boundaryPolicy } from "./boundary";
import { type CiRole, type PolicyDocument, ciRoles, deployRolePolicy, githubTrustPolicy } from "./deploy-role-policy";

export interface BootstrapInput {
  /** Pulumi project name; role and resource names start with it. */
  project: string;
  /** `owner/name` of the GitHub repository. */
  repo: string;
  accountId: string;
  region: string;
  /**
   * Each stack with the resource types its plan registers (`npm run plan -- --stack X --json`) and, from
   * the same plan, its resources: the boundary name the roles carry and which role goes to which service.
   */
  stacks: { name: string; types: string[]; resources?: PlannedResource[] }[];
  /** Tag key the program puts on every resource, value = stack name. @default "openclaw:stack" */
  tagKey?: string;
  stateBackend?: { bucket: string; prefix?: string };
  secretsKeyArn?: string;
  /** @default "aws" */
  partition?: string;
}

/** One resource of the offline plan's JSON, as far as the bootstrap reads it. */
export interface PlannedResource {
  type: string;
  name: string;
  inputs?: Record<string, unknown>;
}

/** One stack's boundary: the policy the bootstrap creates and every role of the stack carries. */
export interface StackBoundary {
  stack: string;
  name: string;
  arn: string;
  policy: PolicyDocument;
}

export interface RoleDocuments {
  role: CiRole;
  trust: PolicyDocument;
  policy: PolicyDocument;
}

export interface BootstrapDocuments {
  boundaries: StackBoundary[];
  roles: RoleDocuments[];
}

/** Resources out of the offline plan's JSON. */
export function resourcesFromPlanJson(text: string): PlannedResource[] {
  const plan = JSON.parse(text) as { resources?: PlannedResource[] };
  if (!Array.isArray(plan.resources))
    throw new Error("plan JSON has no resources[]: produce it with `npm run plan -- --stack <name> --json`");
  return plan.resources;
}

const lastSegment = (v: unknown) => (typeof v === "string" ? (v.split("/").pop() ?? v) : undefined);

/**
 * The boundary policy name the plan's roles carry: one name for every role of the stack. The plan runs
 * with a mock account, so only the name is taken; the ARN is rebuilt with the real account.
 */
export function boundaryNameFromPlan(stack: string, project: string, resources: readonly PlannedResource[]): string {
  const roles = resources.filter((r) => r.type === "aws:iam/role:Role");
  const names = new Set(roles.map((r) => lastSegment(r.inputs?.permissionsBoundary) ?? "(none)"));
  if (names.size > 1 || names.has("(none)")) {
    throw new Error(
      `bootstrap: the roles of stack ${stack} carry permissions boundaries ${[...names].join(", ")}: every role must carry the one boundary (openclaw:iam.permissionsBoundary)`,
    );
  }
  return [...names][0] ?? boundaryPolicyName(project, stack);
}

/**
 * Which role the stack hands to which service, as role-name patterns: the plan records resolved names
 * (the mock runtime names an auto-named role `<logical>-role`), a real deploy appends a random suffix.
 */
export function passRolesFromPlan(resources: readonly PlannedResource[]): Record<string, string[]> {
  const roles = resources.filter((r) => r.type === "aws:iam/role:Role");
  const pattern = (ref: unknown): string => {
    const ident = lastSegment(ref);
    const role = roles.find((r) => ident !== undefined && [r.inputs?.name, `${r.name}-role`].includes(ident));
    if (!role) throw new Error(`bootstrap: plan hands role ${String(ref)} to a service, but the plan has no such role`);
    return typeof role.inputs?.name === "string" ? role.inputs.name : `${role.name}-*`;
  };
  const out: Record<string, Set<string>> = {};
  const add = (svc: string, ref: unknown) => {
    out[svc] = (out[svc] ?? new Set<string>()).add(pattern(ref));
  };
  for (const r of resources) {
    if (r.type === "aws:iam/instanceProfile:InstanceProfile") add("ec2.amazonaws.com", r.inputs?.role);
    if (r.type === "aws:lambda/function:Function") add("lambda.amazonaws.com", r.inputs?.role);
    if (r.type === "aws:ec2/flowLog:FlowLog") add("vpc-flow-logs.amazonaws.com", r.inputs?.iamRoleArn);
  }
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, [...v].sort()]));
}

/** Resource types out of the offline plan's JSON (`{"resources":[{"type":...}]}`). */
export function typesFromPlanJson(text: string): string[] {
  const plan = JSON.parse(text) as { resources?: { type?: unknown }[] };
  if (!Array.isArray(plan.resources))
    throw new Error("plan JSON has no resources[]: produce it with `npm run plan -- --stack <name> --json`");
  return [...new Set(plan.resources.map((r) => r.type).filter((t): t is string => typeof t === "string"))].sort();
}

export function bootstrapDocuments(input: BootstrapInput): BootstrapDocuments {
  const tagKey = input.tagKey ?? "openclaw:stack";
  const partition = input.partition ?? "aws";
  const byName = new Map(input.stacks.map((s) => [s.name, s]));
  const boundaries: StackBoundary[] = input.stacks.map((s) => {
    const name = s.resources
      ? boundaryNameFromPlan(s.name, input.project, s.resources)
      : boundaryPolicyName(input.project, s.name);
    return {
      stack: s.name,
      name,
      arn: boundaryPolicyArn(partition, input.accountId, name),
      policy: boundaryPolicy({
        partition,
        region: input.region,
        accountId: input.accountId,
        project: input.project,
        stack: s.name,
        tagKey,
      }),
    };
  });
  const roles = ciRoles(
    input.project,
    input.stacks.map((s) => s.name),
  ).map((role) => {
    const types = [...new Set(role.stacks.flatMap((s) => byName.get(s)?.types ?? []))];
    const one = role.stacks.length === 1 ? byName.get(role.stacks[0]) : undefined;
    // A per-stack role only reaches names `<project>-<stack>-...`; the shared read role reaches `<project>-...`.
    const namePrefix = one ? `${input.project}-${one.name}-` : `${input.project}-`;
    const policy = deployRolePolicy(types, {
      accountId: input.accountId,
      region: input.region,
      partition,
      namePrefix,
      pathPrefix: one ? `${input.project}/${one.name}/` : `${input.project}/`,
      tag: { key: tagKey, value: role.stacks.length === 1 ? role.stacks[0] : role.stacks },
      mode: role.mode,
      stateBackend: input.stateBackend,
      stateStacks: { project: input.project, stacks: role.stacks },
      secretsKeyArn: input.secretsKeyArn,
      permissionsBoundaryArn: one ? boundaries.find((b) => b.stack === one.name)?.arn : undefined,
      passRoles: one?.resources && role.mode === "deploy" ? passRolesFromPlan(one.resources) : undefined,
    });
    return {
      role,
      trust: githubTrustPolicy({ accountId: input.accountId, repo: input.repo, subjects: role.subjects, partition }),
      policy,
    };
  });
  return { boundaries, roles };
}
