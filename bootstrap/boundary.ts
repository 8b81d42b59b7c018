/**
 * The permissions boundary of one stack: the most any IAM role of the program may ever do, whatever
 * inline policy the deploy role puts on it. The deploy role may create or change roles only with this
 * boundary attached, so a role it shapes (and passes to EC2 or Lambda) stays inside the stack: its own
 * secrets, keys, logs, bucket, reload document and instances; no IAM, no STS, nothing of another stack.
 * It is the union of what the program's roles need (instance role, rotation function, flow logs,
 * scheduled stop); `test/pipelines/escalation.test.ts` checks every statement of every planned role
 * against it.
 */
import type { PolicyDocument } from "./deploy-role-policy";

export interface BoundaryInput {
  partition: string;
  region: string;
  accountId: string;
  project: string;
  stack: string;
  /** @default "openclaw:stack" */
  tagKey?: string;
}

export function boundaryPolicy(i: BoundaryInput): PolicyDocument {
  const { partition: p, region: r, accountId: a } = i;
  const dash = `${i.project}-${i.stack}-`;
  const path = `${i.project}/${i.stack}/`;
  const tag = { [`aws:ResourceTag/${i.tagKey ?? "openclaw:stack"}`]: i.stack };
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "OwnSecrets",
        Effect: "Allow",
        Action: [
          "secretsmanager:DescribeSecret",
          "secretsmanager:GetSecretValue",
          "secretsmanager:PutSecretValue",
          "secretsmanager:UpdateSecretVersionStage",
        ],
        Resource: [
          `arn:${p}:secretsmanager:${r}:${a}:secret:${path}*`,
          `arn:${p}:secretsmanager:${r}:${a}:secret:${dash}*`,
        ],
      },
      {
        // Keys carry no name in their ARN: the stack tag is what ties a key to the stack.
        Sid: "OwnKeys",
        Effect: "Allow",
        Action: ["kms:Decrypt", "kms:GenerateDataKey"],
        Resource: `arn:${p}:kms:${r}:${a}:key/*`,
        Condition: { StringEquals: tag },
      },
      {
        Sid: "OwnReloadDocument",
        Effect: "Allow",
        Action: ["ssm:SendCommand"],
        Resource: `arn:${p}:ssm:${r}:${a}:document/${dash}*`,
      },
      {
        // The host reads its own release document (at boot, and as State Manager runs its association).
        Sid: "OwnReleaseDocumentRead",
        Effect: "Allow",
        Action: ["ssm:GetDocument", "ssm:DescribeDocument", "ssm:DescribeAssociation"],
        Resource: [`arn:${p}:ssm:${r}:${a}:document/${dash}*`, `arn:${p}:ssm:${r}:${a}:association/*`],
      },
      {
        // The SSM agent's State Manager calls for its own instance.
        Sid: "OwnInstancesForStateManager",
        Effect: "Allow",
        Action: [
          "ssm:ListInstanceAssociations",
          "ssm:DescribeAssociation",
          "ssm:UpdateInstanceAssociationStatus",
          "ssm:PutComplianceItems",
        ],
        Resource: `arn:${p}:ec2:${r}:${a}:instance/*`,
        Condition: { StringEquals: { [`ssm:resourceTag/${i.tagKey ?? "openclaw:stack"}`]: i.stack } },
      },
      {
        // Pre-upgrade snapshots: of the stack's own volumes, and only as snapshots tagged with the stack.
        Sid: "OwnVolumeSnapshots",
        Effect: "Allow",
        Action: ["ec2:CreateSnapshot"],
        Resource: `arn:${p}:ec2:${r}:${a}:volume/*`,
        Condition: { StringEquals: tag },
      },
      {
        Sid: "OwnTaggedSnapshots",
        Effect: "Allow",
        Action: ["ec2:CreateSnapshot"],
        Resource: `arn:${p}:ec2:${r}::snapshot/*`,
        Condition: { StringEquals: { [`aws:RequestTag/${i.tagKey ?? "openclaw:stack"}`]: i.stack } },
      },
      {
        Sid: "TagSnapshotsAtCreation",
        Effect: "Allow",
        Action: ["ec2:CreateTags"],
        Resource: `arn:${p}:ec2:${r}::snapshot/*`,
        Condition: { StringEquals: { "ec2:CreateAction": "CreateSnapshot" } },
      },
      {
        Sid: "OwnInstancesForRunCommand",
        Effect: "Allow",
        Action: ["ssm:SendCommand"],
        Resource: `arn:${p}:ec2:${r}:${a}:instance/*`,
        Condition: { StringEquals: { [`ssm:resourceTag/${i.tagKey ?? "openclaw:stack"}`]: i.stack } },
      },
      {
        // IAM scopes none of these to a resource: agent registration, Session Manager channels, Run Command
        // delivery, the rotation's status poll, tracing.
        Sid: "AgentAndStatus",
        Effect: "Allow",
        Action: [
          "ssm:UpdateInstanceInformation",
          "ssm:ListCommands",
          "ssmmessages:CreateControlChannel",
          "ssmmessages:CreateDataChannel",
          "ssmmessages:OpenControlChannel",
          "ssmmessages:OpenDataChannel",
          "ec2messages:AcknowledgeMessage",
          "ec2messages:DeleteMessage",
          "ec2messages:FailMessage",
          "ec2messages:GetEndpoint",
          "ec2messages:GetMessages",
          "ec2messages:SendReply",
          "xray:PutTraceSegments",
          "xray:PutTelemetryRecords",
        ],
        Resource: "*",
      },
      {
        Sid: "OwnLogs",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
        Resource: [
          `arn:${p}:logs:${r}:${a}:log-group:/${path}*`,
          `arn:${p}:logs:${r}:${a}:log-group:${dash}*`,
          `arn:${p}:logs:${r}:${a}:log-group:/aws/lambda/${dash}*`,
        ],
      },
      {
        Sid: "OwnMetrics",
        Effect: "Allow",
        Action: ["cloudwatch:PutMetricData"],
        Resource: "*",
        Condition: { StringLike: { "cloudwatch:namespace": "OpenClaw/*" } },
      },
      {
        Sid: "OwnBackups",
        Effect: "Allow",
        Action: ["s3:PutObject", "s3:GetObject", "s3:ListBucket"],
        Resource: [`arn:${p}:s3:::${dash}*`, `arn:${p}:s3:::${dash}*/*`],
      },
      {
        Sid: "OwnScheduledStop",
        Effect: "Allow",
        Action: ["ec2:StartInstances", "ec2:StopInstances"],
        Resource: `arn:${p}:ec2:${r}:${a}:instance/*`,
        Condition: { StringEquals: tag },
      },
      {
        Sid: "OwnAlarmsMuted",
        Effect: "Allow",
        Action: ["cloudwatch:DisableAlarmActions", "cloudwatch:EnableAlarmActions"],
        Resource: `arn:${p}:cloudwatch:${r}:${a}:alarm:${dash}*`,
      },
    ],
  };
}
