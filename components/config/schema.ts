/**
 * The stack's configuration: every `openclaw:*` key, parsed once, with zod, into one typed object.
 * Components receive the parsed object and never read `pulumi.Config` themselves (conventions.md #4).
 */
import { z } from "zod";
import { backupSection } from "./sections/backup";
import { tags } from "./sections/common";
import { gatewaySection, imageRef, isDigestPinned } from "./sections/gateway";
import { iamSection, stackNameProblem } from "./sections/iam";
import { caddySection, ingressModes, tailscaleSection } from "./sections/ingress";
import { ingressConfigIssues, ingressModule } from "../ingress/modes/registry";
import { kubernetesSection } from "./sections/kubernetes";
import { networkSection } from "./sections/network";
import { observabilitySection } from "./sections/observability";
import { rotationSection } from "./sections/rotation";
import { instanceMemoryMiB, vmSection } from "./sections/vm";

export const targets = ["vm", "kubernetes", "docker"] as const;
export type Target = (typeof targets)[number];

/**
 * Keys whose values are secrets. They must be set with `pulumi config set --secret`; the loader rejects them
 * in plain text and hands them to the program as secret Outputs only, never inside the typed config.
 */
export const secretConfigKeys = [
  "gatewayToken",
  "caddyBasicAuthHash",
  "anthropicApiKey",
  "openaiApiKey",
  "geminiApiKey",
  "openrouterApiKey",
  "zaiApiKey",
  "kubeconfig",
] as const;
export type SecretConfigKey = (typeof secretConfigKeys)[number];

/** Environment variable each provider key is delivered as inside the container. */
export const providerKeyEnv: Partial<Record<SecretConfigKey, string>> = {
  anthropicApiKey: "ANTHROPIC_API_KEY",
  openaiApiKey: "OPENAI_API_KEY",
  geminiApiKey: "GEMINI_API_KEY",
  openrouterApiKey: "OPENROUTER_API_KEY",
  zaiApiKey: "ZAI_API_KEY",
};

/**
 * The schema of one stack's configuration. A function of the stack's name because one default is (the
 * tailnet node name); built once per stack name.
 */
export function stackConfigSchema(stack: string): StackConfigSchema {
  let schema = schemas.get(stack);
  if (!schema) {
    schema = buildSchema(stack);
    schemas.set(stack, schema);
  }
  return schema;
}
type StackConfigSchema = ReturnType<typeof buildSchema>;
const schemas = new Map<string, StackConfigSchema>();

const buildSchema = (stack: string) =>
  z
    .strictObject({
      /** Where the gateway runs. Required. */
      target: z.enum(targets, { error: `must be one of ${targets.join(", ")}` }),
      /** How operators reach it. @default "tailscale" (no open port) */
      ingress: z.enum(ingressModes, { error: `must be one of ${ingressModes.join(", ")}` }).default("tailscale"),
      /** The gateway image, pinned by tag or digest (`name:tag@sha256:<64 hex>` pins both). Required. */
      image: imageRef,
      /**
       * Resolve `openclaw:image`'s tag to its digest at deploy time (the Docker provider's registry lookup) and
       * run that digest, recorded as the `gatewayImage` stack output: a tag that moves later changes nothing
       * until the next `pulumi up`, which applies it as an upgrade. For images whose digest is not known when
       * the stack file is written. Not with an image that already has a digest. @default false
       */
      resolveImageDigest: z.boolean({ error: "must be true or false" }).default(false),
      gateway: gatewaySection,
      network: networkSection,
      vm: vmSection,
      backup: backupSection,
      rotation: rotationSection,
      tailscale: tailscaleSection(stack),
      caddy: caddySection,
      kubernetes: kubernetesSection,
      observability: observabilitySection,
      iam: iamSection,
      /** Tags added to every AWS resource, after the stack's own (`openclaw:stack`, `openclaw:project`). */
      tags,
    })
    .superRefine((c, ctx) => {
      for (const issue of ingressConfigIssues(c)) ctx.addIssue({ code: "custom", ...issue });
      if (c.resolveImageDigest && c.target === "docker") {
        ctx.addIssue({
          code: "custom",
          path: ["resolveImageDigest"],
          input: c.resolveImageDigest,
          message:
            "is not supported on target docker (the local Docker pulls what the reference names): write the digest into openclaw:image (name:tag@sha256:<64 hex>) instead",
        });
      }
      if (c.resolveImageDigest && isDigestPinned(c.image)) {
        ctx.addIssue({
          code: "custom",
          path: ["resolveImageDigest"],
          input: c.resolveImageDigest,
          message: `openclaw:image is already pinned by digest (${c.image}); remove openclaw:resolveImageDigest or the digest, not both`,
        });
      }
      if (c.target === "vm") {
        const hostMiB = instanceMemoryMiB[c.vm.instanceType];
        // Docker, the SSM agent, the tailscale or caddy sidecar and the page cache need ~1.5 GiB beside the gateway.
        if (hostMiB !== undefined && c.gateway.memoryMiB > hostMiB - 1536) {
          ctx.addIssue({
            code: "custom",
            path: ["gateway", "memoryMiB"],
            input: c.gateway.memoryMiB,
            message: `does not fit ${c.vm.instanceType} (${hostMiB} MiB): keep it at most ${hostMiB - 1536} MiB or choose a larger openclaw:vm.instanceType`,
          });
        }
      }
    });

/** The parsed configuration, every default applied. */
export type StackConfig = z.infer<StackConfigSchema>;

/** One problem with the configuration: the key as `pulumi config` spells it, the bad value, what is allowed. */
export interface ConfigProblem {
  key: string;
  value: string;
  message: string;
}

export class ConfigValidationError extends Error {
  constructor(
    readonly stackName: string,
    readonly problems: ConfigProblem[],
  ) {
    super(formatProblems(stackName, problems));
    this.name = "ConfigValidationError";
  }
}

export function formatProblems(stack: string, problems: ConfigProblem[]): string {
  const lines = problems.map((p) => `  - ${p.key} = ${p.value}: ${p.message}`);
  return [
    `Invalid configuration for stack "${stack}" (${problems.length} problem${problems.length === 1 ? "" : "s"}):`,
    ...lines,
    `Fix each key in Pulumi.${stack}.yaml or with \`pulumi config set [--path] <key> <value>\`; every key is documented in README.md#configuration.`,
  ].join("\n");
}

export interface ParseInput {
  stack: string;
  /** `openclaw:*` values with the namespace stripped; structured values already decoded from JSON. */
  values: Record<string, unknown>;
  /** Keys (namespace stripped) that Pulumi holds encrypted. */
  secretKeys: ReadonlySet<string>;
}

export type ParseResult =
  | { ok: true; config: StackConfig; secretNames: SecretConfigKey[] }
  | { ok: false; problems: ConfigProblem[] };

/** Pure: validates every key at once and reports every problem, never just the first. */
export function parseStackConfig(input: ParseInput): ParseResult {
  const problems: ConfigProblem[] = [];
  const plain: Record<string, unknown> = {};
  const secretNames: SecretConfigKey[] = [];
  for (const [key, value] of Object.entries(input.values)) {
    if ((secretConfigKeys as readonly string[]).includes(key)) {
      if (!input.secretKeys.has(key)) {
        problems.push({
          key: `openclaw:${key}`,
          value: "[hidden: set in plain text]",
          message: `is a secret and must be encrypted: run \`pulumi config set --secret openclaw:${key}\` and remove the plain value`,
        });
      } else {
        secretNames.push(key as SecretConfigKey);
      }
      continue;
    }
    if (input.secretKeys.has(key)) {
      problems.push({
        key: `openclaw:${key}`,
        value: "[secret]",
        message: `is not a secret setting; set it in plain text (secrets are only: ${secretConfigKeys.join(", ")})`,
      });
      continue;
    }
    plain[key] = value;
  }
  const parsed = stackConfigSchema(input.stack).safeParse(plain, { reportInput: true });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(toProblem(issue, plain));
  }
  if (parsed.success) problems.push(...ingressModule(parsed.data.ingress).secretProblems(parsed.data, secretNames));
  if (parsed.success && parsed.data.target === "vm" && secretNames.includes("gatewayToken")) {
    problems.push({
      key: "openclaw:gatewayToken",
      value: "[secret]",
      message:
        "is not used on target vm: the token lives in Secrets Manager and rotates there; remove it with `pulumi config rm openclaw:gatewayToken`",
    });
  }
  const badStack = parsed.success && parsed.data.target === "vm" ? stackNameProblem(input.stack) : undefined;
  if (badStack) problems.push({ key: "stack", value: JSON.stringify(input.stack), message: badStack });
  if (problems.length > 0 || !parsed.success) return { ok: false, problems };
  return { ok: true, config: parsed.data, secretNames };
}

function toProblem(issue: z.core.$ZodIssue, raw: Record<string, unknown>): ConfigProblem {
  const path = issue.path.map(String);
  const key =
    path.length === 0 ? "openclaw" : `openclaw:${path[0]}${path.length > 1 ? `.${path.slice(1).join(".")}` : ""}`;
  let message = issue.message;
  if (issue.code === "unrecognized_keys") {
    const names = issue.keys.join(", ");
    return {
      key:
        path.length === 0
          ? names
              .split(", ")
              .map((k) => `openclaw:${k}`)
              .join(", ")
          : `${key}.{${names}}`,
      value: "(set)",
      message:
        "unknown key: check the spelling against README.md#configuration (typos would otherwise be silently ignored)",
    };
  }
  // A bad record key (tags): zod wraps the key's own issue; its message is the useful one.
  if (issue.code === "invalid_key" && issue.issues.length > 0) message = issue.issues.map((i) => i.message).join("; ");
  // A bad record key: the key is already in `key`; the value is what the user set under it.
  const input = issue.code === "invalid_key" ? lookup(raw, path) : "input" in issue ? issue.input : lookup(raw, path);
  if (input === undefined && issue.code === "invalid_type") message = "is required";
  if (issue.code === "invalid_value" && "values" in issue)
    message = `must be one of ${issue.values.map(String).join(", ")}`;
  return { key, value: input === undefined ? "(not set)" : showValue(input), message };
}

/**
 * The bad value as the operator wrote it. JSON.stringify prints NaN and Infinity (YAML's .nan, .inf) as null,
 * which would point at the wrong mistake.
 */
export function showValue(v: unknown): string {
  if (typeof v === "number" && !Number.isFinite(v)) return String(v);
  return (
    JSON.stringify(v, (_k, x) => (typeof x === "number" && !Number.isFinite(x) ? `<${String(x)}>` : x)) ?? String(v)
  );
}

function lookup(obj: unknown, path: string[]): unknown {
  return path.reduce<unknown>(
    (o, k) => (o && typeof o === "object" ? (o as Record<string, unknown>)[k] : undefined),
    obj,
  );
}
