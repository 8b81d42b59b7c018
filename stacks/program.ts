/**
 * The program: typed config in, components per target out. Reads no config itself (config/load.ts does), so
 * `pulumi up` (stacks/index.ts) and the offline plan (tools/lib/plan.ts) run exactly the same code.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { SecretConfigKey, StackConfig } from "../components/config/schema";
import { baseTags } from "../components/tags/tags";
import { deployDocker } from "./targets/docker";
import { deployKubernetes } from "./targets/kubernetes";
import { deployVm } from "./targets/vm";

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

export function program(cfg: StackConfig, ctx: ProgramContext): ProgramResult {
  switch (cfg.target) {
    case "vm":
      return deployVm(cfg, ctx);
    case "kubernetes":
      return deployKubernetes(cfg, ctx);
    case "docker":
      return deployDocker(cfg, ctx);
  }
}
