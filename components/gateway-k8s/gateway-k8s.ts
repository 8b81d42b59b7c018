/**
 * The gateway on an existing Kubernetes cluster. Thin: every manifest comes from manifests.ts (pure,
 * tested without Pulumi); this component only registers them and adds the one object that holds secret
 * values, the Secret, built from secret Outputs so no value ever appears in a manifest or artifact.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { Deployment } from "kubernetes-types/apps/v1";
import { stringify } from "yaml";
import type { StackConfig } from "../config/schema";
import { GATEWAY_SECRET_NAME } from "../container/render-k8s";
import { manifestList, manifestPath, renderK8s, type K8sManifests, type K8sObject } from "./manifests";
import type { GatewayContainerSpec } from "../container/spec";
import { preUpgradeRestoreJob } from "./upgrade";

export interface GatewayK8sArgs {
  /** The parsed stack configuration (target kubernetes). */
  readonly config: StackConfig;
  /** The locked-down container spec (gatewayContainerSpec(cfg, { providerKeyEnv })). */
  readonly spec: GatewayContainerSpec;
  /** The rendered openclaw.json (renderGatewayConfigJson). Holds no secret. */
  readonly configJson: string;
  /**
   * Values of spec.secretEnv, by variable name, as secret Outputs (the gateway token and provider keys).
   * Every name in spec.secretEnv must be present: a missing key would leave the pod in CreateContainerConfigError.
   */
  readonly secretEnv: Record<string, pulumi.Input<string>>;
  /**
   * The image reference to run when it is known only at deploy time (the digest `openclaw:resolveImageDigest`
   * resolves); it replaces spec.image in the Deployment. @default spec.image
   */
  readonly image?: pulumi.Input<string>;
  /** Kubeconfig (the secret `openclaw:kubeconfig`). @default the ambient kubeconfig / in-cluster config */
  readonly kubeconfig?: pulumi.Input<string>;
}

/** Pure: which secret names the spec needs but the caller did not provide. */
export function missingSecretEnv(spec: GatewayContainerSpec, provided: readonly string[]): string[] {
  return spec.secretEnv.filter((n) => !provided.includes(n));
}

/** The Pulumi args of a rendered object: the typed resource classes set apiVersion/kind themselves. */
function body<T extends K8sObject>(obj: T): Omit<T, "apiVersion" | "kind"> {
  const { apiVersion: _a, kind: _k, ...rest } = obj;
  return rest;
}

/** A Deployment's args need a spec; renderK8s always sets one, so its absence is a bug worth a clear error. */
function deploymentArgs(d: Deployment): k8s.apps.v1.DeploymentArgs {
  if (!d.spec) throw new Error(`renderK8s produced Deployment ${d.metadata?.name} without a spec`);
  // The only mismatch between kubernetes-types 1.30 and the provider's types is in fields we never set
  // (HostAlias.ip is optional in one, required in the other); the typed rendering is the checked one.
  return { ...body(d), spec: d.spec as unknown as k8s.types.input.apps.v1.DeploymentSpec };
}

/** One rendered object as its typed Pulumi resource. */
function registerObject(name: string, obj: K8sObject, opts: pulumi.CustomResourceOptions): pulumi.Resource {
  switch (obj.kind) {
    case "Namespace":
      return new k8s.core.v1.Namespace(name, body(obj), opts);
    case "ServiceAccount":
      return new k8s.core.v1.ServiceAccount(name, body(obj), opts);
    case "ConfigMap":
      return new k8s.core.v1.ConfigMap(name, body(obj), opts);
    case "PersistentVolumeClaim":
      return new k8s.core.v1.PersistentVolumeClaim(name, body(obj), opts);
    case "Deployment":
      return new k8s.apps.v1.Deployment(name, deploymentArgs(obj as Deployment), opts);
    case "Service":
      return new k8s.core.v1.Service(name, body(obj), opts);
    case "NetworkPolicy":
      return new k8s.networking.v1.NetworkPolicy(name, body(obj), opts);
    case "Ingress":
      return new k8s.networking.v1.Ingress(name, body(obj), opts);
    default:
      throw new Error(`GatewayK8s: no resource type for kind ${obj.kind} (${name})`);
  }
}

export class GatewayK8s extends pulumi.ComponentResource {
  readonly manifests: K8sManifests;
  /** The rollback's restore Job (rendered, not applied). */
  readonly restoreJob: K8sObject;
  readonly namespace: pulumi.Output<string>;
  readonly serviceName: pulumi.Output<string>;

  constructor(name: string, args: GatewayK8sArgs, opts?: pulumi.ComponentResourceOptions) {
    super("openclaw:kubernetes:GatewayK8s", name, {}, opts);
    const missing = missingSecretEnv(args.spec, Object.keys(args.secretEnv));
    if (missing.length > 0) {
      throw new pulumi.ResourceError(
        `GatewayK8s: secretEnv lacks ${missing.join(", ")}; pass a secret Output for each name in spec.secretEnv`,
        this,
      );
    }
    this.manifests = renderK8s({
      cfg: args.config,
      spec: args.spec,
      configJson: args.configJson,
    });
    const m = this.manifests;
    this.restoreJob = preUpgradeRestoreJob(
      args.spec,
      args.config,
      m.deployment.spec!.template.spec!,
      RESTORE_ARCHIVE_PLACEHOLDER,
    ) as K8sObject;

    const provider = args.kubeconfig
      ? new k8s.Provider(
          `${name}-provider`,
          { kubeconfig: args.kubeconfig, enableServerSideApply: true },
          { parent: this },
        )
      : undefined;
    // Names are fixed in the manifests (the NetworkPolicy and Secret refer to them): a replacement must delete first.
    const o = (dependsOn: pulumi.Resource[] = []): pulumi.CustomResourceOptions => ({
      parent: this,
      provider,
      deleteBeforeReplace: true,
      dependsOn,
    });

    const ns = new k8s.core.v1.Namespace(`${name}-namespace`, body(m.namespace), o());
    const inNs = [ns];
    const sa = new k8s.core.v1.ServiceAccount(`${name}-sa`, body(m.serviceAccount), o(inNs));
    const secret = new k8s.core.v1.Secret(
      `${name}-secrets`,
      {
        metadata: {
          name: GATEWAY_SECRET_NAME,
          namespace: args.config.kubernetes.namespace,
          labels: m.serviceAccount.metadata?.labels,
        },
        type: "Opaque",
        stringData: pulumi.secret(args.secretEnv),
        immutable: false,
      },
      o(inNs),
    );
    const cm = new k8s.core.v1.ConfigMap(`${name}-config`, body(m.configMap), o(inNs));
    // On WaitForFirstConsumer classes the claim stays Pending until the pod exists; the provider's await
    // logic knows that, so the Deployment can depend on it.
    const pvc = new k8s.core.v1.PersistentVolumeClaim(`${name}-state`, body(m.pvc), o(inNs));
    const prePvc = new k8s.core.v1.PersistentVolumeClaim(`${name}-pre-upgrade`, body(m.preUpgradePvc), o(inNs));
    const np = new k8s.networking.v1.NetworkPolicy(`${name}-netpol`, body(m.networkPolicy), o(inNs));
    new k8s.networking.v1.NetworkPolicy(`${name}-default-deny`, body(m.defaultDeny), o(inNs));
    const dArgs = deploymentArgs(m.deployment);
    const image = args.image;
    // The resolved reference replaces the rendered one wherever it appears (containers, init container, env).
    const spec =
      image === undefined
        ? dArgs.spec
        : pulumi
            .output(image)
            .apply((ref) =>
              JSON.parse(JSON.stringify(dArgs.spec).replaceAll(JSON.stringify(args.spec.image), JSON.stringify(ref))),
            );
    new k8s.apps.v1.Deployment(`${name}-deployment`, { ...dArgs, spec }, o([sa, secret, cm, pvc, prePvc, np]));
    const svc = new k8s.core.v1.Service(`${name}-service`, body(m.service), o(inNs));
    // The ingress mode's objects wait for what they name: the gateway's objects by id, or each other.
    const byId = new Map<string, pulumi.Resource>([
      ["namespace", ns],
      ["sa", sa],
      ["secrets", secret],
      ["config", cm],
      ["state", pvc],
      ["netpol", np],
      ["service", svc],
    ]);
    for (const { id, object, after } of m.ingressObjects) {
      const deps = after.map((d) => {
        const r = byId.get(d);
        if (!r) throw new pulumi.ResourceError(`GatewayK8s: ${id} waits for unknown object "${d}"`, this);
        return r;
      });
      byId.set(id, registerObject(`${name}-${id}`, object, o(deps)));
    }
    this.namespace = ns.metadata.name;
    this.serviceName = svc.metadata.name;
    this.registerOutputs({ namespace: this.namespace, serviceName: this.serviceName });
  }

  /** `k8s/<kind>-<name>.yaml` for every manifest (the Secret is left out: its values exist only in Pulumi state). */
  artifacts(): Record<string, string> {
    return renderK8sArtifacts(this.manifests, this.restoreJob);
  }
}

/** The archive name an operator replaces in the rendered restore Job. */
export const RESTORE_ARCHIVE_PLACEHOLDER = "pre-upgrade-YYYYMMDDTHHMMSSZ.tar.gz";

export function renderK8sArtifacts(m: K8sManifests, restoreJob?: K8sObject): Record<string, string> {
  const out: Record<string, string> = {};
  if (restoreJob)
    // Not applied by the stack: the rollback's restore step, applied by an operator (docs/kubernetes.md).
    out["k8s/rollback/job-openclaw-restore-pre-upgrade.yaml"] =
      "# Rollback restore step (docs/kubernetes.md): scale the gateway to 0, set OPENCLAW_RESTORE_ARCHIVE, apply.\n" +
      stringify(restoreJob, { lineWidth: 0 });
  for (const obj of manifestList(m)) {
    out[manifestPath(obj)] =
      "# Rendered by the openclaw Pulumi stack (components/gateway-k8s/manifests.ts).\n" +
      stringify(obj, { lineWidth: 0 });
  }
  return out;
}
