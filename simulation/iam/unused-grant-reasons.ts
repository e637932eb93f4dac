/**
 * The grants of the deployed template that no scenario of the simulation can use, each with why it is
 * there anyway. Everything else the stack grants is used by simulation/scenarios/iam-coverage.ts (test
 * test/workflow/iam-grants.test.ts), so an over-grant shows up as an unused grant without a reason.
 *
 * Keep it short: a grant that a scenario could use gets a scenario, not a reason. A reason that no
 * longer names an unused grant fails the test, so this list cannot go stale.
 */
import type { UnusedGrantReason } from './grant-usage.js';

/** The functions' execution roles (logical ids of the synthesized template). */
const FUNCTION_ROLES = {
  PlanRemediation: 'FunctionsPlanRemediationRole71F94C34',
  ReportFailure: 'FunctionsReportFailureRole9CDB7511',
  SnapshotNotebook: 'FunctionsSnapshotNotebookRole81C259FB',
  VerifyRecreation: 'FunctionsVerifyRecreationRole60FF0F0C',
  VerifyResource: 'FunctionsVerifyResourceRole6AED85AC',
  SnapshotResource: 'FunctionsSnapshotResourceRoleB347FB60',
  ChangeResource: 'FunctionsChangeResourceRoleA9A3325D',
  MemberApiCall: 'FunctionsMemberApiCallRole6F3047BE',
  CustomAction: 'FunctionsCustomActionRole3E17D807',
  PlanCleanup: 'ExecutionCleanupPlanCleanupRole3F235330',
  SweepStaleRecords: 'StaleRecordSweeperSweepStaleRecordsRole8EF2EA99',
  StartRemediation: 'FindingIntakeBufferStartRemediationRole53068127',
  RecordOutcome: 'OutcomeRecorderRecordOutcomeRole090A2D16',
} as const;

const STATE_MACHINE_ROLE = 'StateMachineRole78EC082E';

/** Roles of the `recreate.createPrivateNetwork` option that AWS services or deploy-time code assume. */
const PRIVATE_NETWORK_ROLES = {
  flowLogs: 'PrivateNotebookNetworkFlowLogRole190C2ACD',
  prefixListLookup: 'AWS679f53fac002430cb0da5b7982bd2287ServiceRoleC1EA0FF2',
  restrictDefaultSecurityGroup: 'CustomVpcRestrictDefaultSGCustomResourceProviderRole26592FE0',
} as const;

const FUNCTION_LOGS =
  "The Lambda service writes the function's logs to its own log group with the execution role; the handler code makes no CloudWatch Logs call, and the simulation runs handlers in-process without log groups.";
const FUNCTION_TRACING =
  'Active tracing: the Lambda service sends the trace segments and telemetry with the execution role; not an API call the handler code makes, and the simulation has no X-Ray.';

export const UNUSED_GRANT_REASONS: readonly UnusedGrantReason[] = [
  ...[FUNCTION_ROLES.SnapshotResource, FUNCTION_ROLES.ChangeResource].map(
    (principal): UnusedGrantReason => ({
      principal,
      statement: 'ResourceSnapshotListing',
      reason:
        "S3 checks s3:ListBucket only when the key read is missing (a 404 instead of a 403): every scenario's snapshot exists when it is read back and when the change reads it. It is there so that a snapshot deleted meanwhile reads as NoSuchKey and the failure says so.",
    }),
  ),
  {
    principal: 'RestoreOperatorResourcePolicyCEB9E049',
    statement: 'ResourceRestoreSnapshotListing',
    reason:
      "bin/restore-resource.ts reads snapshot.json, which exists in every scenario: S3 checks s3:ListBucket only for a missing key (404 instead of 403). It is there so that a mistyped --snapshot reads as 'no snapshot', not as access denied. (The notebook tool lists its status markers in the member stack's data bucket, not this bucket.)",
  },
  {
    principal: FUNCTION_ROLES.SnapshotResource,
    action: 'states:DescribeExecution',
    reason:
      "Asked only when another execution holds the resource's lock (is its holder still running?); the coverage scenarios change each resource once. The lock takeover it serves is tested for the notebooks' snapshot (test/workflow/lock-leaks.test.ts), through the same shared code.",
  },
  {
    principal: FUNCTION_ROLES.StartRemediation,
    statement: 'ConsumeFindingQueue',
    action: 'sqs:GetQueueAttributes',
    reason:
      "Lambda's SQS event source mapping reads the finding queue's attributes with the execution role (the Lambda developer guide lists it beside ReceiveMessage and DeleteMessage); the handler makes no SQS call, and the simulated mapping (simulation/runner/queue-poller.ts) receives and deletes only.",
  },
  ...Object.values(FUNCTION_ROLES).flatMap((principal): UnusedGrantReason[] => [
    { principal, statement: 'WriteOwnLogGroup', reason: FUNCTION_LOGS },
    { principal, action: 'xray:*', reason: FUNCTION_TRACING },
  ]),
  {
    principal: STATE_MACHINE_ROLE,
    action: 'logs:*',
    reason:
      "Step Functions sets up the vended log delivery to the state machine's log group with the role (CreateLogDelivery, GetLogDelivery, UpdateLogDelivery, DeleteLogDelivery, ListLogDeliveries, PutResourcePolicy, DescribeResourcePolicies, DescribeLogGroups) when the state machine is created or its logging changes; no Task calls them, and the local runner has no log delivery.",
  },
  {
    principal: STATE_MACHINE_ROLE,
    action: 'xray:*',
    reason:
      'X-Ray tracing of the state machine: Step Functions sends the segments and reads the sampling rules and targets with the role; no Task calls them, and the local runner has no X-Ray.',
  },
  {
    principal: PRIVATE_NETWORK_ROLES.flowLogs,
    reason:
      "VPC Flow Logs (vpc-flow-logs.amazonaws.com) assumes this role to write the private network's flow logs to their log group; the simulation deploys the network but not its flow logs.",
  },
  {
    principal: PRIVATE_NETWORK_ROLES.prefixListLookup,
    reason:
      "The deploy-time custom resource (AwsCustomResource) that looks up the region's S3 managed prefix list for the private network's security group rules; CloudFormation runs it once at deploy time, and simulation/deploy gives such resources their return values without running them.",
  },
  {
    principal: PRIVATE_NETWORK_ROLES.restrictDefaultSecurityGroup,
    reason:
      "CDK's deploy-time custom resource that removes every rule of the private VPC's default security group (restrictDefaultSecurityGroup); it runs once at deploy time, which the simulation does not run.",
  },
];
