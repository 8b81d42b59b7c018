/**
 * systemd units for the host, with one shared sandbox. Each unit is checked by `systemd-analyze verify` and
 * `systemd-analyze security --offline=true` in CI (exposure aimed at <= 2.0).
 */
import {
  COMPOSE_FILE,
  COMPOSE_PROJECT,
  DATA_DIR,
  GATEWAY_UNIT,
  RENDERED_CONFIG,
  RUNTIME_CONFIG,
  STATE_HOST_DIR,
} from "./layout";

export interface SandboxOptions {
  /** Paths the service may write; everything else is read-only (ProtectSystem=strict). */
  readWritePaths?: string[];
  /** Address families beyond AF_UNIX (e.g. AF_INET for AWS API calls). */
  network?: boolean;
  /** Needs to mount file systems / create devices (the data-volume unit only). */
  mounts?: boolean;
  /** Capabilities the service keeps; empty for everything but mounting. */
  capabilities?: string[];
}

/** The sandbox every host unit starts from; each relaxation is an option with a reason at the call site. */
export function sandbox(o: SandboxOptions = {}): string[] {
  const caps = o.capabilities ?? [];
  return [
    "NoNewPrivileges=yes",
    `CapabilityBoundingSet=${caps.join(" ")}`,
    "AmbientCapabilities=",
    "ProtectSystem=strict",
    ...(o.readWritePaths?.length ? [`ReadWritePaths=${o.readWritePaths.join(" ")}`] : []),
    "ProtectHome=yes",
    "PrivateTmp=yes",
    ...(o.mounts ? [] : ["PrivateDevices=yes", "DevicePolicy=closed"]),
    // AF_UNIX sockets on the file system (docker.sock) work across network namespaces.
    ...(o.network
      ? ["RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK"]
      : ["PrivateNetwork=yes", "RestrictAddressFamilies=AF_UNIX", "IPAddressDeny=any"]),
    "ProtectKernelTunables=yes",
    "ProtectKernelModules=yes",
    "ProtectKernelLogs=yes",
    "ProtectControlGroups=yes",
    "ProtectClock=yes",
    "ProtectHostname=yes",
    "ProtectProc=invisible",
    "ProcSubset=pid",
    "RestrictNamespaces=yes",
    "RestrictRealtime=yes",
    "RestrictSUIDSGID=yes",
    "LockPersonality=yes",
    "MemoryDenyWriteExecute=yes",
    "SystemCallArchitectures=native",
    "SystemCallFilter=@system-service",
    ...(o.mounts ? [] : ["SystemCallFilter=~@privileged @resources"]),
    "SystemCallErrorNumber=EPERM",
    "UMask=0077",
    "KeyringMode=private",
    "RemoveIPC=yes",
  ];
}

export interface UnitFile {
  name: string;
  content: string;
}

function unit(sections: Record<string, string[]>): string {
  return `${Object.entries(sections)
    .map(([title, lines]) => `[${title}]\n${lines.join("\n")}`)
    .join("\n\n")}\n`;
}

/**
 * The data volume is mounted by systemd itself from an fstab line: `x-systemd.makefs` formats it only when it
 * has no file system (first boot), and the device timeout covers the attachment that lands after boot. No
 * privileged script of ours runs for it.
 */
export function dataVolumeFstab(volumeId: string): string {
  if (!/^vol-[0-9a-f]{8,17}$/.test(volumeId)) throw new Error(`not an EBS volume id: ${volumeId}`);
  const device = `/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_${volumeId.replace("-", "")}`;
  return `${device} ${DATA_DIR} ext4 defaults,nodev,nosuid,noexec,nofail,x-systemd.makefs,x-systemd.device-timeout=10min 0 2\n`;
}

/** docker compose up/down; the containers are Docker's, this unit only drives the client. */
export function gatewayUnit(): UnitFile {
  const compose = `/usr/bin/docker compose -p ${COMPOSE_PROJECT} -f ${COMPOSE_FILE}`;
  return {
    name: GATEWAY_UNIT,
    content: unit({
      Unit: [
        "Description=OpenClaw gateway (docker compose, locked-down container)",
        "Requires=docker.service openclaw-secrets.service",
        "After=docker.service openclaw-secrets.service network-online.target",
        `RequiresMountsFor=${DATA_DIR}`,
        "Wants=network-online.target",
        // The compose file arrives with the first release (openclaw-release.service), not with the instance:
        // until then there is nothing to start, and a skipped start is not a failure.
        `ConditionPathExists=${COMPOSE_FILE}`,
      ],
      Service: [
        "Type=oneshot",
        "RemainAfterExit=yes",
        "Environment=DOCKER_CONFIG=/run/openclaw/docker",
        // The rendered config is root's; the container runs as uid 1000 and the gateway's audit rejects a
        // world-readable config, so a 0600 copy owned by 1000 is made on each start ("+": outside the sandbox).
        `ExecStartPre=+/usr/bin/install -m 0600 -o 1000 -g 1000 ${RENDERED_CONFIG} ${RUNTIME_CONFIG}`,
        // uid 1000 owns the state: a root-owned volume is the most reported failure (EACCES).
        `ExecStartPre=+/usr/bin/install -d -m 0700 -o 1000 -g 1000 ${STATE_HOST_DIR}`,
        // --wait returns once the health check (which reads /healthz's body) passes.
        `ExecStart=${compose} up --detach --wait --remove-orphans`,
        `ExecStop=${compose} down --timeout 30`,
        `ExecReload=${compose} up --detach --wait --remove-orphans --force-recreate`,
        "TimeoutStartSec=600",
        ...sandbox({ readWritePaths: ["/run/openclaw"] }),
      ],
      Install: ["WantedBy=multi-user.target"],
    }),
  };
}
