/**
 * The one way host scripts call AWS APIs: shell functions rendered into fetch-secrets.sh, health-probe.sh and
 * ingress-secrets.sh. Pure renderers (plain strings in, shell text out), so every script that embeds them is
 * checked by shellcheck and run against a stub or an emulator in the tests.
 *
 * Why curl --aws-sigv4 and not the AWS CLI: the scripts run in hardened oneshot units, and each one makes one
 * small JSON or query call; curl (>= 7.75; Ubuntu 24.04 ships 8.5) signs it itself, with keys passed on stdin
 * (`-K -`), never on a command line. The AWS CLI (cloud-init installs it in /usr/local/bin) stays for the
 * backup scripts: S3 multipart uploads are its job.
 *
 * The functions need curl and jq on PATH and set globals aws_ak, aws_sk, aws_st.
 */

const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
const TAG = /^[a-z][a-z0-9-]*$/;

/** Returns the region when it looks like one (us-east-1, us-gov-west-1); it is rendered into shell unquoted. */
export function assertAwsRegion(region: string, key = "region"): string {
  if (!REGION.test(region)) throw new Error(`${key} "${region}" is not an AWS region such as us-east-1`);
  return region;
}

function assertTag(tag: string): string {
  if (!TAG.test(tag))
    throw new Error(`log tag "${tag}" must be lower-case letters, digits and -, such as fetch-secrets`);
  return tag;
}

/** `https://<service>.<region>.amazonaws.com`, the regional endpoint of a JSON or query API. */
export function awsEndpoint(service: string, region: string): string {
  if (!/^[a-z][a-z0-9-]*$/.test(service))
    throw new Error(`AWS service "${service}" must be an endpoint prefix such as secretsmanager`);
  return `https://${service}.${assertAwsRegion(region)}.amazonaws.com`;
}

/**
 * `aws_credentials`: sets aws_ak, aws_sk, aws_st from the environment (tests, drills) or from the instance
 * role through IMDSv2. The hop limit of 1 keeps IMDS to the host: containers never reach it. Returns 1 while
 * neither has credentials (early boot, before the instance profile is attached); callers retry.
 */
export function imdsCredentialsShell(): string {
  return `# aws_credentials: sets aws_ak aws_sk aws_st from the environment or the instance role (IMDSv2).
aws_credentials() {
  if [[ -n "\${AWS_ACCESS_KEY_ID:-}" ]]; then
    aws_ak="$AWS_ACCESS_KEY_ID"; aws_sk="\${AWS_SECRET_ACCESS_KEY:-}"; aws_st="\${AWS_SESSION_TOKEN:-}"; return 0
  fi
  local imds=http://169.254.169.254/latest t role creds
  t="$(curl -sS --fail --max-time 2 -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 300' "$imds/api/token")" || return 1
  role="$(printf 'header = "X-aws-ec2-metadata-token: %s"\\n' "$t" | curl -sS --fail --max-time 2 -K - "$imds/meta-data/iam/security-credentials/")" || return 1
  creds="$(printf 'header = "X-aws-ec2-metadata-token: %s"\\n' "$t" | curl -sS --fail --max-time 2 -K - "$imds/meta-data/iam/security-credentials/$role")" || return 1
  aws_ak="$(printf '%s' "$creds" | jq -r .AccessKeyId)"
  aws_sk="$(printf '%s' "$creds" | jq -r .SecretAccessKey)"
  aws_st="$(printf '%s' "$creds" | jq -r .Token)"
  [[ -n "$aws_ak" && "$aws_ak" != null ]]
}
`;
}

export interface AwsCurlShellInput {
  /** Signing region, rendered as a literal (the host region is not secret). */
  region: string;
  /** Prefix of the script's log lines, e.g. "fetch-secrets". */
  tag: string;
  /** curl --max-time for the signed request. @default 20 */
  maxTimeSeconds?: number;
}

/**
 * `aws_curl SERVICE URL OUT [curl options...]`: one SigV4-signed request. The body goes to OUT, the HTTP
 * status to stdout; returns 1 when there are no credentials or curl itself failed (DNS, TLS, timeout).
 * Includes `aws_credentials`.
 */
export function awsCurlShell(i: AwsCurlShellInput): string {
  const region = assertAwsRegion(i.region);
  const tag = assertTag(i.tag);
  const maxTime = i.maxTimeSeconds ?? 20;
  if (!Number.isInteger(maxTime) || maxTime < 1 || maxTime > 300)
    throw new Error(`maxTimeSeconds ${maxTime} must be a whole number of seconds from 1 to 300`);
  return `${imdsCredentialsShell()}
# aws_curl SERVICE URL OUT [curl options...]: SigV4-signed request; body to OUT, HTTP status on stdout.
aws_curl() {
  local service="$1" url="$2" out="$3"; shift 3
  aws_credentials || { echo "${tag}: no AWS credentials yet (none in the environment, none from the instance role via IMDSv2)" >&2; return 1; }
  # Keys reach curl as a config file on stdin: a command line is readable in /proc by other processes.
  {
    printf 'user = "%s:%s"\\n' "$aws_ak" "$aws_sk"
    if [[ -n "$aws_st" ]]; then printf 'header = "x-amz-security-token: %s"\\n' "$aws_st"; fi
  } | curl -sS --max-time ${maxTime} -K - --aws-sigv4 "aws:amz:${region}:$service" "$@" -o "$out" -w '%{http_code}' "$url"
}
`;
}

export interface SecretsManagerShellInput {
  region: string;
  tag: string;
}

/**
 * `sm_get_secret OUT SECRET_ID STAGE [VERSION_ID]`: GetSecretValue (a JSON POST with X-Amz-Target) with the
 * response JSON in OUT. Retries what can heal (no credentials yet, network, throttling, a 5xx, a secret with
 * no value yet: on first boot the rotation function creates the token moments after the secret) until
 * $SM_WAIT_SECONDS (the caller sets it) have passed. Returns 0, 1 (gave up) or 2 (refused: access denied, bad
 * request). OPENCLAW_SM_ENDPOINT points it at an emulator or a stub in tests; the units leave it unset.
 * Includes `aws_curl`.
 */
export function secretsManagerShell(i: SecretsManagerShellInput): string {
  const tag = assertTag(i.tag);
  return `${awsCurlShell({ region: i.region, tag })}
SM_ENDPOINT="\${OPENCLAW_SM_ENDPOINT:-${awsEndpoint("secretsmanager", i.region)}}"

# sm_get_secret_once OUT SECRET_ID STAGE [VERSION_ID]: returns 0, 1 (retry) or 2 (fatal).
sm_get_secret_once() {
  local out="$1" body code type
  # Version id and stage together: Secrets Manager then answers only while that version still carries that stage,
  # so an abandoned rotation's version (its AWSPENDING label moved on) is never fetched by id alone.
  body="$(jq -cn --arg id "$2" --arg st "$3" --arg v "\${4:-}" '{SecretId: $id, VersionStage: $st} + (if $v != "" then {VersionId: $v} else {} end)')"
  code="$(aws_curl secretsmanager "$SM_ENDPOINT/" "$out" \\
    -H 'Content-Type: application/x-amz-json-1.1' -H 'X-Amz-Target: secretsmanager.GetSecretValue' --data-binary "$body")" || return 1
  if [[ "$code" == 200 ]]; then return 0; fi
  type="$(jq -r '.__type // .code // "unknown"' "$out" 2>/dev/null || echo unknown)"
  echo "${tag}: GetSecretValue $3 $2 -> HTTP $code $type" >&2
  case "$type" in *ResourceNotFound*|*Throttling*|*InternalService*|unknown) return 1 ;; *) return 2 ;; esac
}

# sm_get_secret OUT SECRET_ID STAGE [VERSION_ID]: sm_get_secret_once, retried for up to $SM_WAIT_SECONDS.
sm_get_secret() {
  local deadline=$(( $(date +%s) + SM_WAIT_SECONDS )) delay=2 rc
  while :; do
    rc=0; sm_get_secret_once "$@" || rc=$?
    [[ $rc -eq 0 ]] && return 0
    [[ $rc -eq 2 ]] && return 2
    if (( $(date +%s) >= deadline )); then echo "${tag}: gave up after \${SM_WAIT_SECONDS}s waiting for $2 ($3)" >&2; return 1; fi
    sleep "$delay"; (( delay < 30 )) && delay=$(( delay * 2 ))
  done
}
`;
}
