/**
 * What the resource restore tool prints: the plan before anything changes (all of a dry run, with
 * each request), each call as it is made, and what to check next, as commands a person can paste.
 */
import type { SageMakerRequest } from '../../handlers/shared/changes/sagemaker-requests.js';
import { resourceKind } from '../../handlers/shared/controls/resource-kinds.js';
import { CHANGE_ENGINES } from '../../handlers/shared/resource-changes.js';
import type { ResourceSnapshot } from '../../handlers/shared/resource-snapshot.js';
import { placementArguments } from '../restore-notebook/placement.js';
import { regionFlag, shellWord } from '../restore-notebook/shell.js';
import { RESOURCE_RESTORE_TOOL, type ResourceRestoreOptions } from './arguments.js';
import type { ResourceRestorePlan } from './plan.js';

type Print = (line: string) => void;

/** The names a request acts on (`MonitoringScheduleName=churn`...): enough to tell its calls apart. */
export function requestTarget(request: Pick<SageMakerRequest, 'operation' | 'input'>): string {
  const names = Object.entries(request.input)
    .filter(([member, value]) => /Name$/.test(member) && typeof value === 'string')
    .map(([member, value]) => `${member}=${value}`);
  return names.length > 0 ? `${request.operation} (${names.join(', ')})` : request.operation;
}

/** The plan in words, before anything changes. */
export function printPlan(
  print: Print,
  options: ResourceRestoreOptions,
  snapshot: ResourceSnapshot,
  plan: ResourceRestorePlan,
  uri: string,
): void {
  const line = (label: string, text: string) => print(`  ${`${label}:`.padEnd(14)}${text}`);
  print(`${options.dryRun ? 'Dry run: would restore' : 'Restoring'} ${plan.label} ${plan.name}`);
  line('Snapshot', `${uri} (taken ${snapshot.takenAt} by ${snapshot.executionArn})`);
  line('Resource', `${plan.arn}`);
  if (options.roleArn) line('Calls as', `${options.roleArn} (STS AssumeRole with your credentials)`);
  line(
    'Puts back',
    `the definition from before the change that fixed ${snapshot.fixes.join(', ')} (so it fails them again)`,
  );
  const related = CHANGE_ENGINES[plan.engine]?.describeRelated?.(snapshot.related);
  if (related) line('Also touched', related);
  line('Calls', `the ${plan.engine} engine's restore step, as the workflow's roll-back makes them:`);
  for (const [index, request] of plan.requests.entries())
    print(`    ${index + 1}. ${requestTarget(request)}`);
}

/** A dry run's requests, whole: what would be sent, and when it would be skipped. */
export function printRequests(print: Print, plan: ResourceRestorePlan): void {
  for (const [index, request] of plan.requests.entries()) {
    print('');
    print(`${index + 1}. ${request.operation} request:`);
    print(JSON.stringify(request.input, null, 2));
    const conditions = request.onlyIf === undefined ? [] : [request.onlyIf].flat();
    for (const { read, member, equals } of conditions) {
      print(`   only while ${requestTarget(read)} shows ${member} = ${equals}`);
    }
    if (request.alreadyDone) {
      print(
        `   skipped when SageMaker answers that it is ${request.alreadyDone === 'exists' ? 'there already' : 'gone already'}`,
      );
    }
  }
}

/** What a person checks once the calls are made: the resource as SageMaker reports it, and the findings. */
export function nextChecks(snapshot: ResourceSnapshot, plan: ResourceRestorePlan, uri: string): string[] {
  const { describe } = resourceKind(snapshot.kind);
  const describeCommand = `aws sagemaker ${kebab(describe.operation)} --${kebab(describe.nameMember)} ${shellWord(plan.name)}${regionFlag(plan.region)}`;
  return [
    `  1. SageMaker applies the change in the background: describe the ${plan.label} until it has settled, and compare it with the snapshot's "description":`,
    `       ${describeCommand}`,
    `       aws s3 cp ${shellWord(uri)} -${regionFlag(plan.region)}`,
    `  2. It fails ${snapshot.fixes.join(', ')} again: when Security Hub evaluates it again, the workflow handles those findings by their modes (an approval-gated fix asks for approval again). Set their mode to notify or off if the ${plan.label} must stay as it is.`,
  ];
}

/** After a failed call: what was done, what was not, and how to run it again. */
export function failureReport(
  plan: ResourceRestorePlan,
  failedAt: number,
  options: ResourceRestoreOptions,
  uri: string,
): string[] {
  const done = plan.requests.slice(0, failedAt).map(requestTarget);
  const left = plan.requests.slice(failedAt).map(requestTarget);
  return [
    `Made: ${done.join(', ') || 'nothing'}. Not made: ${left.join(', ')}. The snapshot is untouched.`,
    'Fix the cause above, then run this again (it makes every call of the restore step again, from the first):',
    `      ${[RESOURCE_RESTORE_TOOL, '--snapshot', shellWord(uri), ...placementArguments(options).map(shellWord)].join(' ')}`,
  ];
}

/** `DescribeMonitoringSchedule` -> `describe-monitoring-schedule`: the AWS CLI's names. */
function kebab(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}
