/**
 * The engines for resources other than notebook instances, and the outcome states they share.
 *
 * Shape of an in-place fix: the change (one SDK integration call, with the bounded input the planner
 * worked out), VerifyResource (the control modules' own predicates, on what SageMaker reports now),
 * then RESOLVED on the findings and an alert; any failure is worded by ReportFailure (kind
 * `resource-failed`), written on the findings and alerted. No lock: each engine's change is idempotent
 * (AddTags of the same tags twice converges), so a second execution for the same resource does no harm.
 */
import { RESOURCE_FAILED_KIND } from '../handlers/shared/resource-failure-report.js';
import { lambdaTaskTimeoutSeconds } from '../stacks/lambda-bundling.js';
import { LAMBDA_INVOKE, type State, sdkIntegration, type TaskState } from './amazon-states-language.js';
import { MEMBER_SESSION_PAYLOAD } from './member-credentials.js';
import { isOcsfFinding, twinOf } from './ocsf-notes.js';
import { ocsfTwinName, PLAN_OCSF_FINDINGS } from './ocsf-plan-notes.js';
import {
  APPROVAL_ENGINES,
  type ApprovalEngine,
  approvedWorkStates,
  resourceApprovalStates,
} from './resource-approval-states.js';
import {
  alertAttributes,
  catchAll,
  NOTE_AUTHOR,
  notePlanFailure,
  PLACEHOLDERS,
  placeholder,
  retryLambda,
  retryTransient,
} from './state-builders.js';

/** The state every resource engine starts in, by engine name (DecideNextStep routes on it). */
export const RESOURCE_ENGINE_ENTRIES = {
  'add-required-tags': 'AddRequiredTags',
} as const;

/** The engines that change a resource in place without an approval. */
export type InPlaceResourceEngine = keyof typeof RESOURCE_ENGINE_ENTRIES;

export type ResourceEngine = InPlaceResourceEngine | ApprovalEngine;

export const RESOURCE_ENGINES: readonly ResourceEngine[] = [
  ...(Object.keys(RESOURCE_ENGINE_ENTRIES) as InPlaceResourceEngine[]),
  ...APPROVAL_ENGINES,
];

export function isApprovalEngine(engine: ResourceEngine): engine is ApprovalEngine {
  return (APPROVAL_ENGINES as readonly string[]).includes(engine);
}

const toResourceFailure = catchAll('ReportResourceFailure', '$.failure');

/** The states of the given engines, with the outcome states they share (none without an engine). */
export function resourceEngineStates(engines: readonly ResourceEngine[]): Record<string, State> {
  const inPlace = engines.filter((engine): engine is InPlaceResourceEngine => !isApprovalEngine(engine));
  const approved = engines.filter(isApprovalEngine);
  const states: Record<InPlaceResourceEngine, Record<string, State>> = {
    'add-required-tags': addRequiredTagsStates(),
  };
  return {
    ...(inPlace.length > 0
      ? { ...Object.assign({}, ...inPlace.map((engine) => states[engine])), ...resourceOutcomeStates() }
      : {}),
    ...(approved.length > 0 ? { ...approvedWorkStates(approved), ...resourceApprovalStates(approved) } : {}),
  };
}

/** Where DecideNextStep sends a remediation of each engine: its first state, or the approval request. */
export function resourceEngineEntry(engine: ResourceEngine): string {
  return isApprovalEngine(engine) ? 'RequestApproval' : RESOURCE_ENGINE_ENTRIES[engine];
}

function addRequiredTagsStates(): Record<string, State> {
  return {
    AddRequiredTags: {
      Type: 'Task',
      Comment: 'The required tags the resource lacks, as the planner read them; existing tags are kept.',
      Resource: sdkIntegration('sagemaker', 'addTags'),
      Parameters: { 'ResourceArn.$': '$.plan.resource.arn', 'Tags.$': '$.plan.resource.tags' },
      ResultPath: null,
      TimeoutSeconds: 60,
      Retry: retryTransient('sagemaker'),
      Catch: toResourceFailure,
      Next: 'VerifyResource',
    },
  };
}

const resolveResourceFindings: TaskState = {
  Type: 'Task',
  Comment: 'Verified on the resource: every finding of the fix is RESOLVED.',
  Resource: sdkIntegration('securityhub', 'batchUpdateFindings'),
  Parameters: {
    'FindingIdentifiers.$': '$.planFindingIdentifiers',
    Workflow: { Status: 'RESOLVED' },
    Note: {
      'Text.$':
        "States.Format('Remediated by {}: {} on {} ({}), verified: it now passes {}.', $$.Execution.Name, $.plan.resource.summary, $.plan.resource.name, $.plan.resource.kind, States.JsonToString($.plan.resource.fixes))",
      UpdatedBy: NOTE_AUTHOR,
    },
  },
  ResultSelector: { 'unprocessed.$': '$.UnprocessedFindings' },
  ResultPath: '$.findingUpdate',
  TimeoutSeconds: 60,
  Retry: retryTransient('securityhub'),
  Catch: toResourceFailure,
  Next: 'CheckResourceFindingsResolved',
};

const annotateResourceFailure: TaskState = notePlanFailure('PublishResourceFailureAlert');

function resourceOutcomeStates(): Record<string, State> {
  return {
    VerifyResource: {
      Type: 'Task',
      Comment: "Reads the resource again and evaluates every fixed control's own predicate.",
      Resource: LAMBDA_INVOKE,
      Parameters: {
        FunctionName: placeholder(PLACEHOLDERS.verifyResourceFunctionArn),
        Payload: { 'resource.$': '$.plan.resource', ...MEMBER_SESSION_PAYLOAD },
      },
      ResultSelector: {
        'passes.$': '$.Payload.passes',
        'failing.$': '$.Payload.failing',
        'gone.$': '$.Payload.gone',
      },
      ResultPath: '$.verification',
      TimeoutSeconds: lambdaTaskTimeoutSeconds('verify-resource'),
      Retry: retryLambda(),
      Catch: toResourceFailure,
      Next: 'DecideResourceVerified',
    },
    DecideResourceVerified: {
      Type: 'Choice',
      Choices: [
        {
          And: [isOcsfFinding, { Variable: '$.verification.passes', BooleanEquals: true }],
          Next: ocsfTwinName('ResolveResourceFindings'),
        },
        { Variable: '$.verification.passes', BooleanEquals: true, Next: 'ResolveResourceFindings' },
      ],
      Default: 'RecordResourceNotVerified',
    },
    RecordResourceNotVerified: {
      Type: 'Pass',
      Parameters: {
        Error: 'ResourceNotVerified',
        'Cause.$':
          "States.Format('after the change, SageMaker reports {} (gone: {}) still failing {}', $.plan.resource.arn, $.verification.gone, States.JsonToString($.verification.failing))",
      },
      ResultPath: '$.failure',
      Next: 'ReportResourceFailure',
    },
    ResolveResourceFindings: resolveResourceFindings,
    [ocsfTwinName('ResolveResourceFindings')]: twinOf(
      'ResolveResourceFindings',
      resolveResourceFindings,
      PLAN_OCSF_FINDINGS,
    ),
    CheckResourceFindingsResolved: {
      Type: 'Choice',
      Choices: [
        {
          Variable: '$.findingUpdate.unprocessed[0]',
          IsPresent: true,
          Next: 'RecordResourceFindingNotUpdated',
        },
      ],
      Default: 'PublishResourceResolved',
    },
    RecordResourceFindingNotUpdated: {
      Type: 'Pass',
      Parameters: {
        Error: 'FindingNotUpdated',
        'Cause.$': 'States.JsonToString($.findingUpdate.unprocessed)',
      },
      ResultPath: '$.failure',
      Next: 'ReportResourceFailure',
    },
    PublishResourceResolved: {
      Type: 'Task',
      Resource: sdkIntegration('sns', 'publish'),
      Parameters: {
        TopicArn: placeholder(PLACEHOLDERS.alertTopicArn),
        'Subject.$': '$.plan.resolvedSubject',
        'Message.$':
          "States.Format('Security Hub control {} is remediated.\n\nResource: {}\nWhat changed: {}\nVerified: it now passes {}\nFinding: {} (workflow status RESOLVED)\nExecution: {}', $.plan.controlId, $.plan.resource.arn, $.plan.resource.summary, States.JsonToString($.plan.resource.fixes), $.plan.finding.id, $$.Execution.Id)",
        MessageAttributes: alertAttributes({ StringValue: 'RESOLVED' }),
      },
      ResultPath: null,
      TimeoutSeconds: 60,
      Retry: retryTransient('sns'),
      Catch: catchAll('ResourceAlertNotPublished', '$.failure'),
      Next: 'ResourceRemediated',
    },
    ResourceRemediated: {
      Type: 'Succeed',
      Comment: 'Changed, verified, the findings resolved, the alert sent.',
    },
    ResourceAlertNotPublished: {
      Type: 'Fail',
      Comment: 'The resource is remediated and the findings resolved, but the alert could not be sent.',
      ErrorPath: '$.failure.Error',
      CausePath: '$.failure.Cause',
    },
    ReportResourceFailure: {
      Type: 'Task',
      Comment:
        'Words the note (<= 512 characters) and the alert: what failed, what state it left, what to do.',
      Resource: LAMBDA_INVOKE,
      Parameters: {
        FunctionName: placeholder(PLACEHOLDERS.reportFailureFunctionArn),
        Payload: {
          kind: RESOURCE_FAILED_KIND,
          plan: {
            'controlId.$': '$.plan.controlId',
            'finding.$': '$.plan.finding',
            'resource.$': '$.plan.resource',
          },
          'failure.$': '$.failure',
          execution: { 'id.$': '$$.Execution.Id', 'name.$': '$$.Execution.Name' },
        },
      },
      ResultSelector: {
        'note.$': '$.Payload.note',
        'subject.$': '$.Payload.subject',
        'message.$': '$.Payload.message',
      },
      ResultPath: '$.report',
      TimeoutSeconds: lambdaTaskTimeoutSeconds('report-failure'),
      Retry: retryLambda(),
      Catch: catchAll('BuildResourceFallbackReport', '$.reportError'),
      Next: 'DecideResourceFailureNote',
    },
    BuildResourceFallbackReport: {
      Type: 'Pass',
      Comment: 'The report Lambda failed: a plain report still goes out.',
      Parameters: {
        'note.$':
          "States.Format('Remediation of {} on {} failed; check it. The alert has the error (execution {}).', $.plan.controlId, $.plan.resource.name, $$.Execution.Name)",
        subject: 'SageMaker remediation failed',
        'message.$':
          "States.Format('Remediation of {} on {} failed.\n\nError: {}\nCause: {}\nExecution: {}', $.plan.controlId, $.plan.resource.arn, $.failure.Error, $.failure.Cause, $$.Execution.Id)",
      },
      ResultPath: '$.report',
      Next: 'DecideResourceFailureNote',
    },
    DecideResourceFailureNote: {
      Type: 'Choice',
      Comment: 'An OCSF finding gets the note through BatchUpdateFindingsV2.',
      Choices: [{ ...isOcsfFinding, Next: ocsfTwinName('AnnotateResourceFailure') }],
      Default: 'AnnotateResourceFailure',
    },
    AnnotateResourceFailure: annotateResourceFailure,
    [ocsfTwinName('AnnotateResourceFailure')]: twinOf(
      'AnnotateResourceFailure',
      annotateResourceFailure,
      PLAN_OCSF_FINDINGS,
    ),
    PublishResourceFailureAlert: {
      Type: 'Task',
      Resource: sdkIntegration('sns', 'publish'),
      Parameters: {
        TopicArn: placeholder(PLACEHOLDERS.alertTopicArn),
        'Subject.$': '$.report.subject',
        'Message.$': '$.report.message',
        MessageAttributes: alertAttributes({ StringValue: 'FAILED' }),
      },
      ResultPath: null,
      TimeoutSeconds: 60,
      Retry: retryTransient('sns'),
      Catch: catchAll('DecideResourceFailureEnd', '$.alertError'),
      Next: 'DecideResourceFailureEnd',
    },
    DecideResourceFailureEnd: {
      Type: 'Choice',
      Comment: 'A remediation fails with its error; a clean-up of another execution has done its job.',
      Choices: [{ Variable: '$.cleanup', IsPresent: true, Next: 'ResourceCleanUpDone' }],
      Default: 'ResourceRemediationFailed',
    },
    ResourceCleanUpDone: {
      Type: 'Succeed',
      Comment: 'The findings and the alert say where the fix stopped.',
    },
    ResourceRemediationFailed: { Type: 'Fail', ErrorPath: '$.failure.Error', CausePath: '$.failure.Cause' },
  };
}
