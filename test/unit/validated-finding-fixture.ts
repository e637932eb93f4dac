/** A finding as finding-event.ts validates it, for the tests of the planning decisions (pure). */
import { findControl } from '../../handlers/shared/controls-catalogue.js';
import type { ValidatedFinding } from '../../handlers/shared/finding-event.js';

/** A NEW, FAILED, ACTIVE finding of the control on the resource, in 111122223333 eu-west-1. */
export function validatedFinding(
  controlId: string,
  resourceArn: string,
  overrides: Partial<ValidatedFinding> = {},
): ValidatedFinding {
  const control = findControl(controlId);
  if (!control) throw new Error(`no control ${controlId}`);
  return {
    id: `arn:aws:securityhub:eu-west-1:111122223333:security-control/${controlId}/finding/1`,
    productArn: 'arn:aws:securityhub:eu-west-1::product/aws/securityhub',
    accountId: '111122223333',
    region: 'eu-west-1',
    control,
    complianceStatus: 'FAILED',
    recordState: 'ACTIVE',
    workflowStatus: 'NEW',
    resourceType: control.resourceType,
    resourceArn,
    ...overrides,
  };
}
