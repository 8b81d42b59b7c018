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
