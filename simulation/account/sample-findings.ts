/**
 * Realistic ASFF findings for the SageMaker notebook controls, shaped like the ones Security Hub CSPM
 * produces, in both the consolidated (`security-control/...`) and the legacy per-standard form.
 */

import type {
  AwsSecurityFinding,
  ComplianceStatus,
  RecordState,
  SeverityLabel,
  WorkflowStatus,
} from '@aws-sdk/client-securityhub';
import { resourceKind } from '../../handlers/shared/controls/resource-kinds.js';
import { findControl } from '../../handlers/shared/controls-catalogue.js';
import { deterministicHex, deterministicUuid } from './deterministic-ids.js';
import type { EventBridgeEvent } from './event-bus.js';

export type FindingStyle = 'consolidated' | 'legacy';

export const FOUNDATIONAL_STANDARD = 'aws-foundational-security-best-practices/v/1.0.0';

interface NotebookControlFacts {
  readonly title: string;
  readonly description: string;
  readonly severity: SeverityLabel;
  /** The AWS Config managed rule behind the control. */
  readonly configRule: string;
}

/** Titles and rules of the notebook controls as Security Hub publishes them (descriptions abridged). */
const NOTEBOOK_CONTROLS: Readonly<Record<string, NotebookControlFacts>> = {
  'SageMaker.1': {
    title: 'Amazon SageMaker notebook instances should not have direct internet access',
    description:
      'This control checks whether direct internet access is disabled for an Amazon SageMaker notebook instance. ' +
      'The control fails if the DirectInternetAccess field is enabled for the notebook instance.',
    severity: 'HIGH',
    configRule: 'sagemaker-notebook-no-direct-internet-access',
  },
  'SageMaker.2': {
    title: 'SageMaker notebook instances should be launched in a custom VPC',
    description:
      'This control checks if an Amazon SageMaker notebook instance is launched within a custom virtual private ' +
      'cloud (VPC). The control fails if the notebook instance is not launched within a custom VPC.',
    severity: 'HIGH',
    configRule: 'sagemaker-notebook-instance-inside-vpc',
  },
  'SageMaker.3': {
    title: 'Users should not have root access to SageMaker notebook instances',
    description:
      'This control checks whether root access is turned on for an Amazon SageMaker notebook instance. ' +
      'The control fails if root access is turned on for the notebook instance.',
    severity: 'HIGH',
    configRule: 'sagemaker-notebook-instance-root-access-check',
  },
  'SageMaker.8': {
    title: 'SageMaker notebook instances should run on supported platforms',
    description:
      'This control checks whether an Amazon SageMaker notebook instance is configured to run on a supported ' +
      'platform. The control fails if the notebook instance runs on an unsupported platform.',
    severity: 'MEDIUM',
    configRule: 'sagemaker-notebook-instance-platform-version',
  },
  'SageMaker.21': {
    title: 'SageMaker notebook instances should be encrypted with a customer managed KMS key',
    description:
      'This control checks whether the storage volume of an Amazon SageMaker notebook instance is encrypted ' +
      'with a customer managed AWS KMS key. The control fails if no KmsKeyId is configured.',
    severity: 'MEDIUM',
    configRule: 'sagemaker-notebook-instance-kms-key-configured',
  },
};

const NORMALIZED_SEVERITY: Record<SeverityLabel, number> = {
  INFORMATIONAL: 0,
  LOW: 1,
  MEDIUM: 40,
  HIGH: 70,
  CRITICAL: 90,
};

export interface NotebookDetailsOverrides {
  readonly RootAccess?: string;
  readonly DirectInternetAccess?: string;
  readonly SubnetId?: string;
  readonly SecurityGroups?: string[];
  readonly KmsKeyId?: string;
  readonly PlatformIdentifier?: string;
  readonly InstanceType?: string;
  readonly NotebookInstanceStatus?: string;
  readonly VolumeSizeInGB?: number;
  readonly RoleArn?: string;
}

export interface NotebookControlFindingOptions {
  /** E.g. `SageMaker.3`. */
  readonly controlId: string;
  /** The notebook's real (case-preserving) name. */
  readonly notebookName: string;
  readonly account?: string;
  readonly region?: string;
  readonly style?: FindingStyle;
  readonly workflowStatus?: WorkflowStatus;
  readonly complianceStatus?: ComplianceStatus;
  readonly recordState?: RecordState;
  /** Seed for the finding's UUID; defaults to one derived from control, notebook and style. */
  readonly seed?: string;
  /** Created/updated time; defaults to 2026-11-23T08:55:00.000Z. */
  readonly at?: Date;
  /** Override the notebook details Security Hub copied from AWS Config. */
  readonly notebook?: NotebookDetailsOverrides;
  /** Product name Security Hub writes (both spellings occur since the CSPM rename). */
  readonly productName?: 'Security Hub' | 'Security Hub CSPM';
}

export function notebookArnFor(account: string, region: string, notebookName: string): string {
  return `arn:aws:sagemaker:${region}:${account}:notebook-instance/${notebookName.toLowerCase()}`;
}

export function securityHubProductArn(region: string): string {
  return `arn:aws:securityhub:${region}::product/aws/securityhub`;
}

/** What a finding of any control shares: the control, where, the workflow state, the style. */
export type ControlFindingOptions = Omit<NotebookControlFindingOptions, 'notebookName' | 'notebook'>;

export interface ResourceControlFindingOptions extends ControlFindingOptions {
  /** The resource's name (the ARN lowercases it, as SageMaker's do). */
  readonly resourceName: string;
  /** The finding's `Resources[0].Type` (default: the kind's ASFF-style name; Security Hub may write `Other`). */
  readonly resourceType?: string;
}

/**
 * A complete ASFF finding for a control on a resource other than a notebook instance: no Details
 * block (Security Hub has no ASFF details type for these kinds), the resource named by its ARN.
 * Titles, severities and kinds come from the control modules.
 */
export function resourceControlFinding(options: ResourceControlFindingOptions): AwsSecurityFinding {
  const account = options.account ?? '111122223333';
  const region = options.region ?? 'eu-west-1';
  const control = findControl(options.controlId);
  if (!control) throw new Error(`resourceControlFinding: unknown control ${options.controlId}`);
  const kind = resourceKind(control.kind);
  const arn = `arn:aws:sagemaker:${region}:${account}:${kind.arnType}/${options.resourceName.toLowerCase()}`;
  const facts: NotebookControlFacts = {
    title: control.title,
    description: `This control checks ${control.checks} of an Amazon SageMaker ${kind.label}. The control fails when: ${control.title.toLowerCase()}.`,
    severity: control.severity,
    configRule: `sagemaker-${kind.arnType}-${control.id.toLowerCase().replace('.', '-')}`,
  };
  return controlFinding(
    options,
    facts,
    {
      Type: options.resourceType ?? kind.asffType,
      Id: arn,
      Partition: 'aws',
      Region: region,
    },
    `${options.controlId}/${options.resourceName}`,
  );
}

/** A complete ASFF finding for a notebook control, deterministic for a given set of options. */
export function notebookControlFinding(options: NotebookControlFindingOptions): AwsSecurityFinding {
  const account = options.account ?? '111122223333';
  const region = options.region ?? 'eu-west-1';
  const controlId = options.controlId;
  const facts = NOTEBOOK_CONTROLS[controlId] ?? {
    title: `${controlId} control`,
    description: `This control checks the configuration of an Amazon SageMaker notebook instance (${controlId}).`,
    severity: 'MEDIUM' as const,
    configRule: `sagemaker-${controlId.toLowerCase().replace('.', '-')}`,
  };
  const notebookArn = notebookArnFor(account, region, options.notebookName);
  return controlFinding(
    options,
    facts,
    {
      Type: 'AwsSageMakerNotebookInstance',
      Id: notebookArn,
      Partition: 'aws',
      Region: region,
      Details: { AwsSageMakerNotebookInstance: notebookDetails(options, notebookArn, account, region) },
    },
    `${controlId}/${options.notebookName}`,
  );
}

function controlFinding(
  options: ControlFindingOptions,
  facts: NotebookControlFacts,
  resource: NonNullable<AwsSecurityFinding['Resources']>[number],
  seedBase: string,
): AwsSecurityFinding {
  const account = options.account ?? '111122223333';
  const region = options.region ?? 'eu-west-1';
  const style = options.style ?? 'consolidated';
  const controlId = options.controlId;
  const uuid = deterministicUuid(options.seed ?? `${seedBase}/${style}/${account}`);
  const id =
    style === 'consolidated'
      ? `arn:aws:securityhub:${region}:${account}:security-control/${controlId}/finding/${uuid}`
      : `arn:aws:securityhub:${region}:${account}:subscription/${FOUNDATIONAL_STANDARD}/${controlId}/finding/${uuid}`;
  const generatorId =
    style === 'consolidated' ? `security-control/${controlId}` : `${FOUNDATIONAL_STANDARD}/${controlId}`;
  const time = (options.at ?? new Date('2026-11-23T08:55:00.000Z')).toISOString();
  const resourceArn = resource.Id ?? '';
  const productArn = securityHubProductArn(region);
  const productName = options.productName ?? 'Security Hub';
  const complianceStatus = options.complianceStatus ?? 'FAILED';
  const recommendationUrl = `https://docs.aws.amazon.com/console/securityhub/${controlId}/remediation`;
  const types = [
    'Software and Configuration Checks/Industry and Regulatory Standards/AWS-Foundational-Security-Best-Practices',
  ];
  const commonProductFields: Record<string, string> = {
    'RelatedAWSResources:0/name': `securityhub-${facts.configRule}-${deterministicHex(`${controlId}/rule`, 8)}`,
    'RelatedAWSResources:0/type': 'AWS::Config::ConfigRule',
    'aws/securityhub/ProductName': productName,
    'aws/securityhub/CompanyName': 'AWS',
    'Resources:0/Id': resourceArn,
    'aws/securityhub/FindingId': `${productArn}/${id}`,
  };
  const productFields: Record<string, string> =
    style === 'consolidated'
      ? commonProductFields
      : {
          StandardsArn: `arn:aws:securityhub:::standards/${FOUNDATIONAL_STANDARD}`,
          StandardsSubscriptionArn: `arn:aws:securityhub:${region}:${account}:subscription/${FOUNDATIONAL_STANDARD}`,
          ControlId: controlId,
          RecommendationUrl: recommendationUrl,
          StandardsControlArn: `arn:aws:securityhub:${region}:${account}:control/${FOUNDATIONAL_STANDARD}/${controlId}`,
          ...commonProductFields,
        };
  return {
    SchemaVersion: '2018-10-08',
    Id: id,
    ProductArn: productArn,
    ProductName: productName,
    CompanyName: 'AWS',
    Region: region,
    GeneratorId: generatorId,
    AwsAccountId: account,
    Types: types,
    FirstObservedAt: time,
    LastObservedAt: time,
    CreatedAt: time,
    UpdatedAt: time,
    Severity: {
      Label: facts.severity,
      Original: facts.severity,
      ...(style === 'legacy'
        ? { Product: NORMALIZED_SEVERITY[facts.severity], Normalized: NORMALIZED_SEVERITY[facts.severity] }
        : {}),
    },
    Title: style === 'consolidated' ? facts.title : `${controlId} ${facts.title}`,
    Description: facts.description,
    Remediation: {
      Recommendation: {
        Text: 'For information on how to correct this issue, consult the AWS Security Hub controls documentation.',
        Url: recommendationUrl,
      },
    },
    ProductFields: productFields,
    Resources: [resource],
    Compliance: {
      Status: complianceStatus,
      SecurityControlId: controlId,
      AssociatedStandards: [{ StandardsId: `standards/${FOUNDATIONAL_STANDARD}` }],
    },
    WorkflowState: 'NEW',
    Workflow: { Status: options.workflowStatus ?? 'NEW' },
    RecordState: options.recordState ?? 'ACTIVE',
    FindingProviderFields: { Severity: { Label: facts.severity, Original: facts.severity }, Types: types },
    ProcessedAt: time,
  };
}

/** The notebook details Security Hub copies from AWS Config, failing the finding's control. */
function notebookDetails(
  options: NotebookControlFindingOptions,
  notebookArn: string,
  account: string,
  region: string,
) {
  const controlId = options.controlId;
  const overrides = options.notebook ?? {};
  return {
    DirectInternetAccess:
      overrides.DirectInternetAccess ?? (controlId === 'SageMaker.1' ? 'Enabled' : 'Disabled'),
    InstanceMetadataServiceConfiguration: { MinimumInstanceMetadataServiceVersion: '2' },
    InstanceType: overrides.InstanceType ?? 'ml.t3.medium',
    NotebookInstanceArn: notebookArn,
    NotebookInstanceName: options.notebookName,
    NotebookInstanceStatus: overrides.NotebookInstanceStatus ?? 'InService',
    PlatformIdentifier:
      overrides.PlatformIdentifier ??
      (controlId === 'SageMaker.8' ? 'notebook-al2-v2' : 'notebook-al2023-v1'),
    RoleArn:
      overrides.RoleArn ??
      `arn:aws:iam::${account}:role/service-role/AmazonSageMaker-ExecutionRole-20261101T000000`,
    RootAccess: overrides.RootAccess ?? (controlId === 'SageMaker.3' ? 'Enabled' : 'Disabled'),
    Url: `${options.notebookName.toLowerCase()}.notebook.${region}.sagemaker.aws`,
    VolumeSizeInGB: overrides.VolumeSizeInGB ?? 5,
    ...(overrides.SubnetId === undefined && controlId === 'SageMaker.2'
      ? {}
      : { SubnetId: overrides.SubnetId ?? 'subnet-0a1b2c3d4e5f60718' }),
    ...(overrides.SecurityGroups === undefined ? {} : { SecurityGroups: overrides.SecurityGroups }),
    ...(overrides.KmsKeyId === undefined ? {} : { KmsKeyId: overrides.KmsKeyId }),
  };
}

/** EventBridge's `time` has second precision. */
export function eventTime(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

export interface ImportedEventOptions {
  /** Event id; defaults to one derived from the finding and its UpdatedAt. */
  readonly id?: string;
  readonly time?: Date;
  /**
   * Where the event is delivered: the administrator account and its home (aggregation) Region for a
   * finding of a member account or a linked Region. Default: the finding's own account and Region.
   */
  readonly deliveredTo?: { readonly account: string; readonly region: string };
}

/** The `Security Hub Findings - Imported` event Security Hub sends for one finding. */
export function importedEvent(
  finding: AwsSecurityFinding,
  options: ImportedEventOptions = {},
): EventBridgeEvent {
  const id = finding.Id ?? '';
  return {
    version: '0',
    id:
      options.id ??
      deterministicUuid(`event/${id}/${finding.UpdatedAt ?? ''}/${finding.Workflow?.Status ?? ''}`),
    'detail-type': 'Security Hub Findings - Imported',
    source: 'aws.securityhub',
    account: options.deliveredTo?.account ?? finding.AwsAccountId ?? '',
    region: options.deliveredTo?.region ?? finding.Region ?? '',
    time: eventTime(options.time ?? new Date(finding.UpdatedAt ?? '2026-11-23T09:00:00.000Z')),
    resources: [id],
    detail: { findings: [finding] },
  };
}

export interface CustomActionEventOptions {
  readonly actionId: string;
  readonly actionName?: string;
  readonly actionDescription?: string;
  readonly account?: string;
  readonly region?: string;
  readonly time?: Date;
  readonly id?: string;
}

/** The `Security Hub Findings - Custom Action` event sent when a user picks a custom action. */
export function customActionEvent(
  findings: readonly AwsSecurityFinding[],
  options: CustomActionEventOptions,
): EventBridgeEvent {
  const account = options.account ?? findings[0]?.AwsAccountId ?? '111122223333';
  const region = options.region ?? findings[0]?.Region ?? 'eu-west-1';
  const actionArn = `arn:aws:securityhub:${region}:${account}:action/custom/${options.actionId}`;
  return {
    version: '0',
    id:
      options.id ??
      deterministicUuid(`custom-action/${actionArn}/${findings.map((finding) => finding.Id).join(',')}`),
    'detail-type': 'Security Hub Findings - Custom Action',
    source: 'aws.securityhub',
    account,
    region,
    time: eventTime(options.time ?? new Date('2026-11-23T09:00:00.000Z')),
    resources: [actionArn],
    detail: {
      actionName: options.actionName ?? options.actionId,
      actionDescription: options.actionDescription ?? '',
      findings: findings.map((finding) => structuredClone(finding)),
    },
  };
}
