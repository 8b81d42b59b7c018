// Small pure helpers shared by the domain modules. They take plain (possibly proxied) prop values and
// never touch Pulumi runtime state, so they are testable without the engine.

export function asArray<T = any>(v: unknown): T[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? (v as T[]) : [v as T];
}

export function isObject(v: unknown): v is Record<string, any> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Lenient JSON parse used for IAM / bucket policy documents and openclaw.json. */
export function parseJsonish(v: unknown): any {
  if (typeof v !== "string") return v;
  try {
    return JSON.parse(v);
  } catch {
    return undefined;
  }
}

/** Patterns for secrets that must never appear literally in user data, env values or configs. */
export const SECRET_PATTERNS: { name: string; re: RegExp }[] = [
  { name: "AWS access key id", re: /\b(AKIA|ASIA)[0-9A-Z]{16}\b/ },
  { name: "AWS secret access key", re: /aws_secret_access_key\s*[=:]\s*["']?[A-Za-z0-9/+=]{40}/i },
  { name: "Anthropic API key", re: /sk-ant-[A-Za-z0-9_-]{10,}/ },
  { name: "OpenAI project key", re: /sk-proj-[A-Za-z0-9_-]{10,}/ },
  { name: "Tailscale auth key", re: /tskey-[A-Za-z0-9-]{10,}/ },
  { name: "private key", re: /-----BEGIN [A-Z ]*PRIVATE KEY-----/ },
  // A literal after the '=' (not a ${VAR} reference, not empty) is a token baked into the text.
  {
    name: "literal OPENCLAW_GATEWAY_TOKEN",
    re: /OPENCLAW_GATEWAY_(TOKEN|PASSWORD)\s*[=:]\s*["']?(?!\$|["'\s]|$)[^\s"']{8,}/m,
  },
];

/** Shannon entropy in bits per character. */
export function entropy(s: string): number {
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) h -= (n / s.length) * Math.log2(n / s.length);
  return h;
}

/** Keys whose values are fingerprints or identifiers by nature, or encoded payloads decoded and checked on their own. */
const PUBLIC_RANDOM_KEY =
  /(^content$|^contentBase64$|sha\d*|digest|hash|checksum|etag|fingerprint|uuid|_id$|^id$|arn|version|nonce_?len)/i;

/**
 * Credential-shaped values by their shape, whatever the variable is called: an assignment (KEY=v, key: v,
 * "key": "v") whose value is long, drawn from a token alphabet, mixes character classes and is close to
 * random (hex at 3.3+ bits per character over 32+ chars, other alphabets at 4+ over 20+).
 */
export function highEntropyValues(text: string): string[] {
  if (text.length < MEMO_MIN_LENGTH) return scanHighEntropy(text);
  let keys = scanned.get(text);
  if (!keys) {
    keys = scanHighEntropy(text);
    if (scanned.size >= MEMO_MAX_ENTRIES) scanned.clear();
    scanned.set(text, keys);
  }
  return [...keys];
}

/**
 * The scan costs milliseconds on a cloud-config of ~100 KB, and the same user data is read by several policies of
 * one evaluation and by every evaluation of a variant that left it unchanged; the scan is a pure function of the
 * text, so long texts are remembered (bounded, cleared when full).
 */
const MEMO_MIN_LENGTH = 2048;
const MEMO_MAX_ENTRIES = 256;
const scanned = new Map<string, readonly string[]>();

function scanHighEntropy(text: string): string[] {
  const out: string[] = [];
  // The key and the value are matched atomically ((?=(x))\2): a shorter key or value is always followed by a
  // character of its own class, which nothing after it accepts, so backtracking into them can never succeed; it
  // only cost up to 256 steps per '=' or ':' in long tokens (base64 user data), ~4x the whole scan.
  const re =
    /(["']?)(?=([A-Za-z_][\w.-]{0,63}))\2\1\s*[:=]\s*["']?(?=([A-Za-z0-9+/_=.~-]{20,256}))\3["']?(?=[\s,;}"']|$)/gm;
  for (const m of text.matchAll(re)) {
    const [, , key, value] = m;
    if (PUBLIC_RANDOM_KEY.test(key)) continue;
    if (
      /^(arn:|sha256:|\/|https?:|ami-|vol-|sg-|subnet-|vpc-|i-)/.test(value) ||
      /^[0-9a-f]{8}-[0-9a-f]{4}-/.test(value)
    )
      continue;
    if (/^[a-z]+([._-][a-z0-9]+)+$/i.test(value) && !/\d.*[A-Za-z]|[A-Za-z].*\d/.test(value)) continue;
    // A file name (a release archive, a unit, a key file) is random-looking only in its version digits.
    if (/^[\w.+-]+\.(zip|tar|gz|tgz|xz|bz2|deb|rpm|json|ya?ml|sh|txt|asc|sig|pem|crt|service|timer|conf)$/i.test(value))
      continue;
    const hex = /^[0-9a-f]+$/i.test(value);
    const classes = [/[a-z]/, /[A-Z]/, /\d/].filter((r) => r.test(value)).length;
    const random = hex
      ? value.length >= 32 && entropy(value) >= 3.3
      : classes >= 2 && /\d/.test(value) && entropy(value) >= 4;
    if (random) out.push(key);
  }
  return out;
}

export function findSecrets(text: string): string[] {
  const named = SECRET_PATTERNS.filter((p) => p.re.test(text)).map((p) => p.name);
  const shaped = highEntropyValues(text).map((k) => `a random-looking value assigned to ${k}`);
  return [...named, ...shaped];
}

/** Env var names whose literal value would be a credential. */
export const SECRET_NAME_RE = /(TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIAL)/i;
/** Names that carry a reference to a secret (a path, an ARN, an id), not the secret itself. */
export const SECRET_REFERENCE_NAME_RE = /(_FILE|_PATH|_DIR|_ARN|_ID|_NAME)$/i;

export function isLiteralSecretEnv(name: string, value: unknown): boolean {
  if (typeof value !== "string" || value.length === 0) return false;
  if (findSecrets(`${name}=${value}`).length > 0) return true;
  if (!SECRET_NAME_RE.test(name) || SECRET_REFERENCE_NAME_RE.test(name)) return false;
  // ARNs and ${VAR} references point at a store; they are what we want people to write.
  return !/^(arn:|\$\{|\/)/.test(value);
}

/**
 * An image reference is pinned when it carries a digest, or a tag other than `latest`.
 * A registry with a port (`host:5000/img`) is not a tag: only a ':' after the last '/' counts.
 */
export function imagePinned(image: string): boolean {
  if (/@sha256:[0-9a-f]{64}$/.test(image)) return true;
  const lastSlash = image.lastIndexOf("/");
  const tail = image.slice(lastSlash + 1);
  const colon = tail.indexOf(":");
  if (colon < 0) return false;
  const tag = tail.slice(colon + 1);
  return tag.length > 0 && tag !== "latest";
}

export function kebabCase(s: string): boolean {
  return /^[a-z0-9]+(-[a-z0-9]+)*$/.test(s);
}
