/**
 * Where both restore tools act: `--account`, `--region` and `--role-arn`, read the same way by
 * bin/restore-notebook.ts and bin/restore-resource.ts, and the check that they agree with the snapshot
 * before anything changes. One deployment in the administrator account snapshots resources of every
 * member account; the snapshot bucket is read with the operator's own credentials, and the resource's
 * calls are made in its account and Region, as `--role-arn` when that account is not the operator's
 * (the restore role the member stack deploys there, which the note's command names).
 */
import { MEMBER_ROLE_PATH } from '../../handlers/shared/member-access.js';
import {
  type AccountRegion,
  OPERATOR_ROLE_PLACEHOLDER,
  placementOptions,
  RESTORE_ROLE_INFIX,
} from '../../handlers/shared/restore-command.js';
import { EXIT_USAGE } from './arguments.js';
import { Refusal } from './refusal.js';

/** An AWS region name, as --region takes it. */
export const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
export const ACCOUNT = /^\d{12}$/;
/** An IAM role ARN (path and name as IAM allows them); group 1 is the account. */
const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:[\x21-\x7E]*\/)?[\w+=,.@-]{1,64}$/;

/** The three options as given; each is optional, but --role-arn needs the other two. */
export interface Placement {
  readonly account?: string;
  readonly region?: string;
  readonly roleArn?: string;
}

/** Every problem of the three options, each naming its option (empty when they are usable). */
export function placementProblems(values: {
  readonly account?: string | undefined;
  readonly region?: string | undefined;
  readonly 'role-arn'?: string | undefined;
}): string[] {
  const { account, region } = values;
  const roleArn = values['role-arn'];
  const problems: string[] = [];
  if (account !== undefined && !ACCOUNT.test(account))
    problems.push(`--account ${account} is not an account id (12 digits)`);
  if (region !== undefined && !REGION.test(region)) problems.push(`--region ${region} is not a region`);
  if (roleArn === undefined) return problems;
  const roleAccount = ROLE_ARN.exec(roleArn)?.[1];
  if (roleArn.includes(OPERATOR_ROLE_PLACEHOLDER)) {
    problems.push(
      `--role-arn ${roleArn}: replace ${OPERATOR_ROLE_PLACEHOLDER} with the name of your operator role in that account`,
    );
  } else if (roleAccount === undefined) {
    problems.push(`--role-arn ${roleArn} is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)`);
  } else if (account !== undefined && ACCOUNT.test(account) && roleAccount !== account) {
    problems.push(`--role-arn ${roleArn} is a role of account ${roleAccount}, not of --account ${account}`);
  }
  // Explicit, so a pasted command can never act in a place the operator did not name.
  if (account === undefined)
    problems.push(
      '--account is required with --role-arn: the account of the resource, as the alert gives it',
    );
  if (region === undefined)
    problems.push('--region is required with --role-arn: the Region of the resource, as the alert gives it');
  return problems;
}

/** The options of a valid placement, as the parsers return them. */
export function placementOf(values: {
  readonly account?: string | undefined;
  readonly region?: string | undefined;
  readonly 'role-arn'?: string | undefined;
}): Placement {
  return {
    ...(values.account === undefined ? {} : { account: values.account }),
    ...(values.region === undefined ? {} : { region: values.region }),
    ...(values['role-arn'] === undefined ? {} : { roleArn: values['role-arn'] }),
  };
}

/** The placement options again, for a command printed to run once more. */
export function placementArguments(placement: Placement): string[] {
  return [
    ...(placement.account ? ['--account', placement.account] : []),
    ...(placement.region ? ['--region', placement.region] : []),
    ...(placement.roleArn ? ['--role-arn', placement.roleArn] : []),
  ];
}

/** What the tool knows of where it is before it changes anything. */
export interface PlaceCheck {
  /** "a monitoring schedule", "a notebook". */
  readonly what: string;
  /** What the calls would do elsewhere: "change one" (default), "create it". */
  readonly act?: string;
  /** The snapshot's resource: its account and Region (from its ARN). */
  readonly snapshot: AccountRegion;
  readonly options: Placement;
  /** The account of the operator's own credentials, when known. */
  readonly callerAccount?: string | undefined;
  /** The region of the operator's own clients, when known (used only without --role-arn or --region). */
  readonly clientRegion?: string | undefined;
}

/**
 * Refuses (a usage error: nothing was changed) when the options or the operator's credentials would
 * make the calls anywhere but the snapshot's account and Region, each refusal naming the option to
 * pass. Unknown values (the SDK may not say) are not compared.
 */
export function checkPlacement(check: PlaceCheck): void {
  const { what, snapshot, options } = check;
  const refuse = (message: string) => {
    throw new Refusal(`refused: ${message}`, EXIT_USAGE);
  };
  if (options.account !== undefined && options.account !== snapshot.accountId) {
    refuse(
      `--account ${options.account} is not the snapshot's: it is of ${what} in account ${snapshot.accountId}: pass --account ${snapshot.accountId}`,
    );
  }
  const region = options.region ?? check.clientRegion;
  if (region !== undefined && region !== snapshot.region) {
    refuse(
      `the snapshot is of ${what} in ${snapshot.region}, and this would ${check.act ?? 'change one'} in ${region}: pass --region ${snapshot.region}`,
    );
  }
  const roleAccount = options.roleArn?.split(':')[4];
  if (roleAccount !== undefined && roleAccount !== snapshot.accountId) {
    refuse(
      `--role-arn ${options.roleArn} is a role of account ${roleAccount}, and the snapshot is of ${what} in account ${snapshot.accountId}: pass a role of account ${snapshot.accountId}`,
    );
  }
  if (options.roleArn === undefined && check.callerAccount && check.callerAccount !== snapshot.accountId) {
    const needed = placementOptions({
      resource: snapshot,
      deployment: { accountId: check.callerAccount, region: snapshot.region },
    });
    refuse(
      `--role-arn is required: the snapshot is of ${what} in account ${snapshot.accountId}, and these credentials are of account ${check.callerAccount}: add${needed}, naming a role you may assume there: the member stack's restore role, role${MEMBER_ROLE_PATH}<members.roleName>${RESTORE_ROLE_INFIX}${snapshot.region} (docs/restore.md)`,
    );
  }
}
