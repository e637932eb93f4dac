/**
 * The List calls of the kinds whose own classes only create, describe and delete them: notebook
 * instances, images, app image configurations and feature groups. Each takes the summaries the kind's
 * class gives (already settled) and applies the request's filters, sort and paging, as the API
 * reference describes them. The read-only preview (bin/preview.ts) lists every kind a control checks.
 *
 * Defaults not stated by the API reference (the page size, ListNotebookInstances' sort order and
 * ListFeatureGroups' sort key) are this simulation's choice: callers that page to the end do not
 * depend on them.
 */

import { pageOf, sortBy, withinTimes } from './sagemaker-monitoring-common.js';
import {
  integer,
  oneOf,
  structure,
  text,
  timestamp,
  validateRequest,
} from './sagemaker-monitoring-validation.js';

/** One resource as its List call sees it. */
export interface ListedResource {
  readonly name: string;
  readonly creationMs: number;
  readonly lastModifiedMs: number;
  /** The status a `...StatusEquals` filter and a `Status` sort read. */
  readonly status?: string;
  /** The entry of the response, as the API names its members. */
  readonly summary: Readonly<Record<string, unknown>>;
}

const NEXT_TOKEN = text({ max: 8192, pattern: '.*' });
const MAX_RESULTS = integer({ min: 1, max: 100 });
const NAME_CONTAINS = text({ max: 63, pattern: '[a-zA-Z0-9-]+' });

const NOTEBOOK_STATUSES = ['Pending', 'InService', 'Stopping', 'Stopped', 'Failed', 'Deleting', 'Updating'];

const LIST_NOTEBOOK_INSTANCES = structure({
  NextToken: NEXT_TOKEN,
  MaxResults: MAX_RESULTS,
  SortBy: oneOf('Name', 'CreationTime', 'Status'),
  SortOrder: oneOf('Ascending', 'Descending'),
  NameContains: NAME_CONTAINS,
  CreationTimeBefore: timestamp,
  CreationTimeAfter: timestamp,
  LastModifiedTimeBefore: timestamp,
  LastModifiedTimeAfter: timestamp,
  StatusEquals: oneOf(...NOTEBOOK_STATUSES),
  NotebookInstanceLifecycleConfigNameContains: NAME_CONTAINS,
  DefaultCodeRepositoryContains: NAME_CONTAINS,
  AdditionalCodeRepositoryEquals: text({ min: 1, max: 1024 }),
});

const LIST_IMAGES = structure({
  CreationTimeAfter: timestamp,
  CreationTimeBefore: timestamp,
  LastModifiedTimeAfter: timestamp,
  LastModifiedTimeBefore: timestamp,
  MaxResults: MAX_RESULTS,
  NameContains: text({ max: 63, pattern: '[a-zA-Z0-9\\-.]+' }),
  NextToken: NEXT_TOKEN,
  SortBy: oneOf('CREATION_TIME', 'LAST_MODIFIED_TIME', 'IMAGE_NAME'),
  SortOrder: oneOf('ASCENDING', 'DESCENDING'),
});

const LIST_APP_IMAGE_CONFIGS = structure({
  MaxResults: MAX_RESULTS,
  NextToken: NEXT_TOKEN,
  NameContains: NAME_CONTAINS,
  CreationTimeBefore: timestamp,
  CreationTimeAfter: timestamp,
  ModifiedTimeBefore: timestamp,
  ModifiedTimeAfter: timestamp,
  SortBy: oneOf('CreationTime', 'LastModifiedTime', 'Name'),
  SortOrder: oneOf('Ascending', 'Descending'),
});

const LIST_FEATURE_GROUPS = structure({
  NameContains: text({ min: 1, max: 64 }),
  FeatureGroupStatusEquals: oneOf('Creating', 'Created', 'CreateFailed', 'Deleting', 'DeleteFailed'),
  OfflineStoreStatusEquals: oneOf('Active', 'Blocked', 'Disabled'),
  CreationTimeAfter: timestamp,
  CreationTimeBefore: timestamp,
  SortOrder: oneOf('Ascending', 'Descending'),
  SortBy: oneOf('Name', 'FeatureGroupStatus', 'OfflineStoreStatus', 'CreationTime'),
  MaxResults: MAX_RESULTS,
  NextToken: NEXT_TOKEN,
});

const contains = (value: unknown, part: unknown): boolean =>
  typeof part !== 'string' || (typeof value === 'string' && value.toLowerCase().includes(part.toLowerCase()));

/** The page, with NextToken only while more remain. */
function page(
  items: readonly ListedResource[],
  request: Readonly<Record<string, unknown>>,
  operation: string,
  member: string,
): Record<string, unknown> {
  const { page: entries, nextToken } = pageOf(items, request, operation);
  return {
    [member]: entries.map((item) => structuredClone(item.summary)),
    ...(nextToken === undefined ? {} : { NextToken: nextToken }),
  };
}

export function listNotebookInstances(
  input: unknown,
  notebooks: readonly ListedResource[],
): Record<string, unknown> {
  const operation = 'ListNotebookInstances';
  const request = validateRequest(input, LIST_NOTEBOOK_INSTANCES, operation);
  const matching = notebooks.filter(
    ({ name, creationMs, lastModifiedMs, status, summary }) =>
      contains(name, request.NameContains) &&
      withinTimes(creationMs, request.CreationTimeBefore, request.CreationTimeAfter) &&
      withinTimes(lastModifiedMs, request.LastModifiedTimeBefore, request.LastModifiedTimeAfter) &&
      (request.StatusEquals === undefined || status === request.StatusEquals) &&
      contains(
        summary.NotebookInstanceLifecycleConfigName,
        request.NotebookInstanceLifecycleConfigNameContains,
      ) &&
      contains(summary.DefaultCodeRepository, request.DefaultCodeRepositoryContains) &&
      (request.AdditionalCodeRepositoryEquals === undefined ||
        (Array.isArray(summary.AdditionalCodeRepositories) &&
          summary.AdditionalCodeRepositories.includes(request.AdditionalCodeRepositoryEquals))),
  );
  const key = (item: ListedResource) =>
    request.SortBy === 'CreationTime'
      ? item.creationMs
      : request.SortBy === 'Status'
        ? (item.status ?? '')
        : item.name;
  const sorted = sortBy(matching, key, request.SortOrder ?? 'Ascending');
  return page(sorted, request, operation, 'NotebookInstances');
}

/** SortBy CREATION_TIME and SortOrder DESCENDING by default (API reference). */
export function listImages(input: unknown, images: readonly ListedResource[]): Record<string, unknown> {
  const operation = 'ListImages';
  const request = validateRequest(input, LIST_IMAGES, operation);
  const matching = images.filter(
    ({ name, creationMs, lastModifiedMs }) =>
      contains(name, request.NameContains) &&
      withinTimes(creationMs, request.CreationTimeBefore, request.CreationTimeAfter) &&
      withinTimes(lastModifiedMs, request.LastModifiedTimeBefore, request.LastModifiedTimeAfter),
  );
  const key = (item: ListedResource) =>
    request.SortBy === 'IMAGE_NAME'
      ? item.name
      : request.SortBy === 'LAST_MODIFIED_TIME'
        ? item.lastModifiedMs
        : item.creationMs;
  const sorted = sortBy(matching, key, request.SortOrder === 'ASCENDING' ? 'Ascending' : 'Descending');
  return page(sorted, request, operation, 'Images');
}

/** SortBy CreationTime and SortOrder Descending by default (API reference). */
export function listAppImageConfigs(
  input: unknown,
  configs: readonly ListedResource[],
): Record<string, unknown> {
  const operation = 'ListAppImageConfigs';
  const request = validateRequest(input, LIST_APP_IMAGE_CONFIGS, operation);
  const matching = configs.filter(
    ({ name, creationMs, lastModifiedMs }) =>
      contains(name, request.NameContains) &&
      withinTimes(creationMs, request.CreationTimeBefore, request.CreationTimeAfter) &&
      withinTimes(lastModifiedMs, request.ModifiedTimeBefore, request.ModifiedTimeAfter),
  );
  const key = (item: ListedResource) =>
    request.SortBy === 'Name'
      ? item.name
      : request.SortBy === 'LastModifiedTime'
        ? item.lastModifiedMs
        : item.creationMs;
  return page(sortBy(matching, key, request.SortOrder), request, operation, 'AppImageConfigs');
}

export function listFeatureGroups(
  input: unknown,
  groups: readonly ListedResource[],
): Record<string, unknown> {
  const operation = 'ListFeatureGroups';
  const request = validateRequest(input, LIST_FEATURE_GROUPS, operation);
  const offlineStatus = (item: ListedResource) =>
    (item.summary.OfflineStoreStatus as { Status?: string } | undefined)?.Status;
  const matching = groups.filter(
    (item) =>
      contains(item.name, request.NameContains) &&
      withinTimes(item.creationMs, request.CreationTimeBefore, request.CreationTimeAfter) &&
      (request.FeatureGroupStatusEquals === undefined || item.status === request.FeatureGroupStatusEquals) &&
      (request.OfflineStoreStatusEquals === undefined ||
        offlineStatus(item) === request.OfflineStoreStatusEquals),
  );
  const key = (item: ListedResource) =>
    request.SortBy === 'Name'
      ? item.name
      : request.SortBy === 'FeatureGroupStatus'
        ? (item.status ?? '')
        : request.SortBy === 'OfflineStoreStatus'
          ? (offlineStatus(item) ?? '')
          : item.creationMs;
  return page(sortBy(matching, key, request.SortOrder), request, operation, 'FeatureGroupSummaries');
}
