/**
 * What every target receives beside the config, and what it returns. Its own file, so a target never imports
 * the program that dispatches to it.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { SecretConfigKey, StackConfig } from "../../components/config/schema";
import { baseTags } from "../../components/tags/tags";

export interface ProgramContext {
  stack: string;
  project: string;
  region: string;
  /** Secret settings (`pulumi config set --secret`), as secret Outputs. */
  secrets: Partial<Record<SecretConfigKey, pulumi.Output<string>>>;
}

export interface ProgramResult {
  /** Stack outputs: what an operator needs; anything carrying a token is a secret Output. */
  outputs: Record<string, pulumi.Input<unknown>>;
  /** Rendered files by relative path, written by `npm run plan -- --out <dir>`. */
  artifacts: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** Tags on every AWS resource, from one place (conventions.md #3). */
export function stackTags(cfg: StackConfig, ctx: ProgramContext): Record<string, string> {
  return baseTags(ctx.project, ctx.stack, cfg.tags);
}
