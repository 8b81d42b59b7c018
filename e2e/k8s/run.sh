#!/usr/bin/env bash
# The kubernetes target through the real Pulumi engine and the real Kubernetes provider, onto a real
# single-node cluster started here (cluster.sh): `npm run e2e:k8s`.
#   1. the engine, the provider and the cluster binaries (ci/engine/build*.sh; cached, cold ~40+ min)
#   2. the gateway images, the previous and the pinned release (e2e/build-gateway-image.sh), served by a
#      loopback registry (registry.ts)
#   3. the cluster: etcd, kube-apiserver with Pod Security admission, controller-manager, scheduler,
#      kubelet on containerd with the bridge CNI, a local StorageClass with one PV per claim of the stack
#      (the state, the pre-upgrade archives)
#   4. `pulumi preview --policy-pack policies`, then `pulumi up`: the Deployment must become available
#      through its own startup/readiness probes; 4b. an upgrade (backup first) and the runbook's rollback
#      (docs/kubernetes.md: scale to 0, the rendered restore Job, `pulumi up` with the previous image)
#   5. a Pod that undoes allowPrivilegeEscalation: the API server must refuse it (Pod Security restricted)
#   6. a Pod that undoes readOnlyRootFilesystem: the preview must refuse it with the pack's message
#   7. `pulumi destroy`: nothing of the stack may remain in the cluster or in the state
# Ends with one summary line; exit 0 only when every step held.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
# The Go builds' cache; OPENCLAW_GO_CACHE puts them elsewhere than the rest (a private Docker data root
# beside shared Go builds, for instance).
GO_CACHE="${OPENCLAW_GO_CACHE:-${OPENCLAW_CI_CACHE:-$HOME/.cache/openclaw-ci}}"
# shellcheck source=e2e/versions.env
. "$REPO/e2e/versions.env"
# shellcheck source=e2e/k8s/cluster.sh
. "$HERE/cluster.sh"

REGISTRY_PORT="${E2E_K8S_REGISTRY_PORT:-26500}"
NAMESPACE=openclaw-e2e
STORAGE_CLASS=openclaw-e2e-local
UP_TIMEOUT="${E2E_K8S_UP_TIMEOUT:-600}"
# The release the stack first runs, then upgrades from to the pinned one (OPENCLAW_VERSION): the oldest that
# the upgrade drill (e2e/upgrade/run.sh) found to start under the rendered config, and one whose store the
# pinned release migrates.
FROM_VERSION="${E2E_K8S_FROM:-2026.8.2}"

say() { printf '[k8s] %s\n' "$*"; }
die() {
  printf '[k8s] FAIL: %s\n' "$*" >&2
  exit 1
}
T_STEP=$SECONDS
lap() {
  say "$1 ($((SECONDS - T_STEP)) s)"
  T_STEP=$SECONDS
}

WORK="$(mktemp -d /tmp/openclaw-e2e-k8s.XXXXXX)"
REGISTRY_PID=""
INGRESS_STATUS_PID=""
STARTED_DOCKERD=0
cleanup() {
  local rc=$?
  # Every line below must run whatever the one before did (a helper that already exited, a busy mount).
  set +e
  [ -n "$INGRESS_STATUS_PID" ] && kill "$INGRESS_STATUS_PID" 2>/dev/null
  [ -n "$REGISTRY_PID" ] && kill "$REGISTRY_PID" 2>/dev/null
  if [ "$STARTED_DOCKERD" = 1 ]; then stop_dockerd --force >/dev/null 2>&1 || true; fi
  cluster_stop
  rm -f "$HERE"/project/Pulumi.e2e*.yaml "$HERE"/variant/Pulumi.e2e*.yaml
  if [ "$rc" != 0 ] && [ -z "${E2E_K8S_KEEP:-}" ]; then
    say "logs of the failed run: $WORK/cluster/logs (kept: E2E_K8S_KEEP=1 keeps the whole work dir)"
    tar -C "$WORK" -czf "/tmp/openclaw-e2e-k8s-logs.tgz" cluster/logs pulumi-logs 2>/dev/null &&
      say "saved /tmp/openclaw-e2e-k8s-logs.tgz"
  fi
  if [ -z "${E2E_K8S_KEEP:-}" ]; then rm -rf "$WORK" || say "could not remove $WORK"; fi
  return "$rc"
}
trap cleanup EXIT
# Stack files a killed run left behind would carry another passphrase's salt into this run's stacks.
rm -f "$HERE"/project/Pulumi.e2e*.yaml "$HERE"/variant/Pulumi.e2e*.yaml

# --- 1. binaries ---------------------------------------------------------------------------------
OPENCLAW_CI_CACHE="$GO_CACHE" "$REPO/ci/engine/build.sh" | grep -v '^\[engine\] PATH entry' || die "ci/engine/build.sh"
OPENCLAW_CI_CACHE="$GO_CACHE" "$REPO/ci/engine/build-kubernetes-provider.sh" | grep -v 'PATH entry' ||
  die "ci/engine/build-kubernetes-provider.sh"
OPENCLAW_CI_CACHE="$GO_CACHE" "$REPO/ci/engine/build-kube.sh" | grep -v 'PATH entry' || die "ci/engine/build-kube.sh"
export PATH="$GO_CACHE/pulumi/bin:$PATH"
export KUBE_BIN="$GO_CACHE/kube/bin"
kubectl() { "$KUBE_BIN/kubectl" "$@"; }
lap "binaries ready"

# --- 2. the gateway image, served from loopback ---------------------------------------------------
# shellcheck source=ci/lib/dockerd.sh
. "$REPO/ci/lib/dockerd.sh"
if [ -z "${DOCKER_HOST:-}" ] || ! docker info >/dev/null 2>&1; then
  start_dockerd >/dev/null
  STARTED_DOCKERD=1
fi
for v in "$FROM_VERSION" "$OPENCLAW_VERSION"; do
  "$REPO/e2e/build-gateway-image.sh" "$v" "$v" >"$WORK/image-$v.log" 2>&1 || {
    tail -n 20 "$WORK/image-$v.log" >&2
    die "e2e/build-gateway-image.sh $v $v"
  }
done
mkdir -p "$WORK/registry/openclaw-gateway"
docker save "openclaw-gateway:$FROM_VERSION" "openclaw-gateway:$OPENCLAW_VERSION" | tar -x -C "$WORK/registry/openclaw-gateway"
if [ "$STARTED_DOCKERD" = 1 ]; then
  stop_dockerd --force >/dev/null 2>&1 || true
  STARTED_DOCKERD=0
fi
(cd "$REPO" && exec node_modules/.bin/tsx e2e/k8s/registry.ts "$WORK/registry" "$REGISTRY_PORT") >"$WORK/registry.log" 2>&1 &
REGISTRY_PID=$!
for _ in $(seq 1 120); do grep -q listening "$WORK/registry.log" && break; sleep 0.5; done
for v in "$FROM_VERSION" "$OPENCLAW_VERSION"; do
  curl -sf "http://127.0.0.1:$REGISTRY_PORT/v2/openclaw-gateway/manifests/$v" -o /dev/null ||
    die "the loopback registry does not serve openclaw-gateway:$v (log: $(tail -n 5 "$WORK/registry.log"))"
done
IMAGE="127.0.0.1:$REGISTRY_PORT/openclaw-gateway:$FROM_VERSION"
IMAGE_NEXT="127.0.0.1:$REGISTRY_PORT/openclaw-gateway:$OPENCLAW_VERSION"
lap "images $IMAGE and :$OPENCLAW_VERSION served"

# --- 3. the cluster -------------------------------------------------------------------------------
CLUSTER_REGISTRY_MIRROR="127.0.0.1:$REGISTRY_PORT" cluster_start "$WORK/cluster" || die "cluster start"
cluster_storage "$STORAGE_CLASS" 1 openclaw-e2e-state openclaw-e2e-pre-upgrade || die "StorageClass and PVs"
say "kubernetes $(kubectl version -o json | jq -r .serverVersion.gitVersion), node $(kubectl get nodes -o name)"
lap "cluster up"

# The Tailscale operator is not installed: what it would do for the stack's Ingress (class tailscale) is
# write the proxy's tailnet name into .status.loadBalancer, which the provider waits for. This loop does
# only that status write; no traffic is routed.
(
  # The Ingress comes and goes (destroy): a failed lookup is the next round's business, not this loop's end.
  set +e
  while sleep 1; do
    for ing in $(kubectl get ingress -A -o jsonpath='{range .items[?(@.spec.ingressClassName=="tailscale")]}{.metadata.namespace}/{.metadata.name}{" "}{end}' 2>/dev/null); do
      host="$(kubectl get ingress -n "${ing%/*}" "${ing#*/}" -o jsonpath='{.spec.tls[0].hosts[0]}' 2>/dev/null)" || continue
      [ -n "$(kubectl get ingress -n "${ing%/*}" "${ing#*/}" -o jsonpath='{.status.loadBalancer.ingress}')" ] ||
        kubectl patch ingress -n "${ing%/*}" "${ing#*/}" --subresource=status --type=merge \
          -p "{\"status\":{\"loadBalancer\":{\"ingress\":[{\"hostname\":\"$host.e2e.ts.net\"}]}}}" >/dev/null 2>&1
    done
  done
) &
INGRESS_STATUS_PID=$!

# --- 4. preview with the pack, then up ------------------------------------------------------------
export PULUMI_HOME="$WORK/pulumi-home" PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
PULUMI_CONFIG_PASSPHRASE="$(openssl rand -hex 24)"
export PULUMI_CONFIG_PASSPHRASE
mkdir -p "$WORK/state" "$WORK/pulumi-logs"
pulumi login "file://$WORK/state" >/dev/null
# pulumi <log name> <args...>: output kept in pulumi-logs/<log name>.log
pl() {
  local name="$1"
  shift
  pulumi "$@" --non-interactive --color never >"$WORK/pulumi-logs/$name.log" 2>&1
}

cd "$HERE/project"
pl stack-init-e2e stack init e2e --secrets-provider passphrase || die "pulumi stack init e2e: $(tail -n 5 "$WORK/pulumi-logs/stack-init-e2e.log")"
# The plain settings, kept apart so the offline plan can render the rollback Job from them (step 4b).
STACK_CONFIG="$(
  cat <<EOF
config:
  openclaw:target: kubernetes
  openclaw:ingress: tailscale
  openclaw:image: $IMAGE
  openclaw:tailscale:
    tailnetDnsName: e2e.ts.net
    hostname: openclaw-e2e
  openclaw:kubernetes:
    namespace: $NAMESPACE
    storageClass: $STORAGE_CLASS
    stateVolumeGiB: 1
    trustedProxyCidrs:
      - $CLUSTER_POD_CIDR
EOF
)"
printf '%s\n' "$STACK_CONFIG" >>Pulumi.e2e.yaml
pulumi config set --secret openclaw:gatewayToken "$(openssl rand -base64 32 | tr '+/' '-_' | tr -d '=')" >/dev/null
pulumi config set --secret openclaw:kubeconfig -- "$(cat "$KUBECONFIG")" >/dev/null

T_STEP=$SECONDS
pl preview preview --policy-pack "$REPO/policies" || {
  tail -n 40 "$WORK/pulumi-logs/preview.log" >&2
  die "pulumi preview --policy-pack policies failed"
}
grep -q "openclaw@v" "$WORK/pulumi-logs/preview.log" || die "the preview did not run the policy pack"
lap "preview+policy ok"

timeout "$UP_TIMEOUT" pulumi up --yes --policy-pack "$REPO/policies" --non-interactive --color never \
  >"$WORK/pulumi-logs/up.log" 2>&1 || {
  tail -n 60 "$WORK/pulumi-logs/up.log" >&2
  kubectl get pods,events -n "$NAMESPACE" >&2 || true
  die "pulumi up failed"
}
kubectl wait -n "$NAMESPACE" --for=condition=Available deployment/openclaw-gateway --timeout=10s >/dev/null ||
  die "pulumi up returned but deployment/openclaw-gateway is not Available"
POD="$(kubectl get pods -n "$NAMESPACE" -l app.kubernetes.io/component=gateway -o jsonpath='{.items[0].metadata.name}')"
pod_json="$(kubectl get pod -n "$NAMESPACE" "$POD" -o json)"
# Ready in S s: from the pod's creation to its Ready condition, both stamped by the cluster; the kubelet
# sets Ready only after the startup probe passed and then the readiness probe.
READY_S=$(jq -r '(.status.conditions[] | select(.type == "Ready") | .lastTransitionTime | fromdateiso8601) - (.metadata.creationTimestamp | fromdateiso8601)' <<<"$pod_json")
jq -e '.spec.containers[0] | (.startupProbe.exec or .startupProbe.httpGet) and (.readinessProbe.exec or .readinessProbe.httpGet) and .livenessProbe.httpGet' <<<"$pod_json" >/dev/null ||
  die "the gateway container has no startup/readiness/liveness probes"
[ "$(kubectl get ns "$NAMESPACE" -o jsonpath='{.metadata.labels.pod-security\.kubernetes\.io/enforce}')" = restricted ] ||
  die "namespace $NAMESPACE is not labelled pod-security enforce=restricted"
# The kubelet's own count of the probes it ran: the startup probe and then the readiness probe succeeded.
kubectl get --raw "/api/v1/nodes/$CLUSTER_NODE/proxy/metrics/probes" >"$WORK/kubelet-metrics"
for probe in Startup Readiness; do
  grep -E "^prober_probe_total\{.*container=\"gateway\".*pod=\"$POD\".*probe_type=\"$probe\".*result=\"successful\"" \
    "$WORK/kubelet-metrics" | awk '{ if ($NF >= 1) found = 1 } END { exit !found }' ||
    die "the kubelet reports no successful $probe probe of $POD (prober_probe_total)"
done
# The gateway answers through the API server's pod proxy (the kubelet-independent path to the pod IP).
kubectl get --raw "/api/v1/namespaces/$NAMESPACE/pods/$POD:18789/proxy/healthz" >"$WORK/healthz" ||
  die "the gateway's /healthz does not answer through the API server proxy"
# The pre-upgrade backup init container ran first, under the same restricted pod security, and found a new state.
kubectl logs -n "$NAMESPACE" "$POD" -c pre-upgrade-backup >"$WORK/pre-upgrade.log" 2>&1 || true
grep -q '^pre-upgrade: first start on an empty state' "$WORK/pre-upgrade.log" ||
  die "the pre-upgrade-backup init container did not report the first start: $(tail -n 5 "$WORK/pre-upgrade.log")"
lap "up ok: $POD ready ${READY_S}s after creation, restarts $(jq '.status.containerStatuses[0].restartCount' <<<"$pod_json")"

# --- 4b. an upgrade backs the state up first; the runbook's restore Job rolls it back ------------------
# docs/kubernetes.md "Upgrades and rollback", step by step, on the real cluster.
PRE_DIR="$WORK/cluster/volumes/openclaw-e2e-pre-upgrade"
MARKER=/home/node/.openclaw/e2e-upgrade-marker
gateway_pod() {
  kubectl get pods -n "$NAMESPACE" -l app.kubernetes.io/component=gateway --field-selector=status.phase=Running \
    -o jsonpath='{.items[0].metadata.name}'
}
gw_sh() { kubectl exec -n "$NAMESPACE" "$(gateway_pod)" -c gateway -- sh -c "$1"; }
available() {
  kubectl rollout status -n "$NAMESPACE" deployment/openclaw-gateway --timeout=300s >/dev/null &&
    kubectl wait -n "$NAMESPACE" --for=condition=Available deployment/openclaw-gateway --timeout=10s >/dev/null
}
up_logged() { # <log name>
  timeout "$UP_TIMEOUT" pulumi up --yes --policy-pack "$REPO/policies" --non-interactive --color never \
    >"$WORK/pulumi-logs/$1.log" 2>&1 || {
    tail -n 40 "$WORK/pulumi-logs/$1.log" >&2
    kubectl get pods,events -n "$NAMESPACE" >&2 || true
    die "pulumi up ($1) failed"
  }
}
# The schema version of the gateway's SQLite store, read in the pod with the gateway's own Node.
store_version() {
  gw_sh 'node -e "const {DatabaseSync}=require(\"node:sqlite\");const db=new DatabaseSync(process.env.OPENCLAW_STATE_DIR+\"/state/openclaw.sqlite\",{readOnly:true});process.stdout.write(String(db.prepare(\"PRAGMA user_version\").get().user_version))"'
}
gw_sh "printf 'state of %s\n' '$FROM_VERSION' >$MARKER" || die "writing the marker into the gateway's state"
V_FROM="$(store_version)" || die "reading the store's schema version"

pulumi config set openclaw:image "$IMAGE_NEXT" >/dev/null
up_logged up-next
available || die "the upgraded gateway did not become available"
kubectl logs -n "$NAMESPACE" "$(gateway_pod)" -c pre-upgrade-backup >"$WORK/pre-upgrade-next.log" 2>&1 || true
grep -q "holds the state as $IMAGE left it" "$WORK/pre-upgrade-next.log" ||
  die "the upgrade's init container made no backup: $(tail -n 5 "$WORK/pre-upgrade-next.log")"
ARCHIVE="$(cd "$PRE_DIR" && grep -lx "$IMAGE" pre-upgrade-*.image | sort | tail -n 1)"
ARCHIVE="${ARCHIVE%.image}.tar.gz"
[ -s "$PRE_DIR/$ARCHIVE" ] || die "no pre-upgrade archive for $IMAGE on the claim: $(ls "$PRE_DIR")"
V_TO="$(store_version)" || die "reading the store's schema version"
[ "$V_TO" -gt "$V_FROM" ] ||
  die "$OPENCLAW_VERSION did not migrate the store of $FROM_VERSION (schema $V_FROM -> $V_TO): the drill would prove nothing"
# The archive holds the store as the previous release left it, not the migrated one.
mkdir "$WORK/archive-check"
tar -C "$WORK/archive-check" -xzf "$PRE_DIR/$ARCHIVE" ./state
V_ARCHIVE="$(sqlite3 "$WORK/archive-check/state/openclaw.sqlite" 'PRAGMA user_version;')"
[ "$V_ARCHIVE" = "$V_FROM" ] || die "the pre-upgrade archive holds store schema $V_ARCHIVE, not $FROM_VERSION's $V_FROM"
gw_sh "printf 'written by %s\n' '$OPENCLAW_VERSION' >$MARKER" || die "changing the marker"
lap "upgrade ok: $FROM_VERSION -> $OPENCLAW_VERSION (store schema $V_FROM -> $V_TO), $ARCHIVE (schema $V_ARCHIVE) taken first"

# Rollback: the previous image in the config, the gateway scaled to 0, the rendered Job with the archive.
pulumi config set openclaw:image "$IMAGE" >/dev/null
kubectl scale -n "$NAMESPACE" deployment/openclaw-gateway --replicas=0 >/dev/null
for _ in $(seq 1 120); do
  [ -z "$(kubectl get pods -n "$NAMESPACE" -l app.kubernetes.io/component=gateway -o name)" ] && break
  sleep 1
done
[ -z "$(kubectl get pods -n "$NAMESPACE" -l app.kubernetes.io/component=gateway -o name)" ] ||
  die "the gateway did not stop"
mkdir -p "$WORK/plan-config"
printf '%s\n' "$STACK_CONFIG" >"$WORK/plan-config/Pulumi.e2e.yaml"
rc=0
(cd "$REPO" && npm run -s plan -- --stack e2e --config "$WORK/plan-config/Pulumi.e2e.yaml" --out "$WORK/plan") \
  >"$WORK/pulumi-logs/plan.log" 2>&1 || rc=$?
# 1: advisory-only verdicts do not stop the render; the artifacts are written either way.
[ "$rc" -le 1 ] || die "npm run plan --out exited $rc: $(tail -n 5 "$WORK/pulumi-logs/plan.log")"
JOB_FILE="$WORK/plan/k8s/rollback/job-openclaw-restore-pre-upgrade.yaml"
grep -q 'pre-upgrade-YYYYMMDDTHHMMSSZ.tar.gz' "$JOB_FILE" || die "the rendered restore Job has no archive placeholder"
sed "s/pre-upgrade-YYYYMMDDTHHMMSSZ.tar.gz/$ARCHIVE/" "$JOB_FILE" | kubectl apply -f - >/dev/null ||
  die "applying the restore Job"
kubectl wait -n "$NAMESPACE" --for=condition=complete job/openclaw-restore-pre-upgrade --timeout=180s >/dev/null || {
  kubectl logs -n "$NAMESPACE" job/openclaw-restore-pre-upgrade >&2 || true
  die "the restore Job did not complete"
}
kubectl logs -n "$NAMESPACE" job/openclaw-restore-pre-upgrade >"$WORK/restore.log" 2>&1 || true
grep -q "now holds $ARCHIVE" "$WORK/restore.log" ||
  die "the restore Job did not report the swap: $(tail -n 5 "$WORK/restore.log")"
kubectl delete -n "$NAMESPACE" job/openclaw-restore-pre-upgrade --wait=true >/dev/null
up_logged up-rollback
kubectl scale -n "$NAMESPACE" deployment/openclaw-gateway --replicas=1 >/dev/null
available || die "the rolled-back gateway did not become available"
[ "$(kubectl get deployment -n "$NAMESPACE" openclaw-gateway -o jsonpath='{.spec.template.spec.containers[0].image}')" = "$IMAGE" ] ||
  die "the Deployment does not run $IMAGE after the rollback"
[ "$(gw_sh "cat $MARKER")" = "state of $FROM_VERSION" ] ||
  die "the state is not the pre-upgrade one after the rollback: $(gw_sh "cat $MARKER" 2>&1)"
V_BACK="$(store_version)" || die "reading the store's schema version"
[ "$V_BACK" = "$V_FROM" ] || die "after the rollback the store has schema $V_BACK, not $FROM_VERSION's $V_FROM"
# The restored state is the previous image's own (the Job restored its record too): nothing new to back up.
kubectl logs -n "$NAMESPACE" "$(gateway_pod)" -c pre-upgrade-backup >"$WORK/pre-upgrade-rollback.log" 2>&1 || true
grep -q "$IMAGE already ran on this state" "$WORK/pre-upgrade-rollback.log" ||
  die "after the rollback, the init container did not recognise the restored state: $(tail -n 3 "$WORK/pre-upgrade-rollback.log")"
lap "rollback ok: $FROM_VERSION running on the state of $ARCHIVE (store schema $V_BACK)"

# --- 5. Pod Security restricted refuses a privilege-escalating pod, pack or no pack ---------------------
cd "$HERE/variant"
variant_stack() { # <stack> <change>
  pl "stack-init-$1" stack init "$1" --secrets-provider passphrase || die "pulumi stack init $1: $(tail -n 5 "$WORK/pulumi-logs/stack-init-$1.log")"
  pulumi config set namespace "$NAMESPACE" >/dev/null
  pulumi config set change "$2" >/dev/null
  pulumi config set --secret kubeconfig -- "$(cat "$KUBECONFIG")" >/dev/null
}
variant_stack e2e-pss allowPrivilegeEscalation
if pl pss up --yes; then
  die "the API server admitted a pod with allowPrivilegeEscalation: true in a restricted namespace"
fi
grep -q 'violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false' "$WORK/pulumi-logs/pss.log" || {
  tail -n 30 "$WORK/pulumi-logs/pss.log" >&2
  die "pulumi up failed, but not with the API server's Pod Security refusal"
}
pl pss-destroy destroy --yes || die "destroying the refused variant's stack"
pulumi stack rm --yes e2e-pss >/dev/null
lap "pss violation refused"

# --- 6. the pack refuses what Pod Security allows: a writable root filesystem ------------------------
variant_stack e2e-policy readOnlyRootFilesystem
if pl policy preview --policy-pack "$REPO/policies"; then
  die "the preview passed a pod with readOnlyRootFilesystem: false"
fi
if ! grep -q 'k8s-read-only-root-fs' "$WORK/pulumi-logs/policy.log" ||
  ! grep -q 'does not set securityContext.readOnlyRootFilesystem: true' "$WORK/pulumi-logs/policy.log"; then
  tail -n 30 "$WORK/pulumi-logs/policy.log" >&2
  die "the preview failed, but not with the pack's k8s-read-only-root-fs message"
fi
if kubectl get pod -n "$NAMESPACE" openclaw-variant-readonlyrootfilesystem >/dev/null 2>&1; then
  die "the refused variant's pod exists in the cluster"
fi
pl policy-destroy destroy --yes || die "destroying the policy variant's stack"
pulumi stack rm --yes e2e-policy >/dev/null
lap "policy violation refused"

# --- 7. destroy leaves nothing ---------------------------------------------------------------------
cd "$HERE/project"
pl destroy destroy --yes || {
  tail -n 40 "$WORK/pulumi-logs/destroy.log" >&2
  die "pulumi destroy failed"
}
kubectl wait --for=delete "namespace/$NAMESPACE" --timeout=120s >/dev/null 2>&1 || true
if kubectl get namespace "$NAMESPACE" >/dev/null 2>&1; then die "namespace $NAMESPACE still exists after destroy"; fi
left="$(kubectl get all,cm,secret,pvc,netpol,ingress,sa -A -l app.kubernetes.io/part-of=openclaw -o name 2>/dev/null)"
[ -z "$left" ] || die "left behind after destroy: $left"
resources="$(pulumi stack export | jq '.deployment.resources // [] | length')"
[ "$resources" = 0 ] || die "the state still lists $resources resources after destroy"
lap "destroy ok"

echo "k8s: preview+policy ok, up ok (ready in ${READY_S} s), pss violation refused, policy violation refused, destroy ok"
