/**
 * The gateway on the operator's own Docker (stack `local`). Thin: the container args come from
 * render-docker.ts; this component adds the secret env (secret Outputs) and the network and volumes.
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { COMPOSE_NETWORK, renderCompose } from "../container/render-compose";
import { CONFIG_VOLUME, configWriterArgs, gatewayContainerArgs } from "../container/render-docker";
import { sha256 } from "../util/hash";
import { CONFIG_DIR, type GatewayContainerSpec, STATE_DIR, STATE_VOLUME } from "../container/spec";
import { missingSecretEnv } from "../gateway-k8s/gateway-k8s";

export interface GatewayDockerArgs {
  /** The locked-down container spec (gatewayContainerSpec(cfg, { providerKeyEnv })). */
  readonly spec: GatewayContainerSpec;
  /** The rendered openclaw.json. Holds no secret. */
  readonly configJson: string;
  /** Values of spec.secretEnv by variable name, as secret Outputs. Every name must be present. */
  readonly secretEnv: Record<string, pulumi.Input<string>>;
  /** Publish the gateway port on 127.0.0.1 (the ingress mode's choice: only when no proxy fronts it). */
  readonly publishPort: boolean;
}

export class GatewayDocker extends pulumi.ComponentResource {
  readonly containerName: pulumi.Output<string>;
  readonly networkName: pulumi.Output<string>;
  private readonly args: GatewayDockerArgs;

  constructor(name: string, args: GatewayDockerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("openclaw:docker:GatewayDocker", name, {}, opts);
    this.args = args;
    const { spec } = args;
    const missing = missingSecretEnv(spec, Object.keys(args.secretEnv));
    if (missing.length > 0) {
      throw new pulumi.ResourceError(
        `GatewayDocker: secretEnv lacks ${missing.join(", ")}; pass a secret Output for each name in spec.secretEnv`,
        this,
      );
    }
    const labels = [{ label: "openclaw.stack", value: pulumi.getStack() }];

    // Not `internal`: the gateway calls LLM APIs. Still private: nothing but our containers on it, no published port
    // except the loopback one.
    const network = new docker.Network(
      `${name}-network`,
      { name: `${COMPOSE_NETWORK}-${pulumi.getStack()}`, driver: "bridge", labels },
      { parent: this },
    );
    const state = new docker.Volume(
      `${name}-state`,
      { name: STATE_VOLUME, labels },
      { parent: this, retainOnDelete: true },
    );
    const configVolume = new docker.Volume(`${name}-config`, { name: CONFIG_VOLUME, labels }, { parent: this });

    const writer = new docker.Container(
      `${name}-config-writer`,
      configWriterArgs(spec, args.configJson, { configVolume: CONFIG_VOLUME }),
      // The volume must exist first; a changed config replaces the writer (its env changes), which rewrites the file.
      { parent: this, dependsOn: [configVolume], deleteBeforeReplace: true },
    );

    const plain = gatewayContainerArgs(spec, {
      network: COMPOSE_NETWORK,
      publishPort: args.publishPort,
      configSha256: sha256(args.configJson),
    });
    const secretEnvs = spec.secretEnv.map((n) => pulumi.secret(pulumi.interpolate`${n}=${args.secretEnv[n]}`));
    const gateway = new docker.Container(
      `${name}-gateway`,
      {
        ...plain,
        envs: [...plain.envs, ...secretEnvs],
        networksAdvanced: [{ name: network.name, aliases: ["gateway"] }],
        mounts: [
          { type: "volume", source: state.name, target: STATE_DIR },
          { type: "volume", source: configVolume.name, target: CONFIG_DIR, readOnly: true },
        ],
      },
      // Fixed container name: the old one must be gone before its replacement starts (and the owner lease released).
      { parent: this, dependsOn: [writer], deleteBeforeReplace: true },
    );

    this.containerName = gateway.name;
    this.networkName = network.name;
    this.registerOutputs({ containerName: this.containerName, networkName: this.networkName });
  }

  /** `local/compose.yaml` runs the same gateway with plain `docker compose`; `local/README.md` says how. */
  artifacts(): Record<string, string> {
    return renderDockerArtifacts(this.args);
  }
}

export function renderDockerArtifacts(
  args: Pick<GatewayDockerArgs, "spec" | "configJson" | "publishPort">,
): Record<string, string> {
  return {
    "local/compose.yaml": renderCompose(args.spec, {
      // Installed 0600 and owned by uid 1000 (README below): the gateway's audit rejects a world-readable config.
      configHostPath: "./config/openclaw.json",
      envFile: "./gateway.env",
      publishPort: args.publishPort,
    }),
    "local/openclaw.json": args.configJson,
    "local/README.md": LOCAL_README,
    // Names only: the values live in the stack's secrets (or your password manager), never in an artifact.
    "local/gateway.env.example": `${args.spec.secretEnv.map((n) => `${n}=`).join("\n")}\n`,
  };
}

/** How to run the rendered local files with plain docker compose, written beside them by `npm run plan -- --out`. */
export const LOCAL_README = `# The gateway on this machine, without Pulumi

\`\`\`sh
cd local
# The config: read-only for the gateway's uid 1000 only (a world-readable config is a critical audit finding).
sudo install -D -m 0600 -o 1000 -g 1000 openclaw.json config/openclaw.json
# The token: 32+ random bytes, never committed.
install -m 0600 gateway.env.example gateway.env
sed -i "s/^OPENCLAW_GATEWAY_TOKEN=.*/OPENCLAW_GATEWAY_TOKEN=$(openssl rand -base64 32 | tr '+/' '-_' | tr -d '=')/" gateway.env
docker compose up -d
\`\`\`

The Control UI is then on http://127.0.0.1:18789 (published on loopback only).
`;
