// Pack entry point: assembles the domain modules and nothing else (see all.ts for why).
import { PolicyPack } from "@pulumi/policy";
import { allPolicies } from "./all";

new PolicyPack("openclaw", {
  description:
    "Hardening rules for the OpenClaw gateway stack, matched rule for rule to Checkov, Trivy, kube-linter, CIS Docker, PSS and the gateway's own audit.",
  enforcementLevel: "advisory",
  policies: allPolicies,
});
