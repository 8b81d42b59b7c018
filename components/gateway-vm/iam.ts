/**
 * The instance role's own statements (what the host needs beyond its add-ons). Pure, so
 * test/vm/instance-iam.test.ts simulates the exact document the role carries.
 */

export interface IamStatement {
  Sid: string;
  Effect: "Allow";
  Action: string[];
  Resource: string;
}

/**
 * Session Manager (admin shell, replaces SSH) and Run Command delivery (the token rotation's reload
 * document) and nothing else. AmazonSSMManagedInstanceCore would add `ssm:GetParameter(s)` on `*`, i.e.
 * every SecureString of the region, plus inventory, patching and association APIs the host never uses.
 * These actions have no resource-level scoping in IAM except UpdateInstanceInformation, which the agent
 * calls for its own instance only.
 */
export function sessionManagerStatements(): IamStatement[] {
  return [
    {
      Sid: "SsmAgentRegistration",
      Effect: "Allow",
      Action: ["ssm:UpdateInstanceInformation"],
      Resource: "*",
    },
    {
      Sid: "SessionManagerChannels",
      Effect: "Allow",
      Action: [
        "ssmmessages:CreateControlChannel",
        "ssmmessages:CreateDataChannel",
        "ssmmessages:OpenControlChannel",
        "ssmmessages:OpenDataChannel",
      ],
      Resource: "*",
    },
    {
      Sid: "RunCommandDelivery",
      Effect: "Allow",
      Action: [
        "ec2messages:AcknowledgeMessage",
        "ec2messages:DeleteMessage",
        "ec2messages:FailMessage",
        "ec2messages:GetEndpoint",
        "ec2messages:GetMessages",
        "ec2messages:SendReply",
      ],
      Resource: "*",
    },
  ];
}

export interface ReleaseIamInput {
  partition: string;
  region: string;
  accountId: string;
  /** The stack's release document (releaseDocumentName). */
  documentName: string;
  /** The state volume's id: the only volume the host may snapshot. */
  stateVolumeId: string;
  stack: string;
  /** Tag key that ties a resource to its stack. */
  stackTagKey: string;
}

/** The tag pair every pre-upgrade snapshot carries; the role may create snapshots only with it. */
export const PRE_UPGRADE_SNAPSHOT_TAG = { key: "openclaw:purpose", value: "pre-upgrade" } as const;

export interface ScopedStatement {
  Sid: string;
  Effect: "Allow";
  Action: string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

/**
 * What the host's release path needs: read its own release document at boot, and snapshot its own state
 * volume before an upgrade, the snapshot tagged with the stack and the pre-upgrade purpose (CreateSnapshot is
 * authorised on the volume and on the new snapshot separately; tags at creation need CreateTags for that one
 * call). No Describe, no delete: pruning old snapshots is the operator's (docs/upgrade.md).
 */
export function releaseInstanceStatements(i: ReleaseIamInput): ScopedStatement[] {
  const ec2 = `arn:${i.partition}:ec2:${i.region}`;
  return [
    {
      Sid: "ReadOwnReleaseDocument",
      Effect: "Allow",
      Action: ["ssm:GetDocument", "ssm:DescribeDocument"],
      Resource: `arn:${i.partition}:ssm:${i.region}:${i.accountId}:document/${i.documentName}`,
    },
    {
      // What the SSM agent calls to run a State Manager association on its own instance (the release
      // association), scoped by the instance's tags as token delivery is.
      Sid: "StateManagerOnOwnInstance",
      Effect: "Allow",
      Action: [
        "ssm:ListInstanceAssociations",
        "ssm:DescribeAssociation",
        "ssm:UpdateInstanceAssociationStatus",
        "ssm:PutComplianceItems",
      ],
      Resource: `arn:${i.partition}:ec2:${i.region}:${i.accountId}:instance/*`,
      Condition: { StringEquals: { [`ssm:resourceTag/${i.stackTagKey}`]: i.stack } },
    },
    {
      // Association ids are AWS's: the association ARN cannot carry the stack; what it runs is this document.
      Sid: "StateManagerOwnAssociation",
      Effect: "Allow",
      Action: ["ssm:DescribeAssociation"],
      Resource: [
        `arn:${i.partition}:ssm:${i.region}:${i.accountId}:document/${i.documentName}`,
        `arn:${i.partition}:ssm:${i.region}:${i.accountId}:association/*`,
      ],
    },
    {
      Sid: "SnapshotOwnStateVolume",
      Effect: "Allow",
      Action: ["ec2:CreateSnapshot"],
      Resource: `${ec2}:${i.accountId}:volume/${i.stateVolumeId}`,
    },
    {
      Sid: "CreatePreUpgradeSnapshots",
      Effect: "Allow",
      Action: ["ec2:CreateSnapshot"],
      // Snapshot ARNs carry no account id.
      Resource: `${ec2}::snapshot/*`,
      Condition: {
        StringEquals: {
          [`aws:RequestTag/${i.stackTagKey}`]: i.stack,
          [`aws:RequestTag/${PRE_UPGRADE_SNAPSHOT_TAG.key}`]: PRE_UPGRADE_SNAPSHOT_TAG.value,
        },
      },
    },
    {
      Sid: "TagSnapshotsAtCreation",
      Effect: "Allow",
      Action: ["ec2:CreateTags"],
      Resource: `${ec2}::snapshot/*`,
      Condition: { StringEquals: { "ec2:CreateAction": "CreateSnapshot" } },
    },
  ];
}
