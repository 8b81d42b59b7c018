/**
 * Entry point for `pulumi up` / `pulumi preview`. Config is validated in full before any resource is
 * registered: an invalid stack fails here, listing every problem, with nothing half-deployed.
 */
import * as pulumi from "@pulumi/pulumi";
import { loadFromRuntime } from "../components/config/load";
import { ConfigValidationError } from "../components/config/schema";
import { program } from "./program";

function load() {
  try {
    return loadFromRuntime();
  } catch (e) {
    // RunError prints the message without a stack trace: the message already names key, value and fix.
    if (e instanceof ConfigValidationError) throw new pulumi.RunError(e.message);
    throw e;
  }
}

const loaded = load();
const result = program(loaded.config, {
  stack: pulumi.getStack(),
  project: pulumi.getProject(),
  region: loaded.region,
  secrets: loaded.secrets,
});

export = result.outputs;
