/**
 * Regenerates `stack.schema.json` from the operator's CRD, keeping only the storage version's
 * openAPIV3Schema without descriptions (the upstream file is 1.5 MB, mostly pod-template prose):
 *   git -C <pulumi-kubernetes-operator checkout> show v2.9.0:deploy/crds/pulumi.com_stacks.yaml > /tmp/crd.yaml
 *   npx tsx gitops/schema-from-crd.ts /tmp/crd.yaml v2.9.0 > gitops/stack.schema.json
 */
import * as fs from "node:fs";
import { parse } from "yaml";

function stripDescriptions(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripDescriptions);
  if (v && typeof v === "object") {
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>)
        .filter(([k]) => k !== "description")
        .map(([k, x]) => [k, stripDescriptions(x)]),
    );
  }
  return v;
}

function main(): void {
  const [file, version] = process.argv.slice(2);
  if (!file || !version) throw new Error("usage: schema-from-crd.ts <pulumi.com_stacks.yaml> <operator version>");
  const crd = parse(fs.readFileSync(file, "utf8"));
  const v = crd.spec.versions.find((x: { storage?: boolean }) => x.storage);
  const schema = {
    $comment: `openAPIV3Schema of CRD stacks.pulumi.com ${v.name}, storage version, from github.com/pulumi/pulumi-kubernetes-operator ${version} deploy/crds/pulumi.com_stacks.yaml (descriptions removed). Regenerate with gitops/schema-from-crd.ts.`,
    ...(stripDescriptions(v.schema.openAPIV3Schema) as object),
  };
  process.stdout.write(`${JSON.stringify(schema, null, 1)}\n`);
}

main();
