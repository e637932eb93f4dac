/**
 * What every demo case is: a resource seeded into the simulated account before the stack acts, the
 * findings Security Hub imports about it, when a security engineer approves its plan, and how to tell
 * it is fixed. The built-in scenarios (demo-notebook-cases.ts, demo-resource-cases.ts,
 * demo-organization-cases.ts) and the user's own case (demo-user-case.ts) all produce these.
 */
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import type { SimulatedAccount } from '../simulation/account/account.js';
import type { LocalDeployment } from '../simulation/runner/local-deployment.js';
import type { FindingFacts } from './demo-expectations.js';

export interface DemoFinding {
  /** Which finding, short and unique: "SageMaker.3 research-notebook (legacy)". */
  readonly label: string;
  /** What it is about, as the import list shows it. */
  readonly why: string;
  /** The ASFF Id, or the OCSF finding_info.uid: what an execution's input names. */
  readonly id: string;
  readonly facts: Omit<FindingFacts, 'approved'>;
  /** Security Hub imports it (into the administrator account, where findings are aggregated). */
  importFinding(): void;
  /** Its workflow status and note now, as Security Hub has them. */
  now(): { readonly status: string | undefined; readonly note: string | undefined };
  /** The ASFF finding as Security Hub has it now, for a custom action (none for an OCSF finding). */
  current(): AwsSecurityFinding | undefined;
}

export interface DemoCase {
  /** The scenario it belongs to (--scenario). */
  readonly scenario: string;
  readonly findings: readonly DemoFinding[];
  /** Minutes after the import when a security engineer approves the resource's plan, if it has one. */
  readonly approveAfterMinutes?: number;
  /** What the resource looks like now, one or more lines. */
  describeNow(): string;
  /** Once every finding of it is fixed: whether the resource is as it should be, and the line saying so. */
  checkFixed(): { readonly ok: boolean; readonly line: string };
}

/** What a case needs of the demo's deployment and configuration to seed itself. */
export interface DemoContext {
  readonly deployment: LocalDeployment;
  /** The administrator account the stack is deployed in. */
  readonly account: SimulatedAccount;
  readonly exemptionTag: { readonly key: string; readonly value: string };
  readonly requiredTags: Readonly<Record<string, string>>;
  /** The recreate target's subnet in this account, where recreated notebooks go. */
  readonly privateSubnetId: string;
}

export type DemoSeeder = (context: DemoContext) => DemoCase[];

/** The resource's tags in the simulated account (none when it has no taggable ARN there). */
export function tagsOf(
  account: SimulatedAccount,
  resourceArn: string,
): Array<{ Key?: string; Value?: string }> {
  try {
    return account.sagemaker.listTags({ ResourceArn: resourceArn }).Tags;
  } catch {
    return [];
  }
}

export function hasTag(
  tags: ReadonlyArray<{ readonly Key?: string | undefined; readonly Value?: string | undefined }>,
  tag: { readonly key: string; readonly value: string },
): boolean {
  return tags.some((each) => each.Key === tag.key && each.Value === tag.value);
}

/** The resource name an ASFF finding is about: the notebook's own spelling, else its ARN's last part. */
export function resourceNameOf(finding: AwsSecurityFinding): string {
  const resource = finding.Resources?.[0];
  return (
    resource?.Details?.AwsSageMakerNotebookInstance?.NotebookInstanceName ??
    resource?.Id?.split('/').pop() ??
    '?'
  );
}

/**
 * An ASFF finding of the demo, imported into the deployment's account; `resourceAccount` holds the
 * resource (a member account's, for an aggregated finding), where its tags are read.
 */
export function asffDemoFinding(
  context: DemoContext,
  finding: AwsSecurityFinding,
  options: {
    readonly why: string;
    readonly resourceAccount?: SimulatedAccount;
    readonly duplicate?: boolean;
  },
): DemoFinding {
  const { account, deployment, exemptionTag } = context;
  const controlId = finding.Compliance?.SecurityControlId ?? finding.ProductFields?.ControlId ?? '?';
  const legacy = !finding.GeneratorId?.startsWith('security-control/');
  const resourceArn = finding.Resources?.[0]?.Id ?? '';
  const id = finding.Id ?? '';
  return {
    label: `${controlId} ${resourceNameOf(finding)}${legacy ? ' (legacy)' : ''}`,
    why: options.why,
    id,
    facts: {
      controlId,
      exempt: hasTag(tagsOf(options.resourceAccount ?? account, resourceArn), exemptionTag),
      ...(options.duplicate ? { duplicate: true } : {}),
    },
    importFinding: () => {
      deployment.importFinding(finding);
    },
    now: () => {
      const current = account.securityHub.getFinding(id);
      return { status: current?.Workflow?.Status, note: current?.Note?.Text };
    },
    current: () => account.securityHub.getFinding(id),
  };
}
