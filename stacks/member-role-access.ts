/**
 * How the administrator deployment's roles reach the member roles: sts:AssumeRole on the member roles of
 * every account (their path and name pattern), and nothing else of those accounts.
 */

import type { Stack } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { MEMBER_ROLE_PATH } from '../handlers/shared/member-access.js';

/** The member roles of every account and Region: `<path><roleName>-<region>`. */
export function memberRolesArn(stack: Stack, memberRoleName: string): string {
  return `arn:${stack.partition}:iam::*:role${MEMBER_ROLE_PATH}${memberRoleName}-*`;
}

/** The statement a Lambda that acts on member resources needs (its calls are the member role's). */
export function assumeMemberRolesStatement(stack: Stack, memberRoleName: string): PolicyStatement {
  return new PolicyStatement({
    sid: 'AssumeMemberRoles',
    actions: ['sts:AssumeRole'],
    resources: [memberRolesArn(stack, memberRoleName)],
  });
}
