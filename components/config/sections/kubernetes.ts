import { z } from "zod";
import { intRange } from "./common";

const dnsLabel = z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, { error: "must be a DNS label" });

/** Kubernetes object names such as StorageClass: a DNS-1123 subdomain (what the API server would demand). */
const dnsSubdomain = z
  .string()
  .regex(/^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, {
    error: "must be a Kubernetes object name (DNS-1123 subdomain): lowercase letters, digits, '-' and '.', at most 253",
  });

function ipv4(s: string): number {
  return s.split(".").reduce((acc, o) => acc * 256 + Number(o), 0);
}

/**
 * Ranges no proxy pod can have an address in (RFC 6890 special-purpose): trusting them would let whatever
 * can forge such a source, or a misrouted packet, set X-Forwarded-For.
 */
export const SPECIAL_IPV4_RANGES = [
  "0.0.0.0/8",
  "127.0.0.0/8",
  "169.254.0.0/16",
  "192.0.0.0/24",
  "192.0.2.0/24",
  "198.18.0.0/15",
  "198.51.100.0/24",
  "203.0.113.0/24",
  "224.0.0.0/4",
  "240.0.0.0/4",
];

function overlaps(a: [number, number], b: [number, number]): boolean {
  const size = (p: number) => 2 ** (32 - p);
  const [as, ae] = [a[0], a[0] + size(a[1]) - 1];
  const [bs, be] = [b[0], b[0] + size(b[1]) - 1];
  return as <= be && bs <= ae;
}

/**
 * Where the pods' HTTPS egress must not go: the cluster's own networks (API server, Services, pods and nodes
 * sit in these in almost every cluster) and link-local (the cloud metadata endpoint holds node credentials).
 * LLM and chat APIs are public, so nothing the gateway needs is lost.
 */
export const DEFAULT_EGRESS_EXCLUDED_CIDRS = [
  "10.0.0.0/8",
  "172.16.0.0/12",
  "192.168.0.0/16",
  "100.64.0.0/10",
  "169.254.0.0/16",
  "127.0.0.0/8",
  "0.0.0.0/8",
  "224.0.0.0/4",
  "240.0.0.0/4",
];

/** A NetworkPolicy ipBlock `except` entry: an IPv4 network address, /1 to /32 (the API server rejects host bits). */
const exceptCidr = z.string().superRefine((value, ctx) => {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(value);
  if (!m || m.slice(1, 5).some((o) => Number(o) > 255) || Number(m[5]) < 1 || Number(m[5]) > 32) {
    ctx.addIssue({ code: "custom", message: "must be an IPv4 CIDR from /1 to /32, such as 10.96.0.0/12" });
    return;
  }
  const prefix = Number(m[5]);
  const base = ipv4(`${m[1]}.${m[2]}.${m[3]}.${m[4]}`);
  if (base % 2 ** (32 - prefix) !== 0) {
    const net = base - (base % 2 ** (32 - prefix));
    ctx.addIssue({
      code: "custom",
      message: `has host bits set: write the network address ${[24, 16, 8, 0].map((s) => Math.floor(net / 2 ** s) % 256).join(".")}/${prefix}`,
    });
  }
});

const cidr = z.string().superRefine((value, ctx) => {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(value);
  if (!m || m.slice(1, 5).some((o) => Number(o) > 255) || Number(m[5]) > 32) {
    ctx.addIssue({ code: "custom", message: "must be an IPv4 CIDR such as 10.244.0.0/16 (the cluster's pod CIDR)" });
    return;
  }
  const prefix = Number(m[5]);
  const base = ipv4(`${m[1]}.${m[2]}.${m[3]}.${m[4]}`);
  if (prefix < 8) {
    ctx.addIssue({
      code: "custom",
      message: "is wider than /8: trusting that many proxy addresses lets any pod spoof client addresses",
    });
    return;
  }
  if (base % 2 ** (32 - prefix) !== 0) {
    const net = base - (base % 2 ** (32 - prefix));
    ctx.addIssue({
      code: "custom",
      message: `has host bits set: write the network address ${[24, 16, 8, 0].map((s) => Math.floor(net / 2 ** s) % 256).join(".")}/${prefix}`,
    });
    return;
  }
  const special = SPECIAL_IPV4_RANGES.find((r) => {
    const [ip, p] = r.split("/");
    return overlaps([base, prefix], [ipv4(ip), Number(p)]);
  });
  if (special) {
    ctx.addIssue({
      code: "custom",
      message: `overlaps the special-purpose range ${special} (this host, loopback, link-local, documentation, multicast or reserved), where no proxy pod lives: list the pod CIDR of the proxy pods, such as 10.244.0.0/16`,
    });
  }
});

/** Kubernetes target: an existing cluster given by the secret `openclaw:kubeconfig` (or the ambient one). */
export const kubernetesSection = z
  .strictObject({
    /** Namespace created for the gateway, labelled Pod Security `restricted`. @default "openclaw" */
    namespace: dnsLabel.default("openclaw"),
    /** StorageClass of the state PVC (a CSI class with ReadWriteOnce). @default the cluster default */
    storageClass: dnsSubdomain.optional(),
    /** State PVC size. @default 10 */
    stateVolumeGiB: intRange(1, 16384, "GiB").default(10),
    /** Probe timings (seconds). The gateway needs ~12 s to start on 2 cores. */
    probes: z
      .strictObject({
        startupFailureThreshold: intRange(1, 120).default(30),
        periodSeconds: intRange(1, 300, "seconds").default(10),
        timeoutSeconds: intRange(1, 60, "seconds").default(3),
        livenessFailureThreshold: intRange(1, 30).default(3),
      })
      .prefault({}),
    /**
     * Namespace the Tailscale operator runs its ingress proxy pods in; the NetworkPolicy admits traffic to
     * the gateway only from there (ingress tailscale). @default "tailscale"
     */
    tailscaleOperatorNamespace: dnsLabel.default("tailscale"),
    /**
     * Addresses the gateway trusts to set X-Forwarded-For: the pod CIDR the ingress proxy pods get (the
     * Tailscale operator's proxy or Caddy). Proxy pod addresses change on every restart, so an exact address
     * cannot be pinned. Required with ingress tailscale or caddy: without it every path but /healthz answers
     * 403 proxy_attribution_required. @default []
     */
    trustedProxyCidrs: z.array(cidr).default([]),
    /**
     * Networks the gateway's and Caddy's HTTPS (443) egress may not reach; the cloud metadata address is
     * excluded whatever this says. Add the cluster's service or node CIDR when it lies outside these.
     * @default RFC 1918, CGNAT (100.64.0.0/10), link-local, loopback, this-network, multicast and reserved
     */
    egressExcludedCidrs: z.array(exceptCidr).default(DEFAULT_EGRESS_EXCLUDED_CIDRS),
    /**
     * Annotate the Service for Prometheus scraping of /api/diagnostics/prometheus (the scraper needs the token)
     * and admit `prometheusNamespace` to the gateway port in its NetworkPolicy. Off by default: the
     * annotation would be advertised to a scraper the NetworkPolicy cannot let in. @default false
     */
    prometheusScrape: z.boolean().default(false),
    /** Namespace the scraping Prometheus runs in; required with prometheusScrape. @default none */
    prometheusNamespace: dnsLabel.optional(),
  })
  .prefault({})
  .superRefine((k, ctx) => {
    if (k.prometheusScrape && !k.prometheusNamespace) {
      ctx.addIssue({
        code: "custom",
        path: ["prometheusNamespace"],
        input: undefined,
        message:
          "is required when prometheusScrape is true: the NetworkPolicy admits only the ingress path, so name the namespace Prometheus runs in (e.g. monitoring)",
      });
    }
  });
export type KubernetesSection = z.infer<typeof kubernetesSection>;

/** What the ingress modes' config rules read: a structural slice of StackConfig (no import of schema.ts). */
export interface TargetIngressView {
  target: string;
  ingress: string;
  kubernetes: { trustedProxyCidrs: string[] };
}

export interface RuleIssue {
  path: (string | number)[];
  input: unknown;
  message: string;
}
