/**
 * IAM derived from the control modules: which SageMaker resources each principal reads or changes,
 * for the controls a deployment has in scope. Adding a control adds its resource kind here without
 * touching a stack.
 *
 * Pure (no CDK imports): ARNs are built from the partition, region and account given, so tests can
 * compare the statements exactly.
 */

import type { Caller } from '../handlers/shared/controls/control-module.js';
import { type ResourceKind, resourceKind } from '../handlers/shared/controls/resource-kinds.js';
import {
  CONTROLS,
  type ControlDefinition,
  type ControlModes,
  controlsInScope,
} from '../handlers/shared/controls-catalogue.js';

export interface ArnContext {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
}

/** Every resource of a kind in this account and region (names are only known at run time). */
export function kindArn(context: ArnContext, kind: ResourceKind | 'endpoint'): string {
  const type = kind === 'endpoint' ? 'endpoint' : resourceKind(kind).arnType;
  return `arn:${context.partition}:sagemaker:${context.region}:${context.account}:${type}/*`;
}

export interface Grant {
  readonly actions: readonly string[];
  readonly resources: readonly string[];
}

/** Controls whose findings reach the workflow, beside notebook instances (the notebook engines grant their own). */
function resourceControlsInScope(modes: ControlModes): ControlDefinition[] {
  const inScope = new Set<string>(controlsInScope(modes));
  return CONTROLS.filter((control) => control.kind !== 'notebook-instance' && inScope.has(control.id));
}

/** One grant per action, on every resource kind it is used on, in a stable order. */
function grantsOf(uses: ReadonlyArray<{ action: string; arn: string }>): Grant[] {
  const byAction = new Map<string, Set<string>>();
  for (const use of uses) byAction.set(use.action, (byAction.get(use.action) ?? new Set()).add(use.arn));
  return [...byAction.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([action, arns]) => ({ actions: [action], resources: [...arns].sort() }));
}

/**
 * What plan-remediation reads before planning: each in-scope kind's Describe and its tags (the
 * exemption tag, SageMaker.6/.7), plus the reads a module's fix plans with.
 */
export function planningGrants(modes: ControlModes, context: ArnContext): Grant[] {
  const uses = resourceControlsInScope(modes).flatMap((control) => {
    const arn = kindArn(context, control.kind);
    return [
      { action: `sagemaker:${resourceKind(control.kind).describe.operation}`, arn },
      { action: 'sagemaker:ListTags', arn },
      // A fix's own planning reads, once its engine is built.
      ...(control.remediation ? callsOf(control, 'plan-remediation', context) : []),
    ];
  });
  return grantsOf(uses);
}

/** The in-scope controls the deployed engines fix (an engine can be left out: no required tags to add). */
function fixedControls(modes: ControlModes, engines: readonly string[]): ControlDefinition[] {
  return resourceControlsInScope(modes).filter(
    (control) => control.remediation && engines.includes(control.remediation.name),
  );
}

/** What verify-resource reads: the remediated kinds' Describe, and their tags where a control needs them. */
export function verificationGrants(
  modes: ControlModes,
  engines: readonly string[],
  context: ArnContext,
): Grant[] {
  const uses = fixedControls(modes, engines).flatMap((control) => {
    const arn = kindArn(context, control.kind);
    return [
      { action: `sagemaker:${resourceKind(control.kind).describe.operation}`, arn },
      ...(control.module.needsTags ? [{ action: 'sagemaker:ListTags', arn }] : []),
    ];
  });
  return grantsOf(uses);
}

/** The calls the state machine makes for the remediated resource controls in scope, by action. */
export function stateMachineResourceGrants(
  modes: ControlModes,
  engines: readonly string[],
  context: ArnContext,
): Grant[] {
  return grantsOf(
    fixedControls(modes, engines).flatMap((control) => callsOf(control, 'state-machine', context)),
  );
}

/** The SageMaker calls a resource engine's Lambda makes for the controls in scope it fixes. */
export function engineLambdaGrants(
  caller: 'snapshot-resource' | 'change-resource',
  modes: ControlModes,
  engines: readonly string[],
  context: ArnContext,
): Grant[] {
  return grantsOf(fixedControls(modes, engines).flatMap((control) => callsOf(control, caller, context)));
}

function callsOf(
  control: ControlDefinition,
  caller: Caller,
  context: ArnContext,
): Array<{ action: string; arn: string }> {
  const fix = control.module.fix;
  if (!('calls' in fix)) return [];
  return fix.calls
    .filter((call) => call.by === caller)
    .map((call) => ({ action: call.action, arn: call.on === '*' ? '*' : kindArn(context, call.on) }));
}
