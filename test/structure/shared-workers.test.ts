/**
 * Test files share their worker's module registry (vitest.config.ts: isolate false), so a module replaced with
 * vi.mock in one file would leak into every file the worker runs after it. No test file replaces a module.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { expect, it } from "vitest";

const ROOT = resolve(__dirname, "../..");

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? e.name === "node_modules"
        ? []
        : testFiles(join(dir, e.name))
      : e.name.endsWith(".test.ts")
        ? [join(dir, e.name)]
        : [],
  );
}

it("no test file replaces a module (vi.mock, vi.doMock)", () => {
  const files = ["test", "components", "policies"].flatMap((d) => testFiles(join(ROOT, d)));
  expect(files.length).toBeGreaterThan(50);
  const mocking = files.filter((f) => /\bvi\s*\.\s*(do)?[mM]ock\s*\(/.test(readFileSync(f, "utf8")));
  expect(mocking.map((f) => relative(ROOT, f))).toEqual([]);
});
