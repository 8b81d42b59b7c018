import { z } from "zod";
import { intRange } from "./common";

/** Memory (MiB) of the instance types we know; used to check that the container limit fits the host. */
export const instanceMemoryMiB: Record<string, number> = {
  "t3.small": 2048,
  "t3.medium": 4096,
  "t3.large": 8192,
  "t3.xlarge": 16384,
  "t3a.small": 2048,
  "t3a.medium": 4096,
  "t3a.large": 8192,
  "t3a.xlarge": 16384,
  "m7i.large": 8192,
  "m7i.xlarge": 16384,
  "m6i.large": 8192,
  "c7i.large": 4096,
};

export const vmSection = z
  .strictObject({
    /**
     * EC2 instance type (x86_64: the gateway image and the AMI lookup are amd64). @default "t3.medium" (4 GiB:
     * the 2 GiB container limit plus Docker, the SSM agent and the page cache).
     */
    instanceType: z
      .string()
      .refine((t) => t in instanceMemoryMiB, {
        error: `must be one of ${Object.keys(instanceMemoryMiB).join(", ")} (x86_64 types with enough memory)`,
      })
      .default("t3.medium"),
    /** AMI id. @default the current Ubuntu 24.04 LTS amd64 AMI from Canonical's public SSM parameter */
    ami: z
      .string()
      .regex(/^ami-[0-9a-f]{8,17}$/, { error: "must be an AMI id such as ami-0123456789abcdef0" })
      .optional(),
    /** Root volume (OS, Docker images). @default 20 */
    rootVolumeGiB: intRange(8, 1024, "GiB").default(20),
    /** Data volume (gateway state). Kept when the instance is replaced. @default 20 */
    dataVolumeGiB: intRange(1, 16384, "GiB").default(20),
  })
  .prefault({});
export type VmSection = z.infer<typeof vmSection>;
