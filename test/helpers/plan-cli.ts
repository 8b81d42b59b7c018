/** The offline plan CLI as `npm run plan` runs it (the bundled CLI, rebuilt when a source changed): a real process. */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";

export const ROOT = path.resolve(__dirname, "../..");

export function plan(...args: string[]) {
  return spawnSync(process.execPath, ["tools/run.cjs", "plan", ...args], {
    cwd: ROOT,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
}

/** A copy of a shipped stack file with one key changed. */
export function variant(stack: string, key: string, value: unknown): string {
  const doc = parse(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8"));
  doc.config[key] = value;
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "plan-cli-")), `Pulumi.${stack}.yaml`);
  fs.writeFileSync(file, JSON.stringify(doc));
  return file;
}
