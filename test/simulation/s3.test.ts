import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedAccount } from '../../simulation/account/account.js';
import { errorOf, rejectionOf } from '../unit/caught-errors.js';

const START_MS = Date.parse('2026-11-23T09:00:00.000Z');
const BUCKET = 'remediation-backups-111122223333';

const accounts: SimulatedAccount[] = [];

afterEach(() => {
  for (const account of accounts.splice(0)) {
    account.dispose();
  }
});

function setup() {
  const account = new SimulatedAccount({ latencyMs: 0 });
  accounts.push(account);
  account.s3.seedBucket(BUCKET);
  return { account, s3: account.s3, clock: account.clock };
}

/** Writes a file the way a lifecycle script (or the stand-in aws CLI) does: straight into the directory. */
function writeThroughDirectory(root: string, bucket: string, key: string, content: string): string {
  const path = join(root, bucket, ...key.split('/'));
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
  return path;
}

describe('SimulatedS3: the directory is the bucket', () => {
  it('an object a script wrote into the directory is read through the API, LastModified from its mtime', async () => {
    // Given
    const { s3 } = setup();
    const path = writeThroughDirectory(s3.root, BUCKET, 'roles/AROA1:SageMaker/nb/data/a.txt', 'hello');
    const mtime = new Date('2026-11-23T08:59:30.000Z');
    utimesSync(path, mtime, mtime);

    // When
    const object = s3.getObject({ Bucket: BUCKET, Key: 'roles/AROA1:SageMaker/nb/data/a.txt' });

    // Then
    expect(await object.Body.transformToString()).toBe('hello');
    expect(object).toMatchObject({
      ContentLength: 5,
      ETag: '"5d41402abc4b2a76b9719d911017c592"',
      LastModified: mtime,
      ContentType: 'binary/octet-stream',
      ServerSideEncryption: 'AES256',
      Metadata: {},
    });
  });

  it('an object put through the API is the file <root>/<bucket>/<key>, stamped with the simulated time', () => {
    // Given
    const { s3, clock } = setup();
    clock.advance(1_500);

    // When
    const result = s3.putObject({ Bucket: BUCKET, Key: 'requests/backup-request.json', Body: '{"v":1}' });

    // Then
    const path = join(s3.root, BUCKET, 'requests', 'backup-request.json');
    expect(readFileSync(path, 'utf8')).toBe('{"v":1}');
    expect(statSync(path).mtime).toEqual(new Date(START_MS + 1_000));
    expect(result).toEqual({
      ETag: `"${createHash('md5').update('{"v":1}').digest('hex')}"`,
      ServerSideEncryption: 'AES256',
    });
    expect(s3.objectPath(BUCKET, 'requests/backup-request.json')).toBe(path);
  });

  it('ContentType, Metadata and KMS encryption are kept and echoed, and forgotten once a script rewrites the file', () => {
    // Given
    const { s3 } = setup();
    const put = s3.putObject({
      Bucket: BUCKET,
      Key: 'config.json',
      Body: '{}',
      ContentType: 'application/json',
      Metadata: { 'Snapshot-Id': 'snap-1' },
      ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: 'arn:aws:kms:eu-west-1:111122223333:key/backups',
    });

    // When
    const head = s3.headObject({ Bucket: BUCKET, Key: 'config.json' });
    writeThroughDirectory(s3.root, BUCKET, 'config.json', '{"rewritten":true}');
    const afterRewrite = s3.headObject({ Bucket: BUCKET, Key: 'config.json' });

    // Then
    expect(put).toMatchObject({
      ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: 'arn:aws:kms:eu-west-1:111122223333:key/backups',
    });
    expect(head).toMatchObject({
      ContentType: 'application/json',
      Metadata: { 'snapshot-id': 'snap-1' },
      ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: 'arn:aws:kms:eu-west-1:111122223333:key/backups',
      ETag: put.ETag,
    });
    expect(afterRewrite).toMatchObject({
      ContentType: 'binary/octet-stream',
      Metadata: {},
      ContentLength: 18,
    });
    expect(afterRewrite).not.toHaveProperty('SSEKMSKeyId');
  });

  it('GetObject Body can be read once, like the SDK stream', async () => {
    // Given
    const { s3 } = setup();
    s3.putObject({ Bucket: BUCKET, Key: 'k', Body: new Uint8Array([1, 2, 3]) });
    const { Body } = s3.getObject({ Bucket: BUCKET, Key: 'k' });

    // When
    const bytes = await Body.transformToByteArray();
    const second = await rejectionOf(Body.transformToString());

    // Then
    expect([...bytes]).toEqual([1, 2, 3]);
    expect(second.message).toBe('The stream has already been transformed.');
  });

  it('DeleteObject removes the file and the directories it leaves empty, and succeeds for a missing key', () => {
    // Given
    const { s3 } = setup();
    s3.putObject({ Bucket: BUCKET, Key: 'a/b/c.txt', Body: 'x' });
    s3.putObject({ Bucket: BUCKET, Key: 'a/keep.txt', Body: 'y' });

    // When
    const deleted = s3.deleteObject({ Bucket: BUCKET, Key: 'a/b/c.txt' });
    const missing = s3.deleteObject({ Bucket: BUCKET, Key: 'a/b/c.txt' });

    // Then
    expect(deleted).toEqual({});
    expect(missing).toEqual({});
    expect(existsSync(join(s3.root, BUCKET, 'a', 'b'))).toBe(false);
    expect(s3.keys(BUCKET)).toEqual(['a/keep.txt']);
    // The key "a/b" can now be an object: no directory of that name is left.
    s3.putObject({ Bucket: BUCKET, Key: 'a/b', Body: 'now a file' });
    expect(s3.objectText(BUCKET, 'a/b')).toBe('now a file');
  });
});

describe('SimulatedS3 ListObjectsV2', () => {
  it('pages through sorted keys with MaxKeys and continuation tokens', () => {
    // Given
    const { s3 } = setup();
    for (const key of ['p/e', 'p/B', 'p/a', 'p/\u00e9', 'p/c', 'other']) {
      writeThroughDirectory(s3.root, BUCKET, key, key);
    }

    // When
    const pages = [];
    let token: string | undefined;
    do {
      const page = s3.listObjectsV2({
        Bucket: BUCKET,
        Prefix: 'p/',
        MaxKeys: 2,
        ...(token === undefined ? {} : { ContinuationToken: token }),
      });
      pages.push(page);
      token = page.NextContinuationToken;
    } while (token !== undefined);

    // Then: UTF-8 byte order (uppercase before lowercase, non-ASCII last).
    expect(pages.map((page) => page.Contents?.map((object) => object.Key))).toEqual([
      ['p/B', 'p/a'],
      ['p/c', 'p/e'],
      ['p/\u00e9'],
    ]);
    expect(pages.map((page) => [page.KeyCount, page.IsTruncated])).toEqual([
      [2, true],
      [2, true],
      [1, false],
    ]);
    expect(pages[1]?.ContinuationToken).toBe(pages[0]?.NextContinuationToken);
    expect(pages[0]?.Contents?.[0]).toEqual({
      Key: 'p/B',
      LastModified: expect.any(Date),
      ETag: expect.stringMatching(/^"[0-9a-f]{32}"$/),
      Size: 3,
      StorageClass: 'STANDARD',
    });
  });

  it('Delimiter groups keys into CommonPrefixes, which count towards MaxKeys across pages', () => {
    // Given
    const { s3 } = setup();
    for (const key of ['roles/r1/nb1/x', 'roles/r1/nb1/y', 'roles/r1/nb2/x', 'roles/r1/top.json']) {
      s3.putObject({ Bucket: BUCKET, Key: key, Body: key });
    }

    // When
    const first = s3.listObjectsV2({ Bucket: BUCKET, Prefix: 'roles/r1/', Delimiter: '/', MaxKeys: 1 });
    const second = s3.listObjectsV2({
      Bucket: BUCKET,
      Prefix: 'roles/r1/',
      Delimiter: '/',
      MaxKeys: 1,
      ContinuationToken: first.NextContinuationToken ?? '',
    });
    const all = s3.listObjectsV2({ Bucket: BUCKET, Prefix: 'roles/r1/', Delimiter: '/' });

    // Then
    expect(first).toMatchObject({
      CommonPrefixes: [{ Prefix: 'roles/r1/nb1/' }],
      KeyCount: 1,
      IsTruncated: true,
    });
    expect(first).not.toHaveProperty('Contents');
    expect(second).toMatchObject({ CommonPrefixes: [{ Prefix: 'roles/r1/nb2/' }], IsTruncated: true });
    expect(all).toMatchObject({
      Name: BUCKET,
      Prefix: 'roles/r1/',
      Delimiter: '/',
      MaxKeys: 1000,
      KeyCount: 3,
      IsTruncated: false,
      CommonPrefixes: [{ Prefix: 'roles/r1/nb1/' }, { Prefix: 'roles/r1/nb2/' }],
      Contents: [expect.objectContaining({ Key: 'roles/r1/top.json' })],
    });
  });

  it('MaxKeys above 1000 is capped at 1000; StartAfter skips; an empty listing has no Contents', () => {
    // Given
    const { s3 } = setup();
    s3.putObject({ Bucket: BUCKET, Key: 'a', Body: '' });
    s3.putObject({ Bucket: BUCKET, Key: 'b', Body: '' });

    // When
    const capped = s3.listObjectsV2({ Bucket: BUCKET, MaxKeys: 5000, StartAfter: 'a' });
    const empty = s3.listObjectsV2({ Bucket: BUCKET, Prefix: 'nothing/' });

    // Then
    expect(capped).toMatchObject({ MaxKeys: 1000, KeyCount: 1, StartAfter: 'a' });
    expect(capped.Contents?.map((object) => object.Key)).toEqual(['b']);
    expect(empty).toEqual({
      Name: BUCKET,
      Prefix: 'nothing/',
      MaxKeys: 1000,
      KeyCount: 0,
      IsTruncated: false,
    });
  });

  it('a continuation token that was not issued for the bucket is refused with InvalidArgument', () => {
    // Given
    const { s3 } = setup();

    // When
    const error = errorOf(() => s3.listObjectsV2({ Bucket: BUCKET, ContinuationToken: 'bm90LWEtdG9rZW4=' }));

    // Then
    expect(error.name).toBe('InvalidArgument');
    expect(error.message).toBe('The continuation token provided is incorrect');
  });
});

describe('SimulatedS3 errors', () => {
  it('GetObject of a missing key: NoSuchKey 404; of a missing bucket: NoSuchBucket 404', () => {
    // Given
    const { s3 } = setup();

    // When
    const noKey = errorOf(() => s3.getObject({ Bucket: BUCKET, Key: 'missing.json' }));
    const noBucket = errorOf(() => s3.getObject({ Bucket: 'no-such-bucket-here', Key: 'k' }));

    // Then
    expect([noKey.name, noKey.message, noKey.$metadata.httpStatusCode]).toEqual([
      'NoSuchKey',
      'The specified key does not exist.',
      404,
    ]);
    expect([noBucket.name, noBucket.message, noBucket.$metadata.httpStatusCode]).toEqual([
      'NoSuchBucket',
      'The specified bucket does not exist',
      404,
    ]);
  });

  it('HeadObject and HeadBucket misses are NotFound 404 with no detail, as the SDK names bodyless errors', () => {
    // Given
    const { s3 } = setup();

    // When
    const object = errorOf(() => s3.headObject({ Bucket: BUCKET, Key: 'missing.json' }));
    const bucket = errorOf(() => s3.headBucket({ Bucket: 'no-such-bucket-here' }));
    const badName = errorOf(() => s3.headBucket({ Bucket: 'Bad_Name' }));

    // Then
    expect([object.name, object.message, object.$metadata.httpStatusCode]).toEqual([
      'NotFound',
      'UnknownError',
      404,
    ]);
    expect([bucket.name, bucket.$metadata.httpStatusCode]).toEqual(['NotFound', 404]);
    expect([badName.name, badName.$metadata.httpStatusCode]).toEqual(['BadRequest', 400]);
  });

  it.each([
    ['uppercase letters', 'My-Bucket'],
    ['too short', 'ab'],
    ['two adjacent dots', 'a..b'],
    ['an IP address', '192.168.1.1'],
    ['a reserved prefix', 'xn--bucket'],
    ['a reserved suffix', 'bucket-s3alias'],
  ])('a bucket name with %s: InvalidBucketName', (_, name) => {
    // Given
    const { s3 } = setup();

    // When
    const error = errorOf(() =>
      s3.createBucket({ Bucket: name, CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }),
    );

    // Then
    expect([error.name, error.message]).toEqual(['InvalidBucketName', 'The specified bucket is not valid.']);
  });

  it('CreateBucket outside us-east-1 needs the LocationConstraint, and refuses a bucket you already own', () => {
    // Given
    const { s3 } = setup();

    // When
    const unspecified = errorOf(() => s3.createBucket({ Bucket: 'new-bucket-1' }));
    const created = s3.createBucket({
      Bucket: 'new-bucket-1',
      CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' },
    });
    const again = errorOf(() =>
      s3.createBucket({
        Bucket: 'new-bucket-1',
        CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' },
      }),
    );

    // Then
    expect(unspecified.name).toBe('IllegalLocationConstraintException');
    expect(created).toEqual({ Location: 'http://new-bucket-1.s3.amazonaws.com/' });
    expect(s3.headBucket({ Bucket: 'new-bucket-1' })).toEqual({
      BucketRegion: 'eu-west-1',
      AccessPointAlias: false,
    });
    expect([again.name, again.$metadata.httpStatusCode]).toEqual(['BucketAlreadyOwnedByYou', 409]);
  });
});

describe('SimulatedS3 versioning', () => {
  it('keeps every version written through the API, with delete markers, while versioning is enabled', async () => {
    // Given
    const { s3 } = setup();
    s3.putBucketVersioning({ Bucket: BUCKET, VersioningConfiguration: { Status: 'Enabled' } });
    const first = s3.putObject({ Bucket: BUCKET, Key: 'manifest.json', Body: 'v1' });
    const second = s3.putObject({ Bucket: BUCKET, Key: 'manifest.json', Body: 'v2' });

    // When
    const marker = s3.deleteObject({ Bucket: BUCKET, Key: 'manifest.json' });
    const old = s3.getObject({ Bucket: BUCKET, Key: 'manifest.json', VersionId: first.VersionId ?? '' });
    const versions = s3.listObjectVersions({ Bucket: BUCKET });

    // Then
    expect(first.VersionId).toMatch(/^[0-9a-f]{32}$/);
    expect(second.VersionId).not.toBe(first.VersionId);
    expect(marker).toEqual({ DeleteMarker: true, VersionId: expect.any(String) });
    expect(await old.Body.transformToString()).toBe('v1');
    expect(errorOf(() => s3.getObject({ Bucket: BUCKET, Key: 'manifest.json' })).name).toBe('NoSuchKey');
    expect(s3.getBucketVersioning({ Bucket: BUCKET })).toEqual({ Status: 'Enabled' });
    expect(versions.DeleteMarkers).toEqual([
      { Key: 'manifest.json', VersionId: marker.VersionId, IsLatest: true, LastModified: expect.any(Date) },
    ]);
    expect(versions.Versions?.map((version) => [version.VersionId, version.IsLatest])).toEqual([
      [second.VersionId, false],
      [first.VersionId, false],
    ]);
  });

  it('deleting the latest version brings the previous one back as the current object', async () => {
    // Given
    const { s3 } = setup();
    s3.putBucketVersioning({ Bucket: BUCKET, VersioningConfiguration: { Status: 'Enabled' } });
    s3.putObject({ Bucket: BUCKET, Key: 'k', Body: 'v1' });
    const second = s3.putObject({ Bucket: BUCKET, Key: 'k', Body: 'v2' });

    // When
    s3.deleteObject({ Bucket: BUCKET, Key: 'k', VersionId: second.VersionId ?? '' });

    // Then
    expect(await s3.getObject({ Bucket: BUCKET, Key: 'k' }).Body.transformToString()).toBe('v1');
    expect(s3.objectText(BUCKET, 'k')).toBe('v1');
  });
});

describe('SimulatedS3 through the account', () => {
  class GetObjectCommand {
    constructor(readonly input: { Bucket: string; Key: string }) {}
  }
  class PutObjectCommand {
    constructor(readonly input: { Bucket: string; Key: string; Body: string }) {}
  }

  it('the SDK-shaped client routes commands by class name, with the stream Body and $metadata', async () => {
    // Given
    const { account } = setup();
    const { s3 } = account.sdkClients();
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'a.txt', Body: 'through the sdk' }));

    // When
    const response = (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'a.txt' }))) as {
      Body: { transformToString(): Promise<string> };
      $metadata: { httpStatusCode: number };
    };

    // Then
    expect(await response.Body.transformToString()).toBe('through the sdk');
    expect(response.$metadata.httpStatusCode).toBe(200);
    expect(account.callsTo('S3').map((call) => call.operation)).toEqual(['PutObject', 'GetObject']);
  });

  it('Step Functions getObject returns Body as text and dates as ISO strings', async () => {
    // Given
    const { account } = setup();
    account.s3.putObject({ Bucket: BUCKET, Key: 'data-manifest.json', Body: '{"fileCount":2}' });

    // When
    const result = await account.callStepFunctionsIntegration('arn:aws:states:::aws-sdk:s3:getObject', {
      Bucket: BUCKET,
      Key: 'data-manifest.json',
    });

    // Then
    expect(result).toMatchObject({
      Body: '{"fileCount":2}',
      ContentLength: 15,
      LastModified: '2026-11-23T09:00:00.000Z',
    });
  });

  it('Step Functions error names: NoSuchKey and a HeadObject miss are S3.NoSuchKeyException', async () => {
    // Given
    const { account } = setup();

    // When
    const getMiss = await rejectionOf(
      account.callStepFunctionsIntegration('arn:aws:states:::aws-sdk:s3:getObject', {
        Bucket: BUCKET,
        Key: 'missing.json',
      }),
    );
    const headMiss = await rejectionOf(
      account.callStepFunctionsIntegration('arn:aws:states:::aws-sdk:s3:headObject', {
        Bucket: BUCKET,
        Key: 'missing.json',
      }),
    );
    const noBucket = await rejectionOf(
      account.callStepFunctionsIntegration('arn:aws:states:::aws-sdk:s3:listObjectsV2', {
        Bucket: 'no-such-bucket-here',
      }),
    );
    const badName = await rejectionOf(
      account.callStepFunctionsIntegration('arn:aws:states:::aws-sdk:s3:getObject', {
        Bucket: 'Bad_Name',
        Key: 'k',
      }),
    );

    // Then
    expect(getMiss.name).toBe('S3.NoSuchKeyException');
    expect(getMiss.message).toMatch(
      /^The specified key does not exist\. \(Service: S3, Status Code: 404, Request ID: /,
    );
    expect(headMiss.name).toBe('S3.NoSuchKeyException');
    expect(noBucket.name).toBe('S3.NoSuchBucketException');
    expect(badName.name).toBe('S3.S3Exception');
    expect(badName.message).toContain('Error Code: InvalidBucketName');
    expect(account.callsTo('S3', 'HeadObject')[0]?.outcome).toBe('NotFound');
  });

  it('Step Functions putObject takes a string Body and refuses a JSON object', async () => {
    // Given
    const { account } = setup();

    // When
    await account.callStepFunctionsIntegration('arn:aws:states:::aws-sdk:s3:putObject', {
      Bucket: BUCKET,
      Key: 'backup-request.json',
      Body: '{"version":1}',
    });
    const refused = await rejectionOf(
      account.callStepFunctionsIntegration('arn:aws:states:::aws-sdk:s3:putObject', {
        Bucket: BUCKET,
        Key: 'x.json',
        Body: { version: 1 },
      }),
    );

    // Then
    expect(account.s3.objectText(BUCKET, 'backup-request.json')).toBe('{"version":1}');
    expect(refused.message).toContain('States.JsonToString');
  });

  it('dispose() removes the temporary directory', () => {
    // Given
    const account = new SimulatedAccount({ latencyMs: 0 });
    account.s3.seedBucket(BUCKET);
    const root = account.storage.root;

    // When
    account.dispose();

    // Then
    expect(existsSync(root)).toBe(false);
  });
});
