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
] as const;

export function podSpecOf(type: string, props: Record<string, any>): Record<string, any> | undefined {
  const spec = props.spec;
  if (!isObject(spec)) return undefined;
  if (type === "kubernetes:core/v1:Pod") return spec;
  if (type === "kubernetes:batch/v1:CronJob") {
    const s = spec.jobTemplate?.spec?.template?.spec;
    return isObject(s) ? s : undefined;
  }
  const s = spec.template?.spec;
  return isObject(s) ? s : undefined;
}

export interface K8sContainer {
  /** `containers[gateway]` or `initContainers[chown]`, for messages. */
  where: string;
  init: boolean;
  c: Record<string, any>;
}

export function containersOf(pod: Record<string, any>): K8sContainer[] {
  return [
    ...asArray<any>(pod.initContainers).map((c, i) => ({ where: `initContainers[${c?.name ?? i}]`, init: true, c })),
    ...asArray<any>(pod.containers).map((c, i) => ({ where: `containers[${c?.name ?? i}]`, init: false, c })),
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
