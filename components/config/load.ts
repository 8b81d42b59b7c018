/** Reads a stack's `openclaw:*` keys from the Pulumi runtime or, for the offline plan, from Pulumi.<stack>.yaml. */
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import { ConfigValidationError, parseStackConfig, type SecretConfigKey, type StackConfig } from "./schema";

export const NAMESPACE = "openclaw";

export interface LoadedConfig {
  config: StackConfig;
  /** Secret settings, as secret Outputs only. */
  secrets: Partial<Record<SecretConfigKey, pulumi.Output<string>>>;
  /** Provider settings the program needs to know (e.g. aws:region), never secrets. */
  region: string;
}

export interface RawStackConfig {
  values: Record<string, unknown>;
  secretKeys: Set<string>;
  /** Secret values when they are known (the Pulumi runtime); undefined offline, where they stay encrypted. */
  secretValues: Record<string, string | undefined>;
  region?: string;
}

/** Structured config (`pulumi config set --path a.b 1`) arrives as JSON text; plain strings stay strings. */
function decode(value: string): unknown {
  const t = value.trim();
  if (t.startsWith("{") || t.startsWith("[")) {
    try {
      return JSON.parse(t);
    } catch {
      return value;
    }
  }
  return value;
}

export function rawFromRuntime(): RawStackConfig {
  const all = pulumi.runtime.allConfig();
  const secretList: string[] = JSON.parse(process.env["PULUMI_CONFIG_SECRET_KEYS"] ?? "[]");
  const raw: RawStackConfig = { values: {}, secretKeys: new Set(), secretValues: {}, region: all["aws:region"] };
  for (const [fullKey, value] of Object.entries(all)) {
    if (!fullKey.startsWith(`${NAMESPACE}:`)) continue;
    const key = fullKey.slice(NAMESPACE.length + 1);
    if (secretList.includes(fullKey)) {
      raw.secretKeys.add(key);
      raw.secretValues[key] = value;
    }
    raw.values[key] = decode(value);
  }
  return raw;
}

/**
 * Offline: the stack file as written. Encrypted values (`secure: v1:...`) cannot be decrypted without the
 * stack's secrets provider, so they are known to be set and secret, and stand as "[secret]".
 */
export function rawFromYaml(files: string[]): RawStackConfig {
  const raw: RawStackConfig = { values: {}, secretKeys: new Set(), secretValues: {} };
  for (const file of files) {
    const doc = parseYaml(fs.readFileSync(file, "utf8")) ?? {};
    // Pulumi.yaml holds project defaults under config.<key>.value (or .default); stack files hold plain values.
    const isProject = path.basename(file) === "Pulumi.yaml";
    for (const [fullKey, entry] of Object.entries<unknown>(doc.config ?? {})) {
      let value: unknown = entry;
      if (isProject) {
        if (entry && typeof entry === "object" && ("value" in entry || "default" in entry)) {
          value = (entry as { value?: unknown; default?: unknown }).value ?? (entry as { default?: unknown }).default;
        } else if (entry && typeof entry === "object") {
          continue; // a type declaration without a value
        }
      }
      if (fullKey === "aws:region" && typeof value === "string") raw.region = value;
      if (!fullKey.startsWith(`${NAMESPACE}:`)) continue;
      const key = fullKey.slice(NAMESPACE.length + 1);
      if (value && typeof value === "object" && "secure" in value && Object.keys(value).length === 1) {
        raw.secretKeys.add(key);
        raw.values[key] = "[secret]";
        continue;
      }
      raw.values[key] = value;
    }
  }
  return raw;
}

/** Parses and validates; throws ConfigValidationError listing every problem before any resource exists. */
export function resolveConfig(stack: string, raw: RawStackConfig): LoadedConfig {
  const result = parseStackConfig({ stack, values: raw.values, secretKeys: raw.secretKeys });
  if (!result.ok) throw new ConfigValidationError(stack, result.problems);
  const secrets: LoadedConfig["secrets"] = {};
  for (const name of result.secretNames) {
    secrets[name] = pulumi.secret(raw.secretValues[name] ?? "[secret]");
  }
  return { config: result.config, secrets, region: raw.region ?? "us-east-1" };
}

export function loadFromRuntime(): LoadedConfig {
  return resolveConfig(pulumi.getStack(), rawFromRuntime());
}
