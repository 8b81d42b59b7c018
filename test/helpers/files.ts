/** Files of the repository found by walking it, as structure tests need them (node_modules and caches skipped). */
import { readdirSync } from "node:fs";
import { join } from "node:path";

const SKIPPED = new Set(["node_modules", ".git", ".cache"]);

/** Every file under `dir` whose name passes `keep`, as absolute paths. */
export function filesUnder(dir: string, keep: (name: string) => boolean): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (e.isDirectory()) return SKIPPED.has(e.name) ? [] : filesUnder(join(dir, e.name), keep);
    return keep(e.name) ? [join(dir, e.name)] : [];
  });
}
