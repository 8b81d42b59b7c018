/**
 * Price table for the offline cost estimate.
 *
 * Region: us-east-1 (N. Virginia). On-demand, Linux, USD, no Savings Plans, no free tier unless a line says so.
 * Source: the AWS price list pages, as recorded in 2025-06:
 *   https://aws.amazon.com/ec2/pricing/on-demand/          (instances, public IPv4)
 *   https://aws.amazon.com/ebs/pricing/                    (gp3)
 *   https://aws.amazon.com/vpc/pricing/                    (NAT gateway, public IPv4)
 *   https://aws.amazon.com/s3/pricing/                     (Standard, Standard-IA, Glacier Instant Retrieval)
 *   https://aws.amazon.com/kms/pricing/  https://aws.amazon.com/secrets-manager/pricing/
 *   https://aws.amazon.com/lambda/pricing/  https://aws.amazon.com/cloudwatch/pricing/
 *   https://aws.amazon.com/sns/pricing/  https://aws.amazon.com/aws-cost-management/aws-budgets/pricing/
 *   https://aws.amazon.com/eventbridge/pricing/ (Scheduler)
 * They were not re-read from this build machine (no internet); update the date when you change a figure.
 * Estimates, not invoices: taxes, data transfer between AZs and support plans are not included.
 */

export const PRICE_REGION = "us-east-1";
export const PRICE_DATE = "2025-06";
export const HOURS_PER_MONTH = 730;

/** EC2 on-demand Linux, USD per hour. Covers every type `openclaw:vm.instanceType` accepts plus the NAT instance. */
export const INSTANCE_HOURLY: Record<string, number> = {
  "t3.small": 0.0208,
  "t3.medium": 0.0416,
  "t3.large": 0.0832,
  "t3.xlarge": 0.1664,
  "t3a.small": 0.0188,
  "t3a.medium": 0.0376,
  "t3a.large": 0.0752,
  "t3a.xlarge": 0.1504,
  "m7i.large": 0.1008,
  "m7i.xlarge": 0.2016,
  "m6i.large": 0.096,
  "c7i.large": 0.08925,
  "t4g.nano": 0.0042,
  "t4g.micro": 0.0084,
};

export const PRICES = {
  ebsGp3PerGbMonth: 0.08,
  /** Above the 3,000 IOPS / 125 MB/s gp3 includes. */
  ebsGp3PerIopsMonth: 0.005,
  ebsGp3PerMbpsMonth: 0.04,
  /** Detailed (1-minute) EC2 monitoring is billed as 7 custom metrics per instance. */
  ec2DetailedMonitoringMetrics: 7,
  natGatewayHourly: 0.045,
  natGatewayPerGb: 0.045,
  publicIpv4Hourly: 0.005,
  /** Internet egress after the 100 GB/month AWS gives every account free. */
  dataTransferOutPerGb: 0.09,
  s3StandardPerGbMonth: 0.023,
  s3StandardIaPerGbMonth: 0.0125,
  s3GlacierIrPerGbMonth: 0.004,
  /** Customer-managed key; automatic rotation adds $1/month for each of the first two rotated versions. */
  kmsKeyMonth: 1.0,
  secretsManagerSecretMonth: 0.4,
  lambdaPerMillionRequests: 0.2,
  lambdaPerGbSecondX86: 0.0000166667,
  lambdaPerGbSecondArm: 0.0000133334,
  cloudwatchAlarmStandard: 0.1,
  cloudwatchAlarmHighResolution: 0.3,
  cloudwatchLogsIngestPerGb: 0.5,
  cloudwatchLogsStoragePerGbMonth: 0.03,
  /** VPC flow logs delivered to CloudWatch Logs ("vended logs", first 10 TB). */
  flowLogsIngestPerGb: 0.5,
  cloudwatchCustomMetricMonth: 0.3,
  cloudwatchPerThousandRequests: 0.01,
} as const;

/**
 * Every resource type a stack can register, with its pricing rule. `zero` is a deliberate "no charge of its
 * own", with the reason; a type missing here fails the coverage test (test/cost/coverage.test.ts).
 */
export type PriceRule = { kind: "priced"; note: string } | { kind: "zero"; reason: string };

const zero = (reason: string): PriceRule => ({ kind: "zero", reason });
const priced = (note: string): PriceRule => ({ kind: "priced", note });

export const PRICE_RULES: Record<string, PriceRule> = {
  // Compute and storage
  "aws:ec2/instance:Instance": priced("instance hours + root gp3 volume + public IPv4 + detailed monitoring"),
  "aws:ebs/volume:Volume": priced("gp3 per GB-month (+ IOPS/throughput above the baseline)"),
  "aws:ec2/volumeAttachment:VolumeAttachment": zero("attachment is free; the volume is priced"),
  // Network
  "aws:ec2/natGateway:NatGateway": priced("NAT gateway hours + GB processed"),
  "aws:ec2/eip:Eip": priced("public IPv4 address hours"),
  "aws:ec2/vpc:Vpc": zero("VPCs are free"),
  "aws:ec2/subnet:Subnet": zero("subnets are free"),
  "aws:ec2/routeTable:RouteTable": zero("route tables are free"),
  "aws:ec2/routeTableAssociation:RouteTableAssociation": zero("free"),
  "aws:ec2/route:Route": zero("free"),
  "aws:ec2/internetGateway:InternetGateway": zero("internet gateways are free (egress is data transfer)"),
  "aws:ec2/securityGroup:SecurityGroup": zero("security groups are free"),
  "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": zero("free"),
  "aws:ec2/flowLog:FlowLog": zero("charged as vended-log ingestion on its log group"),
  // Identity
  "aws:iam/role:Role": zero("IAM is free"),
  "aws:iam/rolePolicy:RolePolicy": zero("IAM is free"),
  "aws:iam/rolePolicyAttachment:RolePolicyAttachment": zero("IAM is free"),
  "aws:iam/instanceProfile:InstanceProfile": zero("IAM is free"),
  "aws:iam/policy:Policy": zero("IAM is free"),
  "aws:iam/openIdConnectProvider:OpenIdConnectProvider": zero("IAM is free"),
  // Keys and secrets
  "aws:kms/key:Key": priced("customer-managed key per month"),
  "aws:kms/alias:Alias": zero("aliases are free"),
  "aws:secretsmanager/secret:Secret": priced("per secret per month"),
  "aws:secretsmanager/secretVersion:SecretVersion": zero("versions are included in the secret's price"),
  "aws:secretsmanager/secretRotation:SecretRotation": zero("rotation is free; the Lambda is priced"),
  "aws:secretsmanager/secretPolicy:SecretPolicy": zero("free"),
  // Functions and automation
  "aws:lambda/function:Function": priced("requests + GB-seconds from the invocation assumption"),
  "aws:lambda/permission:Permission": zero("free"),
  "aws:ssm/document:Document": zero("SSM Command documents are free"),
  "aws:ssm/association:Association": zero("State Manager associations on EC2 instances are free"),
  "aws:ssm/parameter:Parameter": zero("standard parameters are free"),
  "aws:scheduler/schedule:Schedule": zero("14 million Scheduler invocations a month are free; these make ~90"),
  // Storage buckets
  "aws:s3/bucket:Bucket": priced("stored GB per month by storage class, from the size assumption"),
  "aws:s3/bucketV2:BucketV2": priced("stored GB per month by storage class, from the size assumption"),
  "aws:s3/bucketPolicy:BucketPolicy": zero("free"),
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": zero("free"),
  "aws:s3/bucketVersioning:BucketVersioning": zero("noncurrent versions are counted in the bucket's size"),
  "aws:s3/bucketVersioningV2:BucketVersioningV2": zero("noncurrent versions are counted in the bucket's size"),
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": zero(
    "S3 Bucket Keys keep KMS requests negligible",
  ),
  "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": zero("transitions are a few requests a month"),
  "aws:s3/bucketOwnershipControls:BucketOwnershipControls": zero("free"),
  "aws:s3/bucketLogging:BucketLogging": zero("log objects are counted in the log bucket"),
  "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration": zero("free"),
  // Monitoring and alerts
  "aws:cloudwatch/logGroup:LogGroup": priced("ingestion + storage from the log-volume assumption"),
  "aws:cloudwatch/metricAlarm:MetricAlarm": priced(
    "per alarm metric per month; a custom metric it watches is priced once",
  ),
  "aws:sns/topic:Topic": zero("first 1 million requests and 1,000 e-mails a month are free; alerts are a handful"),
  "aws:sns/topicPolicy:TopicPolicy": zero("free"),
  "aws:sns/topicSubscription:TopicSubscription": zero("free"),
  "aws:budgets/budget:Budget": zero("budgets without actions are free"),
  // Non-AWS providers: their cost is the cluster's, host's or tailnet's, outside this stack's AWS bill.
  "tailscale:index/tailnetKey:TailnetKey": zero("Tailscale plan, not AWS"),
  "pulumi:providers:kubernetes": zero("provider configuration"),
  "pulumi:providers:aws": zero("provider configuration"),
  "pulumi:providers:docker": zero("provider configuration"),
  "kubernetes:core/v1:Namespace": zero("priced by the cluster"),
  "kubernetes:core/v1:ConfigMap": zero("priced by the cluster"),
  "kubernetes:core/v1:Secret": zero("priced by the cluster"),
  "kubernetes:core/v1:Service": zero("priced by the cluster (a LoadBalancer Service would add an AWS load balancer)"),
  "kubernetes:core/v1:ServiceAccount": zero("priced by the cluster"),
  "kubernetes:core/v1:PersistentVolumeClaim": zero("priced by the cluster's storage class"),
  "kubernetes:apps/v1:Deployment": zero("priced by the cluster's nodes"),
  "kubernetes:networking.k8s.io/v1:Ingress": zero("priced by the cluster's ingress controller"),
  "kubernetes:networking.k8s.io/v1:NetworkPolicy": zero("priced by the cluster"),
  "docker:index/container:Container": zero("runs on an existing Docker host"),
  "docker:index/network:Network": zero("runs on an existing Docker host"),
  "docker:index/volume:Volume": zero("runs on an existing Docker host"),
};

/** Component resources (openclaw:*) and the stack itself own nothing billable; their children are priced. */
export function isComponentType(type: string): boolean {
  return type.startsWith("openclaw:") || type === "pulumi:pulumi:Stack";
}
