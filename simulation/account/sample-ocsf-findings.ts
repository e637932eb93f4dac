/**
 * OCSF Compliance Findings as the new Security Hub produces them for its SageMaker controls: the
 * counterpart of sample-findings.ts's ASFF ones, carrying only the fields the workflow and the
 * simulation read plus enough context to look real.
 */
import { resourceKind } from '../../handlers/shared/controls/resource-kinds.js';
import { findControl } from '../../handlers/shared/controls-catalogue.js';
import { deterministicHex, deterministicUuid } from './deterministic-ids.js';
import type { OcsfFindingRecord } from './security-hub-v2.js';

export interface OcsfControlFindingOptions {
  /** E.g. `SageMaker.3`. */
  readonly controlId: string;
  /** The resource's (or notebook's) name; its ARN lowercases it, as SageMaker's do. */
  readonly resourceName: string;
  readonly account?: string;
  readonly region?: string;
  /** Finding status_id: 1 New (default), 2 In Progress, 3 Suppressed, 4 Resolved. */
  readonly statusId?: number;
  /** compliance.status_id: 3 Fail (default), 1 Pass. */
  readonly complianceStatusId?: number;
  /** `Close` makes the finding inactive. Default `Create`. */
  readonly activityName?: string;
  /** metadata.product.uid; defaults to Security Hub's own. */
  readonly productUid?: string;
  /** Seed for the finding's ids; defaults to one derived from control, resource and account. */
  readonly seed?: string;
}

const COMPLIANCE_CAPTIONS: Readonly<Record<number, string>> = { 1: 'Pass', 2: 'Warning', 3: 'Fail' };
const STATUS_CAPTIONS: Readonly<Record<number, string>> = {
  1: 'New',
  2: 'In Progress',
  3: 'Suppressed',
  4: 'Resolved',
};

/** A complete OCSF Compliance Finding (class_uid 2003) for a SageMaker control, deterministic per options. */
export function ocsfControlFinding(options: OcsfControlFindingOptions): OcsfFindingRecord {
  const account = options.account ?? '111122223333';
  const region = options.region ?? 'eu-west-1';
  const control = findControl(options.controlId);
  if (!control) throw new Error(`ocsfControlFinding: unknown control ${options.controlId}`);
  const kind = resourceKind(control.kind);
  const arn = `arn:aws:sagemaker:${region}:${account}:${kind.arnType}/${options.resourceName.toLowerCase()}`;
  const seed = options.seed ?? `ocsf/${options.controlId}/${options.resourceName}/${account}`;
  const statusId = options.statusId ?? 1;
  const complianceStatusId = options.complianceStatusId ?? 3;
  const activityName = options.activityName ?? 'Create';
  return {
    class_uid: 2003,
    class_name: 'Compliance Finding',
    category_uid: 2,
    activity_id: activityName === 'Close' ? 3 : 1,
    activity_name: activityName,
    status_id: statusId,
    status: STATUS_CAPTIONS[statusId] ?? 'Other',
    severity_id: 3,
    metadata: {
      uid: deterministicHex(`${seed}/metadata`, 64),
      version: '1.6.0',
      product: {
        name: 'Security Hub',
        vendor_name: 'AWS',
        uid: options.productUid ?? `arn:aws:securityhub:${region}::productv2/aws/securityhub`,
      },
    },
    cloud: { provider: 'AWS', region, account: { uid: account } },
    finding_info: {
      uid: `arn:aws:securityhub:${region}:${account}:security-control/${options.controlId}/finding/${deterministicUuid(seed)}`,
      title: control.title,
      types: ['Posture Management'],
    },
    compliance: {
      control: options.controlId,
      standards: ['standards/aws-foundational-security-best-practices/v/1.0.0'],
      status_id: complianceStatusId,
      status: COMPLIANCE_CAPTIONS[complianceStatusId] ?? 'Other',
    },
    resources: [
      {
        type: kind.asffType,
        uid: arn,
        name: options.resourceName,
        region,
        cloud_partition: 'aws',
        owner: { account: { uid: account } },
      },
    ],
  };
}
