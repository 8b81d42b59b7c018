import { z } from "zod";
import { RESERVED_TAG_KEYS, RESERVED_TAG_PREFIX } from "../../tags/tags";

/** Whole days, with a message that names the limits (zod's default message does not). */
export function days(min: number, max: number) {
  return z
    .number({ error: `must be a whole number of days between ${min} and ${max}` })
    .int({ error: `must be a whole number of days between ${min} and ${max}` })
    .min(min, { error: `must be at least ${min} days` })
    .max(max, { error: `must be at most ${max} days` });
}

export function intRange(min: number, max: number, unit = "") {
  const u = unit ? ` ${unit}` : "";
  return z
    .number({ error: `must be a whole number between ${min} and ${max}${u}` })
    .int({ error: `must be a whole number between ${min} and ${max}${u}` })
    .min(min, { error: `must be at least ${min}${u}` })
    .max(max, { error: `must be at most ${max}${u}` });
}

/** AWS tag keys and values: the limits AWS enforces, checked before anything is sent to AWS. */
export const tags = z
  .record(
    z
      .string()
      .min(1)
      .max(128)
      .regex(/^(?!aws:)[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u, {
        error: "tag keys are 1-128 letters, digits, spaces or _.:/=+-@ and must not start with aws:",
      })
      .refine(
        (k) =>
          !RESERVED_TAG_KEYS.some((r) => r.toLowerCase() === k.toLowerCase()) &&
          !k.toLowerCase().startsWith(RESERVED_TAG_PREFIX),
        {
          error: (i) =>
            `tag key ${JSON.stringify(i.input)} is set by the stack itself (reserved: ${RESERVED_TAG_KEYS.join(", ")} and every key starting with ${RESERVED_TAG_PREFIX}: IAM conditions and token rotation match on them); remove it from openclaw:tags or rename it`,
        },
      ),
    z
      .string()
      .max(256, { error: "tag values are at most 256 characters" })
      .regex(/^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u, {
        error: "tag values may hold only letters, digits, spaces and _.:/=+-@ (what AWS accepts)",
      }),
  )
  .default({});

/** A printable single-line string: no newline, tab or other control character (it lands in YAML and unit files). */
export const singleLine = /^[^\p{Cc}\u2028\u2029]*$/u;
