/**
 * Every Pulumi project in the repository compiles its program as the root does. Pulumi's Node.js runtime hands
 * ts-node the `compilerOptions` written in the project's own tsconfig.json over its defaults (below), and those
 * win over whatever `extends` brings; a project without the file compiles for ES2020, where code the root
 * compiles (String.prototype.replaceAll, ES2021) fails `pulumi preview` with TS2550.
 */
import { readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { filesUnder } from "../helpers/files";

const ROOT = resolve(__dirname, "../..");
// What @pulumi/pulumi's cmd/run gives ts-node for a CommonJS project when its tsconfig.json does not say.
const RUNTIME_DEFAULTS = { target: "ES2020", module: "nodenext", moduleResolution: "nodenext" };
const DECISIVE = ["target", "module", "moduleResolution", "lib"] as const;

/** The raw compilerOptions as the runtime reads them: no `extends`, no defaults of TypeScript's own. */
function runtimeOptions(dir: string): Record<string, unknown> {
  let raw: Record<string, unknown> = {};
  try {
    const text = readFileSync(join(dir, "tsconfig.json"), "utf8");
    raw = ts.parseConfigFileTextToJson("tsconfig.json", text).config?.compilerOptions ?? {};
  } catch {
    // no tsconfig.json: the runtime's defaults alone
  }
  return { ...RUNTIME_DEFAULTS, ...raw };
}

const projects = filesUnder(ROOT, (n) => n === "Pulumi.yaml")
  .map(dirname)
  .filter((d) => parse(readFileSync(join(d, "Pulumi.yaml"), "utf8"))?.runtime?.options?.typescript === true)
  .map((d) => relative(ROOT, d) || ".");

describe("Pulumi projects compile like the root", () => {
  it("finds the root, the bootstrap, the engine smoke and the k8s e2e projects", () => {
    expect(projects).toEqual(
      expect.arrayContaining([".", "bootstrap", "ci/engine/smoke", "e2e/k8s/project", "e2e/k8s/variant"]),
    );
  });

  const root = runtimeOptions(ROOT);
  it.each(projects.filter((p) => p !== "."))("%s: the runtime's target, module and lib are the root's", (p) => {
    const opts = runtimeOptions(join(ROOT, p));
    for (const k of DECISIVE) expect([k, opts[k]]).toEqual([k, root[k]]);
  });

  it.each(projects.filter((p) => p !== "."))("%s: extends the root, sources rooted at the repository", (p) => {
    const dir = join(ROOT, p);
    const parsed = ts.getParsedCommandLineOfConfigFile(
      join(dir, "tsconfig.json"),
      {},
      {
        ...ts.sys,
        onUnRecoverableConfigFileDiagnostic: (d) => {
          throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
        },
      },
    );
    expect(parsed?.errors ?? []).toEqual([]);
    // Programs import from outside their folder; ts-node emits, and TypeScript wants the common root named.
    expect(parsed?.options.rootDir && resolve(parsed.options.rootDir)).toBe(ROOT);
    expect(parsed?.options.strict).toBe(true);
  });
});
