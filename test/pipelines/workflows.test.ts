// Structural checks of the three workflows: the properties the pipelines' safety rests on (triggers,
// OIDC instead of keys, approvals, non-overlapping deploys, policy packs on preview and up). actionlint
// and action-validator (ci/steps/40-pipelines.sh) check syntax and schema; these check intent.
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";

const DIR = path.resolve(__dirname, "../../.github/workflows");
const text = (f: string) => fs.readFileSync(path.join(DIR, f), "utf8");
const wf = (f: string) => parse(text(f)) as any;
const FILES = ["pr-preview.yml", "deploy.yml", "drift.yml"];

type Step = { uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, string>; if?: string };
const steps = (job: any): Step[] => job.steps ?? [];
const pulumiSteps = (job: any) => steps(job).filter((s) => s.uses?.startsWith("pulumi/actions@"));
const allJobs = (f: string) => Object.entries(wf(f).jobs) as [string, any][];

describe.each(FILES)("%s: common rules", (file) => {
  it("never uses npm ci (it fails with this lock file) and installs with npm install", () => {
    const runs = allJobs(file).flatMap(([, job]) => steps(job).map((s) => s.run ?? ""));
    expect(runs.filter((r) => /\bnpm\s+(ci|clean-install)\b/.test(r))).toEqual([]);
    expect(runs.some((r) => /^npm install\b/.test(r))).toBe(true);
  });

  it("holds no long-lived AWS keys", () => {
    expect(text(file)).not.toMatch(/AWS_SECRET_ACCESS_KEY|AWS_ACCESS_KEY_ID|aws-access-key-id|aws-secret-access-key/i);
  });

  it("pins every action by full commit SHA with the release in a comment", () => {
    const uses = [...text(file).matchAll(/uses:\s*(\S+)(.*)$/gm)];
    expect(uses.length).toBeGreaterThan(0);
    for (const [, ref, rest] of uses) {
      expect(ref).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
      expect(rest).toMatch(/# v\d+\.\d+\.\d+/);
    }
  });

  it("defaults to read-only contents and grants id-token only where AWS is assumed", () => {
    expect(wf(file).permissions).toEqual({ contents: "read" });
    for (const [name, job] of allJobs(file)) {
      const assumes = steps(job).some((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@"));
      expect({ name, idToken: job.permissions?.["id-token"] === "write" }).toEqual({ name, idToken: assumes });
      for (const s of steps(job).filter((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@"))) {
        expect(s.with?.["role-to-assume"]).toMatch(/^\$\{\{ vars\.AWS_\w+_ROLE_ARN \}\}$/);
      }
    }
  });

  it("takes the Pulumi token from secrets on every Pulumi step", () => {
    for (const [, job] of allJobs(file)) {
      for (const s of pulumiSteps(job)) expect(s.env?.PULUMI_ACCESS_TOKEN).toBe("${{ secrets.PULUMI_ACCESS_TOKEN }}");
    }
  });
});

describe("pr-preview.yml", () => {
  const w = wf("pr-preview.yml");
  it("runs on pull requests", () => {
    expect(Object.keys(w.on)).toEqual(["pull_request"]);
  });
  it("runs npm test and the offline plan of every stack file, failing on its exit code", () => {
    expect(steps(w.jobs.test).map((s) => s.run)).toContain("npm test");
    expect(w.jobs.plan.strategy.matrix.stack).toBe("${{ fromJSON(needs.stacks.outputs.all) }}");
    expect(steps(w.jobs.stacks).some((s) => s.run?.includes("Pulumi.*.yaml"))).toBe(true);
    const plan = steps(w.jobs.plan);
    expect(plan.some((s) => s.run?.includes('npm run --silent plan -- --stack "$STACK" --json'))).toBe(true);
    expect(plan.some((s) => s.run?.includes("tools/pr-summary.ts") && s.run.includes("GITHUB_STEP_SUMMARY"))).toBe(
      true,
    );
    const gate = plan[plan.length - 1];
    expect(gate.if).toBe("steps.plan.outputs.code != '0'");
    expect(gate.run).toMatch(/exit 1/);
  });
  it("previews dev and prod with diff, the policy pack and a PR comment, after test and plan", () => {
    const p = w.jobs.preview;
    expect(p.needs).toEqual(["test", "plan"]);
    expect(p.strategy.matrix.stack).toEqual(["dev", "prod"]);
    expect(p.permissions).toMatchObject({ "id-token": "write", "pull-requests": "write" });
    const [step] = pulumiSteps(p);
    expect(step.with).toMatchObject({ command: "preview", diff: true, policyPacks: "policies", "comment-on-pr": true });
    expect(p.if).toMatch(/head\.repo\.full_name == github\.repository/);
  });
});

describe("deploy.yml", () => {
  const w = wf("deploy.yml");
  it("runs on push to main", () => {
    expect(w.on.push).toEqual({ branches: ["main"] });
  });
  it.each(["dev", "prod"])("%s: own environment, own non-cancelling concurrency group, policy pack on up", (stack) => {
    const job = w.jobs[stack];
    expect(job.environment).toBe(stack);
    expect(job.concurrency).toEqual({ group: `deploy-${stack}`, "cancel-in-progress": false });
    const [up] = pulumiSteps(job);
    expect(up.with).toMatchObject({ command: "up", policyPacks: "policies" });
    expect(String(up.with?.["stack-name"])).toContain(stack);
    // The offline gate runs before any credential is minted.
    const names = steps(job).map((s) => s.run ?? s.uses ?? "");
    const gate = names.findIndex((n) => n.includes(`plan -- --stack ${stack}`));
    const creds = names.findIndex((n) => n.startsWith("aws-actions/configure-aws-credentials@"));
    expect(gate).toBeGreaterThanOrEqual(0);
    expect(gate).toBeLessThan(creds);
  });
  it("deploys prod only after dev", () => {
    expect(w.jobs.prod.needs).toBe("dev");
  });
});

describe("drift.yml", () => {
  const w = wf("drift.yml");
  it("runs on a schedule (and by hand)", () => {
    expect(w.on.schedule[0].cron).toMatch(/^\S+ \S+ \* \* \*$/);
    expect(w.on).toHaveProperty("workflow_dispatch");
  });
  it("previews each stack with refresh and expect-no-changes", () => {
    const job = w.jobs.drift;
    expect(job.strategy.matrix.stack).toEqual(["dev", "prod"]);
    const [p] = pulumiSteps(job);
    expect(p.with).toMatchObject({ command: "preview", refresh: true, "expect-no-changes": true });
  });
  it("opens or updates an issue on failure, with issues: write", () => {
    const job = w.jobs.drift;
    expect(job.permissions.issues).toBe("write");
    const open = steps(job).find((s) => s.if?.includes("failure()"))!;
    expect(open.uses).toMatch(/^actions\/github-script@/);
    expect(String(open.with?.script)).toMatch(/issues\.create\(/);
    expect(String(open.with?.script)).toMatch(/issues\.createComment\(/);
  });
  it("shares the deploy concurrency group so a refresh never reads a half-applied stack", () => {
    expect(w.jobs.drift.concurrency).toEqual({ group: "deploy-${{ matrix.stack }}", "cancel-in-progress": false });
  });
});
