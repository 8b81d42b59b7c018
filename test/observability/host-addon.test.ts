/** The observability HostAddon the VM target passes to GatewayVm, and the compose logging driver. */
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { gatewayContainerSpec } from "../../components/container/spec";
import { renderCompose } from "../../components/container/render-compose";
import { observabilityHostAddon, PROBE_SCRIPT, PROBE_TIMER } from "../../components/observability/host";
import { hostFileArtifacts } from "../../components/gateway-vm/layout";
import { awslogsLogging } from "../../components/observability/policies";
import { testConfig } from "../helpers/config";
import { valueOf } from "../helpers/mocks";

const LG = "arn:aws:logs:us-east-1:123456789012:log-group:/openclaw/prod/gateway";

describe("observabilityHostAddon", () => {
  const addon = observabilityHostAddon({
    stack: "prod",
    region: "us-east-1",
    logGroupArn: LG,
    probeIntervalMinutes: 2,
  });

  it("installs the probe, its units, and enables only the timer", () => {
    expect(addon.files.map((f) => [f.path, f.permissions])).toEqual([
      [PROBE_SCRIPT, "0755"],
      ["/etc/systemd/system/openclaw-health.service", "0644"],
      ["/etc/systemd/system/openclaw-health.timer", "0644"],
    ]);
    expect(addon.enableUnits).toEqual([PROBE_TIMER]);
    expect(String(addon.files[2]!.content)).toContain("OnUnitActiveSec=2min");
  });

  it("lets the host write log streams into the gateway's group only, and metrics into one namespace", async () => {
    const statements = await valueOf(addon.policyStatements!);
    expect(statements).toEqual([
      {
        Sid: "GatewayContainerLogs",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: [LG, `${LG}:log-stream:*`],
      },
      {
        Sid: "GatewayHealthMetrics",
        Effect: "Allow",
        Action: "cloudwatch:PutMetricData",
        Resource: "*",
        Condition: { StringEquals: { "cloudwatch:namespace": "OpenClaw/Gateway" } },
      },
    ]);
    // Nothing account-wide: no logs:* / CreateLogGroup, no wildcard log resource.
    expect(JSON.stringify(statements)).not.toMatch(/CreateLogGroup|logs:\*|log-group:\*/);
  });

  it("gives plan artifacts under vm/", () => {
    const files = Object.fromEntries(addon.files.map((f) => [f.path, { content: String(f.content) }]));
    expect(Object.keys(hostFileArtifacts(files)).sort()).toEqual([
      "vm/scripts/health-probe.sh",
      "vm/units/openclaw-health.service",
      "vm/units/openclaw-health.timer",
    ]);
  });
});

describe("awslogsLogging", () => {
  it("renders into the gateway service of the compose file", () => {
    const spec = gatewayContainerSpec(testConfig());
    const yaml = renderCompose(spec, {
      configHostPath: "/run/openclaw/openclaw.json",
      envFile: "/run/openclaw/gateway.env",
      stateHostDir: "/var/lib/openclaw/state",
      logging: awslogsLogging("/openclaw/prod/gateway", "us-east-1"),
    });
    const logging = parse(yaml).services.gateway.logging;
    expect(logging.driver).toBe("awslogs");
    expect(logging.options).toMatchObject({
      "awslogs-group": "/openclaw/prod/gateway",
      "awslogs-region": "us-east-1",
      "awslogs-create-group": "false",
      mode: "non-blocking",
    });
  });
});
