/** Resolves Pulumi Inputs to plain data, keeping track of which values are secret. */
import * as pulumi from "@pulumi/pulumi";
import { OFFLINE_SECRET } from "../../components/config/load";
import { UNKNOWN as ENGINE_UNKNOWN } from "../../policies/lib/evaluate";

export const SECRET = "[secret]";
export const UNKNOWN = "[unknown]";

export interface Resolved {
  /** Plain values, secrets included: what the engine hands to policies. */
  plain: unknown;
  /** The same with every secret replaced by "[secret]": what may be printed or written. */
  redacted: unknown;
  /** URNs of the resources each top-level property depends on. */
  dependencies: Set<pulumi.Resource>;
}

export async function resolveInput(value: unknown, deps = new Set<pulumi.Resource>()): Promise<Resolved> {
  if (pulumi.Output.isInstance(value)) {
    const o = value as pulumi.Output<unknown> & {
      promise(): Promise<unknown>;
      resources(): Set<pulumi.Resource>;
      isKnown: Promise<boolean>;
      isSecret: Promise<boolean>;
    };
    for (const r of o.resources()) deps.add(r);
    const [inner, known, secret] = await Promise.all([o.promise(), o.isKnown, o.isSecret]);
    if (!known) return { plain: undefined, redacted: UNKNOWN, dependencies: deps };
    const r = await resolveInput(inner, deps);
    if (!secret) return r;
    // An encrypted setting the offline plan cannot read: to policies it is what a preview shows, an unknown.
    const unreadable = JSON.stringify(r.plain ?? null).includes(OFFLINE_SECRET);
    return { plain: unreadable ? ENGINE_UNKNOWN.string : r.plain, redacted: SECRET, dependencies: deps };
  }
  if (value instanceof Promise) return resolveInput(await value, deps);
  if (pulumi.asset.Asset.isInstance(value) || pulumi.asset.Archive.isInstance(value)) {
    // Assets hold promises of their own; policies get the object itself, printing gets a description.
    return { plain: value, redacted: `[${value.constructor.name}]`, dependencies: deps };
  }
  if (pulumi.Resource.isInstance(value)) {
    deps.add(value);
    return { plain: `[resource]`, redacted: `[resource]`, dependencies: deps };
  }
  if (Array.isArray(value)) {
    const items = await Promise.all((value as unknown[]).map((v) => resolveInput(v, deps)));
    return { plain: items.map((i) => i.plain), redacted: items.map((i) => i.redacted), dependencies: deps };
  }
  if (value && typeof value === "object") {
    const entries = await Promise.all(
      Object.entries(value).map(async ([k, v]) => [k, await resolveInput(v, deps)] as const),
    );
    const plain: Record<string, unknown> = {};
    const redacted: Record<string, unknown> = {};
    for (const [k, r] of entries) {
      if (r.plain === undefined && r.redacted === undefined) continue;
      plain[k] = r.plain;
      redacted[k] = r.redacted;
    }
    return { plain, redacted, dependencies: deps };
  }
  return { plain: value, redacted: value, dependencies: deps };
}
