import { PolicyPack } from "@pulumi/policy";

new PolicyPack("engsmoke-policy", {
  policies: [
    {
      name: "container-read-only",
      description: "Smoke containers must run with a read-only root filesystem.",
      enforcementLevel: "mandatory",
      validateResource: (args, reportViolation) => {
        if (args.type === "pulumi-nodejs:dynamic:Resource" && args.props.readOnly !== true) {
          reportViolation("ENGSMOKE-RO: readOnly is false; set config engsmoke:readOnly=true");
        }
      },
    },
  ],
});
