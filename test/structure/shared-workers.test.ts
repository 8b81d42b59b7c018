/**
 * Test files share their worker's module registry (vitest.config.ts: isolate false), so a module replaced with
 * vi.mock in one file would leak into every file the worker runs after it. No test file replaces a module.
 */
import { readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { expect, it } from "vitest";
import { filesUnder } from "../helpers/files";

const ROOT = resolve(__dirname, "../..");

it("no test file replaces a module (vi.mock, vi.doMock)", () => {
  const files = ["test", "components", "policies"].flatMap((d) =>
    filesUnder(join(ROOT, d), (n) => n.endsWith(".test.ts")),
  );
  expect(files.length).toBeGreaterThan(50);
  const mocking = files.filter((f) => /\bvi\s*\.\s*(do)?[mM]ock\s*\(/.test(readFileSync(f, "utf8")));
  expect(mocking.map((f) => relative(ROOT, f))).toEqual([]);
});
