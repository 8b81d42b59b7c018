/**
 * Pure IAM and KMS policy builders for the rotating secret. Plain strings in, plain JSON out, so the
 * same documents are deployed and checked by `@cloud-copilot/iam-simulate` in test/rotation/iam.test.ts.
 */

export interface PolicyStatement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Action: string[];
  /** Absent only in trust policies. */
  Resource?: string | string[];
  Principal?: Record<string, string | string[]>;
  Condition?: Record<string, Record<string, string | string[]>>;
}
export interface PolicyDocument {
  Version: "2012-10-17";
  Statement: PolicyStatement[];
}

export interface RotationPolicyInput {
  partition: string;
  region: string;
  accountId: string;
  tokenSecretArn: string;
  kmsKeyArn: string;
  documentName: string;
  logGroupArn: string;
  /** Tags that identify the gateway instance(s) SSM may target. */
  instanceTags: Record<string, string>;
}

/** Actions the rotation templates need on the secret, and nothing that deletes or re-keys it. */
export const rotationSecretActions = [
  "secretsmanager:DescribeSecret",
  "secretsmanager:GetSecretValue",
  "secretsmanager:PutSecretValue",
  "secretsmanager:UpdateSecretVersionStage",
];

export function rotationLambdaPolicy(i: RotationPolicyInput): PolicyDocument {
  const tagConditions = Object.fromEntries(Object.entries(i.instanceTags).map(([k, v]) => [`ssm:resourceTag/${k}`, v]));
  return {
    Version: "2012-10-17",
    Statement: [
      { Sid: "RotateThisSecret", Effect: "Allow", Action: rotationSecretActions, Resource: i.tokenSecretArn },
      {
        // Only as Secrets Manager's deputy: the role cannot call KMS on the key directly.
        Sid: "UseThisKeyThroughSecretsManager",
        Effect: "Allow",
        Action: ["kms:Decrypt", "kms:GenerateDataKey"],
        Resource: i.kmsKeyArn,
        Condition: { StringEquals: { "kms:ViaService": `secretsmanager.${i.region}.amazonaws.com` } },
      },
      {
        Sid: "RunOnlyTheReloadDocument",
        Effect: "Allow",
        Action: ["ssm:SendCommand"],
        Resource: `arn:${i.partition}:ssm:${i.region}:${i.accountId}:document/${i.documentName}`,
      },
      {
        Sid: "OnlyOnTheGatewayInstances",
        Effect: "Allow",
        Action: ["ssm:SendCommand"],
        Resource: `arn:${i.partition}:ec2:${i.region}:${i.accountId}:instance/*`,
        Condition: { StringEquals: tagConditions },
      },
      {
        // The handler waits on the command's aggregate status (ListCommands: counts and status, never the
        // script output). IAM offers no resource scoping for it; ListCommandInvocations and
        // GetCommandInvocation, which return every Run Command's output in the region, are not granted.
        Sid: "ReadCommandStatus",
        Effect: "Allow",
        Action: ["ssm:ListCommands"],
        Resource: "*",
      },
      {
        Sid: "WriteOwnLogs",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: `${i.logGroupArn}:*`,
      },
      {
        // X-Ray segment upload has no resource-level scoping either.
        Sid: "Tracing",
        Effect: "Allow",
        Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
        Resource: "*",
      },
    ],
  };
}

export interface LambdaTrustInput {
  partition: string;
  region: string;
  accountId: string;
  /** The one function that may assume the role. */
  functionName: string;
}

/** Lambda may assume the role only for this account's rotation function (confused-deputy guard). */
export function lambdaAssumeRolePolicy(i: LambdaTrustInput): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Action: ["sts:AssumeRole"],
        Principal: { Service: "lambda.amazonaws.com" },
        Condition: {
          StringEquals: { "aws:SourceAccount": i.accountId },
          ArnLike: {
            "aws:SourceArn": `arn:${i.partition}:lambda:${i.region}:${i.accountId}:function:${i.functionName}`,
          },
        },
      },
    ],
  };
}

export interface InstancePolicyInput {
  region: string;
  tokenSecretArn: string;
  providerKeysSecretArn?: string;
  kmsKeyArn: string;
}

/** What the gateway host may do: read these secrets (any stage: AWSPENDING during a rotation), decrypt with this key via Secrets Manager. */
export function instanceSecretStatements(i: InstancePolicyInput): PolicyStatement[] {
  return [
    {
      Sid: "ReadGatewaySecrets",
      Effect: "Allow",
      Action: ["secretsmanager:GetSecretValue"],
      Resource: [i.tokenSecretArn, ...(i.providerKeysSecretArn ? [i.providerKeysSecretArn] : [])],
    },
    {
      Sid: "DecryptGatewaySecrets",
      Effect: "Allow",
      Action: ["kms:Decrypt"],
      Resource: i.kmsKeyArn,
      Condition: { StringEquals: { "kms:ViaService": `secretsmanager.${i.region}.amazonaws.com` } },
    },
  ];
}

export interface KeyPolicyInput {
  partition: string;
  region: string;
  accountId: string;
  logGroupName: string;
}

/**
 * The key policy: the account keeps administration (the AWS default, without which IAM policies could not
 * grant use of the key), and CloudWatch Logs may use it only for the rotation function's log group.
 */
export function keyPolicy(i: KeyPolicyInput): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "AccountAdministersKey",
        Effect: "Allow",
        Principal: { AWS: `arn:${i.partition}:iam::${i.accountId}:root` },
        Action: ["kms:*"],
        Resource: "*",
      },
      {
        Sid: "LogsEncryptRotationLogs",
        Effect: "Allow",
        Principal: { Service: `logs.${i.region}.amazonaws.com` },
        Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
        Resource: "*",
        Condition: {
          ArnEquals: {
            "kms:EncryptionContext:aws:logs:arn": `arn:${i.partition}:logs:${i.region}:${i.accountId}:log-group:${i.logGroupName}`,
          },
        },
      },
    ],
  };
}

/** The SSM document: three fixed actions of one host script; parameters cannot carry a command. */
export function reloadDocumentContent(
  scriptPath: string,
  t: { hostActionSeconds: number; ssmStepSeconds: number } = { hostActionSeconds: 90, ssmStepSeconds: 110 },
): string {
  return JSON.stringify(
    {
      schemaVersion: "2.2",
      description:
        "OpenClaw token rotation: check that the host reads a pending version, or make the running gateway accept AWSCURRENT (no restart). Never carries a secret.",
      parameters: {
        Action: {
          type: "String",
          description: "What to do",
          allowedValues: ["check-pending", "sync-current"],
        },
        VersionId: {
          type: "String",
          description: "Secrets Manager version id (or none)",
          allowedPattern: "^(none|[A-Za-z0-9-]{32,64})$",
        },
      },
      mainSteps: [
        {
          action: "aws:runShellScript",
          name: "reloadToken",
          precondition: { StringEquals: ["platformType", "Linux"] },
          inputs: {
            timeoutSeconds: String(t.ssmStepSeconds),
            runCommand: [`/usr/bin/timeout ${t.hostActionSeconds} ${scriptPath} '{{ Action }}' '{{ VersionId }}'`],
          },
        },
      ],
    },
    null,
    2,
  );
}
