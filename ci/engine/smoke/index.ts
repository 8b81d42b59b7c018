import * as pulumi from "@pulumi/pulumi";

// One container, managed through a dynamic provider that drives the docker CLI (the Docker
// provider plugin cannot be built on these machines; see ../README.md). The provider's
// functions are serialized into the state, so they require() what they use.
interface ContainerArgs {
  image: pulumi.Input<string>;
  readOnly: pulumi.Input<boolean>;
}

const provider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: { image: string; readOnly: boolean }) {
    const cp = require("node:child_process");
    const args = [
      "run",
      "-d",
      "--label",
      "openclaw-engine-smoke",
      "--cap-drop",
      "ALL",
      "--security-opt",
      "no-new-privileges:true",
      "--user",
      "1000:1000",
    ];
    if (inputs.readOnly) args.push("--read-only");
    args.push(inputs.image, "sleep", "3600");
    const id: string = cp.execFileSync("docker", args).toString().trim();
    return { id, outs: inputs };
  },
  async delete(id: string) {
    require("node:child_process").execFileSync("docker", ["rm", "-f", id]);
  },
};

class Container extends pulumi.dynamic.Resource {
  constructor(name: string, args: ContainerArgs, opts?: pulumi.CustomResourceOptions) {
    super(provider, name, args, opts);
  }
}

const cfg = new pulumi.Config();
const box = new Container("box", { image: cfg.require("image"), readOnly: cfg.requireBoolean("readOnly") });
export const containerId = box.id;
