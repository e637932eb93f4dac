/**
 * The user's own case (--finding, --notebook): the files read and validated, the finding moved to the
 * simulated account and Region, the notebook seeded as DescribeNotebookInstance described it. Reading
 * and preparing are pure (the tests give the file contents); the seeder acts on the simulated account.
 */
import { readFileSync } from 'node:fs';
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { z } from 'zod';
import { findControl } from '../handlers/shared/controls-catalogue.js';
import type { SeedNotebookOptions } from '../simulation/account/sagemaker.js';
import { notebookControlFinding } from '../simulation/account/sample-findings.js';
import { asffDemoFinding, type DemoSeeder } from './demo-case.js';
import { APPROVAL_AFTER_MINUTES } from './demo-options.js';

const NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;
const onOff = z.enum(['Enabled', 'Disabled']);

/** What DescribeNotebookInstance prints (and a finding's AwsSageMakerNotebookInstance details hold). */
const notebookSchema = z.looseObject({
  NotebookInstanceName: z.string().regex(NAME, 'must be a notebook instance name'),
  NotebookInstanceStatus: z.enum([
    'Pending',
    'InService',
    'Stopping',
    'Stopped',
    'Failed',
    'Deleting',
    'Updating',
  ]),
  FailureReason: z.string().optional(),
  InstanceType: z.string().regex(/^ml\./, 'must be an ml.* instance type').optional(),
  SubnetId: z
    .string()
    .regex(/^subnet-[0-9a-f]+$/, 'must be a subnet id')
    .optional(),
  SecurityGroups: z.array(z.string().regex(/^sg-[0-9a-f]+$/, 'must be a security group id')).optional(),
  IpAddressType: z.enum(['ipv4', 'dualstack']).optional(),
  RoleArn: z
    .string()
    .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\//, 'must be an IAM role ARN')
    .optional(),
  KmsKeyId: z.string().min(1).optional(),
  NotebookInstanceLifecycleConfigName: z
    .string()
    .regex(NAME, 'must be a lifecycle configuration name')
    .optional(),
  DirectInternetAccess: onOff.optional(),
  VolumeSizeInGB: z.number().int().min(5).max(16384).optional(),
  DefaultCodeRepository: z.string().optional(),
  AdditionalCodeRepositories: z.array(z.string()).optional(),
  RootAccess: onOff.optional(),
  PlatformIdentifier: z.string().min(1).optional(),
  InstanceMetadataServiceConfiguration: z
    .looseObject({ MinimumInstanceMetadataServiceVersion: z.enum(['1', '2']) })
    .optional(),
  Tags: z.array(z.object({ Key: z.string().min(1).max(128), Value: z.string().max(256) })).optional(),
});
export type NotebookDescription = z.infer<typeof notebookSchema>;

/** What the workflow's own validation requires of a finding (handlers/shared/finding-event.ts), and a notebook. */
const findingSchema = z.looseObject({
  SchemaVersion: z.string(),
  Id: z.string().min(1).max(512),
  ProductArn: z.string().regex(/^arn:aws[a-z-]*:securityhub:[a-z0-9-]+::product\/[a-z0-9-]+\/[a-z0-9-]+$/, {
    message: 'must be a Security Hub product ARN',
  }),
  GeneratorId: z.string().min(1),
  AwsAccountId: z.string().regex(/^\d{12}$/, 'must be a 12-digit account id'),
  Region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS Region name'),
  Compliance: z.looseObject({ Status: z.string(), SecurityControlId: z.string().optional() }),
  Resources: z
    .array(
      z.looseObject({
        Type: z.string().min(1),
        Id: z.string().regex(/:notebook-instance\/./, 'must be the ARN of a notebook instance'),
        Details: z.looseObject({ AwsSageMakerNotebookInstance: notebookSchema.optional() }).optional(),
      }),
    )
    .min(1),
  ProductFields: z.record(z.string(), z.string()).optional(),
});
/** What `aws securityhub get-findings` prints. */
const findingsListSchema = z.looseObject({ Findings: z.array(findingSchema).min(1) });

export interface UserCase {
  readonly findings: readonly AwsSecurityFinding[];
  readonly notebook: NotebookDescription;
  /** Whether the notebook came from --notebook (else from the finding's details). */
  readonly notebookFromFile: boolean;
}

export type Loaded<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly message: string };

type ReadText = (path: string) => string;
const readText: ReadText = (path) => readFileSync(path, 'utf8');

function problemsOf(option: string, file: string, error: z.ZodError): string {
  const lines = error.issues
    .slice(0, 6)
    .map((issue) => `  ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  return `${option} ${file}: not what it should hold:\n${lines.join('\n')}`;
}

function readJson(option: string, file: string, read: ReadText): Loaded<unknown> {
  let text: string;
  try {
    text = read(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return {
      ok: false,
      message: `${option} ${file}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`,
    };
  }
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, message: `${option} ${file}: not JSON (${(error as Error).message})` };
  }
}

const controlIdOf = (finding: AwsSecurityFinding) =>
  finding.Compliance?.SecurityControlId ?? finding.ProductFields?.ControlId;
const notebookNameOf = (finding: AwsSecurityFinding) => finding.Resources?.[0]?.Id?.split('/').pop() ?? '';

/** The controls a notebook fails that a finding can be made up for, without --finding. */
export function failedControls(notebook: NotebookDescription): string[] {
  return [
    ...((notebook.DirectInternetAccess ?? 'Enabled') === 'Enabled' ? ['SageMaker.1'] : []),
    ...(notebook.SubnetId === undefined ? ['SageMaker.2'] : []),
    ...((notebook.RootAccess ?? 'Enabled') === 'Enabled' ? ['SageMaker.3'] : []),
  ];
}

/** Reads and validates the files; every problem names the option and the file. */
export function loadUserCase(
  files: { readonly findingFile?: string; readonly notebookFile?: string },
  read: ReadText = readText,
): Loaded<UserCase> {
  let notebook: NotebookDescription | undefined;
  if (files.notebookFile !== undefined) {
    const json = readJson('--notebook', files.notebookFile, read);
    if (!json.ok) return json;
    // `aws sagemaker describe-notebook-instance` prints the description itself.
    const parsed = notebookSchema.safeParse(json.value);
    if (!parsed.success)
      return { ok: false, message: problemsOf('--notebook', files.notebookFile, parsed.error) };
    notebook = parsed.data;
  }
  if (files.findingFile === undefined) {
    if (!notebook) return { ok: false, message: 'give --finding, --notebook or both' };
    const controls = failedControls(notebook);
    if (controls.length === 0) {
      return {
        ok: false,
        message: `--notebook ${files.notebookFile}: ${notebook.NotebookInstanceName} fails none of SageMaker.1, .2 and .3; give the finding to try with --finding`,
      };
    }
    return { ok: true, value: { findings: [], notebook, notebookFromFile: true } };
  }
  const file = files.findingFile;
  const json = readJson('--finding', file, read);
  if (!json.ok) return json;
  // A list as get-findings prints it, or one finding as the console exports it.
  const listed = typeof json.value === 'object' && json.value !== null && 'Findings' in json.value;
  const parsed = listed ? findingsListSchema.safeParse(json.value) : findingSchema.safeParse(json.value);
  if (!parsed.success) return { ok: false, message: problemsOf('--finding', file, parsed.error) };
  const findings = ('Findings' in parsed.data ? parsed.data.Findings : [parsed.data]) as AwsSecurityFinding[];
  for (const [index, finding] of findings.entries()) {
    const controlId = controlIdOf(finding);
    const control = controlId === undefined ? undefined : findControl(controlId);
    if (control?.kind !== 'notebook-instance') {
      return {
        ok: false,
        message: `--finding ${file}: finding ${index + 1} is about ${controlId ?? 'no control (no Compliance.SecurityControlId)'}, not a SageMaker notebook instance control`,
      };
    }
  }
  const names = [...new Set(findings.map((finding) => notebookNameOf(finding).toLowerCase()))];
  if (names.length > 1) {
    return {
      ok: false,
      message: `--finding ${file}: the findings are about ${names.join(', ')}: give one notebook's`,
    };
  }
  if (notebook && notebook.NotebookInstanceName.toLowerCase() !== names[0]) {
    return {
      ok: false,
      message: `--finding ${file} is about notebook ${names[0]}, --notebook ${files.notebookFile} describes ${notebook.NotebookInstanceName}`,
    };
  }
  const details = findings[0]?.Resources?.[0]?.Details?.AwsSageMakerNotebookInstance;
  if (!notebook && !details) {
    return {
      ok: false,
      message: `--finding ${file}: no notebook details in the finding; give --notebook too`,
    };
  }
  return {
    ok: true,
    value: {
      findings,
      notebook: (notebook ?? details) as NotebookDescription,
      notebookFromFile: notebook !== undefined,
    },
  };
}

/** Every mention of an account id or a Region in `value`, replaced (ARNs, ids, fields). */
function rewritten<T>(
  value: T,
  from: { account: string; region: string },
  to: { account: string; region: string },
): T {
  const text = JSON.stringify(value)
    .replace(new RegExp(`\\b${from.account}\\b`, 'g'), to.account)
    .replace(new RegExp(`\\b${from.region.replaceAll('-', '\\-')}\\b`, 'g'), to.region);
  return JSON.parse(text) as T;
}

export interface PreparedUserCase {
  readonly findings: readonly AwsSecurityFinding[];
  readonly seed: SeedNotebookOptions;
  /** What was changed or made up, said in the output. */
  readonly notes: readonly string[];
}

/** The case moved into the simulated account and Region, with the notebook's seed and what was changed. */
export function prepareUserCase(loaded: UserCase, to: { account: string; region: string }): PreparedUserCase {
  const notes: string[] = [];
  const first = loaded.findings[0];
  // Without a finding, the notebook's own ARNs say where it is.
  const arns = [
    loaded.notebook.NotebookInstanceArn,
    loaded.notebook.RoleArn,
    loaded.notebook.KmsKeyId,
  ].filter((arn): arn is string => typeof arn === 'string');
  const arnPart = (pattern: RegExp) => arns.map((arn) => pattern.exec(arn)?.[1]).find(Boolean);
  const from = first
    ? { account: first.AwsAccountId ?? to.account, region: first.Region ?? to.region }
    : {
        account: arnPart(/^arn:[^:]+:[^:]+:[^:]*:(\d{12}):/) ?? to.account,
        region: arnPart(/^arn:[^:]+:[^:]+:([a-z0-9-]+):/) ?? to.region,
      };
  if (from.account !== to.account || from.region !== to.region) {
    notes.push(
      `Your case is of account ${from.account}, Region ${from.region}: rewritten to the simulated account ${to.account}, Region ${to.region} (ARNs and ids too).`,
    );
  }
  const notebook = rewritten(loaded.notebook, from, to);
  let findings = loaded.findings.map((finding) => rewritten(finding, from, to));
  if (findings.length === 0) {
    const controls = failedControls(notebook);
    notes.push(
      `No --finding: made up the findings Security Hub reports for what the notebook fails: ${controls.join(', ')}.`,
    );
    const { RootAccess, DirectInternetAccess, SubnetId, SecurityGroups, KmsKeyId, PlatformIdentifier } =
      notebook;
    const { InstanceType, NotebookInstanceStatus, VolumeSizeInGB, RoleArn } = notebook;
    const details = {
      RootAccess,
      DirectInternetAccess,
      SubnetId,
      SecurityGroups,
      KmsKeyId,
      PlatformIdentifier,
    };
    findings = controls.map((controlId) =>
      notebookControlFinding({
        controlId,
        notebookName: notebook.NotebookInstanceName,
        account: to.account,
        region: to.region,
        notebook: { ...details, InstanceType, NotebookInstanceStatus, VolumeSizeInGB, RoleArn },
      }),
    );
  }
  findings = findings.map((finding) => {
    const stale = finding.Workflow?.Status !== 'NEW' || finding.RecordState !== 'ACTIVE';
    if (stale) {
      notes.push(
        `${controlIdOf(finding)}: workflow status ${finding.Workflow?.Status ?? '(none)'}, record ${finding.RecordState ?? '(none)'}: imported as NEW and ACTIVE, as a new failure is (the workflow acts on nothing else).`,
      );
    }
    if (finding.Compliance?.Status !== 'FAILED') {
      notes.push(
        `${controlIdOf(finding)}: compliance ${finding.Compliance?.Status}: the workflow acts only on FAILED findings.`,
      );
    }
    return { ...finding, Workflow: { Status: 'NEW' }, RecordState: 'ACTIVE' };
  });
  if (!loaded.notebookFromFile)
    notes.push('No --notebook: the notebook is made from the details in the finding.');
  const repositories = [notebook.DefaultCodeRepository, ...(notebook.AdditionalCodeRepositories ?? [])];
  const byName = repositories.filter((each) => each !== undefined && !each.startsWith('https://'));
  if (byName.length > 0) {
    notes.push(
      `Code repositories named ${byName.join(', ')}: left out (the simulated account has none of that name).`,
    );
  }
  if (notebook.NotebookInstanceLifecycleConfigName) {
    notes.push(
      `Lifecycle configuration ${notebook.NotebookInstanceLifecycleConfigName}: seeded with a placeholder script (the demo does not have yours).`,
    );
  }
  const url = (each: string | undefined) => (each?.startsWith('https://') ? each : undefined);
  const seed: SeedNotebookOptions = {
    name: notebook.NotebookInstanceName,
    status: notebook.NotebookInstanceStatus,
    ...(notebook.FailureReason === undefined ? {} : { failureReason: notebook.FailureReason }),
    ...(notebook.InstanceType === undefined ? {} : { instanceType: notebook.InstanceType }),
    ...(notebook.RoleArn === undefined ? {} : { roleArn: notebook.RoleArn }),
    rootAccess: notebook.RootAccess ?? 'Enabled',
    directInternetAccess: notebook.DirectInternetAccess ?? 'Enabled',
    ...(notebook.SubnetId === undefined ? {} : { subnetId: notebook.SubnetId }),
    ...(notebook.SecurityGroups === undefined ? {} : { securityGroupIds: notebook.SecurityGroups }),
    ...(notebook.IpAddressType === undefined ? {} : { ipAddressType: notebook.IpAddressType }),
    ...(notebook.KmsKeyId === undefined ? {} : { kmsKeyId: notebook.KmsKeyId }),
    ...(notebook.NotebookInstanceLifecycleConfigName === undefined
      ? {}
      : { lifecycleConfigName: notebook.NotebookInstanceLifecycleConfigName }),
    ...(notebook.VolumeSizeInGB === undefined ? {} : { volumeSizeInGB: notebook.VolumeSizeInGB }),
    ...(url(notebook.DefaultCodeRepository) === undefined
      ? {}
      : { defaultCodeRepository: url(notebook.DefaultCodeRepository) }),
    additionalCodeRepositories: (notebook.AdditionalCodeRepositories ?? []).filter((each) => url(each)),
    ...(notebook.PlatformIdentifier === undefined ? {} : { platformIdentifier: notebook.PlatformIdentifier }),
    ...(notebook.InstanceMetadataServiceConfiguration === undefined
      ? {}
      : {
          minimumInstanceMetadataServiceVersion:
            notebook.InstanceMetadataServiceConfiguration.MinimumInstanceMetadataServiceVersion,
        }),
    ...(notebook.Tags === undefined ? {} : { tags: notebook.Tags }),
  };
  return { findings, seed, notes };
}

/** What each notebook control asks of the notebook once fixed. */
const FIXED: Readonly<
  Record<
    string,
    (notebook: {
      RootAccess: string;
      DirectInternetAccess: string;
      SubnetId?: string;
      KmsKeyId?: string;
    }) => boolean
  >
> = {
  'SageMaker.1': (notebook) => notebook.DirectInternetAccess === 'Disabled',
  'SageMaker.2': (notebook) => notebook.SubnetId !== undefined,
  'SageMaker.3': (notebook) => notebook.RootAccess === 'Disabled',
  'SageMaker.21': (notebook) => notebook.KmsKeyId !== undefined,
};

/** Seeds the user's notebook and gives its case: approved like the demo's own plans. */
export function userCaseSeeder(prepared: PreparedUserCase): DemoSeeder {
  return (context) => {
    const { account } = context;
    const { seed } = prepared;
    if (seed.lifecycleConfigName) {
      account.sagemaker.seedLifecycleConfig({
        name: seed.lifecycleConfigName,
        onStart: '#!/bin/bash\n# A placeholder: the demo does not have your script.\n',
      });
    }
    account.sagemaker.seedNotebook(seed);
    const describe = () => account.sagemaker.describeNotebookInstance({ NotebookInstanceName: seed.name });
    const runState = seed.status;
    const controls = prepared.findings.map((finding) => controlIdOf(finding) ?? '?');
    return [
      {
        scenario: 'your-case',
        findings: prepared.findings.map((finding) =>
          asffDemoFinding(context, finding, {
            why: `your finding: ${finding.Title ?? controlIdOf(finding)}`,
          }),
        ),
        approveAfterMinutes: APPROVAL_AFTER_MINUTES,
        describeNow: () => {
          const now = describe();
          return `${seed.name}  ${now.NotebookInstanceStatus}  RootAccess ${now.RootAccess}  DirectInternetAccess ${now.DirectInternetAccess}  Subnet ${now.SubnetId ?? '(none)'}  KmsKeyId ${now.KmsKeyId ?? '(none)'}  Lifecycle ${now.NotebookInstanceLifecycleConfigName ?? '(none)'}`;
        },
        checkFixed: () => {
          const now = describe();
          const unfixed = controls.filter((controlId) => FIXED[controlId]?.(now) === false);
          const backAsItWas =
            !['InService', 'Stopped'].includes(runState ?? '') || now.NotebookInstanceStatus === runState;
          const ok = unfixed.length === 0 && backAsItWas;
          return {
            ok,
            line: ok
              ? `${seed.name}: passes ${controls.join(', ')} now, ${now.NotebookInstanceStatus} as before.`
              : `UNEXPECTED: ${seed.name} ${unfixed.length > 0 ? `still fails ${unfixed.join(', ')}` : `is ${now.NotebookInstanceStatus}, was ${runState}`}; see the timeline above.`,
          };
        },
      },
    ];
  };
}
