#!/usr/bin/env node
/**
 * node tools/run.cjs <tool> [args...]: runs tools/<tool>.ts from an esbuild bundle of the repository code it
 * imports (npm packages stay external, loaded from node_modules as usual).
 *
 * Why not tsx: a tsx process compiles through a loader thread and turns on source maps, and Pulumi captures a
 * stack trace for every resource it registers; together that is ~1.5 s of a ~3 s offline plan, paid by every PR
 * check and every test that runs the CLI. The bundle is rebuilt whenever a file it was built from changed (size
 * or modification time), so it never runs stale code; it lives in the git-ignored .cache/ and may be deleted.
 */
"use strict";
const { createHash } = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..");
const CACHE = path.join(ROOT, ".cache", "tools");

/** A file's content hash: ~100 small files hash in a few milliseconds, and no clock or checkout can fool it. */
function stamp(file) {
  try {
    return createHash("sha256").update(fs.readFileSync(file)).digest("hex");
  } catch {
    return "missing";
  }
}

/** True when every file the bundle was built from still has the content it had then. */
function fresh(manifestFile) {
  let manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(manifestFile, "utf8"));
  } catch {
    return false;
  }
  return Object.entries(manifest.inputs).every(([rel, s]) => stamp(path.join(ROOT, rel)) === s);
}

/** Bundles tools/<tool>.ts into outFile; resolves to the stamps of its inputs. */
function build(tool, outFile) {
  const esbuild = require("esbuild");
  // Files that find data beside themselves (backup.sh, the rotation handler) keep their own directory.
  const keepDirname = {
    name: "keep-dirname",
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, (args) => {
        const text = fs.readFileSync(args.path, "utf8");
        if (!text.includes("__dirname")) return undefined;
        return { contents: text.replace(/\b__dirname\b/g, JSON.stringify(path.dirname(args.path))), loader: "ts" };
      });
    },
  };
  const built = esbuild.build({
    entryPoints: [path.join(ROOT, "tools", `${tool}.ts`)],
    absWorkingDir: ROOT,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    packages: "external",
    outfile: outFile,
    metafile: true,
    logLevel: "error",
    plugins: [keepDirname],
  });
  return built.then((r) => {
    const inputs = {};
    for (const rel of Object.keys(r.metafile.inputs).sort()) inputs[rel] = stamp(path.join(ROOT, rel));
    return inputs;
  });
}

async function main() {
  const [tool, ...args] = process.argv.slice(2);
  if (!tool || !/^[a-z][a-z0-9-]*$/.test(tool) || !fs.existsSync(path.join(ROOT, "tools", `${tool}.ts`))) {
    console.error("usage: node tools/run.cjs <tool> [args...]  (tool: a file tools/<tool>.ts)");
    process.exitCode = 2;
    return;
  }
  const dir = path.join(CACHE, tool);
  const outFile = path.join(dir, `${tool}.js`);
  const manifestFile = path.join(dir, "manifest.json");
  if (!fresh(manifestFile) || !fs.existsSync(outFile)) {
    fs.mkdirSync(dir, { recursive: true });
    // Built under private names and renamed into place, bundle before manifest: concurrent runs never load a
    // half-written bundle, and a manifest never vouches for a bundle older than itself.
    const tmpOut = path.join(dir, `.${tool}.${process.pid}.js`);
    const inputs = await build(tool, tmpOut);
    fs.renameSync(tmpOut, outFile);
    const tmpManifest = `${manifestFile}.${process.pid}`;
    fs.writeFileSync(tmpManifest, JSON.stringify({ inputs }));
    fs.renameSync(tmpManifest, manifestFile);
  }
  require("./lib/defer-sdk.cjs").deferUnusedSdkParts();
  const entry = require(outFile);
  if (typeof entry.cli !== "function") throw new Error(`tools/${tool}.ts exports no cli(argv)`);
  entry.cli(args);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.stack : e);
  process.exit(2);
});
