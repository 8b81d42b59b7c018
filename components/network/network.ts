/**
 * VPC, subnets, routes, egress path, flow logs and the gateway's security group. The gateway port and SSH are
 * never open: ingress rules come only from the ingress plan (none for Tailscale; 443/80 for Caddy).
 */
import { TAG_KEYS, tagged } from "../tags/tags";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { NetworkSection } from "../config/sections/network";
import { flowLogsAssumeRolePolicy } from "./flow-log-iam";
import {
  assertNoForbiddenPublicIngress,
  gatewayEgressRules,
  natInstanceRules,
  placement,
  subnetPlan,
  type Placement,
  type SgRule,
} from "./plan";

export interface NetworkArgs {
  /** The `openclaw:network` section. */
  network: NetworkSection;
  /** Ingress mode's name, for the security group's description. */
  ingress: string;
  /** What the ingress mode needs from the network: outbound rules beyond the gateway's, why a public address. */
  ingressNeeds: { egressRules: SgRule[]; publicIpReason?: string };
  /** Public ingress rules the ingress mode needs (none for Tailscale). Checked against forbidden ports. */
  ingressRules: SgRule[];
  /** Tags for every resource. */
  tags: Record<string, string>;
  /**
   * Permissions boundary (policy ARN) every IAM role created here carries; the deploy role may create
   * roles only with it.
   */
  permissionsBoundary?: pulumi.Input<string>;
}

export class Network extends pulumi.ComponentResource {
  readonly vpcId: pulumi.Output<string>;
  /** Subnet the gateway instance goes into (private unless egress is public-ip). */
  readonly gatewaySubnetId: pulumi.Output<string>;
  readonly gatewayAvailabilityZone: pulumi.Output<string>;
  readonly gatewaySecurityGroupId: pulumi.Output<string>;
  readonly placement: Placement;

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("openclaw:network:Network", name, {}, opts);
    const n = args.network;
    const tags = (suffix: string) => tagged(args.tags, `${name}-${suffix}`);
    assertNoForbiddenPublicIngress(args.ingressRules);
    this.placement = placement(n.egress, args.ingressNeeds.publicIpReason);
    const child = { parent: this };

    const vpc = new aws.ec2.Vpc(
      `${name}-vpc`,
      { cidrBlock: n.cidr, enableDnsHostnames: true, enableDnsSupport: true, tags: tags("vpc") },
      child,
    );
    // The default security group allows all traffic between its members; CIS 5.4 wants it empty.
    new aws.ec2.DefaultSecurityGroup(`${name}-default-sg`, { vpcId: vpc.id, tags: tags("default-sg-unused") }, child);

    const zones = aws.getAvailabilityZonesOutput({ state: "available" }, child);
    const igw = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags: tags("igw") }, child);
    const publicRt = new aws.ec2.RouteTable(
      `${name}-public-rt`,
      { vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }], tags: tags("public-rt") },
      child,
    );

    const layout = subnetPlan(n.cidr, n.availabilityZones);
    const publicSubnets: aws.ec2.Subnet[] = [];
    const privateSubnets: aws.ec2.Subnet[] = [];
    for (const s of layout) {
      const az = zones.names.apply((names) => names[s.zoneIndex % names.length]!);
      // Addresses are never auto-assigned, even in public subnets: an instance that needs one asks for it.
      const pub = new aws.ec2.Subnet(
        `${name}-public-${s.zoneIndex}`,
        {
          vpcId: vpc.id,
          cidrBlock: s.publicCidr,
          availabilityZone: az,
          mapPublicIpOnLaunch: false,
          tags: tags(`public-${s.zoneIndex}`),
        },
        child,
      );
      const priv = new aws.ec2.Subnet(
        `${name}-private-${s.zoneIndex}`,
        {
          vpcId: vpc.id,
          cidrBlock: s.privateCidr,
          availabilityZone: az,
          mapPublicIpOnLaunch: false,
          tags: tags(`private-${s.zoneIndex}`),
        },
        child,
      );
      new aws.ec2.RouteTableAssociation(
        `${name}-public-${s.zoneIndex}`,
        { subnetId: pub.id, routeTableId: publicRt.id },
        child,
      );
      publicSubnets.push(pub);
      privateSubnets.push(priv);
    }

    const privateRoutes = this.createEgress(name, n, vpc, publicSubnets[0]!, tags);
    const privateRt = new aws.ec2.RouteTable(
      `${name}-private-rt`,
      { vpcId: vpc.id, routes: privateRoutes, tags: tags("private-rt") },
      child,
    );
    for (const [i, s] of privateSubnets.entries()) {
      new aws.ec2.RouteTableAssociation(`${name}-private-${i}`, { subnetId: s.id, routeTableId: privateRt.id }, child);
    }

    this.createFlowLogs(name, n, vpc, tags, args.permissionsBoundary);

    const egress = gatewayEgressRules(n.cidr, args.ingressNeeds.egressRules);
    const sg = new aws.ec2.SecurityGroup(
      `${name}-gateway-sg`,
      {
        vpcId: vpc.id,
        description: `OpenClaw gateway (${args.ingress}): no inbound on 18789 or 22, ever`,
        ingress: args.ingressRules.map(toSgArgs),
        egress: egress.map(toSgArgs),
        tags: tags("gateway-sg"),
      },
      child,
    );

    const gatewaySubnet = this.placement.subnet === "public" ? publicSubnets[0]! : privateSubnets[0]!;
    this.vpcId = vpc.id;
    this.gatewaySubnetId = gatewaySubnet.id;
    this.gatewayAvailabilityZone = gatewaySubnet.availabilityZone;
    this.gatewaySecurityGroupId = sg.id;
    this.registerOutputs({
      vpcId: this.vpcId,
      gatewaySubnetId: this.gatewaySubnetId,
      gatewaySecurityGroupId: this.gatewaySecurityGroupId,
    });
  }

  /** The private subnets' default route, by the configured egress mode. */
  private createEgress(
    name: string,
    n: NetworkSection,
    vpc: aws.ec2.Vpc,
    publicSubnet: aws.ec2.Subnet,
    tags: (s: string) => Record<string, string>,
  ) {
    const child = { parent: this };
    if (n.egress === "nat-gateway") {
      const eip = new aws.ec2.Eip(`${name}-nat-eip`, { domain: "vpc", tags: tags("nat-eip") }, child);
      const nat = new aws.ec2.NatGateway(
        `${name}-nat`,
        { allocationId: eip.id, subnetId: publicSubnet.id, tags: tags("nat") },
        child,
      );
      return [{ cidrBlock: "0.0.0.0/0", natGatewayId: nat.id }];
    }
    if (n.egress === "nat-instance") {
      const rules = natInstanceRules(n.cidr);
      const sg = new aws.ec2.SecurityGroup(
        `${name}-nat-sg`,
        {
          vpcId: vpc.id,
          description: "NAT instance: forwards VPC traffic only",
          ingress: rules.ingress.map(toSgArgs),
          egress: rules.egress.map(toSgArgs),
          tags: tags("nat-sg"),
        },
        child,
      );
      const ami = aws.ssm.getParameterOutput(
        { name: "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64" },
        child,
      );
      const nat = new aws.ec2.Instance(
        `${name}-nat`,
        {
          ami: ami.value,
          instanceType: n.natInstanceType,
          subnetId: publicSubnet.id,
          vpcSecurityGroupIds: [sg.id],
          associatePublicIpAddress: true,
          sourceDestCheck: false,
          metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 1, httpEndpoint: "enabled" },
          rootBlockDevice: { encrypted: true, volumeType: "gp3", volumeSize: 8 },
          userData: NAT_USER_DATA,
          tags: {
            ...tags("nat"),
            [TAG_KEYS.publicIpReason]: "NAT instance for the private subnets; inbound only from the VPC",
          },
        },
        { ...child, ignoreChanges: ["ami"] },
      );
      return [{ cidrBlock: "0.0.0.0/0", networkInterfaceId: nat.primaryNetworkInterfaceId }];
    }
    return []; // public-ip: the instance sits in the public subnet; private subnets stay offline.
  }

  private createFlowLogs(
    name: string,
    n: NetworkSection,
    vpc: aws.ec2.Vpc,
    tags: (s: string) => Record<string, string>,
    permissionsBoundary: pulumi.Input<string> | undefined,
  ) {
    const child = { parent: this };
    const group = new aws.cloudwatch.LogGroup(
      `${name}-flow-logs`,
      { retentionInDays: n.flowLogRetentionDays, tags: tags("flow-logs") },
      child,
    );
    const role = new aws.iam.Role(
      `${name}-flow-logs`,
      {
        assumeRolePolicy: pulumi
          .all([
            aws.getPartitionOutput({}, child).partition,
            aws.getRegionOutput({}, child).region,
            aws.getCallerIdentityOutput({}, child).accountId,
          ])
          .apply(([partition, region, accountId]) =>
            JSON.stringify(flowLogsAssumeRolePolicy({ partition, region, accountId })),
          ),
        permissionsBoundary,
        tags: tags("flow-logs"),
      },
      // The deploy role may not rewrite a trust policy in place (UpdateAssumeRolePolicy): a new trust is a new role.
      { ...child, replaceOnChanges: ["assumeRolePolicy"] },
    );
    new aws.iam.RolePolicy(
      `${name}-flow-logs`,
      {
        role: role.id,
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
              Resource: [group.arn, pulumi.interpolate`${group.arn}:*`],
            },
          ],
        }),
      },
      child,
    );
    new aws.ec2.FlowLog(
      `${name}-flow-log`,
      {
        vpcId: vpc.id,
        trafficType: "ALL",
        logDestinationType: "cloud-watch-logs",
        logDestination: group.arn,
        iamRoleArn: role.arn,
        maxAggregationInterval: 600,
        tags: tags("flow-log"),
      },
      child,
    );
  }
}

function toSgArgs(r: SgRule): aws.types.input.ec2.SecurityGroupIngress {
  return {
    description: r.description,
    protocol: r.protocol,
    fromPort: r.fromPort,
    toPort: r.toPort,
    ...(r.cidrBlocks ? { cidrBlocks: r.cidrBlocks } : {}),
    ...(r.ipv6CidrBlocks ? { ipv6CidrBlocks: r.ipv6CidrBlocks } : {}),
  };
}

/** Amazon Linux 2023 as a NAT: forward and masquerade, nothing else listening. */
const NAT_USER_DATA = `#cloud-config
packages: [iptables-services]
write_files:
  - path: /etc/sysctl.d/90-nat.conf
    content: "net.ipv4.ip_forward = 1\\n"
runcmd:
  - [sysctl, --system]
  - [sh, -c, "iptables -t nat -A POSTROUTING -o $(ip route show default | awk '{print $5}') -j MASQUERADE && iptables -F FORWARD && service iptables save"]
  - [systemctl, enable, --now, iptables]
  - [systemctl, disable, --now, sshd]
`;
