import { createHash } from "node:crypto";

/** Hex sha256 of a text: config checksums that roll a pod or replace a container when the text changes. */
export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
