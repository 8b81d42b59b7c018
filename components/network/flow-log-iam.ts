/** Trust policy of the VPC flow-log role: pure, so test/network/flow-log-iam.test.ts simulates the deployed document. */

export interface FlowLogTrustInput {
  partition: string;
  region: string;
  accountId: string;
}

/**
 * Only the flow-log service, and only on behalf of this account's flow logs in this region: without the
 * source conditions any account's flow log could be pointed at this role (confused deputy).
 */
export function flowLogsAssumeRolePolicy(i: FlowLogTrustInput) {
  return {
    Version: "2012-10-17" as const,
    Statement: [
      {
        Effect: "Allow" as const,
        Principal: { Service: "vpc-flow-logs.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: {
          StringEquals: { "aws:SourceAccount": i.accountId },
          ArnLike: { "aws:SourceArn": `arn:${i.partition}:ec2:${i.region}:${i.accountId}:vpc-flow-log/*` },
        },
      },
    ],
  };
}
