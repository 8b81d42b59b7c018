import { z } from "zod";
import { days } from "./common";

export const rotationSection = z
  .strictObject({
    /** Rotate the gateway token automatically. Policy `secret-rotation-enabled` requires it. @default true */
    // The rotation function also creates the first token: without it the token secret stays empty and the
    // gateway never starts. Refused here rather than supported half-way.
    enabled: z
      .boolean()
      .refine((v) => v, {
        error:
          "must be true: the gateway token is created and renewed only by the rotation function (policy secret-rotation-enabled requires it); remove the key or set it to true",
      })
      .default(true),
    /** Days between rotations; 90 is the maximum the policy pack (and CKV_AWS_304) accepts. @default 30 */
    days: days(1, 90).default(30),
  })
  .prefault({});
export type RotationSection = z.infer<typeof rotationSection>;
