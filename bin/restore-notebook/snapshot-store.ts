/**
 * What the restore tool reads from and writes to the notebook's data bucket (its own account's and
 * Region's, the member stack's there), in the layout of
 * handlers/shared/notebook-backup-layout.ts: configuration.json, the backup's status summary, a
 * restore attempt's status (listed, as the workflow polls it) and its failure reason, the manifests
 * (streamed), and the one object it writes, the notebook's restore-request.json.
 */
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { errorName, isNoSuchKey } from '../../handlers/shared/aws-errors.js';
import { type ConfigurationSnapshot, parseSnapshot } from '../../handlers/shared/configuration-snapshot.js';
import {
  type BackupRequest,
  manifestLines,
  notebookPrefix,
  parseStatusSummary,
  requestKeys,
  type ScriptStatus,
  type StatusKeys,
  type StatusSummary,
  snapshotLayout,
  statusOfListing,
} from '../../handlers/shared/notebook-backup-layout.js';
import { type SnapshotLocation, snapshotUri } from '../../handlers/shared/restore-command.js';
import { EXIT_USAGE } from './arguments.js';
import { Refusal } from './refusal.js';

/** The scripts write at most 1 KiB of reason; more is not read. */
const FAILURE_REASON_BYTES = 1024;

export class SnapshotStore {
  /**
   * The bucket's account, once known: S3 then refuses a bucket someone else owns. The notebook's
   * account: --account with --role-arn, the operator's own account without, else the notebook's once
   * configuration.json names it.
   */
  private owner: string | undefined;

  constructor(
    private readonly s3: Pick<S3Client, 'send'>,
    readonly location: SnapshotLocation,
    /** Given: the bucket's owner is this (undefined: not checked). */
    private readonly bucketOwner?: { readonly account: string | undefined },
  ) {
    this.owner = bucketOwner?.account;
  }

  get bucket(): string {
    return this.location.bucket;
  }

  /** `s3://<bucket>/<key>`. */
  uri(key: string): string {
    return snapshotUri(this.bucket, key);
  }

  /**
   * configuration.json, parsed and checked to be this snapshot's. The URI is all the operator gives:
   * when it leads to nothing readable, that is bad input (exit 2), with each likely cause.
   */
  async readConfiguration(): Promise<ConfigurationSnapshot> {
    const key = snapshotLayout(this.location.snapshotPrefix).configuration;
    let text: string | undefined;
    try {
      text = await this.readText(key);
    } catch (error) {
      const name = errorName(error);
      if (name === 'NoSuchBucket') {
        throw new Refusal(
          `bucket ${this.bucket} does not exist: use the --snapshot URI of the finding note`,
          EXIT_USAGE,
        );
      }
      if (name === 'AccessDenied' || name === 'AccessDeniedException') {
        throw new Refusal(
          `access denied reading ${this.uri(key)}: either the URI names another bucket than the notebook's data bucket (<members.dataBucketPrefix>-<account>-<region>; use the URI of the finding note), or the role running this tool lacks the restore permissions there (the stack policy RestoreOperatorPolicyArn, or in a member account the statements docs/restore.md lists). Nothing was changed.`,
          EXIT_USAGE,
        );
      }
      throw error;
    }
    if (text === undefined) {
      throw new Refusal(
        `no snapshot at ${this.uri(this.location.snapshotPrefix)}/ (no configuration.json): use the --snapshot URI of the finding note, bucket and prefix as they are. Nothing was changed.`,
        EXIT_USAGE,
      );
    }
    let snapshot: ConfigurationSnapshot;
    try {
      snapshot = parseSnapshot(text);
    } catch (error) {
      throw new Refusal(`refused: ${(error as Error).message} (${this.uri(key)})`);
    }
    if (snapshot.notebook.NotebookInstanceName !== this.location.notebookName) {
      throw new Refusal(
        `refused: ${this.uri(key)} is of notebook ${snapshot.notebook.NotebookInstanceName}, but the prefix is ${this.location.notebookName}'s: it is not this snapshot's`,
      );
    }
    if (!this.bucketOwner) this.owner = /^arn:aws[a-z-]*:iam::(\d{12}):/.exec(snapshot.notebook.RoleArn)?.[1];
    return snapshot;
  }

  /** backup-status/complete: the backup finished and this is what it wrote. Refuses anything else. */
  async readBackupSummary(): Promise<StatusSummary> {
    const layout = snapshotLayout(this.location.snapshotPrefix);
    const status = await this.statusOf(layout.backupStatus);
    if (status !== 'complete') {
      const reason = status === 'failed' ? `: ${await this.failureReason(layout.backupStatus)}` : '';
      throw new Refusal(
        `refused: configuration.json says the data was kept, but the backup is ${status} (${this.uri(layout.backupStatus.prefix)})${reason}. The workflow never deletes a notebook without a complete backup: if the notebook is gone, its data was not in this snapshot`,
      );
    }
    const text = (await this.readText(layout.backupStatus.complete)) ?? '';
    const summary = parseSummary(text, 'backup-status/complete');
    if (summary.notebookName !== this.location.notebookName) {
      throw new Refusal(
        `refused: backup-status/complete is of notebook ${summary.notebookName}, not ${this.location.notebookName}`,
      );
    }
    return summary;
  }

  /** Where a script is, from a listing of its status prefix (as the workflow polls it). */
  async statusOf(status: StatusKeys): Promise<ScriptStatus> {
    const listed = await this.s3.send(
      new ListObjectsV2Command({
        Bucket: this.bucket,
        Prefix: status.prefix,
        ...this.expectedOwner(),
      }),
    );
    const keys = (listed.Contents ?? []).flatMap((object) => (object.Key ? [object.Key] : []));
    return statusOfListing(keys, status);
  }

  /** The reason a script wrote into its `failed` status (its first KiB, printable). */
  async failureReason(status: StatusKeys): Promise<string> {
    try {
      const response = await this.s3.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: status.failed,
          Range: `bytes=0-${FAILURE_REASON_BYTES - 1}`,
          ...this.expectedOwner(),
        }),
      );
      const text = (await response.Body?.transformToString('utf-8')) ?? '';
      return text.replace(/[^\x20-\x7e\n]/g, '?').trim() || '(no reason written)';
    } catch (error) {
      if (isNoSuchKey(error)) return '(no reason written)';
      throw error;
    }
  }

  /** A restore attempt's status summary. */
  async readRestoreSummary(status: StatusKeys): Promise<StatusSummary> {
    return parseSummary((await this.readText(status.complete)) ?? '', 'the restore status');
  }

  /** A manifest's lines, streamed (a volume may list hundreds of thousands of entries). */
  async *manifestLines(key: string): AsyncGenerator<string> {
    const response = await this.s3.send(
      new GetObjectCommand({ Bucket: this.bucket, Key: key, ...this.expectedOwner() }),
    );
    const body = response.Body as unknown as AsyncIterable<Uint8Array> | undefined;
    if (body) yield* manifestLines(body);
  }

  /** The restore request, `{version 2, snapshotPrefix, requestedBy, attempt}`, at its key. */
  restoreRequest(requestedBy: string, attempt: string): { key: string; request: BackupRequest } {
    const { roleId, notebookName, snapshotPrefix } = this.location;
    return {
      // The script derives its prefix from its own role id and name: the snapshot's parent.
      key: requestKeys(notebookPrefix(roleId, notebookName)).restore,
      request: { version: 2, snapshotPrefix, requestedBy, attempt },
    };
  }

  async writeJson(key: string, value: unknown): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: `${JSON.stringify(value, null, 2)}\n`,
        ContentType: 'application/json',
        ...this.expectedOwner(),
      }),
    );
  }

  /** The object's text, or undefined when there is no such key. */
  private async readText(key: string): Promise<string | undefined> {
    try {
      const response = await this.s3.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: key, ...this.expectedOwner() }),
      );
      return (await response.Body?.transformToString('utf-8')) ?? '';
    } catch (error) {
      if (isNoSuchKey(error)) return undefined;
      throw error;
    }
  }

  private expectedOwner(): { ExpectedBucketOwner?: string } {
    return this.owner ? { ExpectedBucketOwner: this.owner } : {};
  }
}

function parseSummary(text: string, what: string): StatusSummary {
  try {
    return parseStatusSummary(text, what);
  } catch (error) {
    throw new Refusal(`refused: ${(error as Error).message}`);
  }
}
