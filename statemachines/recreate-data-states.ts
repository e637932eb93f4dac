/**
 * Waiting for a lifecycle script on the notebook (the backup on the old one, the restore on the new
 * one): the script writes `complete` or `failed` under its status prefix last, and the workflow lists
 * that prefix, never reading what the script wrote into its state (a listing of at most a few keys is
 * bounded; a manifest is not, and the notebook's users could write anything there).
 *
 * The wait is sized by the snapshot step from the volume's size (dataWait: first wait, interval,
 * number of checks), so a large volume gets a long enough budget without the history growing past its
 * limit. A `failed` marker is seen at the next check, and its first KiB is the failure's cause.
 *
 * The bucket is the notebook's own account's and Region's (the member stack's, named in the plan): the
 * S3 Tasks run as the member role there (member-credentials.ts), like the notebook's SageMaker calls.
 */
import type { State } from './amazon-states-language.js';
import { sdkIntegration } from './amazon-states-language.js';
import { catchAll, retryTransient } from './state-builders.js';

/** Where the plan has the notebook's data bucket and lifecycle configurations (notebook-data-placement.ts). */
export const NOTEBOOK_DATA_PATH = '$.plan.recreate.notebookData';
/** The notebook's data bucket, in its own account and Region. */
export const NOTEBOOK_DATA_BUCKET_PATH = `${NOTEBOOK_DATA_PATH}.bucket`;

/** The first bytes of a failure marker that go into the failure's cause. */
export const FAILURE_REASON_BYTES = 1024;

/** Where the snapshot step puts a script's status keys, e.g. `$.snapshot.Payload.backupStatus`. */
export interface ScriptStatusPaths {
  /** `{ prefix, complete, failed }`, as snapshotLayout() gives them. */
  readonly statusPath: string;
  /** What the script does, for the causes ("backup", "restore"). */
  readonly what: string;
  /** The error of a script that failed or never finished. */
  readonly failedError: string;
  readonly timedOutError: string;
}

const toFailure = catchAll('CheckNotebookAfterFailure', '$.failure');

/**
 * `<name>` waits for the script, then goes to `next` once `complete` is the only key; a `failed`
 * key (or anything else there) and an exhausted budget go to the failure handling.
 */
export function awaitScriptStatus(
  name: string,
  paths: ScriptStatusPaths,
  next: string,
): Record<string, State> {
  return {
    [name]: {
      Type: 'Pass',
      Comment: `The ${paths.what} runs on the notebook; its budget was sized from the volume by the snapshot step.`,
      Result: { attempt: 0 },
      ResultPath: '$.dataPoll',
      Next: `${name}Wait`,
    },
    [`${name}Wait`]: {
      Type: 'Wait',
      SecondsPath: '$.snapshot.Payload.dataWait.firstWaitSeconds',
      Next: `${name}List`,
    },
    [`${name}List`]: {
      Type: 'Task',
      Comment: 'A listing of the status prefix: at most a few keys, never the data or the manifest.',
      Resource: sdkIntegration('s3', 'listObjectsV2'),
      Parameters: {
        'Bucket.$': NOTEBOOK_DATA_BUCKET_PATH,
        'Prefix.$': `${paths.statusPath}.prefix`,
        MaxKeys: 5,
      },
      ResultSelector: { 'keyCount.$': '$.KeyCount', 'listing.$': '$' },
      ResultPath: '$.dataStatus',
      TimeoutSeconds: 60,
      Retry: retryTransient('s3'),
      Catch: toFailure,
      Next: `${name}Decide`,
    },
    [`${name}Decide`]: {
      Type: 'Choice',
      Choices: [
        {
          And: [
            { Variable: '$.dataStatus.keyCount', NumericEquals: 0 },
            {
              Variable: '$.dataPoll.attempt',
              NumericGreaterThanEqualsPath: '$.snapshot.Payload.dataWait.maxChecks',
            },
          ],
          Next: `${name}TimedOut`,
        },
        { Variable: '$.dataStatus.keyCount', NumericEquals: 0, Next: `${name}Count` },
        {
          And: [
            { Variable: '$.dataStatus.keyCount', NumericEquals: 1 },
            {
              Variable: '$.dataStatus.listing.Contents[0].Key',
              StringEqualsPath: `${paths.statusPath}.complete`,
            },
          ],
          Next: next,
        },
      ],
      Default: `${name}ReadFailure`,
    },
    [`${name}Count`]: {
      Type: 'Pass',
      Parameters: { 'attempt.$': 'States.MathAdd($.dataPoll.attempt, 1)' },
      ResultPath: '$.dataPoll',
      Next: `${name}Backoff`,
    },
    [`${name}Backoff`]: {
      Type: 'Wait',
      SecondsPath: '$.snapshot.Payload.dataWait.intervalSeconds',
      Next: `${name}List`,
    },
    [`${name}ReadFailure`]: {
      Type: 'Task',
      Comment: `The ${paths.what} wrote its failure marker: its first KiB says why (a Range keeps the read bounded).`,
      Resource: sdkIntegration('s3', 'getObject'),
      Parameters: {
        'Bucket.$': NOTEBOOK_DATA_BUCKET_PATH,
        'Key.$': `${paths.statusPath}.failed`,
        Range: `bytes=0-${FAILURE_REASON_BYTES - 1}`,
      },
      ResultSelector: { 'reason.$': '$.Body' },
      ResultPath: '$.dataFailure',
      TimeoutSeconds: 60,
      Retry: retryTransient('s3'),
      // No readable marker (both keys, another key): the listing itself is the cause.
      Catch: [{ ErrorEquals: ['States.ALL'], Next: `${name}Ambiguous`, ResultPath: '$.dataFailureRead' }],
      Next: `${name}Failed`,
    },
    [`${name}Failed`]: {
      Type: 'Pass',
      Parameters: {
        Error: paths.failedError,
        'Cause.$': `States.Format('The ${paths.what} on the notebook failed: {}', $.dataFailure.reason)`,
      },
      ResultPath: '$.failure',
      Next: 'CheckNotebookAfterFailure',
    },
    [`${name}Ambiguous`]: {
      Type: 'Pass',
      Parameters: {
        Error: paths.failedError,
        'Cause.$': `States.Format('The ${paths.what} left an unexpected status under s3://{}/{}: {} key(s), so it is treated as failed.', ${NOTEBOOK_DATA_BUCKET_PATH}, ${paths.statusPath}.prefix, $.dataStatus.keyCount)`,
      },
      ResultPath: '$.failure',
      Next: 'CheckNotebookAfterFailure',
    },
    [`${name}TimedOut`]: {
      Type: 'Pass',
      Parameters: {
        Error: paths.timedOutError,
        'Cause.$': `States.Format('The ${paths.what} did not finish: nothing under s3://{}/{} after {} checks.', ${NOTEBOOK_DATA_BUCKET_PATH}, ${paths.statusPath}.prefix, $.dataPoll.attempt)`,
      },
      ResultPath: '$.failure',
      Next: 'CheckNotebookAfterFailure',
    },
  };
}
