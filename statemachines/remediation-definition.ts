/**
 * The remediation state machine, in the Amazon States Language (JSONPath).
 *
 * The same definition is deployed by the stack and executed locally by aws-local-stepfunctions in the
 * tests, the demo and the benchmark. Shape of the run:
 *
 *   PlanRemediation (the only Lambda of this path) validates the finding, applies the catalogue, the exemption tag
 *   and dry-run, takes the per-notebook lock and observes the notebook. DecideNextStep then works as a
 *   reconcile loop: from the latest observed status it picks the one action that moves the notebook
 *   toward "the plan's settings set, back in its prior run state" (stop, update, start, wait, or resolve),
 *   and every action is followed by a wait sized to how long SageMaker takes and a fresh describe.
 *   A loop rather than a fixed sequence means a notebook that starts Pending, Stopping or Updating, or
 *   that someone else touches mid-run, is handled by the same few states.
 *
 * Any failure goes to CheckNotebookAfterFailure, which restarts a notebook that was running, then the
 * finding is set NOTIFIED with a note naming the error, an alert is published and the lock released.
 */
import { PLANNING_FAILED_KIND, PLANNING_FAILED_SUBJECT } from '../handlers/shared/planning-failure-alert.js';
import { WORK_BUDGET_SECONDS } from '../handlers/shared/work-budget.js';
import { lambdaTaskTimeoutSeconds } from '../stacks/lambda-bundling.js';
import {
  type Catcher,
  LAMBDA_INVOKE,
  type State,
  type StateMachineDefinition,
  sdkIntegration,
} from './amazon-states-language.js';
import { failureHandlingStates } from './failure-handling-states.js';
import { withMemberRouting } from './member-api-routing.js';
import { withMemberCredentials } from './member-credentials.js';
import { withOcsfNotes } from './ocsf-notes.js';
import { INITIAL_RECOVERY } from './recovery-states.js';
import { type RecreateOptions, recreateNotebookStates } from './recreate-notebook-states.js';
import {
  isApprovalEngine,
  RESOURCE_ENGINES,
  type ResourceEngine,
  resourceEngineEntry,
  resourceEngineStates,
} from './resource-states.js';
import {
  actionIs,
  alertAttributes,
  catchAll,
  countStatusCheck,
  describeNotebook,
  notebookName,
  PLACEHOLDERS,
  placeholder,
  releaseLock,
  remediationIs,
  retryLambda,
  retryTransient,
  updateFindings,
  waitSeconds,
} from './state-builders.js';
import { updateNotebookRules, updateNotebookStates } from './update-notebook-states.js';

export { PLACEHOLDERS, RECREATE_PLACEHOLDERS } from './state-builders.js';

/**
 * The longest a Standard execution may run (Step Functions quotas: "Maximum execution time: 1 year").
 * The definition's TimeoutSeconds, the work budget plus the approval window, must stay within it.
 */
export const MAX_STANDARD_EXECUTION_SECONDS = 365 * 24 * 60 * 60;

/** The work budget of an execution (handlers/shared/work-budget.ts): its timeout less the approval window. */
export const EXECUTION_TIMEOUT_SECONDS = WORK_BUDGET_SECONDS;

/**
 * The execution timeout for these options: the work budget plus the approval window when the recreation
 * waits for a human. Locks lapse sooner (work-budget.ts), so a dead execution does not block a notebook.
 */
export function executionTimeoutSeconds(options: DefinitionOptions = {}): number {
  return EXECUTION_TIMEOUT_SECONDS + (options.recreate?.approvalTimeoutSeconds ?? 0);
}

export interface DefinitionOptions {
  /** The approval-gated recreation of notebooks; left out of the definition when not deployed. */
  readonly recreate?: RecreateOptions;
  /**
   * The engines for resources other than notebooks that the deployment's controls use (none of their
   * states, and none of their IAM, for an engine no control in scope needs).
   *
   * @default - every resource engine
   */
  readonly resourceEngines?: readonly ResourceEngine[];
  /**
   * The deployment acts in linked Regions too: every member Task is routed by the resource's Region
   * (member-api-routing.ts).
   *
   * @default false
   */
  readonly linkedRegions?: boolean;
}

/** Builds the remediation state machine definition. */
export function buildRemediationDefinition(options: DefinitionOptions = {}): StateMachineDefinition {
  // The approval-gated engines wait in the recreation's approval states: none without them.
  const resourceEngines = (options.resourceEngines ?? RESOURCE_ENGINES).filter(
    (engine) => options.recreate !== undefined || !isApprovalEngine(engine),
  );
  const toFailureHandling = catchAll('CheckNotebookAfterFailure', '$.failure');
  const lockReleaseErrors = (next: string): Catcher[] => [
    // The lock expired and another execution took it: it is no longer ours to release.
    { ErrorEquals: ['DynamoDb.ConditionalCheckFailedException'], Next: next, ResultPath: null },
  ];

  const states: Record<string, State> = {
    DecideEntry: {
      Type: 'Choice',
      Comment:
        "A finding starts a remediation; this state machine's own status change (aborted, timed out, failed past its handling) starts a clean-up of that execution.",
      Choices: [{ Variable: '$.detail.executionArn', IsPresent: true, Next: 'PlanCleanup' }],
      Default: 'PlanRemediation',
    },
    ...cleanUpStates(
      options.recreate !== undefined,
      resourceEngines.some((engine) => !isApprovalEngine(engine)),
    ),
    PlanRemediation: {
      Type: 'Task',
      Comment:
        'Validate the finding, apply the catalogue, exemption tag and dry-run, take the notebook lock, observe the notebook.',
      Resource: LAMBDA_INVOKE,
      Parameters: {
        FunctionName: placeholder(PLACEHOLDERS.planFunctionArn),
        Payload: {
          'event.$': '$',
          execution: { 'id.$': '$$.Execution.Id', 'name.$': '$$.Execution.Name' },
        },
      },
      ResultSelector: {
        'plan.$': '$.Payload.plan',
        'notebook.$': '$.Payload.notebook',
        'runState.$': '$.Payload.runState',
        poll: { attempt: 0, delaySeconds: 0 },
        recovery: INITIAL_RECOVERY,
        recoveryError: null,
        // Read by the shared failure handling; only the recreate branch changes them.
        recreation: { lifecycleSwapped: false, deleted: false },
        snapshot: { Payload: { restoreCommand: '', snapshotPrefix: '', keepData: false } },
        // The findings an outcome is written on: this one; a recreation reads its plan's.
        'planFindingIdentifiers.$': '$.Payload.plan.findingIdentifiers',
        // ...and, for BatchUpdateFindingsV2, this one if it is an OCSF finding (ocsf-plan-notes.ts).
        'planOcsfFindingIdentifiers.$': '$.Payload.plan.ocsfFindingIdentifiers',
        planClose: { attempt: 0, count: '0' },
        // Read by the shared failure handling; only a resource engine's roll-back changes it.
        rollback: { step: 'none', restored: false },
      },
      // No ResultPath: the default ($) replaces the event with the plan, keeping the state small.
      TimeoutSeconds: lambdaTaskTimeoutSeconds('plan-remediation'),
      Retry: retryLambda(),
      Catch: [
        { ErrorEquals: ['InvalidFindingEvent'], Next: 'RejectEvent', ResultPath: '$.rejection' },
        { ErrorEquals: ['States.ALL'], Next: 'AlertPlanningFailed', ResultPath: '$.failure' },
      ],
      Next: 'DecideNextStep',
    },
    RejectEvent: {
      Type: 'Fail',
      Comment: 'Malformed or foreign event: nothing was changed. The planning Lambda logged why.',
      ErrorPath: '$.rejection.Error',
      CausePath: '$.rejection.Cause',
    },
    // Planning-failure alert (bounded): the event may hold a 240 KB finding, so the alert is worded by the
    // ReportFailure function with the finding cut (handlers/shared/planning-failure-alert.ts), and its
    // result replaces the event. States.JsonToString($) here made messages over 256 KiB.
    AlertPlanningFailed: {
      Type: 'Task',
      Comment:
        'Nothing was changed; the finding stays NEW, so the next import of it tries again. Words the alert with the finding cut.',
      Resource: LAMBDA_INVOKE,
      Parameters: {
        FunctionName: placeholder(PLACEHOLDERS.reportFailureFunctionArn),
        Payload: { kind: PLANNING_FAILED_KIND, 'input.$': '$', execution: { 'id.$': '$$.Execution.Id' } },
      },
      ResultSelector: { 'alert.$': '$.Payload.alert', 'failure.$': '$.Payload.failure' },
      // No ResultPath: the bounded alert replaces the event (with it, the state could pass 256 KiB).
      TimeoutSeconds: lambdaTaskTimeoutSeconds('report-failure'),
      Retry: retryLambda(),
      Catch: [{ ErrorEquals: ['States.ALL'], Next: 'PublishBriefPlanningFailure', ResultPath: null }],
      Next: 'PublishPlanningFailure',
    },
    PublishPlanningFailure: {
      Type: 'Task',
      Resource: sdkIntegration('sns', 'publish'),
      Parameters: {
        TopicArn: placeholder(PLACEHOLDERS.alertTopicArn),
        'Subject.$': '$.alert.subject',
        'Message.$': '$.alert.message',
        MessageAttributes: { outcome: { DataType: 'String', StringValue: 'FAILED' } },
      },
      ResultPath: null,
      TimeoutSeconds: 60,
      Retry: retryTransient('sns'),
      Next: 'PlanningFailed',
    },
    PublishBriefPlanningFailure: {
      Type: 'Task',
      Comment:
        'The alert could not be worded: one without the finding (a cause is at most 32,768 characters).',
      Resource: sdkIntegration('sns', 'publish'),
      Parameters: {
        TopicArn: placeholder(PLACEHOLDERS.alertTopicArn),
        Subject: PLANNING_FAILED_SUBJECT,
        'Message.$':
          "States.Format('The remediation workflow could not plan a response to a Security Hub finding, so nothing was changed. The finding stays NEW, so the next import of it tries again. The execution input has the finding.\n\nError: {}\nCause: {}\nExecution: {}', $.failure.Error, $.failure.Cause, $$.Execution.Id)",
        MessageAttributes: { outcome: { DataType: 'String', StringValue: 'FAILED' } },
      },
      ResultPath: null,
      TimeoutSeconds: 60,
      Retry: retryTransient('sns'),
      Next: 'PlanningFailed',
    },
    PlanningFailed: { Type: 'Fail', ErrorPath: '$.failure.Error', CausePath: '$.failure.Cause' },

    DecideNextStep: {
      Type: 'Choice',
      Comment:
        "Reconcile loop: from the latest observed status, take the one step toward the plan's settings in the prior run state.",
      Choices: [
        { ...actionIs('annotate'), Next: 'AnnotateFinding' },
        { ...actionIs('ignore'), Next: 'NothingToDo' },
        ...(options.recreate ? [{ ...remediationIs('recreate-notebook'), Next: 'RequestApproval' }] : []),
        ...resourceEngines.map((engine) => ({
          ...remediationIs(engine),
          Next: resourceEngineEntry(engine),
        })),
        ...updateNotebookRules(),
      ],
      Default: 'RecordUnexpectedStatus',
    },
    NothingToDo: {
      Type: 'Succeed',
      Comment: 'The control is off, or this finding is already being handled.',
    },

    StopNotebook: {
      Type: 'Task',
      Resource: sdkIntegration('sagemaker', 'stopNotebookInstance'),
      Parameters: notebookName,
      ResultSelector: { wasRunning: true },
      ResultPath: '$.runState',
      TimeoutSeconds: 60,
      Retry: retryTransient('sagemaker'),
      Catch: toFailureHandling,
      Next: 'WaitForNotebookToStop',
    },
    WaitForNotebookToStop: waitSeconds(
      '$.plan.timing.stopSeconds',
      'DescribeNotebook',
      'Sized to how long a stop usually takes, so one check normally suffices.',
    ),
    ...updateNotebookStates(toFailureHandling),
    WaitForUpdateToFinish: waitSeconds(
      '$.plan.timing.updateSeconds',
      'DescribeNotebook',
      'The notebook goes Updating, then Stopped.',
    ),
    StartNotebook: {
      Type: 'Task',
      Comment: 'Only reached when the notebook was running before the workflow stopped it.',
      Resource: sdkIntegration('sagemaker', 'startNotebookInstance'),
      Parameters: notebookName,
      ResultSelector: { attempt: 0, delaySeconds: 0 },
      ResultPath: '$.poll',
      TimeoutSeconds: 60,
      Retry: retryTransient('sagemaker'),
      Catch: toFailureHandling,
      Next: 'WaitForNotebookToStart',
    },
    WaitForNotebookToStart: waitSeconds(
      '$.plan.timing.startSeconds',
      'DescribeNotebook',
      'Sized to how long a start usually takes.',
    ),
    DescribeNotebook: describeNotebook('DecideNextStep', toFailureHandling),
    CountStatusCheck: countStatusCheck('$.poll', 'WaitBeforeCheckingAgain'),
    WaitBeforeCheckingAgain: waitSeconds(
      '$.poll.delaySeconds',
      'DescribeNotebook',
      'Backoff between checks.',
    ),
    RecordNotebookNotSettling: {
      Type: 'Pass',
      Parameters: {
        Error: 'NotebookStatusTimeout',
        'Cause.$':
          "States.Format('Notebook instance {} was still {} after {} further status checks.', $.plan.notebook.name, $.notebook.status, $.poll.attempt)",
      },
      ResultPath: '$.failure',
      Next: 'CheckNotebookAfterFailure',
    },
    RecordUnexpectedStatus: {
      Type: 'Pass',
      Parameters: {
        Error: 'UnexpectedNotebookStatus',
        'Cause.$':
          "States.Format('Notebook instance {} is {} with settings {}, a state the remediation cannot continue from.', $.plan.notebook.name, $.notebook.status, States.JsonToString($.notebook.settings))",
      },
      ResultPath: '$.failure',
      Next: 'CheckNotebookAfterFailure',
    },

    ResolveFinding: {
      Type: 'Task',
      Comment: "Verified: the plan's settings are set and the notebook is back in its prior run state.",
      Resource: sdkIntegration('securityhub', 'batchUpdateFindings'),
      Parameters: updateFindings(
        'RESOLVED',
        "States.Format('Remediated by {}: {} verified on notebook instance {} (was running before: {}; status now: {}).{}', $$.Execution.Name, $.plan.resource.settingsText, $.plan.notebook.name, $.runState.wasRunning, $.notebook.status, $.plan.lockTakeover)",
      ),
      ResultSelector: { 'unprocessed.$': '$.UnprocessedFindings' },
      ResultPath: '$.findingUpdate',
      TimeoutSeconds: 60,
      Retry: retryTransient('securityhub'),
      Catch: toFailureHandling,
      Next: 'CheckFindingResolved',
    },
    CheckFindingResolved: {
      Type: 'Choice',
      Choices: [
        { Variable: '$.findingUpdate.unprocessed[0]', IsPresent: true, Next: 'RecordFindingNotUpdated' },
      ],
      Default: 'PublishResolvedAlert',
    },
    RecordFindingNotUpdated: {
      Type: 'Pass',
      Parameters: {
        Error: 'FindingNotUpdated',
        'Cause.$': 'States.JsonToString($.findingUpdate.unprocessed)',
      },
      ResultPath: '$.failure',
      Next: 'CheckNotebookAfterFailure',
    },
    PublishResolvedAlert: {
      Type: 'Task',
      Resource: sdkIntegration('sns', 'publish'),
      Parameters: {
        TopicArn: placeholder(PLACEHOLDERS.alertTopicArn),
        'Subject.$': '$.plan.resolvedSubject',
        'Message.$':
          "States.Format('Security Hub control {} is remediated.\n\nNotebook instance: {}\nWhat changed: {} (stopped, updated and restarted as needed)\nWas running before: {}\nStatus now: {}\nFinding: {} (workflow status RESOLVED)\nExecution: {}', $.plan.controlId, $.plan.notebook.arn, $.plan.resource.settingsText, $.runState.wasRunning, $.notebook.status, $.plan.finding.id, $$.Execution.Id)",
        MessageAttributes: alertAttributes({ StringValue: 'RESOLVED' }),
      },
      ResultPath: null,
      TimeoutSeconds: 60,
      Retry: retryTransient('sns'),
      Catch: catchAll('ReleaseLockAfterAlertFailure', '$.failure'),
      Next: 'ReleaseNotebookLock',
    },
    ReleaseNotebookLock: releaseLock(undefined, lockReleaseErrors('LockAlreadyTaken')),
    LockAlreadyTaken: {
      Type: 'Succeed',
      Comment: 'The lock had expired and another execution holds it now; the remediation itself succeeded.',
    },
    ReleaseLockAfterAlertFailure: releaseLock('AlertNotPublished', lockReleaseErrors('AlertNotPublished')),
    AlertNotPublished: {
      Type: 'Fail',
      Comment: 'The notebook is remediated and the finding resolved, but the alert could not be sent.',
      ErrorPath: '$.failure.Error',
      CausePath: '$.failure.Cause',
    },

    AnnotateFinding: {
      Type: 'Task',
      Comment: 'No change to the resource: write why on the finding (notify, exempt, dry run, duplicate...).',
      Resource: sdkIntegration('securityhub', 'batchUpdateFindings'),
      Parameters: updateFindings({ path: '$.plan.annotation.workflowStatus' }, '$.plan.annotation.note'),
      ResultSelector: { 'unprocessed.$': '$.UnprocessedFindings' },
      ResultPath: '$.findingUpdate',
      TimeoutSeconds: 60,
      Retry: retryTransient('securityhub'),
      Catch: catchAll('AlertAnnotationFailed', '$.failure'),
      Next: 'CheckFindingAnnotated',
    },
    CheckFindingAnnotated: {
      Type: 'Choice',
      Choices: [
        { Variable: '$.findingUpdate.unprocessed[0]', IsPresent: true, Next: 'RecordAnnotationNotWritten' },
      ],
      Default: 'PublishOutcomeAlert',
    },
    RecordAnnotationNotWritten: {
      Type: 'Pass',
      Parameters: {
        Error: 'FindingNotUpdated',
        'Cause.$': 'States.JsonToString($.findingUpdate.unprocessed)',
      },
      ResultPath: '$.failure',
      Next: 'AlertAnnotationFailed',
    },
    PublishOutcomeAlert: {
      Type: 'Task',
      Resource: sdkIntegration('sns', 'publish'),
      Parameters: {
        TopicArn: placeholder(PLACEHOLDERS.alertTopicArn),
        'Subject.$': '$.plan.annotation.subject',
        'Message.$': '$.plan.annotation.message',
        MessageAttributes: alertAttributes({ 'StringValue.$': '$.plan.annotation.outcome' }),
      },
      ResultPath: null,
      TimeoutSeconds: 60,
      Retry: retryTransient('sns'),
      End: true,
    },
    AlertAnnotationFailed: {
      Type: 'Task',
      Comment: 'The resource was not changed; the finding could not be annotated.',
      Resource: sdkIntegration('sns', 'publish'),
      Parameters: {
        TopicArn: placeholder(PLACEHOLDERS.alertTopicArn),
        Subject: 'SageMaker finding could not be annotated',
        'Message.$':
          "States.Format('{}\n\nThe note above could not be written on finding {}: {} {}\nExecution: {}', $.plan.annotation.message, $.plan.finding.id, $.failure.Error, $.failure.Cause, $$.Execution.Id)",
        MessageAttributes: alertAttributes({ StringValue: 'FAILED' }),
      },
      ResultPath: null,
      TimeoutSeconds: 60,
      Retry: retryTransient('sns'),
      Next: 'AnnotationFailed',
    },
    AnnotationFailed: { Type: 'Fail', ErrorPath: '$.failure.Error', CausePath: '$.failure.Cause' },

    ...failureHandlingStates(
      options.recreate !== undefined,
      resourceEngines.some(isApprovalEngine) ? 'DecideResourceRecovery' : undefined,
    ),
    ...(options.recreate
      ? recreateNotebookStates({
          ...options.recreate,
          // An approval goes on to the notebook recreation, or to a resource engine's change.
          ...(resourceEngines.some(isApprovalEngine) ? { approvedWork: 'DecideApprovedWork' } : {}),
        })
      : {}),
    ...resourceEngineStates(resourceEngines),
  };

  // Every call on the finding's resource is made as the member role of its account and Region, by
  // Step Functions where it can and by the member-api-call function where it cannot.
  const definition = withMemberCredentials({
    Comment:
      'Remediates Security Hub findings for SageMaker notebook instances. Generated by statemachines/remediation-definition.ts.',
    StartAt: 'DecideEntry',
    TimeoutSeconds: executionTimeoutSeconds(options),
    States: withOcsfNotes(states),
  });
  return withMemberRouting(definition, { linkedRegions: options.linkedRegions ?? false });
}

/**
 * The clean-up after an execution that ended without its own failure handling: PlanCleanup reads
 * where it was, takes over its lock and plan, and the shared failure handling carries on from there.
 */
function cleanUpStates(withRecreation: boolean, withResourceEngines: boolean): Record<string, State> {
  return {
    PlanCleanup: {
      Type: 'Task',
      Comment:
        "Read the ended execution's last step from its history, take over its lock and plan, look at the notebook.",
      Resource: LAMBDA_INVOKE,
      Parameters: {
        FunctionName: placeholder(PLACEHOLDERS.planCleanupFunctionArn),
        Payload: {
          'event.$': '$',
          execution: { 'id.$': '$$.Execution.Id', 'name.$': '$$.Execution.Name' },
          'stateMachine.$': '$$.StateMachine.Id',
        },
      },
      // The state becomes what the ended execution had, ready for the failure handling.
      OutputPath: '$.Payload',
      TimeoutSeconds: lambdaTaskTimeoutSeconds('plan-cleanup'),
      Retry: retryLambda(),
      Catch: [{ ErrorEquals: ['States.ALL'], Next: 'AlertCleanUpFailed', ResultPath: '$.failure' }],
      Next: 'DecideCleanUp',
    },
    DecideCleanUp: {
      Type: 'Choice',
      Choices: [
        { Variable: '$.cleanup.action', StringEquals: 'recover', Next: 'CheckNotebookAfterFailure' },
        // Another execution holds the notebook: its findings are told, the notebook is left to it.
        { Variable: '$.cleanup.action', StringEquals: 'close-plan', Next: 'ReportFailure' },
        // It had written its outcome on its findings: only its lock and plan are left.
        // It ended while planning: nothing changed; its finding is told so.
        { Variable: '$.cleanup.action', StringEquals: 'tell', Next: 'NoteUnplannedFinding' },
        // A resource engine ended mid-fix (no lock, no plan): its findings are told.
        ...(withResourceEngines
          ? [{ Variable: '$.cleanup.action', StringEquals: 'report-resource', Next: 'ReportResourceFailure' }]
          : []),
        {
          Variable: '$.cleanup.action',
          StringEquals: 'release',
          Next: withRecreation ? 'DecidePlanAfterFailure' : 'ReleaseLockAfterFailure',
        },
      ],
      Default: 'CleanUpNotNeeded',
    },
    CleanUpNotNeeded: { Type: 'Succeed', Comment: 'It handled its own failure, or held nothing.' },
    NoteUnplannedFinding: {
      Type: 'Task',
      Comment: 'Nothing was changed: the finding says so, and how to try again.',
      Resource: sdkIntegration('securityhub', 'batchUpdateFindings'),
      Parameters: updateFindings('NOTIFIED', '$.note'),
      ResultPath: null,
      TimeoutSeconds: 60,
      Retry: retryTransient('securityhub'),
      Catch: catchAll('AlertUnplannedFinding', '$.noteError'),
      Next: 'AlertUnplannedFinding',
    },
    AlertUnplannedFinding: {
      Type: 'Task',
      Resource: sdkIntegration('sns', 'publish'),
      Parameters: {
        TopicArn: placeholder(PLACEHOLDERS.alertTopicArn),
        Subject: 'SageMaker remediation stopped before any change',
        'Message.$':
          "States.Format('{}\n\nFinding: {}\nClean-up: {}', $.note, $.plan.finding.id, $$.Execution.Id)",
        MessageAttributes: { outcome: { DataType: 'String', StringValue: 'NOTIFIED' } },
      },
      ResultPath: null,
      TimeoutSeconds: 60,
      Retry: retryTransient('sns'),
      Next: 'DecideUnplannedLock',
    },
    DecideUnplannedLock: {
      Type: 'Choice',
      Choices: [{ Variable: '$.cleanup.lockTaken', BooleanEquals: true, Next: 'ReleaseUnplannedLock' }],
      Default: 'UnplannedFindingTold',
    },
    // Left to the sweeper if it cannot be released now.
    ReleaseUnplannedLock: releaseLock(
      'UnplannedFindingTold',
      catchAll('UnplannedFindingTold', '$.lockError'),
    ),
    UnplannedFindingTold: {
      Type: 'Succeed',
      Comment: 'Nothing was changed, and the finding and the alert say so.',
    },
    AlertCleanUpFailed: {
      Type: 'Task',
      Resource: sdkIntegration('sns', 'publish'),
      Parameters: {
        TopicArn: placeholder(PLACEHOLDERS.alertTopicArn),
        Subject: 'SageMaker remediation clean-up failed - ACTION NEEDED',
        'Message.$':
          "States.Format('Execution {} ended ({}) and its clean-up could not start, so its notebook may not be in its prior state and its findings may not say what happened. Look at its execution history, the notebook, and its lock and plan items (docs/operations.md).\n\nError: {}\nCause: {}\nClean-up: {}', $.detail.executionArn, $.detail.status, $.failure.Error, $.failure.Cause, $$.Execution.Id)",
        MessageAttributes: { outcome: { DataType: 'String', StringValue: 'FAILED' } },
      },
      ResultPath: null,
      TimeoutSeconds: 60,
      Retry: retryTransient('sns'),
      Next: 'CleanUpFailed',
    },
    CleanUpFailed: { Type: 'Fail', ErrorPath: '$.failure.Error', CausePath: '$.failure.Cause' },
  };
}
