/**
 * The member stack: what the deployment in the administrator account needs in each member account and
 * Region, deployed by a service-managed CloudFormation StackSet over the organization's accounts (and
 * directly in the administrator account itself, whose resources are remediated the same way): the
 * member role, what the recreation of a notebook needs on the notebook's side, the bucket its data is
 * copied to and the backup and restore lifecycle configurations that copy it (named from the
 * configuration, handlers/shared/notebook-data-placement.ts, so the administrator side knows them), and
 * the restore role operators of the administrator account run the restore tools here as
 * (member-restore-role.ts).
 *
 * A StackSet deploys a plain template: no assets, no nested stacks, no CDK bootstrap in the member
 * accounts (so no bootstrap version rule). The administrator account and the organization are
 * parameters; everything else comes from the same configuration as the administrator stack, so the
 * member role may do exactly what that deployment's remediations do (member-permissions.ts).
 */

import { createHash } from 'node:crypto';
import { Aws, CfnParameter, DefaultStackSynthesizer, Stack, type StackProps } from 'aws-cdk-lib';
import { ArnPrincipal, ManagedPolicy, type PolicyStatement, Role } from 'aws-cdk-lib/aws-iam';
import type { Bucket } from 'aws-cdk-lib/aws-s3';
import { CfnNotebookInstanceLifecycleConfig } from 'aws-cdk-lib/aws-sagemaker';
import type { Construct } from 'constructs';
import { ADMINISTRATOR_ROLE_PATH, MEMBER_ROLE_PATH } from '../handlers/shared/member-access.js';
import { notebookDataPlacement } from '../handlers/shared/notebook-data-placement.js';
import {
  backupOnStartScript,
  restoreOnCreateScript,
  toLifecycleContent,
} from '../lifecycle/lifecycle-scripts.js';
import type { RemediationConfiguration } from './configuration.js';
import { acknowledgeMemberRole, memberRoleStatements } from './member-permissions.js';
import { MemberRestoreRole } from './member-restore-role.js';
import { NotebookDataBucket } from './notebook-data-bucket.js';

export interface MemberStackProps extends StackProps {
  /** The deployment's configuration: the member role may do what its remediations do. */
  readonly configuration: RemediationConfiguration;
}

export class MemberStack extends Stack {
  /** The role the administrator deployment acts through in this account and Region. */
  public readonly memberRole: Role;
  /** What the role may do, in as many managed policies as IAM's size quota needs. */
  public readonly remediationPolicies: readonly ManagedPolicy[];
  /** Where the notebooks of this account and Region are copied before they are recreated. */
  public readonly notebookData: NotebookDataBucket;
  /** Attached while a notebook's volume is copied to the bucket (OnStart). */
  public readonly backupLifecycleConfig: CfnNotebookInstanceLifecycleConfig;
  /** The recreated notebook is created with it, to copy the data back (OnCreate). */
  public readonly restoreLifecycleConfig: CfnNotebookInstanceLifecycleConfig;
  /** What operators of the administrator account run the restore tools here as (`--role-arn`). */
  public readonly restoreRole: MemberRestoreRole;

  constructor(scope: Construct, id: string, props: MemberStackProps) {
    super(scope, id, {
      ...props,
      synthesizer: new DefaultStackSynthesizer({ generateBootstrapVersionRule: false }),
      analyticsReporting: false,
      description:
        "SageMaker Security Hub remediation, member account and Region: the role the administrator deployment acts through, the bucket and lifecycle configurations that keep a recreated notebook's data, and the role operators run the restore tools as.",
    });
    const administratorAccountId = new CfnParameter(this, 'AdministratorAccountId', {
      type: 'String',
      allowedPattern: '^\\d{12}$',
      description: 'The account the remediation is deployed in (the Security Hub delegated administrator).',
    });
    const organizationId = new CfnParameter(this, 'OrganizationId', {
      type: 'String',
      allowedPattern: '^o-[a-z0-9]{10,32}$',
      description: "The organization's id (o-...): only principals of the organization may assume the role.",
    });
    const administrator = administratorAccountId.valueAsString;
    const roleName = `${props.configuration.members.roleName}-${Aws.REGION}`;
    // The names the administrator deployment computes for this account and Region (tokens here).
    const placement = notebookDataPlacement(props.configuration.members, {
      accountId: this.account,
      region: this.region,
    });
    this.notebookData = new NotebookDataBucket(this, 'NotebookData', { bucketName: placement.bucket });
    const { backup, restore } = lifecycleConfigurations(this, placement, this.notebookData.bucket);
    this.backupLifecycleConfig = backup;
    this.restoreLifecycleConfig = restore;

    this.memberRole = new Role(this, 'MemberRole', {
      roleName,
      path: MEMBER_ROLE_PATH,
      description:
        "Lets the SageMaker remediation's state machine and Lambdas in the administrator account remediate this account and Region, and nothing else.",
      // The administrator account's remediation roles only (their path), in the organization.
      assumedBy: new ArnPrincipal(`arn:${Aws.PARTITION}:iam::${administrator}:root`).withConditions({
        ArnLike: {
          'aws:PrincipalArn': `arn:${Aws.PARTITION}:iam::${administrator}:role${ADMINISTRATOR_ROLE_PATH}*`,
        },
        StringEquals: { 'aws:PrincipalOrgID': organizationId.valueAsString },
      }),
    });
    // IAM allows 10,240 characters of inline policy per role, 6,144 per managed policy and 10 managed
    // policies per role: the derived statements are spread over a few managed policies, by Sid.
    const parts = packStatements(this, memberRoleStatements(this, props.configuration));
    this.remediationPolicies = parts.flatMap((statements, index) =>
      statements.length === 0
        ? []
        : [
            new ManagedPolicy(this, `Remediations${index + 1}`, {
              description: `What the SageMaker remediations do in this account and Region (part ${index + 1}).`,
              statements,
              roles: [this.memberRole],
            }),
          ],
    );
    // On the stack: the findings are reported on the policies that hold the statements.
    acknowledgeMemberRole(this, this, props.configuration);
    this.restoreRole = new MemberRestoreRole(this, 'RestoreRole', {
      memberRoleName: props.configuration.members.roleName,
      dataBucketName: placement.bucket,
      administratorAccountId: administrator,
      organizationId: organizationId.valueAsString,
    });
  }
}

/**
 * The backup (OnStart) and restore (OnCreate) lifecycle configurations, their scripts copying to and
 * from the data bucket (its name a deploy-time value: Fn::Base64 of the script with it joined in).
 */
function lifecycleConfigurations(
  stack: Stack,
  placement: { readonly backupLifecycleConfigName: string; readonly restoreLifecycleConfigName: string },
  bucket: Bucket,
): { backup: CfnNotebookInstanceLifecycleConfig; restore: CfnNotebookInstanceLifecycleConfig } {
  return {
    backup: new CfnNotebookInstanceLifecycleConfig(stack, 'BackupLifecycleConfig', {
      notebookInstanceLifecycleConfigName: placement.backupLifecycleConfigName,
      onStart: [{ content: toLifecycleContent(backupOnStartScript(bucket.bucketName)) }],
    }),
    restore: new CfnNotebookInstanceLifecycleConfig(stack, 'RestoreLifecycleConfig', {
      notebookInstanceLifecycleConfigName: placement.restoreLifecycleConfigName,
      onCreate: [{ content: toLifecycleContent(restoreOnCreateScript(bucket.bucketName)) }],
    }),
  };
}

/** IAM's quotas (IAM User Guide, "IAM and AWS STS quotas"). */
const MANAGED_POLICY_MAX_CHARACTERS = 6_144;
/** How many managed policies hold the member role's permissions (at most; IAM attaches 10 to a role). */
const MANAGED_POLICY_PARTS = 5;
/** What a deployed ARN may be at most where the template has a token (the longest values). */
const WORST_CASE_VALUES: Readonly<Record<string, string>> = {
  'AWS::Partition': 'aws-iso-b-xx',
  'AWS::Region': 'ap-southeast-77',
  'AWS::AccountId': '123456789012',
  'AWS::URLSuffix': 'amazonaws.com.cn',
};
/** The policy document around the statements, and a margin for what the estimate cannot see. */
const DOCUMENT_OVERHEAD = 200;

/** A statement's size as IAM counts it (no white space), its tokens at their longest. */
function statementCharacters(stack: Stack, statement: PolicyStatement): number {
  const render = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(render);
    if (value === null || typeof value !== 'object') return value;
    const record = value as Record<string, unknown>;
    if (typeof record.Ref === 'string') return WORST_CASE_VALUES[record.Ref] ?? 'x'.repeat(64);
    const join = record['Fn::Join'] as [string, unknown[]] | undefined;
    if (join) return join[1].map((part) => String(render(part))).join(join[0]);
    return Object.fromEntries(Object.entries(record).map(([key, inner]) => [key, render(inner)]));
  };
  return JSON.stringify(render(stack.resolve(statement.toStatementJson()))).replace(/\s/g, '').length;
}

/**
 * The statements in MANAGED_POLICY_PARTS groups, each statement in the group its Sid hashes to: a
 * statement keeps its policy whatever else the configuration grants (the IAM coverage compares grants
 * across configurations by policy and Sid). Empty groups make no policy.
 *
 * @throws when a group would not fit IAM's managed policy size
 */
function packStatements(stack: Stack, statements: readonly PolicyStatement[]): PolicyStatement[][] {
  const parts: PolicyStatement[][] = Array.from({ length: MANAGED_POLICY_PARTS }, () => []);
  for (const statement of statements) {
    const sid = statement.sid ?? '';
    const bucket = createHash('sha256').update(sid).digest().readUInt32BE(0) % MANAGED_POLICY_PARTS;
    parts[bucket]?.push(statement);
  }
  const problems = parts.flatMap((part, index) => {
    const size = part.reduce(
      (total, statement) => total + statementCharacters(stack, statement) + 1,
      DOCUMENT_OVERHEAD,
    );
    return size > MANAGED_POLICY_MAX_CHARACTERS
      ? [
          `part ${index + 1} of the member role's permissions would take ${size} characters (IAM allows ${MANAGED_POLICY_MAX_CHARACTERS})`,
        ]
      : [];
  });
  if (problems.length > 0) throw new Error(`Invalid MemberStack: ${problems.join('; ')}`);
  return parts;
}
