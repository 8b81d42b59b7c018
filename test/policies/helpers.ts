import {
  evaluateWith,
  type EvaluateOptions,
  type PolicyResourceInput,
  type Violation,
} from "../../policies/lib/evaluate";
import type { PackPolicy } from "../../policies/lib/types";

export const res = (
  type: string,
  name: string,
  props: Record<string, any>,
  extra: Partial<PolicyResourceInput> = {},
): PolicyResourceInput => ({
  type,
  name,
  props,
  urn: `urn:pulumi:test::openclaw::${type}::${name}`,
  ...extra,
});

export async function run(
  policy: PackPolicy,
  resources: PolicyResourceInput[],
  opts: EvaluateOptions = {},
): Promise<Violation[]> {
  return evaluateWith([policy], resources, opts);
}

/** A table row: resources in, and either no violation or one whose message matches. */
export interface Case {
  name: string;
  resources: PolicyResourceInput[];
  expect: RegExp | null;
}

export const cloudConfig = (files: { path: string; content: string }[], extra = "") =>
  "#cloud-config\n" +
  "write_files:\n" +
  files
    .map((f) => `  - path: ${f.path}\n    permissions: "0640"\n    content: ${JSON.stringify(f.content)}\n`)
    .join("") +
  extra;

export const secureGatewayConfig = {
  gateway: {
    mode: "local",
    bind: "lan",
    port: 18789,
    auth: { mode: "token", rateLimit: { maxAttempts: 10, windowMs: 60000 } },
    controlUi: {
      allowedOrigins: ["https://openclaw.example.ts.net"],
      allowInsecureAuth: false,
      dangerouslyDisableDeviceAuth: false,
    },
    trustedProxies: ["127.0.0.1"],
    tailscale: { mode: "serve" },
  },
  tools: { profile: "coding", fs: { workspaceOnly: true } },
};

export const secureComposeService = {
  image: "ghcr.io/openclaw/openclaw:2026.9.6",
  read_only: true,
  cap_drop: ["ALL"],
  security_opt: ["no-new-privileges:true"],
  user: "1000:1000",
  mem_limit: "2g",
  cpus: 1.5,
  pids_limit: 256,
  ports: ["127.0.0.1:18789:18789"],
  healthcheck: { test: ["CMD", "node", "-e", "fetch('http://127.0.0.1:18789/healthz')"], interval: "30s" },
  volumes: ["openclaw-state:/home/node/.openclaw"],
  tmpfs: ["/tmp"],
};

export const secureDockerContainer = {
  image: "ghcr.io/openclaw/openclaw:2026.9.6",
  readOnly: true,
  capabilities: { drops: ["ALL"] },
  securityOpts: ["no-new-privileges:true"],
  user: "1000:1000",
  memory: 2048,
  cpus: "1.5",
  ulimits: [{ name: "nproc", soft: 512, hard: 512 }],
  ports: [{ internal: 18789, external: 18789, ip: "127.0.0.1" }],
  healthcheck: { tests: ["CMD", "wget", "-qO-", "http://127.0.0.1:18789/healthz"], interval: "30s" },
  volumes: [{ volumeName: "openclaw-state", containerPath: "/home/node/.openclaw" }],
  envs: [`OPENCLAW_GATEWAY_TOKEN=${"a".repeat(20)}${"b".repeat(44)}`],
};
