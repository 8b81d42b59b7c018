// Secrets Manager, the rotation Lambda and the IAM that ties them together.
import { validateResourceOfType, type PolicyResource } from "@pulumi/policy";
import { Secret } from "@pulumi/aws/secretsmanager/secret";
import { SecretRotation } from "@pulumi/aws/secretsmanager/secretRotation";
import { Permission } from "@pulumi/aws/lambda/permission";
import { Function as LambdaFunction } from "@pulumi/aws/lambda/function";
import { FunctionUrl } from "@pulumi/aws/lambda/functionUrl";
import { Policy } from "@pulumi/aws/iam/policy";
import { RolePolicy } from "@pulumi/aws/iam/rolePolicy";
import { Role } from "@pulumi/aws/iam/role";
import { UserPolicy } from "@pulumi/aws/iam/userPolicy";
import { linkedSettings } from "./lib/link";
import { configSchema, type PackPolicy } from "./lib/types";
import { asArray, isLiteralSecretEnv, isObject, parseJsonish } from "./lib/util";

const SECRET = "aws:secretsmanager/secret:Secret";
const ROTATION = "aws:secretsmanager/secretRotation:SecretRotation";

const SECRET_VERSION = "aws:secretsmanager/secretVersion:SecretVersion";
const TAILNET_KEY = "tailscale:index/tailnetKey:TailnetKey";

/**
 * A secret whose only value is a single-use Tailscale auth key that expires within a day needs no
 * rotation: the credential dies on its own (tailscale-auth-key-hardened enforces the expiry).
 */
function holdsExpiringTailnetKey(resources: PolicyResource[], secret: PolicyResource): boolean {
  const versions = linkedSettings(resources, secret, [SECRET_VERSION], "secretId");
  if (versions.length === 0) return false;
  return versions.every((v) => {
    const sources = v.propertyDependencies.secretString ?? [];
    return (
      sources.length > 0 &&
      sources.every(
        (k) =>
          k.type === TAILNET_KEY &&
          k.props.reusable !== true &&
          Number(k.props.expiry) > 0 &&
          Number(k.props.expiry) <= 86400,
      )
    );
  });
}

export const secretRotationEnabled: PackPolicy = {
  name: "secret-rotation-enabled",
  description: "Requires every Secrets Manager secret to have a rotation schedule.",
  enforcementLevel: "mandatory",
  controls: ["secrets/rotation"],
  configSchema: configSchema({
    exemptSecrets: {
      type: "array",
      items: { type: "string" },
      description: "Resource names of secrets that cannot be rotated automatically (say why in reason).",
    },
  }),
  validateStack: (args, report) => {
    const exempt = asArray<string>(args.getConfig<any>().exemptSecrets);
    for (const s of args.resources.filter((r) => r.type === SECRET && !exempt.includes(r.name))) {
      if (
        linkedSettings(args.resources, s, [ROTATION], "secretId").length === 0 &&
        !holdsExpiringTailnetKey(args.resources, s)
      ) {
        report(
          `secret ${s.name} has no aws.secretsmanager.SecretRotation. Add one with secretId set to this secret, the rotation Lambda and rotationRules.automaticallyAfterDays <= 90.`,
          s.urn,
        );
      }
    }
  },
};

/** The longest gap, in days, between two runs of an AWS cron(min hour dom month dow year) expression. */
export function cronMaxGapDays(expr: string): number | undefined {
  const f = expr.trim().split(/\s+/);
  if (f.length !== 6) return undefined;
  const [, , dom, month, dow, year] = f;
  const field = (v: string, lo: number, hi: number, names: string[] = []): Set<number> | undefined => {
    const out = new Set<number>();
    for (const part of v.split(",")) {
      const [range, stepS] = part.split("/");
      const step = stepS ? Number(stepS) : 1;
      let a = lo;
      let b = hi;
      if (range !== "*" && range !== "?") {
        const idx = (x: string) => {
          const n = names.indexOf(x.toUpperCase());
          return n >= 0 ? n + lo : Number(x);
        };
        const [x, y] = range.split("-");
        a = idx(x.replace(/[LW#].*$/, "") || String(lo));
        b = y !== undefined ? idx(y) : stepS ? hi : a;
      }
      if (!Number.isInteger(a) || !Number.isInteger(b) || !(step > 0)) return undefined;
      for (let i = a; i <= b; i += step) out.add(i);
    }
    return out;
  };
  const months = field(month, 1, 12, [
    "JAN",
    "FEB",
    "MAR",
    "APR",
    "MAY",
    "JUN",
    "JUL",
    "AUG",
    "SEP",
    "OCT",
    "NOV",
    "DEC",
  ]);
  const doms = dom === "?" ? undefined : field(dom, 1, 31);
  const dows = dow === "?" ? undefined : field(dow, 1, 7, ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]);
  if (!months || (dom !== "?" && !doms) || (dow !== "?" && !dows)) return undefined;
  const years = year === "*" ? undefined : field(year, 1970, 2199);
  // Walk three years of days and measure the longest gap between matching days.
  const start = Date.UTC(2026, 0, 1);
  let last: number | undefined;
  let first: number | undefined;
  let gap = 0;
  for (let d = 0; d < 3 * 366; d++) {
    const t = new Date(start + d * 86400000);
    if (years && !years.has(t.getUTCFullYear())) continue;
    if (!months.has(t.getUTCMonth() + 1)) continue;
    if (doms && !doms.has(t.getUTCDate())) continue;
    if (dows && !dows.has(t.getUTCDay() + 1)) continue;
    if (last !== undefined) gap = Math.max(gap, d - last);
    first ??= d;
    last = d;
  }
  if (last === undefined || first === undefined) return Number.POSITIVE_INFINITY;
  return Math.max(gap, first === last ? Number.POSITIVE_INFINITY : 0);
}

/** Days between rotations, from automaticallyAfterDays, a rate() or a cron() expression (its longest gap). */
export function rotationDays(rules: any): number | undefined {
  if (!isObject(rules)) return undefined;
  if (rules.automaticallyAfterDays !== undefined) return Number(rules.automaticallyAfterDays);
  const expr = String(rules.scheduleExpression ?? "").trim();
  const m = /^rate\(\s*(\d+)\s+(day|days|hour|hours|minute|minutes)\s*\)$/i.exec(expr);
  if (m) return /^hour/i.test(m[2]) ? Number(m[1]) / 24 : /^minute/i.test(m[2]) ? Number(m[1]) / 1440 : Number(m[1]);
  const c = /^cron\((.*)\)$/i.exec(expr);
  if (c) return cronMaxGapDays(c[1]);
  return undefined;
}

export const secretRotationInterval: PackPolicy = {
  name: "secret-rotation-interval",
  description: "Requires secret rotation at least every 90 days.",
  enforcementLevel: "mandatory",
  controls: ["secrets/rotation-interval"],
  configSchema: configSchema({ maxDays: { type: "integer", minimum: 1 } }),
  validateResource: validateResourceOfType(SecretRotation, (r, args, report) => {
    const max = Number(args.getConfig<any>().maxDays ?? 90);
    const days = rotationDays(r.rotationRules);
    if (days === undefined || Number.isNaN(days))
      report(`rotationRules has no schedule. Set rotationRules.automaticallyAfterDays to at most ${max}.`);
    else if (days > max)
      report(`rotation every ${days} days exceeds ${max}. Set rotationRules.automaticallyAfterDays to at most ${max}.`);
  }),
};

export const secretCmkEncryption: PackPolicy = {
  name: "secret-cmk-encryption",
  description: "Recommends encrypting secrets with a customer-managed KMS key instead of the AWS-managed default.",
  enforcementLevel: "advisory",
  controls: ["secrets/cmk"],
  configSchema: configSchema(),
  validateResource: validateResourceOfType(Secret, (s, _a, report) => {
    if (typeof s.kmsKeyId !== "string" || s.kmsKeyId === "" || /(^|:)alias\/aws\//i.test(s.kmsKeyId)) {
      report(
        "kmsKeyId is not a customer-managed key. Set kmsKeyId to the stack's KMS key so its key policy controls who can decrypt.",
      );
    }
  }),
};

export const lambdaNoPublicInvoke: PackPolicy = {
  name: "lambda-no-public-invoke",
  description: "Prohibits public Lambda invocation; every invoke permission names a principal and a SourceArn.",
  enforcementLevel: "mandatory",
  controls: ["lambda/public-invoke"],
  configSchema: configSchema(),
  validateResource: [
    validateResourceOfType(Permission, (p, _a, report) => {
      const principal = String(p.principal ?? "");
      if (principal === "*")
        report(
          'principal is "*": anyone can invoke the function. Set principal to the calling service (e.g. "secretsmanager.amazonaws.com") and sourceArn to the caller.',
        );
      else if (typeof p.sourceArn !== "string" || p.sourceArn === "") {
        report(
          `principal ${principal} has no sourceArn, so any resource of that service in any account can invoke it. Set sourceArn (e.g. the secret's ARN).`,
        );
      }
    }),
    validateResourceOfType(FunctionUrl, (u, _a, report) => {
      if (u.authorizationType === "NONE")
        report('authorizationType is "NONE": the function URL is public. Use "AWS_IAM" or remove the URL.');
    }),
  ],
};

const FUNCTION = "aws:lambda/function:Function";
const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";
const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const INVOKE_CONFIG = "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig";

function dependsOn(r: PolicyResource, target: PolicyResource): boolean {
  return (
    r.dependencies.some((d) => d.urn === target.urn) ||
    Object.values(r.propertyDependencies).some((ds) => ds.some((d) => d.urn === target.urn))
  );
}

export const lambdaOperationalHygiene: PackPolicy = {
  name: "lambda-operational-hygiene",
  description: "Recommends a DLQ or error alarm, a concurrency limit, log retention and X-Ray tracing on every Lambda.",
  enforcementLevel: "advisory",
  controls: ["lambda/hygiene"],
  configSchema: configSchema(),
  validateStack: (args, report) => {
    const fns = args.resources.filter((r) => r.type === FUNCTION);
    for (const f of fns) {
      const p = f.props;
      const fname = typeof p.name === "string" ? p.name : f.name;
      const missing: string[] = [];
      const alarm = args.resources.some(
        (r) =>
          r.type === ALARM &&
          r.props.namespace === "AWS/Lambda" &&
          r.props.metricName === "Errors" &&
          (dependsOn(r, f) || r.props.dimensions?.FunctionName === fname || fns.length === 1),
      );
      const onFailure = args.resources.some(
        (r) =>
          r.type === INVOKE_CONFIG &&
          r.props.destinationConfig?.onFailure &&
          (dependsOn(r, f) || r.props.functionName === fname),
      );
      if (!p.deadLetterConfig?.targetArn && !alarm && !onFailure)
        missing.push("a dead-letter queue or an Errors alarm");
      if (!(Number(p.reservedConcurrentExecutions) > 0)) missing.push("reservedConcurrentExecutions");
      const logGroup = args.resources.some(
        (r) =>
          r.type === LOG_GROUP &&
          Number(r.props.retentionInDays) > 0 &&
          (r.props.name === `/aws/lambda/${fname}` || r.props.name === p.loggingConfig?.logGroup || dependsOn(r, f)),
      );
      if (!logGroup) missing.push("a log group with retentionInDays");
      if (p.tracingConfig?.mode !== "Active") missing.push('tracingConfig.mode "Active"');
      if (missing.length)
        report(
          `Lambda ${f.name} lacks ${missing.join(", ")}. Add them so a failed rotation is noticed and bounded.`,
          f.urn,
        );
    }
  },
};

export const lambdaEnvNoSecrets: PackPolicy = {
  name: "lambda-env-no-secrets",
  description: "Requires Lambda environment variables to be KMS-encrypted and free of secret values.",
  enforcementLevel: "mandatory",
  controls: ["lambda/env"],
  configSchema: configSchema(),
  validateResource: validateResourceOfType(LambdaFunction, (f, _a, report) => {
    const vars = (f.environment as any)?.variables;
    if (!isObject(vars) || Object.keys(vars).length === 0) return;
    if (typeof f.kmsKeyArn !== "string" || f.kmsKeyArn === "")
      report("environment variables are set but kmsKeyArn is not. Set kmsKeyArn to the stack's KMS key.");
    const bad = Object.keys(vars).filter((k) => isLiteralSecretEnv(k, vars[k]));
    if (bad.length)
      report(
        `environment variable(s) ${bad.join(", ")} hold a secret value. Pass the secret's ARN and read it from Secrets Manager at run time.`,
      );
  }),
};

/**
 * Actions AWS does not let you scope to a resource (Service Authorization Reference: no resource types),
 * so Resource "*" is the only way to grant them.
 */
const WIDE_OK =
  /^(logs|xray|cloudwatch|ec2messages|ssmmessages|ec2:Describe|sts:GetCallerIdentity|ssm:(UpdateInstanceInformation|GetCommandInvocation|ListCommandInvocations|ListCommands|DescribeInstanceInformation)$|secretsmanager:(GetRandomPassword|ListSecrets)$|kms:(ListKeys|ListAliases)$|s3:ListAllMyBuckets$)/i;
const SCOPED_SERVICES = /^(secretsmanager|kms|s3|iam|ssm|lambda|sts):/i;

/** Pure check of one policy document; returns the problems found. */
export function iamDocumentProblems(doc: unknown): string[] {
  const d = parseJsonish(doc);
  if (!isObject(d)) return [];
  const problems: string[] = [];
  asArray<any>(d.Statement).forEach((s, i) => {
    if (s?.Effect !== "Allow") return;
    const actions = asArray<string>(s.Action).map(String);
    const resources = asArray<string>(s.Resource).map(String);
    // A wildcard resource is any pattern that matches every ARN of a service (e.g. "arn:aws:s3:::*").
    const anyResource =
      resources.some((r) => r === "*" || /^arn:[^:]*:[^:]*:[^:]*:[^:]*:\*$|^arn:\*/.test(r)) ||
      s.NotResource !== undefined;
    const allActions = actions.some((a) => /^\*(:\*)?$/.test(a));
    if (allActions && anyResource) problems.push(`Statement[${i}] allows "*" on "*"`);
    else if (allActions) problems.push(`Statement[${i}] allows every action`);
    if (s.NotResource !== undefined) problems.push(`Statement[${i}] uses NotResource with Allow`);
    for (const a of actions) {
      // Service prefixes are case-insensitive and may themselves be wildcards ("i*:*", "IAM:*Policy*").
      const [svc = "", act = ""] = a.split(":");
      const svcRe = new RegExp(
        `^${svc
          .replace(/[.+^${}()|[\]\\]/g, "\\$&")
          .replace(/\*/g, ".*")
          .replace(/\?/g, ".")}$`,
        "i",
      );
      if (svcRe.test("iam") && /\*/.test(a) && /^(\*|[^:]*\*[^:]*|.*(put|attach|create|pass|update|\*).*)$/i.test(act))
        problems.push(`Statement[${i}] allows ${a}, which includes IAM writes`);
      else if (anyResource && a !== "*" && SCOPED_SERVICES.test(a) && !WIDE_OK.test(a))
        problems.push(`Statement[${i}] allows ${a} on "*"`);
    }
    if (s.NotAction !== undefined) problems.push(`Statement[${i}] uses NotAction with Allow`);
  });
  return problems;
}

const reportDoc = (docs: unknown[], report: (m: string) => void) => {
  const problems = docs.flatMap(iamDocumentProblems);
  if (problems.length)
    report(
      `${problems.join("; ")}. Scope actions to what the role needs and Resource to the one secret ARN, key ARN and bucket prefix.`,
    );
};

export const iamLeastPrivilege: PackPolicy = {
  name: "iam-least-privilege",
  description:
    "Prohibits wildcard actions on wildcard resources, iam:* and unscoped secret, key or bucket access in IAM policies.",
  enforcementLevel: "mandatory",
  controls: ["iam/least-privilege"],
  configSchema: configSchema(),
  validateResource: [
    validateResourceOfType(Policy, (p, _a, report) => reportDoc([p.policy], report)),
    validateResourceOfType(RolePolicy, (p, _a, report) => reportDoc([p.policy], report)),
    validateResourceOfType(UserPolicy, (p, _a, report) => reportDoc([p.policy], report)),
    validateResourceOfType(Role, (r, _a, report) =>
      reportDoc(
        asArray<any>(r.inlinePolicies).map((ip) => ip?.policy),
        report,
      ),
    ),
  ],
};

/** AWS-managed policies that hand out admin, IAM writes, or every secret, key or bucket. */
const POWERFUL_MANAGED =
  /:policy\/(AdministratorAccess|PowerUserAccess|IAMFullAccess|SecretsManagerReadWrite|AmazonS3FullAccess|AWSKeyManagementServicePowerUser|AmazonEC2FullAccess|AmazonSSMFullAccess|AWSLambda_FullAccess)$/i;
const ATTACHMENTS = [
  "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  "aws:iam/userPolicyAttachment:UserPolicyAttachment",
  "aws:iam/groupPolicyAttachment:GroupPolicyAttachment",
  "aws:iam/policyAttachment:PolicyAttachment",
];

export const iamNoPowerfulManagedPolicies: PackPolicy = {
  name: "iam-no-powerful-managed-policies",
  description: "Prohibits attaching AWS-managed admin, IAM or full-access policies to any role, user or group.",
  enforcementLevel: "mandatory",
  controls: ["iam/least-privilege"],
  configSchema: configSchema(),
  validateResource: (args, report) => {
    const arns = ATTACHMENTS.includes(args.type)
      ? [args.props.policyArn]
      : args.type === "aws:iam/role:Role" || args.type === "aws:iam/user:User"
        ? asArray(args.props.managedPolicyArns)
        : [];
    for (const a of arns.map(String).filter((x) => POWERFUL_MANAGED.test(x)))
      report(
        `${a} is attached: it grants far more than the gateway's host or Lambda need. Attach a scoped policy instead.`,
      );
  },
};

/** Pure: what is wrong with a role's trust policy (who may assume it). */
export function trustProblems(doc: unknown): string[] {
  const d = parseJsonish(doc);
  const out: string[] = [];
  asArray<any>(d?.Statement).forEach((s, i) => {
    if (s?.Effect !== "Allow") return;
    const principals = isObject(s.Principal)
      ? Object.values(s.Principal).flatMap((v) => asArray<string>(v))
      : asArray<string>(s.Principal);
    const hasCondition = isObject(s.Condition) && Object.keys(s.Condition).length > 0;
    if (s.NotPrincipal !== undefined) out.push(`Statement[${i}] trusts everyone but a NotPrincipal list`);
    if (principals.map(String).some((p) => p === "*" || /^arn:[^:]+:iam::\*:root$/.test(p)) && !hasCondition)
      out.push(`Statement[${i}] lets any principal assume the role`);
    if (isObject(s.Principal) && s.Principal.Federated !== undefined && !hasCondition)
      out.push(`Statement[${i}] trusts a federated provider without conditions on the token's subject and audience`);
  });
  return out;
}

export const iamRoleTrustScoped: PackPolicy = {
  name: "iam-role-trust-scoped",
  description:
    "Prohibits role trust policies that let anyone, any account or an unconditioned federation assume the role.",
  enforcementLevel: "mandatory",
  controls: ["iam/trust"],
  configSchema: configSchema(),
  validateResource: validateResourceOfType(Role, (r, _a, report) => {
    const p = trustProblems(r.assumeRolePolicy);
    if (p.length) report(`${p.join("; ")}. Name the service or account that needs the role and add conditions.`);
  }),
};

export const secretsPolicies: PackPolicy[] = [
  iamNoPowerfulManagedPolicies,
  iamRoleTrustScoped,
  secretRotationEnabled,
  secretRotationInterval,
  secretCmkEncryption,
  lambdaNoPublicInvoke,
  lambdaOperationalHygiene,
  lambdaEnvNoSecrets,
  iamLeastPrivilege,
];
