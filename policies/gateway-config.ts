// Rules on the gateway's own openclaw.json (what `openclaw security audit` would flag after deploy),
// on Tailscale auth keys and on stack outputs. openclaw.json reaches us inside user data, a ConfigMap
// or a Docker upload; lib/artifacts.ts finds it on every target.
import { validateResourceOfType, type PolicyResource, type ResourceValidation } from "@pulumi/policy";
import { Secret as K8sSecret } from "@pulumi/kubernetes/core/v1/secret";
import { Container } from "@pulumi/docker/container";
import { TailnetKey } from "@pulumi/tailscale/tailnetKey";
import {
  artifactsOf,
  composeFiles,
  DOCKER_CONTAINER,
  gatewayConfigs,
  isCaddyfilePath,
  type GatewayConfig,
  ARTIFACT_CARRIERS,
  HOST_CARRIER_TYPES,
} from "./lib/artifacts";
import { parseJson5 } from "./lib/decode";
import { containersOf, isWorkloadType, podSpecOf } from "./lib/k8s";
import { configSchema, type PackPolicy, type StackOutput } from "./lib/types";
import { asArray, findSecrets, isObject } from "./lib/util";

/**
 * `${VAR}` is how openclaw.json refers to the environment, and a SecretRef object ({source: env|file|exec, provider,
 * id}) to a secret provider; anything else in a token field is a literal.
 */
const isEnvRef = (v: unknown) =>
  (typeof v === "string" && /^\$\{[A-Z0-9_]+\}$/.test(v)) ||
  (isObject(v) &&
    ["env", "file", "exec"].includes((v as Record<string, unknown>).source as string) &&
    typeof (v as Record<string, unknown>).provider === "string" &&
    typeof (v as Record<string, unknown>).id === "string");

function configPolicy(check: (c: Record<string, any>, config: any) => string[]): ResourceValidation[] {
  const run = (type: string) => (props: any, args: any, report: (m: string) => void) => {
    for (const g of gatewayConfigs(type, props)) {
      // An unparseable config is reported once, by artifacts-checkable.
      if (!g.config) continue;
      for (const m of check(g.config, args.getConfig())) report(`${g.source}: ${m}`);
    }
  };
  return [
    (args, report) => {
      if (CONFIG_CARRIERS.has(args.type) || isWorkloadType(args.type)) run(args.type)(args.props, args, report);
    },
  ];
}

/** Every resource type that can carry the gateway's config: user data, ConfigMaps, Secrets, containers. */
const CONFIG_CARRIERS = ARTIFACT_CARRIERS;

const MIN_TOKEN = 32;

/** Checks the token value where it is visible: docker env, k8s Secret data. */
function tokenProblems(name: string, value: unknown): string[] {
  if (!/^OPENCLAW_GATEWAY_(TOKEN|PASSWORD)$/.test(name) || typeof value !== "string") return [];
  return value.length < MIN_TOKEN
    ? [
        `${name} is ${value.length} characters; use at least ${MIN_TOKEN} random bytes (e.g. 32 bytes hex-encoded) from the secret store.`,
      ]
    : [];
}

export const gatewayAuthRequired: PackPolicy = {
  name: "gateway-auth-required",
  description:
    "Requires gateway auth (never mode none) with a token of at least 32 random bytes kept out of openclaw.json.",
  enforcementLevel: "mandatory",
  controls: ["gw/auth"],
  configSchema: configSchema(),
  validateResource: [
    ...configPolicy((c) => {
      const auth = c.gateway?.auth;
      const out: string[] = [];
      if (auth?.mode === "none")
        out.push('gateway.auth.mode is "none": anyone who reaches the port controls the agent. Set it to "token".');
      for (const f of ["token", "password"]) {
        if (auth?.[f] !== undefined && !isEnvRef(auth[f]))
          out.push(
            `gateway.auth.${f} is a literal in the file. Remove it and pass OPENCLAW_GATEWAY_${f.toUpperCase()} from the secret store, or use a SecretRef.`,
          );
      }
      return out;
    }),
    validateResourceOfType(Container, (c, _a, report) => {
      for (const e of asArray<string>(c.envs)) {
        const [k, ...v] = String(e).split("=");
        for (const m of tokenProblems(k, v.join("="))) report(m);
      }
    }),
    validateResourceOfType(K8sSecret, (s, _a, report) => {
      const data = { ...((s.stringData as any) ?? {}) };
      for (const [k, v] of Object.entries((s.data as any) ?? {}))
        data[k] = Buffer.from(String(v), "base64").toString("utf8");
      for (const [k, v] of Object.entries(data)) for (const m of tokenProblems(k, v)) report(m);
    }),
  ],
};

const EXPOSED_BINDS = ["lan", "custom", "auto"];

export const gatewayLanBindRequiresOrigins: PackPolicy = {
  name: "gateway-lan-bind-requires-origins",
  description: "Requires auth and an explicit Control UI origin allowlist whenever the gateway binds beyond loopback.",
  enforcementLevel: "mandatory",
  controls: ["gw/lan-bind"],
  configSchema: configSchema(),
  validateResource: configPolicy((c) => {
    const g = c.gateway ?? {};
    if (!EXPOSED_BINDS.includes(g.bind)) return [];
    const out: string[] = [];
    if (!g.auth?.mode || g.auth.mode === "none")
      out.push(
        `gateway.bind is "${g.bind}" with gateway.auth.mode ${JSON.stringify(g.auth?.mode)}. Set gateway.auth.mode to "token".`,
      );
    const origins = asArray<string>(g.controlUi?.allowedOrigins);
    if (origins.length === 0 || origins.includes("*"))
      out.push(
        `gateway.bind is "${g.bind}" but gateway.controlUi.allowedOrigins is ${JSON.stringify(g.controlUi?.allowedOrigins)}. List the exact https origins that serve the Control UI.`,
      );
    return out;
  }),
};

export const gatewayControlUiHardened: PackPolicy = {
  name: "gateway-control-ui-hardened",
  description: "Prohibits insecure Control UI auth and disabled device auth.",
  enforcementLevel: "mandatory",
  controls: ["gw/control-ui"],
  configSchema: configSchema(),
  validateResource: configPolicy((c) => {
    const ui = c.gateway?.controlUi ?? {};
    return [
      ui.allowInsecureAuth === true
        ? "gateway.controlUi.allowInsecureAuth is true. Set it to false (serve the UI over HTTPS or the tailnet)."
        : "",
      ui.dangerouslyDisableDeviceAuth === true
        ? "gateway.controlUi.dangerouslyDisableDeviceAuth is true. Set it to false so new devices must be paired."
        : "",
    ].filter(Boolean);
  }),
};

const PROXY_IMAGE = /(^|\/)(caddy|nginx|traefik|haproxy|envoy)([:@]|$)/i;

/** Is a reverse proxy part of this deployment? For a VM only its own user data counts. */
function proxyOnInstance(type: string, props: Record<string, any>): boolean {
  const files = artifactsOf(type, props);
  if (files.some((f) => isCaddyfilePath(f.path))) return true;
  return composeFiles(type, props).some((f) =>
    Object.entries(f.services).some(
      ([n, s]) => PROXY_IMAGE.test(String(s?.image ?? "")) || /^(caddy|proxy|nginx|traefik)$/.test(n),
    ),
  );
}

function proxyInCluster(resources: PolicyResource[]): boolean {
  return resources.some((r) => {
    if (r.type === "kubernetes:networking.k8s.io/v1:Ingress") return true;
    if (r.type === DOCKER_CONTAINER)
      return (
        PROXY_IMAGE.test(String(r.props.image ?? "")) ||
        r.propertyDependencies.image?.some((d) => PROXY_IMAGE.test(String(d.props.name ?? "")))
      );
    if (!isWorkloadType(r.type)) return false;
    const pod = podSpecOf(r.type, r.props);
    return !!pod && containersOf(pod).some((k) => PROXY_IMAGE.test(String(k.c.image ?? "")));
  });
}

function trustedProxyProblems(g: GatewayConfig, fronted: boolean): string[] {
  const gw = g.config?.gateway ?? {};
  const proxies = asArray<string>(gw.trustedProxies);
  if (gw.auth?.mode === "trusted-proxy" && proxies.length === 0)
    return [
      `${g.source}: gateway.auth.mode is "trusted-proxy" but gateway.trustedProxies is empty. List the proxy's address.`,
    ];
  if (fronted && proxies.length === 0)
    return [
      `${g.source}: a reverse proxy fronts the gateway but gateway.trustedProxies is empty, so every request is refused (403 proxy_attribution_required) or mis-attributed. Set it to the proxy's address.`,
    ];
  return [];
}

export const gatewayTrustedProxies: PackPolicy = {
  name: "gateway-trusted-proxies",
  description: "Requires gateway.trustedProxies whenever a reverse proxy fronts the gateway.",
  enforcementLevel: "mandatory",
  controls: ["gw/trusted-proxies"],
  configSchema: configSchema(),
  validateStack: (args, report) => {
    const clusterProxy = proxyInCluster(args.resources);
    for (const r of args.resources) {
      if (!CONFIG_CARRIERS.has(r.type) && !isWorkloadType(r.type)) continue;
      const fronted = HOST_CARRIER_TYPES.includes(r.type) ? proxyOnInstance(r.type, r.props) : clusterProxy;
      for (const g of gatewayConfigs(r.type, r.props))
        for (const m of trustedProxyProblems(g, fronted)) report(m, r.urn);
    }
  },
};

export const gatewayNoTailscaleFunnel: PackPolicy = {
  name: "gateway-no-tailscale-funnel",
  description: "Prohibits Tailscale Funnel, which publishes the gateway to the whole internet.",
  enforcementLevel: "mandatory",
  controls: ["gw/funnel"],
  configSchema: configSchema(),
  validateResource: [
    ...configPolicy((c) =>
      c.gateway?.tailscale?.mode === "funnel"
        ? ['gateway.tailscale.mode is "funnel". Use "serve" (tailnet only).']
        : [],
    ),
    (args, report) => {
      if (!CONFIG_CARRIERS.has(args.type) && !isWorkloadType(args.type)) return;
      const arts = artifactsOf(args.type, args.props);
      if (arts.some((a) => /tailscale\s+funnel\s+(?!(off|reset|status)\b)/.test(a.content)))
        report("a script runs `tailscale funnel`. Use `tailscale serve` so only the tailnet can reach the gateway.");
      // A tailscale serve config (TS_SERVE_CONFIG, `tailscale serve set-config`) turns Funnel on per host:port.
      for (const a of arts) {
        if (!/AllowFunnel/.test(a.content)) continue;
        const v = parseJson5(a.content).value as any;
        const on = isObject(v?.AllowFunnel) ? Object.entries(v.AllowFunnel).filter(([, x]) => x === true) : [];
        if (on.length || !isObject(v))
          report(
            `${a.source}: the serve config turns on Funnel for ${on.map(([k]) => k).join(", ") || "a host it cannot parse"}, publishing it to the internet. Remove AllowFunnel.`,
          );
      }
    },
  ],
};

export const gatewayHooksTokenDistinct: PackPolicy = {
  name: "gateway-hooks-token-distinct",
  description: "Requires the hooks token to differ from the gateway token.",
  enforcementLevel: "mandatory",
  controls: ["gw/hooks-token"],
  configSchema: configSchema(),
  validateResource: configPolicy((c) => {
    const hooks = c.hooks?.token;
    if (hooks === undefined) return [];
    const gw = c.gateway?.auth?.token;
    if (hooks === gw || hooks === "${OPENCLAW_GATEWAY_TOKEN}")
      return [
        "hooks.token reuses the gateway token, so a leaked webhook secret grants full gateway access. Give hooks their own secret.",
      ];
    return [];
  }),
};

export const gatewayAuthRateLimit: PackPolicy = {
  name: "gateway-auth-rate-limit",
  description: "Recommends an auth rate limit so token guessing is throttled.",
  enforcementLevel: "advisory",
  controls: ["gw/rate-limit"],
  configSchema: configSchema(),
  validateResource: configPolicy((c) =>
    isObject(c.gateway?.auth?.rateLimit)
      ? []
      : ["gateway.auth.rateLimit is not set. Configure it (e.g. { maxAttempts: 10, windowMs: 60000 })."],
  ),
};

export const gatewayToolsRestricted: PackPolicy = {
  name: "gateway-tools-restricted",
  description: "Recommends a tools profile other than full and file tools limited to the workspace.",
  enforcementLevel: "advisory",
  controls: ["gw/tools"],
  configSchema: configSchema(),
  validateResource: configPolicy((c) =>
    [
      c.tools?.profile === "full" ? 'tools.profile is "full". Use "coding" or "minimal".' : "",
      c.tools?.fs?.workspaceOnly !== true
        ? "tools.fs.workspaceOnly is not true. Set it so file tools cannot read the state dir or credentials."
        : "",
    ].filter(Boolean),
  ),
};

export const tailscaleAuthKeyHardened: PackPolicy = {
  name: "tailscale-auth-key-hardened",
  description: "Requires Tailscale auth keys to be preauthorized, tagged, single-use and valid for at most a day.",
  enforcementLevel: "mandatory",
  controls: ["ts/auth-keys"],
  configSchema: configSchema({ maxExpirySeconds: { type: "integer", minimum: 60 } }),
  validateResource: validateResourceOfType(TailnetKey, (k, args, report) => {
    const max = Number(args.getConfig<any>().maxExpirySeconds ?? 86400);
    const problems: string[] = [];
    if (k.preauthorized !== true) problems.push("preauthorized is not true (the node would wait for manual approval)");
    if (k.reusable === true) problems.push("reusable is true (a leaked key can enrol any number of machines)");
    if (asArray(k.tags).length === 0) problems.push("tags is empty (the node would carry a user's identity and ACLs)");
    if (k.expiry === undefined || Number(k.expiry) > max)
      problems.push(`expiry is ${JSON.stringify(k.expiry)} seconds (at most ${max})`);
    if (problems.length)
      report(
        `Tailscale auth key: ${problems.join("; ")}. Set preauthorized: true, reusable: false, tags: ["tag:openclaw"], expiry: 3600.`,
      );
  }),
};

/** Output names that hold the credential itself; `gatewayCredentialArn` or `fetchTokenCommand` only point at it. */
const TOKENISH_NAME = /(token|password|secret|apikey|api_?key|auth_?key)s?$/i;
const TOKEN_IN_URL = /[?#&](token|auth|key)=/i;

/** Pure decision: which outputs carry a credential but are not marked secret. */
export function leakedOutputs(outputs: StackOutput[]): StackOutput[] {
  return outputs.filter((o) => {
    if (o.secret) return false;
    const text = typeof o.value === "string" ? o.value : o.value === undefined ? "" : JSON.stringify(o.value);
    const reference = typeof o.value === "string" && /^arn:/.test(o.value);
    return (TOKENISH_NAME.test(o.name) && !reference) || TOKEN_IN_URL.test(text) || findSecrets(text).length > 0;
  });
}

export const stackOutputsSecret: PackPolicy = {
  name: "stack-outputs-secret",
  description: "Requires stack outputs that carry tokens, or URLs with tokens, to be secret.",
  enforcementLevel: "mandatory",
  controls: ["outputs/secret"],
  configSchema: configSchema(),
  // The engine hands stack props to analyzers with secrets already unwrapped, so it cannot tell a
  // secret output from a plain one: this rule runs in the offline plan (evaluate's `outputs`).
  validateStack: (args) =>
    args.notApplicable("stack outputs are checked by the offline plan, which sees which outputs are secret"),
  validateOutputs: (outputs, report) => {
    for (const o of leakedOutputs(outputs))
      report(
        `stack output "${o.name}" carries a token or a URL with a token but is not secret. Wrap it in pulumi.secret().`,
      );
  },
};

export const gatewayConfigPolicies: PackPolicy[] = [
  gatewayAuthRequired,
  gatewayLanBindRequiresOrigins,
  gatewayControlUiHardened,
  gatewayTrustedProxies,
  gatewayNoTailscaleFunnel,
  gatewayHooksTokenDistinct,
  gatewayAuthRateLimit,
  gatewayToolsRestricted,
  tailscaleAuthKeyHardened,
  stackOutputsSecret,
];
