// Rendered artifacts (openclaw.json, the compose file, systemd units) reach policies only as strings
// inside resource props. This module pulls them out so the gateway-config and container rules run on
// every target: the VM's cloud-init user data, a Kubernetes ConfigMap, or a Docker container upload.
import { parse as parseYaml } from "yaml";
import { asArray, isObject } from "./util";

export const INSTANCE = "aws:ec2/instance:Instance";
export const CONFIG_MAP = "kubernetes:core/v1:ConfigMap";
export const SECRET_K8S = "kubernetes:core/v1:Secret";
export const DOCKER_CONTAINER = "docker:index/container:Container";
export const LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";

export interface Artifact {
  /** Where it came from, e.g. `userData:/etc/openclaw/openclaw.json`, for messages. */
  source: string;
  path: string;
  content: string;
}

/** The user data as text; launch templates and `userDataBase64` carry it base64-encoded. */
export function userDataText(type: string, props: Record<string, any>): string | undefined {
  if (type === INSTANCE) {
    if (typeof props.userData === "string") return props.userData;
    if (typeof props.userDataBase64 === "string") return Buffer.from(props.userDataBase64, "base64").toString("utf8");
  }
  if (type === LAUNCH_TEMPLATE && typeof props.userData === "string") {
    return Buffer.from(props.userData, "base64").toString("utf8");
  }
  return undefined;
}

/** `write_files` of a `#cloud-config` document; other user-data formats have no files to extract. */
export function cloudInitFiles(userData: string): Artifact[] {
  if (!/^#cloud-config\b/.test(userData.trimStart())) return [];
  let doc: unknown;
  try {
    doc = parseYaml(userData);
  } catch {
    return [];
  }
  if (!isObject(doc)) return [];
  return asArray<any>(doc.write_files)
    .filter((f) => isObject(f) && typeof f.path === "string")
    .map((f) => {
      let content = typeof f.content === "string" ? f.content : "";
      const enc = String(f.encoding ?? "").toLowerCase();
      if (enc === "b64" || enc === "base64") content = Buffer.from(content, "base64").toString("utf8");
      return { source: `userData:${f.path}`, path: f.path as string, content };
    });
}

/** Every file a resource ships to the workload, whatever the target. */
export function artifactsOf(type: string, props: Record<string, any>): Artifact[] {
  const ud = userDataText(type, props);
  if (ud !== undefined) return cloudInitFiles(ud);
  if (type === CONFIG_MAP && isObject(props.data)) {
    return Object.keys(props.data)
      .filter((k) => typeof props.data[k] === "string")
      .map((k) => ({ source: `data["${k}"]`, path: k, content: props.data[k] as string }));
  }
  if (type === DOCKER_CONTAINER) {
    return asArray<any>(props.uploads)
      .filter((u) => isObject(u) && typeof u.file === "string" && typeof u.content === "string")
      .map((u) => ({ source: `uploads:${u.file}`, path: u.file as string, content: u.content as string }));
  }
  return [];
}

export const isGatewayConfigPath = (p: string) => /(^|\/)openclaw\.json$/.test(p);
export const isComposePath = (p: string) => /(^|\/)(docker-)?compose(\.[\w-]+)?\.ya?ml$/.test(p);
export const isCaddyfilePath = (p: string) => /(^|\/)Caddyfile$/.test(p);

export interface GatewayConfig {
  source: string;
  /** undefined when the text is not valid JSON: the rule that reads it reports that. */
  config: Record<string, any> | undefined;
  raw: string;
}

export function gatewayConfigs(type: string, props: Record<string, any>): GatewayConfig[] {
  return artifactsOf(type, props)
    .filter((a) => isGatewayConfigPath(a.path))
    .map((a) => {
      let config: Record<string, any> | undefined;
      try {
        const v = JSON.parse(a.content);
        config = isObject(v) ? v : undefined;
      } catch {
        config = undefined;
      }
      return { source: a.source, config, raw: a.content };
    });
}

export interface ComposeFile {
  source: string;
  services: Record<string, Record<string, any>>;
  /** Set when the file is not valid YAML: rules must report it rather than see zero services. */
  error?: string;
}

export function composeFiles(type: string, props: Record<string, any>): ComposeFile[] {
  const out: ComposeFile[] = [];
  for (const a of artifactsOf(type, props)) {
    if (!isComposePath(a.path)) continue;
    let doc: unknown;
    let error: string | undefined;
    try {
      doc = parseYaml(a.content);
    } catch (e) {
      error = (e as Error).message.split("\n")[0];
    }
    if (!error && !(isObject(doc) && isObject(doc.services))) error = "it has no services map";
    const services = !error && isObject(doc) ? (doc.services as Record<string, any>) : {};
    out.push({ source: a.source, services, ...(error ? { error } : {}) });
  }
  return out;
}
