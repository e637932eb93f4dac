/** Reading a SageMaker resource's tags, every page of them. */
import { ListTagsCommand, type SageMakerClient, type Tag } from '@aws-sdk/client-sagemaker';

/** SageMaker allows 50 tags a resource; the page cap only guards against a misbehaving NextToken. */
const MAX_TAG_PAGES = 20;

/** Every tag of the resource; SageMaker's errors (a resource gone included) are the caller's to judge. */
export async function listAllTags(
  sagemaker: Pick<SageMakerClient, 'send'>,
  resourceArn: string,
): Promise<Tag[]> {
  const tags: Tag[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < MAX_TAG_PAGES; page++) {
    const response = await sagemaker.send(
      new ListTagsCommand({ ResourceArn: resourceArn, MaxResults: 50, NextToken: nextToken }),
    );
    tags.push(...(response.Tags ?? []));
    nextToken = response.NextToken;
    if (!nextToken) return tags;
  }
  throw new Error(`ListTags for ${resourceArn} returned more than ${MAX_TAG_PAGES} pages`);
}
