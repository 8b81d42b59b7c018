import { z } from "zod";
import { intRange } from "./common";

const dnsLabel = z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, { error: "must be a DNS label" });

const cidr = z.string().superRefine((value, ctx) => {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(value);
  if (!m || m.slice(1, 5).some((o) => Number(o) > 255) || Number(m[5]) > 32) {
    ctx.addIssue({ code: "custom", message: "must be an IPv4 CIDR such as 10.244.0.0/16 (the cluster's pod CIDR)" });
  } else if (Number(m[5]) < 8) {
    ctx.addIssue({
      code: "custom",
      message: "is wider than /8: trusting that many proxy addresses lets any pod spoof client addresses",
    });
  }
});

/** Kubernetes target: an existing cluster given by the secret `openclaw:kubeconfig` (or the ambient one). */
export const kubernetesSection = z
  .strictObject({
    /** Namespace created for the gateway, labelled Pod Security `restricted`. @default "openclaw" */
    namespace: dnsLabel.default("openclaw"),
    /** StorageClass of the state PVC (a CSI class with ReadWriteOnce). @default the cluster default */
    storageClass: z.string().min(1).optional(),
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
    /** Annotate the Service for Prometheus scraping of /api/diagnostics/prometheus (needs the token). @default true */
    prometheusScrape: z.boolean().default(true),
  })
  .prefault({});
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
