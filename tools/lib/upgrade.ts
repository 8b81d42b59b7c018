/**
 * What a change does to the running gateway, read from the plan itself: a change only to the release (the
 * gateway image, compose file, gateway or ingress config) is applied in place as an upgrade transaction; a
 * change to an input that makes the provider replace the instance (user data, AMI, subnet, ...) replaces
 * it. Without a previous plan to compare with, the summary says how each kind of change would be applied.
 * Pure: plan resources in, a summary out.
 */

export interface PlanLikeResource {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

/** aws.ec2.Instance inputs whose change replaces the instance (userData because the program sets userDataReplaceOnChange). */
export const INSTANCE_REPLACE_INPUTS = [
  "ami",
  "userData",
  "userDataBase64",
  "subnetId",
  "availabilityZone",
  "associatePublicIpAddress",
  "keyName",
  "privateIp",
  "tenancy",
  "placementGroup",
  "ebsBlockDevices",
  "rootBlockDevice",
] as const;

export type ChangeKind = "none" | "in place" | "replace";

export interface UpgradeSummary {
  target: "vm" | "kubernetes" | "docker";
  /** The gateway image reference this plan runs. */
  image: string;
  imagePinnedByDigest: boolean;
  /** How a change of the image or the gateway/ingress config is applied on this target. */
  releaseChange: "in place" | "rollout";
  /** What an operator returns to if the upgrade fails: the previous image and the pre-upgrade state. */
  rollbackPoint: string;
  /** Only with a previous plan: what this plan changes, and why. */
  change?: {
    kind: ChangeKind;
    fromImage?: string;
    toImage: string;
    reasons: string[];
  };
}

const INSTANCE = "aws:ec2/instance:Instance";
const DOCUMENT = "aws:ssm/document:Document";
const IMAGE_LINE = /^install -D -m 0[0-7]{3} \/dev\/null "\$d\/image" && printf '%s' '([A-Za-z0-9+/=]+)'/;

const gatewayInstance = (rs: PlanLikeResource[]) => rs.find((r) => r.type === INSTANCE && r.name.endsWith("-instance"));
const releaseDocument = (rs: PlanLikeResource[]) => rs.find((r) => r.type === DOCUMENT && r.name.endsWith("-release"));

/** The image the plan's release document (VM) or gateway workload (Kubernetes, Docker) runs. */
export function planImage(rs: PlanLikeResource[], outputs: { name: string; value: unknown }[] = []): string {
  const out = outputs.find((o) => o.name === "gatewayImage")?.value;
  if (typeof out === "string" && out) return out;
  const doc = releaseDocument(rs);
  if (doc) {
    try {
      const lines: string[] = JSON.parse(String(doc.inputs.content)).mainSteps[0].inputs.runCommand;
      for (const l of lines) {
        const m = IMAGE_LINE.exec(l);
        if (m) return Buffer.from(m[1]!, "base64").toString("utf8").trim();
      }
    } catch {
      // falls through to the workloads
    }
  }
  for (const r of rs) {
    const containers = (r.inputs as any)?.spec?.template?.spec?.containers;
    if (Array.isArray(containers)) {
      const gw = containers.find((c: any) => c?.name === "gateway") ?? containers[0];
      if (gw?.image) return String(gw.image);
    }
    if (r.type === "docker:index/container:Container" && typeof r.inputs.image === "string") return r.inputs.image;
  }
  return "";
}

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

export function summarizeUpgrade(
  target: UpgradeSummary["target"],
  current: { resources: PlanLikeResource[]; outputs?: { name: string; value: unknown }[] },
  previous?: { resources: PlanLikeResource[]; outputs?: { name: string; value: unknown }[] },
): UpgradeSummary {
  const image = planImage(current.resources, current.outputs);
  const pinned = /@sha256:[0-9a-f]{64}$/.test(image);
  const summary: UpgradeSummary = {
    target,
    image,
    imagePinnedByDigest: pinned,
    releaseChange: target === "vm" ? "in place" : "rollout",
    rollbackPoint:
      target === "kubernetes"
        ? "the previous image and the pre-upgrade backup Job's archive (the Deployment recreates on the RWO volume)"
        : "the previous image digest and the pre-upgrade backup (pre-upgrade/ in the backup bucket, EBS snapshot of the state volume on AWS)",
  };
  if (!previous) return summary;
  const fromImage = planImage(previous.resources, previous.outputs);
  const reasons: string[] = [];
  let kind: ChangeKind = "none";
  const now = gatewayInstance(current.resources);
  const before = gatewayInstance(previous.resources);
  if (now && before) {
    for (const k of INSTANCE_REPLACE_INPUTS)
      if (!same(now.inputs[k], before.inputs[k])) reasons.push(`instance ${k} changes: the instance is replaced`);
    if (reasons.length > 0) kind = "replace";
  }
  if (kind === "none") {
    const docNow = releaseDocument(current.resources);
    const docBefore = releaseDocument(previous.resources);
    if (fromImage !== image) reasons.push(`image ${fromImage || "(none)"} -> ${image}`);
    if (docNow && docBefore && !same(docNow.inputs.content, docBefore.inputs.content) && fromImage === image)
      reasons.push("release files (compose, gateway or ingress config) change");
    if (!now && fromImage !== image) reasons.push("the gateway workload rolls out the new image");
    if (reasons.length > 0) kind = "in place";
  }
  summary.change = { kind, ...(fromImage ? { fromImage } : {}), toImage: image, reasons };
  return summary;
}

/** The plan's human-readable "Upgrade" section. */
export function renderUpgradeSection(u: UpgradeSummary): string[] {
  const out = ["Upgrade:"];
  out.push(
    `  image: ${u.image}${u.imagePinnedByDigest ? "" : "  (not pinned by digest: a moved tag changes what runs)"}`,
  );
  if (u.target === "vm")
    out.push(
      "  image, compose, gateway or ingress config change: in place (upgrade transaction: pre-upgrade backup and snapshot, health gate, automatic rollback)",
      "  AMI, subnet, bootstrap (units, scripts, host.env) change: replace (the instance; state stays on its volume)",
    );
  else
    out.push("  image or config change: rollout after a pre-upgrade backup (Recreate: one writer on the state volume)");
  if (u.change) {
    const c = u.change;
    out.push(
      `  this plan against the previous one: ${c.kind}${c.fromImage && c.fromImage !== c.toImage ? ` (${c.fromImage} -> ${c.toImage})` : ""}`,
    );
    for (const r of c.reasons) out.push(`    - ${r}`);
    if (c.kind === "in place") out.push(`  rollback point: ${c.fromImage || "(previous image)"} + pre-upgrade backup`);
  } else {
    out.push(
      `  rollback point of the next upgrade: ${u.image} + ${u.rollbackPoint.replace(/^the previous image( digest)? and /, "")}`,
    );
  }
  return out;
}
