import { ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { BatchUpdateFindingsCommand, InternalException } from '@aws-sdk/client-securityhub';
import { ExecutionAlreadyExists, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../handlers/custom-action.js';
import {
  CUSTOM_ACTION_SETTINGS_VARIABLE,
  parseCustomActionSettings,
} from '../../handlers/shared/custom-action-settings.js';
import { customActionEvent, notebookControlFinding } from '../../simulation/account/sample-findings.js';
import {
  ACCOUNT,
  actionArn,
  click,
  customAction,
  dynamodb,
  EVENT_ID,
  internetFinding,
  NOTEBOOK_KEY,
  notesWritten,
  platformFinding,
  REGION,
  resetMocks,
  rootFinding,
  securityhub,
  settings,
  sfn,
  sfnCalls,
} from './custom-action-fixtures.js';
import { recordingLogger } from './recording-logger.js';

beforeEach(resetMocks);

describe('CustomAction handler: failures reach the on-failure queue', () => {
  it('Given a failed approval read and a failed notes request, When both notebooks are approved in one click, Then the invocation fails naming both failures, and both are logged', async () => {
    // Given the first notebook's read throttled beyond the SDK retries, and Security Hub failing the
    // note of the second (which has nothing pending)
    const other = notebookControlFinding({ controlId: 'SageMaker.1', notebookName: 'Other-Notebook' });
    dynamodb
      .on(GetCommand, { Key: { approvalKey: NOTEBOOK_KEY } })
      .rejects(new ProvisionedThroughputExceededException({ message: 'Throughput exceeded', $metadata: {} }));
    securityhub
      .on(BatchUpdateFindingsCommand)
      .rejects(new InternalException({ message: 'Internal service failure', $metadata: {} }));
    const logger = recordingLogger();

    // When both are approved in one click
    const run = customAction(logger)(click('ApprovePlan', [internetFinding, other]));

    // Then the error (what Lambda's on-failure record carries) names both, and so does the log
    await expect(run).rejects.toThrow(
      `Custom action approve (event ${EVENT_ID}) failed for ${NOTEBOOK_KEY}: ProvisionedThroughputExceededException; BatchUpdateFindings: InternalException`,
    );
    expect(logger.lines).toContainEqual({
      level: 'error',
      message: 'custom action failed',
      fields: {
        eventId: EVENT_ID,
        failures: [
          {
            resource: NOTEBOOK_KEY,
            error: 'ProvisionedThroughputExceededException',
            message: 'Throughput exceeded',
          },
          {
            resource: 'BatchUpdateFindings',
            error: 'InternalException',
            message: 'Internal service failure',
          },
        ],
      },
    });
  });

  it('Given Security Hub refuses a note with ConcurrentUpdateError, When a click with nothing pending is annotated, Then the invocation fails so that Lambda retries it', async () => {
    // Given a refusal that a later attempt can clear
    securityhub.on(BatchUpdateFindingsCommand).resolves({
      ProcessedFindings: [],
      UnprocessedFindings: [
        {
          FindingIdentifier: { Id: internetFinding.Id, ProductArn: internetFinding.ProductArn },
          ErrorCode: 'ConcurrentUpdateError',
          ErrorMessage: 'Concurrent finding updates detected',
        },
      ],
    });
    const logger = recordingLogger();

    // When the click is answered
    const run = customAction(logger)(click('ApprovePlan', [internetFinding]));

    // Then it fails naming the finding and the code, after logging the refusal; nothing was decided
    await expect(run).rejects.toThrow(
      `Custom action approve (event ${EVENT_ID}) failed for ${internetFinding.Id}: ConcurrentUpdateError`,
    );
    expect(logger.lines.filter((line) => line.level === 'error').map((line) => line.message)).toEqual([
      'findings not annotated',
      'custom action failed',
    ]);
    expect(dynamodb.commandCalls(UpdateCommand)).toHaveLength(0);
    expect(sfnCalls()).toBe(0);
  });

  it('Given an event of no known shape, When it reaches the handler, Then it is answered as invalid without throwing, and nothing is called', async () => {
    // Given / When
    const result = await customAction()({ 'detail-type': 'Security Hub Findings - Custom Action' });

    // Then Lambda sees a success: neither its retries nor the on-failure queue get a forged event
    expect(result.action).toBe('invalid');
    expect(result.decisions).toEqual([]);
    expect(dynamodb.calls()).toHaveLength(0);
    expect(sfn.calls()).toHaveLength(0);
    expect(securityhub.calls()).toHaveLength(0);
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
