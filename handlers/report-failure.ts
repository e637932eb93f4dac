/**
 * ReportFailure: words for a failed remediation (finding note and alert). Pure: no AWS calls, so it
 * cannot fail for the same reason the remediation did.
 */

import * as z from 'zod/mini';
import { buildFailureReport, type FailureReport } from './shared/failure-report.js';
import {
  isPlanningFailedRequest,
  type PlanningFailedReport,
  reportPlanningFailure,
} from './shared/planning-failure-alert.js';
import {
  isResourceFailedRequest,
  isResourcePlanFailure,
  reportResourceFailure,
  reportResourcePlanFailure,
} from './shared/resource-failure-report.js';
// English error messages for zod/mini.
import './shared/validation.js';

const errorShape = z.object({ Error: z.string(), Cause: z.optional(z.string()) });

const reportRequest = z.object({
  plan: z.object({
    controlId: z.string(),
    notebook: z.object({ name: z.string(), arn: z.string() }),
    finding: z.object({ id: z.string() }),
  }),
  failure: errorShape,
  notebook: z.object({
    status: z.string(),
    settings: z.record(z.string(), z.string()),
    unseen: z.optional(z.boolean()),
  }),
  runState: z.object({ wasRunning: z.boolean() }),
  recovery: z.object({ restarted: z.boolean() }),
  recoveryError: z.optional(z.nullable(errorShape)),
  execution: z.object({ id: z.string(), name: z.string() }),
  recreation: z.optional(z.object({ deleted: z.boolean(), lifecycleSwapped: z.optional(z.boolean()) })),
  snapshot: z.optional(
    z.object({
      restoreCommand: z.string(),
      snapshotPrefix: z.optional(z.string()),
      originalLifecycleConfigName: z.optional(z.string()),
    }),
  ),
});

/** A failed remediation's report, or (kind `planning-failed`) the alert of a planning failure. */
export async function handler(request: unknown): Promise<FailureReport | PlanningFailedReport> {
  if (isPlanningFailedRequest(request)) return reportPlanningFailure(request);
  if (isResourceFailedRequest(request)) return reportResourceFailure(request);
  if (isResourcePlanFailure(request)) return reportResourcePlanFailure(request);
  return buildFailureReport(reportRequest.parse(request));
}
