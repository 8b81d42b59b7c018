import { describe, expect, it } from "vitest";
import * as pulumi from "@pulumi/pulumi";
import { gatewayContainerSpec } from "../../components/container/spec";
import { GatewayK8s, missingSecretEnv } from "../../components/gateway-k8s/gateway-k8s";
import { testConfig } from "../helpers/config";
import { one, withMocks } from "../helpers/mocks";

const TOKEN = `tok-${"x".repeat(40)}`;
const cfg = testConfig({ target: "kubernetes", kubernetes: { trustedProxyCidrs: ["10.244.0.0/16"] } });
const spec = gatewayContainerSpec(cfg);
const configJson = '{"gateway":{"mode":"local"}}\n';

describe("GatewayK8s", () => {
  it("registers every manifest, a Secret from secret Outputs and a provider from the kubeconfig", async () => {
    let gw!: GatewayK8s;
    const { resources } = await withMocks(() => {
      gw = new GatewayK8s("gw", {
        config: cfg,
        spec,
        configJson,
        secretEnv: { OPENCLAW_GATEWAY_TOKEN: pulumi.secret(TOKEN) },
        kubeconfig: pulumi.secret("apiVersion: v1"),
      });
    });
    const types = resources.map((r) => r.type).sort();
    expect(types).toEqual(
      [
        "openclaw:kubernetes:GatewayK8s",
        "pulumi:providers:kubernetes",
        "kubernetes:core/v1:Namespace",
        "kubernetes:core/v1:ServiceAccount",
        "kubernetes:core/v1:Secret",
        "kubernetes:core/v1:ConfigMap",
        "kubernetes:core/v1:PersistentVolumeClaim",
        "kubernetes:core/v1:PersistentVolumeClaim",
        "kubernetes:networking.k8s.io/v1:NetworkPolicy",
        "kubernetes:networking.k8s.io/v1:NetworkPolicy",
        "kubernetes:apps/v1:Deployment",
        "kubernetes:core/v1:Service",
        "kubernetes:networking.k8s.io/v1:Ingress",
      ].sort(),
    );
    const secret = one(resources, "kubernetes:core/v1:Secret");
    expect(secret.inputs.stringData).toEqual({ OPENCLAW_GATEWAY_TOKEN: TOKEN });
    expect(JSON.stringify(secret.redacted)).not.toContain(TOKEN);
    const dep = one(resources, "kubernetes:apps/v1:Deployment");
    expect(JSON.stringify(dep.inputs)).not.toContain(TOKEN);
    expect(dep.inputs.spec.template.spec.hostname).toBe(spec.hostname);
    expect(dep.inputs.spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem).toBe(true);
    for (const r of resources.filter((r) => r.type.startsWith("kubernetes:")))
      expect(r.inputs.metadata.namespace ?? r.inputs.metadata.name).toBe("openclaw");

    const artifacts = gw.artifacts();
    expect(Object.keys(artifacts)).toContain("k8s/deployment-openclaw-gateway.yaml");
    expect(Object.keys(artifacts).some((k) => k.includes("secret"))).toBe(false);
    expect(Object.values(artifacts).join("\n")).not.toContain(TOKEN);
  });

  it("uses the ambient kubeconfig when none is configured", async () => {
    const { resources } = await withMocks(
      () => new GatewayK8s("gw", { config: cfg, spec, configJson, secretEnv: { OPENCLAW_GATEWAY_TOKEN: TOKEN } }),
    );
    expect(resources.some((r) => r.type === "pulumi:providers:kubernetes")).toBe(false);
  });

  it("refuses to start without every secret the spec names", () => {
    const withKey = gatewayContainerSpec(cfg, { providerKeyEnv: ["OPENAI_API_KEY"] });
    expect(missingSecretEnv(withKey, ["OPENCLAW_GATEWAY_TOKEN"])).toEqual(["OPENAI_API_KEY"]);
    expect(missingSecretEnv(withKey, ["OPENCLAW_GATEWAY_TOKEN", "OPENAI_API_KEY"])).toEqual([]);
  });
});
