/** The AWS VM target: network, secrets, ingress and the hardened host, composed. */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { boundaryPolicyArn, boundaryPolicyName } from "../../components/config/sections/iam";
import { stringify } from "yaml";
import type { StackConfig } from "../../components/config/schema";
import { renderCompose } from "../../components/container/render-compose";
import { gatewayContainerSpec } from "../../components/container/spec";
import {
  GATEWAY_TOKEN_FILE_NAME,
  GATEWAY_TOKEN_MOUNT_DIR,
  renderGatewayConfigJson,
} from "../../components/gateway-config/render";
import { GatewayVm } from "../../components/gateway-vm/gateway-vm";
import type { HostAddon } from "../../components/gateway-vm/types";
import { ENV_FILE, hostFileArtifacts, RUNTIME_CONFIG, STATE_HOST_DIR } from "../../components/gateway-vm/layout";
import { BackupBucket } from "../../components/backup-bucket/backup-bucket";
import { backupHostAddon } from "../../components/backup/host-addon";
import { upgradeHostAddon } from "../../components/upgrade/host-addon";
import { preUpgradePrefix } from "../../components/backup-bucket/lifecycle";
import { preUpgradeInstanceStatements } from "../../components/backup-bucket/pre-upgrade";
import { ingressHostAddon } from "../../components/ingress/host-addon";
import { ingressModule, ingressPlan, ingressVmSecrets } from "../../components/ingress/modes/registry";
import { Network } from "../../components/network/network";
import { observabilityHostAddon } from "../../components/observability/host";
import { InstanceWatch, Observability } from "../../components/observability/observability";
import { awslogsLogging, gatewayLogGroupName } from "../../components/observability/policies";
import { rotationHostAddon } from "../../components/rotating-secret/host-addon";
import { hostPaths, rotationTimeouts } from "../../components/rotating-secret/host-scripts";
import { reloadDocumentContent } from "../../components/rotating-secret/policies";
import { RotatingSecret } from "../../components/rotating-secret/rotating-secret";
import { gatewayImage } from "./image";
import { providerEnvNames } from "./secret-env";
import { type ProgramContext, type ProgramResult, stackTags } from "./context";

export function deployVm(cfg: StackConfig, ctx: ProgramContext): ProgramResult {
  const tags = stackTags(cfg, ctx);
  const name = `openclaw-${ctx.stack}`;

  // Decisions first, as data (pure, tested without Pulumi); resources after.
  const spec = gatewayContainerSpec(cfg, { providerKeyEnv: providerEnvNames(ctx.secrets) });
  const ingress = ingressPlan(cfg, { stack: ctx.stack });
  // What runs is pinned: the compose file names the resolved digest when the stack resolves it.
  const image = gatewayImage(cfg);
  const composeYaml = image.apply((ref) =>
    renderCompose(
      { ...spec, image: ref },
      {
        configHostPath: RUNTIME_CONFIG,
        envFile: ENV_FILE,
        // The token file's directory: reload-token.sh replaces the file and the gateway re-reads it (no restart).
        tokenDir: { host: hostPaths.tokenDir, container: GATEWAY_TOKEN_MOUNT_DIR },
        stateHostDir: STATE_HOST_DIR,
        logging: awslogsLogging(gatewayLogGroupName(ctx.stack), ctx.region),
        // backup.sh / restore.sh run `openclaw backup` in it (OPENCLAW_COMPOSE_RUN_SERVICE in backup.env).
        oneOffService: cfg.backup.enabled ? "backup" : undefined,
        ...ingress.compose,
      },
    ),
  );
  const gatewayConfigJson = renderGatewayConfigJson(cfg, ingress.facts, {
    tokenFile: `${GATEWAY_TOKEN_MOUNT_DIR}/${GATEWAY_TOKEN_FILE_NAME}`,
  });
  // Every role of the stack carries the boundary the bootstrap created: the deploy role can create or
  // change roles only with it, so a role the deployer shapes can never hold more than the boundary allows.
  const permissionsBoundary = pulumi
    .all([aws.getPartitionOutput().partition, aws.getCallerIdentityOutput().accountId])
    .apply(([partition, accountId]) =>
      boundaryPolicyArn(partition, accountId, boundaryPolicyName(ctx.project, ctx.stack, cfg.iam)),
    );

  // First: the alert topic every later alarm (rotation errors, instance status) reports to.
  const obs = new Observability(name, {
    stack: ctx.stack,
    region: ctx.region,
    observability: cfg.observability,
    backupEnabled: cfg.backup.enabled,
    tags,
  });
  const network = new Network(name, {
    network: cfg.network,
    ingress: cfg.ingress,
    ingressNeeds: ingressModule(cfg.ingress).network,
    ingressRules: ingress.securityGroupIngress,
    tags,
    permissionsBoundary,
  });

  const secrets = new RotatingSecret(`${name}-secrets`, {
    stack: ctx.stack,
    region: ctx.region,
    tags,
    rotationDays: cfg.rotation.days,
    rotationEnabled: cfg.rotation.enabled,
    providerKeys: ctx.secrets,
    alarmTopicArn: obs.alertTopicArn,
    permissionsBoundary,
  });
  const secretHost = {
    region: ctx.region,
    stack: ctx.stack,
    tokenSecretArn: secrets.tokenSecretArn,
    providerKeysSecretArn: secrets.providerKeysSecretArn,
    kmsKeyArn: secrets.kmsKeyArn,
  };

  const ingressSecrets = ingressVmSecrets(cfg.ingress, ingress, {
    name,
    secrets: ctx.secrets,
    kmsKeyArn: secrets.kmsKeyArn,
    tags,
  });

  const backup = new BackupBucket(`${name}-backup`, { stack: ctx.stack, backup: cfg.backup, region: ctx.region, tags });

  // The ingress sidecar's config is part of the release (applied in place); its unit and script are bootstrap.
  const releasePaths = new Set(ingress.hostFiles.map((f) => f.path));
  const ingressAddon = ingressHostAddon(ingress, {
    region: ctx.region,
    secretArns: ingressSecrets,
    kmsKeyArn: secrets.kmsKeyArn,
  });
  // The upgrade transaction's own backups: beside the scheduled ones, outside every expiring tier.
  const preUpgrade: HostAddon = cfg.backup.enabled
    ? {
        files: [],
        enableUnits: [],
        policyStatements: backup.bucketArn.apply((bucketArn) =>
          preUpgradeInstanceStatements({ bucketArn, stack: ctx.stack }),
        ),
      }
    : { files: [], enableUnits: [] };
  const addons: HostAddon[] = [
    rotationHostAddon(secretHost),
    { ...ingressAddon, files: ingressAddon.files.filter((f) => !releasePaths.has(f.path)) },
    observabilityHostAddon({
      stack: ctx.stack,
      region: ctx.region,
      logGroupArn: obs.logGroupArn,
      probeIntervalMinutes: cfg.observability.healthProbeIntervalMinutes,
    }),
    backupHostAddon({
      stack: ctx.stack,
      region: ctx.region,
      backup: cfg.backup,
      bucketName: backup.bucketName,
      bucketArn: backup.bucketArn,
      keyArn: backup.keyArn,
      prefix: backup.prefix,
    }),
    preUpgrade,
    // The release document runs it: every image, config or ingress change is an upgrade transaction.
    upgradeHostAddon(),
  ];
  const vm = new GatewayVm(name, {
    vm: cfg.vm,
    subnetId: network.gatewaySubnetId,
    availabilityZone: network.gatewayAvailabilityZone,
    securityGroupId: network.gatewaySecurityGroupId,
    associatePublicIp: network.placement.associatePublicIp,
    publicIpReason: network.placement.publicIpReason,
    stack: ctx.stack,
    region: ctx.region,
    composeYaml,
    gatewayConfigJson,
    image,
    releaseFiles: ingress.hostFiles.map((f) => ({ ...f, owner: "root:root" })),
    hostFacts: {
      AWS_REGION: ctx.region,
      OPENCLAW_STACK: ctx.stack,
      // Where upgrade.sh puts its pre-upgrade backup (the bucket and key are in backup.env).
      ...(cfg.backup.enabled ? { OPENCLAW_PRE_UPGRADE_PREFIX: preUpgradePrefix(ctx.stack) } : {}),
    },
    addons,
    tags,
    permissionsBoundary,
  });

  new InstanceWatch(name, {
    stack: ctx.stack,
    region: ctx.region,
    instanceId: vm.instanceId,
    alertTopicArn: obs.alertTopicArn,
    observability: cfg.observability,
    muteAlarmNames: obs.alarmNames,
    tags,
    permissionsBoundary,
  });

  return {
    outputs: {
      instanceId: vm.instanceId,
      // What runs, by digest when pinned: the rollback point of the next upgrade.
      gatewayImage: vm.image,
      releaseDocument: vm.releaseDocumentName,
      vpcId: network.vpcId,
      // Only with egress public-ip: where the caddy stack's DNS record points.
      ...(network.placement.associatePublicIp ? { publicIp: vm.publicIp } : {}),
      connect: pulumi.interpolate`aws ssm start-session --target ${vm.instanceId} --region ${ctx.region}`,
      gatewayUrl: ingress.facts.allowedOrigins[0] ?? "",
      alertTopicArn: obs.alertTopicArn,
      logGroup: gatewayLogGroupName(ctx.stack),
      backupBucket: backup.bucketName,
      backupPrefix: backup.prefix,
      gatewayCredentialArn: secrets.tokenSecretArn,
      fetchCredentialCommand: pulumi.interpolate`aws secretsmanager get-secret-value --secret-id ${secrets.tokenSecretArn} --query SecretString --output text`,
    },
    artifacts: vm.hostFiles.apply((files) => ({
      "vm/user-data.yaml": vm.userData,
      "vm/container-spec.yaml": stringify(spec),
      "vm/ssm/reload-token.json": reloadDocumentContent(hostPaths.reloadScript, rotationTimeouts),
      "vm/ssm/release.json": vm.releaseDocument,
      ...ingress.artifacts,
      // The whole host layout, so CI can lay it out under a root and run systemd-analyze verify on it.
      "vm/host-files.json": `${JSON.stringify(files, null, 2)}\n`,
      ...hostFileArtifacts(files),
    })),
  };
}
