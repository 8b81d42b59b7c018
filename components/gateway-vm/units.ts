/**
 * systemd units for the host, with one shared sandbox. Each unit is checked by `systemd-analyze verify` and
 * `systemd-analyze security --offline=true` in CI (exposure aimed at <= 2.0).
 */

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
    ...(o.network ? ["RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK"] : ["PrivateNetwork=yes", "RestrictAddressFamilies=AF_UNIX", "IPAddressDeny=any"]),
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
  return (
    Object.entries(sections)
      .map(([title, lines]) => `[${title}]\n${lines.join("\n")}`)
      .join("\n\n") + "\n"
  );
}

export const COMPOSE_FILE = "/etc/openclaw/compose.yaml";
export const COMPOSE_PROJECT = "openclaw";
export const DATA_DIR = "/var/lib/openclaw";
export const STATE_HOST_DIR = `${DATA_DIR}/state`;
export const ENV_FILE = "/run/openclaw/gateway.env";
export const RENDERED_CONFIG = "/etc/openclaw/openclaw.json";
export const RUNTIME_CONFIG = "/run/openclaw/openclaw.json";
export const HOST_ENV = "/etc/openclaw/host.env";

/** Mounts the encrypted data volume; formats it only when it has no file system (first boot). */
export function dataUnit(): UnitFile {
  return {
    name: "openclaw-data.service",
    content: unit({
      Unit: ["Description=OpenClaw state volume (encrypted EBS) at /var/lib/openclaw", "Before=docker.service openclaw-gateway.service", "After=local-fs.target"],
      Service: [
        "Type=oneshot",
        "RemainAfterExit=yes",
        "EnvironmentFile=/etc/openclaw/host.env",
        "ExecStart=/usr/local/lib/openclaw/mount-data.sh",
        "TimeoutStartSec=600",
        // Mounting needs CAP_SYS_ADMIN and the block device; chown of the state dir needs CAP_CHOWN.
        ...sandbox({ mounts: true, capabilities: ["CAP_SYS_ADMIN", "CAP_CHOWN", "CAP_FOWNER", "CAP_DAC_OVERRIDE"], readWritePaths: ["/var/lib", "/dev"] }).filter(
          (l) => !l.startsWith("ProtectSystem") && !l.startsWith("PrivateTmp") && !l.startsWith("ProtectHome"),
        ),
        // A mount made inside a private mount namespace would be invisible to Docker: share it with the host.
        "ProtectSystem=no",
        "MountFlags=shared",
      ],
      Install: ["WantedBy=multi-user.target"],
    }),
  };
}

/** docker compose up/down; the containers are Docker's, this unit only drives the client. */
export function gatewayUnit(): UnitFile {
  const compose = `/usr/bin/docker compose -p ${COMPOSE_PROJECT} -f ${COMPOSE_FILE}`;
  return {
    name: "openclaw-gateway.service",
    content: unit({
      Unit: [
        "Description=OpenClaw gateway (docker compose, locked-down container)",
        "Requires=docker.service openclaw-secrets.service openclaw-data.service",
        "After=docker.service openclaw-secrets.service openclaw-data.service network-online.target",
        "Wants=network-online.target",
      ],
      Service: [
        "Type=oneshot",
        "RemainAfterExit=yes",
        "Environment=DOCKER_CONFIG=/run/openclaw/docker",
        // The rendered config is root's; the container runs as uid 1000 and the gateway's audit rejects a
        // world-readable config, so a 0600 copy owned by 1000 is made on each start ("+": outside the sandbox).
        `ExecStartPre=+/usr/bin/install -m 0600 -o 1000 -g 1000 ${RENDERED_CONFIG} ${RUNTIME_CONFIG}`,
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
