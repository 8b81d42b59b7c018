// Ties a settings resource (public access block, SSE, rotation, ...) to the bucket or secret it
// configures. Property dependencies win because at preview the `bucket`/`secretId` value may be unknown;
// without them we compare the value to every name the target is known by.
import type { PolicyResource } from "@pulumi/policy";

/** Ids the offline checker knows (from `"id"` in its input); the engine's PolicyResource has none. */
export const knownIds = new WeakMap<object, string>();

function namesOf(target: PolicyResource): string[] {
  const p = target.props;
  const names = [p.id, p.bucket, p.arn, p.name, knownIds.get(target)];
  return names.filter((n): n is string => typeof n === "string" && n.length > 0);
}

export function isLinked(setting: PolicyResource, prop: string, target: PolicyResource): boolean {
  const deps = setting.propertyDependencies?.[prop];
  if (deps && deps.length > 0) return deps.some((d) => d.urn === target.urn);
  const v = setting.props[prop];
  if (typeof v !== "string" || v.length === 0) return false;
  return namesOf(target).includes(v);
}

export function linkedSettings(
  resources: PolicyResource[],
  target: PolicyResource,
  types: string[],
  prop: string,
): PolicyResource[] {
  return resources.filter((r) => types.includes(r.type) && isLinked(r, prop, target));
}
