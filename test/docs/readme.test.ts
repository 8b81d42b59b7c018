import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { secretConfigKeys, stackConfigSchema } from "../../components/config/schema";

const ROOT = path.resolve(__dirname, "../..");
const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");

/** Every leaf key path of the zod schema, as `pulumi config set --path` spells it. */
function keyPaths(schema: any, prefix = ""): string[] {
  let t = schema;
  while (t?._zod?.def && ["default", "prefault", "optional", "pipe", "nullable"].includes(t._zod.def.type)) {
    t = t._zod.def.type === "pipe" ? t._zod.def.in : t._zod.def.innerType;
  }
  if (t?._zod?.def?.type === "object" && prefix !== "tags") {
    return Object.entries(t._zod.def.shape).flatMap(([k, v]) => keyPaths(v, prefix ? `${prefix}.${k}` : k));
  }
  return [prefix];
}

describe("README", () => {
  const keys = keyPaths(stackConfigSchema("dev"));

  it("documents every configuration key", () => {
    expect(keys.length).toBeGreaterThan(50);
    expect(keys.filter((k) => !readme.includes(`\`openclaw:${k}\``))).toEqual([]);
  });

  it("documents every secret setting", () => {
    expect(secretConfigKeys.filter((k) => !readme.includes(`openclaw:${k}`))).toEqual([]);
  });

  it("documents no key the schema does not have", () => {
    const documented = [...readme.matchAll(/^\| `openclaw:([a-zA-Z.]+)` \|/gm)].map((m) => m[1]!);
    expect(documented.filter((k) => !keys.includes(k) && !(secretConfigKeys as readonly string[]).includes(k))).toEqual(
      [],
    );
  });

  it("links only to files that exist", () => {
    const links = [...readme.matchAll(/\]\(([^)#]+?)(#[^)]*)?\)/g)]
      .map((m) => m[1]!)
      .filter((l) => !/^https?:/.test(l));
    expect(links.length).toBeGreaterThan(10);
    expect(links.filter((l) => !fs.existsSync(path.join(ROOT, l)))).toEqual([]);
  });

  it("gives the two fresh-machine commands and the test command CI runs", () => {
    expect(readme).toContain("npm install && npm run plan -- --stack dev");
    expect(readme).toContain("npm test");
    expect(fs.readFileSync(path.join(ROOT, ".ci/run"), "utf8")).toMatch(/^if ! npm test; then/m);
  });

  it("has a stack file for every stack it lists", () => {
    for (const stack of ["dev", "prod", "caddy", "k8s", "local"])
      expect(fs.existsSync(path.join(ROOT, `Pulumi.${stack}.yaml`))).toBe(true);
  });
});
