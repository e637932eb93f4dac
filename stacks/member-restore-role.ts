/**
 * The restore role of the member stack: what an operator of the administrator account assumes to run
 * bin/restore-notebook.ts and bin/restore-resource.ts on a resource of this account and Region
 * (`--role-arn`, which the note's and the alert's command name: handlers/shared/restore-command.ts).
 *
 * Its name is computed from the configuration alone, `<members.roleName>-restore-<region>` under the
 * member roles' path, so the administrator side names it for any account and Region. It trusts the
 * administrator account, from the organization only: who may assume it is decided there, by identity
 * policies (the stack's two restore operator policies allow it), as for any cross-account delegation.
 * The administrator deployment's own roles are kept out: their sts:AssumeRole on the member roles
 * (`<roleName>-*`) would match this role's name too, and the remediation acts through the member role.
 *
 * It may do what the two tools call here, from the same statements as the administrator stack's
 * operator policies (restore-statements.ts), with this account's and Region's ARNs (pseudo parameters):
 * the notebook data bucket of this account and Region for notebooks; nothing of the administrator
 * account's snapshot bucket, which the operator reads with their own credentials.
 */
import { Aws, Stack } from 'aws-cdk-lib';
import { ArnPrincipal, ManagedPolicy, Role } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { ADMINISTRATOR_ROLE_PATH, MEMBER_ROLE_PATH } from '../handlers/shared/member-access.js';
import { restoreRoleName } from '../handlers/shared/restore-command.js';
import {
  acknowledgeRestoreWildcards,
  notebookRestoreStatements,
  resourceRestoreStatements,
} from './restore-statements.js';

export interface MemberRestoreRoleProps {
  /** `members.roleName`: the role is `<roleName>-restore-<region>`. */
  readonly memberRoleName: string;
  /** The notebook data bucket of this account and Region (`<dataBucketPrefix>-<account>-<region>`). */
  readonly dataBucketName: string;
  /** The administrator account (a parameter of the member stack). */
  readonly administratorAccountId: string;
  /** The organization (a parameter of the member stack): only its principals may assume the role. */
  readonly organizationId: string;
}

/** The role, and the two customer managed policies attached to it (one per tool, as IAM's size quota needs). */
export class MemberRestoreRole extends Construct {
  public readonly role: Role;
  /** bin/restore-notebook.ts's calls here. */
  public readonly notebookPolicy: ManagedPolicy;
  /** bin/restore-resource.ts's calls here. */
  public readonly resourcePolicy: ManagedPolicy;

  constructor(scope: Construct, id: string, props: MemberRestoreRoleProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const administrator = props.administratorAccountId;
    this.role = new Role(this, 'Role', {
      roleName: restoreRoleName({ roleName: props.memberRoleName }, Aws.REGION),
      path: MEMBER_ROLE_PATH,
      description:
        'Lets operators of the administrator account run the SageMaker remediation restore tools in this account and Region, as their own identity policies allow (docs/restore.md).',
      assumedBy: new ArnPrincipal(`arn:${Aws.PARTITION}:iam::${administrator}:root`).withConditions({
        StringEquals: { 'aws:PrincipalOrgID': props.organizationId },
        ArnNotLike: {
          'aws:PrincipalArn': `arn:${Aws.PARTITION}:iam::${administrator}:role${ADMINISTRATOR_ROLE_PATH}*`,
        },
      }),
    });
    const notebook = notebookRestoreStatements(stack, props.dataBucketName);
    this.notebookPolicy = new ManagedPolicy(this, 'NotebookPolicy', {
      description:
        'Runs bin/restore-notebook.ts in this account and Region: recreates a notebook the SageMaker remediation deleted, from its snapshot in the notebook data bucket here.',
      statements: [...notebook.statements],
      roles: [this.role],
    });
    acknowledgeRestoreWildcards(this.notebookPolicy, notebook.wildcards);
    const resource = resourceRestoreStatements(stack);
    this.resourcePolicy = new ManagedPolicy(this, 'ResourcePolicy', {
      description:
        "Runs bin/restore-resource.ts in this account and Region: the SageMaker calls of the change engines' restore steps (the snapshot is read in the administrator account).",
      statements: [...resource.statements],
      roles: [this.role],
    });
    acknowledgeRestoreWildcards(this.resourcePolicy, resource.wildcards);
  }
}
