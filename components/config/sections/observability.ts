import { z } from "zod";
import { days } from "./common";

export const observabilitySection = z
  .strictObject({
    /** CloudWatch retention of the gateway's logs. @default 30 */
    logRetentionDays: days(1, 3653).default(30),
    /** E-mail addresses subscribed to the alert topic (each must confirm the subscription). */
    alertEmails: z.array(z.email({ error: "must be an e-mail address" })).default([]),
    /** Monthly budget in USD; notifications at 80% and 95%. @default 100 */
    monthlyBudgetUsd: z.number().positive({ error: "must be a positive amount in USD" }).max(1_000_000).default(100),
  })
  .prefault({});
export type ObservabilitySection = z.infer<typeof observabilitySection>;
