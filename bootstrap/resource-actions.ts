/**
 * Which IAM actions `pulumi up` / `pulumi preview --refresh` of this program needs, per Pulumi resource
 * type token. The deploy-role policy is generated from this table and the plan's resource types, so a new
 * resource type in the program fails `test/pipelines/deploy-role.test.ts` until someone decides here what
 * it may do.
 *
 * How each grant is scoped (most to least specific):
 * - `name`: ARN patterns built from the stack's name prefix (S3, IAM, Lambda, Secrets Manager, logs, SNS,
 *   budgets): Pulumi auto-names physical resources `<logical name>-<random>`, and every logical name in
 *   this program starts with the stack's prefix.
 * - `createTagged`: creation APIs whose ARN holds an id AWS invents (EC2, KMS keys); allowed only when the
 *   request carries the stack tag (`aws:RequestTag`).
 * - `tagged`: later changes and deletes of those resources; allowed only on resources that carry the
 *   stack tag (`aws:ResourceTag`).
 * - `untagged`: only for resources AWS creates on its own, untagged, that the stack then adopts (the
 *   VPC's default security group); limited to stripping rules and claiming it with the tag.
 * - `any`: Describe/List calls AWS only authorises on `*` (`isWildcardOnly` in the service reference).
 *   Read-only, never `*` on `*`.
 */

export type Scope = "name" | "createTagged" | "tagged" | "untagged" | "any";

/** What the ARN patterns of a `name` grant are built from. */
export interface ArnContext {
  partition: string;
  region: string;
  accountId: string;
  /** Dash-delimited names of the stack start with this, e.g. `openclaw-prod-`. */
  prefix: string;
  /** Path-shaped names (secrets, log groups) start with this, e.g. `openclaw/prod/`. */
  pathPrefix: string;
}

export interface Grant {
  scope: Scope;
  actions: string[];
  /** Only for `name` grants: the ARN patterns the actions are allowed on. */
  arns?: (c: ArnContext) => string[];
  /**
   * `read` grants go to the preview/drift roles as well; `write` only to the deploy role. `secretRead`
   * (reading secret values back) goes to deploy and drift, never to the role a pull request can assume.
   */
  access: "read" | "write" | "secretRead";
}

export interface ResourceActions {
  grants: Grant[];
  /** Services this type hands an IAM role to (`iam:PassRole` is limited to these). */
  passRoleTo?: string[];
}

const ec2Arns = (c: ArnContext) => [
  `arn:${c.partition}:ec2:${c.region}:${c.accountId}:*`,
  // AMIs are owned by another account (Canonical/Amazon), so their ARNs have no account id.
  `arn:${c.partition}:ec2:${c.region}::image/*`,
];
const bucketArns = (c: ArnContext) => [`arn:${c.partition}:s3:::${c.prefix}*`];
const roleArns = (c: ArnContext) => [`arn:${c.partition}:iam::${c.accountId}:role/${c.prefix}*`];
const secretArns = (c: ArnContext) => [
  `arn:${c.partition}:secretsmanager:${c.region}:${c.accountId}:secret:${c.prefix}*`,
  // The gateway token is `openclaw/<stack>/gateway-token`: the path form of the same prefix.
  `arn:${c.partition}:secretsmanager:${c.region}:${c.accountId}:secret:${c.pathPrefix}*`,
];
const functionArns = (c: ArnContext) => [`arn:${c.partition}:lambda:${c.region}:${c.accountId}:function:${c.prefix}*`];

/**
 * An EC2 resource: created with the stack tag, changed only while it carries it. `list` are the
 * Describe calls AWS only authorises on `*`; `readTagged` the reads it authorises per resource.
 */
function ec2(create: string[], change: string[], list: string[], readTagged: string[] = []): Grant[] {
  return [
    { scope: "createTagged", access: "write", actions: create, arns: ec2Arns },
    { scope: "tagged", access: "write", actions: change, arns: ec2Arns },
    { scope: "any", access: "read", actions: list },
    { scope: "tagged", access: "read", actions: readTagged, arns: ec2Arns },
  ];
}

/** Granted once whenever any resource type is present: the provider's own start-up calls. */
export const PROVIDER_BASE: Grant[] = [
  // The AWS provider validates its credentials with GetCallerIdentity on every run.
  {
    scope: "any",
    access: "read",
    actions: ["sts:GetCallerIdentity", "ec2:DescribeAvailabilityZones", "ec2:DescribeImages"],
  },
  {
    // `aws.ssm.getParameter` on the public AMI aliases (`/aws/service/...`): AWS-owned, no account id.
    scope: "name",
    access: "read",
    actions: ["ssm:GetParameter", "ssm:GetParameters"],
    // The owner segment of a public parameter's ARN is documented both empty and as the caller's
    // account depending on the API; both forms name only `/aws/service/*`, which AWS owns.
    arns: (c) => [
      `arn:${c.partition}:ssm:${c.region}::parameter/aws/service/*`,
      `arn:${c.partition}:ssm:${c.region}:${c.accountId}:parameter/aws/service/*`,
    ],
  },
];

/** Granted whenever any `aws:ec2/*` or `aws:vpc/*` type is present: tagging at creation and later. */
export const EC2_TAGGING: Grant[] = [
  { scope: "tagged", access: "write", actions: ["ec2:CreateTags", "ec2:DeleteTags"], arns: ec2Arns },
  { scope: "any", access: "read", actions: ["ec2:DescribeTags"] },
];

/** The table. Keys are exact type tokens or `aws:<module>/*` for a module whose types share one set. */
export const RESOURCE_ACTIONS: Record<string, ResourceActions> = {
  "aws:ec2/vpc:Vpc": {
    grants: ec2(
      ["ec2:CreateVpc"],
      ["ec2:ModifyVpcAttribute", "ec2:DeleteVpc"],
      ["ec2:DescribeVpcs"],
      ["ec2:DescribeVpcAttribute"],
    ),
  },
  "aws:ec2/subnet:Subnet": {
    grants: ec2(["ec2:CreateSubnet"], ["ec2:ModifySubnetAttribute", "ec2:DeleteSubnet"], ["ec2:DescribeSubnets"]),
  },
  "aws:ec2/internetGateway:InternetGateway": {
    grants: ec2(
      ["ec2:CreateInternetGateway"],
      ["ec2:AttachInternetGateway", "ec2:DetachInternetGateway", "ec2:DeleteInternetGateway"],
      ["ec2:DescribeInternetGateways"],
    ),
  },
  "aws:ec2/routeTable:RouteTable": {
    grants: ec2(
      ["ec2:CreateRouteTable"],
      ["ec2:CreateRoute", "ec2:ReplaceRoute", "ec2:DeleteRoute", "ec2:DeleteRouteTable"],
      ["ec2:DescribeRouteTables"],
    ),
  },
  "aws:ec2/routeTableAssociation:RouteTableAssociation": {
    grants: ec2([], ["ec2:AssociateRouteTable", "ec2:DisassociateRouteTable"], ["ec2:DescribeRouteTables"]),
  },
  "aws:ec2/securityGroup:SecurityGroup": {
    grants: ec2(
      ["ec2:CreateSecurityGroup"],
      [
        "ec2:AuthorizeSecurityGroupIngress",
        "ec2:AuthorizeSecurityGroupEgress",
        "ec2:RevokeSecurityGroupIngress",
        "ec2:RevokeSecurityGroupEgress",
        "ec2:DeleteSecurityGroup",
      ],
      ["ec2:DescribeSecurityGroups", "ec2:DescribeSecurityGroupRules"],
    ),
  },
  // Rules and endpoints live in the `vpc` module in @pulumi/aws 7; same EC2 APIs, same tag scoping.
  "aws:vpc/*": {
    grants: ec2(
      ["ec2:AuthorizeSecurityGroupIngress", "ec2:AuthorizeSecurityGroupEgress"],
      ["ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress", "ec2:ModifySecurityGroupRules"],
      ["ec2:DescribeSecurityGroupRules"],
    ),
  },
  // AWS creates the default group with the VPC, untagged; Pulumi adopts it, revokes its rules and tags it.
  "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": {
    grants: [
      ...ec2(
        [],
        [
          "ec2:AuthorizeSecurityGroupIngress",
          "ec2:AuthorizeSecurityGroupEgress",
          "ec2:RevokeSecurityGroupIngress",
          "ec2:RevokeSecurityGroupEgress",
        ],
        ["ec2:DescribeSecurityGroups", "ec2:DescribeSecurityGroupRules"],
      ),
      {
        scope: "untagged",
        access: "write",
        actions: ["ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress", "ec2:CreateTags"],
        arns: (c) => [`arn:${c.partition}:ec2:${c.region}:${c.accountId}:security-group/*`],
      },
    ],
  },
  "aws:ec2/eip:Eip": {
    grants: ec2(
      ["ec2:AllocateAddress"],
      ["ec2:ReleaseAddress", "ec2:AssociateAddress", "ec2:DisassociateAddress"],
      ["ec2:DescribeAddresses", "ec2:DescribeAddressesAttribute"],
    ),
  },
  "aws:ec2/natGateway:NatGateway": {
    grants: ec2(["ec2:CreateNatGateway"], ["ec2:DeleteNatGateway"], ["ec2:DescribeNatGateways"]),
  },
  "aws:ebs/volume:Volume": {
    grants: ec2(
      ["ec2:CreateVolume"],
      ["ec2:DeleteVolume", "ec2:ModifyVolume"],
      ["ec2:DescribeVolumes", "ec2:DescribeVolumesModifications"],
      ["ec2:DescribeVolumeAttribute"],
    ),
  },
  "aws:ec2/volumeAttachment:VolumeAttachment": {
    grants: ec2([], ["ec2:AttachVolume", "ec2:DetachVolume"], ["ec2:DescribeVolumes", "ec2:DescribeInstances"]),
  },
  "aws:ec2/vpcEndpoint:VpcEndpoint": {
    grants: ec2(
      ["ec2:CreateVpcEndpoint"],
      ["ec2:ModifyVpcEndpoint", "ec2:DeleteVpcEndpoints"],
      ["ec2:DescribeVpcEndpoints", "ec2:DescribeVpcEndpointServices", "ec2:DescribePrefixLists"],
    ),
  },
  "aws:ec2/flowLog:FlowLog": {
    grants: ec2(["ec2:CreateFlowLogs"], ["ec2:DeleteFlowLogs"], ["ec2:DescribeFlowLogs"]),
    passRoleTo: ["vpc-flow-logs.amazonaws.com"],
  },
  "aws:ec2/instance:Instance": {
    grants: ec2(
      ["ec2:RunInstances"],
      [
        "ec2:TerminateInstances",
        "ec2:StopInstances",
        "ec2:StartInstances",
        "ec2:ModifyInstanceAttribute",
        "ec2:ModifyInstanceMetadataOptions",
        "ec2:MonitorInstances",
        "ec2:UnmonitorInstances",
      ],
      [
        "ec2:DescribeInstances",
        "ec2:DescribeInstanceTypes",
        "ec2:DescribeInstanceCreditSpecifications",
        "ec2:DescribeVolumes",
        "ec2:DescribeNetworkInterfaces",
      ],
      ["ec2:DescribeInstanceAttribute"],
    ),
    passRoleTo: ["ec2.amazonaws.com"],
  },
  "aws:iam/role:Role": {
    grants: [
      {
        scope: "name",
        access: "write",
        actions: [
          // No UpdateAssumeRolePolicy: a trust rewrite would let the deployer name itself as the principal.
          // The program marks trust policies replaceOnChanges, so a new trust is a new role (with the boundary).
          "iam:CreateRole",
          "iam:PutRolePermissionsBoundary",
          "iam:UpdateRole",
          "iam:DeleteRole",
          "iam:TagRole",
          "iam:UntagRole",
        ],
        arns: roleArns,
      },
      {
        scope: "name",
        access: "read",
        actions: [
          "iam:GetRole",
          "iam:ListRolePolicies",
          "iam:ListAttachedRolePolicies",
          "iam:ListInstanceProfilesForRole",
        ],
        arns: roleArns,
      },
    ],
  },
  "aws:iam/rolePolicy:RolePolicy": {
    grants: [
      { scope: "name", access: "write", actions: ["iam:PutRolePolicy", "iam:DeleteRolePolicy"], arns: roleArns },
      { scope: "name", access: "read", actions: ["iam:GetRolePolicy"], arns: roleArns },
    ],
  },
  // AttachRolePolicy is additionally limited by `iam:PolicyARN` in deploy-role-policy.ts.
  "aws:iam/rolePolicyAttachment:RolePolicyAttachment": {
    grants: [
      { scope: "name", access: "write", actions: ["iam:AttachRolePolicy", "iam:DetachRolePolicy"], arns: roleArns },
      { scope: "name", access: "read", actions: ["iam:ListAttachedRolePolicies"], arns: roleArns },
    ],
  },
  "aws:iam/instanceProfile:InstanceProfile": {
    grants: [
      {
        scope: "name",
        access: "write",
        actions: [
          "iam:CreateInstanceProfile",
          "iam:DeleteInstanceProfile",
          "iam:AddRoleToInstanceProfile",
          "iam:RemoveRoleFromInstanceProfile",
          "iam:TagInstanceProfile",
        ],
        arns: (c) => [`arn:${c.partition}:iam::${c.accountId}:instance-profile/${c.prefix}*`],
      },
      {
        scope: "name",
        access: "read",
        actions: ["iam:GetInstanceProfile"],
        arns: (c) => [`arn:${c.partition}:iam::${c.accountId}:instance-profile/${c.prefix}*`],
      },
    ],
    passRoleTo: ["ec2.amazonaws.com"],
  },
  "aws:kms/key:Key": {
    grants: [
      // CreateKey has no resource ARN before the key exists: the request tag is the only handle.
      { scope: "createTagged", access: "write", actions: ["kms:CreateKey"] },
      {
        scope: "tagged",
        access: "write",
        actions: [
          "kms:EnableKeyRotation",
          "kms:PutKeyPolicy",
          "kms:TagResource",
          "kms:UntagResource",
          "kms:ScheduleKeyDeletion",
          "kms:UpdateKeyDescription",
        ],
        arns: (c) => [`arn:${c.partition}:kms:${c.region}:${c.accountId}:key/*`],
      },
      {
        scope: "tagged",
        access: "read",
        actions: ["kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListResourceTags"],
        arns: (c) => [`arn:${c.partition}:kms:${c.region}:${c.accountId}:key/*`],
      },
    ],
  },
  "aws:kms/alias:Alias": {
    grants: [
      {
        // An alias call authorises on the alias ARN (name-scoped) and on the target key (tag-scoped).
        scope: "name",
        access: "write",
        actions: ["kms:CreateAlias", "kms:UpdateAlias", "kms:DeleteAlias"],
        arns: (c) => [`arn:${c.partition}:kms:${c.region}:${c.accountId}:alias/${c.prefix}*`],
      },
      {
        scope: "tagged",
        access: "write",
        actions: ["kms:CreateAlias", "kms:UpdateAlias", "kms:DeleteAlias"],
        arns: (c) => [`arn:${c.partition}:kms:${c.region}:${c.accountId}:key/*`],
      },
      { scope: "any", access: "read", actions: ["kms:ListAliases"] },
    ],
  },
  "aws:s3/bucket:Bucket": {
    grants: [
      {
        scope: "name",
        access: "write",
        actions: ["s3:CreateBucket", "s3:DeleteBucket", "s3:PutBucketTagging"],
        arns: bucketArns,
      },
      {
        // What the provider's Read of a bucket calls, one Get per sub-configuration.
        scope: "name",
        access: "read",
        actions: [
          "s3:ListBucket",
          "s3:GetBucketLocation",
          "s3:GetBucketTagging",
          "s3:GetBucketAcl",
          "s3:GetBucketCORS",
          "s3:GetBucketWebsite",
          "s3:GetBucketVersioning",
          "s3:GetAccelerateConfiguration",
          "s3:GetBucketRequestPayment",
          "s3:GetBucketLogging",
          "s3:GetLifecycleConfiguration",
          "s3:GetReplicationConfiguration",
          "s3:GetEncryptionConfiguration",
          "s3:GetBucketObjectLockConfiguration",
          "s3:GetBucketPolicy",
          "s3:GetBucketOwnershipControls",
          "s3:GetBucketPublicAccessBlock",
        ],
        arns: bucketArns,
      },
    ],
  },
  // BucketVersioning, BucketPolicy, BucketPublicAccessBlock, SSE, lifecycle, logging, ownership controls.
  "aws:s3/*": {
    grants: [
      {
        scope: "name",
        access: "write",
        actions: [
          "s3:PutBucketVersioning",
          "s3:PutEncryptionConfiguration",
          "s3:PutLifecycleConfiguration",
          "s3:PutBucketPolicy",
          "s3:DeleteBucketPolicy",
          "s3:PutBucketPublicAccessBlock",
          "s3:PutBucketOwnershipControls",
          "s3:PutBucketLogging",
        ],
        arns: bucketArns,
      },
      {
        scope: "name",
        access: "read",
        actions: [
          "s3:GetBucketVersioning",
          "s3:GetEncryptionConfiguration",
          "s3:GetLifecycleConfiguration",
          "s3:GetBucketPolicy",
          "s3:GetBucketPublicAccessBlock",
          "s3:GetBucketOwnershipControls",
          "s3:GetBucketLogging",
        ],
        arns: bucketArns,
      },
    ],
  },
  "aws:secretsmanager/secret:Secret": {
    grants: [
      {
        scope: "name",
        access: "write",
        actions: [
          "secretsmanager:CreateSecret",
          "secretsmanager:UpdateSecret",
          "secretsmanager:DeleteSecret",
          "secretsmanager:TagResource",
          "secretsmanager:UntagResource",
          "secretsmanager:PutResourcePolicy",
          "secretsmanager:DeleteResourcePolicy",
        ],
        arns: secretArns,
      },
      {
        scope: "name",
        access: "read",
        actions: ["secretsmanager:DescribeSecret", "secretsmanager:GetResourcePolicy"],
        arns: secretArns,
      },
    ],
  },
  "aws:secretsmanager/secretVersion:SecretVersion": {
    grants: [
      {
        scope: "name",
        access: "write",
        actions: ["secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage"],
        arns: secretArns,
      },
      // Refreshing a SecretVersion reads the value back: only deploy and drift roles, never pull requests.
      { scope: "name", access: "secretRead", actions: ["secretsmanager:GetSecretValue"], arns: secretArns },
    ],
  },
  "aws:secretsmanager/secretRotation:SecretRotation": {
    grants: [
      {
        scope: "name",
        access: "write",
        actions: ["secretsmanager:RotateSecret", "secretsmanager:CancelRotateSecret"],
        arns: secretArns,
      },
      { scope: "name", access: "read", actions: ["secretsmanager:DescribeSecret"], arns: secretArns },
    ],
  },
  "aws:lambda/function:Function": {
    grants: [
      {
        scope: "name",
        access: "write",
        actions: [
          "lambda:CreateFunction",
          "lambda:UpdateFunctionCode",
          "lambda:UpdateFunctionConfiguration",
          "lambda:DeleteFunction",
          "lambda:TagResource",
          "lambda:UntagResource",
          "lambda:PutFunctionConcurrency",
          "lambda:DeleteFunctionConcurrency",
        ],
        arns: functionArns,
      },
      {
        scope: "name",
        access: "read",
        actions: [
          "lambda:GetFunction",
          "lambda:GetFunctionConfiguration",
          "lambda:GetFunctionCodeSigningConfig",
          "lambda:ListVersionsByFunction",
          "lambda:ListTags",
          "lambda:GetPolicy",
        ],
        arns: functionArns,
      },
    ],
    passRoleTo: ["lambda.amazonaws.com"],
  },
  "aws:lambda/permission:Permission": {
    grants: [
      {
        scope: "name",
        access: "write",
        actions: ["lambda:AddPermission", "lambda:RemovePermission"],
        arns: functionArns,
      },
      { scope: "name", access: "read", actions: ["lambda:GetPolicy"], arns: functionArns },
    ],
  },
  // LogGroup, MetricAlarm, EventRule/EventTarget: all name-scoped, so one entry for the module.
  "aws:cloudwatch/*": {
    grants: [
      {
        scope: "name",
        access: "write",
        actions: [
          "logs:CreateLogGroup",
          "logs:DeleteLogGroup",
          "logs:PutRetentionPolicy",
          "logs:DeleteRetentionPolicy",
          "logs:AssociateKmsKey",
          "logs:TagResource",
          "logs:UntagResource",
          "cloudwatch:PutMetricAlarm",
          "cloudwatch:DeleteAlarms",
          "cloudwatch:TagResource",
          "cloudwatch:UntagResource",
          "events:PutRule",
          "events:DeleteRule",
          "events:PutTargets",
          "events:RemoveTargets",
          "events:TagResource",
        ],
        arns: (c) => [
          `arn:${c.partition}:logs:${c.region}:${c.accountId}:log-group:${c.prefix}*`,
          // The gateway's container logs: `/openclaw/<stack>/gateway`.
          `arn:${c.partition}:logs:${c.region}:${c.accountId}:log-group:/${c.pathPrefix}*`,
          // Lambda writes to a log group it names itself after the function.
          `arn:${c.partition}:logs:${c.region}:${c.accountId}:log-group:/aws/lambda/${c.prefix}*`,
          `arn:${c.partition}:cloudwatch:${c.region}:${c.accountId}:alarm:${c.prefix}*`,
          `arn:${c.partition}:events:${c.region}:${c.accountId}:rule/${c.prefix}*`,
        ],
      },
      {
        scope: "name",
        access: "read",
        actions: [
          "logs:ListTagsForResource",
          "cloudwatch:DescribeAlarms",
          "cloudwatch:ListTagsForResource",
          "events:DescribeRule",
          "events:ListTargetsByRule",
          "events:ListTagsForResource",
        ],
        arns: (c) => [
          `arn:${c.partition}:logs:${c.region}:${c.accountId}:log-group:${c.prefix}*`,
          `arn:${c.partition}:logs:${c.region}:${c.accountId}:log-group:/${c.pathPrefix}*`,
          `arn:${c.partition}:logs:${c.region}:${c.accountId}:log-group:/aws/lambda/${c.prefix}*`,
          `arn:${c.partition}:cloudwatch:${c.region}:${c.accountId}:alarm:${c.prefix}*`,
          `arn:${c.partition}:events:${c.region}:${c.accountId}:rule/${c.prefix}*`,
        ],
      },
      { scope: "any", access: "read", actions: ["logs:DescribeLogGroups"] },
    ],
  },
  "aws:sns/topic:Topic": {
    grants: [
      {
        scope: "name",
        access: "write",
        actions: [
          "sns:CreateTopic",
          "sns:DeleteTopic",
          "sns:SetTopicAttributes",
          "sns:TagResource",
          "sns:UntagResource",
          "sns:Subscribe",
        ],
        arns: (c) => [`arn:${c.partition}:sns:${c.region}:${c.accountId}:${c.prefix}*`],
      },
      {
        scope: "name",
        access: "read",
        actions: ["sns:GetTopicAttributes", "sns:ListTagsForResource"],
        arns: (c) => [`arn:${c.partition}:sns:${c.region}:${c.accountId}:${c.prefix}*`],
      },
    ],
  },
  "aws:budgets/budget:Budget": {
    grants: [
      {
        // Budgets are global (no region) and CreateBudget is authorised as ModifyBudget.
        scope: "name",
        access: "write",
        actions: ["budgets:ModifyBudget"],
        arns: (c) => [`arn:${c.partition}:budgets::${c.accountId}:budget/${c.prefix}*`],
      },
      {
        scope: "name",
        access: "read",
        actions: ["budgets:ViewBudget"],
        arns: (c) => [`arn:${c.partition}:budgets::${c.accountId}:budget/${c.prefix}*`],
      },
    ],
  },
  "aws:sns/topicPolicy:TopicPolicy": {
    grants: [
      {
        scope: "name",
        access: "write",
        actions: ["sns:SetTopicAttributes"],
        arns: (c) => [`arn:${c.partition}:sns:${c.region}:${c.accountId}:${c.prefix}*`],
      },
      {
        scope: "name",
        access: "read",
        actions: ["sns:GetTopicAttributes"],
        arns: (c) => [`arn:${c.partition}:sns:${c.region}:${c.accountId}:${c.prefix}*`],
      },
    ],
  },
  "aws:ssm/document:Document": {
    grants: [
      {
        // The rotation's reload document: a fixed command, named after the stack.
        scope: "name",
        access: "write",
        actions: [
          "ssm:CreateDocument",
          "ssm:UpdateDocument",
          "ssm:UpdateDocumentDefaultVersion",
          "ssm:DeleteDocument",
          "ssm:AddTagsToResource",
          "ssm:RemoveTagsFromResource",
        ],
        arns: (c) => [`arn:${c.partition}:ssm:${c.region}:${c.accountId}:document/${c.prefix}*`],
      },
      {
        scope: "name",
        access: "read",
        actions: [
          "ssm:DescribeDocument",
          "ssm:GetDocument",
          "ssm:DescribeDocumentPermission",
          "ssm:ListTagsForResource",
        ],
        arns: (c) => [`arn:${c.partition}:ssm:${c.region}:${c.accountId}:document/${c.prefix}*`],
      },
    ],
  },
  "aws:ssm/association:Association": {
    grants: [
      {
        // The release association runs the stack's own release document: the document ARN is authorised
        // on create and update, and it carries the stack's name.
        scope: "name",
        access: "write",
        actions: ["ssm:CreateAssociation", "ssm:UpdateAssociation"],
        arns: (c) => [
          `arn:${c.partition}:ssm:${c.region}:${c.accountId}:document/${c.prefix}*`,
          `arn:${c.partition}:ec2:${c.region}:${c.accountId}:instance/*`,
        ],
      },
      {
        // Association ids are invented by AWS: the association itself is tied to the stack by its tag.
        scope: "createTagged",
        access: "write",
        actions: ["ssm:CreateAssociation", "ssm:AddTagsToResource"],
        arns: (c) => [`arn:${c.partition}:ssm:${c.region}:${c.accountId}:association/*`],
      },
      {
        scope: "tagged",
        access: "write",
        actions: [
          "ssm:UpdateAssociation",
          "ssm:DeleteAssociation",
          "ssm:AddTagsToResource",
          "ssm:RemoveTagsFromResource",
        ],
        arns: (c) => [`arn:${c.partition}:ssm:${c.region}:${c.accountId}:association/*`],
      },
      {
        scope: "tagged",
        access: "read",
        actions: ["ssm:DescribeAssociation", "ssm:ListTagsForResource"],
        arns: (c) => [`arn:${c.partition}:ssm:${c.region}:${c.accountId}:association/*`],
      },
    ],
  },
  "aws:ssm/parameter:Parameter": {
    grants: [
      {
        scope: "name",
        access: "write",
        actions: ["ssm:PutParameter", "ssm:DeleteParameter", "ssm:AddTagsToResource", "ssm:RemoveTagsFromResource"],
        arns: (c) => [`arn:${c.partition}:ssm:${c.region}:${c.accountId}:parameter/${c.prefix}*`],
      },
      {
        scope: "name",
        access: "read",
        actions: ["ssm:GetParameter", "ssm:GetParameters", "ssm:ListTagsForResource"],
        arns: (c) => [`arn:${c.partition}:ssm:${c.region}:${c.accountId}:parameter/${c.prefix}*`],
      },
      { scope: "any", access: "read", actions: ["ssm:DescribeParameters"] },
    ],
  },
};

/** The table entry for a type token: exact match first, then its module's `aws:<module>/*` entry. */
export function lookupResourceActions(type: string): ResourceActions | undefined {
  const exact = RESOURCE_ACTIONS[type];
  if (exact) return exact;
  const m = /^aws:([^/:]+)\//.exec(type);
  return m ? RESOURCE_ACTIONS[`aws:${m[1]}/*`] : undefined;
}

/**
 * Types that need AWS permissions: the `aws` package's resources. Component types (`openclaw:*`), the
 * stack, providers and other packages (docker, kubernetes, random, tailscale) call no AWS API themselves.
 */
export function needsAwsPermissions(type: string): boolean {
  return type.startsWith("aws:");
}

/** AWS types the table does not map: each is a gap a real `pulumi up` would hit as AccessDenied. */
export function unmappedTypes(types: readonly string[]): string[] {
  return [...new Set(types)].filter((t) => needsAwsPermissions(t) && !lookupResourceActions(t)).sort();
}
