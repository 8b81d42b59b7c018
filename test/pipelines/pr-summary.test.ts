import { describe, expect, it } from "vitest";
import { commentMarker, monthlyCost, renderSummary } from "../../tools/pr-summary";

const plan = (extra: object = {}) =>
  JSON.stringify({
    stack: "dev",
    resources: [
      {
        urn: "urn:pulumi:dev::openclaw::aws:s3/bucket:Bucket::backups",
        type: "aws:s3/bucket:Bucket",
        name: "backups",
        inputs: { secretish: "hunter2-token-value" },
      },
      {
        urn: "urn:pulumi:dev::openclaw::aws:ec2/instance:Instance::gw",
        type: "aws:ec2/instance:Instance",
        name: "gw",
        inputs: {},
      },
      {
        urn: "urn:pulumi:dev::openclaw::aws:ec2/instance:Instance::gw2",
        type: "aws:ec2/instance:Instance",
        name: "gw2",
        inputs: {},
      },
    ],
    violations: [],
    ...extra,
  });

describe("renderSummary", () => {
  it("passing plan: verdict, counts by type, marker for the sticky comment", () => {
    const md = renderSummary({ stack: "dev", planText: plan(), exitCode: 0 });
    expect(md.startsWith(commentMarker("dev"))).toBe(true);
    expect(md).toContain(":white_check_mark: **Policies pass**");
    expect(md).toContain("3 resources");
    expect(md).toContain("| `aws:ec2/instance:Instance` | 2 |");
    expect(md).toContain("monthly cost: n/a");
  });

  it("never prints resource inputs", () => {
    expect(renderSummary({ stack: "dev", planText: plan(), exitCode: 0 })).not.toContain("hunter2");
  });

  it("lists mandatory before advisory and escapes table-breaking characters", () => {
    const md = renderSummary({
      stack: "prod",
      planText: plan({
        violations: [
          {
            policy: "egress-justified",
            level: "advisory",
            urn: "urn:pulumi:prod::openclaw::aws:ec2/securityGroup:SecurityGroup::sg",
            message: "egress 0.0.0.0/0",
          },
          {
            policy: "s3-versioning",
            level: "mandatory",
            urn: "urn:pulumi:prod::openclaw::aws:s3/bucket:Bucket::backups",
            message: "versioning off | fix:\nset backup.versioning",
          },
        ],
      }),
      exitCode: 1,
    });
    expect(md).toContain(":x: **1 mandatory violation(s)**");
    expect(md).toContain("1 advisory");
    expect(md.indexOf("s3-versioning")).toBeLessThan(md.indexOf("egress-justified"));
    expect(md).toContain("versioning off \\| fix: set backup.versioning");
    expect(md).toContain("`aws:s3/bucket:Bucket::backups`");
  });

  it("exit 1 without listed violations still reads as failing", () => {
    expect(renderSummary({ stack: "dev", planText: plan(), exitCode: 1 })).toContain(":x:");
  });

  it.each([
    [42.5, "$42.50"],
    [{ monthlyUsd: 17 }, "$17.00"],
    [{ total: 3.333 }, "$3.33"],
  ])("shows the monthly cost from %j", (cost, shown) => {
    expect(renderSummary({ stack: "dev", planText: plan({ cost }), exitCode: 0 })).toContain(
      `estimated monthly cost: **${shown}**`,
    );
  });

  it("tolerates a missing or unrecognised cost field", () => {
    expect(monthlyCost(undefined)).toBeUndefined();
    expect(monthlyCost({ currency: "USD" })).toBeUndefined();
    expect(monthlyCost(Number.NaN)).toBeUndefined();
  });

  it.each([
    ["", 2, "configuration is invalid"],
    ["Error: config key openclaw:vm.size", 2, "configuration is invalid"],
    ["{}", 1, "produced no JSON"],
  ])("a plan without JSON (%j, exit %i) is reported as failed", (text, code, why) => {
    const md = renderSummary({ stack: "dev", planText: text, exitCode: code });
    expect(md).toContain(`**Plan failed** (exit ${code})`);
    expect(md).toContain(why);
  });
});
