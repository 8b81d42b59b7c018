// The pack's evaluation time for one stack: the plan is built once, then evaluatePolicies runs on its
// inputs several times and the median is printed in milliseconds. `tsx tools/lib/bench-policy.ts prod`.
import { evaluatePolicies } from "../../policies/lib/evaluate";
import { runPlan, stackPolicyConfig } from "./plan";

export async function packEvaluationMs(stack: string, runs = 5): Promise<number> {
  const plan = await runPlan({ stack });
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await evaluatePolicies(plan.policyInputs, { config: stackPolicyConfig(stack) as never });
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

if (require.main === module) {
  void packEvaluationMs(process.argv[2] ?? "prod").then((ms) => console.log(ms.toFixed(0)));
}
