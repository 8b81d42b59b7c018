/**
 * Resource policies of the observability stack, as pure data: the KMS key shared by the gateway's log group
 * and the alert topic, the topic policy, and the instance-role statements for the host's log driver and probe.
 */

export const GATEWAY_METRIC_NAMESPACE = "OpenClaw/Gateway";

export function gatewayLogGroupName(stack: string): string {
  return `/openclaw/${stack}/gateway`;
}

export interface KeyPolicyInput {
  partition: string;
  region: string;
  accountId: string;
  /** Log groups (names) allowed to use the key through CloudWatch Logs. */
  logGroupNames: string[];
}

type Statement = Record<string, unknown>;

export function observabilityKeyPolicy(i: KeyPolicyInput): { Version: string; Statement: Statement[] } {
  const acct = i.accountId;
  return {
    Version: "2012-10-17",
    Statement: [
      {
        // Without this the key becomes unmanageable: IAM policies in the account decide who administers it.
        Sid: "AccountAdministersKey",
        Effect: "Allow",
        Principal: { AWS: `arn:${i.partition}:iam::${acct}:root` },
        Action: "kms:*",
        Resource: "*",
      },
      {
        // CloudWatch Logs encrypts with the key only for these log groups (encryption context names the group).
        Sid: "CloudWatchLogsForGatewayGroups",
        Effect: "Allow",
        Principal: { Service: `logs.${i.region}.amazonaws.com` },
        Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
        Resource: "*",
        Condition: {
          ArnEquals: {
            "kms:EncryptionContext:aws:logs:arn": i.logGroupNames.map(
              (n) => `arn:${i.partition}:logs:${i.region}:${acct}:log-group:${n}`,
            ),
          },
        },
      },
      {
        // Alarms publish to the encrypted topic: SNS needs a data key on CloudWatch's behalf.
        Sid: "CloudWatchAlarmsPublishToEncryptedTopic",
        Effect: "Allow",
        Principal: { Service: "cloudwatch.amazonaws.com" },
        Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
        Resource: "*",
        Condition: {
          StringEquals: { "aws:SourceAccount": acct },
          ArnLike: { "aws:SourceArn": `arn:${i.partition}:cloudwatch:${i.region}:${acct}:alarm:*` },
        },
      },
      {
        Sid: "BudgetsPublishToEncryptedTopic",
        Effect: "Allow",
        Principal: { Service: "budgets.amazonaws.com" },
        Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
        Resource: "*",
        Condition: {
          StringEquals: { "aws:SourceAccount": acct },
          ArnLike: { "aws:SourceArn": `arn:${i.partition}:budgets::${acct}:*` },
        },
      },
    ],
  };
}

export interface TopicPolicyInput {
  partition: string;
  region: string;
  accountId: string;
  topicArn: string;
}

/** Only this account's alarms and budgets may publish; the account keeps its usual topic administration. */
export function alertTopicPolicy(i: TopicPolicyInput): { Version: string; Statement: Statement[] } {
  const acct = i.accountId;
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "AccountManagesTopic",
        Effect: "Allow",
        Principal: { AWS: `arn:${i.partition}:iam::${acct}:root` },
        Action: [
          "SNS:GetTopicAttributes",
          "SNS:SetTopicAttributes",
          "SNS:AddPermission",
          "SNS:RemovePermission",
          "SNS:DeleteTopic",
          "SNS:Subscribe",
          "SNS:ListSubscriptionsByTopic",
          "SNS:Publish",
        ],
        Resource: i.topicArn,
      },
      {
        Sid: "CloudWatchAlarmsPublish",
        Effect: "Allow",
        Principal: { Service: "cloudwatch.amazonaws.com" },
        Action: "SNS:Publish",
        Resource: i.topicArn,
        Condition: {
          StringEquals: { "aws:SourceAccount": acct },
          ArnLike: { "aws:SourceArn": `arn:${i.partition}:cloudwatch:${i.region}:${acct}:alarm:*` },
        },
      },
      {
        Sid: "BudgetsPublish",
        Effect: "Allow",
        Principal: { Service: "budgets.amazonaws.com" },
        Action: "SNS:Publish",
        Resource: i.topicArn,
        Condition: {
          StringEquals: { "aws:SourceAccount": acct },
          ArnLike: { "aws:SourceArn": `arn:${i.partition}:budgets::${acct}:*` },
        },
      },
      {
        // Publishing in clear text would defeat the topic's encryption at rest in transit.
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "SNS:Publish",
        Resource: i.topicArn,
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ],
  };
}

export interface HostStatementsInput {
  /** ARN of the gateway's log group as the provider reports it (no trailing ":*"). */
  logGroupArn: string;
}

/**
 * What the host needs: dockerd's awslogs driver writes streams into the gateway's group (nothing else), and the
 * probe publishes into one namespace (PutMetricData has no resource ARN; the namespace condition is IAM's only
 * scope for it).
 */
export function observabilityHostStatements(i: HostStatementsInput): Statement[] {
  return [
    {
      Sid: "GatewayContainerLogs",
      Effect: "Allow",
      Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
      Resource: [i.logGroupArn, `${i.logGroupArn}:log-stream:*`],
    },
    {
      Sid: "GatewayHealthMetrics",
      Effect: "Allow",
      Action: "cloudwatch:PutMetricData",
      Resource: "*",
      Condition: { StringEquals: { "cloudwatch:namespace": GATEWAY_METRIC_NAMESPACE } },
    },
  ];
}

/** The awslogs driver options for the compose renderer (`ComposeOptions.logging`). */
export function awslogsLogging(
  groupName: string,
  region: string,
): { driver: "awslogs"; options: Record<string, string> } {
  return {
    driver: "awslogs",
    options: {
      "awslogs-region": region,
      "awslogs-group": groupName,
      // The group is Pulumi's (retention, KMS); a driver-created group would have neither.
      "awslogs-create-group": "false",
      // One stream per container name and id: a replaced container starts a new stream.
      tag: "{{.Name}}/{{.ID}}",
      // A CloudWatch outage must not block the gateway's stdout; lines beyond the buffer are dropped instead.
      mode: "non-blocking",
      "max-buffer-size": "4m",
    },
  };
}
