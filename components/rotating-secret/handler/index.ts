/**
 * Lambda entry point. Configuration comes from environment variables that hold names and ARNs only
 * (never a secret value); clients use the runtime's region and the function's role.
 */
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SSMClient } from "@aws-sdk/client-ssm";
import { SsmDelivery } from "./delivery-ssm";
import { rotate, type RotationEvent } from "./rotation";

export const handlerEnv = {
  secretArn: "OPENCLAW_SECRET_ARN",
  document: "OPENCLAW_RELOAD_DOCUMENT",
  targetTags: "OPENCLAW_TARGET_TAGS",
  timeout: "OPENCLAW_DELIVERY_TIMEOUT_SECONDS",
} as const;

function required(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`environment variable ${name} is not set; the rotation function is mis-deployed`);
  return v;
}

let clients: { sm: SecretsManagerClient; delivery: SsmDelivery; secretArn: string } | undefined;

function init() {
  if (clients) return clients;
  const targetTags = JSON.parse(required(handlerEnv.targetTags)) as Record<string, string>;
  clients = {
    sm: new SecretsManagerClient({}),
    secretArn: required(handlerEnv.secretArn),
    delivery: new SsmDelivery({
      ssm: new SSMClient({}),
      documentName: required(handlerEnv.document),
      targetTags,
      timeoutSeconds: Number(process.env[handlerEnv.timeout] ?? "130"),
    }),
  };
  return clients;
}

export async function handler(event: RotationEvent): Promise<void> {
  const c = init();
  await rotate(event, {
    sm: c.sm,
    delivery: c.delivery,
    expectedSecretArn: c.secretArn,
    // Structured lines for CloudWatch Logs Insights; fields are ids and names, never values.
    log: (message, fields) => console.log(JSON.stringify({ message, step: event.Step, ...fields })),
  });
}
