/**
 * Validation of the Security Hub events that start the workflow. Everything the workflow later puts
 * in an API call (finding id, product ARN, notebook name) comes out of here, so nothing is trusted
 * before it has passed these schemas and the account/region checks.
 */

import * as z from 'zod/mini';
import { parseSageMakerArn, resourceKind } from './controls/resource-kinds.js';
import { type ControlDefinition, findControl } from './controls-catalogue.js';
import { IMPORTED_V2_DETAIL_TYPE, parseImportedV2Event } from './ocsf-finding.js';
import { describeIssues } from './validation.js';

export const IMPORTED_DETAIL_TYPE = 'Security Hub Findings - Imported';
export const SECURITY_HUB_SOURCE = 'aws.securityhub';

/** A finding was rejected: the event is malformed, foreign or not ours to act on. Nothing changes. */
export class InvalidFindingEvent extends Error {
  override readonly name = 'InvalidFindingEvent';
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`Rejected Security Hub event: ${problems.join('; ')}`);
    this.problems = problems;
  }
}

const accountId = z.string().check(z.regex(/^\d{12}$/, 'must be a 12-digit account id'));
const region = z.string().check(z.regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region name'));

const notebookDetails = z.looseObject({
  NotebookInstanceName: z.optional(
    z.string().check(z.regex(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/, 'must be a notebook instance name')),
  ),
});

const resource = z.looseObject({
  Type: z.string().check(z.minLength(1)),
  Id: z.string().check(z.minLength(1), z.maxLength(2048)),
  Partition: z.optional(z.string()),
  Region: z.optional(z.string()),
  Details: z.optional(z.looseObject({ AwsSageMakerNotebookInstance: z.optional(notebookDetails) })),
});

const finding = z.looseObject({
  SchemaVersion: z.string(),
  Id: z.string().check(z.minLength(1), z.maxLength(512)),
  ProductArn: z
    .string()
    .check(
      z.regex(
        /^arn:aws[a-z-]*:securityhub:[a-z0-9-]+::product\/[a-z0-9-]+\/[a-z0-9-]+$/,
        'must be a Security Hub product ARN',
      ),
    ),
  GeneratorId: z.string().check(z.minLength(1)),
  AwsAccountId: accountId,
  Region: z.optional(region),
  Title: z.optional(z.string()),
  Compliance: z.looseObject({ Status: z.string(), SecurityControlId: z.optional(z.string()) }),
  RecordState: z.string(),
  Workflow: z.looseObject({ Status: z.string() }),
  Resources: z.array(resource).check(z.minLength(1)),
});

const importedEvent = z.looseObject({
  source: z.literal(SECURITY_HUB_SOURCE),
  'detail-type': z.literal(IMPORTED_DETAIL_TYPE),
  account: accountId,
  region,
  detail: z.object({ findings: z.array(finding).check(z.length(1, 'must hold exactly one finding')) }),
});

/** What the custom-action Lambda starts an execution with when someone picks "Remediate now". */
export const REMEDIATE_NOW_SOURCE = 'sagemaker-remediation';
export const REMEDIATE_NOW_DETAIL_TYPE = 'Remediate Now';

const remediateNowRequest = z.looseObject({
  source: z.literal(REMEDIATE_NOW_SOURCE),
  'detail-type': z.literal(REMEDIATE_NOW_DETAIL_TYPE),
  account: accountId,
  region,
  detail: z.looseObject({
    findings: z.array(finding).check(z.length(1, 'must hold exactly one finding')),
    requestedBy: z.looseObject({ eventId: z.string(), actionArn: z.string() }),
  }),
});

export type Finding = z.infer<typeof finding>;

/** How the execution was started: Security Hub imported the finding, or a person asked. */
export type Trigger = 'imported' | 'remediate-now';

/**
 * Either input the state machine may get: an Imported event (from the EventBridge rule) or a
 * Remediate-now request (from the custom-action Lambda). Both go through the same checks.
 */
export function parseWorkflowInput(
  event: unknown,
  expected: Expectations,
): { readonly finding: ValidatedFinding; readonly trigger: Trigger } {
  const source = (event as { source?: unknown } | null)?.source;
  if ((event as { 'detail-type'?: unknown } | null)?.['detail-type'] === IMPORTED_V2_DETAIL_TYPE)
    return { finding: parseImportedV2Event(event, expected), trigger: 'imported' };
  if (source !== REMEDIATE_NOW_SOURCE)
    return { finding: parseImportedEvent(event, expected), trigger: 'imported' };
  const parsed = remediateNowRequest.safeParse(event);
  if (!parsed.success) throw new InvalidFindingEvent(describeIssues(parsed.error));
  const data = parsed.data;
  const problems: string[] = [];
  if (data.account !== expected.accountId) {
    problems.push(`request account ${data.account} is not this deployment's account ${expected.accountId}`);
  }
  const checked = checkFinding(data.detail.findings[0] as Finding, data.region, expected);
  problems.push(...checked.problems);
  if (problems.length > 0 || !checked.finding) throw new InvalidFindingEvent(problems);
  return { finding: checked.finding, trigger: 'remediate-now' };
}

/** A finding that passed every check, reduced to what the workflow uses. */
export interface ValidatedFinding {
  readonly id: string;
  readonly productArn: string;
  readonly accountId: string;
  readonly region: string;
  readonly control: ControlDefinition;
  readonly complianceStatus: string;
  readonly recordState: string;
  readonly workflowStatus: string;
  readonly resourceType: string;
  readonly resourceArn: string;
  /** Set for notebook-instance controls: the real (case-preserving) name. */
  readonly notebookName?: string;
  /**
   * Which Security Hub sent it: `ocsf` (Findings Imported V2; `id` is finding_info.uid and
   * `productArn` metadata.product.uid) is written back with BatchUpdateFindingsV2.
   *
   * @default 'asff'
   */
  readonly format?: 'asff' | 'ocsf';
}

export interface Expectations {
  readonly accountId: string;
  readonly region: string;
}

const NOTEBOOK_ARN =
  /^arn:(aws[a-z-]*):sagemaker:([a-z0-9-]+):(\d{12}):notebook-instance\/([a-zA-Z0-9-]{1,63})$/;

/** Region name prefixes of the partitions other than `aws` (the SDK's endpoint partitions, regionRegex). */
const PARTITION_PREFIXES: ReadonlyArray<readonly [string, string]> = [
  ['cn-', 'aws-cn'],
  ['us-gov-', 'aws-us-gov'],
  ['us-isob-', 'aws-iso-b'],
  ['us-isof-', 'aws-iso-f'],
  ['us-iso-', 'aws-iso'],
  ['eu-isoe-', 'aws-iso-e'],
  ['eusc-', 'aws-eusc'],
];

/** The partition a region is in. */
export function partitionOf(region: string): string {
  return PARTITION_PREFIXES.find(([prefix]) => region.startsWith(prefix))?.[1] ?? 'aws';
}

/**
 * The ProductArn of the findings Security Hub's own controls produce in a region. Only those are acted
 * on: any integrated product (or anyone calling BatchImportFindings) can send a finding that looks like
 * a control's, with a SecurityControlId and a notebook resource.
 */
export function securityHubProductArn(region: string): string {
  return `arn:${partitionOf(region)}:securityhub:${region}::product/aws/securityhub`;
}

/** How many resource ids a problem lists before it counts the rest (ids may be 2 KB each). */
const LISTED_RESOURCES = 3;

/**
 * Why an event does not come from this deployment's account and region (empty when it does). The
 * finding it carries may be of any member account and linked Region; the event itself is delivered
 * to the administrator account's home Region, where the deployment is.
 */
export function foreignEventProblems(
  event: { readonly account: string; readonly region: string },
  expected: Expectations,
): string[] {
  const problems: string[] = [];
  if (event.account !== expected.accountId) {
    problems.push(`event account ${event.account} is not this deployment's account ${expected.accountId}`);
  }
  if (event.region !== expected.region) {
    problems.push(`event region ${event.region} is not this deployment's region ${expected.region}`);
  }
  return problems;
}

/**
 * Parses an EventBridge event into a finding the workflow may act on, or throws InvalidFindingEvent
 * listing every problem found.
 */
export function parseImportedEvent(event: unknown, expected: Expectations): ValidatedFinding {
  const parsed = importedEvent.safeParse(event);
  if (!parsed.success) {
    throw new InvalidFindingEvent(describeIssues(parsed.error));
  }
  const data = parsed.data;
  const problems = foreignEventProblems(data, expected);
  const checked = checkFinding(data.detail.findings[0] as Finding, data.region, expected);
  problems.push(...checked.problems);
  if (problems.length > 0 || !checked.finding) throw new InvalidFindingEvent(problems);
  return checked.finding;
}

/** Validates one finding (from any event), reporting every problem instead of the first. */
export function validateFinding(
  raw: unknown,
  eventRegion: string,
  expected: Expectations,
): { finding?: ValidatedFinding; problems: string[] } {
  const parsed = finding.safeParse(raw);
  if (!parsed.success) return { problems: describeIssues(parsed.error) };
  return checkFinding(parsed.data, eventRegion, expected);
}

/** The checks every finding passes, whichever format it came in (`ownProductOf`: its own product id). */
export function checkFinding(
  source: Finding,
  eventRegion: string,
  expected: Expectations,
  ownProductOf: (region: string) => string = securityHubProductArn,
): { finding?: ValidatedFinding; problems: string[] } {
  const problems: string[] = [];
  // A finding of any member account and linked Region reaches the administrator account's home Region
  // (the event's own account and Region are checked by the caller); the scope filters decide later.
  const findingRegion = source.Region ?? eventRegion;
  if (partitionOf(findingRegion) !== partitionOf(expected.region)) {
    problems.push(
      `finding region ${findingRegion} is in partition ${partitionOf(findingRegion)}, not this deployment's ${partitionOf(expected.region)}`,
    );
  }
  const ownProduct = ownProductOf(findingRegion);
  if (source.ProductArn !== ownProduct) {
    problems.push(
      `ProductArn ${source.ProductArn} is not Security Hub's own product ${ownProduct}: only Security Hub's control findings are acted on`,
    );
  }

  const controlId = source.Compliance.SecurityControlId;
  const control = controlId ? findControl(controlId) : undefined;
  if (!control) {
    problems.push(`Compliance.SecurityControlId ${controlId ?? '(missing)'} is not a SageMaker control`);
  }

  // Exactly one resource of the control's kind: with several, which one to change would be a guess.
  // Only notebooks carry an ASFF Details type; every other kind is recognised by its ARN.
  const kind = control ? resourceKind(control.kind) : undefined;
  const candidates = kind
    ? source.Resources.filter((candidate) =>
        kind.kind === 'notebook-instance'
          ? candidate.Type === kind.asffType
          : parseSageMakerArn(candidate.Id)?.arnType === kind.arnType,
      )
    : [];
  if (kind && candidates.length === 0) {
    problems.push(
      kind.kind === 'notebook-instance'
        ? `no resource of type ${kind.asffType} in the finding`
        : `no ${kind.label} ARN (…:${kind.arnType}/<name>) among the finding's resources`,
    );
  }
  if (kind && candidates.length > 1) {
    const listed = candidates.slice(0, LISTED_RESOURCES).map((candidate) => candidate.Id);
    const more = candidates.length - listed.length;
    problems.push(
      `${candidates.length} resources of ${kind.kind === 'notebook-instance' ? `type ${kind.asffType}` : `kind ${kind.label}`} in the finding (${listed.join(', ')}${more > 0 ? ` and ${more} more` : ''}): exactly one is required`,
    );
  }
  const primary = candidates.length === 1 ? candidates[0] : undefined;

  let notebookName: string | undefined;
  if (kind?.kind === 'notebook-instance' && primary) {
    const match = NOTEBOOK_ARN.exec(primary.Id);
    if (!match) {
      problems.push(`resource id ${primary.Id} is not a notebook instance ARN`);
    } else {
      const [, arnPartition, arnRegion, arnAccount, arnName] = match;
      // The resource is where the finding says: its account and Region are the member role's.
      if (
        arnAccount !== source.AwsAccountId ||
        arnRegion !== findingRegion ||
        arnPartition !== partitionOf(findingRegion)
      ) {
        problems.push(
          `notebook ${primary.Id} is not in the finding's account ${source.AwsAccountId} and Region ${findingRegion}`,
        );
      }
      // The ARN lowercases the name; the details keep the real one.
      const detailName = primary.Details?.AwsSageMakerNotebookInstance?.NotebookInstanceName;
      if (detailName && detailName.toLowerCase() !== arnName?.toLowerCase()) {
        problems.push(`notebook name ${detailName} does not match resource id ${primary.Id}`);
      }
      notebookName = detailName ?? arnName;
    }
  } else if (kind && primary) {
    const parsed = parseSageMakerArn(primary.Id);
    if (
      parsed &&
      (parsed.accountId !== source.AwsAccountId ||
        parsed.region !== findingRegion ||
        parsed.partition !== partitionOf(findingRegion))
    ) {
      problems.push(
        `${kind.label} ${primary.Id} is not in the finding's account ${source.AwsAccountId} and Region ${findingRegion}`,
      );
    }
  }

  if (problems.length > 0 || !control || !primary) return { problems };
  return {
    problems,
    finding: {
      id: source.Id,
      productArn: source.ProductArn,
      accountId: source.AwsAccountId,
      region: findingRegion,
      control,
      complianceStatus: source.Compliance.Status,
      recordState: source.RecordState,
      workflowStatus: source.Workflow.Status,
      resourceType: primary.Type,
      resourceArn: primary.Id,
      ...(notebookName ? { notebookName } : {}),
    },
  };
}

/**
 * Only a NEW, FAILED, ACTIVE finding calls for action; the rest are the workflow's own echoes. A
 * person asking to remediate now overrides the workflow status, never the compliance or record state.
 */
export function isActionable(finding: ValidatedFinding, trigger: Trigger = 'imported'): boolean {
  if (trigger === 'remediate-now')
    return finding.complianceStatus === 'FAILED' && finding.recordState === 'ACTIVE';
  return (
    finding.complianceStatus === 'FAILED' &&
    finding.recordState === 'ACTIVE' &&
    finding.workflowStatus === 'NEW'
  );
}
