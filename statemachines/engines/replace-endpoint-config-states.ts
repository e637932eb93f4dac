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
 * On a failure once endpoints may have moved: wait until none is mid-update, move each back, wait
 * until they are settled on the old configurations, then RollBackResourceChange (the `restore` step,
 * which now deletes the copies: no endpoint is on one or updating away from one).
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
 * One pass over `$.replacement.endpoints`, each endpoint described until it stops changing (bounded by
 * the plan's status checks). `watch`: each must then be InService on its copy, or the pass fails to
 * `onFailure`; otherwise (the failure path) an endpoint that cannot be read or does not settle is left
 * to the steps after.
 */
function endpointPass(
  name: string,
  next: string,
  watch?: { readonly onFailure: string },
): Record<string, State> {
  const record = (error: string, cause: string): State => ({
    Type: 'Pass',
    Parameters: { Error: error, 'Cause.$': cause },
    ResultPath: '$.failure',
    Next: watch?.onFailure ?? next,
  });
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
      Catch: watch
        ? catchAll(watch.onFailure, '$.failure')
        : catchAll(`TakeNext${name}`, '$.endpointReadError'),
      Next: `Decide${name}Settled`,
    },
    [`Decide${name}Settled`]: {
      Type: 'Choice',
      Choices: [
        ...(watch
          ? [
              {
                Variable: '$.endpointNow.status',
                StringEquals: 'RollingBack',
                Next: `Record${name}RolledBack`,
              },
            ]
          : []),
        {
          And: [statusIsOneOf([...CHANGING, ...(watch ? [] : ['RollingBack'])]), checksExhausted(WATCH)],
          Next: watch ? `Record${name}NotSettling` : `TakeNext${name}`,
        },
        {
          ...statusIsOneOf([...CHANGING, ...(watch ? [] : ['RollingBack'])]),
          Next: `Count${name}Check`,
        },
        ...(watch
          ? [
              {
                And: [
                  { Variable: '$.endpointNow.status', StringEquals: 'InService' },
                  { Variable: '$.endpointNow.config', StringEqualsPath: `${WATCHED}.config` },
                ],
                Next: `TakeNext${name}`,
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
    ...(watch
      ? {
          [`Record${name}RolledBack`]: record(
            'EndpointUpdateRolledBack',
            `States.Format('SageMaker is rolling endpoint {} back to configuration {}: the update to {} failed, and the old configuration keeps serving', ${WATCHED}.endpoint, $.endpointNow.config, ${WATCHED}.config)`,
          ),
          [`Record${name}NotMoved`]: record(
            'EndpointNotMoved',
            `States.Format('endpoint {} is {} on configuration {}, not on {}', ${WATCHED}.endpoint, $.endpointNow.status, $.endpointNow.config, ${WATCHED}.config)`,
          ),
          [`Record${name}NotSettling`]: record(
            'EndpointNotSettling',
            `States.Format('endpoint {} was still {} after every status check', ${WATCHED}.endpoint, $.endpointNow.status)`,
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
    ...endpointPass('MovedEndpoint', 'RetireReplaced', { onFailure: 'StartWatchingSettlingEndpoints' }),
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
    ...endpointPass('MovedBackEndpoint', 'RollBackResourceChange'),
  }),
};
