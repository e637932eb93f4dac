/** The mocked clients, settings and events of the custom-action handler tests. */
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  type AwsSecurityFinding,
  BatchUpdateFindingsCommand,
  SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import {
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { createCustomActionHandler } from '../../handlers/custom-action.js';
import { resolveModes } from '../../handlers/shared/controls-catalogue.js';
import type { CustomActionSettings } from '../../handlers/shared/custom-action-settings.js';
import type { Logger } from '../../handlers/shared/logger.js';
import { customActionEvent, notebookControlFinding } from '../../simulation/account/sample-findings.js';
import { recordingLogger } from './recording-logger.js';

export const dynamodb = mockClient(DynamoDBDocumentClient);
export const sfn = mockClient(SFNClient);
export const securityhub = mockClient(SecurityHubClient);

export const ACCOUNT = '111122223333';
export const REGION = 'eu-west-1';
export const actionArn = (id: string) => `arn:aws:securityhub:${REGION}:${ACCOUNT}:action/custom/${id}`;

export const settings: CustomActionSettings = {
  accountId: ACCOUNT,
  region: REGION,
  actionArns: {
    approve: actionArn('ApprovePlan'),
    reject: actionArn('RejectPlan'),
    'remediate-now': actionArn('RemediateNow'),
  },
  approvalTableName: 'approvals',
  stateMachineArn: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:sagemaker-remediation`,
  modes: resolveModes({ 'SageMaker.1': 'approval', 'SageMaker.3': 'auto', 'SageMaker.8': 'off' }),
};

export const now = new Date('2026-11-23T09:00:05.000Z');
export const nowSeconds = Math.floor(now.getTime() / 1000);
export const TOKEN = 'AQCEAAAAKgAAAAMAAAAAAAAAAf-task-token';
export const EXECUTION_ARN = `arn:aws:states:${REGION}:${ACCOUNT}:execution:sagemaker-remediation:plan-research-notebook`;
export const NOTEBOOK_KEY = `arn:aws:sagemaker:${REGION}:${ACCOUNT}:notebook-instance/research-notebook`;
export const EVENT_ID = 'b3f9a1e2-0c4d-4e5f-8a6b-7c8d9e0f1a2b';

export const internetFinding = notebookControlFinding({
  controlId: 'SageMaker.1',
  notebookName: 'Research-Notebook',
});
export const vpcFinding = notebookControlFinding({
  controlId: 'SageMaker.2',
  notebookName: 'Research-Notebook',
});
export const rootFinding = notebookControlFinding({
  controlId: 'SageMaker.3',
  notebookName: 'Research-Notebook',
});
export const platformFinding = notebookControlFinding({
  controlId: 'SageMaker.8',
  notebookName: 'Research-Notebook',
});

export function customAction(logger: Logger = recordingLogger()) {
  return createCustomActionHandler({
    dynamodb: DynamoDBDocumentClient.from(new DynamoDBClient({})),
    sfn: new SFNClient({}),
    securityhub: new SecurityHubClient({}),
    settings,
    now: () => now,
    logger,
  });
}

export function click(
  actionId: string,
  findings: readonly AwsSecurityFinding[],
  options: { account?: string } = {},
) {
  return customActionEvent(findings, { actionId, id: EVENT_ID, ...options });
}

/** The plan's item as the document client returns it: plain values. */
export function approvalItem(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    approvalKey: NOTEBOOK_KEY,
    taskToken: TOKEN,
    status: 'PENDING',
    executionArn: EXECUTION_ARN,
    findings: [
      { Id: internetFinding.Id, ProductArn: internetFinding.ProductArn },
      { Id: vpcFinding.Id, ProductArn: vpcFinding.ProductArn },
    ],
    planSummary: 'Recreate Research-Notebook in subnet-0123 without direct internet access',
    approvalDeadline: nowSeconds + 6 * 24 * 3600,
    // The item outlives the window, through the work after an approval.
    expiresAt: nowSeconds + 7 * 24 * 3600,
    ...overrides,
  };
}

export function conditionFailed(): ConditionalCheckFailedException {
  return new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
}

export function notesWritten() {
  return securityhub.commandCalls(BatchUpdateFindingsCommand).map((call) => call.args[0].input);
}

export function sfnCalls() {
  return sfn.calls().length;
}

/** Every mock back to its default answers: nothing pending, every call succeeding. */
export function resetMocks(): void {
  dynamodb.reset();
  sfn.reset();
  securityhub.reset();
  dynamodb.on(GetCommand).resolves({});
  dynamodb.on(UpdateCommand).resolves({});
  sfn.on(SendTaskSuccessCommand).resolves({});
  sfn.on(SendTaskFailureCommand).resolves({});
  sfn.on(StartExecutionCommand).resolves({
    executionArn: `arn:aws:states:${REGION}:${ACCOUNT}:execution:sagemaker-remediation:started`,
    startDate: now,
  });
  securityhub.on(BatchUpdateFindingsCommand).resolves({ ProcessedFindings: [], UnprocessedFindings: [] });
}
