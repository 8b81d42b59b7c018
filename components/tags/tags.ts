/**
 * Every tag key the program itself sets, and the one helper that tags a resource. Some keys are contracts
 * with code that runs later: the budget filters cost on `openclaw:stack`, and the rotation function sends
 * the token reload (SSM Run Command) to instances carrying the gateway role tag. A user tag with one of these
 * keys would silently redirect that traffic or that bill, so the config schema rejects them.
 */

export const TAG_KEYS = {
  project: "openclaw:project",
  stack: "openclaw:stack",
  managedBy: "managed-by",
  /** What the instance is for; token delivery targets `role=gateway` (GATEWAY_ROLE_TAG). */
  role: "openclaw:role",
  /** Why an instance has a public address; the policy pack requires it on every public instance. */
  publicIpReason: "openclaw:public-ip-reason",
  /** The console's display name, set per resource by `tagged()`. */
  name: "Name",
} as const;

/**
 * The stack's own tag namespace. IAM conditions and the rotation function's SSM targeting match on its keys
 * (`openclaw:stack` decides which instance a stack's rotation may restart), and IAM compares condition tag
 * keys case-insensitively: a user tag must not be able to set or shadow any of them.
 */
export const RESERVED_TAG_PREFIX = "openclaw:";

/** Keys only the program may set: `openclaw:tags` naming one of them is a config error. */
export const RESERVED_TAG_KEYS: readonly string[] = Object.values(TAG_KEYS);

/** The tag pair that marks the gateway instance; the rotation function's SSM targets select on it. */
export const GATEWAY_ROLE_TAG = { key: TAG_KEYS.role, value: "gateway" } as const;

/** Tags on every AWS resource of a stack: the program's own keys plus the user's `openclaw:tags`. */
export function baseTags(project: string, stack: string, userTags: Readonly<Record<string, string>>) {
  // The schema keeps reserved keys out of userTags, so spreading them last cannot override the program's keys.
  return { [TAG_KEYS.project]: project, [TAG_KEYS.stack]: stack, [TAG_KEYS.managedBy]: "pulumi", ...userTags };
}

/** A resource's tags: the stack's tags plus its display name. */
export function tagged(tags: Readonly<Record<string, string>> | undefined, name: string): Record<string, string> {
  return { ...(tags ?? {}), [TAG_KEYS.name]: name };
}

/** The tags token delivery targets: this stack's gateway instance(s). */
export function gatewayInstanceTags(stack: string): Record<string, string> {
  return { [TAG_KEYS.stack]: stack, [GATEWAY_ROLE_TAG.key]: GATEWAY_ROLE_TAG.value };
}
