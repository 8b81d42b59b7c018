import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  publicAdminExposure,
  securityGroupEgressRestricted,
  securityGroupNoPublicAdminIngress,
  subnetNoAutoPublicIp,
  vpcFlowLogsEnabled,
} from "../../policies/network";
import { type Case, res, run } from "./helpers";

const SG = "aws:ec2/securityGroup:SecurityGroup";
const SGR = "aws:ec2/securityGroupRule:SecurityGroupRule";
const VPCR = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";

describe("security-group-no-public-admin-ingress", () => {
  const cases: Case[] = [
    {
      name: "inline HTTPS from anywhere is fine",
      resources: [
        res(SG, "sg", { ingress: [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] }] }),
      ],
      expect: null,
    },
    {
      name: "inline gateway port from a private CIDR is fine",
      resources: [
        res(SG, "sg", { ingress: [{ protocol: "tcp", fromPort: 18789, toPort: 18789, cidrBlocks: ["10.0.0.0/16"] }] }),
      ],
      expect: null,
    },
    {
      name: "inline IPv4 18789",
      resources: [
        res(SG, "sg", { ingress: [{ protocol: "tcp", fromPort: 18789, toPort: 18789, cidrBlocks: ["0.0.0.0/0"] }] }),
      ],
      expect: /ingress\[0\] allows 0\.0\.0\.0\/0 to reach admin port\(s\) 18789/,
    },
    {
      name: "inline IPv6 22",
      resources: [
        res(SG, "sg", { ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, ipv6CidrBlocks: ["::/0"] }] }),
      ],
      expect: /::\/0 to reach admin port\(s\) 22/,
    },
    {
      name: "inline all protocols",
      resources: [res(SG, "sg", { ingress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }] })],
      expect: /22, 3389/,
    },
    {
      name: "SecurityGroupRule ingress range",
      resources: [
        res(SGR, "r", {
          type: "ingress",
          protocol: "tcp",
          fromPort: 18000,
          toPort: 19000,
          cidrBlocks: ["0.0.0.0/0"],
          securityGroupId: "sg-1",
        }),
      ],
      expect: /18789/,
    },
    {
      name: "SecurityGroupRule egress is not ingress",
      resources: [
        res(SGR, "r", {
          type: "egress",
          protocol: "tcp",
          fromPort: 22,
          toPort: 22,
          cidrBlocks: ["0.0.0.0/0"],
          securityGroupId: "sg-1",
        }),
      ],
      expect: null,
    },
    {
      name: "vpc ingress rule IPv4 RDP",
      resources: [
        res(VPCR, "r", {
          ipProtocol: "tcp",
          fromPort: 3389,
          toPort: 3389,
          cidrIpv4: "0.0.0.0/0",
          securityGroupId: "sg-1",
        }),
      ],
      expect: /3389/,
    },
    {
      name: "vpc ingress rule IPv6 all",
      resources: [res(VPCR, "r", { ipProtocol: "-1", cidrIpv6: "::/0", securityGroupId: "sg-1" })],
      expect: /::\/0 .*18789/,
    },
  ];
  it.each(cases)("$name", async (c) => {
    const v = await run(securityGroupNoPublicAdminIngress, c.resources);
    if (c.expect === null) expect(v).toEqual([]);
    else {
      expect(v).toHaveLength(1);
      expect(v[0]).toMatchObject({ policy: "security-group-no-public-admin-ingress", level: "mandatory" });
      expect(v[0].message).toMatch(c.expect);
    }
  });

  it("extraAdminPorts from the pack config extends the list", async () => {
    const r = [
      res(SG, "sg", { ingress: [{ protocol: "tcp", fromPort: 9090, toPort: 9090, cidrBlocks: ["0.0.0.0/0"] }] }),
    ];
    expect(await run(securityGroupNoPublicAdminIngress, r)).toEqual([]);
    expect(
      await run(securityGroupNoPublicAdminIngress, r, {
        config: { "security-group-no-public-admin-ingress": { extraAdminPorts: [9090] } },
      }),
    ).toHaveLength(1);
  });

  const world = fc.constantFrom("0.0.0.0/0", "::/0");
  const adminPort = fc.constantFrom(18789, 22);
  it("property: any range containing 18789 or 22 from the world fails, in every shape", async () => {
    await fc.assert(
      fc.asyncProperty(
        adminPort,
        fc.nat(2000),
        fc.nat(2000),
        world,
        fc.constantFrom("sg", "sgr", "vpc"),
        async (port, below, above, cidr, shape) => {
          const fromPort = Math.max(0, port - below);
          const toPort = Math.min(65535, port + above);
          const v6 = cidr === "::/0";
          const r =
            shape === "sg"
              ? res(SG, "sg", {
                  ingress: [
                    {
                      protocol: "tcp",
                      fromPort,
                      toPort,
                      ...(v6 ? { ipv6CidrBlocks: [cidr] } : { cidrBlocks: [cidr] }),
                    },
                  ],
                })
              : shape === "sgr"
                ? res(SGR, "r", {
                    type: "ingress",
                    protocol: "tcp",
                    fromPort,
                    toPort,
                    ...(v6 ? { ipv6CidrBlocks: [cidr] } : { cidrBlocks: [cidr] }),
                  })
                : res(VPCR, "r", {
                    ipProtocol: "tcp",
                    fromPort,
                    toPort,
                    ...(v6 ? { cidrIpv6: cidr } : { cidrIpv4: cidr }),
                  });
          const v = await run(securityGroupNoPublicAdminIngress, [r]);
          expect(v.length).toBe(1);
          expect(v[0].message).toContain(String(port));
        },
      ),
      { numRuns: 150 },
    );
  });

  it("property: private CIDRs never fail, whatever the range", () => {
    const privateCidr = fc.oneof(
      fc.tuple(fc.nat(255), fc.nat(255)).map(([a, b]) => `10.${a}.${b}.0/24`),
      fc.tuple(fc.integer({ min: 16, max: 31 }), fc.nat(255)).map(([a, b]) => `172.${a}.${b}.0/24`),
      fc.nat(255).map((a) => `192.168.${a}.0/24`),
      fc.constant("fd7a:115c:a1e0::/48"),
    );
    fc.assert(
      fc.property(privateCidr, fc.nat(65535), fc.nat(65535), (cidr, a, b) => {
        expect(
          publicAdminExposure({ where: "x", cidrs: [cidr], protocol: "tcp", fromPort: a, toPort: b }),
        ).toBeUndefined();
      }),
    );
  });

  it("property: world ranges that exclude every admin port pass", () => {
    // 443..2374 and 30000..65535 hold no admin port.
    const safe = fc.oneof(
      fc.tuple(fc.integer({ min: 443, max: 2374 }), fc.integer({ min: 443, max: 2374 })),
      fc.tuple(fc.integer({ min: 30000, max: 65535 }), fc.integer({ min: 30000, max: 65535 })),
    );
    fc.assert(
      fc.property(safe, world, ([a, b], cidr) => {
        expect(
          publicAdminExposure({ where: "x", cidrs: [cidr], protocol: "tcp", fromPort: a, toPort: b }),
        ).toBeUndefined();
      }),
    );
  });
});

describe("security-group-egress-restricted", () => {
  it("passes single-port egress and justified egress, flags open egress in each shape", async () => {
    expect(
      await run(securityGroupEgressRestricted, [
        res(SG, "sg", { egress: [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] }] }),
      ]),
    ).toEqual([]);
    expect(
      await run(securityGroupEgressRestricted, [
        res(SG, "sg", {
          egress: [
            {
              protocol: "-1",
              fromPort: 0,
              toPort: 0,
              cidrBlocks: ["0.0.0.0/0"],
              description: "model providers rotate IPs",
            },
          ],
        }),
      ]),
    ).toEqual([]);
    const shapes = [
      res(SG, "sg", { egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }] }),
      res(SGR, "r", { type: "egress", protocol: "-1", fromPort: 0, toPort: 0, ipv6CidrBlocks: ["::/0"] }),
      res("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "r", { ipProtocol: "-1", cidrIpv4: "0.0.0.0/0" }),
    ];
    for (const s of shapes) {
      const v = await run(securityGroupEgressRestricted, [s]);
      expect(v).toHaveLength(1);
      expect(v[0]).toMatchObject({ level: "advisory" });
      expect(v[0].message).toMatch(/no justification/);
    }
  });
});

describe("subnet-no-auto-public-ip", () => {
  it("flags mapPublicIpOnLaunch unless configured with a reason", async () => {
    const s = res("aws:ec2/subnet:Subnet", "pub", {
      vpcId: "vpc-1",
      cidrBlock: "10.0.0.0/24",
      mapPublicIpOnLaunch: true,
    });
    expect((await run(subnetNoAutoPublicIp, [s]))[0].message).toMatch(/mapPublicIpOnLaunch is true/);
    expect(
      await run(subnetNoAutoPublicIp, [
        res("aws:ec2/subnet:Subnet", "priv", { vpcId: "vpc-1", cidrBlock: "10.0.1.0/24" }),
      ]),
    ).toEqual([]);
    expect(
      await run(subnetNoAutoPublicIp, [s], {
        config: { "subnet-no-auto-public-ip": { allowPublicIp: true, reason: "public caddy ingress" } },
      }),
    ).toEqual([]);
  });
});

describe("vpc-flow-logs-enabled", () => {
  const vpc = res("aws:ec2/vpc:Vpc", "main", { cidrBlock: "10.0.0.0/16" }, { id: "vpc-123" });
  it("passes with a flow log linked by id or dependency, flags a VPC without one", async () => {
    expect(
      await run(vpcFlowLogsEnabled, [
        vpc,
        res("aws:ec2/flowLog:FlowLog", "fl", { vpcId: "vpc-123", trafficType: "ALL" }),
      ]),
    ).toEqual([]);
    expect(
      await run(vpcFlowLogsEnabled, [
        vpc,
        res("aws:ec2/flowLog:FlowLog", "fl", { trafficType: "ALL" }, { dependencies: { vpcId: [vpc.urn!] } }),
      ]),
    ).toEqual([]);
    const v = await run(vpcFlowLogsEnabled, [vpc, res("aws:ec2/flowLog:FlowLog", "fl", { vpcId: "vpc-other" })]);
    expect(v).toHaveLength(1);
    expect(v[0]).toMatchObject({ urn: vpc.urn, level: "advisory" });
    expect(v[0].message).toMatch(/VPC main has no aws.ec2.FlowLog/);
  });
});
