/**
 * The grant a Lambda needs to write notes on OCSF findings of the new Security Hub
 * (handlers/shared/finding-notes.ts): BatchUpdateFindingsV2 is authorized as
 * securityhub:BatchUpdateFindings on the `hubv2` resource, whose id is generated when the new Security
 * Hub is enabled, so only `hubv2/*` of this account and Region can name it. The status it may set is
 * limited with `securityhub:OCSFSyntaxPath/StatusId`, as the ASFF grants are by Workflow.Status.
 */
import { Stack } from 'aws-cdk-lib';
import { PolicyStatement, type Role } from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import { OCSF_STATUS_IDS, type WrittenWorkflowStatus } from '../handlers/shared/ocsf-finding.js';
import { acknowledge, wildcardResourceFinding } from './nag-acknowledgements.js';

/** `arn:<partition>:securityhub:<region>:<account>:hubv2/*` of the stack. */
export function hubV2Arn(scope: IConstruct): string {
  return Stack.of(scope).formatArn({ service: 'securityhub', resource: 'hubv2', resourceName: '*' });
}

/** BatchUpdateFindingsV2 on this account's and Region's findings, setting only these statuses. */
export function ocsfNoteStatement(
  scope: IConstruct,
  sid: string,
  statuses: readonly WrittenWorkflowStatus[],
): PolicyStatement {
  return new PolicyStatement({
    sid,
    actions: ['securityhub:BatchUpdateFindings'],
    resources: [hubV2Arn(scope)],
    conditions: {
      StringEquals: {
        'securityhub:OCSFSyntaxPath/StatusId': statuses.map((status) => String(OCSF_STATUS_IDS[status])),
      },
    },
  });
}

/** The cdk-nag acknowledgement of the `hubv2/*` wildcard on `role`. */
export function acknowledgeOcsfNotes(role: Role): void {
  acknowledge(
    role,
    wildcardResourceFinding(role, hubV2Arn(role)),
    "The new Security Hub's hubv2 resource id is generated when it is enabled and not known at synth; the grant is BatchUpdateFindings (BatchUpdateFindingsV2) in this account and Region only, with status_id limited to the one the notes set.",
  );
}
