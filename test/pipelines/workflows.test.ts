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
  it("deploys prod only after dev and a read-only preview of prod, each behind its own environment", () => {
    expect(w.jobs["prod-preview"].needs).toBe("dev");
    expect(w.jobs.prod.needs).toBe("prod-preview");
    const p = w.jobs["prod-preview"];
    expect(p.environment).toBe("prod-preview");
    const [step] = pulumiSteps(p);
    expect(step.with).toMatchObject({ command: "preview", diff: true, policyPacks: "policies" });
    expect(p.concurrency).toEqual({ group: "deploy-prod", "cancel-in-progress": false });
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

// A workflow that a pull request triggers runs the PR's own code and, for same-repository branches, the
// PR's own version of the workflow file: whatever such a job can reach, the PR author can read.
const PR_EVENTS = ["pull_request", "pull_request_target", "pull_request_review", "pull_request_review_comment"];
const triggers = (w: any): string[] =>
  typeof w.on === "string" ? [w.on] : Array.isArray(w.on) ? w.on : Object.keys(w.on);

/** Every string anywhere under a value, with the path it sits at. */
function strings(v: unknown, at = ""): [string, string][] {
  if (typeof v === "string") return [[at, v]];
  if (Array.isArray(v)) return v.flatMap((x, i) => strings(x, `${at}[${i}]`));
  if (v && typeof v === "object") return Object.entries(v).flatMap(([k, x]) => strings(x, at ? `${at}.${k}` : k));
  return [];
}

/** What in one job (or the workflow's top level) would hand the job a secret or a cloud credential. */
function credentialFindings(job: any): string[] {
  const out: string[] = [];
  const perms = job.permissions;
  if (perms === "write-all" || (perms && typeof perms === "object" && perms["id-token"] === "write"))
    out.push("permissions: id-token write (OIDC token for a cloud role)");
  if (job.environment) out.push(`environment: ${JSON.stringify(job.environment)} (its secrets and variables)`);
  if (job.secrets) out.push("secrets: passed to a reusable workflow");
  for (const [where, text] of strings({
    env: job.env,
    steps: job.steps,
    with: job.with,
    services: job.services,
    container: job.container,
  })) {
    if (/\$\{\{[^}]*\bsecrets\b/.test(text) && !/\$\{\{\s*secrets\.GITHUB_TOKEN\s*\}\}/.test(text))
      out.push(`${where}: references secrets (${text.slice(0, 60)})`);
    if (/\bvars\.AWS_\w*ROLE\w*/.test(text)) out.push(`${where}: names a cloud role (${text.slice(0, 60)})`);
    if (
      /AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN|WEB_IDENTITY_TOKEN_FILE)|PULUMI_ACCESS_TOKEN|ACTIONS_ID_TOKEN_REQUEST/.test(
        where + text,
      )
    )
      out.push(`${where}: cloud credential variable (${text.slice(0, 60)})`);
    if (
      /^(aws-actions\/configure-aws-credentials|pulumi\/actions|google-github-actions\/auth|azure\/login)@/.test(text)
    )
      out.push(`${where}: credential-minting or cloud action ${text.split("@")[0]}`);
  }
  return out;
}

describe("no job a pull request triggers can reach a secret or a cloud credential", () => {
  const prWorkflows = FILES.filter((f) => triggers(wf(f)).some((t) => PR_EVENTS.includes(t)));

  it("pr-preview.yml is the pull-request workflow, and only it", () => {
    expect(prWorkflows).toEqual(["pr-preview.yml"]);
    expect(triggers(wf("pr-preview.yml"))).not.toContain("pull_request_target");
  });

  it.each(prWorkflows)("%s: no secret, id-token, environment, cloud role or credential in any job", (file) => {
    const w = wf(file);
    const findings = [
      ...credentialFindings({ permissions: w.permissions, env: w.env }).map((f) => `(workflow) ${f}`),
      ...allJobs(file).flatMap(([name, job]) => credentialFindings(job).map((f) => `${name}: ${f}`)),
    ];
    expect(findings).toEqual([]);
    // Every job still has something to do: the tests and the offline plan with its policy verdicts.
    expect(steps(w.jobs.test).map((s) => s.run)).toContain("npm test");
    expect(steps(w.jobs.plan).some((s) => s.run?.includes("plan -- --stack"))).toBe(true);
  });

  it("the check catches each way a job could be handed a credential", () => {
    const cases: any[] = [
      { permissions: { "id-token": "write" } },
      { permissions: "write-all" },
      { environment: "prod" },
      { environment: { name: "dev" } },
      { env: { TOKEN: "${{ secrets.PULUMI_ACCESS_TOKEN }}" } },
      { steps: [{ run: "echo ${{ secrets.ANY }}" }] },
      { steps: [{ uses: "x/y@0", with: { token: "${{ secrets['X'] }}" } }] },
      { steps: [{ uses: "aws-actions/configure-aws-credentials@abc", with: { "aws-region": "us-east-1" } }] },
      { steps: [{ uses: "pulumi/actions@abc" }] },
      { steps: [{ run: "aws sts assume-role --role-arn ${{ vars.AWS_DEPLOY_ROLE_ARN }}" }] },
      { steps: [{ run: "curl $ACTIONS_ID_TOKEN_REQUEST_URL" }] },
      { secrets: "inherit" },
    ];
    for (const job of cases) expect({ job, found: credentialFindings(job).length > 0 }).toEqual({ job, found: true });
    expect(
      credentialFindings({ permissions: { contents: "read", "pull-requests": "write" }, steps: [{ run: "npm test" }] }),
    ).toEqual([]);
  });

  it.each(FILES)(
    "%s: every job holding a credential runs in an environment (secrets and roles are per environment)",
    (file) => {
      for (const [name, job] of allJobs(file)) {
        const holds = credentialFindings({ ...job, environment: undefined }).length > 0;
        if (holds)
          expect({ name, environment: job.environment ?? null }).toEqual({ name, environment: expect.anything() });
      }
    },
  );
});
