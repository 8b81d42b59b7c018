/**
 * Offline validation of the GitOps manifests: the operator's `Stack` against its CRD schema
 * (`stack.schema.json`), checked the way the API server would with `kubectl apply --validate=strict`:
 * unknown fields are errors, not silently pruned. No cluster is needed.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import Ajv, { type ErrorObject, type ValidateFunction } from "ajv";
import { parseAllDocuments } from "yaml";

/** The fields of a `pulumi.com/v1` Stack this repository relies on (the schema checks the rest). */
export interface PulumiStackResource {
  apiVersion: "pulumi.com/v1";
  kind: "Stack";
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec: {
    stack: string;
    projectRepo?: string;
    branch?: string;
    commit?: string;
    destroyOnFinalize?: boolean;
    envRefs?: Record<string, { type: string; secret?: { name: string; key: string }; literal?: { value: string } }>;
    [k: string]: unknown;
  };
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [k: string]: unknown };
  [k: string]: unknown;
}

export function loadManifests(text: string): KubeObject[] {
  return parseAllDocuments(text)
    .map((d) => {
      if (d.errors.length > 0) throw new Error(`gitops: YAML error: ${d.errors[0].message}`);
      return d.toJS() as KubeObject | null;
    })
    .filter((d): d is KubeObject => d !== null);
}

/**
 * Structural schemas leave `additionalProperties` open because the API server prunes unknown fields
 * instead of rejecting them; a misspelt `destroyOnFinalise` would then vanish silently. Close every
 * object that lists its properties, except where the CRD preserves unknown fields on purpose (`config`).
 */
export function closeObjects(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closeObjects);
  if (!schema || typeof schema !== "object") return schema;
  const s = Object.fromEntries(Object.entries(schema as Record<string, unknown>).map(([k, v]) => [k, closeObjects(v)]));
  if (s.properties && s.additionalProperties === undefined && !s["x-kubernetes-preserve-unknown-fields"]) {
    s.additionalProperties = false;
  }
  return s;
}

let compiled: ValidateFunction | undefined;
function validator(): ValidateFunction {
  if (compiled) return compiled;
  const raw = JSON.parse(fs.readFileSync(path.join(__dirname, "stack.schema.json"), "utf8"));
  // The schema's `metadata` is a bare object; the API server checks it itself, so do the same here.
  const closed = closeObjects(raw) as Record<string, any>;
  closed.properties.metadata = {
    type: "object",
    required: ["name"],
    properties: {
      // DNS-1123 subdomain, as for every object name.
      name: {
        type: "string",
        pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$",
        maxLength: 253,
      },
      namespace: { type: "string", pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", maxLength: 63 },
      labels: { type: "object", additionalProperties: { type: "string" } },
      annotations: { type: "object", additionalProperties: { type: "string" } },
    },
    additionalProperties: false,
  };
  closed.required = ["apiVersion", "kind", "metadata", "spec"];
  // `x-kubernetes-*` are Kubernetes vendor keywords ajv does not know: not strict about keywords.
  const ajv = new Ajv({ allErrors: true, strict: false });
  ajv.addFormat("int32", {
    type: "number",
    validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31,
  });
  ajv.addFormat("int64", { type: "number", validate: (n: number) => Number.isInteger(n) });
  ajv.addFormat("date-time", /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/);
  compiled = ajv.compile(closed);
  return compiled;
}

/** The CRD's CEL rules (`x-kubernetes-validations`), which ajv cannot run, as code. */
export const CEL_RULES: Record<string, (o: KubeObject) => boolean> = {
  "size(self.metadata.name) <= 42": (o) => typeof o.metadata?.name === "string" && o.metadata.name.length <= 42,
};

const fmt = (e: ErrorObject) =>
  `${e.instancePath || "/"} ${e.message}${e.keyword === "additionalProperties" ? `: ${(e.params as { additionalProperty: string }).additionalProperty}` : ""}`;

/** Every problem with a Stack manifest; empty when the API server would accept it. */
export function validateStack(obj: unknown): string[] {
  const v = validator();
  const errors: string[] = [];
  const o = obj as KubeObject;
  if (o?.apiVersion !== "pulumi.com/v1" || o?.kind !== "Stack") {
    errors.push(`apiVersion/kind is ${o?.apiVersion}/${o?.kind}: expected pulumi.com/v1/Stack`);
  }
  if (!v(obj)) errors.push(...(v.errors ?? []).map(fmt));
  const raw = JSON.parse(fs.readFileSync(path.join(__dirname, "stack.schema.json"), "utf8"));
  for (const { rule, message } of raw["x-kubernetes-validations"] ?? []) {
    const check = CEL_RULES[rule];
    if (!check) errors.push(`schema rule not implemented offline: ${rule}`);
    else if (errors.length === 0 && !check(o)) errors.push(message);
  }
  return errors;
}

export function isValidStack(obj: unknown): obj is PulumiStackResource {
  return validateStack(obj).length === 0;
}
