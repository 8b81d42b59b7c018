import { z } from "zod";
import { days } from "./common";

export const rotationSection = z
  .strictObject({
    /** Rotate the gateway token automatically. Policy `secret-rotation-enabled` requires it. @default true */
    enabled: z.boolean().default(true),
    /** Days between rotations; 90 is the maximum the policy pack (and CKV_AWS_304) accepts. @default 30 */
    days: days(1, 90).default(30),
  })
  .prefault({});
export type RotationSection = z.infer<typeof rotationSection>;
