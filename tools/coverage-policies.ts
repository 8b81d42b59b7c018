// Counts the controls of policy-rules.md that some pack policy declares in its `controls`, and lists
// the rest. Exit 1 when any control is uncovered. `npm run coverage:policies [-- --rules <path>]`.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { allPolicies } from "../policies/all";
import { CONTROLS, type ControlId } from "../policies/lib/controls";

export interface ControlRow {
  section: string;
  text: string;
}

const norm = (s: string) => s.replace(/\s+/g, " ").trim().toLowerCase();

/** Every data row of every table, tagged with the first word of its "## " heading. */
export function parseRules(md: string): ControlRow[] {
  const rows: ControlRow[] = [];
  let section = "";
  for (const line of md.split("\n")) {
    const h = /^##\s+(\S+)/.exec(line);
    if (h) section = h[1];
    if (!line.startsWith("|") || /^\|\s*(control|-{3})/.test(line)) continue;
    const first = line.split("|")[1]?.trim();
    if (first) rows.push({ section, text: first });
  }
  return rows;
}

export function coverage(
  rows: ControlRow[],
  declared: ControlId[],
): { covered: ControlRow[]; uncovered: ControlRow[] } {
  const keys = new Set(declared.map((id) => `${norm(CONTROLS[id][0])}|${norm(CONTROLS[id][1])}`));
  const covered = rows.filter((r) => keys.has(`${norm(r.section)}|${norm(r.text)}`));
  return { covered, uncovered: rows.filter((r) => !covered.includes(r)) };
}

if (require.main === module) {
  const i = process.argv.indexOf("--rules");
  const path = i >= 0 ? process.argv[i + 1] : resolve(__dirname, "../../shared/reference/policy-rules.md");
  const rows = parseRules(readFileSync(path, "utf8"));
  const { covered, uncovered } = coverage(
    rows,
    allPolicies.flatMap((p) => p.controls),
  );
  console.log(`covered ${covered.length}/${rows.length} controls with ${allPolicies.length} policies`);
  for (const r of uncovered) console.log(`  uncovered: [${r.section}] ${r.text}`);
  process.exit(uncovered.length > 0 ? 1 : 0);
}
