/**
 * The `members` key of the configuration (configuration.ts): the member role the deployment acts
 * through in each account and Region, the StackSet that deploys it (named in the note of a finding
 * whose account and Region lack it), and the bucket each member stack keeps recreated notebooks' data
 * in. Validated at synth with every problem listed.
 *
 * No CDK imports, like configuration.ts.
 */
import { z } from 'zod';
import type { MemberRoleSettings } from '../handlers/shared/member-access.js';
import {
  DEFAULT_DATA_BUCKET_PREFIX,
  dataBucketPrefixProblems,
  LONGEST_REGION_LENGTH,
  type NotebookDataSettings,
} from '../handlers/shared/notebook-data-placement.js';
import { RESTORE_ROLE_INFIX } from '../handlers/shared/restore-command.js';

export const DEFAULT_MEMBER_ROLE_NAME = 'SageMakerRemediationMember';
export const DEFAULT_MEMBER_STACK_SET_NAME = 'sagemaker-remediation-members';

/**
 * A role name is at most 64 characters. The longer of the two roles the member stack names from it is
 * the restore role, `<roleName>-restore-<region>` (the member role is `<roleName>-<region>`), and the
 * longest Region name has 14, so the configured part has at most 41.
 */
export const MAX_ROLE_NAME_LENGTH = 64 - RESTORE_ROLE_INFIX.length - LONGEST_REGION_LENGTH;

const REGION_NAME = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

export const membersSchema = z
  .strictObject({
    /** The member roles' name before `-<region>` (and the restore roles' before `-restore-<region>`). */
    roleName: z
      .string()
      .regex(
        /^[\w+=,.@-]+$/,
        'must use only the characters IAM allows in role names: letters, digits and +=,.@_-',
      )
      .max(
        MAX_ROLE_NAME_LENGTH,
        `must be at most ${MAX_ROLE_NAME_LENGTH} characters: the member stack's restore role is <roleName>-restore-<region>, at most 64 characters with the longest Region`,
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
    /**
     * The data buckets' name before `-<account>-<region>`: each member stack keeps the notebooks'
     * snapshots of its account and Region there (handlers/shared/notebook-data-placement.ts).
     */
    dataBucketPrefix: z
      .string()
      .superRefine((prefix, context) => {
        for (const message of dataBucketPrefixProblems(prefix)) context.addIssue({ code: 'custom', message });
      })
      .default(DEFAULT_DATA_BUCKET_PREFIX),
    /**
     * The linked Regions of the Security Hub aggregation whose resources this deployment remediates,
     * besides its own Region. Each needs the member stack too. A finding of a Region not listed is
     * noted as needing configuration; listing any adds a Choice before every member Task.
     */
    linkedRegions: z
      .array(z.string().regex(REGION_NAME, 'must be an AWS Region name, for example eu-west-1'))
      .superRefine((regions, context) => {
        regions.forEach((region, index) => {
          if (regions.indexOf(region) !== index) {
            context.addIssue({ code: 'custom', path: [index], message: `${region} is listed twice` });
          }
        });
      })
      .default([]),
  })
  .prefault({});

export type MembersConfiguration = MemberRoleSettings &
  NotebookDataSettings & { readonly linkedRegions: readonly string[] };
