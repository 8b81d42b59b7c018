// Security groups, subnets and VPCs: nothing admin-facing is reachable from the internet.
import { type PolicyResource, validateResourceOfType } from "@pulumi/policy";
import { SecurityGroup } from "@pulumi/aws/ec2/securityGroup";
import { SecurityGroupRule } from "@pulumi/aws/ec2/securityGroupRule";
import { Subnet } from "@pulumi/aws/ec2/subnet";
import { SecurityGroupEgressRule } from "@pulumi/aws/vpc/securityGroupEgressRule";
import { ADMIN_PORTS, exposedAdminPorts, isAnyCidr, portRange, reachesInternet } from "./lib/net";
import { configSchema, type PackPolicy } from "./lib/types";
import { asArray } from "./lib/util";
import { isLinked, knownIds, linkedSettings } from "./lib/link";

/** One ingress or egress permission, whatever resource shape it was written in. */
export interface Permission {
  where: string;
  cidrs: string[];
  /** Managed prefix lists the rule admits; resolved against the stack, unknown ones count as the internet. */
  prefixLists?: string[];
  protocol: unknown;
  fromPort: unknown;
  toPort: unknown;
  description?: string;
}

function inlinePermissions(list: unknown, kind: string): Permission[] {
  return asArray<any>(list).map((r, i) => ({
    where: `${kind}[${i}]`,
    cidrs: [...asArray<string>(r?.cidrBlocks), ...asArray<string>(r?.ipv6CidrBlocks)],
    prefixLists: asArray<string>(r?.prefixListIds).map(String),
    protocol: r?.protocol,
    fromPort: r?.fromPort,
    toPort: r?.toPort,
    description: r?.description,
  }));
}

function ruleResourcePermission(r: any): Permission {
  return {
    where: "rule",
    cidrs: [...asArray<string>(r.cidrBlocks), ...asArray<string>(r.ipv6CidrBlocks)],
    prefixLists: asArray<string>(r.prefixListIds).map(String),
    protocol: r.protocol,
    fromPort: r.fromPort,
    toPort: r.toPort,
    description: r.description,
  };
}

function vpcRulePermission(r: any): Permission {
  return {
    where: "rule",
    cidrs: [r.cidrIpv4, r.cidrIpv6].filter((c) => typeof c === "string"),
    prefixLists: typeof r.prefixListId === "string" ? [r.prefixListId] : [],
    protocol: r.ipProtocol,
    fromPort: r.fromPort,
    toPort: r.toPort,
    description: r.description,
  };
}

const SG_TYPE = "aws:ec2/securityGroup:SecurityGroup";
const DEFAULT_SG_TYPE = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup";
const SG_RULE_TYPE = "aws:ec2/securityGroupRule:SecurityGroupRule";
const VPC_INGRESS_TYPE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const PREFIX_LIST = "aws:ec2/managedPrefixList:ManagedPrefixList";
const PREFIX_LIST_ENTRY = "aws:ec2/managedPrefixListEntry:ManagedPrefixListEntry";

/** The CIDRs of every prefix list the stack defines, keyed by every name it may be referred to by. */
function prefixListEntries(resources: PolicyResource[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const l of resources.filter((r) => r.type === PREFIX_LIST)) {
    const cidrs = asArray<any>(l.props.entries).map((e) => String(e?.cidr));
    for (const e of resources.filter((r) => r.type === PREFIX_LIST_ENTRY && isLinked(r, "prefixListId", l)))
      cidrs.push(String(e.props.cidr));
    for (const k of [l.props.id, l.props.arn, l.props.name, l.urn, knownIds.get(l)].filter(
      (x) => typeof x === "string",
    ))
      out.set(k as string, cidrs);
  }
  return out;
}

/** Pure decision used by the policy and the property tests: which admin ports a permission opens to the world. */
export function publicAdminExposure(
  p: Permission,
  adminPorts: number[] = ADMIN_PORTS,
  prefixLists: Map<string, string[]> = new Map(),
): { cidr: string; ports: number[] } | undefined {
  const resolved = [...p.cidrs];
  let unknownList: string | undefined;
  for (const id of p.prefixLists ?? []) {
    const entries = prefixLists.get(id);
    if (entries) resolved.push(...entries);
    else unknownList = id;
  }
  const world = unknownList
    ? `prefix list ${unknownList} (not defined in the stack, so treated as the internet)`
    : reachesInternet(resolved)
      ? resolved.length === 1
        ? resolved[0]
        : `${resolved.join(" + ")} (together a public range)`
      : undefined;
  if (!world) return undefined;
  const ports = exposedAdminPorts(portRange(p.protocol, p.fromPort, p.toPort), adminPorts);
  return ports.length > 0 ? { cidr: world, ports } : undefined;
}

function reportIngress(
  perms: Permission[],
  extra: unknown,
  report: (m: string) => void,
  prefixLists: Map<string, string[]> = new Map(),
) {
  const ports = [...ADMIN_PORTS, ...asArray<number>(extra).map(Number)];
  for (const p of perms) {
    const hit = publicAdminExposure(p, ports, prefixLists);
    if (hit) {
      report(
        `${p.where} allows ${hit.cidr} to reach admin port(s) ${hit.ports.join(", ")} (range ${JSON.stringify([p.fromPort, p.toPort])}, protocol ${String(p.protocol)}). ` +
          `Restrict the source to a private CIDR or the tailnet, and reach the gateway through Tailscale/SSM or the TLS proxy instead.`,
      );
    }
  }
}

/** Every ingress permission one resource declares, whatever its type. */
function ingressOf(type: string, p: Record<string, any>): Permission[] {
  if (type === SG_TYPE || type === DEFAULT_SG_TYPE) return inlinePermissions(p.ingress, "ingress");
  if (type === SG_RULE_TYPE && p.type === "ingress") return [ruleResourcePermission(p)];
  if (type === VPC_INGRESS_TYPE) return [vpcRulePermission(p)];
  return [];
}
const withoutLists = (ps: Permission[]) => ps.map((p) => ({ ...p, prefixLists: [] }));

export const securityGroupNoPublicAdminIngress: PackPolicy = {
  name: "security-group-no-public-admin-ingress",
  description:
    "Prohibits ingress from any large share of the public IPv4 or IPv6 space to the gateway port 18789, SSH 22, RDP 3389 or any other admin port.",
  enforcementLevel: "mandatory",
  controls: ["net/public-admin-ingress", "net/no-ssh"],
  configSchema: configSchema({ extraAdminPorts: { type: "array", items: { type: "integer" } } }),
  // Per resource (so a finding, or a value unknown at preview, lands on the rule that causes it); prefix
  // lists need the rest of the stack and are judged by security-group-prefix-list-ingress.
  validateResource: (args, report) =>
    reportIngress(withoutLists(ingressOf(args.type, args.props)), args.getConfig<any>().extraAdminPorts, report),
};

export const securityGroupPrefixListIngress: PackPolicy = {
  name: "security-group-prefix-list-ingress",
  description:
    "Prohibits ingress from a managed prefix list to the gateway or an admin port when the list's entries reach the internet or are not defined in the stack.",
  enforcementLevel: "mandatory",
  controls: ["net/public-admin-ingress"],
  configSchema: configSchema({ extraAdminPorts: { type: "array", items: { type: "integer" } } }),
  validateStack: (args, report) => {
    const extra = args.getConfig<any>().extraAdminPorts;
    const lists = prefixListEntries(args.resources);
    for (const r of args.resources) {
      const listed = ingressOf(r.type, r.props)
        .filter((p) => (p.prefixLists ?? []).length > 0)
        .map((p) => ({ ...p, cidrs: [] }));
      reportIngress(listed, extra, (m) => report(m, r.urn), lists);
    }
  },
};

function reportEgress(perms: Permission[], report: (m: string) => void) {
  for (const p of perms) {
    const world = p.cidrs.find(isAnyCidr);
    const [from, to] = portRange(p.protocol, p.fromPort, p.toPort);
    if (world && to - from > 0 && !(p.description && p.description.trim().length > 0)) {
      report(
        `${p.where} allows egress to ${world} on ports ${from}-${to} with no justification. ` +
          `Limit egress to 443/53/123 (model providers, DNS, NTP) or write why in the rule's description.`,
      );
    }
  }
}

export const securityGroupEgressRestricted: PackPolicy = {
  name: "security-group-egress-restricted",
  description: "Flags unrestricted egress to the internet on a port range unless the rule's description justifies it.",
  enforcementLevel: "advisory",
  controls: ["net/egress"],
  configSchema: configSchema(),
  validateResource: [
    validateResourceOfType(SecurityGroup, (sg, _a, report) =>
      reportEgress(inlinePermissions(sg.egress, "egress"), report),
    ),
    validateResourceOfType(SecurityGroupRule, (r, _a, report) => {
      if (r.type === "egress") reportEgress([ruleResourcePermission(r)], report);
    }),
    validateResourceOfType(SecurityGroupEgressRule, (r, _a, report) => reportEgress([vpcRulePermission(r)], report)),
  ],
};

export const subnetNoAutoPublicIp: PackPolicy = {
  name: "subnet-no-auto-public-ip",
  description: "Prohibits subnets that auto-assign public IPs to instances unless the pack config justifies it.",
  enforcementLevel: "mandatory",
  controls: ["net/public-ip"],
  configSchema: configSchema({ allowPublicIp: { type: "boolean" } }),
  validateResource: validateResourceOfType(Subnet, (s, args, report) => {
    if (s.mapPublicIpOnLaunch === true && args.getConfig<any>().allowPublicIp !== true) {
      report(
        "mapPublicIpOnLaunch is true, so every instance in this subnet gets a public IP. Set it to false, or set allowPublicIp with a reason in the pack config when the ingress mode needs it.",
      );
    }
  }),
};

const VPC = "aws:ec2/vpc:Vpc";
const FLOW_LOG = "aws:ec2/flowLog:FlowLog";

export const vpcFlowLogsEnabled: PackPolicy = {
  name: "vpc-flow-logs-enabled",
  description: "Requires every VPC to have a flow log so traffic to the gateway host can be investigated.",
  enforcementLevel: "advisory",
  controls: ["net/flow-logs"],
  configSchema: configSchema(),
  validateStack: (args, report) => {
    for (const vpc of args.resources.filter((r) => r.type === VPC)) {
      if (linkedSettings(args.resources, vpc, [FLOW_LOG], "vpcId").length === 0) {
        report(
          `VPC ${vpc.name} has no aws.ec2.FlowLog. Add one with vpcId set to this VPC (trafficType ALL, to CloudWatch Logs or S3).`,
          vpc.urn,
        );
      }
    }
  },
};

export const networkPolicies: PackPolicy[] = [
  securityGroupNoPublicAdminIngress,
  securityGroupPrefixListIngress,
  securityGroupEgressRestricted,
  subnetNoAutoPublicIp,
  vpcFlowLogsEnabled,
];
