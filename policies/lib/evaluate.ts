// The one evaluation path shared by `npm run policy` and the offline plan: it calls every policy's
// validateResource / validateStack with the argument shapes @pulumi/policy's analyzer server builds
// (node_modules/@pulumi/policy/server.js, makeAnalyzeRpcFun / makeAnalyzeStackRpcFun), including the
// unknown-value proxy, so a policy that passes here passes under `pulumi preview --policy-pack`.
import type {
  PolicyResource,
  PolicyResourceOptions,
  ReportViolation,
  ResourceValidation,
  ResourceValidationArgs,
  StackValidationArgs,
} from "@pulumi/policy";
import { allPolicies } from "../all";
import { knownIds } from "./link";
import type { PackPolicy, StackOutput } from "./types";

// The proxy helpers are exported at runtime but marked @internal, so they have no typings.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const proxy: {
  unknownCheckingProxy<T>(v: T): T;
  UnknownValueError: new (...a: any[]) => Error;
} = require("@pulumi/policy/proxy");

export interface PolicyResourceInput {
  type: string;
  name: string;
  urn?: string;
  id?: string;
  props: Record<string, any>;
  dependencies?: Record<string, string[]>;
}
export interface Violation {
  policy: string;
  level: "mandatory" | "advisory";
  urn: string;
  message: string;
}
export type PolicyLevelConfig = {
  enforcementLevel?: "mandatory" | "advisory" | "disabled";
  reason?: string;
  [k: string]: unknown;
};
export interface EvaluateOptions {
  config?: Record<string, PolicyLevelConfig>;
  /**
   * Informational. As in the engine, unknown values are recognised by their sentinels (see UNKNOWN)
   * whatever this says; a policy that reads one is reported as an advisory "could not be checked at
   * preview" violation, never as a pass and never as a crash.
   */
  preview?: boolean;
  outputs?: StackOutput[];
}

/** Sentinels the engine uses for values unknown at preview; put one in props to simulate that. */
export const UNKNOWN = {
  string: "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
  number: "3eeb2bf0-c639-47a8-9e75-3b44932eb421",
  boolean: "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",
  array: "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",
  object: "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",
} as const;

/**
 * Thrown by `args.notApplicable()`, which validateResourceOfType calls for every resource of another type:
 * not an Error, because capturing a stack trace (with source maps) thousands of times per stack dominated
 * the evaluation time.
 */
class NotApplicableError {
  constructor(readonly reason?: string) {}
}
const throwNotApplicable = (reason?: string): never => {
  throw new NotApplicableError(reason);
};

/**
 * Mirrors deserializeProperties: properties whose value is undefined do not exist for a policy.
 * Plain objects and arrays are copied; anything else (assets, archives, promises) is kept by
 * reference because copying an archive would resolve or lose its promises.
 */
export function engineProps(v: any): any {
  if (Array.isArray(v)) return v.filter((e) => e !== undefined).map(engineProps);
  if (v !== null && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) {
    const out: Record<string, any> = {};
    for (const k of Object.keys(v)) if (v[k] !== undefined) out[k] = engineProps(v[k]);
    return out;
  }
  return v;
}

const stackUrn = (resources: PolicyResourceInput[]) =>
  resources.find((r) => r.type === "pulumi:pulumi:Stack")?.urn ?? "urn:pulumi:stack";

function urnOf(r: PolicyResourceInput): string {
  return r.urn ?? `urn:pulumi:stack::openclaw::${r.type}::${r.name}`;
}

/** Validates pack config early: unknown policy names and weakening a mandatory rule without a reason. */
export function checkConfig(policies: PackPolicy[], config: EvaluateOptions["config"] = {}): void {
  for (const [name, c] of Object.entries(config)) {
    const p = policies.find((x) => x.name === name);
    if (!p) throw new Error(`policy config names unknown policy "${name}": use one of the names in policies/README.md`);
    const level = c?.enforcementLevel;
    if (level !== undefined && !["mandatory", "advisory", "disabled"].includes(level)) {
      throw new Error(
        `policy config ${name}.enforcementLevel is "${String(level)}": use mandatory, advisory or disabled`,
      );
    }
    const weakened = p.enforcementLevel === "mandatory" && (level === "advisory" || level === "disabled");
    if (weakened && (typeof c.reason !== "string" || c.reason.trim() === "")) {
      throw new Error(
        `policy config ${name}.enforcementLevel is "${level}" without a reason: add ${name}.reason saying why this stack may weaken it`,
      );
    }
  }
}

function levelOf(p: PackPolicy, config: EvaluateOptions["config"]): "mandatory" | "advisory" | "disabled" {
  const l = config?.[p.name]?.enforcementLevel ?? p.enforcementLevel ?? "advisory";
  // "remediate" is reported as mandatory by the engine when a violation remains.
  return l === "remediate" ? "mandatory" : (l as "mandatory" | "advisory" | "disabled");
}

function getConfigFor(p: PackPolicy, config: EvaluateOptions["config"]) {
  return <T extends object>(): T => {
    const { enforcementLevel: _ignored, ...rest } = config?.[p.name] ?? {};
    return rest as T;
  };
}

const defaultOpts = (parent?: string): PolicyResourceOptions => ({
  protect: false,
  ignoreChanges: [],
  aliases: [],
  customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
  additionalSecretOutputs: [],
  ...(parent ? { parent } : {}),
});

function isTypeOf(type: string, resourceClass: any): boolean {
  const t = resourceClass?.__pulumiType;
  if (typeof t === "string" && t.length > 0) return t === type;
  return typeof resourceClass?.isInstance === "function" && resourceClass.isInstance({ __pulumiType: type }) === true;
}

export async function evaluatePolicies(
  resources: PolicyResourceInput[],
  options: EvaluateOptions = {},
): Promise<Violation[]> {
  return evaluateWith(allPolicies, resources, options);
}

/** Same as evaluatePolicies over a chosen list; tests use it to run one policy in isolation. */
export async function evaluateWith(
  policies: PackPolicy[],
  resources: PolicyResourceInput[],
  options: EvaluateOptions = {},
): Promise<Violation[]> {
  checkConfig(policies, options.config);
  const out: Violation[] = [];
  // Policies only read props; one engine-shaped copy per resource serves every policy (each still gets its
  // own unknown-checking proxy, as in the engine).
  const plain = new Map(resources.map((r) => [r, engineProps(r.props)]));
  const unknownMessage = (p: PackPolicy, e: Error) =>
    `could not be checked at preview: ${e.message}; policy '${p.name}' will run again when the value is known`;

  for (const p of policies) {
    const level = levelOf(p, options.config);
    if (level === "disabled") continue;
    const report =
      (urn: string): ReportViolation =>
      (message, u) =>
        out.push({ policy: p.name, level, urn: u ?? urn, message });

    if ("validateResource" in p && p.validateResource) {
      const validations: ResourceValidation[] = Array.isArray(p.validateResource)
        ? p.validateResource
        : [p.validateResource];
      const fastType = !Array.isArray(p.validateResource) ? (p.validateResource as any).__pulumiType : undefined;
      for (const r of resources) {
        if (fastType && fastType !== r.type) continue;
        const urn = urnOf(r);
        for (const validation of validations) {
          // A fresh proxy per call, as the engine deserialises per validation.
          const props = proxy.unknownCheckingProxy(plain.get(r));
          const args: ResourceValidationArgs = {
            type: r.type,
            props,
            urn,
            name: r.name,
            opts: defaultOpts(),
            stackTags: new Map(),
            isType: (cls: any) => isTypeOf(r.type, cls),
            asType: ((cls: any) => (isTypeOf(r.type, cls) ? props : undefined)) as any,
            getConfig: getConfigFor(p, options.config),
            notApplicable: throwNotApplicable,
          };
          try {
            await Promise.resolve(validation(args, report(urn)));
          } catch (e) {
            if (e instanceof NotApplicableError) continue;
            if (e instanceof proxy.UnknownValueError) {
              out.push({ policy: p.name, level: "advisory", urn, message: unknownMessage(p, e) });
              continue;
            }
            throw new Error(`policy '${p.name}' failed on ${urn}: ${(e as Error).message}`);
          }
        }
      }
    }

    if ("validateStack" in p && p.validateStack) {
      const fastType = (p.validateStack as any).__pulumiType;
      if (fastType && !resources.some((r) => r.type === fastType)) continue;
      const built = resources.map((r) => {
        const props = proxy.unknownCheckingProxy(plain.get(r));
        const res: PolicyResource = {
          type: r.type,
          props,
          urn: urnOf(r),
          name: r.name,
          opts: defaultOpts(),
          dependencies: [],
          propertyDependencies: {},
          isType: (cls: any) => isTypeOf(r.type, cls),
          asType: ((cls: any) => (isTypeOf(r.type, cls) ? props : undefined)) as any,
        };
        if (r.id) knownIds.set(res, r.id);
        return res;
      });
      const byUrn = new Map(built.map((b) => [b.urn, b]));
      resources.forEach((r, i) => {
        const deps = r.dependencies ?? {};
        const all = new Set<string>();
        for (const [k, urns] of Object.entries(deps)) {
          built[i].propertyDependencies[k] = urns.map((u) => byUrn.get(u)).filter((x): x is PolicyResource => !!x);
          for (const u of urns) all.add(u);
        }
        built[i].dependencies = [...all].map((u) => byUrn.get(u)).filter((x): x is PolicyResource => !!x);
      });
      const args: StackValidationArgs = {
        resources: built,
        stackTags: new Map(),
        getConfig: getConfigFor(p, options.config),
        notApplicable: throwNotApplicable,
      };
      const urn = stackUrn(resources);
      try {
        await Promise.resolve(p.validateStack(args, report(urn)));
      } catch (e) {
        if (e instanceof NotApplicableError) {
          // fall through to outputs
        } else if (e instanceof proxy.UnknownValueError) {
          out.push({ policy: p.name, level: "advisory", urn, message: unknownMessage(p, e) });
        } else {
          throw new Error(`policy '${p.name}' failed on the stack: ${(e as Error).message}`);
        }
      }
    }

    if (p.validateOutputs && options.outputs) {
      p.validateOutputs(options.outputs, report(stackUrn(resources)));
    }
  }
  return out;
}
