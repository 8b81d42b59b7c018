# shellcheck shell=bash
# A real single-node Kubernetes cluster in a scratch directory, for e2e/k8s/run.sh:
#   etcd (Debian's etcd-server) -> kube-apiserver (Pod Security admission, service-account keys, RBAC+Node
#   authorization, certificates made here with openssl) -> kube-controller-manager, kube-scheduler ->
#   containerd (Debian's, its CRI plugin) + runc -> kubelet, pods on the bridge CNI plugin.
# Everything listens on loopback or on the pod bridge this file creates; forwarded pod traffic that leaves the
# bridge is dropped (no egress). No kube-proxy and no DNS add-on: nothing in the test needs Service routing.
#
# Source it, then: cluster_start <dir>  (sets KUBECONFIG, CLUSTER_* below), cluster_stop (by PID; trap it).
# Binaries: KUBE_BIN (kube-apiserver, kube-controller-manager, kube-scheduler, kubelet, kubectl from
# ci/engine/build-kube.sh), etcd/containerd/runc/ctr and the CNI plugins (/usr/lib/cni) from Debian packages.
#
# Settings (defaults keep clear of the other e2e suites; ports on 127.0.0.1):
#   CLUSTER_POD_BRIDGE (ock8s0), CLUSTER_POD_CIDR (10.220.64.0/24), CLUSTER_SERVICE_CIDR (10.220.96.0/24),
#   CLUSTER_PORT_BASE (26400: etcd +0/+1, apiserver +43, kubelet +50, controller-manager +57, scheduler +59),
#   CLUSTER_REGISTRY_MIRROR (host:port served over plain HTTP on loopback; containerd pulls it without TLS).

CLUSTER_POD_BRIDGE="${CLUSTER_POD_BRIDGE:-ock8s0}"
CLUSTER_POD_CIDR="${CLUSTER_POD_CIDR:-10.220.64.0/24}"
CLUSTER_SERVICE_CIDR="${CLUSTER_SERVICE_CIDR:-10.220.96.0/24}"
CLUSTER_PORT_BASE="${CLUSTER_PORT_BASE:-26400}"
CLUSTER_NODE="${CLUSTER_NODE:-openclaw-e2e-node}"
CLUSTER_PIDS=()
CLUSTER_DIR=""
CLUSTER_IPT_COMMENT="openclaw-e2e-k8s"

_cl_log() { printf '[cluster] %s\n' "$*"; }
_cl_die() {
  printf '[cluster] FAIL: %s\n' "$*" >&2
  return 1
}

# _cl_cert <name> <CN> [O] [SANs]: a key and a certificate signed by the cluster CA.
_cl_cert() {
  local name="$1" cn="$2" org="${3:-}" san="${4:-}" pki="$CLUSTER_DIR/pki" subj
  subj="/CN=$cn"
  [ -n "$org" ] && subj="/O=$org$subj"
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "$subj" \
    -keyout "$pki/$name.key" -out "$pki/$name.csr" 2>/dev/null
  {
    echo "basicConstraints=CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    if [ -n "$san" ]; then
      echo "extendedKeyUsage=serverAuth,clientAuth"
      echo "subjectAltName=$san"
    else
      echo "extendedKeyUsage=clientAuth"
    fi
  } >"$pki/$name.ext"
  openssl x509 -req -in "$pki/$name.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial \
    -days 2 -sha256 -extfile "$pki/$name.ext" -out "$pki/$name.crt" 2>/dev/null
}

# _cl_kubeconfig <file> <cert name>: a kubeconfig for the apiserver with that client certificate.
_cl_kubeconfig() {
  local pki="$CLUSTER_DIR/pki"
  cat >"$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: e2e
  cluster:
    server: https://127.0.0.1:$((CLUSTER_PORT_BASE + 43))
    certificate-authority-data: $(base64 -w0 "$pki/ca.crt")
users:
- name: $2
  user:
    client-certificate-data: $(base64 -w0 "$pki/$2.crt")
    client-key-data: $(base64 -w0 "$pki/$2.key")
contexts:
- name: e2e
  context: {cluster: e2e, user: $2}
current-context: e2e
EOF
  chmod 0600 "$1"
}

# _cl_run <name> <cmd...>: starts a daemon in the background, log in $CLUSTER_DIR/logs/<name>.log.
_cl_run() {
  local name="$1"
  shift
  "$@" >"$CLUSTER_DIR/logs/$name.log" 2>&1 &
  CLUSTER_PIDS+=("$!")
  echo "$!" >"$CLUSTER_DIR/pids/$name"
}

# _cl_wait <what> <seconds> <cmd...>: polls cmd until it succeeds.
_cl_wait() {
  local what="$1" secs="$2" t0=$SECONDS
  shift 2
  until "$@" >/dev/null 2>&1; do
    if [ $((SECONDS - t0)) -ge "$secs" ]; then
      _cl_die "$what not ready after $secs s (logs in $CLUSTER_DIR/logs)"
      return 1
    fi
    sleep 0.5
  done
}

# The node's address: the pod bridge's own (the kubelet refuses a loopback node IP). The kubelet serves
# there for the API server (logs, exec, port-forward), with client-certificate/webhook authentication.
_cl_node_ip() { echo "${CLUSTER_POD_CIDR%.*}.1"; }

_cl_network() {
  local gw="${CLUSTER_POD_CIDR%.*}.1" prefix="${CLUSTER_POD_CIDR#*/}"
  ip link show "$CLUSTER_POD_BRIDGE" >/dev/null 2>&1 || ip link add "$CLUSTER_POD_BRIDGE" type bridge || return 1
  ip addr replace "$gw/$prefix" dev "$CLUSTER_POD_BRIDGE" && ip link set "$CLUSTER_POD_BRIDGE" up || return 1
  # Pod to pod on the bridge is allowed; anything a pod sends off the bridge is dropped (no egress).
  iptables -I FORWARD -i "$CLUSTER_POD_BRIDGE" ! -o "$CLUSTER_POD_BRIDGE" -m comment --comment "$CLUSTER_IPT_COMMENT" -j DROP &&
    iptables -I FORWARD -i "$CLUSTER_POD_BRIDGE" -o "$CLUSTER_POD_BRIDGE" -m comment --comment "$CLUSTER_IPT_COMMENT" -j ACCEPT
  mkdir -p "$CLUSTER_DIR/cni/net.d"
  cat >"$CLUSTER_DIR/cni/net.d/10-e2e.conflist" <<EOF
{
  "cniVersion": "0.4.0",
  "name": "e2e",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$CLUSTER_POD_BRIDGE",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "dataDir": "$CLUSTER_DIR/cni/ipam",
        "ranges": [[{ "subnet": "$CLUSTER_POD_CIDR", "gateway": "$gw" }]],
        "routes": [{ "dst": "0.0.0.0/0" }]
      }
    },
    { "type": "portmap", "capabilities": { "portMappings": true } }
  ]
}
EOF
}

_cl_pki() {
  local pki="$CLUSTER_DIR/pki" svc_ip
  mkdir -p "$pki"
  # First address of the service range: the `kubernetes` Service's ClusterIP, which the serving cert must name.
  svc_ip="${CLUSTER_SERVICE_CIDR%.*}.1"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj "/CN=openclaw-e2e-ca" \
    -keyout "$pki/ca.key" -out "$pki/ca.crt" 2>/dev/null || return 1
  _cl_cert apiserver kube-apiserver "" \
    "IP:127.0.0.1,IP:$svc_ip,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc" &&
    _cl_cert apiserver-kubelet-client kube-apiserver-kubelet-client system:masters &&
    _cl_cert admin openclaw-e2e-admin system:masters &&
    _cl_cert controller-manager system:kube-controller-manager &&
    _cl_cert scheduler system:kube-scheduler &&
    _cl_cert kubelet "system:node:$CLUSTER_NODE" system:nodes &&
    _cl_cert kubelet-serving "$CLUSTER_NODE" "" "IP:127.0.0.1,IP:$(_cl_node_ip),DNS:$CLUSTER_NODE" || return 1
  # Service-account tokens: signed by the apiserver with this key, verified by it and the controller-manager.
  openssl genrsa -out "$pki/sa.key" 2048 2>/dev/null && openssl rsa -in "$pki/sa.key" -pubout -out "$pki/sa.pub" 2>/dev/null
  local n
  for n in admin controller-manager scheduler kubelet; do _cl_kubeconfig "$CLUSTER_DIR/$n.kubeconfig" "$n"; done
}

_cl_containerd() {
  local d="$CLUSTER_DIR/containerd"
  mkdir -p "$d/root" "$d/state" "$d/opt"
  cat >"$d/config.toml" <<EOF
version = 2
root = "$d/root"
state = "$d/state"
[grpc]
  address = "$d/containerd.sock"
[plugins."io.containerd.internal.v1.opt"]
  path = "$d/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$CLUSTER_SANDBOX_IMAGE"
  enable_selinux = false
  # CRI gives every pod sandbox oom_score_adj -998 (and Guaranteed pods' containers -997). Lowering it takes
  # CAP_SYS_RESOURCE, which a machine that is itself a container or a restricted VM may lack from its
  # bounding set: runc init then dies writing /proc/self/oom_score_adj ("can't get final child's PID from
  # pipe: EOF"). Clamped to containerd's own score, pods start either way.
  restrict_oom_score_adj = $CLUSTER_RESTRICT_OOM
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "${CLUSTER_SNAPSHOTTER:-overlayfs}"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      # runc's state stays ours too (its default, /run/containerd/runc/<namespace>, is machine-wide).
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        Root = "$d/runc"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$CLUSTER_DIR/cni/net.d"
EOF
  if [ -n "${CLUSTER_REGISTRY_MIRROR:-}" ]; then
    cat >>"$d/config.toml" <<EOF
  [plugins."io.containerd.grpc.v1.cri".registry.mirrors."$CLUSTER_REGISTRY_MIRROR"]
    endpoint = ["http://$CLUSTER_REGISTRY_MIRROR"]
EOF
  fi
  CLUSTER_CONTAINERD_SOCK="$d/containerd.sock"
  _cl_run containerd containerd --config "$d/config.toml"
  _cl_wait containerd 30 ctr --address "$CLUSTER_CONTAINERD_SOCK" version
}

# cluster_import_image <docker-archive or OCI tar>: into the k8s.io namespace the kubelet's CRI uses.
cluster_import_image() {
  ctr --address "$CLUSTER_CONTAINERD_SOCK" -n k8s.io images import "$1" >/dev/null
}

# The sandbox ("pause") image: registry.k8s.io is unreachable, so a one-layer image holding busybox is
# built here. Its only job is to keep the pod's namespaces open; the kubelet never restarts it.
_cl_sandbox_image() {
  local w="$CLUSTER_DIR/sandbox" cfg man idx ls lsz cs csz ms msz
  mkdir -p "$w/rootfs/bin" "$w/oci/blobs/sha256"
  cp "$(command -v busybox)" "$w/rootfs/bin/busybox"
  tar --numeric-owner --owner=0 --group=0 -C "$w/rootfs" -cf "$w/layer.tar" bin
  ls="$(sha256sum "$w/layer.tar" | cut -d' ' -f1)"
  lsz=$(stat -c %s "$w/layer.tar")
  mv "$w/layer.tar" "$w/oci/blobs/sha256/$ls"
  cfg='{"architecture":"amd64","os":"linux","config":{"User":"65535:65535","Entrypoint":["/bin/busybox","sleep","2147483647"]},"rootfs":{"type":"layers","diff_ids":["sha256:'$ls'"]}}'
  printf '%s' "$cfg" >"$w/cfg.json"
  cs="$(sha256sum "$w/cfg.json" | cut -d' ' -f1)"
  csz=$(stat -c %s "$w/cfg.json")
  mv "$w/cfg.json" "$w/oci/blobs/sha256/$cs"
  man='{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:'$cs'","size":'$csz'},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:'$ls'","size":'$lsz'}]}'
  printf '%s' "$man" >"$w/man.json"
  ms="$(sha256sum "$w/man.json" | cut -d' ' -f1)"
  msz=$(stat -c %s "$w/man.json")
  mv "$w/man.json" "$w/oci/blobs/sha256/$ms"
  idx='{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:'$ms'","size":'$msz',"annotations":{"io.containerd.image.name":"'$CLUSTER_SANDBOX_IMAGE'","org.opencontainers.image.ref.name":"'${CLUSTER_SANDBOX_IMAGE##*:}'"}}]}'
  printf '%s' "$idx" >"$w/oci/index.json"
  printf '{"imageLayoutVersion":"1.0.0"}' >"$w/oci/oci-layout"
  tar -C "$w/oci" -cf "$w/sandbox.tar" . && cluster_import_image "$w/sandbox.tar"
}

_cl_control_plane() {
  local pki="$CLUSTER_DIR/pki" etcd_port=$((CLUSTER_PORT_BASE)) api_port=$((CLUSTER_PORT_BASE + 43))
  mkdir -p "$CLUSTER_DIR/etcd"
  _cl_run etcd etcd --name e2e --data-dir "$CLUSTER_DIR/etcd" \
    --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$((etcd_port + 1))" --initial-advertise-peer-urls "http://127.0.0.1:$((etcd_port + 1))" \
    --initial-cluster "e2e=http://127.0.0.1:$((etcd_port + 1))" --listen-metrics-urls "" \
    --quota-backend-bytes $((512 * 1024 * 1024))
  _cl_wait etcd 30 curl -sf "http://127.0.0.1:$etcd_port/health" || return 1

  # Pod Security admission: every namespace defaults to `baseline` enforcement, the stack's namespace
  # labels itself `restricted`; the stack gets the same admission chain a managed cluster has.
  cat >"$CLUSTER_DIR/admission.yaml" <<EOF
apiVersion: apiserver.config.k8s.io/v1
kind: AdmissionConfiguration
plugins:
- name: PodSecurity
  configuration:
    apiVersion: pod-security.admission.config.k8s.io/v1
    kind: PodSecurityConfiguration
    defaults: {enforce: baseline, enforce-version: latest, audit: restricted, audit-version: latest, warn: restricted, warn-version: latest}
    exemptions: {usernames: [], runtimeClasses: [], namespaces: [kube-system]}
EOF
  _cl_run kube-apiserver "$KUBE_BIN/kube-apiserver" \
    --etcd-servers "http://127.0.0.1:$etcd_port" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$api_port" \
    --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" \
    --client-ca-file "$pki/ca.crt" \
    --kubelet-client-certificate "$pki/apiserver-kubelet-client.crt" --kubelet-client-key "$pki/apiserver-kubelet-client.key" \
    --kubelet-preferred-address-types InternalIP \
    --service-account-key-file "$pki/sa.pub" --service-account-signing-key-file "$pki/sa.key" \
    --service-account-issuer "https://kubernetes.default.svc" \
    --service-cluster-ip-range "$CLUSTER_SERVICE_CIDR" \
    --authorization-mode Node,RBAC \
    --enable-admission-plugins NodeRestriction,PodSecurity \
    --admission-control-config-file "$CLUSTER_DIR/admission.yaml" \
    --allow-privileged=true \
    --profiling=false --endpoint-reconciler-type none
  KUBECONFIG="$CLUSTER_DIR/admin.kubeconfig"
  export KUBECONFIG
  _cl_wait kube-apiserver 300 "$KUBE_BIN/kubectl" get --raw /readyz || return 1

  _cl_run kube-controller-manager "$KUBE_BIN/kube-controller-manager" \
    --kubeconfig "$CLUSTER_DIR/controller-manager.kubeconfig" \
    --authentication-kubeconfig "$CLUSTER_DIR/controller-manager.kubeconfig" \
    --authorization-kubeconfig "$CLUSTER_DIR/controller-manager.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port $((CLUSTER_PORT_BASE + 57)) \
    --service-account-private-key-file "$pki/sa.key" --root-ca-file "$pki/ca.crt" \
    --use-service-account-credentials \
    --cluster-signing-cert-file "$pki/ca.crt" --cluster-signing-key-file "$pki/ca.key" \
    --profiling=false --leader-elect=false
  _cl_run kube-scheduler "$KUBE_BIN/kube-scheduler" \
    --kubeconfig "$CLUSTER_DIR/scheduler.kubeconfig" \
    --authentication-kubeconfig "$CLUSTER_DIR/scheduler.kubeconfig" \
    --authorization-kubeconfig "$CLUSTER_DIR/scheduler.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port $((CLUSTER_PORT_BASE + 59)) \
    --profiling=false --leader-elect=false
}

_cl_kubelet() {
  local pki="$CLUSTER_DIR/pki" k="$CLUSTER_DIR/kubelet"
  mkdir -p "$k/root" "$k/pods" "$k/logs" "$k/volume-plugins"
  cat >"$k/config.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $(_cl_node_ip)
port: $((CLUSTER_PORT_BASE + 50))
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: $((CLUSTER_PORT_BASE + 48))
tlsCertFile: $pki/kubelet-serving.crt
tlsPrivateKeyFile: $pki/kubelet-serving.key
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $pki/ca.crt}
authorization: {mode: Webhook}
cgroupDriver: cgroupfs
cgroupsPerQOS: true
containerRuntimeEndpoint: unix://$CLUSTER_CONTAINERD_SOCK
failSwapOn: false
# A shared machine: its disk and memory use belong to others; never evict the test's pods for it.
evictionHard: {}
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
enforceNodeAllocatable: []
localStorageCapacityIsolation: false
serializeImagePulls: false
staticPodPath: $k/pods
# Everything the kubelet writes stays under the scratch directory (defaults are /var/log/pods and /usr/libexec).
podLogsDir: $k/logs
volumePluginDir: $k/volume-plugins
clusterDomain: cluster.local
resolvConf: ""
registerNode: true
EOF
  # The kubelet lowers its own oom_score_adj to -999 by default; without CAP_SYS_RESOURCE that only logs an error.
  [ "$CLUSTER_RESTRICT_OOM" = true ] && echo "oomScoreAdj: 0" >>"$k/config.yaml"

  _cl_run kubelet "$KUBE_BIN/kubelet" --config "$k/config.yaml" \
    --kubeconfig "$CLUSTER_DIR/kubelet.kubeconfig" --root-dir "$k/root" \
    --hostname-override "$CLUSTER_NODE" --node-ip "$(_cl_node_ip)" \
    --cert-dir "$k/pki"
  _cl_wait "node $CLUSTER_NODE Ready" 300 \
    "$KUBE_BIN/kubectl" wait --for=condition=Ready "node/$CLUSTER_NODE" --timeout=2s
}

# A static StorageClass and one pre-created PV per claim the test expects: nothing provisions volumes
# dynamically here. WaitForFirstConsumer, as the CSI classes of managed clusters are.
cluster_storage() { # <class> <size Gi> <pv names...>
  local class="$1" size="$2" pv
  shift 2
  {
    cat <<EOF
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: $class}
provisioner: kubernetes.io/no-provisioner
volumeBindingMode: WaitForFirstConsumer
reclaimPolicy: Delete
EOF
    for pv in "$@"; do
      mkdir -p "$CLUSTER_DIR/volumes/$pv"
      cat <<EOF
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: $pv}
spec:
  capacity: {storage: ${size}Gi}
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  storageClassName: $class
  local: {path: $CLUSTER_DIR/volumes/$pv}
  nodeAffinity:
    required:
      nodeSelectorTerms:
      - matchExpressions:
        - {key: kubernetes.io/hostname, operator: In, values: [$CLUSTER_NODE]}
EOF
    done
  } | "$KUBE_BIN/kubectl" apply -f - >/dev/null
}

# CAP_SYS_RESOURCE is bit 24 of the capability sets; without it in our effective set, no process we start can
# lower an oom_score_adj.
_cl_has_sys_resource() { (($(printf '%d' "0x$(awk '/^CapEff:/ {print $2}' /proc/self/status)") >> 24 & 1)); }

cluster_start() {
  CLUSTER_DIR="$1"
  if _cl_has_sys_resource; then CLUSTER_RESTRICT_OOM=false; else
    CLUSTER_RESTRICT_OOM=true
    _cl_log "no CAP_SYS_RESOURCE here: containerd clamps the pods' oom_score_adj to its own, the kubelet keeps its own"
  fi
  : "${KUBE_BIN:?KUBE_BIN must point at the kube binaries (ci/engine/build-kube.sh)}"
  CLUSTER_SANDBOX_IMAGE="${CLUSTER_SANDBOX_IMAGE:-openclaw.local/e2e-sandbox:1}"
  local t
  for t in etcd containerd runc ctr busybox openssl iptables curl "$KUBE_BIN/kube-apiserver" "$KUBE_BIN/kubelet" "$KUBE_BIN/kubectl"; do
    command -v "$t" >/dev/null || { _cl_die "$t is missing (apt-get install -y etcd-server containerd runc containernetworking-plugins busybox-static; ci/engine/build-kube.sh)"; return 1; }
  done
  [ -x /usr/lib/cni/bridge ] || { _cl_die "/usr/lib/cni/bridge is missing (apt-get install -y containernetworking-plugins)"; return 1; }
  mkdir -p "$CLUSTER_DIR/logs" "$CLUSTER_DIR/pids"
  _cl_pki || { _cl_die "certificates"; return 1; }
  _cl_network || { _cl_die "pod bridge $CLUSTER_POD_BRIDGE"; return 1; }
  _cl_containerd || return 1
  _cl_sandbox_image || { _cl_die "sandbox image import"; return 1; }
  _cl_control_plane || return 1
  _cl_kubelet || return 1
}

# Stops what cluster_start started, by PID, newest first; removes the pod bridge, its iptables rules and
# the mounts the kubelet and containerd left under the scratch directory.
cluster_stop() {
  [ -n "$CLUSTER_DIR" ] || return 0
  local i pid m
  # Pods first, while the kubelet and containerd still run, so their mounts and veths are released.
  if [ -S "${CLUSTER_CONTAINERD_SOCK:-/nonexistent}" ]; then
    for c in $(ctr --address "$CLUSTER_CONTAINERD_SOCK" -n k8s.io tasks ls -q 2>/dev/null); do
      ctr --address "$CLUSTER_CONTAINERD_SOCK" -n k8s.io tasks kill -s SIGKILL "$c" >/dev/null 2>&1 || true
    done
  fi
  for ((i = ${#CLUSTER_PIDS[@]} - 1; i >= 0; i--)); do
    pid="${CLUSTER_PIDS[i]}"
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${CLUSTER_PIDS[@]}"; do
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -9 "$pid" 2>/dev/null || true
  done
  CLUSTER_PIDS=()
  # containerd-shim processes outlive containerd by design; they are ours if their cmdline names our socket.
  for pid in $(pgrep -f "containerd-shim-runc-v2 .*-address $CLUSTER_DIR/containerd/containerd.sock" || true); do
    kill -9 "$pid" 2>/dev/null || true
  done
  while read -r m; do umount -l "$m" 2>/dev/null || true; done < <(awk -v d="$CLUSTER_DIR" 'index($2, d) == 1 {print $2}' /proc/mounts | sort -r)
  while iptables -D FORWARD -i "$CLUSTER_POD_BRIDGE" ! -o "$CLUSTER_POD_BRIDGE" -m comment --comment "$CLUSTER_IPT_COMMENT" -j DROP 2>/dev/null; do :; done
  while iptables -D FORWARD -i "$CLUSTER_POD_BRIDGE" -o "$CLUSTER_POD_BRIDGE" -m comment --comment "$CLUSTER_IPT_COMMENT" -j ACCEPT 2>/dev/null; do :; done
  ip link del "$CLUSTER_POD_BRIDGE" 2>/dev/null || true
}
