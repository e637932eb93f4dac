/**
 * S3 backed by a real directory: object `s3://<bucket>/<key>` is the file `<root>/<bucket>/<key>`, the
 * layout the stand-in `aws` CLI (simulation/fake-aws/aws, given the root as FAKE_S3_ROOT) shares.
 * Everything is read from the filesystem on every call, so objects a lifecycle script writes directly
 * are visible to the API and the other way round. LastModified is the file's mtime: writes through the
 * API (and the files a lifecycle script wrote) are stamped with the simulated clock.
 *
 * What the filesystem cannot hold is kept in memory: ContentType, Metadata, encryption settings and
 * version history of objects written through the API. When the file's content no longer matches (a
 * script rewrote it), those are forgotten and the object reads as if uploaded without them.
 *
 * No `@aws-sdk/client-s3` is installed in the project: SDK-shaped callers use the account's minimal
 * `send` client. GetObject's Body has the SDK's `transformToString()` / `transformToByteArray()`.
 */

import { createHash } from 'node:crypto';
import {
  closeSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  statSync,
  unlinkSync,
  utimesSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import type { SimulatedClock } from './clock.js';
import { deterministicHex, deterministicUuid } from './deterministic-ids.js';
import { AwsServiceError } from './errors.js';
import { InputReader, isRecord } from './input-reader.js';
import { listFiles } from './storage.js';

/** What `GetObject` returns as Body through the SDK: the subset of the SDK's stream mixin. */
export interface SdkStreamBody {
  transformToString(encoding?: BufferEncoding): Promise<string>;
  transformToByteArray(): Promise<Uint8Array>;
}

/** Chunk size of a streamed Body (what a socket read typically hands over). */
const STREAM_CHUNK_BYTES = 64 * 1024;

/**
 * A Body that can be read once, like the SDK's (`The stream has already been transformed.`): whole, or
 * as a stream of chunks (in Node.js the SDK's Body is an async-iterable stream).
 */
export function sdkStreamBody(bytes: Uint8Array): SdkStreamBody & AsyncIterable<Uint8Array> {
  let transformed = false;
  const take = (): Uint8Array => {
    if (transformed) {
      throw new Error('The stream has already been transformed.');
    }
    transformed = true;
    return bytes;
  };
  return {
    transformToString: async (encoding: BufferEncoding = 'utf8') => Buffer.from(take()).toString(encoding),
    transformToByteArray: async () => new Uint8Array(take()),
    async *[Symbol.asyncIterator]() {
      const all = take();
      for (let start = 0; start < all.byteLength; start += STREAM_CHUNK_BYTES) {
        yield all.slice(start, start + STREAM_CHUNK_BYTES);
      }
    },
  };
}

export type ServerSideEncryption = 'AES256' | 'aws:kms' | 'aws:kms:dsse' | 'aws:fsx';

export interface PutObjectInput {
  Bucket?: string;
  Key?: string;
  Body?: string | Uint8Array;
  ContentType?: string;
  Metadata?: Record<string, string>;
  ServerSideEncryption?: ServerSideEncryption;
  SSEKMSKeyId?: string;
  BucketKeyEnabled?: boolean;
  ExpectedBucketOwner?: string;
}

export interface ObjectAddress {
  Bucket?: string;
  Key?: string;
  VersionId?: string;
  ExpectedBucketOwner?: string;
}

export interface ObjectHead {
  ContentLength: number;
  ContentType: string;
  ETag: string;
  LastModified: Date;
  Metadata: Record<string, string>;
  ServerSideEncryption: ServerSideEncryption;
  SSEKMSKeyId?: string;
  VersionId?: string;
  AcceptRanges: 'bytes';
}

export interface GetObjectRawOutput extends ObjectHead {
  Body: Uint8Array;
}

export interface GetObjectOutput extends ObjectHead {
  Body: SdkStreamBody;
}

export interface ListObjectsV2Input {
  Bucket?: string;
  Prefix?: string;
  Delimiter?: string;
  MaxKeys?: number;
  ContinuationToken?: string;
  StartAfter?: string;
  EncodingType?: 'url';
  FetchOwner?: boolean;
  ExpectedBucketOwner?: string;
}

export interface ListedObject {
  Key: string;
  LastModified: Date;
  ETag: string;
  Size: number;
  StorageClass: 'STANDARD';
}

export interface ListObjectsV2Output {
  Name: string;
  Prefix: string;
  Delimiter?: string;
  MaxKeys: number;
  KeyCount: number;
  IsTruncated: boolean;
  Contents?: ListedObject[];
  CommonPrefixes?: { Prefix: string }[];
  ContinuationToken?: string;
  NextContinuationToken?: string;
  StartAfter?: string;
  EncodingType?: string;
}

export interface ListObjectVersionsOutput {
  Name: string;
  Prefix: string;
  MaxKeys: number;
  IsTruncated: false;
  Versions?: {
    Key: string;
    VersionId: string;
    IsLatest: boolean;
    LastModified: Date;
    ETag: string;
    Size: number;
    StorageClass: 'STANDARD';
  }[];
  DeleteMarkers?: { Key: string; VersionId: string; IsLatest: boolean; LastModified: Date }[];
}

export interface SimulatedS3Options {
  /** The directory holding one directory per bucket, or a function returning it (created lazily). */
  readonly root: string | (() => string);
  readonly accountId?: string;
  readonly region?: string;
  /** Called before every operation: the account settles notebooks whose lifecycle scripts are due. */
  readonly beforeAccess?: () => void;
}

const MAX_KEYS = 1000;
const MAX_KEY_BYTES = 1024;
const MAX_METADATA_BYTES = 2048;
const DEFAULT_CONTENT_TYPE = 'binary/octet-stream';
const SSE_VALUES: readonly ServerSideEncryption[] = ['AES256', 'aws:kms', 'aws:kms:dsse', 'aws:fsx'];

/** What the API knows about an object beyond its bytes, valid while the file still has this content. */
interface ObjectInfo {
  readonly md5: string;
  readonly contentType: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly serverSideEncryption: ServerSideEncryption;
  readonly kmsKeyId: string | undefined;
  readonly versionId: string | undefined;
}

interface ObjectVersion {
  readonly versionId: string;
  readonly deleteMarker: boolean;
  readonly bytes: Uint8Array | undefined;
  readonly info: ObjectInfo | undefined;
  readonly lastModifiedMs: number;
}

type VersioningStatus = 'Enabled' | 'Suspended';

export class SimulatedS3 {
  readonly accountId: string;
  readonly region: string;
  private readonly rootOption: string | (() => string);
  private readonly beforeAccess: () => void;
  private readonly infos = new Map<string, ObjectInfo>();
  private readonly versioning = new Map<string, VersioningStatus>();
  private readonly versions = new Map<string, ObjectVersion[]>();
  /** Default encryption per bucket (BucketEncryption in the template): SSE-KMS with this key. */
  private readonly defaultEncryption = new Map<string, { keyArn: string; bucketKeyEnabled: boolean }>();
  private versionCounter = 0;

  constructor(
    private readonly clock: SimulatedClock,
    options: SimulatedS3Options,
  ) {
    this.rootOption = options.root;
    this.accountId = options.accountId ?? '111122223333';
    this.region = options.region ?? 'eu-west-1';
    this.beforeAccess = options.beforeAccess ?? (() => undefined);
  }

  /** The directory holding one directory per bucket (FAKE_S3_ROOT for the stand-in `aws` CLI). */
  get root(): string {
    const root = typeof this.rootOption === 'string' ? this.rootOption : this.rootOption();
    mkdirSync(root, { recursive: true });
    return root;
  }

  /** The file that holds `s3://<bucket>/<key>`. */
  objectPath(bucket: string, key: string): string {
    const segments = keySegments(key);
    if (segments === undefined) {
      throw new Error(`SimulatedS3: the key ${JSON.stringify(key)} cannot be stored as a file`);
    }
    return join(this.root, bucket, ...segments);
  }

  /** Creates a bucket without the API's rules (location constraint, existing bucket). */
  seedBucket(name: string): void {
    if (!isValidBucketName(name)) {
      throw new Error(`SimulatedS3: invalid bucket name ${name}`);
    }
    mkdirSync(join(this.root, name), { recursive: true });
  }

  /**
   * Default encryption of a bucket (what PutBucketEncryption sets): objects written without encryption
   * headers, through the API or by a lifecycle script, are SSE-KMS with this key.
   */
  setBucketEncryption(bucket: string, encryption: { keyArn: string; bucketKeyEnabled: boolean }): void {
    this.defaultEncryption.set(bucket, { ...encryption });
  }

  /** Every bucket with a default SSE-KMS key. */
  encryptedBuckets(): Array<{ bucket: string; keyArn: string; bucketKeyEnabled: boolean }> {
    return [...this.defaultEncryption].map(([bucket, encryption]) => ({ bucket, ...encryption }));
  }

  /** Every bucket (a directory under the root). */
  bucketNames(): string[] {
    return readdirSync(this.root, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
  }

  /** The bucket's default SSE-KMS key, if it has one. */
  bucketEncryption(
    bucket: string,
  ): { readonly keyArn: string; readonly bucketKeyEnabled: boolean } | undefined {
    return this.defaultEncryption.get(bucket);
  }

  /** The KMS key an existing object is encrypted with, or undefined (SSE-S3, or no such object). */
  objectKmsKeyArn(bucket: string, key: string): string | undefined {
    const bytes = keySegments(key) === undefined ? undefined : this.readKey(bucket, key);
    if (bytes === undefined) return undefined;
    const info = this.currentInfo(bucket, key, bytes);
    return info ? info.kmsKeyId : this.defaultEncryption.get(bucket)?.keyArn;
  }

  /** The object's content as UTF-8 text, or undefined; for assertions (not an API call). */
  objectText(bucket: string, key: string): string | undefined {
    const segments = keySegments(key);
    if (segments === undefined) {
      return undefined;
    }
    return readBytes(join(this.root, bucket, ...segments))?.toString('utf8');
  }

  /**
   * Every key of a bucket, sorted as S3 sorts them (for assertions; not an API call). Like a call, it
   * first lets what is due by now happen (scripts that ran, copies that finished).
   */
  keys(bucket: string, prefix = ''): string[] {
    this.beforeAccess();
    return this.sortedKeys(bucket, prefix);
  }

  createBucket(input: {
    Bucket?: string;
    CreateBucketConfiguration?: { LocationConstraint?: string };
    ACL?: string;
    ObjectOwnership?: string;
  }): { Location: string } {
    const operation = 'CreateBucket';
    this.beforeAccess();
    const reader = this.reader(input, operation);
    reader.rejectUnknown(['Bucket', 'CreateBucketConfiguration', 'ACL', 'ObjectOwnership']);
    const bucket = this.bucketName(reader, operation);
    const configuration = reader.optionalRecord('CreateBucketConfiguration');
    const constraint = configuration?.LocationConstraint;
    if (constraint !== undefined && typeof constraint !== 'string') {
      throw this.error(operation, 'MalformedXML', MALFORMED_XML);
    }
    // Wordings of the two location errors are S3's as commonly reported, not from the API reference.
    if (this.region === 'us-east-1') {
      if (constraint !== undefined && constraint !== '') {
        throw this.error(
          operation,
          'InvalidLocationConstraint',
          'The specified location-constraint is not valid',
        );
      }
    } else if (constraint !== this.region) {
      throw this.error(
        operation,
        'IllegalLocationConstraintException',
        `The ${constraint === undefined ? 'unspecified' : constraint} location constraint is incompatible ` +
          'for the region specific endpoint this request was sent to.',
      );
    }
    if (this.bucketExists(bucket)) {
      if (this.region === 'us-east-1') {
        return { Location: `/${bucket}` };
      }
      throw this.error(
        operation,
        'BucketAlreadyOwnedByYou',
        'Your previous request to create the named bucket succeeded and you already own it.',
        409,
        { BucketName: bucket },
      );
    }
    mkdirSync(join(this.root, bucket), { recursive: true });
    return { Location: this.region === 'us-east-1' ? `/${bucket}` : `http://${bucket}.s3.amazonaws.com/` };
  }

  headBucket(input: { Bucket?: string; ExpectedBucketOwner?: string }): {
    BucketRegion: string;
    AccessPointAlias: false;
  } {
    const operation = 'HeadBucket';
    this.beforeAccess();
    return headErrors(operation, () => {
      const reader = this.reader(input, operation);
      reader.rejectUnknown(['Bucket', 'ExpectedBucketOwner']);
      const bucket = this.bucketName(reader, operation);
      this.requireBucket(bucket, operation);
      return { BucketRegion: this.region, AccessPointAlias: false };
    });
  }

  putBucketVersioning(input: {
    Bucket?: string;
    VersioningConfiguration?: { Status?: string; MFADelete?: string };
    ExpectedBucketOwner?: string;
  }): Record<string, never> {
    const operation = 'PutBucketVersioning';
    this.beforeAccess();
    const reader = this.reader(input, operation);
    reader.rejectUnknown(['Bucket', 'VersioningConfiguration', 'ExpectedBucketOwner', 'MFA']);
    const bucket = this.bucketName(reader, operation);
    const configuration = reader.optionalRecord('VersioningConfiguration');
    const status = configuration?.Status;
    if (status !== 'Enabled' && status !== 'Suspended') {
      throw this.error(operation, 'MalformedXML', MALFORMED_XML);
    }
    this.requireBucket(bucket, operation);
    this.versioning.set(bucket, status);
    return {};
  }

  getBucketVersioning(input: { Bucket?: string; ExpectedBucketOwner?: string }): { Status?: string } {
    const operation = 'GetBucketVersioning';
    this.beforeAccess();
    const reader = this.reader(input, operation);
    reader.rejectUnknown(['Bucket', 'ExpectedBucketOwner']);
    const bucket = this.bucketName(reader, operation);
    this.requireBucket(bucket, operation);
    const status = this.versioning.get(bucket);
    return status === undefined ? {} : { Status: status };
  }

  putObject(input: PutObjectInput): {
    ETag: string;
    ServerSideEncryption: ServerSideEncryption;
    SSEKMSKeyId?: string;
    VersionId?: string;
  } {
    const operation = 'PutObject';
    this.beforeAccess();
    const reader = this.reader(input, operation);
    reader.rejectUnknown([
      'Bucket',
      'Key',
      'Body',
      'ContentType',
      'Metadata',
      'ServerSideEncryption',
      'SSEKMSKeyId',
      'BucketKeyEnabled',
      'ExpectedBucketOwner',
      'ContentLength',
      'ChecksumAlgorithm',
    ]);
    const bucket = this.bucketName(reader, operation);
    const key = this.objectKey(reader, operation);
    const body = reader.raw('Body');
    if (body !== undefined && typeof body !== 'string' && !(body instanceof Uint8Array)) {
      throw new Error(
        'SimulatedS3 PutObject: Body must be a string or a Uint8Array (streams are not simulated)',
      );
    }
    const bytes = body === undefined ? new Uint8Array() : typeof body === 'string' ? Buffer.from(body) : body;
    const contentType = reader.optionalString('ContentType') ?? DEFAULT_CONTENT_TYPE;
    const metadata = this.readMetadata(reader.optionalRecord('Metadata'), operation);
    const encryption = this.readEncryption(reader, operation, bucket);
    reader.optionalBoolean('BucketKeyEnabled');
    this.requireBucket(bucket, operation);
    const versionId = this.versioning.get(bucket) === 'Enabled' ? this.nextVersionId() : undefined;
    const info: ObjectInfo = {
      md5: md5Hex(bytes),
      contentType,
      metadata,
      serverSideEncryption: encryption.serverSideEncryption,
      kmsKeyId: encryption.kmsKeyId,
      versionId,
    };
    const lastModifiedMs = this.writeObject(bucket, key, bytes);
    this.infos.set(infoKey(bucket, key), info);
    if (versionId !== undefined) {
      this.recordVersion(bucket, key, {
        versionId,
        deleteMarker: false,
        bytes: new Uint8Array(bytes),
        info,
        lastModifiedMs,
      });
    }
    return {
      ETag: `"${info.md5}"`,
      ServerSideEncryption: info.serverSideEncryption,
      ...(info.kmsKeyId === undefined ? {} : { SSEKMSKeyId: info.kmsKeyId }),
      ...(versionId === undefined ? {} : { VersionId: versionId }),
    };
  }

  /** GetObject as the SDK returns it: Body is read once with `transformToString()` and the like. */
  getObject(input: ObjectAddress): GetObjectOutput {
    const { Body, ...head } = this.getObjectRaw(input);
    return { ...head, Body: sdkStreamBody(Body) };
  }

  /** GetObject with Body as bytes (what the account's adapters convert for their callers). */
  getObjectRaw(input: ObjectAddress & { Range?: string }): GetObjectRawOutput {
    const operation = 'GetObject';
    this.beforeAccess();
    const range = typeof input?.Range === 'string' ? input.Range : undefined;
    const { Range: _range, ...address } = (input ?? {}) as ObjectAddress & { Range?: string };
    const { bucket, key, versionId } = this.readAddress(address, operation);
    const whole = this.readObject(bucket, key, versionId, operation);
    return range === undefined ? whole : this.byteRange(whole, range, operation);
  }

  /**
   * A `bytes=<first>-<last>` range (or `bytes=<first>-`), as S3 serves it: the bytes that exist
   * (206 with ContentRange); a first byte past the end is InvalidRange (416). Suffix ranges and
   * multiple ranges are not simulated.
   */
  private byteRange(whole: GetObjectRawOutput, range: string, operation: string): GetObjectRawOutput {
    const match = /^bytes=(\d+)-(\d*)$/.exec(range);
    if (!match) throw new Error(`SimulatedS3 ${operation}: only Range bytes=<first>-[<last>] is simulated`);
    const size = whole.Body.byteLength;
    const first = Number(match[1]);
    const last = Math.min(match[2] === '' ? size - 1 : Number(match[2]), size - 1);
    if (first >= size) {
      throw this.error(operation, 'InvalidRange', 'The requested range is not satisfiable', 416, {
        RangeRequested: range,
        ActualObjectSize: String(size),
      });
    }
    const body = whole.Body.subarray(first, last + 1);
    return {
      ...whole,
      Body: body,
      ContentLength: body.byteLength,
      ContentRange: `bytes ${first}-${last}/${size}`,
    } as GetObjectRawOutput;
  }

  headObject(input: ObjectAddress): ObjectHead {
    const operation = 'HeadObject';
    this.beforeAccess();
    return headErrors(operation, () => {
      const { bucket, key, versionId } = this.readAddress(input, operation);
      const { Body: _body, ...head } = this.readObject(bucket, key, versionId, operation);
      return head;
    });
  }

  deleteObject(input: ObjectAddress): { DeleteMarker?: boolean; VersionId?: string } {
    const operation = 'DeleteObject';
    this.beforeAccess();
    const { bucket, key, versionId } = this.readAddress(input, operation);
    this.requireBucket(bucket, operation);
    if (versionId !== undefined) {
      return this.deleteVersion(bucket, key, versionId, operation);
    }
    this.removeObjectFile(bucket, key);
    this.infos.delete(infoKey(bucket, key));
    if (this.versioning.get(bucket) === 'Enabled') {
      const markerId = this.nextVersionId();
      this.recordVersion(bucket, key, {
        versionId: markerId,
        deleteMarker: true,
        bytes: undefined,
        info: undefined,
        lastModifiedMs: this.nowSeconds(),
      });
      return { DeleteMarker: true, VersionId: markerId };
    }
    return {};
  }

  listObjectsV2(input: ListObjectsV2Input): ListObjectsV2Output {
    const operation = 'ListObjectsV2';
    this.beforeAccess();
    const reader = this.reader(input, operation);
    reader.rejectUnknown([
      'Bucket',
      'Prefix',
      'Delimiter',
      'MaxKeys',
      'ContinuationToken',
      'StartAfter',
      'EncodingType',
      'FetchOwner',
      'ExpectedBucketOwner',
    ]);
    const bucket = this.bucketName(reader, operation);
    const prefix = reader.optionalString('Prefix') ?? '';
    const delimiter = reader.optionalString('Delimiter');
    const requestedMaxKeys = reader.optionalInteger('MaxKeys');
    if (requestedMaxKeys !== undefined && requestedMaxKeys < 0) {
      // Wording as S3 answers max-keys=-1, not from the API reference.
      throw this.error(
        operation,
        'InvalidArgument',
        'Provided max-keys not an integer or within integer range',
      );
    }
    const maxKeys = Math.min(requestedMaxKeys ?? MAX_KEYS, MAX_KEYS);
    const continuationToken = reader.optionalString('ContinuationToken');
    const startAfter = reader.optionalString('StartAfter');
    const encodingType = reader.optionalString('EncodingType', { allowed: ['url'] });
    reader.optionalBoolean('FetchOwner');
    this.requireBucket(bucket, operation);
    const after =
      continuationToken === undefined ? undefined : this.decodeToken(continuationToken, bucket, operation);

    const contents: ListedObject[] = [];
    const commonPrefixes: string[] = [];
    let last: string | undefined;
    let truncated = false;
    for (const key of this.sortedKeys(bucket, prefix)) {
      if (startAfter !== undefined && compareKeys(key, startAfter) <= 0) {
        continue;
      }
      const cut = delimiter === undefined || delimiter === '' ? -1 : key.indexOf(delimiter, prefix.length);
      const entry = cut < 0 || delimiter === undefined ? key : key.slice(0, cut + delimiter.length);
      if ((after !== undefined && compareKeys(entry, after) <= 0) || entry === last) {
        continue;
      }
      if (contents.length + commonPrefixes.length >= maxKeys) {
        truncated = maxKeys > 0;
        break;
      }
      if (entry === key) {
        const listed = this.listedObject(bucket, key);
        if (listed === undefined) {
          continue;
        }
        contents.push(listed);
      } else {
        commonPrefixes.push(entry);
      }
      last = entry;
    }
    const output: ListObjectsV2Output = {
      Name: bucket,
      Prefix: prefix,
      MaxKeys: maxKeys,
      KeyCount: contents.length + commonPrefixes.length,
      IsTruncated: truncated,
    };
    if (delimiter !== undefined) output.Delimiter = delimiter;
    if (contents.length > 0) output.Contents = contents;
    if (commonPrefixes.length > 0) output.CommonPrefixes = commonPrefixes.map((value) => ({ Prefix: value }));
    if (continuationToken !== undefined) output.ContinuationToken = continuationToken;
    if (truncated && last !== undefined) output.NextContinuationToken = this.encodeToken(bucket, last);
    if (startAfter !== undefined) output.StartAfter = startAfter;
    if (encodingType !== undefined) output.EncodingType = encodingType;
    return output;
  }

  /**
   * ListObjectVersions without pagination: versions are recorded for writes through the API while
   * versioning is Enabled; a current file with no recorded version (written through the directory, or
   * before versioning) is listed with VersionId `null`, as S3 lists pre-versioning objects.
   */
  listObjectVersions(input: {
    Bucket?: string;
    Prefix?: string;
    MaxKeys?: number;
    ExpectedBucketOwner?: string;
  }): ListObjectVersionsOutput {
    const operation = 'ListObjectVersions';
    this.beforeAccess();
    const reader = this.reader(input, operation);
    if (reader.has('KeyMarker') || reader.has('VersionIdMarker') || reader.has('Delimiter')) {
      throw new Error('SimulatedS3: ListObjectVersions pagination and Delimiter are not simulated');
    }
    reader.rejectUnknown(['Bucket', 'Prefix', 'MaxKeys', 'ExpectedBucketOwner']);
    const bucket = this.bucketName(reader, operation);
    const prefix = reader.optionalString('Prefix') ?? '';
    const maxKeys = Math.min(reader.optionalInteger('MaxKeys', { min: 0 }) ?? MAX_KEYS, MAX_KEYS);
    this.requireBucket(bucket, operation);
    const keys = new Set(this.sortedKeys(bucket, prefix));
    for (const composite of this.versions.keys()) {
      const [versionBucket, key = ''] = composite.split('\n');
      if (versionBucket === bucket && key.startsWith(prefix)) {
        keys.add(key);
      }
    }
    const versions: NonNullable<ListObjectVersionsOutput['Versions']> = [];
    const deleteMarkers: NonNullable<ListObjectVersionsOutput['DeleteMarkers']> = [];
    for (const key of [...keys].sort(compareKeys)) {
      const history = [...(this.versions.get(infoKey(bucket, key)) ?? [])].reverse();
      const current = this.currentInfo(bucket, key);
      const file = this.listedObject(bucket, key);
      let latestTaken = false;
      if (
        file !== undefined &&
        (current?.versionId === undefined || history[0]?.versionId !== current.versionId)
      ) {
        versions.push({ ...file, VersionId: 'null', IsLatest: true });
        latestTaken = true;
      }
      for (const version of history) {
        const isLatest = !latestTaken;
        latestTaken = true;
        if (version.deleteMarker) {
          deleteMarkers.push({
            Key: key,
            VersionId: version.versionId,
            IsLatest: isLatest,
            LastModified: new Date(version.lastModifiedMs),
          });
        } else {
          versions.push({
            Key: key,
            VersionId: version.versionId,
            IsLatest: isLatest,
            LastModified: new Date(version.lastModifiedMs),
            ETag: `"${version.info?.md5 ?? ''}"`,
            Size: version.bytes?.byteLength ?? 0,
            StorageClass: 'STANDARD',
          });
        }
      }
    }
    if (versions.length + deleteMarkers.length > maxKeys) {
      throw new Error(`SimulatedS3: ListObjectVersions pagination is not simulated (more than ${maxKeys})`);
    }
    const output: ListObjectVersionsOutput = {
      Name: bucket,
      Prefix: prefix,
      MaxKeys: maxKeys,
      IsTruncated: false,
    };
    if (versions.length > 0) output.Versions = versions;
    if (deleteMarkers.length > 0) output.DeleteMarkers = deleteMarkers;
    return output;
  }

  /** Dispatch table for the account's adapters (GetObject answers with Body as bytes). */
  operations(): Readonly<Record<string, (input: unknown) => unknown>> {
    // Input is validated member by member inside each operation; the casts only name the shapes.
    return {
      CreateBucket: (input) => this.createBucket(input as Parameters<SimulatedS3['createBucket']>[0]),
      HeadBucket: (input) => this.headBucket(input as { Bucket?: string }),
      PutBucketVersioning: (input) =>
        this.putBucketVersioning(input as Parameters<SimulatedS3['putBucketVersioning']>[0]),
      GetBucketVersioning: (input) => this.getBucketVersioning(input as { Bucket?: string }),
      PutObject: (input) => this.putObject(input as PutObjectInput),
      GetObject: (input) => this.getObjectRaw(input as ObjectAddress),
      HeadObject: (input) => this.headObject(input as ObjectAddress),
      DeleteObject: (input) => this.deleteObject(input as ObjectAddress),
      ListObjectsV2: (input) => this.listObjectsV2(input as ListObjectsV2Input),
      ListObjectVersions: (input) => this.listObjectVersions(input as { Bucket?: string }),
    };
  }

  private readObject(
    bucket: string,
    key: string,
    versionId: string | undefined,
    operation: string,
  ): GetObjectRawOutput {
    this.requireBucket(bucket, operation);
    if (versionId !== undefined && versionId !== 'null') {
      return this.readVersion(bucket, key, versionId, operation);
    }
    const segments = keySegments(key);
    const path = segments === undefined ? undefined : join(this.root, bucket, ...segments);
    const bytes = path === undefined ? undefined : readBytes(path);
    if (path === undefined || bytes === undefined) {
      throw this.error(operation, 'NoSuchKey', 'The specified key does not exist.', 404);
    }
    const info = this.currentInfo(bucket, key, bytes);
    const head: GetObjectRawOutput = {
      Body: new Uint8Array(bytes),
      AcceptRanges: 'bytes',
      ContentLength: bytes.byteLength,
      ContentType: info?.contentType ?? DEFAULT_CONTENT_TYPE,
      ETag: `"${md5Hex(bytes)}"`,
      LastModified: new Date(Math.floor(statSync(path).mtimeMs / 1000) * 1000),
      Metadata: { ...(info?.metadata ?? {}) },
      ServerSideEncryption: info?.serverSideEncryption ?? this.defaultAlgorithm(bucket),
    };
    const kmsKeyId = info ? info.kmsKeyId : this.defaultEncryption.get(bucket)?.keyArn;
    if (kmsKeyId !== undefined) head.SSEKMSKeyId = kmsKeyId;
    if (info?.versionId !== undefined) {
      head.VersionId = info.versionId;
    } else if (this.versioning.has(bucket)) {
      head.VersionId = 'null';
    }
    return head;
  }

  private readVersion(bucket: string, key: string, versionId: string, operation: string): GetObjectRawOutput {
    const version = this.versions.get(infoKey(bucket, key))?.find((entry) => entry.versionId === versionId);
    if (version === undefined) {
      throw this.error(operation, 'NoSuchVersion', 'The specified version does not exist.', 404);
    }
    if (version.deleteMarker || version.bytes === undefined || version.info === undefined) {
      throw this.error(
        operation,
        'MethodNotAllowed',
        'The specified method is not allowed against this resource.',
        405,
      );
    }
    const { info, bytes } = version;
    const output: GetObjectRawOutput = {
      Body: new Uint8Array(bytes),
      AcceptRanges: 'bytes',
      ContentLength: bytes.byteLength,
      ContentType: info.contentType,
      ETag: `"${info.md5}"`,
      LastModified: new Date(version.lastModifiedMs),
      Metadata: { ...info.metadata },
      ServerSideEncryption: info.serverSideEncryption,
      VersionId: version.versionId,
    };
    if (info.kmsKeyId !== undefined) output.SSEKMSKeyId = info.kmsKeyId;
    return output;
  }

  private deleteVersion(
    bucket: string,
    key: string,
    versionId: string,
    operation: string,
  ): { DeleteMarker?: boolean; VersionId: string } {
    const history = this.versions.get(infoKey(bucket, key)) ?? [];
    const index = history.findIndex((entry) => entry.versionId === versionId);
    if (index < 0) {
      if (versionId === 'null') {
        this.removeObjectFile(bucket, key);
        this.infos.delete(infoKey(bucket, key));
        return { VersionId: 'null' };
      }
      // S3 answers an unknown version id of an existing bucket with success (or InvalidArgument for a
      // malformed id); this simulation cannot tell malformed ids apart.
      throw this.error(operation, 'InvalidArgument', 'Invalid version id specified');
    }
    const [removed] = history.splice(index, 1);
    const wasLatest = index === history.length;
    if (wasLatest) {
      const latest = history[history.length - 1];
      if (latest === undefined || latest.deleteMarker || latest.bytes === undefined) {
        this.removeObjectFile(bucket, key);
        this.infos.delete(infoKey(bucket, key));
      } else {
        this.writeObject(bucket, key, latest.bytes, latest.lastModifiedMs);
        if (latest.info !== undefined) this.infos.set(infoKey(bucket, key), latest.info);
      }
    }
    return removed?.deleteMarker === true
      ? { DeleteMarker: true, VersionId: versionId }
      : { VersionId: versionId };
  }

  private recordVersion(bucket: string, key: string, version: ObjectVersion): void {
    const composite = infoKey(bucket, key);
    const history = this.versions.get(composite) ?? [];
    history.push(version);
    this.versions.set(composite, history);
  }

  /** The API-side info of the current object, or undefined when the file changed since (or never had any). */
  private currentInfo(bucket: string, key: string, bytes?: Uint8Array): ObjectInfo | undefined {
    const info = this.infos.get(infoKey(bucket, key));
    if (info === undefined) {
      return undefined;
    }
    const content = bytes ?? this.readKey(bucket, key);
    if (content === undefined || md5Hex(content) !== info.md5) {
      this.infos.delete(infoKey(bucket, key));
      return undefined;
    }
    return info;
  }

  private listedObject(bucket: string, key: string): ListedObject | undefined {
    const segments = keySegments(key);
    if (segments === undefined) {
      return undefined;
    }
    const path = join(this.root, bucket, ...segments);
    const bytes = readBytes(path);
    if (bytes === undefined) {
      return undefined;
    }
    return {
      Key: key,
      LastModified: new Date(Math.floor(statSync(path).mtimeMs / 1000) * 1000),
      ETag: `"${md5Hex(bytes)}"`,
      Size: bytes.byteLength,
      StorageClass: 'STANDARD',
    };
  }

  private readKey(bucket: string, key: string): Buffer | undefined {
    const segments = keySegments(key);
    return segments === undefined ? undefined : readBytes(join(this.root, bucket, ...segments));
  }

  /** Keys under the prefix, in S3's order (UTF-8 bytes). Walks only the prefix's directory. */
  private sortedKeys(bucket: string, prefix: string): string[] {
    const bucketDir = join(this.root, bucket);
    const slash = prefix.lastIndexOf('/');
    const base = slash < 0 ? '' : prefix.slice(0, slash);
    const baseSegments = base === '' ? [] : keySegments(base);
    if (baseSegments === undefined) {
      return [];
    }
    const start = join(bucketDir, ...baseSegments);
    return listFiles(start)
      .map((relativePath) => (base === '' ? relativePath : `${base}/${relativePath}`))
      .filter((key) => key.startsWith(prefix) && !isStandInTemporary(key))
      .sort(compareKeys);
  }

  /** Writes the file with the simulated time as mtime; returns that time (whole seconds). */
  private writeObject(bucket: string, key: string, bytes: Uint8Array, atMs = this.nowSeconds()): number {
    const path = this.objectPath(bucket, key);
    try {
      mkdirSync(dirname(path), { recursive: true });
      if (existsAsDirectory(path)) {
        throw new Error('a directory has that name');
      }
      const fd = openSync(path, 'w');
      try {
        writeSync(fd, bytes);
      } finally {
        closeSync(fd);
      }
    } catch (error) {
      throw new Error(
        `SimulatedS3: cannot store s3://${bucket}/${key} as a file (a key and a "directory" of the same ` +
          `name cannot coexist here): ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    utimesSync(path, atMs / 1000, atMs / 1000);
    return atMs;
  }

  private removeObjectFile(bucket: string, key: string): void {
    const segments = keySegments(key);
    if (segments === undefined) {
      return;
    }
    const bucketDir = join(this.root, bucket);
    const path = join(bucketDir, ...segments);
    try {
      if (!statSync(path).isFile()) {
        return;
      }
      unlinkSync(path);
    } catch {
      return;
    }
    // Directories are not objects: remove the ones the key leaves empty.
    let dir = dirname(path);
    while (dir.startsWith(bucketDir) && dir !== bucketDir) {
      try {
        rmdirSync(dir);
      } catch {
        break;
      }
      dir = dirname(dir);
    }
  }

  private readAddress(
    input: unknown,
    operation: string,
  ): { bucket: string; key: string; versionId: string | undefined } {
    const reader = this.reader(input, operation);
    reader.rejectUnknown(['Bucket', 'Key', 'VersionId', 'ExpectedBucketOwner', 'ChecksumMode']);
    const bucket = this.bucketName(reader, operation);
    const key = this.objectKey(reader, operation);
    const versionId = reader.optionalString('VersionId');
    return { bucket, key, versionId };
  }

  private bucketName(reader: InputReader, operation: string): string {
    const bucket = reader.raw('Bucket');
    if (typeof bucket !== 'string' || bucket === '') {
      // The SDK refuses to build the request without a bucket.
      throw new Error(`SimulatedS3 ${operation}: Bucket is required`);
    }
    if (!isValidBucketName(bucket)) {
      throw this.error(operation, 'InvalidBucketName', 'The specified bucket is not valid.', 400, {
        BucketName: bucket,
      });
    }
    return bucket;
  }

  private objectKey(reader: InputReader, operation: string): string {
    const key = reader.raw('Key');
    if (typeof key !== 'string' || key === '') {
      throw new Error(`SimulatedS3 ${operation}: Key is required`);
    }
    if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) {
      throw this.error(operation, 'KeyTooLongError', 'Your key is too long');
    }
    return key;
  }

  private readMetadata(
    record: Readonly<Record<string, unknown>> | undefined,
    operation: string,
  ): Record<string, string> {
    const metadata: Record<string, string> = {};
    let bytes = 0;
    for (const [name, value] of Object.entries(record ?? {})) {
      if (typeof value !== 'string') {
        throw new Error(`SimulatedS3 ${operation}: Metadata values must be strings (${name})`);
      }
      // S3 stores user metadata names in lowercase (they travel as x-amz-meta-* headers).
      metadata[name.toLowerCase()] = value;
      bytes += Buffer.byteLength(name, 'utf8') + Buffer.byteLength(value, 'utf8');
    }
    if (bytes > MAX_METADATA_BYTES) {
      throw this.error(
        operation,
        'MetadataTooLarge',
        'Your metadata headers exceed the maximum allowed metadata size',
      );
    }
    return metadata;
  }

  private defaultAlgorithm(bucket: string): ServerSideEncryption {
    return this.defaultEncryption.has(bucket) ? 'aws:kms' : 'AES256';
  }

  private readEncryption(
    reader: InputReader,
    operation: string,
    bucket: string,
  ): { serverSideEncryption: ServerSideEncryption; kmsKeyId: string | undefined } {
    const requested = reader.optionalString('ServerSideEncryption');
    if (requested !== undefined && !SSE_VALUES.includes(requested as ServerSideEncryption)) {
      throw this.error(operation, 'InvalidArgument', 'The encryption method specified is not supported');
    }
    const bucketDefault = this.defaultEncryption.get(bucket);
    if (requested === undefined && reader.optionalString('SSEKMSKeyId') === undefined && bucketDefault) {
      return { serverSideEncryption: 'aws:kms', kmsKeyId: bucketDefault.keyArn };
    }
    const serverSideEncryption = (requested ?? 'AES256') as ServerSideEncryption;
    const keyId = reader.optionalString('SSEKMSKeyId');
    const kms = serverSideEncryption === 'aws:kms' || serverSideEncryption === 'aws:kms:dsse';
    if (keyId !== undefined && !kms) {
      throw this.error(
        operation,
        'InvalidArgument',
        'Server Side Encryption with AWS KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms',
      );
    }
    if (!kms) {
      return { serverSideEncryption, kmsKeyId: undefined };
    }
    // Without a key id, S3 uses the account's AWS managed key aws/s3.
    const kmsKeyId =
      keyId === undefined
        ? `arn:aws:kms:${this.region}:${this.accountId}:key/${deterministicUuid(`aws/s3/${this.accountId}`)}`
        : keyId.startsWith('arn:')
          ? keyId
          : `arn:aws:kms:${this.region}:${this.accountId}:key/${keyId}`;
    return { serverSideEncryption, kmsKeyId };
  }

  private bucketExists(bucket: string): boolean {
    return existsAsDirectory(join(this.root, bucket));
  }

  private requireBucket(bucket: string, operation: string): void {
    if (!this.bucketExists(bucket)) {
      throw this.error(operation, 'NoSuchBucket', 'The specified bucket does not exist', 404, {
        BucketName: bucket,
      });
    }
  }

  private encodeToken(bucket: string, after: string): string {
    return Buffer.from(JSON.stringify({ bucket, after }), 'utf8').toString('base64');
  }

  private decodeToken(token: string, bucket: string, operation: string): string {
    try {
      const decoded: unknown = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
      if (isRecord(decoded) && decoded.bucket === bucket && typeof decoded.after === 'string') {
        return decoded.after;
      }
    } catch {
      // Falls through to the error below.
    }
    throw this.error(operation, 'InvalidArgument', 'The continuation token provided is incorrect');
  }

  private nextVersionId(): string {
    this.versionCounter += 1;
    return deterministicHex(`s3-version/${this.versionCounter}`, 32);
  }

  private nowSeconds(): number {
    return Math.floor(this.clock.nowMs() / 1000) * 1000;
  }

  private reader(input: unknown, operation: string): InputReader {
    return InputReader.of(input, (message) => this.error(operation, 'InvalidArgument', message));
  }

  private error(
    operation: string,
    code: string,
    message: string,
    httpStatusCode = 400,
    members?: Readonly<Record<string, unknown>>,
  ): AwsServiceError {
    return new AwsServiceError({
      service: 'S3',
      operation,
      code,
      message,
      httpStatusCode,
      ...(members === undefined ? {} : { members }),
    });
  }
}

const MALFORMED_XML =
  'The XML you provided was not well-formed or did not validate against our published schema';

/**
 * HEAD responses have no body, so the SDK v3 can only name an error after its status: 404 `NotFound`,
 * 403 `Forbidden`, 400 `BadRequest`, with the message `UnknownError`.
 */
function headErrors<T>(operation: string, action: () => T): T {
  try {
    return action();
  } catch (error) {
    if (!(error instanceof AwsServiceError)) {
      throw error;
    }
    const status = error.$metadata.httpStatusCode;
    const names: Readonly<Record<number, string>> = { 400: 'BadRequest', 403: 'Forbidden', 404: 'NotFound' };
    throw new AwsServiceError({
      service: 'S3',
      operation,
      code: names[status] ?? String(status),
      message: 'UnknownError',
      httpStatusCode: status,
    });
  }
}

/**
 * What Step Functions (the SDK for Java v2) makes of errors, for the account's Task adapter: a HEAD
 * 404 becomes NoSuchKey (HeadObject) or NoSuchBucket (HeadBucket), as the Java SDK's S3 exception
 * translation does.
 */
export function s3StepFunctionsError(operation: string, error: AwsServiceError): AwsServiceError {
  if (error.$metadata.httpStatusCode !== 404 || (operation !== 'HeadObject' && operation !== 'HeadBucket')) {
    return error;
  }
  const key = operation === 'HeadObject';
  const translated = new AwsServiceError({
    service: 'S3',
    operation,
    code: key ? 'NoSuchKey' : 'NoSuchBucket',
    message: key ? 'The specified key does not exist.' : 'The specified bucket does not exist.',
    httpStatusCode: 404,
  });
  translated.$metadata.requestId = error.$metadata.requestId;
  return translated;
}

/** Step Functions passes Body as a JSON string; anything else is refused rather than guessed at. */
export function s3StepFunctionsInput(operation: string, input: unknown): unknown {
  if (
    operation === 'PutObject' &&
    isRecord(input) &&
    input.Body !== undefined &&
    typeof input.Body !== 'string'
  ) {
    throw new Error(
      'The simulated account accepts only a string Body for aws-sdk:s3:putObject ' +
        '(serialise JSON with States.JsonToString).',
    );
  }
  return input;
}

/** Step Functions returns GetObject's Body as text. */
export function s3StepFunctionsOutput(operation: string, output: unknown): unknown {
  if (operation === 'GetObject' && isRecord(output) && output.Body instanceof Uint8Array) {
    return { ...output, Body: Buffer.from(output.Body).toString('utf8') };
  }
  return output;
}

/** SDK callers get GetObject's Body as the SDK's one-shot stream. */
export function s3SdkOutput(operation: string, output: unknown): unknown {
  if (operation === 'GetObject' && isRecord(output) && output.Body instanceof Uint8Array) {
    return { ...output, Body: sdkStreamBody(output.Body) };
  }
  return output;
}

/**
 * S3's general purpose bucket naming rules: 3-63 characters of lowercase letters, digits, dots and
 * hyphens, starting and ending with a letter or digit, no two adjacent dots, not an IP address, and
 * none of the reserved prefixes and suffixes.
 */
export function isValidBucketName(name: string): boolean {
  return (
    /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) &&
    !name.includes('..') &&
    !/^\d{1,3}(\.\d{1,3}){3}$/.test(name) &&
    !/^(xn--|sthree-|amzn-s3-demo-)/.test(name) &&
    !/(-s3alias|--ol-s3|\.mrap|--x-s3|--table-s3)$/.test(name)
  );
}

/** The path segments of a key, or undefined when the key cannot be a file path (`a//b`, `a/`, `..`). */
function keySegments(key: string): string[] | undefined {
  const segments = key.split('/');
  if (
    segments.some(
      (segment) => segment === '' || segment === '.' || segment === '..' || segment.includes('\0'),
    )
  ) {
    return undefined;
  }
  return segments;
}

/** The stand-in aws CLI writes `.fake-aws.XXXXXX` beside an object, then renames it: not an object. */
function isStandInTemporary(key: string): boolean {
  return key.slice(key.lastIndexOf('/') + 1).startsWith('.fake-aws.');
}

function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function readBytes(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

function existsAsDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function md5Hex(bytes: Uint8Array): string {
  return createHash('md5').update(bytes).digest('hex');
}

function infoKey(bucket: string, key: string): string {
  return `${bucket}\n${key}`;
}
