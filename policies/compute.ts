// The EC2 gateway host: no public IP, IMDSv2, encrypted disks, no SSH key, no secrets in user data.
import { validateResourceOfType } from "@pulumi/policy";
import { Instance } from "@pulumi/aws/ec2/instance";
import { LaunchTemplate } from "@pulumi/aws/ec2/launchTemplate";
import { KeyPair } from "@pulumi/aws/ec2/keyPair";
import { Volume } from "@pulumi/aws/ebs/volume";
import { artifactsOf, SSM_DOCUMENT, USER_DATA_TYPES, userDataText } from "./lib/artifacts";
import { configSchema, type PackPolicy } from "./lib/types";
import { asArray, findSecrets } from "./lib/util";

const truthy = (v: unknown) => v === true || /^(true|yes|1)$/i.test(String(v ?? ""));

/** Every way a resource hands a host a public address, by type; empty when it does not. */
export function publicAddressGrants(type: string, p: Record<string, any>): string[] {
  const out: string[] = [];
  if (
    [
      "aws:ec2/instance:Instance",
      "aws:ec2/spotInstanceRequest:SpotInstanceRequest",
      "aws:ec2/launchConfiguration:LaunchConfiguration",
    ].includes(type) &&
    truthy(p.associatePublicIpAddress)
  )
    out.push("associatePublicIpAddress is true");
  if (type === "aws:ec2/launchTemplate:LaunchTemplate")
    asArray<any>(p.networkInterfaces).forEach((n, i) => {
      if (truthy(n?.associatePublicIpAddress)) out.push(`networkInterfaces[${i}].associatePublicIpAddress is true`);
      if (asArray(n?.ipv6Addresses).length > 0 || Number(n?.ipv6AddressCount) > 0)
        out.push(`networkInterfaces[${i}] gets a global IPv6 address`);
    });
  if (type === "aws:ec2/instance:Instance" && (Number(p.ipv6AddressCount) > 0 || asArray(p.ipv6Addresses).length > 0))
    out.push("the instance gets a global IPv6 address");
  if (type === "aws:ec2/eip:Eip" && (p.instance || p.networkInterface))
    out.push("an Elastic IP is attached to an instance or interface");
  if (type === "aws:ec2/eipAssociation:EipAssociation")
    out.push("an Elastic IP association gives a host a public address");
  if (
    type === "aws:ec2/networkInterface:NetworkInterface" &&
    (Number(p.ipv6AddressCount) > 0 || asArray(p.ipv6Addresses).length > 0)
  )
    out.push("a network interface gets a global IPv6 address");
  return out;
}

export const ec2InstanceNoPublicIp: PackPolicy = {
  name: "ec2-instance-no-public-ip",
  description:
    "Prohibits a public address for the gateway host (instance, launch template, spot request, launch configuration, Elastic IP, IPv6) unless the pack config says the ingress mode needs one.",
  enforcementLevel: "mandatory",
  controls: ["net/public-ip"],
  configSchema: configSchema({ allowPublicIp: { type: "boolean" } }),
  validateResource: (args, report) => {
    if (args.getConfig<any>().allowPublicIp === true) return;
    for (const g of publicAddressGrants(args.type, args.props))
      report(
        `${g}. Reach the host through Tailscale or SSM instead, or set allowPublicIp with a reason in the pack config when the public TLS ingress mode needs it.`,
      );
  },
};

function checkMetadata(m: any, report: (s: string) => void) {
  if (m?.httpEndpoint === "disabled") return;
  if (m?.httpTokens !== "required") {
    report(
      `metadataOptions.httpTokens is ${JSON.stringify(m?.httpTokens)}: IMDSv1 lets any SSRF read the instance role's credentials. Set metadataOptions.httpTokens to "required".`,
    );
  }
  if (Number(m?.httpPutResponseHopLimit) !== 1) {
    report(
      `metadataOptions.httpPutResponseHopLimit is ${JSON.stringify(m?.httpPutResponseHopLimit)}: containers on the host could reach IMDS. Set it to 1.`,
    );
  }
}

export const ec2Imdsv2Required: PackPolicy = {
  name: "ec2-imdsv2-required",
  description: "Requires IMDSv2 (httpTokens required) with a hop limit of 1 on instances and launch templates.",
  enforcementLevel: "mandatory",
  controls: ["net/imdsv2"],
  configSchema: configSchema(),
  validateResource: [
    validateResourceOfType(Instance, (i, _a, report) => checkMetadata(i.metadataOptions, report)),
    validateResourceOfType(LaunchTemplate, (t, _a, report) => checkMetadata(t.metadataOptions, report)),
  ],
};

export const ec2VolumesEncrypted: PackPolicy = {
  name: "ec2-volumes-encrypted",
  description: "Requires the root volume, every attached EBS block device and every EBS volume to be encrypted.",
  enforcementLevel: "mandatory",
  controls: ["net/volumes-encrypted"],
  configSchema: configSchema(),
  validateResource: [
    validateResourceOfType(Instance, (i, _a, report) => {
      if ((i.rootBlockDevice as any)?.encrypted !== true) {
        report(
          "rootBlockDevice.encrypted is not true: the root volume holds the gateway state and credentials. Set rootBlockDevice: { encrypted: true, kmsKeyId: <key> }.",
        );
      }
      asArray<any>(i.ebsBlockDevices).forEach((d, n) => {
        if (d?.encrypted !== true)
          report(`ebsBlockDevices[${n}] (${d?.deviceName ?? "?"}) is not encrypted. Set encrypted: true.`);
      });
    }),
    validateResourceOfType(LaunchTemplate, (t, _a, report) => {
      asArray<any>(t.blockDeviceMappings).forEach((m, n) => {
        if (m?.ebs && String(m.ebs.encrypted) !== "true")
          report(`blockDeviceMappings[${n}].ebs.encrypted is not "true". Set it to "true".`);
      });
    }),
    validateResourceOfType(Volume, (v, _a, report) => {
      if (v.encrypted !== true)
        report("The EBS volume is not encrypted. Set encrypted: true (and kmsKeyId to the stack's key).");
    }),
  ],
};

/** Whole user data plus decoded write_files, because b64 encoding would hide a key from a plain regex. */
function userDataSecrets(type: string, props: Record<string, any>): string[] {
  const text = userDataText(type, props);
  if (text === undefined) return [];
  const found = new Set(findSecrets(text));
  for (const a of artifactsOf(type, props)) for (const s of findSecrets(a.content)) found.add(`${s} in ${a.path}`);
  return [...found];
}

/**
 * A Command document run on the host (a release delivered in place) is readable by anyone with
 * ssm:GetDocument: judged like user data, on its decoded files and on its commands. Base64 literals in the
 * commands are the files themselves, judged decoded, so they are left out of the command text.
 */
function documentSecrets(props: Record<string, any>): string[] {
  if (typeof props.content !== "string") return [];
  const found = new Set<string>();
  for (const a of artifactsOf(SSM_DOCUMENT, props)) {
    const text = a.kind === "script" ? a.content.replace(/'[A-Za-z0-9+/=]{16,}'/g, "''") : a.content;
    for (const s of findSecrets(text)) found.add(`${s} in ${a.path}`);
  }
  return [...found];
}

const reportUserData = (type: string) => (props: any, _a: unknown, report: (m: string) => void) => {
  const found = userDataSecrets(type, props);
  if (found.length > 0) {
    report(
      `User data contains ${found.join(", ")}. User data is readable by anyone with ec2:DescribeInstanceAttribute and from IMDS: fetch secrets at boot from Secrets Manager/SSM instead.`,
    );
  }
};

export const ec2UserDataNoSecrets: PackPolicy = {
  name: "ec2-user-data-no-secrets",
  description:
    "Prohibits API keys, auth keys, private keys and literal gateway tokens in instance user data and in the Command documents run on the host.",
  enforcementLevel: "mandatory",
  controls: ["net/user-data-secrets"],
  configSchema: configSchema(),
  validateResource: [
    (args, report) => {
      if (USER_DATA_TYPES.includes(args.type)) reportUserData(args.type)(args.props, args, report);
      if (args.type === SSM_DOCUMENT) {
        const found = documentSecrets(args.props);
        if (found.length > 0)
          report(
            `The Command document contains ${found.join(", ")}. Documents are readable by anyone with ssm:GetDocument: fetch secrets on the host from Secrets Manager instead.`,
          );
      }
    },
  ],
};

export const ec2NoSshKeyPair: PackPolicy = {
  name: "ec2-no-ssh-key-pair",
  description: "Prohibits SSH key pairs on instances; administer the host through SSM or the tailnet.",
  enforcementLevel: "mandatory",
  controls: ["net/no-ssh"],
  configSchema: configSchema(),
  validateResource: [
    validateResourceOfType(Instance, (i, _a, report) => {
      if (typeof i.keyName === "string" && i.keyName !== "")
        report(`keyName is "${i.keyName}". Remove it and use SSM Session Manager or Tailscale SSH for admin access.`);
    }),
    validateResourceOfType(LaunchTemplate, (t, _a, report) => {
      if (typeof t.keyName === "string" && t.keyName !== "")
        report(`keyName is "${t.keyName}". Remove it and use SSM Session Manager or Tailscale SSH.`);
    }),
    validateResourceOfType(KeyPair, (_k, _a, report) =>
      report("An EC2 key pair is created. Remove it and use SSM Session Manager or Tailscale SSH."),
    ),
  ],
};

export const ec2DetailedMonitoring: PackPolicy = {
  name: "ec2-detailed-monitoring",
  description:
    "Recommends detailed monitoring and automatic recovery on status-check failure for the gateway instance.",
  enforcementLevel: "advisory",
  controls: ["net/monitoring"],
  configSchema: configSchema(),
  validateResource: validateResourceOfType(Instance, (i, _a, report) => {
    if (i.monitoring !== true) report("monitoring is not true. Set monitoring: true for 1-minute metrics.");
    if ((i.maintenanceOptions as any)?.autoRecovery === "disabled")
      report('maintenanceOptions.autoRecovery is "disabled". Leave it "default" so a failed host is recovered.');
  }),
};

export const computePolicies: PackPolicy[] = [
  ec2InstanceNoPublicIp,
  ec2Imdsv2Required,
  ec2VolumesEncrypted,
  ec2UserDataNoSecrets,
  ec2NoSshKeyPair,
  ec2DetailedMonitoring,
];
