/**
 * The approved change of a resource other than a notebook: after WaitForApproval (shared with the
 * notebook recreation), SnapshotResource takes the lock and writes the verified snapshot, then the
 * engine's change runs, the resource is watched until it settles, VerifyChangedResource evaluates the
 * fixed controls, and every finding of the plan is closed RESOLVED (the closing states shared with the
 * recreation). Any failure after the snapshot puts the definition back from the snapshot
 * (RollBackResourceChange), then the shared failure handling words it, notes every finding of the
 * plan, closes the plan and releases the lock.
 */

import { lambdaTaskTimeoutSeconds } from '../stacks/lambda-bundling.js';
import { LAMBDA_INVOKE, type State } from './amazon-states-language.js';
import type { ApprovalEngineStates } from './engines/approval-engine.js';
import { recreateJobDefinitionStates } from './engines/recreate-job-definition-states.js';
import { endpointReplacementStates } from './engines/replace-endpoint-config-states.js';
import { updateInferenceExperimentStates } from './engines/update-inference-experiment-states.js';
import { updateMonitoringScheduleStates } from './engines/update-monitoring-schedule-states.js';
import { verifyTargetTask } from './engines/verify-target.js';
import { MEMBER_SESSION_PAYLOAD } from './member-credentials.js';
import { closingStatus } from './ocsf-plan-notes.js';
import { NOTHING_CHANGED_ERRORS, WAIT_FOR_LOCK } from './recreate-plan-states.js';
import { catchAll, PLACEHOLDERS, placeholder, retryLambda } from './state-builders.js';

/**
 * The resource engines that change a resource after an approval: each has its own states, from its
 * entry to VerifyChangedResource (or RollBackResourceChange on a failure), in statemachines/engines/.
 */
export const APPROVAL_ENGINE_STATES = {
  'update-monitoring-schedule': updateMonitoringScheduleStates,
  'recreate-job-definition': recreateJobDefinitionStates,
  'replace-endpoint-config': endpointReplacementStates,
  // The same states: ChangeResource picks the engine's steps from the snapshot.
  'replace-model': endpointReplacementStates,
  'update-inference-experiment': updateInferenceExperimentStates,
} as const satisfies Record<string, ApprovalEngineStates>;

export type ApprovalEngine = keyof typeof APPROVAL_ENGINE_STATES;

export const APPROVAL_ENGINES = Object.keys(APPROVAL_ENGINE_STATES) as ApprovalEngine[];

/** The Choice after an approval: the notebook recreation, or the resource engines' snapshot. */
export function approvedWorkStates(engines: readonly ApprovalEngine[]): Record<string, State> {
  return {
    DecideApprovedWork: {
      Type: 'Choice',
      Comment: 'An approved plan: the notebook recreation, or the change of another resource.',
      Choices: engines.map((engine) => ({
        Variable: '$.plan.remediation',
        StringEquals: engine,
        Next: 'SnapshotResource',
      })),
      Default: 'PrepareRecreation',
    },
  };
}

export function resourceApprovalStates(engines: readonly ApprovalEngine[]): Record<string, State> {
  if (engines.length === 0) return {};
  return {
    SnapshotResource: {
      Type: 'Task',
      Comment: 'Takes the lock, reads the resource as it is now, writes its snapshot and verifies it.',
      Resource: LAMBDA_INVOKE,
      Parameters: {
        FunctionName: placeholder(PLACEHOLDERS.snapshotResourceFunctionArn),
        Payload: {
          'plan.$': '$.plan',
          execution: { 'id.$': '$$.Execution.Id', 'name.$': '$$.Execution.Name' },
        },
      },
      // Where the notebook recreation keeps its snapshot: the failure handling reads the restore command there.
      ResultSelector: {
        Payload: {
          'snapshotKey.$': '$.Payload.snapshotKey',
          'digest.$': '$.Payload.digest',
          'restoreCommand.$': '$.Payload.restoreCommand',
          'fixes.$': '$.Payload.fixes',
          'lockTakeover.$': '$.Payload.lockTakeover',
          'target.$': '$.Payload.target',
          'snapshotPrefix.$': '$.Payload.snapshotKey',
          keepData: false,
        },
      },
      ResultPath: '$.snapshot',
      TimeoutSeconds: lambdaTaskTimeoutSeconds('snapshot-resource'),
      Retry: [...retryLambda(), WAIT_FOR_LOCK],
      Catch: [
        {
          ErrorEquals: [...NOTHING_CHANGED_ERRORS],
          Next: 'PrepareNothingChangedClosing',
          ResultPath: '$.nothingChanged',
        },
        // Nothing has changed yet: no roll-back.
        ...catchAll('ReportFailure', '$.failure'),
      ],
      Next: 'DecideApprovedChange',
    },
    DecideApprovedChange: {
      Type: 'Choice',
      Comment:
        "The engine's own steps; each ends in VerifyChangedResource, or in RollBackResourceChange on a failure.",
      Choices: engines.map((engine) => ({
        Variable: '$.plan.remediation',
        StringEquals: engine,
        Next: APPROVAL_ENGINE_STATES[engine].entry,
      })),
      Default: 'ReportFailure',
    },
    ...Object.assign({}, ...engines.map((engine) => APPROVAL_ENGINE_STATES[engine].states())),
    VerifyChangedResource: verifyTargetTask('DecideChangeVerified'),
    DecideChangeVerified: {
      Type: 'Choice',
      Choices: [
        { Variable: '$.verification.passes', BooleanEquals: true, Next: 'PrepareResourceResolvedClosing' },
      ],
      Default: 'RecordChangeNotVerified',
    },
    RecordChangeNotVerified: {
      Type: 'Pass',
      Parameters: {
        Error: 'ResourceNotVerified',
        'Cause.$':
          "States.Format('after the change, SageMaker reports {} (gone: {}) still failing {}', $.plan.resource.arn, $.verification.gone, States.JsonToString($.verification.failing))",
      },
      ResultPath: '$.failure',
      Next: 'RollBackResourceChange',
    },
    PrepareResourceResolvedClosing: {
      Type: 'Pass',
      Parameters: {
        ...closingStatus('RESOLVED'),
        outcome: 'RESOLVED',
        'note.$':
          "States.Format('Remediated by {} after approval: the {} is done and verified; it now passes {}. Its snapshot from before the change is kept (the alert says where).', $$.Execution.Name, $.plan.recreate.what, States.JsonToString($.plan.recreate.fixes))",
        'subject.$': "States.Format('{} remediated: {}', $.plan.controlId, $.plan.notebook.name)",
        'message.$':
          "States.Format('Security Hub control {} is remediated after approval.{}\n\nResource: {}\nNow: {}\nWhat changed: {}\nVerified: it now passes {}\nSnapshot before the change: {}\nTo put it back: {}\nExecution: {}', $.plan.controlId, $.snapshot.Payload.lockTakeover, $.plan.notebook.arn, $.snapshot.Payload.target.arn, $.plan.recreate.summary, States.JsonToString($.snapshot.Payload.fixes), $.snapshot.Payload.snapshotKey, $.snapshot.Payload.restoreCommand, $$.Execution.Id)",
      },
      ResultPath: '$.closing',
      Next: 'ReadPlanFindings',
    },
    DecideResourceRecovery: {
      Type: 'Choice',
      Comment:
        'A failure of a resource plan: put the definition back if the snapshot was taken, then report.',
      Choices: [
        { Variable: '$.snapshot.Payload.snapshotKey', IsPresent: true, Next: 'RollBackResourceChange' },
      ],
      Default: 'ReportFailure',
    },
    RollBackResourceChange: {
      Type: 'Task',
      Comment:
        'After a failure: the definition as the snapshot has it (the prior state), then the failure handling.',
      Resource: LAMBDA_INVOKE,
      Parameters: {
        FunctionName: placeholder(PLACEHOLDERS.changeResourceFunctionArn),
        Payload: { step: 'restore', 'snapshot.$': '$.snapshot.Payload', ...MEMBER_SESSION_PAYLOAD },
      },
      ResultSelector: { 'step.$': '$.Payload.step', restored: true },
      ResultPath: '$.rollback',
      TimeoutSeconds: lambdaTaskTimeoutSeconds('change-resource'),
      Retry: [
        ...retryLambda(),
        { ErrorEquals: ['States.TaskFailed'], IntervalSeconds: 30, MaxAttempts: 3, BackoffRate: 2 },
      ],
      Catch: catchAll('RecordRollBackFailed', '$.rollbackError'),
      Next: 'ReportFailure',
    },
    RecordRollBackFailed: {
      Type: 'Pass',
      Parameters: { step: 'restore', restored: false },
      ResultPath: '$.rollback',
      Next: 'ReportFailure',
    },
  };
}
