/**
 * The finding note and alert of a failed fix of a resource other than a notebook instance. Pure, so it
 * cannot fail for the reason the fix did. The in-place engines change one thing with one call, so a
 * failure leaves the resource as it was unless the call itself went through: the note says which,
 * from the state the failure happened in, and what to do, with the control's own guidance.
 */
import * as z from 'zod/mini';
import { RESOURCE_KINDS, type ResourceKind, resourceKind } from './controls/resource-kinds.js';
import { findControl } from './controls-catalogue.js';
import { type FailureReport, summariseError } from './failure-report.js';
import { NOTE_LIMIT, toSubject, truncate } from './plan-decisions.js';
import { CAUSE_EXCERPT_BYTES, cutToBytes } from './planning-failure-alert.js';

export const RESOURCE_FAILED_KIND = 'resource-failed';

const kinds = [...RESOURCE_KINDS.keys()] as [ResourceKind, ...ResourceKind[]];

const resourceFailedRequest = z.object({
  kind: z.literal(RESOURCE_FAILED_KIND),
  plan: z.object({
    controlId: z.string(),
    finding: z.object({ id: z.string() }),
    resource: z.object({ kind: z.enum(kinds), name: z.string(), arn: z.string(), summary: z.string() }),
  }),
  failure: z.object({ Error: z.string(), Cause: z.optional(z.string()) }),
  execution: z.object({ id: z.string(), name: z.string() }),
});

export type ResourceFailedRequest = z.infer<typeof resourceFailedRequest>;

export function isResourceFailedRequest(request: unknown): boolean {
  return (request as { kind?: unknown } | null)?.kind === RESOURCE_FAILED_KIND;
}

export function reportResourceFailure(request: unknown): FailureReport {
  const input = resourceFailedRequest.parse(request);
  const { plan, failure, execution } = input;
  const kind = resourceKind(plan.resource.kind);
  const control = findControl(plan.controlId);
  const error = summariseError(failure.Error, failure.Cause);
  const notVerified = failure.Error === 'ResourceNotVerified';
  const what = notVerified
    ? `The change went through but ${kind.label} ${plan.resource.name} still fails: ${error}.`
    : `The fix failed (${error}); the ${kind.label} is as it was unless that call went through.`;
  const guidance = control ? ` What to do: ${control.guidance(plan.resource.name)}` : '';
  const note = truncate(
    `Remediation of ${plan.controlId} on ${kind.label} ${plan.resource.name} failed (execution ${execution.name}). ${what}${guidance}`,
    NOTE_LIMIT,
  );
  const cause = cutToBytes(failure.Cause ?? '', CAUSE_EXCERPT_BYTES);
  return {
    note,
    subject: toSubject(`${plan.controlId} remediation failed: ${plan.resource.name}`),
    message: [
      `Remediation of ${plan.controlId} on ${kind.label} ${plan.resource.name} failed.`,
      '',
      what,
      ...(control ? ['', `What to do: ${control.guidance(plan.resource.name)}`] : []),
      '',
      `Resource: ${plan.resource.arn}`,
      `Finding: ${plan.finding.id} (workflow status NOTIFIED)`,
      `Error: ${failure.Error}`,
      `Cause: ${cause.text}${cause.cut ? ' [cut]' : ''}`,
      `Execution: ${execution.id}`,
    ].join('\n'),
  };
}

const resourcePlanRequest = z.looseObject({
  plan: z.looseObject({
    controlId: z.string(),
    finding: z.object({ id: z.string() }),
    resource: z.looseObject({ kind: z.enum(kinds), name: z.string(), arn: z.string() }),
    recreate: z.looseObject({ what: z.optional(z.string()) }),
  }),
  failure: z.object({ Error: z.string(), Cause: z.optional(z.string()) }),
  snapshot: z.optional(
    z.looseObject({ restoreCommand: z.optional(z.string()), snapshotKey: z.optional(z.string()) }),
  ),
  rollback: z.optional(
    z.looseObject({
      step: z.string(),
      restored: z.boolean(),
      /** Why the roll-back is not confirmed (an endpoint not seen back on its old configuration). */
      reason: z.optional(z.string()),
    }),
  ),
  execution: z.object({ id: z.string(), name: z.string() }),
});

/** Whether ReportFailure was given a plan for a resource other than a notebook. */
export function isResourcePlanFailure(request: unknown): boolean {
  const kind = (request as { plan?: { resource?: { kind?: unknown } } } | null)?.plan?.resource?.kind;
  return typeof kind === 'string' && kind !== 'notebook-instance';
}

/**
 * The failure of an approved change (or of its plan before it): what state the resource was left in,
 * from whether the snapshot was taken and the roll-back put the definition back, and what to do.
 */
export function reportResourcePlanFailure(request: unknown): FailureReport {
  const { plan, failure, snapshot, rollback, execution } = resourcePlanRequest.parse(request);
  const kind = resourceKind(plan.resource.kind);
  const control = findControl(plan.controlId);
  const error = summariseError(failure.Error, failure.Cause);
  const restoreCommand = snapshot?.restoreCommand ?? '';
  const notPutBack = rollback?.reason ?? 'putting its definition back failed too';
  const state =
    restoreCommand === ''
      ? `Nothing was changed on ${kind.label} ${plan.resource.name}.`
      : rollback?.restored
        ? `Its definition was put back from the snapshot taken before the change (${snapshot?.snapshotKey ?? 'kept in the bucket'}).`
        : `It may be left changed: ${notPutBack}. Put it back with: ${restoreCommand}`;
  const guidance = control ? ` What to do: ${control.guidance(plan.resource.name)}` : '';
  const what = plan.recreate.what ?? `remediation of ${kind.label} ${plan.resource.name}`;
  // Not put back: the restore command first, as the error and the reason may be long.
  const note = truncate(
    restoreCommand !== '' && !rollback?.restored
      ? `The ${what} failed and may have left it changed. Put it back with: ${restoreCommand} (why: ${notPutBack}; error: ${error}).${guidance}`
      : `The ${what} failed (${error}). ${state}${guidance}`,
    NOTE_LIMIT,
  );
  const cause = cutToBytes(failure.Cause ?? '', CAUSE_EXCERPT_BYTES);
  return {
    note,
    subject: toSubject(`${plan.controlId} remediation failed: ${plan.resource.name}`),
    message: [
      `The ${what} failed (execution ${execution.name}).`,
      '',
      state,
      ...(restoreCommand
        ? ['', `Snapshot: ${snapshot?.snapshotKey ?? ''}`, `Restore command: ${restoreCommand}`]
        : []),
      ...(control ? ['', `What to do: ${control.guidance(plan.resource.name)}`] : []),
      '',
      `Resource: ${plan.resource.arn}`,
      `Finding: ${plan.finding.id} (workflow status NOTIFIED)`,
      `Error: ${failure.Error}`,
      `Cause: ${cause.text}${cause.cut ? ' [cut]' : ''}`,
      `Execution: ${execution.id}`,
    ].join('\n'),
  };
}
