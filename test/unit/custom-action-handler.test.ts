import {
  type AttributeValue,
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  ProvisionedThroughputExceededException,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  type AwsSecurityFinding,
  BatchUpdateFindingsCommand,
  SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import {
  ExecutionAlreadyExists,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCustomActionHandler, handler } from '../../handlers/custom-action.js';
import { resolveModes } from '../../handlers/shared/controls-catalogue.js';
import {
  CUSTOM_ACTION_SETTINGS_VARIABLE,
  type CustomActionSettings,
  parseCustomActionSettings,
} from '../../handlers/shared/custom-action-settings.js';
import type { Logger } from '../../handlers/shared/logger.js';
import { customActionEvent, notebookControlFinding } from '../../simulation/account/sample-findings.js';
import { recordingLogger } from './recording-logger.js';

const dynamodb = mockClient(DynamoDBClient);
const sfn = mockClient(SFNClient);
const securityhub = mockClient(SecurityHubClient);

const ACCOUNT = '111122223333';
const REGION = 'eu-west-1';
const actionArn = (id: string) => `arn:aws:securityhub:${REGION}:${ACCOUNT}:action/custom/${id}`;

const settings: CustomActionSettings = {
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

const now = new Date('2026-11-23T09:00:05.000Z');
const nowSeconds = Math.floor(now.getTime() / 1000);
const TOKEN = 'AQCEAAAAKgAAAAMAAAAAAAAAAf-task-token';
const EXECUTION_ARN = `arn:aws:states:${REGION}:${ACCOUNT}:execution:sagemaker-remediation:plan-research-notebook`;
const NOTEBOOK_KEY = `arn:aws:sagemaker:${REGION}:${ACCOUNT}:notebook-instance/research-notebook`;
const EVENT_ID = 'b3f9a1e2-0c4d-4e5f-8a6b-7c8d9e0f1a2b';

const internetFinding = notebookControlFinding({
  controlId: 'SageMaker.1',
  notebookName: 'Research-Notebook',
});
const vpcFinding = notebookControlFinding({ controlId: 'SageMaker.2', notebookName: 'Research-Notebook' });
const rootFinding = notebookControlFinding({ controlId: 'SageMaker.3', notebookName: 'Research-Notebook' });
const platformFinding = notebookControlFinding({
  controlId: 'SageMaker.8',
  notebookName: 'Research-Notebook',
});

function customAction(logger: Logger = recordingLogger()) {
  return createCustomActionHandler({
    dynamodb: new DynamoDBClient({}),
    sfn: new SFNClient({}),
    securityhub: new SecurityHubClient({}),
    settings,
    now: () => now,
    logger,
  });
}

function click(
  actionId: string,
  findings: readonly AwsSecurityFinding[],
  options: { account?: string } = {},
) {
  return customActionEvent(findings, { actionId, id: EVENT_ID, ...options });
}

function approvalItem(overrides: Record<string, AttributeValue> = {}): Record<string, AttributeValue> {
  return {
    approvalKey: { S: NOTEBOOK_KEY },
    taskToken: { S: TOKEN },
    status: { S: 'PENDING' },
    executionArn: { S: EXECUTION_ARN },
    findingIds: { L: [{ S: internetFinding.Id ?? '' }, { S: vpcFinding.Id ?? '' }] },
    planSummary: { S: 'Recreate Research-Notebook in subnet-0123 without direct internet access' },
    expiresAt: { N: String(nowSeconds + 6 * 24 * 3600) },
    ...overrides,
  };
}

function conditionFailed(): ConditionalCheckFailedException {
  return new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
}

function notesWritten() {
  return securityhub.commandCalls(BatchUpdateFindingsCommand).map((call) => call.args[0].input);
}

function sfnCalls() {
  return sfn.calls().length;
}

beforeEach(() => {
  dynamodb.reset();
  sfn.reset();
  securityhub.reset();
  dynamodb.on(GetItemCommand).resolves({});
  dynamodb.on(UpdateItemCommand).resolves({});
  sfn.on(SendTaskSuccessCommand).resolves({});
  sfn.on(SendTaskFailureCommand).resolves({});
  sfn.on(StartExecutionCommand).resolves({
    executionArn: `arn:aws:states:${REGION}:${ACCOUNT}:execution:sagemaker-remediation:started`,
    startDate: now,
  });
  securityhub.on(BatchUpdateFindingsCommand).resolves({ ProcessedFindings: [], UnprocessedFindings: [] });
});

describe('CustomAction handler: approve and reject', () => {
  it('approve with a pending plan: records APPROVED under a condition, then completes the wait with the stored token', async () => {
    // Given a notebook whose recreation waits for approval
    dynamodb.on(GetItemCommand).resolves({ Item: approvalItem() });

    // When an engineer approves its finding
    const result = await customAction()(click('ApprovePlan', [internetFinding]));

    // Then the record is read consistently by the notebook's lowercased ARN
    expect(dynamodb.commandCalls(GetItemCommand)[0]?.args[0].input).toEqual({
      TableName: 'approvals',
      Key: { approvalKey: { S: NOTEBOOK_KEY } },
      ConsistentRead: true,
    });
    // And moved to APPROVED only if it is still this pending plan within its window
    expect(dynamodb.commandCalls(UpdateItemCommand)[0]?.args[0].input).toEqual({
      TableName: 'approvals',
      Key: { approvalKey: { S: NOTEBOOK_KEY } },
      UpdateExpression: 'SET #status = :approved, decidedAt = :now, decidedBy = :eventId',
      ConditionExpression:
        '#status = :pending AND #expiresAt > :nowSeconds AND #executionArn = :executionArn',
      ExpressionAttributeNames: {
        '#status': 'status',
        '#expiresAt': 'expiresAt',
        '#executionArn': 'executionArn',
      },
      ExpressionAttributeValues: {
        ':approved': { S: 'APPROVED' },
        ':pending': { S: 'PENDING' },
        ':now': { S: '2026-11-23T09:00:05.000Z' },
        ':eventId': { S: EVENT_ID },
        ':nowSeconds': { N: String(nowSeconds) },
        ':executionArn': { S: EXECUTION_ARN },
      },
    });
    // And the waiting execution continues with the stored token
    expect(sfn.commandCalls(SendTaskSuccessCommand).map((call) => call.args[0].input)).toEqual([
      {
        taskToken: TOKEN,
        output: JSON.stringify({
          approvedAt: '2026-11-23T09:00:05.000Z',
          eventId: EVENT_ID,
          action: 'approve',
        }),
      },
    ]);
    // And the handler writes no note: the state machine annotates the approved plan itself
    expect(notesWritten()).toEqual([]);
    expect(result).toEqual({
      action: 'approve',
      decisions: [
        {
          notebook: 'Research-Notebook',
          findingIds: [internetFinding.Id],
          outcome: 'approved',
          executionArn: EXECUTION_ARN,
        },
      ],
    });
  });

  it('reject with a pending plan: records REJECTED and fails the wait with RemediationRejected', async () => {
    // Given a pending plan
    dynamodb.on(GetItemCommand).resolves({ Item: approvalItem() });

    // When an engineer rejects it
    const result = await customAction()(click('RejectPlan', [internetFinding]));

    // Then the record becomes REJECTED under the same condition
    const update = dynamodb.commandCalls(UpdateItemCommand)[0]?.args[0].input;
    expect(update?.UpdateExpression).toBe('SET #status = :rejected, decidedAt = :now, decidedBy = :eventId');
    expect(update?.ConditionExpression).toBe(
      '#status = :pending AND #expiresAt > :nowSeconds AND #executionArn = :executionArn',
    );
    expect(update?.ExpressionAttributeValues?.[':rejected']).toEqual({ S: 'REJECTED' });
    // And the execution ends through its Catch on RemediationRejected; nothing is approved
    expect(sfn.commandCalls(SendTaskFailureCommand).map((call) => call.args[0].input)).toEqual([
      {
        taskToken: TOKEN,
        error: 'RemediationRejected',
        cause: `Rejected through the Security Hub custom action at 2026-11-23T09:00:05.000Z (event ${EVENT_ID})`,
      },
    ]);
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
    expect(notesWritten()).toEqual([]);
    expect(result.decisions.map((decision) => decision.outcome)).toEqual(['rejected']);
  });

  it('approve with no pending plan: a note says there is nothing to approve, and nothing else happens', async () => {
    // Given no approval record for the notebook
    dynamodb.on(GetItemCommand).resolves({});

    // When an engineer approves its finding
    const result = await customAction()(click('ApprovePlan', [internetFinding]));

    // Then only a note is written, with the Workflow status left as it is
    expect(notesWritten()).toEqual([
      {
        FindingIdentifiers: [{ Id: internetFinding.Id, ProductArn: internetFinding.ProductArn }],
        Note: {
          Text: 'Nothing to approve: no remediation of notebook instance Research-Notebook is waiting for approval, so nothing was changed. Use the Remediate now action to plan one.',
          UpdatedBy: 'sagemaker-remediation',
        },
      },
    ]);
    expect(dynamodb.commandCalls(UpdateItemCommand)).toHaveLength(0);
    expect(sfnCalls()).toBe(0);
    expect(result.decisions[0]?.outcome).toBe('annotated');
  });

  it('approve twice: the second click finds the plan APPROVED and says so, without a second approval', async () => {
    // Given a plan another click approved already
    dynamodb.on(GetItemCommand).resolves({
      Item: approvalItem({
        status: { S: 'APPROVED' },
        decidedAt: { S: '2026-11-23T08:59:00.000Z' },
        decidedBy: { S: 'an-earlier-click' },
      }),
    });

    // When the engineer approves again
    const result = await customAction()(click('ApprovePlan', [internetFinding]));

    // Then the finding is told when it was approved, and nothing is sent to the execution
    expect(result.decisions[0]?.note).toBe(
      `Nothing to approve: the remediation of notebook instance Research-Notebook (execution ${EXECUTION_ARN}) was already approved at 2026-11-23T08:59:00.000Z. Nothing was changed.`,
    );
    expect(notesWritten()[0]?.Note?.Text).toBe(result.decisions[0]?.note);
    expect(dynamodb.commandCalls(UpdateItemCommand)).toHaveLength(0);
    expect(sfnCalls()).toBe(0);
  });

  it('approve after the window closed: "Too late", and nothing changes', async () => {
    // Given a pending record whose window closed (TTL deletion is lazy, so it still exists)
    dynamodb
      .on(GetItemCommand)
      .resolves({ Item: approvalItem({ expiresAt: { N: String(nowSeconds - 60) } }) });

    // When the engineer approves
    const result = await customAction()(click('ApprovePlan', [internetFinding]));

    // Then the note says it is too late; no update, no task completion
    expect(result.decisions[0]?.outcome).toBe('annotated');
    expect(result.decisions[0]?.note).toMatch(
      /^Too late to approve: the approval window for notebook instance Research-Notebook closed at 2026-11-23T08:59:05.000Z/,
    );
    expect(dynamodb.commandCalls(UpdateItemCommand)).toHaveLength(0);
    expect(sfnCalls()).toBe(0);
  });

  it('the conditional update loses a race (a concurrent click approved first): annotated with the fresh state, no second approval', async () => {
    // Given the record is pending when read, but another click approves it before our update
    dynamodb
      .on(GetItemCommand)
      .resolvesOnce({ Item: approvalItem() })
      .resolves({
        Item: approvalItem({
          status: { S: 'APPROVED' },
          decidedAt: { S: '2026-11-23T09:00:04.000Z' },
          decidedBy: { S: 'the-other-click' },
        }),
      });
    dynamodb.on(UpdateItemCommand).rejects(conditionFailed());

    // When this click is processed
    const result = await customAction()(click('ApprovePlan', [internetFinding]));

    // Then the record is read again and the note describes what it holds now
    expect(dynamodb.commandCalls(GetItemCommand)).toHaveLength(2);
    expect(result.decisions[0]?.outcome).toBe('annotated');
    expect(result.decisions[0]?.note).toContain('was already approved at 2026-11-23T09:00:04.000Z');
    // And the execution is not sent a second success
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
  });

  it('the plan is replaced between the read and the update: the new plan is not approved on the old click', async () => {
    // Given a new execution's pending plan replaces the one the engineer saw
    const newExecution = `${EXECUTION_ARN}-2`;
    dynamodb
      .on(GetItemCommand)
      .resolvesOnce({ Item: approvalItem() })
      .resolves({ Item: approvalItem({ executionArn: { S: newExecution }, taskToken: { S: 'new-token' } }) });
    dynamodb.on(UpdateItemCommand).rejects(conditionFailed());

    // When the click is processed
    const result = await customAction()(click('ApprovePlan', [internetFinding]));

    // Then the finding says the plan changed; nothing is approved
    expect(result.decisions[0]?.note).toBe(
      `Nothing was approved: the remediation plan of notebook instance Research-Notebook changed while this click was processed (it is now execution ${newExecution}). Review the new plan and choose the action again.`,
    );
    expect(dynamodb.commandCalls(UpdateItemCommand)).toHaveLength(1);
    expect(sfnCalls()).toBe(0);
  });

  it('SendTaskSuccess says TaskTimedOut: the findings say the execution is gone and the record stays APPROVED', async () => {
    // Given a pending record whose execution has just timed out
    dynamodb.on(GetItemCommand).resolves({ Item: approvalItem() });
    sfn.on(SendTaskSuccessCommand).rejects(new TaskTimedOut({ message: 'Task Timed Out', $metadata: {} }));

    // When the engineer approves
    const result = await customAction()(click('ApprovePlan', [internetFinding]));

    // Then the outcome is execution-gone, and the note says so and names the record's state
    expect(result.decisions[0]?.outcome).toBe('execution-gone');
    expect(result.decisions[0]?.executionArn).toBe(EXECUTION_ARN);
    expect(result.decisions[0]?.note).toBe(
      `Approved at 2026-11-23T09:00:05.000Z, but the remediation of notebook instance Research-Notebook (execution ${EXECUTION_ARN}) was no longer waiting (TaskTimedOut): it timed out, was stopped or already ended. Nothing was changed; its approval record stays APPROVED. Use the Remediate now action to plan it again.`,
    );
    expect(notesWritten()).toHaveLength(1);
    expect(notesWritten()[0]?.Note?.Text).toBe(result.decisions[0]?.note);
  });

  it('two findings of one notebook selected together: one plan, one read, one approval', async () => {
    // Given .1 and .2 of the same notebook joined one pending plan
    dynamodb.on(GetItemCommand).resolves({ Item: approvalItem() });

    // When both findings are approved in one click
    const result = await customAction()(click('ApprovePlan', [internetFinding, vpcFinding]));

    // Then the record is read, updated and the task completed once
    expect(dynamodb.commandCalls(GetItemCommand)).toHaveLength(1);
    expect(dynamodb.commandCalls(UpdateItemCommand)).toHaveLength(1);
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(1);
    expect(result.decisions).toEqual([
      {
        notebook: 'Research-Notebook',
        findingIds: [internetFinding.Id, vpcFinding.Id],
        outcome: 'approved',
        executionArn: EXECUTION_ARN,
      },
    ]);
  });

  it('two findings of one notebook with nothing pending: one note, one BatchUpdateFindings for both', async () => {
    // Given no record
    // When both findings are rejected in one click
    await customAction()(click('RejectPlan', [internetFinding, vpcFinding]));

    // Then one call annotates both findings with the same note
    expect(dynamodb.commandCalls(GetItemCommand)).toHaveLength(1);
    expect(notesWritten()).toHaveLength(1);
    expect(notesWritten()[0]?.FindingIdentifiers?.map((identifier) => identifier.Id)).toEqual([
      internetFinding.Id,
      vpcFinding.Id,
    ]);
    expect(notesWritten()[0]?.Note?.Text).toMatch(/^Nothing to reject: /);
  });

  it('EventBridge redelivers an approval whose record this very event already set: the task is completed, no "already approved" note', async () => {
    // Given the first delivery recorded APPROVED (decidedBy = this event) and then failed
    dynamodb.on(GetItemCommand).resolves({
      Item: approvalItem({
        status: { S: 'APPROVED' },
        decidedAt: { S: '2026-11-23T09:00:01.000Z' },
        decidedBy: { S: EVENT_ID },
      }),
    });

    // When the same event arrives again
    const result = await customAction()(click('ApprovePlan', [internetFinding]));

    // Then the approval is delivered (not re-recorded) and no misleading note is written
    expect(dynamodb.commandCalls(UpdateItemCommand)).toHaveLength(0);
    expect(sfn.commandCalls(SendTaskSuccessCommand)[0]?.args[0].input).toEqual({
      taskToken: TOKEN,
      output: JSON.stringify({
        approvedAt: '2026-11-23T09:00:01.000Z',
        eventId: EVENT_ID,
        action: 'approve',
      }),
    });
    expect(notesWritten()).toEqual([]);
    expect(result.decisions[0]?.outcome).toBe('approved');
  });

  it('a malformed approval record: annotated, logged as an error without the token, nothing approved', async () => {
    // Given a record with an unknown status
    dynamodb.on(GetItemCommand).resolves({ Item: approvalItem({ status: { S: 'MAYBE' } }) });
    const logger = recordingLogger();

    // When the engineer approves
    const result = await customAction(logger)(click('ApprovePlan', [internetFinding]));

    // Then nothing is approved, the finding says the record is malformed, the log names the problem
    expect(result.decisions[0]?.outcome).toBe('annotated');
    expect(result.decisions[0]?.note).toMatch(
      /^Nothing was approved: the approval record of notebook instance Research-Notebook is malformed/,
    );
    expect(dynamodb.commandCalls(UpdateItemCommand)).toHaveLength(0);
    expect(sfnCalls()).toBe(0);
    const error = logger.lines.find((line) => line.level === 'error');
    expect(error?.fields?.problems).toEqual([expect.stringMatching(/^item\.status\.S: /)]);
    expect(JSON.stringify(logger.lines)).not.toContain(TOKEN);
  });

  it('approve on a finding that is not about a notebook instance: annotated without reading the table', async () => {
    // Given a SageMaker.4 finding on an endpoint configuration
    const endpointFinding: AwsSecurityFinding = {
      ...notebookControlFinding({ controlId: 'SageMaker.4', notebookName: 'unused' }),
      Resources: [
        {
          Type: 'AwsSageMakerEndpointConfig',
          Id: `arn:aws:sagemaker:${REGION}:${ACCOUNT}:endpoint-config/churn-model`,
          Partition: 'aws',
          Region: REGION,
        },
      ],
    };

    // When it is approved
    const result = await customAction()(click('ApprovePlan', [endpointFinding]));

    // Then the note says only notebook recreations wait for approval
    expect(result.decisions[0]).toMatchObject({ notebook: 'churn-model', outcome: 'annotated' });
    expect(result.decisions[0]?.note).toContain('only notebook instance recreations wait for approval');
    expect(dynamodb.calls()).toHaveLength(0);
    expect(sfnCalls()).toBe(0);
  });

  it('one notebook fails with a DynamoDB error: the other notebook is still decided, then the event fails so it is retried', async () => {
    // Given two notebooks, the first one's read is throttled beyond the SDK retries
    const other = notebookControlFinding({ controlId: 'SageMaker.1', notebookName: 'Other-Notebook' });
    dynamodb
      .on(GetItemCommand, { Key: { approvalKey: { S: NOTEBOOK_KEY } } })
      .rejects(new ProvisionedThroughputExceededException({ message: 'Throughput exceeded', $metadata: {} }));
    const logger = recordingLogger();

    // When both are approved in one click
    const run = customAction(logger)(click('ApprovePlan', [internetFinding, other]));

    // Then the invocation fails naming the notebook, after the other one was annotated
    await expect(run).rejects.toThrow(
      `Custom action approve (event ${EVENT_ID}) failed for ${NOTEBOOK_KEY}: ProvisionedThroughputExceededException`,
    );
    expect(notesWritten()[0]?.FindingIdentifiers).toEqual([{ Id: other.Id, ProductArn: other.ProductArn }]);
    expect(
      logger.lines.some((line) => line.level === 'error' && line.message === 'custom action failed'),
    ).toBe(true);
  });

  it('Security Hub leaves a finding unprocessed: logged as an error and returned', async () => {
    // Given Security Hub refuses the note on the finding
    securityhub.on(BatchUpdateFindingsCommand).resolves({
      ProcessedFindings: [],
      UnprocessedFindings: [
        {
          FindingIdentifier: { Id: internetFinding.Id, ProductArn: internetFinding.ProductArn },
          ErrorCode: 'FindingNotFound',
          ErrorMessage: 'Finding not found',
        },
      ],
    });
    const logger = recordingLogger();

    // When a click with nothing pending is annotated
    const result = await customAction(logger)(click('ApprovePlan', [internetFinding]));

    // Then the refusal is in the result and in an error log line
    const unprocessed = [
      { id: internetFinding.Id, errorCode: 'FindingNotFound', errorMessage: 'Finding not found' },
    ];
    expect(result.unprocessedFindings).toEqual(unprocessed);
    expect(logger.lines).toContainEqual({
      level: 'error',
      message: 'findings not annotated',
      fields: { unprocessed },
    });
  });
});

describe('CustomAction handler: events that are not ours', () => {
  it('a forged action ARN: rejected and logged, not thrown, and no AWS call at all', async () => {
    // Given a custom action of another deployment
    const logger = recordingLogger();

    // When its event reaches the handler
    const result = await customAction(logger)(click('SomeoneElsesAction', [internetFinding]));

    // Then the result says rejected, with the reason, and nothing is read or written
    expect(result).toEqual({
      action: 'invalid',
      rejected: [`action ${actionArn('SomeoneElsesAction')} is not one of this deployment's custom actions`],
      decisions: [],
    });
    expect(logger.lines.map((line) => line.level)).toEqual(['warn']);
    expect(dynamodb.calls()).toHaveLength(0);
    expect(sfn.calls()).toHaveLength(0);
    expect(securityhub.calls()).toHaveLength(0);
  });

  it('our action id but from a foreign account: rejected, and no AWS call at all', async () => {
    // Given an event from another account
    const foreign = notebookControlFinding({
      controlId: 'SageMaker.1',
      notebookName: 'Research-Notebook',
      account: '999988887777',
    });

    // When it reaches the handler
    const result = await customAction()(click('ApprovePlan', [foreign], { account: '999988887777' }));

    // Then it is rejected as foreign and nothing is touched
    expect(result.action).toBe('invalid');
    expect(result.rejected).toContain(
      "event account 999988887777 is not this deployment's account 111122223333",
    );
    expect(dynamodb.calls()).toHaveLength(0);
    expect(sfn.calls()).toHaveLength(0);
    expect(securityhub.calls()).toHaveLength(0);
  });
});

describe('CustomAction handler: remediate now', () => {
  it('a control in approval mode: starts the workflow under a deterministic name with the finding as received', async () => {
    // Given SageMaker.1 is in approval mode
    const event = click('RemediateNow', [internetFinding]);

    // When Remediate now is chosen
    const result = await customAction()(event);

    // Then one execution starts, named from the finding and the event
    const calls = sfn.commandCalls(StartExecutionCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0]?.args[0].input;
    expect(input?.stateMachineArn).toBe(settings.stateMachineArn);
    expect(input?.name).toMatch(/^remediate-now-[0-9a-f]{12}-[0-9a-f]{12}$/);
    // And the name is the same for the same finding and event (dedupe) and differs for another event
    const again = customActionEvent([internetFinding], { actionId: 'RemediateNow', id: EVENT_ID });
    await customAction()(again);
    await customAction()(
      customActionEvent([internetFinding], { actionId: 'RemediateNow', id: 'other-event' }),
    );
    const names = sfn.commandCalls(StartExecutionCommand).map((call) => call.args[0].input.name);
    expect(names[1]).toBe(names[0]);
    expect(names[2]).not.toBe(names[0]);
    // And the input carries the finding exactly as the event did, and who asked
    expect(JSON.parse(input?.input ?? '{}')).toEqual({
      source: 'sagemaker-remediation',
      'detail-type': 'Remediate Now',
      account: ACCOUNT,
      region: REGION,
      time: '2026-11-23T09:00:00Z',
      detail: {
        findings: [internetFinding],
        requestedBy: { eventId: EVENT_ID, actionArn: actionArn('RemediateNow') },
      },
    });
    expect(result.decisions).toEqual([
      {
        notebook: 'Research-Notebook',
        findingIds: [internetFinding.Id],
        outcome: 'started',
        executionArn: `arn:aws:states:${REGION}:${ACCOUNT}:execution:sagemaker-remediation:started`,
      },
    ]);
    expect(notesWritten()).toEqual([]);
  });

  it('the same Remediate now event delivered twice: ExecutionAlreadyExists is "already-started", not an error', async () => {
    // Given the execution for this finding and event exists already
    sfn
      .on(StartExecutionCommand)
      .rejects(new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: {} }));

    // When the event is handled again
    const result = await customAction()(click('RemediateNow', [internetFinding]));

    // Then it succeeds without a second execution or a note
    expect(result.decisions.map((decision) => decision.outcome)).toEqual(['already-started']);
    expect(notesWritten()).toEqual([]);
  });

  it('controls in auto and off mode: annotated with the reason, nothing started; the approval-mode sibling starts', async () => {
    // Given .3 is automatic, .8 is off and .1 is approval-gated
    // When all three are selected for Remediate now
    const result = await customAction()(
      click('RemediateNow', [rootFinding, platformFinding, internetFinding]),
    );

    // Then only .1 starts; .3 and .8 get a note each saying why not
    expect(result.decisions.map((decision) => decision.outcome)).toEqual([
      'annotated',
      'annotated',
      'started',
    ]);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(1);
    expect(notesWritten().map((update) => [update.FindingIdentifiers?.[0]?.Id, update.Note?.Text])).toEqual([
      [
        rootFinding.Id,
        'Remediate now was not started: SageMaker.3 is remediated automatically when Security Hub reports it; set the finding back to NEW to run it again. Nothing was changed.',
      ],
      [
        platformFinding.Id,
        'Remediate now was not started: SageMaker.8 is switched off in this deployment. Nothing was changed.',
      ],
    ]);
    for (const update of notesWritten()) {
      expect(update).not.toHaveProperty('Workflow');
      expect(update.Note?.UpdatedBy).toBe('sagemaker-remediation');
    }
  });
});

describe('CustomAction settings', () => {
  const valid = JSON.stringify(settings);
  const saved = process.env[CUSTOM_ACTION_SETTINGS_VARIABLE];
  afterEach(() => {
    if (saved === undefined) delete process.env[CUSTOM_ACTION_SETTINGS_VARIABLE];
    else process.env[CUSTOM_ACTION_SETTINGS_VARIABLE] = saved;
  });

  it('valid settings JSON: parsed as given', () => {
    // Given the JSON the stack writes / When parsed / Then the same settings come back
    expect(parseCustomActionSettings(valid)).toEqual(settings);
  });

  it('the environment variable missing: the deployed handler fails with a clear error', async () => {
    // Given no settings
    delete process.env[CUSTOM_ACTION_SETTINGS_VARIABLE];
    // When an event arrives / Then the error names the variable
    await expect(handler(click('ApprovePlan', [internetFinding]))).rejects.toThrow(
      'CUSTOM_ACTION_SETTINGS is not set',
    );
    expect(dynamodb.calls()).toHaveLength(0);
  });

  it('settings that are not JSON: a clear error', () => {
    // Given / When / Then
    expect(() => parseCustomActionSettings('{approve')).toThrow(
      /^CUSTOM_ACTION_SETTINGS is not valid JSON: /,
    );
  });

  it('settings with wrong fields: every problem is listed', () => {
    // Given settings with a bad account, a missing action and a control without a mode
    const { 'SageMaker.5': _dropped, ...modes } = settings.modes;
    const broken = {
      ...settings,
      accountId: '1234',
      actionArns: { approve: settings.actionArns.approve, reject: settings.actionArns.reject },
      modes,
    };
    // When parsed / Then each problem is named
    expect(() => parseCustomActionSettings(JSON.stringify(broken))).toThrow(
      'CUSTOM_ACTION_SETTINGS is invalid: accountId: must be a 12-digit account id; actionArns.remediate-now: Invalid input: expected string, received undefined; modes: must name a mode for every control',
    );
  });

  it('action ARNs of another account or repeated: rejected, so a foreign action can never be accepted', () => {
    // Given the approve action of another account, used twice
    const foreignArn = 'arn:aws:securityhub:eu-west-1:999988887777:action/custom/ApprovePlan';
    const broken = {
      ...settings,
      actionArns: { ...settings.actionArns, approve: foreignArn, reject: foreignArn },
    };
    // When parsed / Then both problems are named
    expect(() => parseCustomActionSettings(JSON.stringify(broken))).toThrow(
      `CUSTOM_ACTION_SETTINGS is invalid: actionArns.approve: ${foreignArn} is not in account 111122223333 and region eu-west-1; actionArns.reject: ${foreignArn} is not in account 111122223333 and region eu-west-1; actionArns: the three actions must have distinct ARNs`,
    );
  });

  it('the deployed handler with valid settings: a forged event is rejected without any AWS call', async () => {
    // Given the settings the stack writes
    process.env[CUSTOM_ACTION_SETTINGS_VARIABLE] = valid;
    // When a forged click arrives at the exported handler
    const result = await handler(click('Forged', [internetFinding]));
    // Then it is rejected and nothing is called
    expect(result.action).toBe('invalid');
    expect(dynamodb.calls()).toHaveLength(0);
    expect(sfn.calls()).toHaveLength(0);
    expect(securityhub.calls()).toHaveLength(0);
  });
});
