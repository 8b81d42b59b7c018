/**
 * One Pod made from the deployed gateway's own pod template (read back from the cluster), with exactly one
 * hardening setting undone, chosen by config `change`:
 * - `allowPrivilegeEscalation`: Pod Security `restricted` forbids it, so the API server must refuse the Pod
 *   even when nobody runs the policy pack;
 * - `readOnlyRootFilesystem`: Pod Security allows a writable root, only the pack (k8s-read-only-root-fs)
 *   refuses it, at preview.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

const config = new pulumi.Config();
const namespace = config.require("namespace");
const change = config.require("change");
const changes: Record<string, (sc: Record<string, unknown>) => void> = {
  allowPrivilegeEscalation: (sc) => {
    sc.allowPrivilegeEscalation = true;
  },
  readOnlyRootFilesystem: (sc) => {
    sc.readOnlyRootFilesystem = false;
  },
};
const undo = changes[change];
if (!undo)
  throw new Error(`config change=${JSON.stringify(change)}: must be one of ${Object.keys(changes).join(", ")}`);

const provider = new k8s.Provider("cluster", { kubeconfig: config.requireSecret("kubeconfig") });
const live = k8s.apps.v1.Deployment.get("gateway", `${namespace}/openclaw-gateway`, { provider });
const spec = live.spec.template.spec.apply((s) => {
  const copy = JSON.parse(JSON.stringify(s)) as { containers: { securityContext: Record<string, unknown> }[] };
  for (const c of copy.containers) undo(c.securityContext);
  return copy as unknown as k8s.types.input.core.v1.PodSpec;
});

new k8s.core.v1.Pod(
  "variant",
  {
    metadata: { namespace, name: `openclaw-variant-${change.toLowerCase()}`, labels: { "openclaw.ai/e2e": "variant" } },
    spec,
  },
  { provider },
);
