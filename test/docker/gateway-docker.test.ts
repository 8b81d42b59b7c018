import { describe, expect, it } from "vitest";
import { ingressFor } from "../../components/ingress/modes/registry";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { gatewayContainerSpec } from "../../components/container/spec";
import { missingSecretEnv } from "../../components/gateway-k8s/gateway-k8s";
import { GatewayDocker, renderDockerArtifacts } from "../../components/gateway-docker/gateway-docker";
import { testConfig } from "../helpers/config";
import { ofType, withMocks } from "../helpers/mocks";

const TOKEN = `tok-${"y".repeat(40)}`;
const cfg = testConfig({ target: "docker", ingress: "none" });
const spec = gatewayContainerSpec(cfg);
const configJson = '{"gateway":{"mode":"local","bind":"lan"}}\n';

describe("GatewayDocker", () => {
  it("creates a private network, state and config volumes, the config writer and the gateway", async () => {
    const { resources } = await withMocks(
      () =>
        new GatewayDocker("local", {
          spec,
          configJson,
          publishPort: ingressFor("none", "docker")(testConfig()).publishPort,
          secretEnv: { OPENCLAW_GATEWAY_TOKEN: pulumi.secret(TOKEN) },
        }),
      { stack: "local" },
    );
    expect(resources.map((r) => r.type).sort()).toEqual(
      [
        "openclaw:docker:GatewayDocker",
        "docker:index/network:Network",
        "docker:index/volume:Volume",
        "docker:index/volume:Volume",
        "docker:index/container:Container",
        "docker:index/container:Container",
      ].sort(),
    );
    const [writer, gateway] = ["local-config-writer", "local-gateway"].map((n) => resources.find((r) => r.name === n)!);
    expect(gateway!.inputs.envs).toContain(`OPENCLAW_GATEWAY_TOKEN=${TOKEN}`);
    expect(JSON.stringify(gateway!.redacted)).not.toContain(TOKEN);
    expect(gateway!.inputs.ports).toEqual([{ internal: 18789, external: 18789, ip: "127.0.0.1", protocol: "tcp" }]);
    expect(gateway!.inputs.mounts).toContainEqual({
      type: "volume",
      source: "openclaw-config",
      target: "/etc/openclaw",
      readOnly: true,
    });
    expect(gateway!.inputs.networksAdvanced[0].name).toBe("openclaw-local");
    expect(writer!.inputs.envs).toEqual([`OPENCLAW_CONFIG_JSON=${configJson}`]);
    expect(writer!.inputs).toMatchObject({
      readOnly: true,
      user: "1000:1000",
      networkMode: "none",
      attach: true,
      mustRun: false,
    });
    expect(ofType(resources, "docker:index/network:Network")[0]!.inputs.internal).toBeUndefined();
  });

  it("publishes nothing when a proxy fronts the gateway", async () => {
    expect(ingressFor("none", "docker")(testConfig()).publishPort).toBe(true);
    const { resources } = await withMocks(
      () =>
        new GatewayDocker("local", {
          spec,
          configJson,
          publishPort: false,
          secretEnv: { OPENCLAW_GATEWAY_TOKEN: TOKEN },
        }),
    );
    expect(resources.find((r) => r.name === "local-gateway")!.inputs.ports).toEqual([]);
  });

  it("names the secrets a caller forgot (the constructor refuses them before registering anything)", () => {
    expect(missingSecretEnv(spec, [])).toEqual(["OPENCLAW_GATEWAY_TOKEN"]);
    expect(missingSecretEnv(spec, ["OPENCLAW_GATEWAY_TOKEN"])).toEqual([]);
  });

  it("writes a runnable local compose file, the config beside it and an env template without values", () => {
    const a = renderDockerArtifacts({ spec, configJson, publishPort: true });
    const compose = parse(a["local/compose.yaml"]!);
    expect(compose.services.gateway.volumes).toContain("./config/openclaw.json:/etc/openclaw/openclaw.json:ro");
    expect(compose.services.gateway.env_file).toEqual(["./gateway.env"]);
    expect(compose.services.gateway.ports).toEqual(["127.0.0.1:18789:18789"]);
    expect(a["local/openclaw.json"]).toBe(configJson);
    expect(a["local/gateway.env.example"]).toBe("OPENCLAW_GATEWAY_TOKEN=\n");
  });
});
