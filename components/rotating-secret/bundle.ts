/**
 * Bundles the rotation handler at program time with esbuild's JS API.
 *
 * The AWS SDK v3 clients are bundled, not marked external: the nodejs22.x runtime ships *an* SDK v3, but
 * its version moves with AWS's runtime updates, so the code in production would not be the code the unit
 * tests and the emulator drill ran against. Bundling pins the exact versions in package-lock.json; the
 * cost is a larger archive (a few hundred KB minified), irrelevant for a function invoked four times a month.
 *
 * The output must be byte-for-byte deterministic, or every `pulumi preview` shows a diff on the function:
 * esbuild is deterministic for the same inputs; paths are made relative to the repository root
 * (`absWorkingDir`) so the checkout location does not leak in, and no source map or timestamp is emitted.
 */
import { buildSync } from "esbuild";
import * as path from "node:path";

const repoRoot = path.resolve(__dirname, "..", "..");
export const handlerEntry = path.join(__dirname, "handler", "index.ts");

let cached: string | undefined;

/** Bundled once per process: a plan or preview constructs the component once. */
export function bundleRotationHandler(): string {
  cached ??= buildRotationBundle();
  return cached;
}

export function buildRotationBundle(): string {
  const result = buildSync({
    entryPoints: [path.relative(repoRoot, handlerEntry)],
    absWorkingDir: repoRoot,
    bundle: true,
    platform: "node",
    target: "node22",
    format: "cjs",
    minify: true,
    legalComments: "none",
    sourcemap: false,
    write: false,
    logLevel: "silent",
  });
  if (result.outputFiles.length !== 1)
    throw new Error(`esbuild produced ${result.outputFiles.length} files for the rotation handler, expected 1`);
  return result.outputFiles[0].text;
}
