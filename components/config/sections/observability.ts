import { z } from "zod";
import { days } from "./common";

/** The only retention periods CloudWatch Logs accepts; anything else fails at deploy time, so fail here. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

// EventBridge Scheduler cron: six fields inside cron(...). The service validates the fields themselves; this
// catches the common mistakes (a five-field Unix cron, a missing wrapper) before anything is deployed.
const schedulerCron = z.string().regex(/^cron\(\S+ \S+ \S+ \S+ \S+ \S+\)$/, {
  error: 'must be an EventBridge Scheduler cron with six fields, e.g. "cron(0 20 ? * MON-FRI *)"',
});

export const scheduledStopSection = z
  .strictObject({
    /**
     * Stop the gateway instance outside working hours and start it again (EventBridge Scheduler). Meant for
     * non-prod stacks; set it per stack in Pulumi.<stack>.yaml. Alarms on the instance are muted while it is
     * stopped so the health alarm (missing data = failing) does not page every night. @default false
     */
    enabled: z.boolean().default(false),
    /** When to stop. @default "cron(0 20 ? * MON-FRI *)" (20:00 on weekdays) */
    stopCron: schedulerCron.default("cron(0 20 ? * MON-FRI *)"),
    /** When to start. @default "cron(0 7 ? * MON-FRI *)" (07:00 on weekdays; stays off over the weekend) */
    startCron: schedulerCron.default("cron(0 7 ? * MON-FRI *)"),
    /** IANA time zone the two crons are read in. @default "UTC" */
    timezone: z
      .string()
      .refine(
        (tz) => {
          try {
            new Intl.DateTimeFormat("en", { timeZone: tz });
            return true;
          } catch {
            return false;
          }
        },
        { error: 'must be an IANA time zone such as "Europe/Berlin" or "UTC"' },
      )
      .default("UTC"),
  })
  .prefault({});

export const observabilitySection = z
  .strictObject({
    /**
     * CloudWatch retention of the gateway's logs, one of the values CloudWatch accepts
     * (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653). @default 30
     */
    logRetentionDays: days(1, 3653)
      .refine((d) => (LOG_RETENTION_DAYS as readonly number[]).includes(d), {
        error: `must be one of the retention periods CloudWatch accepts: ${LOG_RETENTION_DAYS.join(", ")}`,
      })
      .default(30),
    /** E-mail addresses subscribed to the alert topic (each must confirm the subscription). */
    alertEmails: z.array(z.email({ error: "must be an e-mail address" })).default([]),
    /** Monthly budget in USD; notifications at 80% and 95%. @default 100 */
    monthlyBudgetUsd: z
      .number({ error: "must be an amount in USD between 1 and 1000000" })
      .min(1, { error: "must be at least 1 USD (AWS Budgets notifies on whole cents; smaller is a typo)" })
      .max(1_000_000, { error: "must be at most 1000000 USD" })
      .default(100),
    /**
     * Minutes between host health probes (/healthz body, memory, disk), 1–5. The health alarm fires after three
     * failed or missing probes, so this sets detection time (3–15 min) against PutMetricData requests. @default 1
     */
    healthProbeIntervalMinutes: z
      .number({ error: "must be a whole number of minutes between 1 and 5" })
      .int({ error: "must be a whole number of minutes between 1 and 5" })
      .min(1, { error: "must be at least 1 minute" })
      .max(5, { error: "must be at most 5 minutes (slower probes would leave alarm periods without data)" })
      .default(1),
    /** Memory alarm threshold in percent of the host's RAM. @default 90 */
    memoryAlarmPercent: z
      .number()
      .min(50, { error: "must be at least 50 percent" })
      .max(99, { error: "must be at most 99 percent" })
      .default(90),
    /** Disk alarm threshold in percent of each watched file system (root and data volume). @default 85 */
    diskAlarmPercent: z
      .number()
      .min(50, { error: "must be at least 50 percent" })
      .max(99, { error: "must be at most 99 percent" })
      .default(85),
    /** Stop non-prod instances outside working hours. */
    scheduledStop: scheduledStopSection,
  })
  .prefault({});
export type ObservabilitySection = z.infer<typeof observabilitySection>;
export type ScheduledStopSection = z.infer<typeof scheduledStopSection>;
