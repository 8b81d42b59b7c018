/**
 * reload-token.sh and fetch-secrets.sh, as rendered, run by bash with fakes on PATH: `curl` answers Secrets
 * Manager and CloudWatch from files, `docker` plays a gateway that holds one token (accepts it, reloads from the
 * token file when asked with the token it holds, re-reads the file on restart), the compose command names it.
 * Each failure path of the host side: fetch fails, reload fails, interrupted runs, wrong version or stage.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { reloadDocumentContent } from "../../components/rotating-secret/policies";
import {
  hostPaths,
  renderFetchScript,
  renderReconcileUnit,
  renderReloadScript,
  rotationTimeouts,
} from "../../components/rotating-secret/host-scripts";

const ARN = "arn:aws:secretsmanager:us-east-1:111122223333:secret:openclaw/prod/gateway-token-AbCdEf";
const V1 = "11111111-1111-4111-8111-111111111111";
const V2 = "22222222-2222-4222-8222-222222222222";
const T1 = "a".repeat(64);
const T2 = "b".repeat(64);

const fakeCurl = `#!/bin/bash
# Fake curl: Secrets Manager GetSecretValue and CloudWatch PutMetricData from $FAKE files.
out=""; body=""; form=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    -o) out="$2"; shift 2 ;;
    --data-binary) body="$2"; shift 2 ;;
    --data-urlencode) form+=("$2"); shift 2 ;;
    -K|-w|-H|--max-time|--aws-sigv4) shift 2 ;;
    *) url="$1"; shift ;;
  esac
done
cat > /dev/null
if [[ -f "$FAKE/sm-down" ]]; then echo "curl: (7) Failed to connect" >&2; exit 7; fi
if [[ "\${#form[@]}" -gt 0 ]]; then printf '%s\\n' "\${form[@]}" >> "$FAKE/metrics"; echo '<ok/>' > "$out"; printf 200; exit 0; fi
echo "$body" >> "$FAKE/sm-requests"
stage="$(jq -r .VersionStage <<<"$body")"; vid="$(jq -r '.VersionId // ""' <<<"$body")"
f="$FAKE/sm-$stage"
if [[ -f "$f" ]] && { [[ -z "$vid" ]] || [[ "$(cut -d' ' -f1 "$f")" == "$vid" ]]; }; then
  jq -cn --arg v "$(cut -d' ' -f1 "$f")" --arg s "$(cut -d' ' -f2 "$f")" '{VersionId: $v, SecretString: $s}' > "$out"; printf 200
else
  echo '{"__type":"ResourceNotFoundException"}' > "$out"; printf 400
fi
`;

const fakeDocker = `#!/bin/bash
# Fake docker: a gateway that holds $FAKE/running; the token file is $RUN/secrets/gateway-token.
echo "$*" >> "$FAKE/docker-calls"
case "$1" in
  exec)
    mode="\${@: -1}"
    tok="$OC_TOKEN"
    if [[ -f "$FAKE/gateway-down" ]]; then exit 2; fi
    case "$mode" in
      probe) [[ "$tok" == "$(cat "$FAKE/running")" ]] && exit 0; echo rejected >> "$FAKE/auth-failures"; exit 1 ;;
      reload)
        if [[ -f "$FAKE/reload-broken" ]]; then exit 2; fi
        [[ "$tok" == "$(cat "$FAKE/running")" ]] || { echo rejected >> "$FAKE/auth-failures"; exit 1; }
        head -n 1 "$RUN/secrets/gateway-token" > "$FAKE/running"; exit 0 ;;
    esac ;;
  restart) head -n 1 "$RUN/secrets/gateway-token" > "$FAKE/running"; echo restart >> "$FAKE/restarts" ;;
esac
`;

let dir: string;
let fake: string;
let run: string;
let script: string;
const uid = String(process.getuid?.() ?? 0);

function sh(args: string[], extra: Record<string, string> = {}) {
  const r = spawnSync("bash", [script, ...args], {
    env: {
      PATH: `${path.join(dir, "bin")}:${process.env.PATH}`,
      FAKE: fake,
      RUN: run,
      OPENCLAW_RUN_DIR: run,
      OPENCLAW_COMPOSE: path.join(dir, "bin", "fake-compose"),
      OPENCLAW_SECRET_WAIT_SECONDS: "1",
      OPENCLAW_PROBE_SECONDS: "1",
      OPENCLAW_GATEWAY_UID: uid,
      AWS_ACCESS_KEY_ID: "test",
      AWS_SECRET_ACCESS_KEY: "test",
      ...extra,
    },
    encoding: "utf8",
    timeout: 60_000,
  });
  return { rc: r.status, out: `${r.stdout}${r.stderr}` };
}
const read = (f: string) => (existsSync(f) ? readFileSync(f, "utf8") : "");
const tokenFile = () => path.join(run, "secrets", "gateway-token");
const setStage = (stage: string, v: string, t: string) => writeFileSync(path.join(fake, `sm-${stage}`), `${v} ${t}`);
const running = (t?: string) => {
  if (t !== undefined) writeFileSync(path.join(fake, "running"), `${t}\n`);
  return read(path.join(fake, "running")).trim();
};
function placeToken(t: string) {
  mkdirSync(path.join(run, "secrets"), { recursive: true });
  writeFileSync(tokenFile(), `${t}\n`, { mode: 0o600 });
  writeFileSync(path.join(run, "gateway-token.current"), `${t}\n`, { mode: 0o600 });
}

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "oc-host-"));
  fake = path.join(dir, "fake");
  run = path.join(dir, "run");
  mkdirSync(path.join(dir, "bin"));
  mkdirSync(fake);
  mkdirSync(run);
  for (const [n, c] of [
    ["curl", fakeCurl],
    ["docker", fakeDocker],
    ["fake-compose", "#!/bin/bash\necho gw0123456789\n"],
    ["sleep", "#!/bin/bash\nexit 0\n"],
  ] as const) {
    writeFileSync(path.join(dir, "bin", n), c);
    chmodSync(path.join(dir, "bin", n), 0o755);
  }
  script = path.join(dir, "reload-token.sh");
  writeFileSync(script, renderReloadScript({ region: "us-east-1", tokenSecretArn: ARN, stack: "prod" }), {
    mode: 0o755,
  });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("reload-token.sh sync-current", () => {
  it("switches the running gateway to the new AWSCURRENT by secrets.reload, without a restart", () => {
    placeToken(T1);
    running(T1);
    setStage("AWSCURRENT", V2, T2);
    const r = sh(["sync-current"]);
    expect(r.rc, r.out).toBe(0);
    expect(r.out).toMatch(/switched: the gateway accepts AWSCURRENT version 2222/);
    expect(running()).toBe(T2);
    expect(read(tokenFile())).toBe(`${T2}\n`);
    expect(statSync(tokenFile()).mode & 0o777).toBe(0o600);
    expect(statSync(tokenFile()).nlink).toBe(1);
    expect(read(path.join(run, "gateway.version")).trim()).toBe(V2);
    expect(existsSync(path.join(run, "gateway-token.previous"))).toBe(false);
    expect(existsSync(path.join(fake, "restarts"))).toBe(false);
    // The token never crosses argv: docker gets the variable's name only.
    expect(read(path.join(fake, "docker-calls"))).not.toContain(T1);
    expect(read(path.join(fake, "docker-calls"))).not.toContain(T2);
    expect(r.out).not.toContain(T2);
  });

  it("is a no-op on a gateway already on AWSCURRENT (idempotent, no reload, no auth failure)", () => {
    placeToken(T2);
    running(T2);
    setStage("AWSCURRENT", V2, T2);
    for (let i = 0; i < 2; i++) expect(sh(["sync-current"]).rc).toBe(0);
    expect(read(path.join(fake, "docker-calls"))).not.toMatch(/ reload$/m);
    expect(read(path.join(fake, "auth-failures"))).toBe("");
  });

  it("leaves the gateway and the token file alone when the secret cannot be fetched", () => {
    placeToken(T1);
    running(T1);
    writeFileSync(path.join(fake, "sm-down"), "");
    const r = sh(["sync-current"]);
    expect(r.rc).toBe(1);
    expect(r.out).toMatch(/cannot fetch AWSCURRENT; the gateway keeps the token it has/);
    expect(running()).toBe(T1);
    expect(read(tokenFile())).toBe(`${T1}\n`);
  });

  it("a failed secrets.reload keeps the old token as previous, and the next run completes the switch", () => {
    placeToken(T1);
    running(T1);
    setStage("AWSCURRENT", V2, T2);
    writeFileSync(path.join(fake, "reload-broken"), "");
    const r1 = sh(["sync-current"]);
    expect(r1.rc).toBe(1);
    expect(r1.out).toMatch(/secrets.reload did not complete/);
    expect(running()).toBe(T1);
    expect(read(path.join(run, "gateway-token.previous"))).toBe(`${T1}\n`);
    expect(existsSync(path.join(fake, "restarts"))).toBe(false);
    rmSync(path.join(fake, "reload-broken"));
    const r2 = sh(["sync-current"]);
    expect(r2.rc, r2.out).toBe(0);
    expect(running()).toBe(T2);
    expect(existsSync(path.join(run, "gateway-token.previous"))).toBe(false);
  });

  it("a gateway that is down gets AWSCURRENT in its file for its next start, and the run fails", () => {
    placeToken(T1);
    running(T1);
    setStage("AWSCURRENT", V2, T2);
    writeFileSync(path.join(fake, "gateway-down"), "");
    const r = sh(["sync-current"]);
    expect(r.rc).toBe(1);
    expect(r.out).toMatch(/not answering; the token file holds AWSCURRENT/);
    expect(read(tokenFile())).toBe(`${T2}\n`);
  });

  it("restarts only when no known token opens the gateway, and says so", () => {
    placeToken(T1);
    running("c".repeat(64));
    setStage("AWSCURRENT", V2, T2);
    const r = sh(["sync-current"]);
    expect(r.rc, r.out).toBe(0);
    expect(r.out).toMatch(/no known token authenticates secrets.reload; restarting/);
    expect(read(path.join(fake, "restarts"))).toBe("restart\n");
    expect(running()).toBe(T2);
  });

  it("removes the request file an earlier layout left, so no restart reloads an abandoned version", () => {
    placeToken(T2);
    running(T2);
    setStage("AWSCURRENT", V2, T2);
    writeFileSync(path.join(run, "secrets.request"), `OPENCLAW_SECRET_VERSION_ID=${V1}\n`);
    expect(sh(["sync-current"]).rc).toBe(0);
    expect(existsSync(path.join(run, "secrets.request"))).toBe(false);
  });
});

describe("reload-token.sh check-pending and reconcile", () => {
  it("check-pending sends the version id and AWSPENDING together and changes nothing", () => {
    placeToken(T1);
    running(T1);
    setStage("AWSPENDING", V2, T2);
    const r = sh(["check-pending", V2]);
    expect(r.rc, r.out).toBe(0);
    expect(JSON.parse(read(path.join(fake, "sm-requests")).trim())).toEqual({
      SecretId: ARN,
      VersionStage: "AWSPENDING",
      VersionId: V2,
    });
    expect(running()).toBe(T1);
    expect(read(tokenFile())).toBe(`${T1}\n`);
    expect(existsSync(path.join(fake, "docker-calls"))).toBe(false);
  });
  it("check-pending fails for a version that no longer carries AWSPENDING, and for a malformed id", () => {
    setStage("AWSPENDING", V2, T2);
    expect(sh(["check-pending", V1]).rc).toBe(1);
    expect(sh(["check-pending", "../../etc"]).rc).toBe(64);
    expect(sh(["restart-everything"]).rc).toBe(64);
  });
  it("check-pending refuses a pending value that is not a token", () => {
    setStage("AWSPENDING", V2, "hunter2");
    const r = sh(["check-pending", V2]);
    expect(r.rc).toBe(1);
    expect(r.out).toMatch(/not a 32\+ byte URL-safe token/);
  });
  it("reconcile fixes drift and publishes TokenInSync 1; a failure publishes 0", () => {
    placeToken(T1);
    running(T1);
    setStage("AWSCURRENT", V2, T2);
    expect(sh(["reconcile"]).rc).toBe(0);
    expect(running()).toBe(T2);
    let metrics = read(path.join(fake, "metrics"));
    expect(metrics).toMatch(/MetricName=TokenInSync/);
    expect(metrics).toMatch(/Value=1\n/);
    expect(metrics).toMatch(/Dimensions.member.1.Value=prod/);
    writeFileSync(path.join(fake, "metrics"), "");
    writeFileSync(path.join(fake, "gateway-down"), "");
    expect(sh(["reconcile"]).rc).toBe(1);
    metrics = read(path.join(fake, "metrics"));
    expect(metrics).toMatch(/MetricName=TokenInSync/);
    expect(metrics).toMatch(/Value=0\n/);
  });
});

describe("fetch-secrets.sh (boot)", () => {
  it("writes AWSCURRENT to the token file (0600, the gateway's uid) and no token into gateway.env", () => {
    const f = path.join(dir, "fetch.sh");
    writeFileSync(f, renderFetchScript({ region: "us-east-1", tokenSecretArn: ARN }), { mode: 0o755 });
    setStage("AWSCURRENT", V1, T1);
    script = f;
    const r = sh([]);
    expect(r.rc, r.out).toBe(0);
    expect(read(tokenFile())).toBe(`${T1}\n`);
    expect(statSync(tokenFile()).mode & 0o777).toBe(0o600);
    expect(String(statSync(tokenFile()).uid)).toBe(uid);
    expect(read(path.join(run, "gateway.env"))).not.toContain(T1);
    expect(read(path.join(run, "gateway.version")).trim()).toBe(V1);
  });
});

describe("timeouts and the rendered units", () => {
  it("each layer waits longer than everything inside it", () => {
    const t = rotationTimeouts;
    // reload-token.sh's worst case: one fetch, a probe, two reload RPCs, a probe; then `timeout` cuts it.
    expect(t.secretFetchSeconds + 2 * t.probeSeconds + 2 * t.reloadRpcSeconds).toBeLessThan(t.hostActionSeconds);
    expect(t.hostActionSeconds).toBeLessThan(t.ssmStepSeconds);
    expect(t.ssmStepSeconds).toBeLessThan(t.deliveryWaitSeconds);
    expect(2 * t.deliveryWaitSeconds + 20).toBeLessThanOrEqual(t.lambdaSeconds);
    const doc = JSON.parse(reloadDocumentContent(hostPaths.reloadScript, t));
    expect(doc.mainSteps[0].inputs.timeoutSeconds).toBe(String(t.ssmStepSeconds));
    expect(doc.mainSteps[0].inputs.runCommand[0]).toMatch(new RegExp(`^/usr/bin/timeout ${t.hostActionSeconds} `));
    expect(doc.parameters.Action.allowedValues).toEqual(["check-pending", "sync-current"]);
    expect(renderReconcileUnit()).toContain(
      `ExecStart=/usr/bin/timeout ${t.hostActionSeconds} ${hostPaths.reloadScript} reconcile`,
    );
  });
  it("the rendered scripts pass shellcheck", () => {
    const f = path.join(dir, "fetch.sh");
    writeFileSync(f, renderFetchScript({ region: "us-east-1", tokenSecretArn: ARN }));
    execFileSync("shellcheck", ["-S", "warning", script, f]);
  });
});
