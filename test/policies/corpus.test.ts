// The adversarial corpus (test/policies/corpus/corpus.ts) against the whole pack: every insecure variant is
// refused with a mandatory violation, every secure one passes, and policies/README.md shows the counts.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { evaluatePolicies, type PolicyResourceInput } from "../../policies/lib/evaluate";
import { runPlan, stackPolicyConfig } from "../../tools/lib/plan";
import { buildCorpus, CLASS_TITLES, corpusTable, type CorpusClass } from "./corpus/corpus";

const corpus = buildCorpus();
const stacks = ["prod", "k8s", "local"] as const;
const plans = new Map<string, PolicyResourceInput[]>();

beforeAll(async () => {
  for (const s of stacks) plans.set(s, (await runPlan({ stack: s })).policyInputs);
}, 120_000);

async function judge(stack: string, inputs: PolicyResourceInput[]) {
  const v = await evaluatePolicies(inputs, { config: stackPolicyConfig(stack) as any });
  return v.filter((x) => x.level === "mandatory");
}

describe("the corpus", () => {
  it("has at least 100 insecure and 30 secure variants, over all five classes, each tagged with a peer rule", () => {
    expect(corpus.filter((v) => !v.secure).length).toBeGreaterThanOrEqual(100);
    expect(corpus.filter((v) => v.secure).length).toBeGreaterThanOrEqual(30);
    for (const cls of Object.keys(CLASS_TITLES) as CorpusClass[]) {
      expect(corpus.filter((v) => v.cls === cls && !v.secure).length, cls).toBeGreaterThan(0);
    }
    for (const v of corpus) expect(v.peer.length, v.id).toBeGreaterThan(2);
    expect(new Set(corpus.map((v) => v.id)).size).toBe(corpus.length);
  });

  it("the shipped plans it starts from have no mandatory violation", async () => {
    for (const s of stacks) expect(await judge(s, plans.get(s)!)).toEqual([]);
  });

  it("rejects every insecure variant and accepts every secure one", async () => {
    const wrong: string[] = [];
    for (const v of corpus) {
      const m = await judge(v.stack, v.build(plans.get(v.stack)!));
      if (v.secure && m.length > 0)
        wrong.push(`accepted expected: ${v.id}: ${m.map((x) => `${x.policy}: ${x.message}`).join(" | ")}`);
      if (!v.secure && m.length === 0) wrong.push(`rejection expected: ${v.id}`);
    }
    expect(wrong).toEqual([]);
  }, 60_000);

  it("policies/README.md lists the classes with the corpus's counts and peer rules", () => {
    const readme = readFileSync(resolve(__dirname, "../../policies/README.md"), "utf8");
    const table = corpusTable(corpus);
    const at = readme.indexOf("| class | insecure | secure | peer rules |");
    expect(at, "policies/README.md has no corpus table").toBeGreaterThanOrEqual(0);
    expect(readme.slice(at, at + table.length)).toBe(table);
  });
});
