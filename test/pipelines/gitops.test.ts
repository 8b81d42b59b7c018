// The GitOps manifest is checked offline as the API server would check it (CRD schema of the operator,
// unknown fields rejected, the CRD's CEL rule), the RBAC/ServiceAccount objects with kubernetes-models,
// and everything through the project's policy pack.
import * as fs from "node:fs";
import * as path from "node:path";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import { ClusterRole } from "kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole";
import { ClusterRoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding";
import { describe, expect, it } from "vitest";
import {
  CEL_RULES,
  type KubeObject,
  closeObjects,
  isValidStack,
  loadManifests,
  validateStack,
} from "../../gitops/validate";

const ROOT = path.resolve(__dirname, "../..");
const docs = loadManifests(fs.readFileSync(path.join(ROOT, "gitops/stack.yaml"), "utf8"));
const stack = docs.find((d) => d.kind === "Stack")!;
const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x));

describe("gitops/stack.yaml: the operator Stack", () => {
  it("validates against the operator's CRD schema", () => {
    expect(validateStack(stack)).toEqual([]);
    expect(isValidStack(stack)).toBe(true);
  });

  it("tracks main of this project, keeps resources on delete, takes the token from a Secret", () => {
    if (!isValidStack(stack)) throw new Error("invalid");
    expect(stack.spec.branch).toBe("main");
    expect(stack.spec.commit).toBeUndefined();
    expect(stack.spec.projectRepo).toMatch(/^https:\/\/github\.com\//);
    expect(stack.spec.destroyOnFinalize).toBe(false);
    expect(stack.spec.envRefs?.PULUMI_ACCESS_TOKEN).toEqual({
      type: "Secret",
      secret: { name: "pulumi-api-token", key: "accessToken" },
    });
    // No credential literal anywhere in the manifest.
    for (const ref of Object.values(stack.spec.envRefs ?? {})) expect(ref.type).not.toBe("Literal");
  });

  it("names a stack of this project that has a stack file, or the k8s stack that is still to come", () => {
    if (!isValidStack(stack)) throw new Error("invalid");
    const name = stack.spec.stack.split("/").pop()!;
    const stackFiles = fs
      .readdirSync(ROOT)
      .filter((f) => /^Pulumi\..+\.yaml$/.test(f))
      .map((f) => f.slice(7, -5));
    expect([...stackFiles, "k8s"]).toContain(name);
  });

  it.each([
    [
      "misspelt field",
      (s: any) => {
        s.spec.destroyOnFinalise = false;
      },
      /destroyOnFinalise/,
    ],
    [
      "wrong type",
      (s: any) => {
        s.spec.resyncFrequencySeconds = "hourly";
      },
      /resyncFrequencySeconds must be integer/,
    ],
    [
      "missing stack",
      (s: any) => {
        delete s.spec.stack;
      },
      /must have required property 'stack'/,
    ],
    [
      "unknown envRef field",
      (s: any) => {
        s.spec.envRefs.PULUMI_ACCESS_TOKEN.secret.keyy = "x";
      },
      /keyy/,
    ],
    [
      "bad reclaim policy",
      (s: any) => {
        s.spec.workspaceReclaimPolicy = "Keep";
      },
      /must be equal to one of the allowed values/,
    ],
    [
      "name over 42 chars (CEL rule)",
      (s: any) => {
        s.metadata.name = "o".repeat(43);
      },
      /no more than 42 characters/,
    ],
    [
      "name not DNS-1123",
      (s: any) => {
        s.metadata.name = "OpenClaw_K8s";
      },
      /metadata\/name must match pattern/,
    ],
    [
      "wrong kind",
      (s: any) => {
        s.kind = "Stacks";
      },
      /expected pulumi.com\/v1\/Stack/,
    ],
  ])("rejects a %s", (_why, mutate, message) => {
    const bad = clone(stack);
    mutate(bad);
    expect(validateStack(bad).join("\n")).toMatch(message);
  });

  it("keeps open only what the CRD preserves on purpose (inline config)", () => {
    const ok = clone(stack) as any;
    ok.spec.config = { "openclaw:replicas": 2, "openclaw:ingress": { mode: "tailscale" } };
    expect(validateStack(ok)).toEqual([]);
    expect(closeObjects({ type: "object", properties: { a: {} } })).toEqual({
      type: "object",
      properties: { a: {} },
      additionalProperties: false,
    });
    expect(
      closeObjects({ type: "object", properties: { a: {} }, "x-kubernetes-preserve-unknown-fields": true }),
    ).not.toHaveProperty("additionalProperties");
  });

  it("implements every CEL rule the schema carries", () => {
    const schema = JSON.parse(fs.readFileSync(path.join(ROOT, "gitops/stack.schema.json"), "utf8"));
    const rules: string[] = [];
    const walk = (o: unknown) => {
      if (!o || typeof o !== "object") return;
      for (const [k, v] of Object.entries(o)) {
        if (k === "x-kubernetes-validations") rules.push(...(v as { rule: string }[]).map((r) => r.rule));
        else walk(v);
      }
    };
    walk(schema);
    expect(rules.length).toBeGreaterThan(0);
    for (const r of rules) expect(Object.keys(CEL_RULES)).toContain(r);
    expect(schema.$comment).toMatch(/pulumi-kubernetes-operator v2\.9\.0/);
  });
});

describe("gitops/stack.yaml: the supporting objects", () => {
  const models: Record<string, new (o: any) => { validate(): void }> = {
    ServiceAccount,
    ClusterRole,
    ClusterRoleBinding,
  };
  it("every other document is a valid Kubernetes object", () => {
    const others = docs.filter((d) => d.kind !== "Stack");
    expect(others.map((d) => d.kind).sort()).toEqual([
      "ClusterRole",
      "ClusterRoleBinding",
      "ClusterRoleBinding",
      "ServiceAccount",
    ]);
    for (const d of others) expect(() => new models[d.kind](d).validate()).not.toThrow();
  });

  it("the deployer role grants no wildcard, no RBAC escalation, no exec", () => {
    const role = docs.find((d) => d.kind === "ClusterRole") as any;
    for (const rule of role.rules) {
      expect([...rule.apiGroups, ...rule.resources, ...rule.verbs]).not.toContain("*");
      expect(rule.apiGroups).not.toContain("rbac.authorization.k8s.io");
      expect(rule.resources).not.toContain("pods/exec");
      expect(rule.verbs).not.toEqual(expect.arrayContaining(["escalate"]));
    }
  });

  it("bindings name the Stack's service account", () => {
    if (!isValidStack(stack)) throw new Error("invalid");
    for (const b of docs.filter((d) => d.kind === "ClusterRoleBinding") as any[]) {
      expect(b.subjects).toEqual([
        { kind: "ServiceAccount", name: stack.spec.serviceAccountName, namespace: stack.metadata.namespace },
      ]);
    }
  });
});

describe("gitops/stack.yaml through the policy pack", () => {
  const evaluatePath = path.join(ROOT, "policies/lib/evaluate.ts");
  const typeOf = (d: KubeObject) => {
    const [group, version] = d.apiVersion.includes("/") ? d.apiVersion.split("/") : ["core", d.apiVersion];
    return `kubernetes:${group}/${version}:${d.kind}`;
  };

  it("has no mandatory violation", async () => {
    expect(fs.existsSync(evaluatePath)).toBe(true);
    const { evaluatePolicies } = await import(evaluatePath);
    const resources = docs.map((d) => ({
      type: typeOf(d),
      name: d.metadata.name,
      urn: `urn:pulumi:gitops::openclaw::${typeOf(d)}::${d.metadata.name}`,
      props: clone(d),
    }));
    expect(resources.map((r) => r.type)).toContain("kubernetes:pulumi.com/v1:Stack");
    const violations: { level: string; policy: string; message: string }[] = await evaluatePolicies(resources);
    expect(violations.filter((v) => v.level === "mandatory")).toEqual([]);

    // Canary: the same path, with the same type-token convention, does see Kubernetes objects.
    const exposed = {
      type: "kubernetes:core/v1:Service",
      name: "gateway",
      urn: "urn:pulumi:gitops::openclaw::kubernetes:core/v1:Service::gateway",
      props: {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: "gateway" },
        spec: { type: "LoadBalancer", ports: [{ port: 18789 }] },
      },
    };
    const canary: { level: string; policy: string }[] = await evaluatePolicies([...resources, exposed]);
    expect(canary.filter((v) => v.level === "mandatory").map((v) => v.policy)).toContain("k8s-service-not-exposed");
  });
});
