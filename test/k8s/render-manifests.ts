/**
 * Writes the Kubernetes manifests of a stack file as YAML, without Pulumi: CI scans them with Trivy
 * and Checkov (ci/steps/35-k8s-lint.sh). Same renderers as the program, so what is linted is what deploys.
 *   npx tsx test/k8s/render-manifests.ts <out-dir> [Pulumi.k8s.yaml] [--caddy]
 * --caddy also renders the Caddy variant (ingress caddy) with a representative Caddyfile, so its
 * Deployment is linted too.
 */
import { ingressFor } from "../../components/ingress/modes/registry";
import * as fs from "node:fs";
import * as path from "node:path";
import { rawFromYaml } from "../../components/config/load";
import { parseStackConfig, providerKeyEnv, type StackConfig } from "../../components/config/schema";
import { renderGatewayConfigJson } from "../../components/gateway-config/render";
import { renderK8s } from "../../components/gateway-k8s/manifests";
import { gatewayContainerSpec } from "../../components/container/spec";
import { renderK8sArtifacts } from "../../components/gateway-k8s/gateway-k8s";

export function renderStackManifests(
  stackFile: string,
  variant: "as-configured" | "caddy" = "as-configured",
): Record<string, string> {
  const raw = rawFromYaml(
    [path.join(path.dirname(stackFile), "Pulumi.yaml"), stackFile].filter((f) => fs.existsSync(f)),
  );
  const stack = path.basename(stackFile).replace(/^Pulumi\.|\.yaml$/g, "");
  const values =
    variant === "caddy"
      ? {
          ...raw.values,
          ingress: "caddy",
          caddy: { domain: "gateway.example.com", acmeEmail: "ops@example.com", basicAuth: { enabled: false } },
        }
      : raw.values;
  const parsed = parseStackConfig({ stack, values, secretKeys: raw.secretKeys });
  if (!parsed.ok) throw new Error(`${stackFile}: ${JSON.stringify(parsed.problems)}`);
  const cfg: StackConfig = parsed.config;
  const keys = parsed.secretNames.map((n) => providerKeyEnv[n]).filter((v): v is string => !!v);
  const spec = gatewayContainerSpec(cfg, { providerKeyEnv: keys });
  const configJson = renderGatewayConfigJson(cfg, ingressFor(cfg.ingress, "kubernetes")(cfg).facts);
  return renderK8sArtifacts(
    renderK8s({
      cfg,
      spec,
      configJson,
    }),
  );
}

if (require.main === module) {
  const [out, stackFile = "Pulumi.k8s.yaml", flag] = process.argv.slice(2);
  if (!out) {
    console.error("usage: render-manifests.ts <out-dir> [Pulumi.<stack>.yaml] [--caddy]");
    process.exit(2);
  }
  const variants: ("as-configured" | "caddy")[] = flag === "--caddy" ? ["as-configured", "caddy"] : ["as-configured"];
  for (const v of variants) {
    const dir = v === "caddy" ? path.join(out, "caddy-variant") : out;
    for (const [rel, text] of Object.entries(renderStackManifests(stackFile, v))) {
      const file = path.join(dir, rel);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, text);
    }
    console.log(
      `render-manifests: wrote ${Object.keys(renderStackManifests(stackFile, v)).length} manifests (${v}) to ${dir}/k8s`,
    );
  }
}
