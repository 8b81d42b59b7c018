/**
 * The bootstrap without Pulumi: writes each CI role's trust and permission policy as JSON for
 * `aws iam create-role` / `put-role-policy` (docs/pipelines/bootstrap.md), e.g.
 *   npx tsx bootstrap/render.ts --repo owner/name --account 111122223333 --region us-east-1 \
 *     --plan dev=bootstrap/plans/dev.json --plan prod=bootstrap/plans/prod.json --out bootstrap/out
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { bootstrapDocuments, resourcesFromPlanJson, typesFromPlanJson } from "./documents";

function main(): void {
  const { values } = parseArgs({
    options: {
      repo: { type: "string" },
      account: { type: "string" },
      region: { type: "string" },
      project: { type: "string", default: "openclaw" },
      plan: { type: "string", multiple: true },
      out: { type: "string", default: "bootstrap/out" },
      "state-bucket": { type: "string" },
      "secrets-key-arn": { type: "string" },
    },
  });
  for (const k of ["repo", "account", "region"] as const) {
    if (!values[k]) throw new Error(`render: --${k} is required`);
  }
  const stacks = (values.plan ?? []).map((p) => {
    const [name, file] = p.split("=");
    if (!name || !file) throw new Error(`render: --plan ${p} is invalid: use --plan <stack>=<plan.json>`);
    const text = fs.readFileSync(file, "utf8");
    return { name, types: typesFromPlanJson(text), resources: resourcesFromPlanJson(text) };
  });
  if (stacks.length === 0) throw new Error("render: give at least one --plan <stack>=<plan.json>");
  const docs = bootstrapDocuments({
    project: values.project!,
    repo: values.repo!,
    accountId: values.account!,
    region: values.region!,
    stacks,
    stateBackend: values["state-bucket"] ? { bucket: values["state-bucket"] } : undefined,
    secretsKeyArn: values["secrets-key-arn"],
  });
  fs.mkdirSync(values.out!, { recursive: true });
  for (const b of docs.boundaries) {
    const file = path.join(values.out!, `${b.name}.boundary.json`);
    fs.writeFileSync(file, `${JSON.stringify(b.policy, null, 2)}\n`);
    console.log(`wrote ${file} (create it first: aws iam create-policy --policy-name ${b.name})`);
  }
  for (const d of docs.roles) {
    for (const [kind, doc] of [
      ["trust", d.trust],
      ["policy", d.policy],
    ] as const) {
      const file = path.join(values.out!, `${d.role.name}.${kind}.json`);
      fs.writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
      console.log(`wrote ${file}`);
    }
  }
}

main();
