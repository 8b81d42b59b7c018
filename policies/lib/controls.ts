// The project's control catalogue: what a deployment of the gateway must satisfy, each control with the
// level it has by default and the rules of other scanners that check the same thing on other formats, so
// a reader can compare the pack with the tools they already trust. Policies name the controls they
// implement in `controls`; tools/coverage-policies.ts reports any control no policy implements.

export type Area = "network" | "compute" | "storage" | "secrets" | "iam" | "kubernetes" | "containers" | "gateway";

export interface Control {
  area: Area;
  level: "mandatory" | "advisory";
  /** What a compliant deployment looks like, in one sentence. */
  requires: string;
  /** Peer rule ids: Checkov, Trivy/tfsec, kube-linter, CIS Docker 1.6, Pod Security Standards, gateway audit. */
  peers: string[];
}

const c = (area: Area, level: Control["level"], requires: string, peers: string[]): Control => ({
  area,
  level,
  requires,
  peers,
});

export const CONTROLS = {
  "net/public-admin-ingress": c(
    "network",
    "mandatory",
    "No meaningful share of the public address space (IPv4 or IPv6) reaches the gateway port or an admin port, through any security group, rule resource, prefix list or default group.",
    ["CKV_AWS_24", "CKV_AWS_25", "CKV_AWS_260", "CKV_AWS_277", "AVD-AWS-0107", "AVD-AWS-0104"],
  ),
  "net/egress": c("network", "advisory", "Egress to the internet is limited to what the gateway needs or justified.", [
    "CKV_AWS_382",
    "AVD-AWS-0104",
  ]),
  "net/public-ip": c(
    "network",
    "mandatory",
    "Nothing gives the gateway host a public address (instance flag, launch template, network interface, Elastic IP, subnet auto-assign) unless the ingress mode needs it and the stack says why.",
    ["CKV_AWS_88", "CKV_AWS_130", "AVD-AWS-0009", "AVD-AWS-0164"],
  ),
  "net/imdsv2": c("compute", "mandatory", "Instance metadata requires session tokens and a hop limit of 1.", [
    "CKV_AWS_79",
    "CKV_AWS_341",
    "AVD-AWS-0028",
    "AVD-AWS-0130",
  ]),
  "net/volumes-encrypted": c("compute", "mandatory", "Every root and data volume is encrypted.", [
    "CKV_AWS_3",
    "CKV_AWS_8",
    "CKV_AWS_189",
    "AVD-AWS-0026",
    "AVD-AWS-0131",
  ]),
  "net/user-data-secrets": c(
    "compute",
    "mandatory",
    "User data, in whatever format cloud-init reads it, carries no credential value.",
    ["CKV_AWS_46", "AVD-AWS-0029", "AVD-AWS-0129"],
  ),
  "net/flow-logs": c("network", "advisory", "Every VPC records flow logs.", ["CKV2_AWS_11", "AVD-AWS-0178"]),
  "net/no-ssh": c(
    "compute",
    "mandatory",
    "No SSH key pair and no port 22 from the internet; admin goes through SSM or the tailnet.",
    ["CKV_AWS_24", "AVD-AWS-0107"],
  ),
  "net/monitoring": c(
    "compute",
    "advisory",
    "The host has detailed monitoring and recovers on a failed status check.",
    ["CKV_AWS_126"],
  ),
  "net/artifacts-checkable": c(
    "compute",
    "mandatory",
    "Every artifact that runs or configures the gateway can be decoded and parsed, so the pack can judge it.",
    ["(pack-specific: fail closed)"],
  ),
  "s3/public-access-block": c("storage", "mandatory", "The backup bucket blocks every form of public access.", [
    "CKV2_AWS_6",
    "CKV_AWS_53",
    "CKV_AWS_54",
    "CKV_AWS_55",
    "CKV_AWS_56",
    "AVD-AWS-0086",
    "AVD-AWS-0087",
    "AVD-AWS-0091",
    "AVD-AWS-0093",
    "AVD-AWS-0094",
  ]),
  "s3/sse-kms": c("storage", "mandatory", "The bucket is encrypted with a customer-managed KMS key.", [
    "CKV_AWS_19",
    "CKV_AWS_145",
    "AVD-AWS-0088",
    "AVD-AWS-0132",
  ]),
  "s3/versioning": c("storage", "mandatory", "The bucket keeps versions.", ["CKV_AWS_21", "AVD-AWS-0090"]),
  "s3/tls-only": c("storage", "mandatory", "The bucket policy refuses requests not made over TLS.", ["CKV_AWS_379"]),
  "s3/lifecycle": c(
    "storage",
    "mandatory",
    "Lifecycle rules tier, expire, expire old versions and abort incomplete uploads.",
    ["CKV2_AWS_61", "CKV_AWS_300"],
  ),
  "s3/logging": c("storage", "advisory", "The bucket logs access.", ["CKV_AWS_18", "AVD-AWS-0089"]),
  "kms/rotation": c("storage", "mandatory", "Symmetric customer-managed keys rotate automatically.", ["CKV_AWS_7"]),
  "secrets/rotation": c("secrets", "mandatory", "Every secret has a rotation schedule.", ["CKV2_AWS_57"]),
  "secrets/rotation-interval": c(
    "secrets",
    "mandatory",
    "The longest gap between two rotations, whatever the schedule syntax, is at most 90 days.",
    ["CKV_AWS_304"],
  ),
  "secrets/cmk": c(
    "secrets",
    "advisory",
    "Secrets are encrypted with a customer-managed key, not an AWS-managed alias.",
    ["CKV_AWS_149"],
  ),
  "lambda/public-invoke": c(
    "secrets",
    "mandatory",
    "No Lambda can be invoked by anyone; every invoke permission names its caller and source.",
    ["CKV_AWS_301"],
  ),
  "lambda/hygiene": c(
    "secrets",
    "advisory",
    "Lambdas have failure alerts, a concurrency limit, log retention and tracing.",
    ["CKV_AWS_116", "CKV_AWS_115", "CKV_AWS_50", "CKV_AWS_338", "AVD-AWS-0066"],
  ),
  "lambda/env": c("secrets", "mandatory", "Lambda environment variables are KMS-encrypted and hold no credential.", [
    "CKV_AWS_173",
    "CKV_AWS_45",
  ]),
  "iam/least-privilege": c(
    "iam",
    "mandatory",
    "No identity policy, evaluated as AWS evaluates it (wildcards, NotAction, NotResource), grants admin, IAM writes or secret, key and bucket access beyond the stack's own resources.",
    ["CKV_AWS_355", "CKV_AWS_290", "CKV_AWS_289", "CKV_AWS_62", "AVD-AWS-0057"],
  ),
  "iam/trust": c(
    "iam",
    "mandatory",
    "No role can be assumed by everyone or by any account; federated and cross-account trust is narrowed by conditions.",
    ["CKV_AWS_60", "CKV_AWS_61"],
  ),
  "k8s/privileged": c("kubernetes", "mandatory", "No container is privileged.", [
    "CKV_K8S_16",
    "KSV-0017",
    "kube-linter:privileged-container",
    "PSS-baseline:privileged",
  ]),
  "k8s/privilege-escalation": c("kubernetes", "mandatory", "Every container sets allowPrivilegeEscalation false.", [
    "CKV_K8S_20",
    "KSV-0001",
    "kube-linter:privilege-escalation-container",
    "PSS-restricted:allowPrivilegeEscalation",
  ]),
  "k8s/read-only-root": c("kubernetes", "mandatory", "Every container has a read-only root filesystem.", [
    "CKV_K8S_22",
    "KSV-0014",
    "kube-linter:no-read-only-root-fs",
  ]),
  "k8s/non-root": c("kubernetes", "mandatory", "Every container runs as a non-root uid of at least 1000.", [
    "CKV_K8S_23",
    "CKV_K8S_40",
    "KSV-0012",
    "KSV-0020",
    "kube-linter:run-as-non-root",
    "PSS-restricted:runAsNonRoot",
    "PSS-restricted:runAsUser",
  ]),
  "k8s/capabilities": c(
    "kubernetes",
    "mandatory",
    "Every container drops ALL capabilities and adds none but NET_BIND_SERVICE.",
    [
      "CKV_K8S_37",
      "CKV_K8S_28",
      "KSV-0003",
      "KSV-0106",
      "kube-linter:drop-net-raw-capability",
      "PSS-restricted:capabilities",
    ],
  ),
  "k8s/seccomp": c(
    "kubernetes",
    "mandatory",
    "Every container runs under the RuntimeDefault or a Localhost seccomp profile.",
    ["CKV_K8S_31", "KSV-0030", "PSS-restricted:seccompProfile"],
  ),
  "k8s/pss-restricted": c(
    "kubernetes",
    "mandatory",
    "Every pod of every workload kind stays inside the restricted Pod Security Standard: no host namespaces, host paths, host ports, non-default procMount, unsafe sysctls, custom SELinux users or types, unconfined AppArmor, or volume types outside the allowed list.",
    [
      "CKV_K8S_17",
      "CKV_K8S_18",
      "CKV_K8S_19",
      "CKV_K8S_27",
      "KSV-0008",
      "KSV-0009",
      "KSV-0010",
      "KSV-0023",
      "KSV-0024",
      "KSV-0025",
      "KSV-0026",
      "KSV-0027",
      "KSV-0028",
      "kube-linter:host-network",
      "kube-linter:host-pid",
      "kube-linter:host-ipc",
      "kube-linter:docker-sock",
      "kube-linter:sensitive-host-mounts",
      "PSS-baseline",
      "PSS-restricted:volumeTypes",
    ],
  ),
  "k8s/probes": c("kubernetes", "mandatory", "Long-running gateway pods probe /healthz and /readyz.", [
    "CKV_K8S_8",
    "CKV_K8S_9",
    "kube-linter:no-liveness-probe",
    "kube-linter:no-readiness-probe",
  ]),
  "k8s/resources": c("kubernetes", "mandatory", "Every container requests and limits CPU and memory.", [
    "CKV_K8S_10",
    "CKV_K8S_11",
    "CKV_K8S_12",
    "CKV_K8S_13",
    "KSV-0011",
    "KSV-0015",
    "KSV-0016",
    "KSV-0018",
    "kube-linter:unset-cpu-requirements",
    "kube-linter:unset-memory-requirements",
  ]),
  "k8s/image-pinned": c("kubernetes", "mandatory", "Every image is pinned by version or digest.", [
    "CKV_K8S_14",
    "CKV_K8S_43",
    "KSV-0013",
    "kube-linter:latest-tag",
  ]),
  "k8s/sa-token": c("kubernetes", "advisory", "Pods do not mount a service-account token they never use.", [
    "CKV_K8S_38",
    "KSV-0036",
  ]),
  "k8s/env-secrets": c(
    "kubernetes",
    "mandatory",
    "Credentials reach containers as secret references or files, never literal values.",
    ["CKV_K8S_35", "kube-linter:read-secret-from-env-var"],
  ),
  "k8s/service-exposure": c(
    "kubernetes",
    "mandatory",
    "The gateway is not published outside the cluster by a LoadBalancer, NodePort, external IP or ingress without authentication.",
    ["kube-linter:exposed-services", "KSV-0108"],
  ),
  "k8s/rbac": c(
    "kubernetes",
    "mandatory",
    "No role binding gives the gateway's service account, or every service account, power over secrets, pods, nodes or RBAC.",
    ["CKV_K8S_49", "CKV_K8S_155", "KSV-0041", "KSV-0044", "KSV-0046", "kube-linter:access-to-secrets"],
  ),
  "k8s/pss-netpol": c(
    "kubernetes",
    "advisory",
    "Namespaces enforce restricted Pod Security and a default-deny network policy.",
    ["PSS-restricted", "KSV-0038"],
  ),
  "ctr/read-only-root": c(
    "containers",
    "mandatory",
    "Root filesystems are read-only; writable paths are tmpfs or named volumes.",
    ["CIS-Docker-5.13"],
  ),
  "ctr/cap-drop": c(
    "containers",
    "mandatory",
    "Containers drop ALL capabilities and add none beyond NET_BIND_SERVICE.",
    ["CIS-Docker-5.4"],
  ),
  "ctr/privileged": c("containers", "mandatory", "No container is privileged.", ["CIS-Docker-5.5"]),
  "ctr/no-new-privileges": c("containers", "mandatory", "Every container sets no-new-privileges.", ["CIS-Docker-5.26"]),
  "ctr/non-root": c("containers", "mandatory", "Every container runs as a non-root user, in whatever spelling.", [
    "CIS-Docker-4.1",
    "CKV_DOCKER_3",
    "CKV_DOCKER_8",
    "DS-0002",
  ]),
  "ctr/limits": c("containers", "mandatory", "Every container has finite, positive memory, CPU and pids limits.", [
    "CIS-Docker-5.11",
    "CIS-Docker-5.12",
    "CIS-Docker-5.29",
  ]),
  "ctr/ports": c("containers", "mandatory", "Published ports are bound to loopback or a private address.", [
    "CIS-Docker-5.14",
  ]),
  "ctr/healthcheck": c("containers", "mandatory", "Every container has a health check.", [
    "CIS-Docker-4.6",
    "CIS-Docker-5.27",
    "CKV_DOCKER_2",
    "DS-0026",
  ]),
  "ctr/docker-socket": c("containers", "mandatory", "No container mounts the Docker or containerd socket.", [
    "CIS-Docker-5.32",
  ]),
  "ctr/seccomp": c("containers", "mandatory", "No container runs with seccomp unconfined.", ["CIS-Docker-5.22"]),
  "ctr/apparmor": c("containers", "mandatory", "No container runs with AppArmor unconfined.", ["CIS-Docker-5.1"]),
  "ctr/host-namespaces": c(
    "containers",
    "mandatory",
    "No container shares the host's network, PID, IPC, UTS or user namespace.",
    ["CIS-Docker-5.9", "CIS-Docker-5.15", "CIS-Docker-5.16", "CIS-Docker-5.20", "CIS-Docker-5.30"],
  ),
  "ctr/host-devices": c("containers", "mandatory", "No container gets host devices.", ["CIS-Docker-5.17"]),
  "ctr/host-mounts": c(
    "containers",
    "mandatory",
    "No container mounts a sensitive host path (/, /etc, /proc, /sys, /boot, /dev, /var/run, /root, /home).",
    ["CIS-Docker-5.5", "CIS-Docker-5.6"],
  ),
  "ctr/image-pinned": c("containers", "mandatory", "Every image is pinned by version or digest.", [
    "CKV_DOCKER_7",
    "DS-0001",
  ]),
  "ctr/image-digest": c(
    "containers",
    "advisory",
    "The gateway image is pinned by digest, so a moved tag never changes what runs without an upgrade (mandatory in production).",
    ["CKV_K8S_43", "kube-linter:latest-tag (digest form)"],
  ),
  "gw/auth": c(
    "gateway",
    "mandatory",
    "Gateway auth is on, and its token is long, random and held in the secret store, wherever the config is read from.",
    ["gateway.bind_no_auth", "gateway.loopback_no_auth", "gateway.token_too_short"],
  ),
  "gw/lan-bind": c("gateway", "mandatory", "Binding beyond loopback needs auth and an allowlist of origins.", [
    "gateway.control_ui.allowed_origins_required",
  ]),
  "gw/control-ui": c("gateway", "mandatory", "Insecure Control UI auth and disabled device auth are off.", [
    "gateway.control_ui.insecure_auth",
    "gateway.control_ui.device_auth_disabled",
  ]),
  "gw/trusted-proxies": c("gateway", "mandatory", "Trusted proxies are set whenever a proxy fronts the gateway.", [
    "gateway.trusted_proxies_missing",
    "gateway.trusted_proxy_no_proxies",
  ]),
  "gw/funnel": c(
    "gateway",
    "mandatory",
    "Tailscale Funnel is never on: not in the gateway config, a serve config, or a command.",
    ["gateway.tailscale_funnel"],
  ),
  "gw/hooks-token": c("gateway", "mandatory", "The hooks token differs from the gateway token.", [
    "hooks.token_reuse_gateway_token",
  ]),
  "gw/rate-limit": c("gateway", "advisory", "Auth attempts are rate limited.", ["gateway.auth_no_rate_limit"]),
  "gw/tools": c("gateway", "advisory", "The tools profile is not full and file tools stay in the workspace.", [
    "tools.profile_full",
  ]),
  "ts/auth-keys": c(
    "gateway",
    "mandatory",
    "Tailscale auth keys are preauthorized, tagged, single-use and short-lived.",
    ["(pack-specific)"],
  ),
  "outputs/secret": c("gateway", "mandatory", "Stack outputs that carry a credential are secret.", ["(pack-specific)"]),
  "obs/alarms": c("compute", "advisory", "The gateway host has status-check, health and backup alarms.", [
    "CKV_AWS_126",
  ]),
  "obs/log-retention": c("compute", "advisory", "Every log group has a retention period.", [
    "CKV_AWS_338",
    "AVD-AWS-0017",
  ]),
  "obs/budget": c("compute", "advisory", "The stack has a monthly budget with notifications.", ["(pack-specific)"]),
} as const satisfies Record<string, Control>;

export type ControlId = keyof typeof CONTROLS;
