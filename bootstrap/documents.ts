/**
 * Everything the once-per-account bootstrap creates, as plain data: for each CI role its trust policy
 * and permission policy. Shared by the Pulumi program (`index.ts`) and the JSON renderer (`render.ts`),
 * so the console/CLI path and the Pulumi path cannot drift apart.
 */
import { type CiRole, type PolicyDocument, ciRoles, deployRolePolicy, githubTrustPolicy } from "./deploy-role-policy";

export interface BootstrapInput {
  /** Pulumi project name; role and resource names start with it. */
  project: string;
  /** `owner/name` of the GitHub repository. */
  repo: string;
  accountId: string;
  region: string;
  /** Each stack with the resource types its plan registers (`npm run plan -- --stack X --json`). */
  stacks: { name: string; types: string[] }[];
  /** Tag key the program puts on every resource, value = stack name. @default "openclaw:stack" */
  tagKey?: string;
  stateBackend?: { bucket: string; prefix?: string };
  secretsKeyArn?: string;
  permissionsBoundaryArn?: string;
}

export interface RoleDocuments {
  role: CiRole;
  trust: PolicyDocument;
  policy: PolicyDocument;
}

/** Resource types out of the offline plan's JSON (`{"resources":[{"type":...}]}`). */
export function typesFromPlanJson(text: string): string[] {
  const plan = JSON.parse(text) as { resources?: { type?: unknown }[] };
  if (!Array.isArray(plan.resources))
    throw new Error("plan JSON has no resources[]: produce it with `npm run plan -- --stack <name> --json`");
  return [...new Set(plan.resources.map((r) => r.type).filter((t): t is string => typeof t === "string"))].sort();
}

export function bootstrapDocuments(input: BootstrapInput): RoleDocuments[] {
  const tagKey = input.tagKey ?? "openclaw:stack";
  const byName = new Map(input.stacks.map((s) => [s.name, s.types]));
  return ciRoles(
    input.project,
    input.stacks.map((s) => s.name),
  ).map((role) => {
    const types = [...new Set(role.stacks.flatMap((s) => byName.get(s) ?? []))];
    // A per-stack role only reaches names `<project>-<stack>-...`; the shared read roles reach `<project>-...`.
    const namePrefix = role.stacks.length === 1 ? `${input.project}-${role.stacks[0]}-` : `${input.project}-`;
    const policy = deployRolePolicy(types, {
      accountId: input.accountId,
      region: input.region,
      namePrefix,
      tag: { key: tagKey, value: role.stacks.length === 1 ? role.stacks[0] : role.stacks },
      mode: role.mode,
      stateBackend: input.stateBackend,
      secretsKeyArn: input.secretsKeyArn,
      permissionsBoundaryArn: input.permissionsBoundaryArn,
    });
    return {
      role,
      trust: githubTrustPolicy({ accountId: input.accountId, repo: input.repo, subjects: role.subjects }),
      policy,
    };
  });
}
