/** Reads a stack's `openclaw:*` keys from the Pulumi runtime or, for the offline plan, from Pulumi.<stack>.yaml. */
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import { checkBcryptHash } from "./sections/ingress";
import {
  ConfigValidationError,
  parseStackConfig,
  type ConfigProblem,
  type SecretConfigKey,
  type StackConfig,
} from "./schema";

/**
 * Checks of secret values, run only where the value is known (the Pulumi runtime decrypts it; offline it stays
 * encrypted). Messages never contain the value.
 */
const secretValueChecks: Partial<Record<SecretConfigKey, (v: string) => string | undefined>> = {
  caddyBasicAuthHash: checkBcryptHash,
  // At least 32 random bytes, URL-safe (policy `gateway-auth-required`; the gateway warns below that).
  gatewayToken: (v) =>
    /^[A-Za-z0-9_-]{43,}$/.test(v)
      ? undefined
      : "must be at least 32 random bytes, base64url (43+ characters): `pulumi config set --secret openclaw:gatewayToken \"$(openssl rand -base64 32 | tr '+/' '-_' | tr -d '=')\"`",
};

export const NAMESPACE = "openclaw";

/** Stands for an encrypted setting the offline plan cannot read; policies see it as a value unknown at preview. */
export const OFFLINE_SECRET = "[encrypted: not readable offline]";

export interface LoadedConfig {
  config: StackConfig;
  /** Secret settings, as secret Outputs only. */
  secrets: Partial<Record<SecretConfigKey, pulumi.Output<string>>>;
  /** Provider settings the program needs to know (e.g. aws:region), never secrets. */
  region: string;
}

export interface RawStackConfig {
  /** runtime: Pulumi decrypted the secrets; file: read offline, secrets stay encrypted. */
  source: "runtime" | "file";
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
  const secretList: string[] = JSON.parse(process.env.PULUMI_CONFIG_SECRET_KEYS ?? "[]");
  const raw: RawStackConfig = {
    source: "runtime",
    values: {},
    secretKeys: new Set(),
    secretValues: {},
    region: all["aws:region"],
  };
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
  const raw: RawStackConfig = { source: "file", values: {}, secretKeys: new Set(), secretValues: {} };
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
        raw.values[key] = OFFLINE_SECRET;
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
  const secretProblems: ConfigProblem[] = [];
  for (const [key, check] of Object.entries(secretValueChecks)) {
    const value = raw.secretValues[key];
    const problem = value === undefined ? undefined : check!(value);
    if (problem) secretProblems.push({ key: `openclaw:${key}`, value: "[secret]", message: problem });
  }
  // Without AWS there is no Secrets Manager to mint the token: `pulumi up` needs it set. The offline plan cannot
  // see encrypted values, so it plans with a placeholder instead.
  if (result.ok && result.config.target !== "vm" && !result.secretNames.includes("gatewayToken")) {
    if (raw.source === "runtime") {
      secretProblems.push({
        key: "openclaw:gatewayToken",
        value: "(not set)",
        message: `is required for target ${result.config.target}: ${secretValueChecks.gatewayToken!("")!.replace(/^must be /, "set ")}`,
      });
    } else {
      result.secretNames.push("gatewayToken");
    }
  }
  if (!result.ok || secretProblems.length > 0)
    throw new ConfigValidationError(stack, [...(result.ok ? [] : result.problems), ...secretProblems]);
  const secrets: LoadedConfig["secrets"] = {};
  for (const name of result.secretNames) {
    secrets[name] = pulumi.secret(raw.secretValues[name] ?? OFFLINE_SECRET);
  }
  return { config: result.config, secrets, region: raw.region ?? "us-east-1" };
}

export function loadFromRuntime(): LoadedConfig {
  return resolveConfig(pulumi.getStack(), rawFromRuntime());
}
