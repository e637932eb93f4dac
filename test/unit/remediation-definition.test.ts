import { describe, expect, it } from 'vitest';
import { CONTROLS } from '../../handlers/shared/controls-catalogue.js';
import {
  parseSdkIntegration,
  placeholdersIn,
  sdkIntegration,
  successorsOf,
  taskStates,
} from '../../statemachines/amazon-states-language.js';
import { MEMBER_API_FUNCTION_PLACEHOLDER } from '../../statemachines/member-credentials.js';
import {
  buildRemediationDefinition,
  PLACEHOLDERS,
  RECREATE_PLACEHOLDERS,
} from '../../statemachines/remediation-definition.js';
import { placeholder } from '../../statemachines/state-builders.js';

// The notebook engines; the resource engines have their own checks below.
const definition = buildRemediationDefinition({ resourceEngines: [] });
const states = definition.States;
const withRecreation = buildRemediationDefinition({
  recreate: { approvalTimeoutSeconds: 7 * 24 * 3600 },
  resourceEngines: [],
});
/** Every engine, as a deployment with every control in scope and required tags configured has them. */
const withEveryEngine = buildRemediationDefinition({ recreate: { approvalTimeoutSeconds: 7 * 24 * 3600 } });

describe('remediation definition', () => {
  it.each([
    ['in-place only', definition],
    ['with recreation', withRecreation],
    ['with every engine', withEveryEngine],
    ['with every engine but no recreation', buildRemediationDefinition()],
  ])('%s: every transition names a state that exists, and every state is reachable', (_, built) => {
    const reachable = new Set<string>();
    const queue = [built.StartAt];
    while (queue.length > 0) {
      const name = queue.pop() as string;
      if (reachable.has(name)) continue;
      const state = built.States[name];
      expect(state, `state ${name}`).toBeDefined();
      reachable.add(name);
      if (state) queue.push(...successorsOf(state));
    }
    expect([...reachable].sort()).toEqual(Object.keys(built.States).sort());
  });

  it('is JSONPath only: no JSONata query language, which the local interpreter would silently ignore', () => {
    expect(JSON.stringify(definition)).not.toContain('JSONata');
    expect(JSON.stringify(definition)).not.toMatch(/\{%/);
  });

  it('uses exactly the documented placeholders; recreation adds its own', () => {
    const resourceFunctions: string[] = [
      PLACEHOLDERS.verifyResourceFunctionArn,
      PLACEHOLDERS.snapshotResourceFunctionArn,
      PLACEHOLDERS.changeResourceFunctionArn,
    ];
    expect(placeholdersIn(definition)).toEqual(
      Object.values(PLACEHOLDERS)
        .filter((name) => !resourceFunctions.includes(name))
        .sort(),
    );
    // The resource engines add their three functions; recreation, the member-api-call function (its
    // whole-object requests: member-api-routing.ts)
    const recreation = [...Object.values(RECREATE_PLACEHOLDERS), MEMBER_API_FUNCTION_PLACEHOLDER];
    expect(placeholdersIn(withEveryEngine)).toEqual([...Object.values(PLACEHOLDERS), ...recreation].sort());
    expect(placeholdersIn(withRecreation)).toEqual(
      [...Object.values(PLACEHOLDERS), ...recreation]
        .filter((name) => !resourceFunctions.includes(name))
        .sort(),
    );
  });

  it('recreation: nothing is deleted except after the approval, the snapshot and (unless waived) the data manifest', () => {
    // Walk back from DeleteNotebook: every path to it passes these states.
    const deletePredecessors = Object.entries(withRecreation.States)
      .filter(([, state]) => successorsOf(state).includes('DeleteNotebook'))
      .map(([name]) => name)
      .sort();
    expect(deletePredecessors).toEqual(['DecideBackup', 'MarkOriginalLifecycleRestored']);
    // Marked only once the put-back update has ended Stopped (the notebook has its own configuration)
    const marked = Object.entries(withRecreation.States)
      .filter(([, state]) => successorsOf(state).includes('MarkOriginalLifecycleRestored'))
      .map(([name]) => name);
    expect(marked).toEqual(['AwaitOriginalLifecycleRestoredDecide']);
    expect(withRecreation.States.DecideBackup).toMatchObject({
      Choices: [
        { Variable: '$.snapshot.Payload.keepData', BooleanEquals: true, Next: 'AttachBackupLifecycleConfig' },
      ],
      Default: 'DeleteNotebook',
    });
    // The token goes onto this execution's own PLANNED plan (never a sibling's, never twice), and
    // only an approval leads on to the preparation, which takes the lock and snapshots.
    const approval = withRecreation.States.WaitForApproval;
    expect(approval?.Type === 'Task' && approval.Resource).toBe(
      'arn:aws:states:::aws-sdk:dynamodb:updateItem.waitForTaskToken',
    );
    expect(approval?.Type === 'Task' && approval.Parameters).toMatchObject({
      UpdateExpression: 'SET #token = :token, #status = :pending',
      ConditionExpression: '#owner = :me AND #status = :planned',
      ExpressionAttributeValues: {
        ':token': { 'S.$': '$$.Task.Token' },
        ':pending': { S: 'PENDING' },
        ':planned': { S: 'PLANNED' },
        ':me': { 'S.$': '$$.Execution.Id' },
      },
    });
    expect(approval?.Type === 'Task' && approval.TimeoutSeconds).toBe(7 * 24 * 3600);
    expect(approval?.Type === 'Task' && approval.Next).toBe('PrepareRecreation');
    const prepare = withRecreation.States.PrepareRecreation;
    expect(prepare?.Type === 'Task' && prepare.Parameters).toMatchObject({
      FunctionName: placeholder(RECREATE_PLACEHOLDERS.snapshotFunctionArn),
    });
  });

  it('every AWS SDK task retries the service’s transient errors with backoff and full jitter', () => {
    expect(taskStates(definition).length).toBeGreaterThan(0);
    for (const [name, state] of taskStates(definition)) {
      const retrier = state.Retry?.[0];
      expect(retrier, `${name} retries`).toBeDefined();
      expect(retrier?.JitterStrategy, name).toBe('FULL');
      expect(retrier?.BackoffRate, name).toBeGreaterThan(1);
      expect(retrier?.MaxDelaySeconds, name).toBeLessThanOrEqual(60);
    }
  });

  it('SageMaker tasks retry the generic SageMakerException, the name AWS uses for throttling and 5xx', () => {
    const sageMakerTasks = taskStates(definition).filter(
      ([, state]) => parseSdkIntegration(state.Resource)?.service === 'sagemaker',
    );
    expect(sageMakerTasks.length).toBeGreaterThan(0);
    for (const [name, state] of sageMakerTasks) {
      expect(state.Retry?.[0]?.ErrorEquals, name).toEqual(['SageMaker.SageMakerException']);
    }
  });

  it('every state that changes the notebook is caught and routed to failure handling', () => {
    for (const name of [
      'StopNotebook',
      'DisableRootAccess',
      'StartNotebook',
      'DescribeNotebook',
      'ResolveFinding',
    ]) {
      const state = states[name];
      expect(state?.Type === 'Task' && state.Catch).toEqual([
        { ErrorEquals: ['States.ALL'], Next: 'CheckNotebookAfterFailure', ResultPath: '$.failure' },
      ]);
    }
  });

  it('UpdateNotebookInstance only ever sets RootAccess=Disabled', () => {
    const update = taskStates(definition).filter(([, state]) =>
      state.Resource.endsWith(':updateNotebookInstance'),
    );
    expect(update.map(([, state]) => state.Parameters)).toEqual([
      { 'NotebookInstanceName.$': '$.plan.notebook.name', RootAccess: 'Disabled' },
    ]);
  });

  it('Given the in-place definition, Then only the fix (if it was running) and the recovery start a notebook, and the recovery never starts one that was Stopped before and is Stopped now', () => {
    const starts = taskStates(definition)
      .filter(([, state]) => state.Resource.endsWith(':startNotebookInstance'))
      .map(([name]) => name);
    expect(starts.sort()).toEqual(['RestartNotebook', 'StartNotebook']);
    const decide = states.DecideNextStep;
    const toStart =
      decide?.Type === 'Choice' ? decide.Choices.filter((rule) => rule.Next === 'StartNotebook') : [];
    expect(JSON.stringify(toStart)).toContain('"Variable":"$.runState.wasRunning","BooleanEquals":true');
    const recovery = states.DecideRecovery;
    const rules = recovery?.Type === 'Choice' ? recovery.Choices : [];
    const leftAsItWas = rules.findIndex(
      (rule) =>
        rule.Next === 'ReportFailure' &&
        JSON.stringify(rule) ===
          JSON.stringify({
            And: [
              { Not: { Variable: '$.runState.wasRunning', BooleanEquals: true } },
              { Variable: '$.notebook.status', StringEquals: 'Stopped' },
            ],
            Next: 'ReportFailure',
          }),
    );
    const firstStart = rules.findIndex((rule) => rule.Next === 'RestartNotebook');
    expect(leftAsItWas).toBeGreaterThanOrEqual(0);
    expect(firstStart).toBeGreaterThan(leftAsItWas);
    // Started only from Stopped (it was running: the rule before took the other case) or Failed
    expect(rules[firstStart]).toEqual({
      Or: [
        { Variable: '$.notebook.status', StringEquals: 'Stopped' },
        { Variable: '$.notebook.status', StringEquals: 'Failed' },
      ],
      Next: 'RestartNotebook',
    });
  });

  it('every remediation in the catalogue has routes in DecideNextStep', () => {
    const decide = JSON.stringify(withEveryEngine.States.DecideNextStep);
    const remediated = CONTROLS.flatMap((control) => (control.remediation ? [control.remediation] : []));
    expect(remediated.length).toBeGreaterThan(0);
    for (const remediation of remediated) {
      expect(decide).toContain(`"StringEquals":"${remediation.name}"`);
    }
  });

  it('Given the definitions, Then every loop is bounded: status checks by maxPolls, the recovery by the budget of each of its two parts', () => {
    expect(JSON.stringify(states.DecideNextStep)).toContain(
      '{"Variable":"$.poll.attempt","NumericGreaterThanEqualsPath":"$.plan.timing.maxPolls"}',
    );
    expect(JSON.stringify(states.DecideRecovery)).toContain(
      '{"Variable":"$.recovery.runState.attempt","NumericGreaterThanEqualsPath":"$.plan.timing.maxRunStateRecoveries"}',
    );
    expect(JSON.stringify(withRecreation.States.DecideRecovery)).toContain(
      '{"Variable":"$.recovery.lifecycle.attempt","NumericGreaterThanEqualsPath":"$.plan.timing.maxLifecycleRecoveries"}',
    );
    // A failed step is retried only while its budget lasts
    for (const [name, budget] of [
      ['DecideRunStateRetry', 'runState'],
      ['DecideLifecycleRetry', 'lifecycle'],
    ] as const) {
      expect(withRecreation.States[name]).toMatchObject({
        Type: 'Choice',
        Choices: [{ Variable: `$.recovery.${budget}.attempt`, Next: 'ReportFailure' }],
      });
    }
  });

  it('Given the 24-hour work budget, Then an in-place execution times out after it, and one with recreation after it plus the 7-day approval window', () => {
    expect(definition.TimeoutSeconds).toBe(86_400);
    expect(withRecreation.TimeoutSeconds).toBe(86_400 + 604_800);
  });
});

describe('AWS SDK integration resources', () => {
  it('a plain and a callback (.waitForTaskToken) resource round-trip; anything else is not an SDK integration', () => {
    // Given a plain call and the callback form of another
    const plain = sdkIntegration('sagemaker', 'stopNotebookInstance');
    const callback = sdkIntegration('dynamodb', 'putItem', { waitForTaskToken: true });

    // Then each reads back as what was built, and other resources are not SDK integrations
    expect(plain).toBe('arn:aws:states:::aws-sdk:sagemaker:stopNotebookInstance');
    expect(callback).toBe('arn:aws:states:::aws-sdk:dynamodb:putItem.waitForTaskToken');
    expect(parseSdkIntegration(plain)).toEqual({
      service: 'sagemaker',
      action: 'stopNotebookInstance',
      waitForTaskToken: false,
    });
    expect(parseSdkIntegration(callback)).toEqual({
      service: 'dynamodb',
      action: 'putItem',
      waitForTaskToken: true,
    });
    expect(parseSdkIntegration('arn:aws:states:::lambda:invoke')).toBeUndefined();
    expect(parseSdkIntegration(`${plain}.sync`)).toBeUndefined();
  });
});
