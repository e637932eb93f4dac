import type { Template } from 'aws-cdk-lib/assertions';
import { Template as Templates } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SageMakerRemediationStack } from '../../stacks/remediation-stack.js';
import { appWithoutBundling, buildStack, logicalId } from './synthesis.js';

let stack: SageMakerRemediationStack;
let template: Template;

beforeAll(() => {
  stack = buildStack({}, appWithoutBundling());
  template = Templates.fromStack(stack);
});

describe('logical IDs of stateful, named and in-flight resources', () => {
  it('are the ones deployed stacks have: CloudFormation replaces a resource whose logical ID changes', () => {
    // Given the resources that hold data, have fixed names, or that running executions use
    const queuePolicy = stack.deadLetterQueue.node.findChild('Policy');
    const resources = {
      encryptionKey: stack.encryptionKey,
      alertTopic: stack.alertTopic,
      lockTable: stack.lockTable,
      approvalTable: stack.approvalTable.table,
      backupBucket: stack.notebookBackups.bucket,
      accessLogBucket: stack.notebookBackups.accessLogBucket,
      approveAction: stack.customActions.approveAction,
      rejectAction: stack.customActions.rejectAction,
      remediateNowAction: stack.customActions.remediateNowAction,
      planRemediationLogs: stack.planRemediationLogGroup,
      reportFailureLogs: stack.reportFailureLogGroup,
      snapshotNotebookLogs: stack.snapshotNotebookLogGroup,
      verifyRecreationLogs: stack.verifyRecreationLogGroup,
      customActionLogs: stack.customActionLogGroup,
      stateMachineLogs: stack.stateMachineLogGroup,
      deadLetterQueue: stack.deadLetterQueue,
      deadLetterQueuePolicy: queuePolicy,
      customActionFailureQueue: stack.customActionFailureQueue,
      stateMachine: stack.stateMachine,
      stateMachineRole: stack.stateMachineRole,
      planRemediation: stack.planRemediationFunction,
      reportFailure: stack.reportFailureFunction,
      snapshotNotebook: stack.snapshotNotebookFunction,
      verifyRecreation: stack.verifyRecreationFunction,
    };

    // When their logical IDs are read
    const ids = Object.fromEntries(
      Object.entries(resources).map(([name, construct]) => [name, logicalId(stack, construct)]),
    );

    // Then each is the one it has always had, and names a resource of the template
    expect(ids).toEqual({
      encryptionKey: 'EncryptionKey1B843E66',
      alertTopic: 'AlertTopic2720D535',
      lockTable: 'LockTableB9DACF42',
      approvalTable: 'ApprovalTable046716C7',
      backupBucket: 'NotebookBackupsBucketCA0ACF25',
      accessLogBucket: 'NotebookBackupsAccessLogsC6BD4069',
      approveAction: 'CustomActionsApproveActionD1759FAD',
      rejectAction: 'CustomActionsRejectAction558A9EEA',
      remediateNowAction: 'CustomActionsRemediateNowActionA1BD48AE',
      planRemediationLogs: 'PlanRemediationLogs1804686B',
      reportFailureLogs: 'ReportFailureLogsB4FDED6C',
      snapshotNotebookLogs: 'SnapshotNotebookLogsCD389F27',
      verifyRecreationLogs: 'VerifyRecreationLogs12314862',
      customActionLogs: 'CustomActionLogsBC1DA5E5',
      stateMachineLogs: 'StateMachineLogs3CB16D3C',
      deadLetterQueue: 'FindingRuleDeadLetterQueueE77181A8',
      deadLetterQueuePolicy: 'FindingRuleDeadLetterQueuePolicy7B50095B',
      customActionFailureQueue: 'FunctionsCustomActionFailureQueue6E959D36',
      stateMachine: 'RemediationStateMachine769D94C7',
      stateMachineRole: 'StateMachineRole78EC082E',
      planRemediation: 'PlanRemediationF7CBB810',
      reportFailure: 'ReportFailure85F407E6',
      snapshotNotebook: 'SnapshotNotebook1CF2787C',
      verifyRecreation: 'VerifyRecreation03AE769D',
    });
    const resourceIds = Object.keys(template.toJSON().Resources);
    for (const id of Object.values(ids)) expect(resourceIds).toContain(id);
  });
});
