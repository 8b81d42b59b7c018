/**
 * The gateway host: one EC2 instance (IMDSv2 with hop limit 1, encrypted disks, no key pair, SSM only) running
 * the locked-down container through docker compose, with its state on a separate encrypted EBS volume that
 * outlives the instance.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { releaseInstanceStatements, sessionManagerStatements } from "./iam";
import type { VmSection } from "../config/sections/vm";
import { GATEWAY_ROLE_TAG, gatewayInstanceTags, TAG_KEYS, tagged } from "../tags/tags";
import { mergeAddons, type HostAddon, type HostFile } from "./types";
import { COMPOSE_FILE, GATEWAY_UNIT, HOST_ENV, RENDERED_CONFIG, unitPath } from "./layout";
import {
  FETCH_RELEASE_SCRIPT,
  RELEASE_UNIT,
  releaseDocumentContent,
  releaseDocumentName,
  renderFetchReleaseScript,
  renderReleaseUnit,
  type ReleaseFile,
} from "./release";
import { dataVolumeFstab, gatewayUnit } from "./units";
import { DOCKER_DAEMON_JSON, renderHostEnv, renderUserData } from "./user-data";

/** Canonical's public SSM parameter for the current Ubuntu 24.04 LTS amd64 AMI. */
export const UBUNTU_AMI_PARAMETER =
  "/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id";

export interface GatewayVmArgs {
  /** The `openclaw:vm` section. */
  vm: VmSection;
  subnetId: pulumi.Input<string>;
  availabilityZone: pulumi.Input<string>;
  securityGroupId: pulumi.Input<string>;
  /** Give the instance a public address (only for egress public-ip). @default false */
  associatePublicIp?: boolean;
  /** Why it has one; tagged on the instance. Required when associatePublicIp is true. */
  publicIpReason?: string;
  /** AWS region (ARNs of the release document and the state volume). */
  region: string;
  /** Stack name: names the release document; the release association targets this stack's gateway. */
  stack: string;
  /** Rendered compose file (part of the release). */
  composeYaml: pulumi.Input<string>;
  /** Rendered openclaw.json (part of the release). */
  gatewayConfigJson: pulumi.Input<string>;
  /** The gateway image reference the compose file runs (part of the release), digest-pinned when known. */
  image: pulumi.Input<string>;
  /**
   * Further files under /etc/openclaw that configure what runs in the containers (the ingress sidecar's
   * Caddyfile or serve.json): delivered with the release, not in the user data. @default []
   */
  releaseFiles?: HostFile[];
  /** Non-secret facts the host units read (region, secret ARNs, bucket). */
  hostFacts: Record<string, pulumi.Input<string>>;
  /** Files, units and permissions from other components (secrets, backup, observability). */
  addons: HostAddon[];
  /** Enable EC2 detailed monitoring (1-minute metrics). @default true */
  detailedMonitoring?: boolean;
  tags: Record<string, string>;
  /**
   * Permissions boundary (policy ARN) every IAM role created here carries; the deploy role may create
   * roles only with it.
   */
  permissionsBoundary?: pulumi.Input<string>;
}

export class GatewayVm extends pulumi.ComponentResource {
  readonly instanceId: pulumi.Output<string>;
  readonly privateIp: pulumi.Output<string>;
  readonly publicIp: pulumi.Output<string>;
  readonly roleName: pulumi.Output<string>;
  readonly dataVolumeId: pulumi.Output<string>;
  /** The exact user data registered, for `npm run plan -- --out`. */
  readonly userData: pulumi.Output<string>;
  /** The release document's name and content: what runs in the containers, applied in place. */
  readonly releaseDocumentName: pulumi.Output<string>;
  readonly releaseDocument: pulumi.Output<string>;
  /** The image reference the release runs. */
  readonly image: pulumi.Output<string>;
  /** Every host file by path (bootstrap and release), for `npm run plan -- --out`. */
  readonly hostFiles: pulumi.Output<Record<string, { content: string; permissions: string }>>;

  constructor(name: string, args: GatewayVmArgs, opts?: pulumi.ComponentResourceOptions) {
    // Checked before super(): nothing is registered for an invalid host.
    if (args.associatePublicIp && !args.publicIpReason) {
      throw new Error(
        `GatewayVm ${name}: associatePublicIp needs a publicIpReason (the policy pack rejects unexplained public addresses)`,
      );
    }
    super("openclaw:vm:GatewayVm", name, {}, opts);
    const child = { parent: this };
    const tags = (suffix: string) => tagged(args.tags, `${name}-${suffix}`);

    const role = new aws.iam.Role(
      `${name}-role`,
      {
        assumeRolePolicy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
        }),
        description: "OpenClaw gateway host: SSM Session Manager plus exactly what its units need",
        permissionsBoundary: args.permissionsBoundary,
        tags: tags("role"),
      },
      // The deploy role may not rewrite a trust policy in place (UpdateAssumeRolePolicy): a new trust is a new role.
      { ...child, replaceOnChanges: ["assumeRolePolicy"] },
    );
    // Session Manager replaces SSH: no key pair, no port 22.
    new aws.iam.RolePolicy(
      `${name}-ssm`,
      { role: role.id, policy: JSON.stringify({ Version: "2012-10-17", Statement: sessionManagerStatements() }) },
      child,
    );
    const data = new aws.ebs.Volume(
      `${name}-data`,
      {
        availabilityZone: args.availabilityZone,
        size: args.vm.dataVolumeGiB,
        type: "gp3",
        encrypted: true,
        tags: tags("data"),
      },
      // The gateway's state (agents, credentials, SQLite) lives here: never deleted by accident.
      { ...child, protect: false, retainOnDelete: true },
    );

    const docName = releaseDocumentName(args.stack);
    const partition = aws.getPartitionOutput({}, child).partition;
    const accountId = aws.getCallerIdentityOutput({}, child).accountId;
    const releaseAddon: HostAddon = {
      files: [
        { path: FETCH_RELEASE_SCRIPT, content: renderFetchReleaseScript(), permissions: "0755", owner: "root:root" },
        { path: unitPath(RELEASE_UNIT), content: renderReleaseUnit().content, permissions: "0644", owner: "root:root" },
      ],
      enableUnits: [RELEASE_UNIT],
      policyStatements: pulumi.all([partition, accountId, data.id]).apply(([p, acct, volumeId]) =>
        releaseInstanceStatements({
          partition: p,
          region: args.region,
          accountId: acct,
          documentName: docName,
          stateVolumeId: volumeId,
          stack: args.stack,
          stackTagKey: TAG_KEYS.stack,
        }),
      ),
    };
    const addon = mergeAddons([...args.addons, releaseAddon]);
    if (addon.policyStatements) {
      new aws.iam.RolePolicy(
        `${name}-units`,
        { role: role.id, policy: pulumi.jsonStringify({ Version: "2012-10-17", Statement: addon.policyStatements }) },
        child,
      );
    }
    const profile = new aws.iam.InstanceProfile(`${name}-profile`, { role: role.name, tags: tags("profile") }, child);

    // What runs in the containers: delivered by the release document, applied in place by upgrade.sh.
    const releaseFiles: HostFile[] = [
      { path: RENDERED_CONFIG, content: args.gatewayConfigJson, permissions: "0600" },
      { path: COMPOSE_FILE, content: args.composeYaml, permissions: "0644" },
      ...(args.releaseFiles ?? []),
    ];
    // The bootstrap: what the instance is built with. A change here still replaces the instance.
    const files: HostFile[] = [
      {
        path: HOST_ENV,
        content: pulumi
          .all({ ...args.hostFacts, STATE_VOLUME_ID: data.id, OPENCLAW_RELEASE_DOCUMENT: docName })
          .apply((f) => renderHostEnv(f as Record<string, string>)),
        permissions: "0644",
      },
      { path: "/etc/fstab", content: data.id.apply(dataVolumeFstab), permissions: "0644", append: true },
      { path: "/etc/docker/daemon.json", content: DOCKER_DAEMON_JSON, permissions: "0644" },
      ...[gatewayUnit()].map((u) => ({
        path: unitPath(u.name),
        content: u.content,
        permissions: "0644",
      })),
      ...addon.files,
    ];
    const enableUnits = [...addon.enableUnits, GATEWAY_UNIT];

    this.image = pulumi.output(args.image);
    this.releaseDocument = pulumi
      .all([this.image, pulumi.all(releaseFiles.map((f) => pulumi.output(f.content)))])
      .apply(([image, contents]) =>
        releaseDocumentContent({
          image,
          files: releaseFiles.map(
            (f, i): ReleaseFile => ({ path: f.path, content: contents[i]!, permissions: f.permissions }),
          ),
        }),
      );
    const document = new aws.ssm.Document(
      `${name}-release`,
      {
        name: docName,
        documentType: "Command",
        documentFormat: "JSON",
        content: this.releaseDocument,
        tags: tags("release"),
      },
      child,
    );
    // A new document version updates the association, and State Manager runs an updated association at
    // once (applyOnlyAtCronInterval false, no schedule): `pulumi up` applies the release on the running host.
    // Targeted by tags, so a replaced instance is covered without a change here.
    const instanceTags = gatewayInstanceTags(args.stack);
    new aws.ssm.Association(
      `${name}-release`,
      {
        name: document.name,
        documentVersion: document.latestVersion,
        associationName: docName,
        targets: Object.entries(instanceTags).map(([k, v]) => ({ key: `tag:${k}`, values: [v] })),
        applyOnlyAtCronInterval: false,
        // One host per stack; a failed apply (exit 3: rolled back, exit 1: rollback failed) shows as failed.
        maxConcurrency: "1",
        maxErrors: "0",
        complianceSeverity: "HIGH",
        tags: tags("release"),
      },
      child,
    );
    this.releaseDocumentName = document.name;

    this.hostFiles = pulumi
      .all(
        [...files, ...releaseFiles].filter((f) => !f.append).map((f) => pulumi.all([f.path, f.content, f.permissions])),
      )
      .apply((entries) =>
        Object.fromEntries(entries.map(([p, content, permissions]) => [p, { content, permissions }])),
      );
    this.userData = pulumi.all(files.map((f) => pulumi.output(f.content))).apply((contents) =>
      renderUserData({
        files: files.map((f, i) => ({
          path: f.path,
          content: contents[i]!,
          permissions: f.permissions,
          owner: f.owner,
          append: f.append,
        })),
        enableUnits,
      }),
    );

    const ami = args.vm.ami ?? aws.ssm.getParameterOutput({ name: UBUNTU_AMI_PARAMETER }, child).value;
    const instance = new aws.ec2.Instance(
      `${name}-instance`,
      {
        ami,
        instanceType: args.vm.instanceType,
        subnetId: args.subnetId,
        vpcSecurityGroupIds: [args.securityGroupId],
        associatePublicIpAddress: args.associatePublicIp ?? false,
        iamInstanceProfile: profile.name,
        // Hop limit 1: a container's extra network hop cannot reach the instance's credentials.
        metadataOptions: {
          httpEndpoint: "enabled",
          httpTokens: "required",
          httpPutResponseHopLimit: 1,
          instanceMetadataTags: "disabled",
        },
        rootBlockDevice: {
          encrypted: true,
          volumeType: "gp3",
          volumeSize: args.vm.rootVolumeGiB,
          deleteOnTermination: true,
        },
        monitoring: args.detailedMonitoring ?? true,
        userData: this.userData,
        // The bootstrap is immutable: a changed unit or script replaces the host (state is on the data volume).
        // What runs in the containers is not in here: a release is applied in place (release.ts).
        userDataReplaceOnChange: true,
        tags: {
          ...tags("gateway"),
          [GATEWAY_ROLE_TAG.key]: GATEWAY_ROLE_TAG.value,
          ...(args.publicIpReason ? { [TAG_KEYS.publicIpReason]: args.publicIpReason } : {}),
        },
        volumeTags: tags("root"),
      },
      // A new Ubuntu AMI every few weeks must not replace the host: unattended-upgrades patches it in place;
      // set openclaw:vm.ami to move deliberately. The old instance goes first so the data volume can move.
      // The release document exists before the first boot: the release unit reads it then.
      { ...child, ignoreChanges: args.vm.ami ? [] : ["ami"], deleteBeforeReplace: true, dependsOn: [document] },
    );
    new aws.ec2.VolumeAttachment(
      `${name}-data`,
      { instanceId: instance.id, volumeId: data.id, deviceName: "/dev/sdf", stopInstanceBeforeDetaching: true },
      child,
    );

    this.instanceId = instance.id;
    this.privateIp = instance.privateIp;
    this.publicIp = instance.publicIp;
    this.roleName = role.name;
    this.dataVolumeId = data.id;
    this.registerOutputs({
      instanceId: this.instanceId,
      privateIp: this.privateIp,
      dataVolumeId: this.dataVolumeId,
      releaseDocumentName: this.releaseDocumentName,
    });
  }
}
