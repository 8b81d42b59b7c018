/**
 * SSM Command documents carry what runs on the host once the release is applied in place: the pack decodes
 * their shell steps (JSON or YAML, schema 2.x mainSteps or 1.2 runtimeConfig) and the files they write, and
 * refuses a document it cannot read.
 */
import { describe, expect, it } from "vitest";
import { uncheckable } from "../../policies/artifacts";
import { containerSpecsOf } from "../../policies/containers";
import { documentScripts, gatewayConfigs, SSM_DOCUMENT } from "../../policies/lib/artifacts";

const b64 = (s: string) => Buffer.from(s).toString("base64");
const compose = "services:\n  gateway:\n    image: ghcr.io/openclaw/openclaw:2026.9.6\n    privileged: true\n";
const config = '{"gateway":{"mode":"local","auth":{"mode":"none"}}}\n';
const lines = [
  'd="/var/lib/openclaw/release-staging/x"',
  `install -D -m 0644 /dev/null "$d/compose.yaml" && printf '%s' '${b64(compose)}' | base64 -d > "$d/compose.yaml"`,
  `install -D -m 0600 /dev/null "$d/openclaw.json" && printf '%s' '${b64(config)}' | base64 -d > "$d/openclaw.json"`,
];

describe("documentScripts", () => {
  it.each([
    [
      "schema 2.2 JSON",
      JSON.stringify({ schemaVersion: "2.2", mainSteps: [{ name: "a", inputs: { runCommand: lines } }] }),
    ],
    [
      "schema 2.2 YAML",
      `schemaVersion: "2.2"\nmainSteps:\n  - name: a\n    inputs:\n      runCommand:\n${lines.map((l) => `        - ${JSON.stringify(l)}`).join("\n")}\n`,
    ],
    [
      "schema 1.2 runtimeConfig",
      JSON.stringify({ schemaVersion: "1.2", runtimeConfig: { a: { properties: { runCommand: lines } } } }),
    ],
  ])("%s: the step's script, and the files it writes decoded", (_n, content) => {
    expect(documentScripts(content)).toEqual([{ step: "a", script: lines.join("\n") }]);
    const specs = containerSpecsOf(SSM_DOCUMENT, { content });
    expect(specs.map((s) => s.image)).toEqual(["ghcr.io/openclaw/openclaw:2026.9.6"]);
    expect(gatewayConfigs(SSM_DOCUMENT, { content }).map((g) => g.config?.gateway?.auth?.mode)).toEqual(["none"]);
    expect(uncheckable(SSM_DOCUMENT, { content })).toEqual([]);
  });

  it("a document that is neither JSON nor YAML is refused as uncheckable", () => {
    expect(uncheckable(SSM_DOCUMENT, { content: "{{{ not a document" })).toEqual([
      expect.stringMatching(/neither JSON nor YAML/),
    ]);
  });
});
