// Where a pod spec lives in each Kubernetes workload kind, so container rules see every shape.
import { asArray, isObject } from "./util";

export const WORKLOAD_TYPES = [
  "kubernetes:apps/v1:Deployment",
  "kubernetes:apps/v1:StatefulSet",
  "kubernetes:apps/v1:DaemonSet",
  "kubernetes:apps/v1:ReplicaSet",
  "kubernetes:batch/v1:Job",
  "kubernetes:batch/v1:CronJob",
  "kubernetes:core/v1:Pod",
  "kubernetes:core/v1:ReplicationController",
  "kubernetes:core/v1:PodTemplate",
  "kubernetes:apps/v1beta1:Deployment",
  "kubernetes:apps/v1beta2:Deployment",
  "kubernetes:extensions/v1beta1:Deployment",
  "kubernetes:apps/v1beta2:StatefulSet",
  "kubernetes:apps/v1beta2:DaemonSet",
  "kubernetes:batch/v1beta1:CronJob",
] as const;
export const WORKLOAD_TYPE_SET: ReadonlySet<string> = new Set(WORKLOAD_TYPES);

/** Patch and list variants of the same kinds carry the same pod spec. */
export function isWorkloadType(type: string): boolean {
  return WORKLOAD_TYPE_SET.has(type.replace(/Patch$/, ""));
}

export function podSpecOf(type: string, props: Record<string, any>): Record<string, any> | undefined {
  const kind = type.replace(/Patch$/, "").replace(/.*:/, "");
  if (kind === "PodTemplate") {
    const s = props.template?.spec;
    return isObject(s) ? s : undefined;
  }
  const spec = props.spec;
  if (!isObject(spec)) return undefined;
  if (kind === "Pod") return spec;
  if (kind === "CronJob") {
    const s = spec.jobTemplate?.spec?.template?.spec;
    return isObject(s) ? s : undefined;
  }
  const s = spec.template?.spec;
  return isObject(s) ? s : undefined;
}

export interface K8sContainer {
  /** `containers[gateway]`, `initContainers[chown]` or `ephemeralContainers[debug]`, for messages. */
  where: string;
  init: boolean;
  ephemeral?: boolean;
  c: Record<string, any>;
}

export function containersOf(pod: Record<string, any>): K8sContainer[] {
  return [
    ...asArray<any>(pod.initContainers).map((c, i) => ({ where: `initContainers[${c?.name ?? i}]`, init: true, c })),
    ...asArray<any>(pod.containers).map((c, i) => ({ where: `containers[${c?.name ?? i}]`, init: false, c })),
    ...asArray<any>(pod.ephemeralContainers).map((c, i) => ({
      where: `ephemeralContainers[${c?.name ?? i}]`,
      init: false,
      ephemeral: true,
      c,
    })),
  ].filter((x) => isObject(x.c));
}

/** Container-level securityContext wins over the pod's for the fields both have. */
export function effective(pod: Record<string, any>, c: Record<string, any>, field: string): any {
  const cs = isObject(c.securityContext) ? c.securityContext : {};
  const ps = isObject(pod.securityContext) ? pod.securityContext : {};
  return cs[field] !== undefined ? cs[field] : ps[field];
}

/** The container serving the gateway: it exposes 18789 (the same image also runs one-shot CLI jobs). */
export function isGatewayContainer(c: Record<string, any>): boolean {
  return asArray<any>(c.ports).some((p) => Number(p?.containerPort) === 18789);
}
