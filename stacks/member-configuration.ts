/**
 * The `members` key of the configuration (configuration.ts): the member role the deployment acts
 * through in each account and Region, and the StackSet that deploys it (named in the note of a finding
 * whose account and Region lack it). Validated at synth with every problem listed.
 *
 * No CDK imports, like configuration.ts.
 */
import { z } from 'zod';
import type { MemberRoleSettings } from '../handlers/shared/member-access.js';

export const DEFAULT_MEMBER_ROLE_NAME = 'SageMakerRemediationMember';
export const DEFAULT_MEMBER_STACK_SET_NAME = 'sagemaker-remediation-members';

/**
 * A role name is at most 64 characters; the member role's is `<roleName>-<region>`, and the longest
 * Region name has 14, so the configured part has at most 49.
 */
const MAX_ROLE_NAME_LENGTH = 49;

export const membersSchema = z
  .strictObject({
    /** The member roles' name before `-<region>`. */
    roleName: z
      .string()
      .regex(
        /^[\w+=,.@-]+$/,
        'must use only the characters IAM allows in role names: letters, digits and +=,.@_-',
      )
      .max(
        MAX_ROLE_NAME_LENGTH,
        `must be at most ${MAX_ROLE_NAME_LENGTH} characters (the Region is appended)`,
      )
      .default(DEFAULT_MEMBER_ROLE_NAME),
    /** The StackSet (service-managed, with the member stack's template) operators deploy it with. */
    stackSetName: z
      .string()
      .regex(
        /^[a-zA-Z][-a-zA-Z0-9]{0,127}$/,
        'must be a StackSet name: a letter, then letters, digits and hyphens, at most 128 characters',
      )
      .default(DEFAULT_MEMBER_STACK_SET_NAME),
  })
  .prefault({});

export type MembersConfiguration = MemberRoleSettings;
