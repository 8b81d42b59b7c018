/**
 * Runs in every test worker before its files: the same SDK deferral the bundled tools install
 * (tools/lib/defer-sdk.cjs), so each worker's import of @pulumi/pulumi skips the parts no test calls until used.
 */
import { createRequire } from "node:module";

createRequire(__filename)("../../tools/lib/defer-sdk.cjs").deferUnusedSdkParts();
