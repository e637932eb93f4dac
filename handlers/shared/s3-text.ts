/** Reading a small JSON object of the snapshot bucket as text: the snapshots and their markers. */
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { isNoSuchKey } from './aws-errors.js';

/** The object's text, or undefined when it does not exist (the caller may list the bucket: 404, not 403). */
export async function readTextIfExists(
  s3: Pick<S3Client, 'send'>,
  location: { readonly bucket: string; readonly key: string; readonly owner: string },
): Promise<string | undefined> {
  try {
    const response = await s3.send(
      new GetObjectCommand({
        Bucket: location.bucket,
        Key: location.key,
        ExpectedBucketOwner: location.owner,
      }),
    );
    return (await response.Body?.transformToString('utf-8')) ?? '';
  } catch (error) {
    if (isNoSuchKey(error)) return undefined;
    throw error;
  }
}
