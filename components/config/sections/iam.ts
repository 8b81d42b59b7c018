import { z } from "zod";

/**
 * Stack names the AWS target accepts: lower-case letters and digits, no `-`. Every physical name of a stack
 * is `<project>-<stack>-...` (or `<project>/<stack>/...` for path-shaped names), and the deploy role of a
 * stack may touch exactly `<project>-<stack>-*`. A stack name with a `-` would make one stack's prefix a
 * prefix of another's (`openclaw-prod-*` also matches `openclaw-prod-eu-*`); with `-` and `/` reserved as
 * delimiters no two stacks' patterns overlap.
 */
export const STACK_NAME_PATTERN = /^[a-z][a-z0-9]{0,19}$/;

export function stackNameProblem(stack: string): string | undefined {
  if (STACK_NAME_PATTERN.test(stack)) return undefined;
  return "must be 1-20 lower-case letters and digits starting with a letter, no '-' (it delimits the stack in every IAM name pattern): rename the stack, e.g. prodeu instead of prod-eu";
}

/** IAM's own limit for a managed policy name. */
const POLICY_NAME = /^[A-Za-z0-9+=,.@_-]{1,128}$/;

export const iamSection = z
  .strictObject({
    /**
     * Name of the customer-managed policy every IAM role of the stack carries as its permissions boundary.
     * The bootstrap creates it and the deploy role may create or change roles only with it attached.
     * @default "<project>-<stack>-boundary"
     */
    permissionsBoundary: z
      .string()
      .regex(POLICY_NAME, { error: "must be an IAM policy name (1-128 of A-Z a-z 0-9 +=,.@_-), not an ARN" })
      .optional(),
  })
  .default({});

export type IamSection = z.infer<typeof iamSection>;

/** The boundary policy's name: the configured one, or the name the bootstrap uses by default. */
export function boundaryPolicyName(project: string, stack: string, iam?: IamSection): string {
  return iam?.permissionsBoundary ?? `${project}-${stack}-boundary`;
}

export function boundaryPolicyArn(partition: string, accountId: string, policyName: string): string {
  return `arn:${partition}:iam::${accountId}:policy/${policyName}`;
}
