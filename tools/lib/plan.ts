/**
 * The offline plan: runs the program for a stack in-process under Pulumi's mock runtime (no CLI, no plugins,
 * no credentials), records every resource with its inputs, evaluates every policy of the pack, and resolves
 * the rendered artifacts. `npm run plan` and the whole-stack tests use this one function.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { rawFromYaml, resolveConfig, type RawStackConfig } from "../../components/config/load";
import { ConfigValidationError } from "../../components/config/schema";
import { estimateMonthlyCost, type CostEstimate } from "../../components/cost/estimate";
import { evaluatePolicies, type PolicyResourceInput, type Violation } from "../../policies/lib/evaluate";
import { program } from "../../stacks/program";
import { mocks } from "./mocks";
import { resolveInput, SECRET } from "./resolve";

export const PROJECT = "openclaw";
export const ROOT = path.resolve(__dirname, "..", "..");

export interface PlanResource {
  urn: string;
  type: string;
  name: string;
  parent?: string;
  /** Inputs with every secret shown as "[secret]". */
  inputs: Record<string, unknown>;
}

export interface PlanOutput {
  name: string;
  secret: boolean;
  /** Redacted value. */
  value: unknown;
}

export interface PlanResult {
  stack: string;
  /** `openclaw:target`. */
  target: "vm" | "kubernetes" | "docker";
  resources: PlanResource[];
  violations: Violation[];
  outputs: PlanOutput[];
  artifacts: Record<string, string>;
  /** Monthly cost estimate from components/cost (price table + assumptions). */
  cost: CostEstimate;
  /** The resources exactly as the policy pack evaluated them (plain inputs, URNs, property dependencies). */
  policyInputs: PolicyResourceInput[];
}

export interface PlanOptions {
  stack: string;
  /** Stack file to read instead of Pulumi.<stack>.yaml. */
  configFile?: string;
  /** Replace config values, keyed as `pulumi config --path` spells them: "openclaw:image", "openclaw:network.egress". */
  overrides?: Record<string, unknown>;
  /** Policy pack configuration (as `--policy-pack-config`). @default policies/config/<stack>.json when it exists */
  policyConfig?: Record<string, unknown>;
}

/** The stack's reviewed policy exceptions, the file `pulumi preview --policy-pack-config` gets too. */
export function stackPolicyConfig(stack: string): Record<string, unknown> | undefined {
  const file = path.join(ROOT, "policies", "config", `${stack}.json`);
  return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : undefined;
}

export function stackFiles(opts: Pick<PlanOptions, "stack" | "configFile">): string[] {
  const stackFile = opts.configFile ?? path.join(ROOT, `Pulumi.${opts.stack}.yaml`);
  if (!fs.existsSync(stackFile)) {
    throw new ConfigValidationError(opts.stack, [
      {
        key: "--stack",
        value: JSON.stringify(opts.stack),
        message: `has no stack file ${path.relative(process.cwd(), stackFile) || stackFile}; create it or pass --config <file>`,
      },
    ]);
  }
  return [path.join(ROOT, "Pulumi.yaml"), stackFile];
}

export function applyOverrides(raw: RawStackConfig, overrides: Record<string, unknown> = {}): RawStackConfig {
  const values = structuredClone(raw.values);
  for (const [fullKey, value] of Object.entries(overrides)) {
    const [ns, keyPath] = fullKey.split(/:(.*)/s);
    if (ns !== "openclaw" || !keyPath) throw new Error(`override ${fullKey} must look like openclaw:<key>[.<sub>]`);
    const parts = keyPath.split(".");
    let node = values as Record<string, unknown>;
    for (const p of parts.slice(0, -1)) {
      if (!node[p] || typeof node[p] !== "object") node[p] = {};
      node = node[p] as Record<string, unknown>;
    }
    const leaf = parts[parts.length - 1]!;
    if (value === undefined) delete node[leaf];
    else node[leaf] = value;
  }
  return { ...raw, values };
}

interface Recorded {
  resource: pulumi.Resource;
  type: string;
  name: string;
  props: Record<string, unknown>;
  parent?: pulumi.Resource;
  custom: boolean;
}

/** Throws ConfigValidationError (exit 2 in the CLI) before any resource is registered. */
export async function runPlan(opts: PlanOptions): Promise<PlanResult> {
  const raw = applyOverrides(rawFromYaml(stackFiles(opts)), opts.overrides);
  const loaded = resolveConfig(opts.stack, raw);

  await pulumi.runtime.setMocks(mocks(loaded.region), PROJECT, opts.stack, false);
  const recorded: Recorded[] = [];
  let result: ReturnType<typeof program> | undefined;
  await pulumi.runtime.runInPulumiStack(async () => {
    pulumi.runtime.registerStackTransformation((args) => {
      recorded.push({
        resource: args.resource,
        type: args.type,
        name: args.name,
        props: args.props as Record<string, unknown>,
        parent: args.opts.parent,
        custom: args.resource instanceof pulumi.CustomResource,
      });
      return undefined;
    });
    result = program(loaded.config, {
      stack: opts.stack,
      project: PROJECT,
      region: loaded.region,
      secrets: loaded.secrets,
    });
    return result.outputs;
  });
  // Let every registration (and registerOutputs) reach this mock monitor before the next run replaces it.
  await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
  if (!result) throw new Error("the program returned nothing");

  // URNs as the engine builds them: the parent chain of types (the stack excluded), then the name.
  const urns = new Map<pulumi.Resource, string>();
  const typeChain = new Map<pulumi.Resource, string>();
  for (const r of recorded) {
    const parentChain = r.parent ? typeChain.get(r.parent) : undefined;
    const chain = parentChain ? `${parentChain}$${r.type}` : r.type;
    typeChain.set(r.resource, chain);
    urns.set(r.resource, `urn:pulumi:${opts.stack}::${PROJECT}::${chain}::${r.name}`);
  }
  const resources: PlanResource[] = [];
  const policyInputs: PolicyResourceInput[] = [];
  for (const r of recorded) {
    const urn = urns.get(r.resource)!;
    const parentUrn = r.parent ? urns.get(r.parent) : undefined;
    const props = await resolveInput(r.props);
    const dependencies: Record<string, string[]> = {};
    for (const [k, v] of Object.entries(r.props ?? {})) {
      const deps = [...(await resolveInput(v)).dependencies].map((d) => urns.get(d)).filter((u): u is string => !!u);
      if (deps.length) dependencies[k] = [...new Set(deps)];
    }
    resources.push({
      urn,
      type: r.type,
      name: r.name,
      ...(parentUrn ? { parent: parentUrn } : {}),
      inputs: props.redacted as Record<string, unknown>,
    });
    if (r.custom)
      policyInputs.push({
        type: r.type,
        name: r.name,
        urn,
        props: props.plain as Record<string, unknown>,
        dependencies,
      });
  }

  const outputs: PlanOutput[] = [];
  for (const [name, value] of Object.entries(result.outputs)) {
    const r = await resolveInput(value);
    outputs.push({ name, secret: r.redacted === SECRET, value: r.redacted });
  }
  const violations = await evaluatePolicies(policyInputs, {
    config: (opts.policyConfig ?? stackPolicyConfig(opts.stack)) as Parameters<
      typeof evaluatePolicies
    >[1] extends infer O
      ? O extends { config?: infer C }
        ? C
        : never
      : never,
    outputs: await Promise.all(
      outputs.map(async (o) => ({
        name: o.name,
        secret: o.secret,
        value: (await resolveInput(result!.outputs[o.name])).plain,
      })),
    ),
  });

  const artifacts = (await resolveInput(result.artifacts)).redacted as Record<string, string>;
  const cost = estimateMonthlyCost(resources);
  return {
    stack: opts.stack,
    target: loaded.config.target,
    resources,
    violations,
    outputs,
    artifacts,
    cost,
    policyInputs,
  };
}
