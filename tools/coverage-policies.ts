// Counts the controls of the project's catalogue (policies/lib/controls.ts) that some pack policy declares
// in its `controls`, and lists the rest. Exit 1 when any control is uncovered. `npm run coverage:policies`.
import { allPolicies } from "../policies/all";
import { CONTROLS, type Control, type ControlId } from "../policies/lib/controls";

export interface Coverage {
  covered: ControlId[];
  uncovered: ControlId[];
  /** Ids a policy names that the catalogue does not define (a typo or a removed control). */
  unknown: string[];
}

export function coverage(catalogue: Record<string, Control>, declared: string[]): Coverage {
  const ids = Object.keys(catalogue) as ControlId[];
  const named = new Set(declared);
  return {
    covered: ids.filter((id) => named.has(id)),
    uncovered: ids.filter((id) => !named.has(id)),
    unknown: [...named].filter((id) => !(id in catalogue)),
  };
}

if (require.main === module) {
  const r = coverage(
    CONTROLS,
    allPolicies.flatMap((p) => p.controls),
  );
  const total = Object.keys(CONTROLS).length;
  console.log(`covered ${r.covered.length}/${total} controls with ${allPolicies.length} policies`);
  for (const id of r.uncovered) console.log(`  uncovered: ${id}: ${CONTROLS[id].requires}`);
  for (const id of r.unknown) console.log(`  unknown control named by a policy: ${id}`);
  process.exit(r.uncovered.length > 0 || r.unknown.length > 0 ? 1 : 0);
}
