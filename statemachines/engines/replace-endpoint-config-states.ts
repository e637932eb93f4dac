/**
 * replace-endpoint-config (SageMaker.4) and replace-model (.5), one set of states for both: the
 * ChangeResource Lambda picks the engine from the snapshot's fixes, and both have the same steps
 * (handlers/shared/changes/endpoint-replacement.ts).
 *
 * CreateReplacement makes the copies and returns the endpoints to move with the configuration each
 * must run then (`$.replacement.endpoints`, at most MAX_MOVED_ENDPOINTS); MoveEndpointsToReplacement
 * sends UpdateEndpoint for each; the endpoints are then watched one after the other (they update
 * together) until each is InService on its copy. One that rolls back (SageMaker keeps the old
 * configuration serving), ends on another configuration or does not settle is a failure. Then the old
 * ones are retired and the copy is verified.
 *
 * A failed UpdateEndpoint leaves the endpoint InService on its old configuration (SageMaker keeps the
 * old fleet serving; the API reference's RollingBack status is for UpdateEndpointWeightsAndCapacities),
 * so an endpoint back on its old configuration after the move is a failure too.
 *
 * On a failure once endpoints may have moved: wait until none is mid-update, move each back, watch
 * each until it is InService on its old configuration, then RollBackResourceChange (the `restore`
 * step, which now deletes the copies: no endpoint is on one or updating away from one). An endpoint
 * not seen back goes straight to the report, with the roll-back marked not done: the finding then
 * gets the restore command rather than "put back".
 */
import { lambdaTaskTimeoutSeconds } from '../../stacks/lambda-bundling.js';
import {
  type ChoiceCondition,
  LAMBDA_INVOKE,
  type State,
  sdkIntegration,
  type TaskState,
} from '../amazon-states-language.js';
import { MEMBER_SESSION_PAYLOAD } from '../member-credentials.js';
import {
  catchAll,
  checksExhausted,
  countStatusCheck,
  PLACEHOLDERS,
  placeholder,
  retryLambda,
  retryTransient,
} from '../state-builders.js';
import type { ApprovalEngineStates } from './approval-engine.js';

/** Statuses in which an endpoint is still changing (DescribeEndpoint): wait. */
const CHANGING = ['Creating', 'Updating', 'SystemUpdating', 'Deleting'];
const ENDPOINTS = '$.replacement.endpoints';
const WATCH = '$.endpointWatch';
const WATCHED = '$.watchedEndpoint.item';

const toRollBack = catchAll('RollBackResourceChange', '$.failure');
/** Endpoints may have moved: the failure path moves them back first. */
const toMoveBack = catchAll('StartWatchingSettlingEndpoints', '$.failure');

const statusIsOneOf = (statuses: readonly string[]): ChoiceCondition => ({
  Or: statuses.map((status) => ({ Variable: '$.endpointNow.status', StringEquals: status })),
});

function changeTask(
  step: string,
  next: string,
  catcher: ReturnType<typeof catchAll>,
  comment: string,
): TaskState {
  return {
    Type: 'Task',
    Comment: comment,
    Resource: LAMBDA_INVOKE,
    Parameters: {
      FunctionName: placeholder(PLACEHOLDERS.changeResourceFunctionArn),
      Payload: { step, 'snapshot.$': '$.snapshot.Payload', ...MEMBER_SESSION_PAYLOAD },
    },
    ResultPath: null,
    TimeoutSeconds: lambdaTaskTimeoutSeconds('change-resource'),
    Retry: retryLambda(),
    Catch: catcher,
    Next: next,
  };
}

/**
 * How a pass judges the endpoints once they stop changing: each must be InService on the watched
 * item's `expect` member (`config`: the copy, after the move; `from`: the old configuration, after a
 * move back), or the pass records why at `recordAt` and goes to `onFailure`.
 */
interface Watch {
  readonly expect: 'config' | 'from';
  readonly onFailure: string;
  /** `$.failure` (the change failed) or `$.rollback` (the move back is not confirmed). */
  readonly recordAt: '$.failure' | '$.rollback';
}

/**
 * One pass over `$.replacement.endpoints`, each endpoint described until it stops changing (bounded by
 * the plan's status checks). With `watch`, each must then be InService on the configuration it names;
 * without (the failure path before the move back), an endpoint that cannot be read or does not settle
 * is left to the steps after.
 */
function endpointPass(name: string, next: string, watch?: Watch): Record<string, State> {
  const record = (error: string, cause: string): State => ({
    Type: 'Pass',
    Parameters:
      watch?.recordAt === '$.rollback'
        ? { step: 'move-back', restored: false, 'reason.$': cause }
        : { Error: error, 'Cause.$': cause },
    ResultPath: watch?.recordAt ?? '$.failure',
    Next: watch?.onFailure ?? next,
  });
  const expected = `${WATCHED}.${watch?.expect ?? 'config'}`;
  // After a move, an update that failed leaves the endpoint InService on its old configuration.
  const rolledBack = watch?.expect === 'config';
  // Still changing: RollingBack too, where the endpoint is not expected to be rolling back.
  const changing = [...CHANGING, ...(rolledBack ? [] : ['RollingBack'])];
  const counter = { 'index.$': `${WATCH}.index`, 'count.$': `${WATCH}.count` };
  return {
    [`StartWatching${name}s`]: {
      Type: 'Pass',
      Parameters: { index: 0, attempt: 0, delaySeconds: 0, 'count.$': `States.ArrayLength(${ENDPOINTS})` },
      ResultPath: WATCH,
      Next: `DecideNext${name}`,
    },
    [`DecideNext${name}`]: {
      Type: 'Choice',
      Choices: [
        {
          Not: { Variable: `${WATCH}.index`, NumericGreaterThanEqualsPath: `${WATCH}.count` },
          Next: `Take${name}`,
        },
      ],
      Default: next,
    },
    [`Take${name}`]: {
      Type: 'Pass',
      Parameters: { 'item.$': `States.ArrayGetItem(${ENDPOINTS}, ${WATCH}.index)` },
      ResultPath: '$.watchedEndpoint',
      Next: `Describe${name}`,
    },
    [`Describe${name}`]: {
      Type: 'Task',
      Resource: sdkIntegration('sagemaker', 'describeEndpoint'),
      Parameters: { 'EndpointName.$': `${WATCHED}.endpoint` },
      ResultSelector: { 'status.$': '$.EndpointStatus', 'config.$': '$.EndpointConfigName' },
      ResultPath: '$.endpointNow',
      TimeoutSeconds: 60,
      Retry: retryTransient('sagemaker'),
      Catch: !watch
        ? catchAll(`TakeNext${name}`, '$.endpointReadError')
        : watch.recordAt === '$.rollback'
          ? catchAll(`Record${name}Unreadable`, '$.endpointReadError')
          : catchAll(watch.onFailure, '$.failure'),
      Next: `Decide${name}Settled`,
    },
    [`Decide${name}Settled`]: {
      Type: 'Choice',
      Choices: [
        ...(rolledBack
          ? [
              {
                Variable: '$.endpointNow.status',
                StringEquals: 'RollingBack',
                Next: `Record${name}RolledBack`,
              },
            ]
          : []),
        {
          And: [statusIsOneOf(changing), checksExhausted(WATCH)],
          Next: watch ? `Record${name}NotSettling` : `TakeNext${name}`,
        },
        { ...statusIsOneOf(changing), Next: `Count${name}Check` },
        ...(watch
          ? [
              {
                And: [
                  { Variable: '$.endpointNow.status', StringEquals: 'InService' },
                  { Variable: '$.endpointNow.config', StringEqualsPath: expected },
                ],
                Next: `TakeNext${name}`,
              },
            ]
          : []),
        ...(rolledBack
          ? [
              {
                And: [
                  { Variable: '$.endpointNow.status', StringEquals: 'InService' },
                  { Variable: '$.endpointNow.config', StringEqualsPath: `${WATCHED}.from` },
                ],
                Next: `Record${name}RolledBack`,
              },
            ]
          : []),
      ],
      Default: watch ? `Record${name}NotMoved` : `TakeNext${name}`,
    },
    [`Count${name}Check`]: countStatusCheck(WATCH, `WaitFor${name}`, counter),
    [`WaitFor${name}`]: {
      Type: 'Wait',
      SecondsPath: `${WATCH}.delaySeconds`,
      Next: `Describe${name}`,
    },
    [`TakeNext${name}`]: {
      Type: 'Pass',
      Parameters: {
        'index.$': `States.MathAdd(${WATCH}.index, 1)`,
        attempt: 0,
        delaySeconds: 0,
        'count.$': `${WATCH}.count`,
      },
      ResultPath: WATCH,
      Next: `DecideNext${name}`,
    },
    ...(rolledBack
      ? {
          [`Record${name}RolledBack`]: record(
            'EndpointUpdateRolledBack',
            `States.Format('the update of endpoint {} to configuration {} failed: SageMaker kept the old configuration {} serving (now {} on {})', ${WATCHED}.endpoint, ${WATCHED}.config, ${WATCHED}.from, $.endpointNow.status, $.endpointNow.config)`,
          ),
        }
      : {}),
    ...(watch
      ? {
          [`Record${name}NotMoved`]: record(
            'EndpointNotMoved',
            `States.Format('endpoint {} is {} on configuration {}, not on {}', ${WATCHED}.endpoint, $.endpointNow.status, $.endpointNow.config, ${expected})`,
          ),
          [`Record${name}NotSettling`]: record(
            'EndpointNotSettling',
            `States.Format('endpoint {} was still {} after every status check', ${WATCHED}.endpoint, $.endpointNow.status)`,
          ),
        }
      : {}),
    ...(watch?.recordAt === '$.rollback'
      ? {
          [`Record${name}Unreadable`]: record(
            'EndpointUnreadable',
            `States.Format('endpoint {} could not be read to see it back on {}', ${WATCHED}.endpoint, ${WATCHED}.from)`,
          ),
        }
      : {}),
  };
}

export const endpointReplacementStates: ApprovalEngineStates = {
  entry: 'CreateReplacement',
  states: (): Record<string, State> => ({
    CreateReplacement: {
      ...changeTask(
        'create',
        'MoveEndpointsToReplacement',
        toRollBack,
        'The copies (a model, endpoint configurations) from the verified snapshot, with the fix; nothing serves them yet.',
      ),
      // The endpoints to move, and the configuration each must run afterwards (a bounded list).
      ResultSelector: { 'endpoints.$': '$.Payload.watched' },
      ResultPath: '$.replacement',
    },
    MoveEndpointsToReplacement: changeTask(
      'move',
      'StartWatchingMovedEndpoints',
      toMoveBack,
      'UpdateEndpoint for each endpoint still on its old configuration: a new fleet, then the traffic shifts.',
    ),
    ...endpointPass('MovedEndpoint', 'RetireReplaced', {
      expect: 'config',
      onFailure: 'StartWatchingSettlingEndpoints',
      recordAt: '$.failure',
    }),
    RetireReplaced: changeTask(
      'retire',
      'VerifyChangedResource',
      toMoveBack,
      'Every moved endpoint runs its copy: the old configurations (and model) are deleted.',
    ),
    ...endpointPass('SettlingEndpoint', 'MoveEndpointsBack'),
    MoveEndpointsBack: changeTask(
      'move-back',
      'StartWatchingMovedBackEndpoints',
      catchAll('RollBackResourceChange', '$.moveBackError'),
      'After a failure: the old configurations (created again if retired) and each endpoint on a copy moved back.',
    ),
    // Put back only once each endpoint is seen InService on its old configuration; otherwise the
    // report gives the restore command (the copies stay: an endpoint may still use one).
    ...endpointPass('MovedBackEndpoint', 'RollBackResourceChange', {
      expect: 'from',
      onFailure: 'ReportFailure',
      recordAt: '$.rollback',
    }),
  }),
};
