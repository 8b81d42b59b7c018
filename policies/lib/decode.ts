// Decoders that read artifacts the way the consuming tool reads them: cloud-init for user data (gzip,
// MIME multipart, #cloud-config with YAML 1.1, the Jinja header, shell scripts, write_files encodings),
// Docker Compose for compose files (YAML 1.1 booleans, merge keys, anchors) and the gateway for its config
// (JSON5). A decoder that cannot read something says why, so the pack can fail closed instead of passing.
import { gunzipSync } from "node:zlib";
import JSON5 from "json5";
import { parse as parseYaml } from "yaml";
import { asArray, isObject } from "./util";

export interface Artifact {
  /** Where it came from, e.g. `userData:/etc/openclaw/openclaw.json`, for messages. */
  source: string;
  /** The path the consumer sees it at (a file path, a ConfigMap key, an env var name). */
  path: string;
  content: string;
  /** How it reaches the workload: a file on disk, an environment value, a script the host runs. */
  kind: "file" | "env" | "script" | "document";
}

export interface DecodeProblem {
  source: string;
  reason: string;
}

export interface Decoded {
  artifacts: Artifact[];
  problems: DecodeProblem[];
}

const GZIP_MAGIC = (b: Buffer) => b.length > 2 && b[0] === 0x1f && b[1] === 0x8b;

/** The bytes a string stands for when it is strict base64; undefined otherwise. */
export function strictBase64(s: string): Buffer | undefined {
  const t = s.replace(/\s+/g, "");
  if (t.length < 4 || t.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(t)) return undefined;
  return Buffer.from(t, "base64");
}

export function gunzipText(b: Buffer, source: string, problems: DecodeProblem[]): string | undefined {
  try {
    return gunzipSync(b).toString("utf8");
  } catch (e) {
    problems.push({ source, reason: `gzip data does not decompress (${(e as Error).message})` });
    return undefined;
  }
}

/** YAML as cloud-init (PyYAML) and Docker Compose read it: 1.1 booleans (yes/on/off), merge keys. */
export function parseYaml11(text: string): unknown {
  return parseYaml(text, { version: "1.1", merge: true, maxAliasCount: 1000, uniqueKeys: false });
}

/**
 * YAML as Docker Compose reads it (compose-go on go-yaml v3): core-schema scalars, so `user: 0:0` stays a
 * string, with merge keys and anchors; boolean fields accept yes/on/true through the container model.
 */
export function parseComposeYaml(text: string): unknown {
  return parseYaml(text, { merge: true, maxAliasCount: 1000, uniqueKeys: false });
}

/** The gateway reads openclaw.json as JSON5 (comments, trailing commas, unquoted keys). */
export function parseJson5(text: string): { value?: unknown; error?: string } {
  try {
    return { value: JSON5.parse(text) };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

/**
 * Cloud-init renders `## template: jinja` parts with instance data. Expressions become a placeholder and
 * control tags are dropped, so both branches of an `if` are checked: whatever the instance data, neither
 * may be insecure.
 */
export function renderJinja(text: string): string {
  return text
    .replace(/^##\s*template:\s*jinja\s*\n/i, "")
    .replace(/\{#[\s\S]*?#\}/g, "")
    .replace(/^[ \t]*\{%[\s\S]*?%\}[ \t]*\n/gm, "")
    .replace(/\{%[\s\S]*?%\}/g, "")
    .replace(/\{\{[\s\S]*?\}\}/g, "jinja");
}

/** The parts of a MIME multipart message, with their content type and transfer encoding undone. */
function mimeParts(text: string, source: string, problems: DecodeProblem[]): { type: string; body: string }[] {
  const headerEnd = text.search(/\r?\n\r?\n/);
  const headers = headerEnd < 0 ? text : text.slice(0, headerEnd);
  const boundary = /boundary="?([^";\r\n]+)"?/i.exec(headers)?.[1];
  if (!boundary) {
    problems.push({ source, reason: "MIME multipart user data has no boundary" });
    return [];
  }
  const out: { type: string; body: string }[] = [];
  const chunks = text.split(`--${boundary}`).slice(1);
  for (const chunk of chunks) {
    if (chunk.startsWith("--")) break;
    const body0 = chunk.replace(/^\r?\n/, "");
    const sep = body0.search(/\r?\n\r?\n/);
    const head = sep < 0 ? body0 : body0.slice(0, sep);
    let body = sep < 0 ? "" : body0.slice(sep).replace(/^\r?\n\r?\n/, "");
    body = body.replace(/\r?\n$/, "");
    const type = /^content-type:\s*([^;\r\n]+)/im.exec(head)?.[1]?.trim().toLowerCase() ?? "text/plain";
    const enc = /^content-transfer-encoding:\s*(\S+)/im.exec(head)?.[1]?.toLowerCase();
    if (enc === "base64") {
      const b = Buffer.from(body.replace(/\s+/g, ""), "base64");
      body = GZIP_MAGIC(b) ? (gunzipText(b, source, problems) ?? "") : b.toString("utf8");
    } else if (enc === "quoted-printable") {
      body = body.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/gi, (_m, h) => String.fromCharCode(parseInt(h, 16)));
    }
    out.push({ type, body });
  }
  return out;
}

const MIME_TYPE_BY_HEADER: [RegExp, string][] = [
  [/^#cloud-config-archive\b/, "text/cloud-config-archive"],
  [/^#cloud-config\b/, "text/cloud-config"],
  [/^#!/, "text/x-shellscript"],
  [/^#include\b/, "text/x-include-url"],
  [/^#cloud-boothook\b/, "text/cloud-boothook"],
  [/^#part-handler\b/, "text/part-handler"],
  [/^##\s*template:\s*jinja/i, "text/jinja2"],
  [/^content-type:\s*multipart\//i, "multipart"],
  [/^mime-version:/i, "multipart"],
];

/** Every file and script cloud-init would act on in this user data, or why it cannot be read. */
export function decodeUserData(input: string | Buffer, source = "userData"): Decoded {
  const out: Decoded = { artifacts: [], problems: [] };
  decodePart(input, "", source, out, 0);
  return out;
}

function decodePart(input: string | Buffer, declaredType: string, source: string, out: Decoded, depth: number) {
  if (depth > 8) {
    out.problems.push({ source, reason: "user data nests parts more than 8 levels deep" });
    return;
  }
  let buf = typeof input === "string" ? Buffer.from(input, "utf8") : input;
  if (GZIP_MAGIC(buf)) {
    const t = gunzipText(buf, source, out.problems);
    if (t === undefined) return;
    buf = Buffer.from(t, "utf8");
  }
  const text = buf.toString("utf8");
  const head = text.trimStart();
  let type = declaredType;
  if (!type || type === "text/plain" || type === "text/x-not-multipart") {
    type = MIME_TYPE_BY_HEADER.find(([re]) => re.test(head))?.[1] ?? (type || "unknown");
  }
  if (type === "text/jinja2" || /^##\s*template:\s*jinja/i.test(head)) {
    decodePart(renderJinja(head), "", `${source} (jinja)`, out, depth + 1);
    return;
  }
  if (type === "multipart" || type.startsWith("multipart/")) {
    mimeParts(text, source, out.problems).forEach((p, i) => {
      decodePart(p.body, p.type, `${source} part ${i + 1}`, out, depth + 1);
    });
    return;
  }
  if (type === "text/cloud-config" || type === "text/cloud-config-jsonp") {
    cloudConfig(head, source, out);
    return;
  }
  if (type === "text/cloud-config-archive") {
    let doc: unknown;
    try {
      doc = parseYaml11(head.replace(/^#cloud-config-archive[^\n]*\n/, ""));
    } catch (e) {
      out.problems.push({ source, reason: `cloud-config-archive is not valid YAML (${firstLine(e)})` });
      return;
    }
    asArray<any>(doc).forEach((p, i) => {
      const content = isObject(p) ? p.content : p;
      if (typeof content !== "string") return;
      decodePart(content, isObject(p) ? String(p.type ?? "") : "", `${source} archive[${i}]`, out, depth + 1);
    });
    return;
  }
  if (type === "text/x-shellscript" || type === "text/cloud-boothook" || type === "text/x-shellscript-per-boot") {
    out.artifacts.push({ source, path: `${source}#script`, content: text, kind: "script" });
    for (const a of shellFiles(text, source)) out.artifacts.push(a);
    return;
  }
  if (type === "text/x-include-url" || type === "text/x-include-once-url" || type === "text/part-handler") {
    out.problems.push({
      source,
      reason: `${type} makes cloud-init fetch or run content the pack cannot see; inline it as #cloud-config`,
    });
    return;
  }
  if (head === "") return;
  out.problems.push({
    source,
    reason: `user data of type ${type} is not a format cloud-init runs (expected #cloud-config, #!, MIME multipart, gzip or a jinja template)`,
  });
}

function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e).split("\n")[0];
}

/** Decodes one write_files entry's content as cloud-init does for each `encoding`. */
export function writeFileContent(
  f: Record<string, any>,
  source: string,
  problems: DecodeProblem[],
): string | undefined {
  const enc = String(f.encoding ?? "text")
    .toLowerCase()
    .trim();
  const raw = f.content;
  if (raw === undefined || raw === null) {
    if (isObject(f.source)) {
      problems.push({
        source,
        reason: "write_files source: is fetched at boot, so the pack cannot see it; inline the content",
      });
      return undefined;
    }
    return "";
  }
  const bytes = raw instanceof Uint8Array ? Buffer.from(raw) : undefined;
  const str = typeof raw === "string" ? raw : String(raw);
  switch (enc) {
    case "text":
    case "text/plain":
      return bytes ? bytes.toString("utf8") : str;
    case "b64":
    case "base64": {
      const b = bytes ?? Buffer.from(str.replace(/\s+/g, ""), "base64");
      return GZIP_MAGIC(b) ? gunzipText(b, source, problems) : b.toString("utf8");
    }
    case "gz":
    case "gzip":
      return gunzipText(bytes ?? Buffer.from(str, "latin1"), source, problems);
    case "gz+base64":
    case "gzip+base64":
    case "gz+b64":
    case "gzip+b64":
      return gunzipText(bytes ?? Buffer.from(str.replace(/\s+/g, ""), "base64"), source, problems);
    default:
      problems.push({
        source,
        reason: `write_files encoding ${JSON.stringify(f.encoding)} is not one cloud-init knows`,
      });
      return undefined;
  }
}

function cloudConfig(text: string, source: string, out: Decoded) {
  let doc: unknown;
  try {
    doc = parseYaml11(text);
  } catch (e) {
    out.problems.push({ source, reason: `#cloud-config is not valid YAML (${firstLine(e)})` });
    return;
  }
  if (doc === null || doc === undefined) return;
  if (!isObject(doc)) {
    out.problems.push({ source, reason: "#cloud-config is not a YAML mapping" });
    return;
  }
  out.artifacts.push({ source, path: `${source}#cloud-config`, content: text, kind: "document" });
  for (const f of asArray<any>(doc.write_files)) {
    if (!isObject(f) || typeof f.path !== "string") continue;
    const s = `${source}:${f.path}`;
    const content = writeFileContent(f, s, out.problems);
    if (content !== undefined) out.artifacts.push({ source: s, path: f.path, content, kind: "file" });
  }
  for (const key of ["bootcmd", "runcmd"]) {
    const lines = asArray<any>(doc[key]).map((l) => (Array.isArray(l) ? l.map(String).join(" ") : String(l)));
    if (lines.length > 0) {
      const script = lines.join("\n");
      out.artifacts.push({ source: `${source}:${key}`, path: `${source}#${key}`, content: script, kind: "script" });
      for (const a of shellFiles(script, `${source}:${key}`)) out.artifacts.push(a);
    }
  }
}

/**
 * Files a shell script writes with a heredoc (`cat > f <<EOF`, `cat <<'EOF' > f`, `tee f <<EOF`) or from a
 * base64 literal (`echo ... | base64 -d > f`): how a script-style user data delivers the same artifacts.
 */
export function shellFiles(script: string, source: string): Artifact[] {
  const out: Artifact[] = [];
  const lines = script.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const hd = /<<-?\s*(['"]?)([A-Za-z_][\w-]*)\1/.exec(line);
    if (hd) {
      // tee writes to its argument (its stdout usually goes to /dev/null); cat writes where it is redirected.
      const tee = /\btee\s+(?:-a\s+)?['"]?([^\s'";|&<>-][^\s'";|&<>]*)/.exec(line)?.[1];
      const target =
        tee ?? />{1,2}\s*['"]?([^\s'";|&<>]+)/.exec(line.replace(/<<-?\s*(['"]?)[A-Za-z_][\w-]*\1/, ""))?.[1];
      const body: string[] = [];
      let j = i + 1;
      const strip = /<<-/.test(line);
      for (; j < lines.length; j++) {
        const l = strip ? lines[j].replace(/^\t+/, "") : lines[j];
        if (l.trim() === hd[2]) break;
        body.push(l);
      }
      if (target)
        out.push({ source: `${source}:${target}`, path: target, content: `${body.join("\n")}\n`, kind: "file" });
      i = j;
      continue;
    }
    const b64 =
      /(?:echo|printf)\s+(?:-n\s+|'%s'\s+|"%s"\s+)?['"]?([A-Za-z0-9+/=]{16,})['"]?\s*\|\s*base64\s+(?:-d|--decode)\b(.*?)>{1,2}\s*['"]?([^\s'";|&<>]+)/.exec(
        line,
      );
    if (b64) {
      let b = Buffer.from(b64[1], "base64");
      if (/gunzip|zcat|gzip\s+-d/.test(b64[2]) || GZIP_MAGIC(b)) {
        try {
          b = gunzipSync(b);
        } catch {
          continue;
        }
      }
      out.push({ source: `${source}:${b64[3]}`, path: b64[3], content: b.toString("utf8"), kind: "file" });
    }
  }
  return out;
}
