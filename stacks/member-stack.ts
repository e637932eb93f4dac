/**
 * The member stack: what the deployment in the administrator account needs in each member account and
 * Region, deployed by a service-managed CloudFormation StackSet over the organization's accounts (and
 * directly in the administrator account itself, whose resources are remediated the same way).
 *
 * A StackSet deploys a plain template: no assets, no nested stacks, no CDK bootstrap in the member
 * accounts (so no bootstrap version rule). The administrator account and the organization are
 * parameters; everything else comes from the same configuration as the administrator stack, so the
 * member role may do exactly what that deployment's remediations do (member-permissions.ts).
 */

import { Aws, CfnParameter, DefaultStackSynthesizer, Stack, type StackProps } from 'aws-cdk-lib';
import { ArnPrincipal, PolicyDocument, Role } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { ADMINISTRATOR_ROLE_PATH, MEMBER_ROLE_PATH } from '../handlers/shared/member-access.js';
import type { RemediationConfiguration } from './configuration.js';
import { acknowledgeMemberRole, memberRoleStatements } from './member-permissions.js';

export interface MemberStackProps extends StackProps {
  /** The deployment's configuration: the member role may do what its remediations do. */
  readonly configuration: RemediationConfiguration;
}

export class MemberStack extends Stack {
  /** The role the administrator deployment acts through in this account and Region. */
  public readonly memberRole: Role;

  constructor(scope: Construct, id: string, props: MemberStackProps) {
    super(scope, id, {
      ...props,
      synthesizer: new DefaultStackSynthesizer({ generateBootstrapVersionRule: false }),
      analyticsReporting: false,
      description:
        'SageMaker Security Hub remediation, member account and Region: the role the administrator deployment acts through.',
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
      inlinePolicies: {
        Remediations: new PolicyDocument({ statements: memberRoleStatements(this, props.configuration) }),
      },
    });
    acknowledgeMemberRole(this.memberRole, this, props.configuration);
  }
}
