/** Builds a valid StackConfig from the schema's defaults plus overrides, for tests of pure functions. */
import { parseStackConfig, type StackConfig } from "../../components/config/schema";

export const BASE_VALUES: Record<string, unknown> = {
  target: "vm",
  ingress: "tailscale",
  image: "ghcr.io/openclaw/openclaw:2026.9.6",
  tailscale: { tailnetDnsName: "example-tailnet.ts.net" },
};

export function testConfig(
  values: Record<string, unknown> = {},
  secretKeys: string[] = [],
  stack = "test",
): StackConfig {
  const result = parseStackConfig({
    stack,
    values: { ...BASE_VALUES, ...values },
    secretKeys: new Set(secretKeys),
  });
  if (!result.ok) throw new Error(`test config is invalid: ${JSON.stringify(result.problems, null, 2)}`);
  return result.config;
}
