/**
 * Following the VM target from its config to its compose file, Caddyfile and openclaw.json never comes back to
 * a file it left: the files the program loads at run time form no cycle. The walk starts where `pulumi up` does
 * (stacks/index.ts), goes through the config loader and schema, and takes the VM target only.
 */
import { describe, expect, it } from "vitest";
import { runtimeImports, walk } from "../helpers/import-graph";

const OTHER_TARGETS = ["stacks/targets/docker.ts", "stacks/targets/kubernetes.ts"];

describe("the VM target's walk from config to artifacts", () => {
  const vm = walk("stacks/index.ts", OTHER_TARGETS);

  it("never imports back into a file it is still inside", () => {
    expect(vm.backEdges).toEqual([]);
  });

  it.each([
    ["the config loader", "components/config/load.ts"],
    ["the schema", "components/config/schema.ts"],
    ["the VM target", "stacks/targets/vm.ts"],
    ["the compose renderer", "components/container/render-compose.ts"],
    ["the Caddyfile renderer", "components/ingress/caddyfile.ts"],
    ["the openclaw.json renderer", "components/gateway-config/render.ts"],
    ["the ingress mode registry", "components/ingress/modes/registry.ts"],
  ])("reaches %s", (_what, file) => {
    expect(vm.order).toContain(file);
  });

  it("visits the config before the target, and the target before the renderers it calls", () => {
    const at = (f: string) => vm.order.indexOf(f);
    expect(at("components/config/load.ts")).toBeLessThan(at("stacks/targets/vm.ts"));
    expect(at("stacks/program.ts")).toBeLessThan(at("stacks/targets/vm.ts"));
    for (const t of OTHER_TARGETS) expect(vm.order).not.toContain(t);
  });

  it("takes the other targets out of the walk only, not out of the program", () => {
    expect(runtimeImports("stacks/program.ts")).toEqual(expect.arrayContaining(OTHER_TARGETS));
  });
});

describe("the whole program, every target", () => {
  it.each([
    ["pulumi up", "stacks/index.ts"],
    ["the offline plan", "tools/plan.ts"],
  ])("%s loads no file that loads it back", (_what, entry) => {
    expect(walk(entry).backEdges).toEqual([]);
  });

  it("no ingress mode loads the Kubernetes target's manifests (which load the mode registry)", () => {
    for (const mode of ["caddy", "tailscale", "none"]) {
      expect(runtimeImports(`components/ingress/modes/${mode}.ts`)).not.toContain(
        "components/gateway-k8s/manifests.ts",
      );
    }
  });
});
