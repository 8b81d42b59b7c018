// Rendered artifacts (openclaw.json, compose files, units, scripts) reach policies only as strings inside
// resource props, in whatever shape the author chose. This module finds them on every resource that can
// carry one (instances, launch templates, spot requests, launch configurations, ConfigMaps, Secrets,
// Docker containers and their uploads, container environments) and decodes them with the consumer's own
// semantics (lib/decode.ts). What cannot be decoded is returned as a problem, never dropped.
import {
  type Artifact,
  type DecodeProblem,
  decodeUserData,
  parseComposeYaml,
  parseJson5,
  parseYaml11,
  shellFiles,
  strictBase64,
} from "./decode";
import { containersOf, podSpecOf, WORKLOAD_TYPE_SET } from "./k8s";
import { asArray, isObject } from "./util";

export type { Artifact } from "./decode";

export const INSTANCE = "aws:ec2/instance:Instance";
export const CONFIG_MAP = "kubernetes:core/v1:ConfigMap";
export const SECRET_K8S = "kubernetes:core/v1:Secret";
export const DOCKER_CONTAINER = "docker:index/container:Container";
export const LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";
export const SPOT_REQUEST = "aws:ec2/spotInstanceRequest:SpotInstanceRequest";
export const LAUNCH_CONFIGURATION = "aws:ec2/launchConfiguration:LaunchConfiguration";

export const SSM_DOCUMENT = "aws:ssm/document:Document";

/** Resource types whose user data cloud-init runs on a host. */
export const USER_DATA_TYPES = [INSTANCE, LAUNCH_TEMPLATE, SPOT_REQUEST, LAUNCH_CONFIGURATION];

/** Types that ship files to a host (user data; a Command document's scripts) rather than to a cluster. */
export const HOST_CARRIER_TYPES = [...USER_DATA_TYPES, SSM_DOCUMENT];

/**
 * Every resource type whose props can carry a rendered artifact: user data, a Command document run on the
 * host (a release delivered in place), ConfigMaps, Secrets and Docker containers.
 */
export const ARTIFACT_CARRIERS: ReadonlySet<string> = new Set([
  ...HOST_CARRIER_TYPES,
  "kubernetes:core/v1:ConfigMap",
  "kubernetes:core/v1:Secret",
  "docker:index/container:Container",
]);

/**
 * The shell scripts of an SSM Command document (schema 2.x `mainSteps` or 1.2 `runtimeConfig`), in JSON or
 * YAML: each `aws:runShellScript` step's runCommand lines joined as the agent joins them.
 */
export function documentScripts(content: string): { step: string; script: string }[] | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(content);
  } catch {
    try {
      doc = parseYaml11(content);
    } catch {
      return undefined;
    }
  }
  if (!isObject(doc)) return undefined;
  const steps: unknown[] = Array.isArray(doc.mainSteps)
    ? doc.mainSteps
    : isObject(doc.runtimeConfig)
      ? Object.entries(doc.runtimeConfig).map(([name, v]) => ({ name, ...(isObject(v) ? v : {}) }))
      : [];
  const out: { step: string; script: string }[] = [];
  for (const s of steps) {
    if (!isObject(s)) continue;
    const inputs = isObject(s.inputs) ? s.inputs : isObject(s.properties) ? s.properties : {};
    const run = inputs.runCommand ?? inputs.commands;
    const lines = Array.isArray(run) ? run.map(String) : typeof run === "string" ? [run] : [];
    if (lines.length > 0) out.push({ step: String(s.name ?? "step"), script: lines.join("\n") });
  }
  return out;
}

/** The raw user data bytes; launch templates carry it base64-encoded, the others in userData or userDataBase64. */
/**
 * Reads a value that may be unknown at preview. Environment values unknown at preview are generated secrets;
 * skipping them keeps the rest of the resource checkable (the rules that need the value itself still read it
 * and report "could not be checked at preview").
 */
export function known<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch (e) {
    if ((e as Error)?.constructor?.name === "UnknownValueError") return undefined;
    throw e;
  }
}

export function userDataBytes(type: string, props: Record<string, any>): Buffer | undefined {
  if (!USER_DATA_TYPES.includes(type)) return undefined;
  if (type === LAUNCH_TEMPLATE) {
    return typeof props.userData === "string" ? Buffer.from(props.userData, "base64") : undefined;
  }
  if (typeof props.userDataBase64 === "string") return Buffer.from(props.userDataBase64, "base64");
  if (typeof props.userData === "string") return Buffer.from(props.userData, "utf8");
  return undefined;
}

/** The user data as text, for whole-text scans; undefined when there is none. */
export function userDataText(type: string, props: Record<string, any>): string | undefined {
  return userDataBytes(type, props)?.toString("utf8");
}

export interface ResourceArtifacts {
  artifacts: Artifact[];
  problems: DecodeProblem[];
}

/**
 * Decoding is pure, and every policy asks for the same resource's artifacts (the engine hands each policy its
 * own copy of the props), so results are memoised by content: the model of a stack is built once.
 */
const MEMO_LIMIT = 512;
const memo = new Map<string, unknown>();
export function memoised<T>(kind: string, type: string, props: Record<string, any>, compute: () => T): T {
  // User data is the only input that matters for the types that carry it, and hashing one string (V8 caches
  // a string's hash) is far cheaper than serialising the props again for every policy.
  const ud = USER_DATA_TYPES.includes(type) ? (props.userData ?? props.userDataBase64) : undefined;
  const text = typeof ud === "string" ? ud : known(() => JSON.stringify(props));
  // A value unknown at preview (a generated token) makes the props unkeyable: compute without the memo.
  if (text === undefined) return compute();
  const key = `${kind}\0${type}\0${text}`;
  if (memo.has(key)) return memo.get(key) as T;
  const value = compute();
  if (memo.size >= MEMO_LIMIT) memo.delete(memo.keys().next().value as string);
  memo.set(key, value);
  return value;
}

/** Every file, environment value and script a resource ships to a workload, decoded. */
export function resourceArtifacts(type: string, props: Record<string, any>): ResourceArtifacts {
  return memoised("artifacts", type, props, () => computeArtifacts(type, props));
}

function computeArtifacts(type: string, props: Record<string, any>): ResourceArtifacts {
  const ud = userDataBytes(type, props);
  if (ud !== undefined) return decodeUserData(ud);
  const artifacts: Artifact[] = [];
  const problems: DecodeProblem[] = [];
  if (type === SSM_DOCUMENT && typeof props.content === "string") {
    const scripts = documentScripts(props.content);
    if (scripts === undefined)
      problems.push({
        source: "content",
        reason: "the document is neither JSON nor YAML, so its commands are unknown",
      });
    for (const { step, script } of scripts ?? []) {
      artifacts.push({ source: `document:${step}`, path: step, content: script, kind: "script" });
      artifacts.push(...shellFiles(script, `document:${step}`));
    }
  }
  if (type === CONFIG_MAP) {
    for (const [k, v] of Object.entries(isObject(props.data) ? props.data : {}))
      if (typeof v === "string") artifacts.push({ source: `data["${k}"]`, path: k, content: v, kind: "file" });
    for (const [k, v] of Object.entries(isObject(props.binaryData) ? props.binaryData : {}))
      if (typeof v === "string")
        artifacts.push({
          source: `binaryData["${k}"]`,
          path: k,
          content: Buffer.from(v, "base64").toString("utf8"),
          kind: "file",
        });
  }
  if (type === SECRET_K8S) {
    // A Secret's values are often generated (unknown at preview): judge the keys that are known.
    const data = known(() => props.data);
    const stringData = known(() => props.stringData);
    for (const k of isObject(data) ? Object.keys(data) : []) {
      const v = known(() => data[k]);
      if (typeof v === "string")
        artifacts.push({
          source: `data["${k}"]`,
          path: k,
          content: Buffer.from(v, "base64").toString("utf8"),
          kind: "file",
        });
    }
    for (const k of isObject(stringData) ? Object.keys(stringData) : []) {
      const v = known(() => stringData[k]);
      if (typeof v === "string") artifacts.push({ source: `stringData["${k}"]`, path: k, content: v, kind: "file" });
    }
  }
  if (type === DOCKER_CONTAINER) {
    for (const u of asArray<any>(props.uploads)) {
      if (!isObject(u) || typeof u.file !== "string") continue;
      if (typeof u.content === "string")
        artifacts.push({ source: `uploads:${u.file}`, path: u.file, content: u.content, kind: "file" });
      else if (typeof u.contentBase64 === "string")
        artifacts.push({
          source: `uploads:${u.file}`,
          path: u.file,
          content: Buffer.from(u.contentBase64, "base64").toString("utf8"),
          kind: "file",
        });
      else if (typeof u.source === "string")
        problems.push({
          source: `uploads:${u.file}`,
          reason: `it is read from ${u.source} on the machine running Pulumi, which the pack cannot see`,
        });
    }
    const envs = known(() => asArray<any>(props.envs).length) ?? 0;
    for (let i = 0; i < envs; i++) {
      const e = known(() => String(props.envs[i]));
      if (e === undefined) continue;
      const [k, ...v] = e.split("=");
      artifacts.push({ source: `envs:${k}`, path: k, content: v.join("="), kind: "env" });
    }
  }
  if (WORKLOAD_TYPE_SET.has(type)) {
    const pod = podSpecOf(type, props);
    for (const k of pod ? containersOf(pod) : [])
      for (const e of asArray<any>(k.c.env)) {
        const value = known(() => e?.value);
        if (typeof value === "string")
          artifacts.push({ source: `${k.where}.env.${e.name}`, path: String(e.name), content: value, kind: "env" });
      }
  }
  return { artifacts, problems };
}

/** Backwards-compatible view: the artifacts alone. */
export function artifactsOf(type: string, props: Record<string, any>): Artifact[] {
  return resourceArtifacts(type, props).artifacts;
}

export const isGatewayConfigPath = (p: string) => /(^|\/)openclaw\.json5?$/.test(p);
export const isComposePath = (p: string) => /(^|\/)(docker-)?compose(\.[\w-]+)?\.ya?ml$/.test(p);
export const isCaddyfilePath = (p: string) => /(^|\/)Caddyfile$/.test(p);

/** Paths the gateway is told to read its config from (OPENCLAW_CONFIG_PATH in any environment we can see). */
export function configPathOverrides(artifacts: Artifact[]): string[] {
  const out: string[] = [];
  for (const a of artifacts) {
    if (a.kind === "env" && a.path === "OPENCLAW_CONFIG_PATH") out.push(a.content.trim());
    for (const m of a.content.matchAll(/OPENCLAW_CONFIG_PATH["']?\s*[:=]\s*["']?([^\s"',}]+)/g)) out.push(m[1]);
  }
  return [...new Set(out.filter((p) => p.length > 0))];
}

export interface GatewayConfig {
  source: string;
  /** undefined when the text cannot be parsed as JSON5: the rules report that. */
  config: Record<string, any> | undefined;
  error?: string;
  raw: string;
}

const basename = (p: string) => p.replace(/.*\//, "");

/** Does a parsed value look like the gateway's config (its top-level `gateway` section)? */
const looksLikeGatewayConfig = (v: unknown): v is Record<string, any> => isObject(v) && isObject(v.gateway);

/**
 * Every gateway config a resource carries, by name (openclaw.json, or the file OPENCLAW_CONFIG_PATH names)
 * or by content (any file or environment value that parses as JSON5 with a `gateway` section, wherever it is
 * and whatever it is called), so a config renamed, moved or passed in a variable is still the one checked.
 */
export function gatewayConfigs(type: string, props: Record<string, any>, extraPaths: string[] = []): GatewayConfig[] {
  return memoised(`gateway-configs ${extraPaths.join(",")}`, type, props, () =>
    computeGatewayConfigs(type, props, extraPaths),
  );
}

function computeGatewayConfigs(type: string, props: Record<string, any>, extraPaths: string[]): GatewayConfig[] {
  const { artifacts } = resourceArtifacts(type, props);
  const named = new Set([...configPathOverrides(artifacts), ...extraPaths].map(basename));
  const out: GatewayConfig[] = [];
  for (const a of artifacts) {
    if (a.kind === "script" || a.kind === "document") continue;
    const byName = isGatewayConfigPath(a.path) || named.has(basename(a.path));
    const text = a.content.trim();
    if (!byName && !/^[{/]/.test(text)) {
      // An env value may itself be base64 of a config.
      const b = a.kind === "env" ? strictBase64(text) : undefined;
      if (b) {
        const p = parseJson5(b.toString("utf8"));
        if (looksLikeGatewayConfig(p.value))
          out.push({ source: `${a.source} (base64)`, config: p.value, raw: b.toString("utf8") });
      }
      continue;
    }
    const p = parseJson5(a.content);
    if (looksLikeGatewayConfig(p.value)) out.push({ source: a.source, config: p.value, raw: a.content });
    else if (byName)
      out.push({
        source: a.source,
        config: isObject(p.value) ? p.value : undefined,
        ...(p.error || !isObject(p.value) ? { error: p.error ?? "it is not a JSON5 object" } : {}),
        raw: a.content,
      });
  }
  return out;
}

export interface ComposeFile {
  source: string;
  path: string;
  services: Record<string, Record<string, any>>;
  /** Set when the file cannot be read as compose reads it: rules must report it rather than see zero services. */
  error?: string;
}

/** Does parsed YAML look like a compose project? */
const looksLikeCompose = (v: unknown): v is Record<string, any> =>
  isObject(v) &&
  isObject(v.services) &&
  Object.values(v.services).some((s) => isObject(s) && ("image" in s || "build" in s));

/** Compose's merge of several `-f` files: mappings merge key by key, later scalars win, lists of ports/volumes add up. */
export function mergeCompose(base: any, over: any): any {
  if (isObject(base) && isObject(over)) {
    const out: Record<string, any> = { ...base };
    for (const [k, v] of Object.entries(over)) out[k] = k in base ? mergeCompose(base[k], v) : v;
    return out;
  }
  if (Array.isArray(base) && Array.isArray(over)) return [...base, ...over];
  return over;
}

/** `-f a -f b` chains in the scripts and units, plus compose's implicit override file. */
function composeChains(artifacts: Artifact[], composePaths: string[]): string[][] {
  const chains: string[][] = [];
  for (const a of artifacts) {
    for (const m of a.content.matchAll(
      /\bcompose\b((?:\s+(?:-f|--file)[ =]\S+|\s+-p\s+\S+|\s+--project-name[ =]\S+)+)/g,
    )) {
      const files = [...m[1].matchAll(/(?:-f|--file)[ =](\S+)/g)].map((x) => x[1].replace(/^["']|["']$/g, ""));
      if (files.length) chains.push(files);
    }
    for (const m of a.content.matchAll(/COMPOSE_FILE["']?\s*[=:]\s*["']?([^\s"']+)/g)) chains.push(m[1].split(/[:,]/));
  }
  for (const p of composePaths) {
    const dir = p.replace(/[^/]*$/, "");
    for (const o of composePaths)
      if (o !== p && o.startsWith(dir) && /(^|\/)(docker-)?compose\.override\.ya?ml$/.test(o) && !/override/.test(p))
        chains.push([p, o]);
  }
  return [...new Map(chains.map((c) => [c.join("\0"), c])).values()];
}

/**
 * The compose projects a resource's artifacts define, as `docker compose` would assemble them: every YAML
 * document with a services map (whatever its name), merged along `-f` chains and override files, so an
 * override cannot hide behind a clean base and a clean override does not read as an incomplete service.
 */
export function composeFiles(type: string, props: Record<string, any>): ComposeFile[] {
  return memoised("compose", type, props, () => computeComposeFiles(type, props));
}

function computeComposeFiles(type: string, props: Record<string, any>): ComposeFile[] {
  const { artifacts } = resourceArtifacts(type, props);
  const parsed = new Map<string, { a: Artifact; doc?: Record<string, any>; error?: string }>();
  // Files a `-f` chain names are compose files whatever they are called or contain.
  const chained = new Set(composeChains(artifacts, []).flat().map(basename));
  for (const a of artifacts) {
    if (a.kind !== "file") continue;
    const named = isComposePath(a.path) || chained.has(basename(a.path));
    if (!named && !/(^|\n)services\s*:/.test(a.content)) continue;
    let doc: unknown;
    let error: string | undefined;
    try {
      doc = parseComposeYaml(a.content);
    } catch (e) {
      error = String((e as Error).message).split("\n")[0];
    }
    if (!error && !looksLikeCompose(doc)) {
      if (!named) continue;
      // An override file may carry partial services (no image): valid only as part of a chain.
      if (!(isObject(doc) && isObject(doc.services))) error = "it has no services map";
    }
    parsed.set(a.path, { a, ...(isObject(doc) ? { doc } : {}), ...(error ? { error } : {}) });
  }
  const paths = [...parsed.keys()];
  const chains = composeChains(artifacts, paths)
    .map((c) => c.map((f) => paths.find((p) => p === f || basename(p) === basename(f))))
    .filter((c): c is string[] => c.every((p) => p !== undefined) && c.length > 0);
  const inChain = new Set(chains.flat());
  const out: ComposeFile[] = [];
  for (const [path, f] of parsed) {
    if (f.error) out.push({ source: f.a.source, path, services: {}, error: f.error });
    else if (!inChain.has(path) && looksLikeCompose(f.doc))
      out.push({ source: f.a.source, path, services: f.doc!.services });
  }
  for (const chain of chains) {
    if (chain.some((p) => parsed.get(p)?.error)) continue;
    const merged = chain.map((p) => parsed.get(p)!.doc).reduce((acc: any, d) => mergeCompose(acc, d), {} as any);
    out.push({
      source: chain.map((p) => parsed.get(p)!.a.source).join(" + "),
      path: chain.join("+"),
      services: isObject(merged.services) ? merged.services : {},
    });
  }
  return out;
}
