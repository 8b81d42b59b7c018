/**
 * Delivery through SSM Run Command: the only thing the rotation function can ask the host to do is one of
 * the three actions of the stack's own SSM document (`openclaw-<stack>-reload-token`), with a version id
 * that the document restricts to a UUID pattern. The token never appears in command parameters or output:
 * the host fetches it from Secrets Manager itself.
 */
import { type Command, ListCommandsCommand, SendCommandCommand, type SSMClient } from "@aws-sdk/client-ssm";
import type { Delivery } from "./rotation";

export type DeliveryAction = "check-pending" | "sync-current";

export interface SsmDeliveryOptions {
  ssm: SSMClient;
  documentName: string;
  /** Tag pairs the gateway instances carry, e.g. { "openclaw:stack": "prod", "openclaw:role": "gateway" }. */
  targetTags: Record<string, string>;
  /** How long to wait for one host action; longer than the SSM step's own timeout (rotationTimeouts). */
  timeoutSeconds?: number;
  pollIntervalMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

const terminal = new Set([
  "Success",
  "Cancelled",
  "TimedOut",
  "Failed",
  "Cancelling",
  "Undeliverable",
  "Terminated",
  "DeliveryTimedOut",
  "ExecutionTimedOut",
]);

export class SsmDelivery implements Delivery {
  constructor(private readonly o: SsmDeliveryOptions) {}

  checkPending(versionId: string): Promise<void> {
    return this.run("check-pending", versionId);
  }
  syncCurrent(): Promise<void> {
    return this.run("sync-current", "none");
  }

  private async run(action: DeliveryAction, versionId: string): Promise<void> {
    const timeoutSeconds = this.o.timeoutSeconds ?? 130;
    const sleep = this.o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    const now = this.o.now ?? Date.now;
    const sent = await this.o.ssm.send(
      new SendCommandCommand({
        DocumentName: this.o.documentName,
        Targets: Object.entries(this.o.targetTags).map(([k, v]) => ({ Key: `tag:${k}`, Values: [v] })),
        Parameters: { Action: [action], VersionId: [versionId] },
        TimeoutSeconds: Math.max(30, timeoutSeconds),
        Comment: `openclaw token rotation: ${action}`,
      }),
    );
    const commandId = sent.Command?.CommandId;
    if (!commandId) throw new Error(`SSM ${action}: SendCommand returned no command id`);
    const deadline = now() + timeoutSeconds * 1000;
    // The command's aggregate status and counts (ListCommands), not the per-instance invocations: reading
    // those needs ssm:ListCommandInvocations on `*`, which would expose every Run Command's output in the
    // region to this function.
    let command: Command | undefined;
    // Tag targets resolve asynchronously: a target count of 0 right after SendCommand is not yet "no instance".
    while (now() < deadline) {
      command = (await this.o.ssm.send(new ListCommandsCommand({ CommandId: commandId }))).Commands?.[0];
      if (command && terminal.has(command.Status ?? "") && (command.TargetCount ?? 0) > 0) break;
      await sleep(this.o.pollIntervalMs ?? 2000);
    }
    const targets = command?.TargetCount ?? 0;
    if (!command || targets === 0) {
      throw new Error(
        `SSM ${action}: no gateway instance matched ${JSON.stringify(this.o.targetTags)} (command ${commandId}); is the instance running with the SSM agent online?`,
      );
    }
    const failed = (command.ErrorCount ?? 0) + (command.DeliveryTimedOutCount ?? 0);
    if (command.Status !== "Success" || failed > 0 || (command.CompletedCount ?? 0) < targets) {
      throw new Error(
        `SSM ${action} did not succeed on ${Math.max(failed, 1)}/${targets} instance(s) (command ${commandId}, status ${command.Status ?? "Pending"}): see \`aws ssm list-command-invocations --command-id ${commandId} --details\` with operator credentials`,
      );
    }
  }
}
