/**
 * Values the schema once let through, each refused naming key, value and fix; then the whole class: every
 * number key refuses NaN, infinities and absurd magnitudes, and every string key refuses newlines and the
 * characters compose, Kubernetes, systemd and the shell would interpolate. The keys come from walking the
 * schema itself, so a key added later is covered without editing this file.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { parseStackConfig, showValue, stackConfigSchema } from "../../components/config/schema";
import { BASE_VALUES } from "../helpers/config";

const ROOT = path.resolve(__dirname, "../..");

function problems(values: Record<string, unknown>) {
  const r = parseStackConfig({ stack: "t", values: { ...BASE_VALUES, ...values }, secretKeys: new Set() });
  return r.ok ? [] : r.problems;
}

const k8s = { target: "kubernetes", kubernetes: { trustedProxyCidrs: ["10.244.0.0/16"] } };

// [what, values, key the problem names, value as shown, fix the message states]
const cases: [string, Record<string, unknown>, string, string, RegExp][] = [
  [
    "a tag that overrides the stack's own openclaw:stack",
    { tags: { "openclaw:stack": "dev" } },
    "openclaw:tags.openclaw:stack",
    '"dev"',
    /set by the stack itself .*remove it from openclaw:tags or rename it/,
  ],
  [
    "the same tag in other case (IAM matches tag keys case-insensitively)",
    { tags: { "OpenClaw:Role": "gateway" } },
    "openclaw:tags.OpenClaw:Role",
    '"gateway"',
    /set by the stack itself/,
  ],
  ["a tag value with a newline", { tags: { team: "a\nb" } }, "openclaw:tags.team", '"a\\nb"', /letters, digits/],
  [
    "a VPC CIDR with host bits",
    { network: { cidr: "10.40.7.9/16" } },
    "openclaw:network.cidr",
    '"10.40.7.9/16"',
    /host bits set: write the network address 10\.40\.0\.0\/16/,
  ],
  [
    "a schedule that is not a calendar",
    { backup: { schedule: "not a calendar" } },
    "openclaw:backup.schedule",
    '"not a calendar"',
    /e\.g\. '\*-\*-\* 03:00:00'/,
  ],
  [
    "an allowed origin https://*",
    { gateway: { extraAllowedOrigins: ["https://*"] } },
    "openclaw:gateway.extraAllowedOrigins.0",
    '"https://*"',
    /no wildcards.*https:\/\/gateway\.example\.com/,
  ],
  [
    "an allowed origin javascript:",
    { gateway: { extraAllowedOrigins: ["javascript:alert(1)"] } },
    "openclaw:gateway.extraAllowedOrigins.0",
    '"javascript:alert(1)"',
    /only https/,
  ],
  [
    "a plain-http origin to a non-loopback host",
    { gateway: { extraAllowedOrigins: ["http://gateway.example.com"] } },
    "openclaw:gateway.extraAllowedOrigins.0",
    '"http://gateway.example.com"',
    /only https \(or http to localhost/,
  ],
  [
    "an origin with a path",
    { gateway: { extraAllowedOrigins: ["https://a.example.com/x"] } },
    "openclaw:gateway.extraAllowedOrigins.0",
    '"https://a.example.com/x"',
    /not a bare origin/,
  ],
  ["gateway.cpus 1e-9", { gateway: { cpus: 1e-9 } }, "openclaw:gateway.cpus", "1e-9", /at least 0\.1 cores/],
  ["gateway.cpus 0.123456", { gateway: { cpus: 0.123456 } }, "openclaw:gateway.cpus", "0.123456", /steps of 0\.01/],
  [
    "a command compose would interpolate",
    { gateway: { command: ["node", "${HOME}/evil.js"] } },
    "openclaw:gateway.command.1",
    '"${HOME}/evil.js"',
    /must not contain '\$': compose and Kubernetes substitute/,
  ],
  [
    "a command Kubernetes would interpolate",
    { gateway: { command: ["sh", "-c", "$(cat /etc/passwd)"] } },
    "openclaw:gateway.command.2",
    '"$(cat /etc/passwd)"',
    /must not contain '\$'/,
  ],
  [
    "a storageClass with a newline",
    { ...k8s, kubernetes: { ...k8s.kubernetes, storageClass: "gp3\nevil: true" } },
    "openclaw:kubernetes.storageClass",
    '"gp3\\nevil: true"',
    /DNS-1123 subdomain/,
  ],
  [
    "trustedProxyCidrs 0.0.0.0/8",
    { ...k8s, kubernetes: { trustedProxyCidrs: ["0.0.0.0/8"] } },
    "openclaw:kubernetes.trustedProxyCidrs.0",
    '"0.0.0.0/8"',
    /special-purpose range 0\.0\.0\.0\/8.*10\.244\.0\.0\/16/,
  ],
  [
    "trustedProxyCidrs loopback",
    { ...k8s, kubernetes: { trustedProxyCidrs: ["127.0.0.0/8"] } },
    "openclaw:kubernetes.trustedProxyCidrs.0",
    '"127.0.0.0/8"',
    /special-purpose range 127\.0\.0\.0\/8/,
  ],
  [
    "trustedProxyCidrs covering link-local (IMDS)",
    { ...k8s, kubernetes: { trustedProxyCidrs: ["169.0.0.0/8"] } },
    "openclaw:kubernetes.trustedProxyCidrs.0",
    '"169.0.0.0/8"',
    /169\.254\.0\.0\/16/,
  ],
  [
    "trustedProxyCidrs with host bits",
    { ...k8s, kubernetes: { trustedProxyCidrs: ["10.244.3.7/16"] } },
    "openclaw:kubernetes.trustedProxyCidrs.0",
    '"10.244.3.7/16"',
    /network address 10\.244\.0\.0\/16/,
  ],
  [
    "rotation.enabled false",
    { rotation: { enabled: false } },
    "openclaw:rotation.enabled",
    "false",
    /must be true: .*rotation function.*set it to true/,
  ],
  [
    "a NaN (.nan) is shown as NaN",
    { gateway: { cpus: Number.NaN } },
    "openclaw:gateway.cpus",
    "NaN",
    /number of cores/,
  ],
  [
    "an infinite budget (.inf)",
    { observability: { monthlyBudgetUsd: Number.POSITIVE_INFINITY } },
    "openclaw:observability.monthlyBudgetUsd",
    "Infinity",
    /between 1 and 1000000/,
  ],
  [
    "a budget of a billionth of a dollar",
    { observability: { monthlyBudgetUsd: 1e-9 } },
    "openclaw:observability.monthlyBudgetUsd",
    "1e-9",
    /at least 1 USD/,
  ],
];

describe("values the config once accepted", () => {
  it.each(cases)("%s: refused, naming key, value and fix", (_, values, key, shown, fix) => {
    const p = problems(values).find((x) => x.key === key);
    expect(p, JSON.stringify(problems(values))).toBeDefined();
    expect(p!.value).toBe(shown);
    expect(p!.message).toMatch(fix);
  });

  it.each([
    [
      "a bare https origin",
      { gateway: { extraAllowedOrigins: ["https://ops.example.com", "https://a.example.com:8443"] } },
    ],
    ["http to loopback", { gateway: { extraAllowedOrigins: ["http://localhost:3000", "http://127.0.0.1:18789"] } }],
    ["1.5 cores", { gateway: { cpus: 1.5 } }],
    ["a plain command", { gateway: { command: ["node", "/app/openclaw.mjs", "gateway", "run"] } }],
    ["a storage class", { ...k8s, kubernetes: { ...k8s.kubernetes, storageClass: "ebs.csi.aws.com-gp3" } }],
    ["a CGNAT pod CIDR", { ...k8s, kubernetes: { trustedProxyCidrs: ["100.64.0.0/16", "172.16.0.0/12"] } }],
    ["a team tag", { tags: { team: "platform", "cost-center": "42" } }],
  ])("still accepts %s", (_, values) => {
    expect(problems(values)).toEqual([]);
  });

  it("showValue prints non-finite numbers as such, also inside lists", () => {
    expect(showValue(Number.NaN)).toBe("NaN");
    expect(showValue(Number.NEGATIVE_INFINITY)).toBe("-Infinity");
    expect(showValue([1, Number.NaN])).toBe('[1,"<NaN>"]');
  });
});

/** Every leaf of the schema: its path (arrays as index 0, records under a sample key) and its zod type. */
function leaves(schema: z.ZodType, at: (string | number)[] = []): { path: (string | number)[]; type: string }[] {
  const def = (schema as unknown as { _zod: { def: Record<string, unknown> & { type: string } } })._zod.def;
  switch (def.type) {
    case "object":
      return Object.entries(def.shape as Record<string, z.ZodType>).flatMap(([k, s]) => leaves(s, [...at, k]));
    case "default":
    case "prefault":
    case "optional":
    case "nullable":
    case "readonly":
      return leaves(def.innerType as z.ZodType, at);
    case "pipe":
      return leaves(def.in as z.ZodType, at);
    case "array":
      return leaves(def.element as z.ZodType, [...at, 0]);
    case "record":
      return [
        ...leaves(def.keyType as z.ZodType, [...at, "<key>"]),
        ...leaves(def.valueType as z.ZodType, [...at, "team"]),
      ];
    default:
      return [{ path: at, type: def.type }];
  }
}

/** The base values with `value` placed at `path` (`<key>`: used as a record key itself). */
function place(path: (string | number)[], value: unknown): Record<string, unknown> {
  const build = (i: number): unknown => {
    if (i === path.length) return value;
    const k = path[i];
    if (k === 0) return [build(i + 1)];
    if (k === "<key>") return { [String(value)]: "x" };
    return { [k]: build(i + 1) };
  };
  return build(0) as Record<string, unknown>;
}

const all = leaves(stackConfigSchema("dev"));
const strings = all.filter((l) => l.type === "string");
const numbers = all.filter((l) => l.type === "number");
const keyOf = (p: (string | number)[]) => {
  const parts = p.filter((x) => x !== "<key>").map(String);
  return `openclaw:${parts[0]}${parts.length > 1 ? `.${parts.slice(1).join(".")}` : ""}`;
};

describe("the whole class, over every key of the schema", () => {
  it("finds the schema's keys", () => {
    expect(strings.length).toBeGreaterThanOrEqual(20);
    expect(numbers.length).toBeGreaterThanOrEqual(20);
    expect(strings.map((s) => keyOf(s.path))).toContain("openclaw:kubernetes.storageClass");
    expect(numbers.map((s) => keyOf(s.path))).toContain("openclaw:gateway.cpus");
  });

  // `$` is what compose (${VAR}, $VAR), Kubernetes ($(VAR)) and systemd ($VAR, ${VAR}) substitute.
  const hostileStrings = ["x\ny", "x\r", "${HOME}", "$(id)", "$HOME", "x\u0000y"];
  it.each(strings.map((s) => [keyOf(s.path), s.path] as const))(
    "%s refuses newlines, control characters and interpolation",
    (key, p) => {
      for (const bad of hostileStrings) {
        const found = problems(place([...p], bad)).filter((x) => x.key.startsWith(key.replace(/\.0$/, "")));
        expect(found, `${key} = ${JSON.stringify(bad)} was accepted`).not.toEqual([]);
      }
    },
  );

  it.each(numbers.map((s) => [keyOf(s.path), s.path] as const))(
    "%s refuses NaN, infinities and absurd magnitudes",
    (key, p) => {
      for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e308, -1e308, 1e-300]) {
        const found = problems(place([...p], bad)).filter((x) => x.key === key);
        expect(found, `${key} = ${bad} was accepted`).not.toEqual([]);
        expect(found[0].value).toBe(showValue(bad));
      }
    },
  );
});

describe("npm run plan", () => {
  it("exits 2 before any resource, naming each key and value, .nan included", () => {
    const doc = fs.readFileSync(path.join(ROOT, "Pulumi.k8s.yaml"), "utf8");
    const bad = `${doc.trimEnd()}
  openclaw:tags:
    openclaw:stack: dev
  openclaw:network:
    cidr: 10.40.7.9/16
  openclaw:rotation:
    enabled: false
  openclaw:observability:
    monthlyBudgetUsd: .nan
`;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hostile-plan-"));
    fs.writeFileSync(path.join(dir, "Pulumi.k8s.yaml"), bad);
    // As `npm run plan` runs it (the bundled CLI).
    const r = spawnSync(
      process.execPath,
      ["tools/run.cjs", "plan", "--stack", "k8s", "--config", path.join(dir, "Pulumi.k8s.yaml")],
      { cwd: ROOT, encoding: "utf8" },
    );
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toContain(
      'openclaw:tags.openclaw:stack = "dev": tag key "openclaw:stack" is set by the stack itself',
    );
    expect(r.stderr).toContain('openclaw:network.cidr = "10.40.7.9/16": has host bits set');
    expect(r.stderr).toContain("openclaw:rotation.enabled = false: must be true");
    expect(r.stderr).toContain("openclaw:observability.monthlyBudgetUsd = NaN: ");
    expect(r.stdout).not.toContain("kubernetes:");
  }, 120_000);
});
