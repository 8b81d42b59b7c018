/**
 * Network decisions as data: subnet layout, where the gateway instance sits, and every security-group rule.
 * The component (network.ts) only turns this into resources.
 */
import type { EgressMode } from "../config/sections/network";
import { subnetOf, vpcResolver } from "./cidr";

export interface SubnetSpec {
  zoneIndex: number;
  publicCidr: string;
  privateCidr: string;
}

/**
 * Public subnets take the first blocks, private ones start half-way, so adding a zone never renumbers an
 * existing subnet. Blocks are /(prefix+4): 16 blocks, at most 3 zones x 2 tiers used.
 */
export function subnetPlan(vpcCidr: string, zones: number): SubnetSpec[] {
  const prefix = Number(vpcCidr.split("/")[1]) + 4;
  return Array.from({ length: zones }, (_, i) => ({
    zoneIndex: i,
    publicCidr: subnetOf(vpcCidr, prefix, i),
    privateCidr: subnetOf(vpcCidr, prefix, 8 + i),
  }));
}

export interface SgRule {
  description: string;
  protocol: "tcp" | "udp" | "-1";
  fromPort: number;
  toPort: number;
  cidrBlocks?: string[];
  ipv6CidrBlocks?: string[];
}

export interface Placement {
  /** The gateway instance's subnet tier. */
  subnet: "public" | "private";
  associatePublicIp: boolean;
  /** Why the instance has a public address (tagged on it; the policy pack requires a reason). */
  publicIpReason?: string;
}

/** @param ingressReason why the ingress mode needs the address, when it serves the internet itself */
export function placement(egress: EgressMode, ingressReason?: string): Placement {
  if (egress === "public-ip") {
    return {
      subnet: "public",
      associatePublicIp: true,
      publicIpReason: ingressReason ?? "egress public-ip: outbound only, the security group has no inbound rule",
    };
  }
  return { subnet: "private", associatePublicIp: false };
}

const anywhere4 = ["0.0.0.0/0"];
const anywhere6 = ["::/0"];

/**
 * Outbound from the gateway host, as narrow as the workload allows: HTTPS for LLM APIs, channels, AWS APIs and
 * the tailnet's control plane; HTTP only for Ubuntu's package mirrors; DNS and time to the VPC's own services;
 * Tailscale's direct UDP path (it falls back to DERP over 443 without it).
 */
export function gatewayEgressRules(vpcCidr: string, ingressRules: readonly SgRule[] = []): SgRule[] {
  const rules: SgRule[] = [
    {
      description: "HTTPS to LLM APIs, chat channels and AWS endpoints",
      protocol: "tcp",
      fromPort: 443,
      toPort: 443,
      cidrBlocks: anywhere4,
      ipv6CidrBlocks: anywhere6,
    },
    {
      description: "HTTP to Ubuntu package mirrors (apt verifies signatures)",
      protocol: "tcp",
      fromPort: 80,
      toPort: 80,
      cidrBlocks: anywhere4,
      ipv6CidrBlocks: anywhere6,
    },
    {
      description: "DNS to the VPC resolver",
      protocol: "udp",
      fromPort: 53,
      toPort: 53,
      cidrBlocks: [`${vpcResolver(vpcCidr)}/32`],
    },
    {
      description: "DNS over TCP to the VPC resolver",
      protocol: "tcp",
      fromPort: 53,
      toPort: 53,
      cidrBlocks: [`${vpcResolver(vpcCidr)}/32`],
    },
    {
      description: "Amazon Time Sync",
      protocol: "udp",
      fromPort: 123,
      toPort: 123,
      cidrBlocks: ["169.254.169.123/32"],
    },
  ];
  // The ingress mode's own outbound needs (Tailscale's direct UDP path; it falls back to DERP over 443).
  rules.push(...ingressRules);
  return rules;
}

/** The NAT instance forwards for the VPC only; nothing from the internet may start a connection to it. */
export function natInstanceRules(vpcCidr: string): { ingress: SgRule[]; egress: SgRule[] } {
  return {
    ingress: [
      { description: "Forward traffic from the VPC", protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: [vpcCidr] },
    ],
    egress: [{ description: "Forward to the internet", protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: anywhere4 }],
  };
}

/** Ports that must never be reachable from the internet, whatever the ingress mode adds. */
export const forbiddenPublicPorts = [22, 3389, 18789, 18790, 18791];

/** Throws when a rule would open a forbidden port to the internet: a last guard before registration. */
export function assertNoForbiddenPublicIngress(rules: SgRule[]): void {
  for (const r of rules) {
    const publicSource = (r.cidrBlocks ?? []).includes("0.0.0.0/0") || (r.ipv6CidrBlocks ?? []).includes("::/0");
    if (!publicSource) continue;
    const all = r.protocol === "-1";
    const hit = forbiddenPublicPorts.find((p) => all || (p >= r.fromPort && p <= r.toPort));
    if (hit !== undefined) {
      throw new Error(
        `security-group rule "${r.description}" would open port ${hit} to the internet; the gateway and admin ports are never public`,
      );
    }
  }
}
