import { ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { type AwsSecurityFinding, BatchUpdateFindingsCommand } from '@aws-sdk/client-securityhub';
import { SendTaskFailureCommand, SendTaskSuccessCommand, TaskTimedOut } from '@aws-sdk/client-sfn';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { notebookControlFinding } from '../../simulation/account/sample-findings.js';
import {
  ACCOUNT,
  approvalItem,
  click,
  conditionFailed,
  customAction,
  dynamodb,
  EVENT_ID,
  EXECUTION_ARN,
  internetFinding,
  NOTEBOOK_KEY,
  notesWritten,
  nowSeconds,
  REGION,
  resetMocks,
  securityhub,
  sfn,
  sfnCalls,
  TOKEN,
  vpcFinding,
} from './custom-action-fixtures.js';
import { recordingLogger } from './recording-logger.js';

beforeEach(resetMocks);

describe('CustomAction handler: approve and reject', () => {
  it('approve with a pending plan: records APPROVED under a condition, then completes the wait with the stored token', async () => {
    // Given a notebook whose recreation waits for approval
    dynamodb.on(GetCommand).resolves({ Item: approvalItem() });

    // When an engineer approves its finding
    const result = await customAction()(click('ApprovePlan', [internetFinding]));

    // Then the record is read consistently by the notebook's lowercased ARN
    expect(dynamodb.commandCalls(GetCommand)[0]?.args[0].input).toEqual({
      TableName: 'approvals',
      Key: { approvalKey: NOTEBOOK_KEY },
      ConsistentRead: true,
    });
    // And moved to APPROVED only if it is still this pending plan within its window
    expect(dynamodb.commandCalls(UpdateCommand)[0]?.args[0].input).toEqual({
      TableName: 'approvals',
      Key: { approvalKey: NOTEBOOK_KEY },
      UpdateExpression: 'SET #status = :approved, decidedAt = :now, decidedBy = :eventId',
      ConditionExpression: '#status = :pending AND #deadline > :nowSeconds AND #executionArn = :executionArn',
      ExpressionAttributeNames: {
        '#status': 'status',
        '#deadline': 'approvalDeadline',
        '#executionArn': 'executionArn',
      },
      ExpressionAttributeValues: {
        ':approved': 'APPROVED',
        ':pending': 'PENDING',
        ':now': '2026-11-23T09:00:05.000Z',
        ':eventId': EVENT_ID,
        ':nowSeconds': nowSeconds,
        ':executionArn': EXECUTION_ARN,
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
    dynamodb.on(GetCommand).resolves({ Item: approvalItem() });

    // When an engineer rejects it
    const result = await customAction()(click('RejectPlan', [internetFinding]));

    // Then the record becomes REJECTED under the same condition
    const update = dynamodb.commandCalls(UpdateCommand)[0]?.args[0].input;
    expect(update?.UpdateExpression).toBe('SET #status = :rejected, decidedAt = :now, decidedBy = :eventId');
    expect(update?.ConditionExpression).toBe(
      '#status = :pending AND #deadline > :nowSeconds AND #executionArn = :executionArn',
    );
    expect(update?.ExpressionAttributeValues?.[':rejected']).toBe('REJECTED');
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
    dynamodb.on(GetCommand).resolves({});

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
    expect(dynamodb.commandCalls(UpdateCommand)).toHaveLength(0);
    expect(sfnCalls()).toBe(0);
    expect(result.decisions[0]?.outcome).toBe('annotated');
  });

  it('approve twice: the second click finds the plan APPROVED and says so, without a second approval', async () => {
    // Given a plan another click approved already
    dynamodb.on(GetCommand).resolves({
      Item: approvalItem({
        status: 'APPROVED',
        decidedAt: '2026-11-23T08:59:00.000Z',
        decidedBy: 'an-earlier-click',
      }),
    });

    // When the engineer approves again
    const result = await customAction()(click('ApprovePlan', [internetFinding]));

    // Then the finding is told when it was approved, and nothing is sent to the execution
    expect(result.decisions[0]?.note).toBe(
      `Nothing to approve: the remediation of notebook instance Research-Notebook (execution ${EXECUTION_ARN}) was already approved at 2026-11-23T08:59:00.000Z. Nothing was changed.`,
    );
    expect(notesWritten()[0]?.Note?.Text).toBe(result.decisions[0]?.note);
    expect(dynamodb.commandCalls(UpdateCommand)).toHaveLength(0);
    expect(sfnCalls()).toBe(0);
  });

  it('approve after the window closed: "Too late", and nothing changes', async () => {
    // Given a pending record whose window closed (TTL deletion is lazy, so it still exists)
    dynamodb.on(GetCommand).resolves({ Item: approvalItem({ approvalDeadline: nowSeconds - 60 }) });

    // When the engineer approves
    const result = await customAction()(click('ApprovePlan', [internetFinding]));

    // Then the note says it is too late; no update, no task completion
    expect(result.decisions[0]?.outcome).toBe('annotated');
    expect(result.decisions[0]?.note).toMatch(
      /^Too late to approve: the approval window for notebook instance Research-Notebook closed at 2026-11-23T08:59:05.000Z/,
    );
    expect(dynamodb.commandCalls(UpdateCommand)).toHaveLength(0);
    expect(sfnCalls()).toBe(0);
  });

  it('the conditional update loses a race (a concurrent click approved first): annotated with the fresh state, no second approval', async () => {
    // Given the record is pending when read, but another click approves it before our update
    dynamodb
      .on(GetCommand)
      .resolvesOnce({ Item: approvalItem() })
      .resolves({
        Item: approvalItem({
          status: 'APPROVED',
          decidedAt: '2026-11-23T09:00:04.000Z',
          decidedBy: 'the-other-click',
        }),
      });
    dynamodb.on(UpdateCommand).rejects(conditionFailed());

    // When this click is processed
    const result = await customAction()(click('ApprovePlan', [internetFinding]));

    // Then the record is read again and the note describes what it holds now
    expect(dynamodb.commandCalls(GetCommand)).toHaveLength(2);
    expect(result.decisions[0]?.outcome).toBe('annotated');
    expect(result.decisions[0]?.note).toContain('was already approved at 2026-11-23T09:00:04.000Z');
    // And the execution is not sent a second success
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
  });

  it('the plan is replaced between the read and the update: the new plan is not approved on the old click', async () => {
    // Given a new execution's pending plan replaces the one the engineer saw
    const newExecution = `${EXECUTION_ARN}-2`;
    dynamodb
      .on(GetCommand)
      .resolvesOnce({ Item: approvalItem() })
      .resolves({ Item: approvalItem({ executionArn: newExecution, taskToken: 'new-token' }) });
    dynamodb.on(UpdateCommand).rejects(conditionFailed());

    // When the click is processed
    const result = await customAction()(click('ApprovePlan', [internetFinding]));

    // Then the finding says the plan changed; nothing is approved
    expect(result.decisions[0]?.note).toBe(
      `Nothing was approved: the remediation plan of notebook instance Research-Notebook changed while this click was processed (it is now execution ${newExecution}). Review the new plan and choose the action again.`,
    );
    expect(dynamodb.commandCalls(UpdateCommand)).toHaveLength(1);
    expect(sfnCalls()).toBe(0);
  });

  it('SendTaskSuccess says TaskTimedOut: the findings say the execution is gone and the record stays APPROVED', async () => {
    // Given a pending record whose execution has just timed out
    dynamodb.on(GetCommand).resolves({ Item: approvalItem() });
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
    dynamodb.on(GetCommand).resolves({ Item: approvalItem() });

    // When both findings are approved in one click
    const result = await customAction()(click('ApprovePlan', [internetFinding, vpcFinding]));

    // Then the record is read, updated and the task completed once
    expect(dynamodb.commandCalls(GetCommand)).toHaveLength(1);
    expect(dynamodb.commandCalls(UpdateCommand)).toHaveLength(1);
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
    expect(dynamodb.commandCalls(GetCommand)).toHaveLength(1);
    expect(notesWritten()).toHaveLength(1);
    expect(notesWritten()[0]?.FindingIdentifiers?.map((identifier) => identifier.Id)).toEqual([
      internetFinding.Id,
      vpcFinding.Id,
    ]);
    expect(notesWritten()[0]?.Note?.Text).toMatch(/^Nothing to reject: /);
  });

  it('EventBridge redelivers an approval whose record this very event already set: the task is completed, no "already approved" note', async () => {
    // Given the first delivery recorded APPROVED (decidedBy = this event) and then failed
    dynamodb.on(GetCommand).resolves({
      Item: approvalItem({
        status: 'APPROVED',
        decidedAt: '2026-11-23T09:00:01.000Z',
        decidedBy: EVENT_ID,
      }),
    });

    // When the same event arrives again
    const result = await customAction()(click('ApprovePlan', [internetFinding]));

    // Then the approval is delivered (not re-recorded) and no misleading note is written
    expect(dynamodb.commandCalls(UpdateCommand)).toHaveLength(0);
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
    dynamodb.on(GetCommand).resolves({ Item: approvalItem({ status: 'MAYBE' }) });
    const logger = recordingLogger();

    // When the engineer approves
    const result = await customAction(logger)(click('ApprovePlan', [internetFinding]));

    // Then nothing is approved, the finding says the record is malformed, the log names the problem
    expect(result.decisions[0]?.outcome).toBe('annotated');
    expect(result.decisions[0]?.note).toMatch(
      /^Nothing was approved: the approval record of notebook instance Research-Notebook is malformed/,
    );
    expect(dynamodb.commandCalls(UpdateCommand)).toHaveLength(0);
    expect(sfnCalls()).toBe(0);
    const error = logger.lines.find((line) => line.level === 'error');
    expect(error?.fields?.problems).toEqual([expect.stringMatching(/^item\.status: /)]);
    expect(JSON.stringify(logger.lines)).not.toContain(TOKEN);
  });

  it('Given a plan still PLANNED (its execution has not started waiting), When it is approved, Then the findings are told to try again shortly, and nothing is recorded or sent', async () => {
    // Given the plan's item before WaitForApproval stored the token
    const { taskToken: _notYet, ...planned } = approvalItem({ status: 'PLANNED' });
    dynamodb.on(GetCommand).resolves({ Item: planned });

    // When
    const result = await customAction()(click('ApprovePlan', [internetFinding]));

    // Then
    expect(result.decisions[0]?.outcome).toBe('annotated');
    expect(notesWritten()[0]?.Note?.Text).toBe(
      `Nothing to approve yet: the recreation plan of notebook instance Research-Notebook (execution ${EXECUTION_ARN}) is still being submitted for approval. Nothing was changed; choose the action again in a minute.`,
    );
    expect(dynamodb.commandCalls(UpdateCommand)).toHaveLength(0);
    expect(sfnCalls()).toBe(0);
  });

  it('Given a PENDING plan without its task token, When it is approved, Then it is treated as malformed: nothing is recorded, and no task is sent an empty token', async () => {
    // Given
    const { taskToken: _lost, ...withoutToken } = approvalItem();
    dynamodb.on(GetCommand).resolves({ Item: withoutToken });
    const logger = recordingLogger();

    // When
    const result = await customAction(logger)(click('ApprovePlan', [internetFinding]));

    // Then
    expect(result.decisions[0]?.note).toMatch(
      /^Nothing was approved: the approval record of notebook instance/,
    );
    expect(logger.lines.find((line) => line.level === 'error')?.fields?.problems).toEqual([
      'item.taskToken: a PENDING plan must hold its task token',
    ]);
    expect(dynamodb.commandCalls(UpdateCommand)).toHaveLength(0);
    expect(sfnCalls()).toBe(0);
  });

  it('approve on a finding whose control has no approval-gated fix (SageMaker.16, guidance only): annotated without reading the table', async () => {
    // Given a SageMaker.16 finding on a model
    const endpointFinding: AwsSecurityFinding = {
      ...notebookControlFinding({ controlId: 'SageMaker.16', notebookName: 'unused' }),
      Resources: [
        {
          Type: 'AwsSageMakerModel',
          Id: `arn:aws:sagemaker:${REGION}:${ACCOUNT}:model/churn-model`,
          Partition: 'aws',
          Region: REGION,
        },
      ],
    };

    // When it is approved
    const result = await customAction()(click('ApprovePlan', [endpointFinding]));

    // Then the note says only changes that wait for an approval can be approved
    expect(result.decisions[0]).toMatchObject({ notebook: 'churn-model', outcome: 'annotated' });
    expect(result.decisions[0]?.note).toContain('only changes that wait for an approval');
    expect(dynamodb.calls()).toHaveLength(0);
    expect(sfnCalls()).toBe(0);
  });

  it('one notebook fails with a DynamoDB error: the other notebook is still decided, then the event fails so it is retried', async () => {
    // Given two notebooks, the first one's read is throttled beyond the SDK retries
    const other = notebookControlFinding({ controlId: 'SageMaker.1', notebookName: 'Other-Notebook' });
    dynamodb
      .on(GetCommand, { Key: { approvalKey: NOTEBOOK_KEY } })
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
