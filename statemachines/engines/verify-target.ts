/**
 * The verification every approval-gated engine ends with (VerifyChangedResource), and that a
 * recreation also runs before it deletes the old resource.
 */
import { lambdaTaskTimeoutSeconds } from '../../stacks/lambda-bundling.js';
import { LAMBDA_INVOKE, type State } from '../amazon-states-language.js';
import { MEMBER_SESSION_PAYLOAD } from '../member-credentials.js';
import { catchAll, PLACEHOLDERS, placeholder, retryLambda } from '../state-builders.js';

const toRollBack = catchAll('RollBackResourceChange', '$.failure');

/**
 * Reads the resource that passes once the change is done (the snapshot's target: a recreation's new
 * one) and evaluates every fixed control's own predicate into `$.verification`; a failure rolls back.
 */
export function verifyTargetTask(next: string): State {
  return {
    Type: 'Task',
    Comment: "Reads the resource again and evaluates every fixed control's own predicate.",
    Resource: LAMBDA_INVOKE,
    Parameters: {
      FunctionName: placeholder(PLACEHOLDERS.verifyResourceFunctionArn),
      Payload: {
        // The resource that passes once the change is done (a recreation's new one).
        resource: {
          'kind.$': '$.plan.resource.kind',
          'name.$': '$.snapshot.Payload.target.name',
          'arn.$': '$.snapshot.Payload.target.arn',
          'fixes.$': '$.snapshot.Payload.fixes',
        },
        ...MEMBER_SESSION_PAYLOAD,
      },
    },
    ResultSelector: {
      'passes.$': '$.Payload.passes',
      'failing.$': '$.Payload.failing',
      'gone.$': '$.Payload.gone',
    },
    ResultPath: '$.verification',
    TimeoutSeconds: lambdaTaskTimeoutSeconds('verify-resource'),
    Retry: retryLambda(),
    Catch: toRollBack,
    Next: next,
  };
}
