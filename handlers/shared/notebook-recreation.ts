/**
 * Recreating a notebook instance to fix its immutable settings (SageMaker.1, .2, .8, .21; and .3
 * along the way), as pure functions: what one plan changes, what it preserves, what configuration
 * it lacks, the exact CreateNotebookInstance request, and the check of the result.
 *
 * Faithful recreation copies every setting DescribeNotebookInstance reports (see the reference
 * notes), except the ones the plan fixes; tags come from ListTags (never the `aws:` ones).
 */

import type { DescribeNotebookInstanceCommandOutput } from '@aws-sdk/client-sagemaker';
import {
  findControl,
  NOTEBOOK_CONTROL_IDS,
  type NotebookControl,
  RECREATE_CONTROL_IDS,
} from './controls-catalogue.js';

/**
 * The API's pattern for the names of notebook instances, lifecycle configurations and code
 * repositories (each also at most 63 characters).
 */
export const SAGEMAKER_NAME_PATTERN = /^[a-zA-Z0-9](-*[a-zA-Z0-9])*$/;

/** The platform the SageMaker.8 control accepts. */
export { SUPPORTED_NOTEBOOK_PLATFORM as SUPPORTED_PLATFORM } from './controls/sagemaker-8.js';

import { NOTEBOOK_SETTING_CONTROLS, updateFor } from './notebook-settings.js';

/** Tag written on every recreated notebook, naming the execution that recreated it. */
export const RECREATED_BY_TAG = 'securityhub-remediation:recreated-by';

/** CreateNotebookInstance limits. */
export const MAX_SECURITY_GROUPS = 5;
export const MAX_ADDITIONAL_CODE_REPOSITORIES = 3;
export const MAX_TAGS = 50;

/** The settings of a notebook as DescribeNotebookInstance reports them (the fields recreation uses). */
export interface NotebookSettings {
  readonly NotebookInstanceName: string;
  readonly NotebookInstanceArn?: string;
  readonly NotebookInstanceStatus?: string;
  readonly InstanceType: string;
  readonly RoleArn: string;
  readonly SubnetId?: string;
  readonly SecurityGroups?: readonly string[];
  readonly IpAddressType?: string;
  readonly KmsKeyId?: string;
  readonly NotebookInstanceLifecycleConfigName?: string;
  readonly DirectInternetAccess?: string;
  readonly VolumeSizeInGB?: number;
  readonly DefaultCodeRepository?: string;
  readonly AdditionalCodeRepositories?: readonly string[];
  readonly RootAccess?: string;
  readonly PlatformIdentifier?: string;
  readonly InstanceMetadataServiceConfiguration?: { readonly MinimumInstanceMetadataServiceVersion?: string };
}

export interface Tag {
  readonly Key: string;
  readonly Value: string;
}

/** Where recreated notebooks go, configured per account and region. */
export interface RecreateTarget {
  readonly subnetId?: string;
  readonly securityGroupIds?: readonly string[];
  /** Customer-managed KMS key for the volume (needed to fix SageMaker.21). */
  readonly kmsKeyId?: string;
}

export type { NotebookControl };

export interface SettingChange {
  readonly field: string;
  readonly from: string;
  readonly to: string;
}

export type RecreatePlan =
  | {
      readonly kind: 'recreate';
      /** Controls this plan makes pass. */
      readonly fixes: readonly NotebookControl[];
      readonly changes: readonly SettingChange[];
      /** The settings after recreation: the original ones with the changes applied. */
      readonly settings: NotebookSettings;
      /** Failing controls this recreation cannot fix, with what to configure for each. */
      readonly unfixed: ReadonlyArray<{ readonly control: NotebookControl; readonly missing: string }>;
    }
  | {
      readonly kind: 'needs-configuration';
      /** What to configure, one item per missing piece, in words an operator can act on. */
      readonly missing: readonly string[];
    };

const shown = (value: string | undefined): string => value ?? '(none)';

/** The notebook controls a notebook fails, read from its settings (not from which findings arrived). */
export function failingNotebookControls(notebook: NotebookSettings): NotebookControl[] {
  const observed = { description: notebook as unknown as Readonly<Record<string, unknown>> };
  return NOTEBOOK_CONTROL_IDS.filter((id) =>
    findControl(id)?.module.fails(observed, { requiredTagKeys: [] }),
  );
}

/** Controls only a recreation can fix. */
export const IMMUTABLE_NOTEBOOK_CONTROLS: readonly NotebookControl[] = RECREATE_CONTROL_IDS;

/**
 * One plan for every failing notebook control: the recreated notebook is in a VPC subnet with no
 * direct internet access, root access off, on the supported platform, and with the configured KMS
 * key. A notebook already in a subnet keeps its subnet and security groups.
 */
export function planRecreation(
  notebook: NotebookSettings,
  failing: readonly NotebookControl[],
  target: RecreateTarget | undefined,
): RecreatePlan {
  const missing: string[] = [];
  const keepsNetwork = Boolean(notebook.SubnetId) && !failing.includes('SageMaker.2');
  const subnetId = keepsNetwork ? notebook.SubnetId : target?.subnetId;
  const securityGroupIds = keepsNetwork
    ? [...(notebook.SecurityGroups ?? [])]
    : [...(target?.securityGroupIds ?? [])];
  if (!subnetId) missing.push('a private subnet (recreate target subnetId) for this account and region');
  if (!keepsNetwork && securityGroupIds.length === 0) {
    missing.push('security groups (recreate target securityGroupIds) for this account and region');
  }
  if (securityGroupIds.length > MAX_SECURITY_GROUPS) {
    missing.push(`at most ${MAX_SECURITY_GROUPS} security groups (${securityGroupIds.length} configured)`);
  }
  const kmsKeyId = target?.kmsKeyId ?? notebook.KmsKeyId;
  // Without a key, SageMaker.21 stays failing; that alone does not stop fixing the rest.
  const unfixed: Array<{ control: NotebookControl; missing: string }> = [];
  if (failing.includes('SageMaker.21') && !target?.kmsKeyId) {
    unfixed.push({
      control: 'SageMaker.21',
      missing: 'a customer-managed KMS key (recreate target kmsKeyId) for this account and region',
    });
  }
  const immutableFixable = failing.filter(
    (control) =>
      IMMUTABLE_NOTEBOOK_CONTROLS.includes(control) && !unfixed.some((entry) => entry.control === control),
  );
  if (immutableFixable.length === 0) missing.push(...unfixed.map((entry) => entry.missing));
  if (missing.length > 0) return { kind: 'needs-configuration', missing };

  const settings: NotebookSettings = {
    ...notebook,
    ...(subnetId ? { SubnetId: subnetId } : {}),
    SecurityGroups: securityGroupIds,
    ...(kmsKeyId ? { KmsKeyId: kmsKeyId } : {}),
    // Every notebook control's required setting (root access, internet access, platform...).
    ...updateFor(NOTEBOOK_SETTING_CONTROLS),
  };
  const changes = settingChanges(notebook, settings);
  // The failing controls the recreated notebook passes, by the modules' own predicates.
  const passingAfter = new Set(failingNotebookControls(settings));
  return {
    kind: 'recreate',
    fixes: failing.filter((control) => !passingAfter.has(control)),
    changes,
    settings,
    unfixed,
  };
}

/** The settings a recreation may change, as shown to people (SageMaker's defaults filled in). */
function changeableSettings(settings: NotebookSettings): Array<[string, string | undefined]> {
  return [
    ['SubnetId', settings.SubnetId],
    ['SecurityGroups', settings.SecurityGroups?.join(', ')],
    ['KmsKeyId', settings.KmsKeyId],
    ...NOTEBOOK_SETTING_CONTROLS.map(({ setting }): [string, string | undefined] => {
      const value = (settings as unknown as Readonly<Record<string, unknown>>)[setting.field];
      return [setting.field, typeof value === 'string' ? value : setting.absent || undefined];
    }),
  ];
}

/** What a recreation from `original` to `planned` changes, field by field. */
export function settingChanges(original: NotebookSettings, planned: NotebookSettings): SettingChange[] {
  const after = new Map(changeableSettings(planned));
  return changeableSettings(original)
    .filter(([field, from]) => (from ?? '') !== (after.get(field) ?? ''))
    .map(([field, from]) => ({ field, from: shown(from), to: shown(after.get(field)) }));
}

/** The settings a recreation keeps as they were, for the approval message. */
export const PRESERVED_SETTINGS = [
  'name',
  'instance type',
  'IAM role',
  'IP address type',
  'volume size',
  'code repositories',
  'instance metadata service version',
  'lifecycle configuration',
  'tags',
  'run state',
  'data on /home/ec2-user/SageMaker',
] as const;

export interface CreateRequestOptions {
  /** Lifecycle configuration the new notebook starts with (the restore one); the original comes back after. */
  readonly lifecycleConfigName?: string;
  readonly tags: readonly Tag[];
  /** Name of the execution, recorded in the recreated-by tag. */
  readonly recreatedBy: string;
}

/** The CreateNotebookInstance request for the planned settings (PascalCase, as the API and Step Functions take it). */
export function buildCreateNotebookRequest(
  settings: NotebookSettings,
  options: CreateRequestOptions,
): Record<string, unknown> {
  const tags = [
    ...options.tags.filter((tag) => !tag.Key.startsWith('aws:') && tag.Key !== RECREATED_BY_TAG),
    { Key: RECREATED_BY_TAG, Value: options.recreatedBy },
  ];
  if (tags.length > MAX_TAGS)
    throw new Error(`the notebook would have ${tags.length} tags; at most ${MAX_TAGS}`);
  const additional = settings.AdditionalCodeRepositories ?? [];
  if (additional.length > MAX_ADDITIONAL_CODE_REPOSITORIES) {
    throw new Error(`at most ${MAX_ADDITIONAL_CODE_REPOSITORIES} additional code repositories`);
  }
  const request: Record<string, unknown> = {
    NotebookInstanceName: settings.NotebookInstanceName,
    InstanceType: settings.InstanceType,
    RoleArn: settings.RoleArn,
    SubnetId: settings.SubnetId,
    SecurityGroupIds: settings.SecurityGroups ? [...settings.SecurityGroups] : undefined,
    IpAddressType: settings.IpAddressType,
    KmsKeyId: settings.KmsKeyId,
    LifecycleConfigName: options.lifecycleConfigName,
    DirectInternetAccess: settings.DirectInternetAccess,
    VolumeSizeInGB: settings.VolumeSizeInGB,
    DefaultCodeRepository: settings.DefaultCodeRepository,
    AdditionalCodeRepositories: additional.length > 0 ? [...additional] : undefined,
    RootAccess: settings.RootAccess,
    PlatformIdentifier: settings.PlatformIdentifier,
    InstanceMetadataServiceConfiguration: settings.InstanceMetadataServiceConfiguration
      ?.MinimumInstanceMetadataServiceVersion
      ? { ...settings.InstanceMetadataServiceConfiguration }
      : undefined,
    Tags: tags,
  };
  // Absent, not null: the API rejects nulls, and an absent field takes the service default.
  return Object.fromEntries(Object.entries(request).filter(([, value]) => value !== undefined));
}

/** Every difference between what was planned and what DescribeNotebookInstance now reports. */
export function verifyRecreation(planned: NotebookSettings, actual: NotebookSettings): string[] {
  const fields: Array<keyof NotebookSettings> = [
    'InstanceType',
    'RoleArn',
    'SubnetId',
    'IpAddressType',
    'KmsKeyId',
    'DirectInternetAccess',
    'VolumeSizeInGB',
    'DefaultCodeRepository',
    'RootAccess',
    'PlatformIdentifier',
  ];
  const problems: string[] = [];
  for (const field of fields) {
    const want = planned[field];
    const got = actual[field];
    if (want !== undefined && JSON.stringify(want) !== JSON.stringify(got)) {
      problems.push(`${field} is ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
    }
  }
  const sorted = (values: readonly string[] | undefined) => [...(values ?? [])].sort().join(',');
  if (sorted(planned.SecurityGroups) !== sorted(actual.SecurityGroups)) {
    problems.push(
      `SecurityGroups are ${sorted(actual.SecurityGroups)}, expected ${sorted(planned.SecurityGroups)}`,
    );
  }
  if (sorted(planned.AdditionalCodeRepositories) !== sorted(actual.AdditionalCodeRepositories)) {
    problems.push('AdditionalCodeRepositories differ');
  }
  const imds = (settings: NotebookSettings) =>
    settings.InstanceMetadataServiceConfiguration?.MinimumInstanceMetadataServiceVersion;
  if (imds(planned) !== undefined && imds(planned) !== imds(actual)) {
    problems.push(`MinimumInstanceMetadataServiceVersion is ${imds(actual)}, expected ${imds(planned)}`);
  }
  return problems;
}

/** One paragraph for the approval note and alert: what changes, what stays. */
export function describePlan(notebookName: string, plan: RecreatePlan): string {
  if (plan.kind === 'needs-configuration') {
    return `Notebook instance ${notebookName} can only be fixed by recreating it, and this deployment lacks ${plan.missing.join('; ')}. Nothing was changed.`;
  }
  const changes = plan.changes.map((change) => `${change.field} ${change.from} -> ${change.to}`).join('; ');
  const left = plan.unfixed
    .map((entry) => ` ${entry.control} stays failing: it needs ${entry.missing}.`)
    .join('');
  return `Recreate notebook instance ${notebookName} to fix ${plan.fixes.join(', ')}: ${changes}. Kept: ${PRESERVED_SETTINGS.join(', ')}.${left}`;
}

/** The object without its undefined fields (API requests must not carry nulls). */
export function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}

/**
 * The settings recreation works with, from a DescribeNotebookInstance response. Absent fields stay
 * absent (an API request must not carry nulls); empty lists count as absent.
 */
export function settingsFromDescribe(
  described: DescribeNotebookInstanceCommandOutput,
  fallbackName: string,
): NotebookSettings {
  const imdsVersion = described.InstanceMetadataServiceConfiguration?.MinimumInstanceMetadataServiceVersion;
  return withoutUndefined<NotebookSettings>({
    NotebookInstanceName: described.NotebookInstanceName ?? fallbackName,
    NotebookInstanceArn: described.NotebookInstanceArn,
    NotebookInstanceStatus: described.NotebookInstanceStatus,
    InstanceType: described.InstanceType ?? '',
    RoleArn: described.RoleArn ?? '',
    SubnetId: described.SubnetId,
    SecurityGroups: described.SecurityGroups?.length ? [...described.SecurityGroups] : undefined,
    IpAddressType: described.IpAddressType,
    KmsKeyId: described.KmsKeyId,
    NotebookInstanceLifecycleConfigName: described.NotebookInstanceLifecycleConfigName,
    DirectInternetAccess: described.DirectInternetAccess,
    VolumeSizeInGB: described.VolumeSizeInGB,
    DefaultCodeRepository: described.DefaultCodeRepository,
    AdditionalCodeRepositories: described.AdditionalCodeRepositories?.length
      ? [...described.AdditionalCodeRepositories]
      : undefined,
    RootAccess: described.RootAccess,
    PlatformIdentifier: described.PlatformIdentifier,
    InstanceMetadataServiceConfiguration: imdsVersion
      ? { MinimumInstanceMetadataServiceVersion: imdsVersion }
      : undefined,
  });
}
