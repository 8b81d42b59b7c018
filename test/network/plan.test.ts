import { describe, expect, it } from "vitest";
import { ingressModule } from "../../components/ingress/modes/registry";
import { subnetOf, vpcResolver } from "../../components/network/cidr";
import {
  assertNoForbiddenPublicIngress,
  gatewayEgressRules,
  placement,
  subnetPlan,
} from "../../components/network/plan";

describe("subnet plan", () => {
  it.each([
    ["10.40.0.0/16", 1, [{ zoneIndex: 0, publicCidr: "10.40.0.0/20", privateCidr: "10.40.128.0/20" }]],
    [
      "10.41.0.0/16",
      2,
      [
        { zoneIndex: 0, publicCidr: "10.41.0.0/20", privateCidr: "10.41.128.0/20" },
        { zoneIndex: 1, publicCidr: "10.41.16.0/20", privateCidr: "10.41.144.0/20" },
      ],
    ],
    ["192.168.10.0/24", 1, [{ zoneIndex: 0, publicCidr: "192.168.10.0/28", privateCidr: "192.168.10.128/28" }]],
  ])("%s over %i zone(s)", (cidr, zones, expected) => expect(subnetPlan(cidr, zones)).toEqual(expected));

  it("adding a zone never renumbers an existing subnet", () => {
    const one = subnetPlan("10.0.0.0/16", 1)[0];
    expect(subnetPlan("10.0.0.0/16", 3)[0]).toEqual(one);
  });

  it("refuses blocks out of range", () => expect(() => subnetOf("10.0.0.0/16", 20, 16)).toThrow(/only 16/));
  it("knows the VPC resolver", () => expect(vpcResolver("10.40.0.0/16")).toBe("10.40.0.2"));
});

describe("placement", () => {
  it("keeps the instance private behind NAT", () => {
    expect(placement("nat-gateway", ingressModule("tailscale").network.publicIpReason)).toEqual({
      subnet: "private",
      associatePublicIp: false,
    });
    expect(placement("nat-instance", ingressModule("tailscale").network.publicIpReason)).toEqual({
      subnet: "private",
      associatePublicIp: false,
    });
  });
  it("states why a public address exists", () => {
    const p = placement("public-ip", ingressModule("tailscale").network.publicIpReason);
    expect(p.associatePublicIp).toBe(true);
    expect(p.publicIpReason).toMatch(/no inbound rule/);
    expect(placement("public-ip", ingressModule("caddy").network.publicIpReason).publicIpReason).toMatch(/443/);
  });
});

describe("security-group rules", () => {
  it("egress never opens the gateway or admin ports, and DNS goes to the VPC only", () => {
    const rules = gatewayEgressRules("10.40.0.0/16", ingressModule("tailscale").network.egressRules);
    expect(rules.find((r) => r.fromPort === 53)!.cidrBlocks).toEqual(["10.40.0.2/32"]);
    expect(rules.some((r) => r.protocol === "-1")).toBe(false);
    expect(rules.filter((r) => r.fromPort === 41641)).toHaveLength(1);
    expect(
      gatewayEgressRules("10.40.0.0/16", ingressModule("caddy").network.egressRules).some((r) => r.fromPort === 41641),
    ).toBe(false);
  });

  it.each([
    [{ description: "gw", protocol: "tcp" as const, fromPort: 18789, toPort: 18789, cidrBlocks: ["0.0.0.0/0"] }, 18789],
    [{ description: "ssh", protocol: "tcp" as const, fromPort: 22, toPort: 22, ipv6CidrBlocks: ["::/0"] }, 22],
    [{ description: "range", protocol: "tcp" as const, fromPort: 1, toPort: 65535, cidrBlocks: ["0.0.0.0/0"] }, 22],
    [{ description: "all", protocol: "-1" as const, fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }, 22],
  ])("refuses a public rule reaching a forbidden port (%#)", (rule, port) => {
    expect(() => assertNoForbiddenPublicIngress([rule])).toThrow(new RegExp(`port ${port}`));
  });

  it("allows 443 public and the gateway port from a private range", () => {
    expect(() =>
      assertNoForbiddenPublicIngress([
        {
          description: "https",
          protocol: "tcp",
          fromPort: 443,
          toPort: 443,
          cidrBlocks: ["0.0.0.0/0"],
          ipv6CidrBlocks: ["::/0"],
        },
        { description: "vpc", protocol: "tcp", fromPort: 18789, toPort: 18789, cidrBlocks: ["10.0.0.0/8"] },
      ]),
    ).not.toThrow();
  });
});
