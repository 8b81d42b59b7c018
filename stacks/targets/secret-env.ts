import type * as pulumi from "@pulumi/pulumi";
import { providerKeyEnv, type SecretConfigKey } from "../../components/config/schema";

/** The container's secret environment from the stack's secret settings (outside AWS: no Secrets Manager). */
export function secretEnvFrom(
  secrets: Partial<Record<SecretConfigKey, pulumi.Output<string>>>,
): Record<string, pulumi.Input<string>> {
  const env: Record<string, pulumi.Input<string>> = {};
  if (secrets.gatewayToken) env.OPENCLAW_GATEWAY_TOKEN = secrets.gatewayToken;
  for (const [key, value] of Object.entries(secrets)) {
    const name = providerKeyEnv[key as SecretConfigKey];
    if (name && value) env[name] = value;
  }
  return env;
}

/** Names of the provider-key variables the stack's secret settings supply (ANTHROPIC_API_KEY, ...). */
export function providerEnvNames(secrets: Partial<Record<SecretConfigKey, unknown>>): string[] {
  return Object.keys(secrets).flatMap((k) => providerKeyEnv[k as SecretConfigKey] ?? []);
}
