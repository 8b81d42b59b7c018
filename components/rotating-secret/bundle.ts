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
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type { BuildOptions, Metafile } from "esbuild";

const repoRoot = path.resolve(__dirname, "..", "..");
export const handlerEntry = path.join(__dirname, "handler", "index.ts");
/**
 * Bundling the SDK clients takes ~1 s, most of an offline plan. The result is kept on disk beside its
 * inputs' hash (every file esbuild read, SDK files included), so it is rebuilt exactly when one of them
 * changed; the directory is git-ignored and may be deleted at any time.
 */
export const BUNDLE_CACHE_DIR = path.join(repoRoot, ".cache", "rotation-handler");

let cached: string | undefined;

/** Bundled once per process (a plan or preview constructs the component once), and reused across processes. */
export function bundleRotationHandler(): string {
  cached ??= readCachedBundle(BUNDLE_CACHE_DIR) ?? writeCachedBundle(BUNDLE_CACHE_DIR);
  return cached;
}

const buildOptions = (): BuildOptions => ({
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

function build(metafile: boolean): { text: string; metafile?: Metafile } {
  // Loaded only when a build is needed: a cached plan never pays for esbuild's start-up.
  const { buildSync } = require("esbuild") as typeof import("esbuild");
  const result = buildSync({ ...buildOptions(), metafile });
  const files = result.outputFiles ?? [];
  if (files.length !== 1)
    throw new Error(`esbuild produced ${files.length} files for the rotation handler, expected 1`);
  return { text: files[0]!.text, metafile: result.metafile };
}

export function buildRotationBundle(): string {
  return build(false).text;
}

interface CacheManifest {
  /** Repository-relative paths of every file the bundle was built from. */
  inputs: string[];
  /** sha256 over esbuild's version, the options and the inputs' contents. */
  key: string;
}

function inputsKey(inputs: readonly string[]): string | undefined {
  const { version } = require("esbuild/package.json") as { version: string };
  const h = createHash("sha256").update(version).update(JSON.stringify(buildOptions()));
  for (const rel of inputs) {
    const file = path.join(repoRoot, rel);
    if (!fs.existsSync(file)) return undefined;
    h.update(rel).update("\0").update(fs.readFileSync(file)).update("\0");
  }
  return h.digest("hex");
}

/** The cached bundle in `dir` when its inputs are unchanged since it was built, else undefined. */
export function readCachedBundle(dir: string): string | undefined {
  try {
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8")) as CacheManifest;
    if (inputsKey(manifest.inputs) !== manifest.key) return undefined;
    return fs.readFileSync(path.join(dir, "index.js"), "utf8");
  } catch {
    return undefined;
  }
}

/** Builds the bundle and stores it in `dir` with the hash of its inputs. */
export function writeCachedBundle(dir: string): string {
  const { text, metafile } = build(true);
  const inputs = Object.keys(metafile?.inputs ?? {}).sort();
  const key = inputsKey(inputs);
  if (key) {
    try {
      fs.mkdirSync(dir, { recursive: true });
      // Renamed into place, bundle first: concurrent plans never read a half-written file, and a manifest
      // never names a key its bundle was not built from.
      const put = (name: string, content: string) => {
        const tmp = path.join(dir, `.${name}.${process.pid}`);
        fs.writeFileSync(tmp, content);
        fs.renameSync(tmp, path.join(dir, name));
      };
      put("index.js", text);
      put("manifest.json", JSON.stringify({ inputs, key } satisfies CacheManifest));
    } catch {
      // A read-only checkout still plans; it only bundles every time.
    }
  }
  return text;
}
