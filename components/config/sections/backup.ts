import { z } from "zod";
import { days } from "./common";
import { checkCalendar } from "./systemd-calendar";

export const glacierClasses = ["GLACIER_IR", "GLACIER", "DEEP_ARCHIVE"] as const;

/**
 * Backups to S3 with lifecycle tiers. Rules S3 itself enforces (and bills by) are checked here so that a bad
 * value fails before anything is created: STANDARD_IA needs objects at least 30 days old, each tier must come
 * after the previous one, and expiry after the last transition (Glacier classes bill a 90-day minimum).
 */
export const backupSection = z
  .strictObject({
    /** @default true */
    enabled: z.boolean().default(true),
    /** systemd OnCalendar expression for the backup timer. @default "*-*-* 03:00:00" (daily, 03:00 UTC) */
    schedule: z
      .string({ error: "must be a systemd OnCalendar expression such as '*-*-* 03:00:00' or 'daily'" })
      .superRefine((spec, ctx) => {
        const problem = checkCalendar(spec);
        if (problem) ctx.addIssue({ code: "custom", message: problem });
      })
      .default("*-*-* 03:00:00"),
    /** Move backups to STANDARD_IA after this many days. @default 30 */
    standardIaAfterDays: days(30, 3650).default(30),
    /** Move backups to the Glacier class after this many days. @default 90 */
    glacierAfterDays: days(1, 3650).default(90),
    /** @default "GLACIER_IR" (millisecond restores, 90-day minimum) */
    glacierStorageClass: z
      .enum(glacierClasses, { error: `must be one of ${glacierClasses.join(", ")}` })
      .default("GLACIER_IR"),
    /** Delete backups after this many days. @default 365 */
    retentionDays: days(1, 36500).default(365),
    /** Delete overwritten or deleted versions after this many days. @default 30 */
    noncurrentVersionExpiryDays: days(1, 3650).default(30),
    /** Abort incomplete multipart uploads after this many days. @default 7 */
    abortIncompleteUploadDays: days(1, 365).default(7),
    /** S3 Object Lock (set at bucket creation only): a backup cannot be deleted before `days`. @default off */
    objectLock: z
      .strictObject({
        enabled: z.boolean().default(false),
        mode: z.enum(["GOVERNANCE", "COMPLIANCE"]).default("GOVERNANCE"),
        days: days(1, 3650).default(30),
      })
      .prefault({}),
    /** Server access logging into a separate log bucket (advisory control). @default false */
    accessLogging: z.boolean().default(false),
  })
  .prefault({})
  .superRefine((b, ctx) => {
    const minGlacier = b.standardIaAfterDays + 30;
    if (b.glacierAfterDays < minGlacier) {
      ctx.addIssue({
        code: "custom",
        path: ["glacierAfterDays"],
        input: b.glacierAfterDays,
        message: `must be at least standardIaAfterDays + 30 = ${minGlacier} (tiers must be in order and S3 bills STANDARD_IA for 30 days)`,
      });
    }
    const minRetention = b.glacierAfterDays + 90;
    if (b.retentionDays < minRetention) {
      ctx.addIssue({
        code: "custom",
        path: ["retentionDays"],
        input: b.retentionDays,
        message: `must be at least glacierAfterDays + 90 = ${minRetention} (expiry comes after the last transition; Glacier classes bill 90 days minimum)`,
      });
    }
    if (b.objectLock.enabled && b.objectLock.days > b.retentionDays) {
      ctx.addIssue({
        code: "custom",
        path: ["objectLock", "days"],
        input: b.objectLock.days,
        message: `must not exceed retentionDays (${b.retentionDays}): locked backups could not expire`,
      });
    }
  });
export type BackupSection = z.infer<typeof backupSection>;
