/**
 * Delivery through SSM Run Command: the only thing the rotation function can ask the host to do is one of
 * the three actions of the stack's own SSM document (`openclaw-<stack>-reload-token`), with a version id
 * that the document restricts to a UUID pattern. The token never appears in command parameters or output:
 * the host fetches it from Secrets Manager itself.
 */
import {
  ListCommandInvocationsCommand,
  SendCommandCommand,
  type SSMClient,
  type CommandInvocation,
} from "@aws-sdk/client-ssm";
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
    let invocations: CommandInvocation[] = [];
    // Tag targets resolve asynchronously: an empty list right after SendCommand is not yet "no instance".
    while (now() < deadline) {
      invocations =
        (await this.o.ssm.send(new ListCommandInvocationsCommand({ CommandId: commandId }))).CommandInvocations ?? [];
      if (invocations.length > 0 && invocations.every((i) => terminal.has(i.Status ?? ""))) break;
      await sleep(this.o.pollIntervalMs ?? 2000);
    }
    if (invocations.length === 0) {
      throw new Error(
        `SSM ${action}: no gateway instance matched ${JSON.stringify(this.o.targetTags)} (command ${commandId}); is the instance running with the SSM agent online?`,
      );
    }
    const bad = invocations.filter((i) => i.Status !== "Success");
    if (bad.length > 0) {
      const summary = bad.map((i) => `${i.InstanceId}: ${i.Status ?? "Pending"}`).join(", ");
      throw new Error(
        `SSM ${action} did not succeed on ${bad.length}/${invocations.length} instance(s) (command ${commandId}): ${summary}`,
      );
    }
  }
}
