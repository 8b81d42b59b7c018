import { z } from "zod";
import { days, intRange } from "./common";

/**
 * How the VM reaches the internet (it needs outbound HTTPS for LLM APIs, chat channels and the tailnet).
 * Monthly cost in us-east-1, see README "Network egress":
 * - nat-gateway: managed, no inbound path at all; ~$32.85/month + $0.045/GB. The safe default.
 * - nat-instance: a t4g.nano NAT in the public subnet; ~$3.07/month + EIP $3.65; you patch it.
 * - public-ip: the VM sits in a public subnet with a public IP and a security group with no inbound rule
 *   (Caddy opens 443/80 only); $3.65/month for the IPv4 address. Cheapest; one SG mistake from exposure.
 */
export const egressModes = ["nat-gateway", "nat-instance", "public-ip"] as const;
export type EgressMode = (typeof egressModes)[number];

const ipv4Cidr = z.string().superRefine((cidr, ctx) => {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  if (!m || m.slice(1, 5).some((o) => Number(o) > 255)) {
    ctx.addIssue({ code: "custom", message: "must be an IPv4 CIDR such as 10.40.0.0/16" });
    return;
  }
  const prefix = Number(m[5]);
  if (prefix < 16 || prefix > 24) {
    ctx.addIssue({
      code: "custom",
      message: "must have a prefix between /16 and /24 (AWS allows /16-/28; /24 leaves room for subnets)",
    });
  }
  const base = m.slice(1, 5).reduce((acc, o) => acc * 256 + Number(o), 0);
  const size = 2 ** (32 - Math.min(prefix, 32));
  if (prefix <= 32 && base % size !== 0) {
    const net = base - (base % size);
    ctx.addIssue({
      code: "custom",
      message: `has host bits set: write the network address ${[24, 16, 8, 0].map((s) => Math.floor(net / 2 ** s) % 256).join(".")}/${prefix}`,
    });
  }
  const [a, b] = [Number(m[1]), Number(m[2])];
  const isPrivate = a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168);
  if (!isPrivate) {
    ctx.addIssue({ code: "custom", message: "must be a private range (10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16)" });
  }
});

export const networkSection = z
  .strictObject({
    /** VPC CIDR. @default "10.40.0.0/16" */
    cidr: ipv4Cidr.default("10.40.0.0/16"),
    /**
     * Availability zones to spread subnets over. The gateway is a single instance, so one zone is enough;
     * two give the NAT gateway and future instances a second zone. @default 1
     */
    availabilityZones: intRange(1, 3).default(1),
    /** @default "nat-gateway" (no inbound path from the internet) */
    egress: z.enum(egressModes, { error: `must be one of ${egressModes.join(", ")}` }).default("nat-gateway"),
    /** Instance type of the NAT instance when egress is nat-instance. @default "t4g.nano" */
    natInstanceType: z
      .string()
      .regex(/^[a-z0-9]+\.[a-z0-9]+$/, { error: "must be an EC2 instance type such as t4g.nano" })
      .default("t4g.nano"),
    /** VPC flow log retention in CloudWatch Logs. @default 30 */
    flowLogRetentionDays: days(1, 3653).default(30),
  })
  .prefault({});
export type NetworkSection = z.infer<typeof networkSection>;
