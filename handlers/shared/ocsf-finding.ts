/**
 * The new Security Hub's findings: `Findings Imported V2` events carrying OCSF Compliance Findings.
 * They are reduced at the edge to the same ValidatedFinding as ASFF ones and pass the very same
 * checks (own product, a SageMaker control, one resource of the control's kind, account and Region),
 * so nothing after the planning Lambda needs to know which Security Hub a finding came from, except
 * the call that writes the outcome back (BatchUpdateFindingsV2 instead of BatchUpdateFindings).
 *
 * Imports from finding-event.js are used inside functions only: finding-event.js imports this module
 * back (parseWorkflowInput dispatches here), and a module-scope use would run before it is defined.
 */

import * as z from 'zod/mini';
import { parseSageMakerArn, RESOURCE_KINDS } from './controls/resource-kinds.js';
import {
  checkFinding,
  type Expectations,
  type Finding,
  foreignEventProblems,
  InvalidFindingEvent,
  partitionOf,
  type ValidatedFinding,
} from './finding-event.js';
import { describeIssues } from './validation.js';

/** The EventBridge detail-type of the new Security Hub's findings (source `aws.securityhub`). */
export const IMPORTED_V2_DETAIL_TYPE = 'Findings Imported V2';

/** OCSF class of the findings Security Hub's controls produce. */
export const COMPLIANCE_FINDING_CLASS_UID = 2003;

/** OCSF compliance.status_id of a failed control check. */
export const COMPLIANCE_FAIL_STATUS_ID = 3;

/** OCSF finding status_id of a finding nobody has acted on: the only one the workflow starts on. */
export const NEW_STATUS_ID = 1;

/**
 * The workflow's ASFF workflow statuses as OCSF finding status_id values (0 Unknown, 1 New, 2 In
 * Progress, 3 Suppressed, 4 Resolved, 5 Archived, 6 Deleted, 99 Other): NOTIFIED ("someone was told,
 * a person acts next") is In Progress. None is New, so the workflow's own updates never match its rule.
 */
export const OCSF_STATUS_IDS = {
  NEW: NEW_STATUS_ID,
  NOTIFIED: 2,
  SUPPRESSED: 3,
  RESOLVED: 4,
} as const satisfies Record<string, number>;

export type WrittenWorkflowStatus = keyof typeof OCSF_STATUS_IDS;

const ASFF_WORKFLOW_STATUS: Readonly<Record<number, string>> = Object.fromEntries(
  Object.entries(OCSF_STATUS_IDS).map(([status, id]) => [id, status]),
);

const ASFF_COMPLIANCE_STATUS: Readonly<Record<number, string>> = {
  1: 'PASSED',
  2: 'WARNING',
  [COMPLIANCE_FAIL_STATUS_ID]: 'FAILED',
};

/** metadata.product.uid of the findings Security Hub's own controls produce in a Region. */
export function securityHubProductUid(region: string): string {
  return `arn:${partitionOf(region)}:securityhub:${region}::productv2/aws/securityhub`;
}

/** Whether a stored finding identifier ({Id, ProductArn}) names an OCSF finding (a productv2 uid). */
export function isOcsfProduct(productArn: string): boolean {
  return /^arn:[^:]+:securityhub:[^:]*::productv2\//.test(productArn);
}

const nonEmpty = z.string().check(z.minLength(1), z.maxLength(2048));

const resource = z.looseObject({
  type: z.optional(z.string()),
  uid: z.optional(nonEmpty),
  uid_alt: z.optional(nonEmpty),
  name: z.optional(z.string()),
  region: z.optional(z.string()),
});

const ocsfFinding = z.looseObject({
  class_uid: z.literal(COMPLIANCE_FINDING_CLASS_UID, 'must be 2003 (Compliance Finding)'),
  activity_name: z.optional(z.string()),
  status_id: z.number(),
  status: z.optional(z.string()),
  metadata: z.looseObject({ product: z.looseObject({ uid: nonEmpty }) }),
  finding_info: z.looseObject({ uid: z.string().check(z.minLength(1), z.maxLength(512)) }),
  cloud: z.looseObject({
    account: z.looseObject({ uid: z.string() }),
    region: z.string(),
  }),
  compliance: z.looseObject({
    control: z.optional(z.string()),
    status_id: z.optional(z.number()),
    status: z.optional(z.string()),
  }),
  resources: z.array(resource).check(z.minLength(1)),
});

const importedV2Event = z.looseObject({
  // SECURITY_HUB_SOURCE, spelled out: see the module comment.
  source: z.literal('aws.securityhub'),
  'detail-type': z.literal(IMPORTED_V2_DETAIL_TYPE),
  account: z.string().check(z.regex(/^\d{12}$/, 'must be a 12-digit account id')),
  region: z.string().check(z.regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region name')),
  detail: z.object({ findings: z.array(ocsfFinding).check(z.length(1, 'must hold exactly one finding')) }),
});

export type OcsfFinding = z.infer<typeof ocsfFinding>;

/**
 * The resource's ARN: OCSF puts the provider's identifier in `uid` and an alternative in `uid_alt`;
 * which of the two holds the ARN varies by resource type, so whichever is an ARN is taken.
 */
function resourceArn(candidate: z.infer<typeof resource>): string {
  return [candidate.uid, candidate.uid_alt].find((id) => id?.startsWith('arn:')) ?? candidate.uid ?? '';
}

/**
 * The OCSF finding in the ASFF vocabulary the shared checks read. Resources are recognised by their
 * ARN (a notebook's ASFF Type is derived from it), never by the OCSF `type` caption.
 */
function asAsff(source: OcsfFinding): Finding {
  const complianceStatus = source.compliance.status_id;
  return {
    SchemaVersion: 'OCSF',
    Id: source.finding_info.uid,
    ProductArn: source.metadata.product.uid,
    GeneratorId: source.compliance.control ?? 'unknown',
    AwsAccountId: source.cloud.account.uid,
    Region: source.cloud.region,
    Compliance: {
      Status:
        complianceStatus === undefined
          ? 'NOT_AVAILABLE'
          : (ASFF_COMPLIANCE_STATUS[complianceStatus] ?? 'NOT_AVAILABLE'),
      ...(source.compliance.control ? { SecurityControlId: source.compliance.control } : {}),
    },
    // Security Hub treats every finding whose activity_name is not Close as active.
    RecordState: source.activity_name === 'Close' ? 'ARCHIVED' : 'ACTIVE',
    Workflow: { Status: ASFF_WORKFLOW_STATUS[source.status_id] ?? `STATUS_ID_${source.status_id}` },
    Resources: source.resources.map((candidate) => {
      const arn = resourceArn(candidate);
      const arnType = parseSageMakerArn(arn)?.arnType;
      const kind = [...RESOURCE_KINDS.values()].find((entry) => entry.arnType === arnType);
      // The ARN lowercases a notebook's name; the resource's name keeps it (checked against the ARN).
      const notebookName = kind?.kind === 'notebook-instance' ? candidate.name : undefined;
      return {
        Type: kind?.asffType ?? candidate.type ?? 'Other',
        Id: arn,
        ...(candidate.region ? { Region: candidate.region } : {}),
        ...(notebookName
          ? { Details: { AwsSageMakerNotebookInstance: { NotebookInstanceName: notebookName } } }
          : {}),
      };
    }),
  };
}

/**
 * Parses a `Findings Imported V2` event into a finding the workflow may act on, or throws
 * InvalidFindingEvent listing every problem: the same checks as an ASFF Imported event.
 */
export function parseImportedV2Event(event: unknown, expected: Expectations): ValidatedFinding {
  const parsed = importedV2Event.safeParse(event);
  if (!parsed.success) throw new InvalidFindingEvent(describeIssues(parsed.error));
  const data = parsed.data;
  const problems = foreignEventProblems(data, expected);
  const source = data.detail.findings[0] as OcsfFinding;
  const checked = checkFinding(asAsff(source), data.region, expected, securityHubProductUid);
  problems.push(...checked.problems);
  if (problems.length > 0 || !checked.finding) throw new InvalidFindingEvent(problems);
  return { ...checked.finding, format: 'ocsf' };
}
