/**
 * The one-off container backup.sh and restore.sh run (`docker compose run backup`) reads and writes state files
 * only. It must not receive the gateway's env file (the token and the provider keys): a root script handles
 * what that container leaves behind, and an archive job has no use for them. Checked on prod's own plan.
 */
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { ENV_FILE } from "../../components/gateway-vm/layout";
import { runPlan } from "../../tools/lib/plan";

describe("the backup job's container on the VM", () => {
  it("gets no gateway.env while the gateway does (prod's plan)", async () => {
    const plan = await runPlan({ stack: "prod" });
    const compose = parse(plan.artifacts["vm/compose.yaml"]);
    const { gateway, backup } = compose.services;
    expect(gateway.env_file).toEqual([ENV_FILE]);
    expect(backup, "prod backs up, so the compose file has the one-off job").toBeDefined();
    expect(backup.env_file).toBeUndefined();
    expect(JSON.stringify(backup)).not.toMatch(/gateway\.env|OPENCLAW_GATEWAY_TOKEN|_API_KEY/);
    // Still the gateway's container otherwise: same image, user and state.
    expect(backup.image).toBe(gateway.image);
    expect(backup.user).toBe(gateway.user);
    expect(backup.volumes).toEqual(gateway.volumes);
  }, 120_000);
});
