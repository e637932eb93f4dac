/**
 * The EventBridge pattern that starts the remediation workflow.
 *
 * Pure on purpose (no CDK imports): the stack deploys it and the local test harness matches events
 * against the very same object, so what is tested is what is deployed.
 */
import { type ControlModes, controlsInScope } from '../handlers/shared/controls-catalogue.js';
import { IMPORTED_DETAIL_TYPE, SECURITY_HUB_SOURCE } from '../handlers/shared/finding-event.js';
import {
  COMPLIANCE_FAIL_STATUS_ID,
  COMPLIANCE_FINDING_CLASS_UID,
  IMPORTED_V2_DETAIL_TYPE,
  NEW_STATUS_ID,
} from '../handlers/shared/ocsf-finding.js';

/**
 * Matches failed, active, untriaged findings of every control that is not switched off.
 *
 * - `Compliance.SecurityControlId` is present in both consolidated and legacy per-standard findings,
 *   so one pattern covers both; ProductName is deliberately not matched (it differs between the
 *   "Security Hub" and "Security Hub CSPM" eras).
 * - `Workflow.Status: NEW` only: the workflow's own BatchUpdateFindings calls emit new Imported events
 *   (NOTIFIED or RESOLVED), which must not start the workflow again.
 */
export function buildFindingEventPattern(modes: ControlModes): Record<string, unknown> {
  const controlIds = controlsInScope(modes);
  if (controlIds.length === 0) {
    // An empty list in an EventBridge pattern is invalid, and a rule matching nothing has no purpose.
    throw new Error('Every control is off: the remediation rule would match no finding.');
  }
  return {
    source: [SECURITY_HUB_SOURCE],
    'detail-type': [IMPORTED_DETAIL_TYPE],
    detail: {
      findings: {
        Compliance: {
          Status: ['FAILED'],
          SecurityControlId: controlIds,
        },
        RecordState: ['ACTIVE'],
        Workflow: { Status: ['NEW'] },
      },
    },
  };
}

/**
 * The same findings from the new Security Hub: OCSF Compliance Findings on `Findings Imported V2`.
 *
 * - `status_id: 1` (New) only: the workflow's own BatchUpdateFindingsV2 calls set 2 (In Progress) or
 *   4 (Resolved), and the Imported V2 events they cause must not start the workflow again.
 * - `activity_name` other than Close: Security Hub treats every other finding as active.
 */
export function buildOcsfFindingEventPattern(modes: ControlModes): Record<string, unknown> {
  const controlIds = controlsInScope(modes);
  if (controlIds.length === 0) {
    throw new Error('Every control is off: the remediation rule would match no finding.');
  }
  return {
    source: [SECURITY_HUB_SOURCE],
    'detail-type': [IMPORTED_V2_DETAIL_TYPE],
    detail: {
      findings: {
        class_uid: [COMPLIANCE_FINDING_CLASS_UID],
        compliance: { control: controlIds, status_id: [COMPLIANCE_FAIL_STATUS_ID] },
        activity_name: [{ 'anything-but': ['Close'] }],
        status_id: [NEW_STATUS_ID],
      },
    },
  };
}
