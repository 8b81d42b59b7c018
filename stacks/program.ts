/**
 * The program: typed config in, components per target out. Reads no config itself (config/load.ts does), so
 * `pulumi up` (stacks/index.ts) and the offline plan (tools/lib/plan.ts) run exactly the same code.
 */
import type { StackConfig } from "../components/config/schema";
import type { ProgramContext, ProgramResult } from "./targets/context";
import { deployDocker } from "./targets/docker";
import { deployKubernetes } from "./targets/kubernetes";
import { deployVm } from "./targets/vm";

export type { ProgramContext, ProgramResult } from "./targets/context";

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
