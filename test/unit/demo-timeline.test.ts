import { describe, expect, it } from 'vitest';
import {
  formatTimeline,
  mergeTimeline,
  progressLine,
  resultWords,
  type TaskCall,
  type TimelineExecution,
  type TimelineTransition,
  taskCallOf,
} from '../../bin/demo-timeline.js';
import { sdkIntegration } from '../../statemachines/amazon-states-language.js';
import { givenBackend, machineOf } from './local-runner-fixtures.js';

const START = Date.parse('2026-11-23T09:00:00.000Z');
const at = (seconds: number) => new Date(START + seconds * 1000);
const sdk = (service: string, action: string): TaskCall => ({ service, action, waitsForToken: false });

/** The calls of the states the tests use, as taskCallOf reads them from a definition. */
const CALLS: Readonly<Record<string, TaskCall>> = {
  PlanRemediation: sdk('lambda', 'invoke'),
  StopNotebook: sdk('sagemaker', 'stopNotebookInstance'),
  DescribeNotebook: sdk('sagemaker', 'describeNotebookInstance'),
  DisableRootAccess: sdk('sagemaker', 'updateNotebookInstance'),
  ResolveFinding: sdk('securityhub', 'batchUpdateFindings'),
  ReadPlanFindings: sdk('dynamodb', 'getItem'),
  ClosePlanFindings: sdk('securityhub', 'batchUpdateFindings'),
  WaitForApproval: { service: 'dynamodb', action: 'updateItem', waitsForToken: true },
};
const callOf = (state: string) => CALLS[state];

const step = (
  state: string,
  type: TimelineTransition['type'],
  seconds: number,
  ended?: TimelineTransition['ended'],
): TimelineTransition => ({ state, type, at: at(seconds), ...(ended ? { ended } : {}) });

/** SageMaker.3 on a running notebook: stop, a wait polled twice, update, resolve. */
const rootAccess: TimelineExecution = {
  label: 'SageMaker.3 research-notebook',
  ending: 'RESOLVED',
  stoppedAt: at(125),
  transitions: [
    step('PlanRemediation', 'Task', 1, {
      result: { Payload: { plan: { action: 'remediate', remediation: 'update-notebook' } } },
    }),
    step('DecideNextStep', 'Choice', 1),
    step('StopNotebook', 'Task', 1, { result: {} }),
    step('WaitForNotebookToStop', 'Wait', 1),
    step('DescribeNotebook', 'Task', 61, {
      result: { NotebookInstanceStatus: 'Stopping', RootAccess: 'Enabled' },
    }),
    step('DecideNextStep', 'Choice', 61),
    step('WaitForNotebookToStop', 'Wait', 61),
    step('DescribeNotebook', 'Task', 93, {
      result: { NotebookInstanceStatus: 'Stopped', RootAccess: 'Enabled' },
    }),
    step('DecideNextStep', 'Choice', 93),
    step('DisableRootAccess', 'Task', 93, { result: {} }),
    step('ResolveFinding', 'Task', 125, { result: { ProcessedFindings: [{}], UnprocessedFindings: [] } }),
  ],
};

/** A finding of an exempt notebook, annotated, running at the same time. */
const exempt: TimelineExecution = {
  label: 'SageMaker.3 shared-gpu-notebook',
  ending: 'NOTIFIED: exempt',
  stoppedAt: at(2),
  transitions: [
    step('PlanRemediation', 'Task', 1, {
      result: {
        Payload: {
          plan: { action: 'annotate', remediation: 'none', annotation: { outcome: 'SKIPPED_EXEMPT' } },
        },
      },
    }),
    step('AnnotateFinding', 'Task', 2, { error: 'SecurityHub.InternalException' }),
  ],
};

/** A recreation plan approved after 20 minutes, closing its findings through a Map of Passes. */
const approved: TimelineExecution = {
  label: 'SageMaker.1 exposed-notebook',
  ending: 'RESOLVED',
  stoppedAt: at(1201),
  transitions: [
    step('WaitForApproval', 'Task', 1, { result: { approvedAt: '2026-11-23T09:20:00Z', action: 'approve' } }),
    step('ReadPlanFindings', 'Task', 1200, { result: { Item: {} } }),
    step('CollectPlanFindings', 'Map', 1200),
    step('PlanFindingsIdentifier', 'Pass', 1200),
    step('PlanFindingsIdentifier', 'Pass', 1200),
    step('ClosePlanFindings', 'Task', 1201, {
      result: { ProcessedFindings: [{}, {}], UnprocessedFindings: [] },
    }),
  ],
};

describe('the demo timeline', () => {
  it('merges the executions in simulated time, each step on one line with its result, the wait polled as one step', () => {
    // Given two executions running at once
    // When the timeline is built and formatted
    const lines = formatTimeline(mergeTimeline([rootAccess, exempt], [], callOf), START);
    // Then the steps of both are interleaved by time, each prefixed with its finding
    expect(lines).toEqual([
      'T+00:01  SageMaker.3 research-notebook    PlanRemediation → remediate update-notebook',
      'T+00:01  SageMaker.3 research-notebook    StopNotebook → Stopping',
      // A step is shown when its result is known: this plan ended when the next step began
      'T+00:02  SageMaker.3 shared-gpu-notebook  PlanRemediation → annotate SKIPPED_EXEMPT',
      'T+00:02  SageMaker.3 shared-gpu-notebook  AnnotateFinding → error SecurityHub.InternalException',
      'T+00:02  SageMaker.3 shared-gpu-notebook  (execution ends; its finding: NOTIFIED: exempt)',
      'T+01:33  SageMaker.3 research-notebook    WaitForNotebookToStop → Stopped after 1:32',
      'T+02:05  SageMaker.3 research-notebook    DisableRootAccess → Updating',
      'T+02:05  SageMaker.3 research-notebook    ResolveFinding → 1 updated',
      'T+02:05  SageMaker.3 research-notebook    (execution ends; its finding: RESOLVED)',
    ]);
  });

  it('puts the approval click before the wait it ends, says how long the wait took, and shows no Map or inner Pass', () => {
    // Given the approval as an event at the instant the waiting Task ends
    const click = {
      at: at(1200),
      label: 'SageMaker.1 exposed-notebook',
      text: 'A security engineer picks "Approve remediation"',
    };
    // When merged
    const lines = formatTimeline(mergeTimeline([approved], [click], callOf), START);
    // Then the click comes first, the Map and its inner Passes are not steps
    expect(lines).toEqual([
      'T+20:00  SageMaker.1 exposed-notebook  A security engineer picks "Approve remediation"',
      'T+20:00  SageMaker.1 exposed-notebook  WaitForApproval → approve after 19:59',
      'T+20:00  SageMaker.1 exposed-notebook  ReadPlanFindings',
      'T+20:01  SageMaker.1 exposed-notebook  ClosePlanFindings → 2 updated',
      'T+20:01  SageMaker.1 exposed-notebook  (execution ends; its finding: RESOLVED)',
    ]);
  });

  it('reads the call of each kind of Task from the definition', () => {
    expect(
      taskCallOf({ Type: 'Task', Resource: sdkIntegration('sagemaker', 'stopNotebookInstance'), End: true }),
    ).toEqual(sdk('sagemaker', 'stopNotebookInstance'));
    // A member Task of a linked Region: the member-api-call function names the call it makes
    expect(
      taskCallOf({
        Type: 'Task',
        Resource: 'arn:aws:lambda:eu-west-1:111122223333:function:MemberApiCall',
        Parameters: { service: 'sagemaker', action: 'stopNotebookInstance', request: {} },
        End: true,
      }),
    ).toEqual(sdk('sagemaker', 'stopNotebookInstance'));
    expect(
      taskCallOf({
        Type: 'Task',
        Resource: sdkIntegration('dynamodb', 'updateItem', { waitForTaskToken: true }),
        End: true,
      }),
    ).toEqual({ service: 'dynamodb', action: 'updateItem', waitsForToken: true });
    expect(taskCallOf({ Type: 'Pass', End: true })).toBeUndefined();
  });

  it('words a result by what the call is: a status, a count, a listing, an error', () => {
    const describeCall = sdk('sagemaker', 'describeEndpoint');
    expect(resultWords(describeCall, { result: { EndpointStatus: 'Updating', EndpointName: 'e' } })).toBe(
      'Updating',
    );
    expect(resultWords(sdk('s3', 'listObjectsV2'), { result: { KeyCount: 3, Contents: [] } })).toBe(
      '3 objects',
    );
    expect(resultWords(sdk('ec2', 'describeSubnets'), { result: { Subnets: [{}] } })).toBe('1 found');
    expect(resultWords(sdk('sagemaker', 'addTags'), { result: { Tags: [{}] } })).toBeUndefined();
    expect(resultWords(sdk('sns', 'publish'), { result: { MessageId: 'm' } })).toBe('published');
    expect(
      resultWords(sdk('securityhub', 'batchUpdateFindings'), {
        result: { ProcessedFindings: [{}], UnprocessedFindings: [{}] },
      }),
    ).toBe('1 updated, 1 unprocessed');
    expect(resultWords(describeCall, { error: 'SageMaker.SageMakerException' })).toBe(
      'error SageMaker.SageMakerException',
    );
    expect(resultWords(describeCall, undefined)).toBeUndefined();
  });

  it('the progress line says the simulated time reached and how many executions run', () => {
    expect(progressLine(START + 754_000, START, 3, 14)).toBe(
      'demo: simulated T+12:34, 3 executions running, 14 ended',
    );
    expect(progressLine(START + 3_725_000, START, 1, 0)).toBe(
      'demo: simulated T+1:02:05, 1 execution running, 0 ended',
    );
  });
});

describe('the local runner records what a timeline shows', () => {
  it('a Map inner Pass is recorded as a Pass, a Task with its result and a failed one with its error', async () => {
    // Given a Task, a Map over two items with an inner Pass, and a Task whose call fails (caught)
    const { backend } = givenBackend({
      [sdkIntegration('sagemaker', 'describeNotebookInstance')]: () => ({
        NotebookInstanceStatus: 'Stopped',
      }),
      [sdkIntegration('sns', 'publish')]: () => {
        throw Object.assign(new Error('throttled'), { name: 'SNS.ThrottledException' });
      },
    });
    const machine = machineOf(
      {
        StartAt: 'Describe',
        States: {
          Describe: {
            Type: 'Task',
            Resource: sdkIntegration('sagemaker', 'describeNotebookInstance'),
            Parameters: { NotebookInstanceName: 'nb' },
            ResultPath: '$.notebook',
            Next: 'Collect',
          },
          Collect: {
            Type: 'Map',
            ItemsPath: '$.items',
            ItemProcessor: { StartAt: 'Identifier', States: { Identifier: { Type: 'Pass', End: true } } },
            ResultPath: '$.collected',
            Next: 'Alert',
          },
          Alert: {
            Type: 'Task',
            Resource: sdkIntegration('sns', 'publish'),
            Parameters: { TopicArn: 'alerts', Message: 'm' },
            Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Done' }],
            End: true,
          },
          Done: { Type: 'Succeed' },
        },
      },
      backend,
    );
    // When it runs
    const { done } = machine.start({ items: [1, 2] });
    const record = await done;
    // Then the transitions say which state is what, and how each Task ended
    expect(record.transitions.map(({ state, type, ended }) => ({ state, type, ended }))).toEqual([
      { state: 'Describe', type: 'Task', ended: { result: { NotebookInstanceStatus: 'Stopped' } } },
      { state: 'Collect', type: 'Map', ended: undefined },
      { state: 'Identifier', type: 'Pass', ended: undefined },
      { state: 'Identifier', type: 'Pass', ended: undefined },
      { state: 'Alert', type: 'Task', ended: { error: 'SNS.ThrottledException' } },
      { state: 'Done', type: 'Succeed', ended: undefined },
    ]);
  });
});
