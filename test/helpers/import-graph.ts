/**
 * The repository's own import graph, from the source text: which file loads which when the program runs.
 * Type-only imports are left out (the compiler erases them; no call ever follows one), npm packages too.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import ts from "typescript";

export const ROOT = path.resolve(__dirname, "../..");

/** True when an import or re-export loads the module at run time. */
function loadsAtRunTime(node: ts.ImportDeclaration | ts.ExportDeclaration): boolean {
  if (ts.isImportDeclaration(node)) {
    const clause = node.importClause;
    if (!clause) return true; // `import "x"`: run for its effects
    if (clause.isTypeOnly) return false;
    if (clause.name) return true;
    const b = clause.namedBindings;
    if (!b || ts.isNamespaceImport(b)) return true;
    return b.elements.length === 0 || b.elements.some((e) => !e.isTypeOnly);
  }
  if (node.isTypeOnly) return false;
  const c = node.exportClause;
  return !c || !ts.isNamedExports(c) || c.elements.some((e) => !e.isTypeOnly);
}

function resolve(from: string, spec: string): string | undefined {
  const base = path.join(path.dirname(from), spec);
  for (const c of [`${base}.ts`, path.join(base, "index.ts"), base]) {
    const abs = path.join(ROOT, c);
    if (fs.existsSync(abs) && fs.statSync(abs).isFile() && c.endsWith(".ts")) return c;
  }
  return undefined;
}

/** Repository files (relative paths) the file loads at run time, in source order. */
export function runtimeImports(file: string): string[] {
  const text = fs.readFileSync(path.join(ROOT, file), "utf8");
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, false);
  const out: string[] = [];
  for (const node of sf.statements) {
    if (!(ts.isImportDeclaration(node) || ts.isExportDeclaration(node))) continue;
    const spec = node.moduleSpecifier;
    if (!spec || !ts.isStringLiteral(spec) || !spec.text.startsWith(".") || !loadsAtRunTime(node)) continue;
    const target = resolve(file, spec.text);
    if (target && !out.includes(target)) out.push(target);
  }
  return out;
}

export interface Walk {
  /** Files in the order a depth-first walk of the imports first enters them. */
  order: string[];
  /** Imports back into a file the walk is still inside: the walk would come back to a file it left. */
  backEdges: string[];
}

/** Depth-first walk from an entry, never entering the files in `skip`. */
export function walk(entry: string, skip: readonly string[] = []): Walk {
  const order: string[] = [];
  const backEdges: string[] = [];
  const state = new Map<string, "open" | "done">();
  const visit = (f: string) => {
    state.set(f, "open");
    order.push(f);
    for (const g of runtimeImports(f)) {
      if (skip.includes(g)) continue;
      const s = state.get(g);
      if (s === undefined) visit(g);
      else if (s === "open") backEdges.push(`${f} -> ${g}`);
    }
    state.set(f, "done");
  };
  visit(entry);
  return { order, backEdges };
}

if (require.main === module) {
  const [entry = "stacks/index.ts", ...skip] = process.argv.slice(2);
  const w = walk(entry, skip);
  for (const [i, f] of w.order.entries()) console.log(`${String(i + 1).padStart(3)}. ${f}`);
  console.log(`${w.order.length} files, ${w.backEdges.length} imports back into a file still open`);
  for (const e of w.backEdges) console.log(`  ${e}`);
}
