/**
 * Once per AWS account: the GitHub OIDC identity provider and the CI roles (deploy per stack, preview,
 * drift). Run by an administrator from a laptop, never from CI: it creates the roles CI then assumes.
 * See docs/pipelines/bootstrap.md. The documents themselves come from `documents.ts` (pure, tested).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { GITHUB_OIDC_HOST } from "./deploy-role-policy";
import { bootstrapDocuments, resourcesFromPlanJson, typesFromPlanJson } from "./documents";

const cfg = new pulumi.Config();
const awsCfg = new pulumi.Config("aws");
const stacks = cfg.getObject<string[]>("stacks") ?? ["dev", "prod"];
const planDir = path.resolve(cfg.get("planDir") ?? "plans");

// The plan JSON of each stack is the source of the resource types, the boundary name its roles carry and
// the roles it hands to services: `npm run plan -- --stack X --json`.
function planOf(stack: string) {
  const file = path.join(planDir, `${stack}.json`);
  if (!fs.existsSync(file)) {
    throw new Error(
      `bootstrap: ${file} is missing: run \`npm run plan -- --stack ${stack} --json > bootstrap/plans/${stack}.json\` first`,
    );
  }
  const text = fs.readFileSync(file, "utf8");
  return { name: stack, types: typesFromPlanJson(text), resources: resourcesFromPlanJson(text) };
}

const docs = bootstrapDocuments({
  project: cfg.get("project") ?? "openclaw",
  repo: cfg.require("repo"),
  // Asked for explicitly (not looked up) so the policies are plain data and a wrong profile fails on
  // `aws:allowedAccountIds` instead of writing roles into the wrong account.
  accountId: cfg.require("accountId"),
  region: awsCfg.require("region"),
  stacks: stacks.map(planOf),
  tagKey: cfg.get("tagKey"),
  stateBackend: cfg.getObject<{ bucket: string; prefix?: string }>("stateBackend"),
  secretsKeyArn: cfg.get("secretsKeyArn"),
});

// GitHub's OIDC certificates chain to a public CA, so IAM no longer needs a thumbprint for this host.
const provider = new aws.iam.OpenIdConnectProvider("github-actions", {
  url: `https://${GITHUB_OIDC_HOST}`,
  clientIdLists: ["sts.amazonaws.com"],
  tags: { "openclaw:purpose": "ci" },
});

// One boundary per stack. Only an administrator (this program) writes it: every CI role is denied the
// policy-version actions, so no deploy can widen the ceiling its own roles live under.
const boundaries = docs.boundaries.map(
  (b) =>
    new aws.iam.Policy(`boundary-${b.stack}`, {
      name: b.name,
      description: `Ceiling of every IAM role of the ${b.stack} stack`,
      policy: JSON.stringify(b.policy),
      tags: { "openclaw:purpose": "ci", "openclaw:stack": b.stack },
    }),
);

const roles: Record<string, pulumi.Output<string>> = {};
for (const d of docs.roles) {
  const role = new aws.iam.Role(
    d.role.name,
    {
      name: d.role.name,
      assumeRolePolicy: JSON.stringify(d.trust),
      // One hour covers the slowest `pulumi up` of this stack; shorter-lived tokens leak less.
      maxSessionDuration: 3600,
      tags: { "openclaw:purpose": "ci", "openclaw:mode": d.role.mode },
    },
    { dependsOn: [provider, ...boundaries] },
  );
  new aws.iam.RolePolicy(
    `${d.role.name}-permissions`,
    { role: role.name, policy: JSON.stringify(d.policy) },
    { parent: role },
  );
  roles[d.role.name] = role.arn;
}

/** Paste into GitHub: repository variables AWS_PREVIEW_ROLE_ARN / AWS_DRIFT_ROLE_ARN, environment variable AWS_DEPLOY_ROLE_ARN. */
export const roleArns = roles;
export const oidcProviderArn = provider.arn;
