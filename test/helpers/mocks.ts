/**
 * Runs component code under Pulumi's mock runtime and records every registered resource, so tests assert on
 * the recorded list (a resource that is missing fails the test instead of being invented by the SDK).
 */
import * as pulumi from "@pulumi/pulumi";
import { mocks as planMocks } from "../../tools/lib/mocks";
import { resolveInput } from "../../tools/lib/resolve";

export interface RecordedResource {
  type: string;
  name: string;
  /** Inputs as plain values (secrets unwrapped). */
  inputs: Record<string, any>;
  /** Inputs with secrets shown as "[secret]". */
  redacted: Record<string, any>;
  resource: pulumi.Resource;
}

/**
 * Runs `body` inside a fresh mock stack; resolves once every resource is registered.
 * Returns what `body` returned plus the recorded resources.
 */
export async function withMocks<T>(
  body: () => T,
  opts: { stack?: string; region?: string } = {},
): Promise<{ value: T; resources: RecordedResource[] }> {
  const region = opts.region ?? "us-east-1";
  await pulumi.runtime.setMocks(planMocks(region), "openclaw", opts.stack ?? "test", false);
  const raw: { type: string; name: string; props: unknown; resource: pulumi.Resource }[] = [];
  let value!: T;
  await pulumi.runtime.runInPulumiStack(async () => {
    pulumi.runtime.registerStackTransformation((a) => {
      raw.push({ type: a.type, name: a.name, props: a.props, resource: a.resource });
      return undefined;
    });
    value = body();
    return {};
  });
  // Let every registration (and registerOutputs) reach this mock monitor before the next run replaces it.
  await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
  const resources: RecordedResource[] = [];
  for (const r of raw) {
    const resolved = await resolveInput(r.props);
    resources.push({
      type: r.type,
      name: r.name,
      inputs: resolved.plain as Record<string, any>,
      redacted: resolved.redacted as Record<string, any>,
      resource: r.resource,
    });
  }
  return { value, resources };
}

/** Resolves an Output (or any Input) to its plain value. */
export async function valueOf<T>(input: pulumi.Input<T>): Promise<T> {
  return (await resolveInput(input)).plain as T;
}

export function ofType(resources: RecordedResource[], type: string): RecordedResource[] {
  return resources.filter((r) => r.type === type);
}

export function one(resources: RecordedResource[], type: string): RecordedResource {
  const found = ofType(resources, type);
  if (found.length !== 1)
    throw new Error(`expected exactly one ${type}, found ${found.length}: ${found.map((r) => r.name).join(", ")}`);
  return found[0]!;
}
