/**
 * The IAM section of docs/preview.md, generated from PREVIEW_CALLS (`npm run docs`): the calls the
 * preview makes, and the policy that allows exactly those. A test checks the document is up to date.
 */
import { actionOf, PREVIEW_CALLS, previewPolicy } from './read-calls.js';

export const PERMISSIONS_START = '<!-- generated:preview-permissions:start (npm run docs) -->';
export const PERMISSIONS_END = '<!-- generated:preview-permissions:end -->';

/** The section between the markers: one line per call, then the policy. */
export function renderPreviewPermissions(): string {
  const rows = PREVIEW_CALLS.map(
    (call) => `| ${call.service} ${call.operation} | \`${actionOf(call)}\` | ${call.why} |`,
  );
  return [
    PERMISSIONS_START,
    '| Call | IAM action | Why |',
    '| --- | --- | --- |',
    ...rows,
    '',
    'The policy (STS GetCallerIdentity needs no permission, so it is not in it):',
    '',
    '```json',
    JSON.stringify(previewPolicy(), null, 2),
    '```',
    PERMISSIONS_END,
  ].join('\n');
}

/** `document` with its generated section replaced by the current one. */
export function withPreviewPermissions(document: string): string {
  const start = document.indexOf(PERMISSIONS_START);
  const end = document.indexOf(PERMISSIONS_END);
  if (start < 0 || end < start) {
    throw new Error(`docs/preview.md has no ${PERMISSIONS_START} ... ${PERMISSIONS_END} section`);
  }
  return document.slice(0, start) + renderPreviewPermissions() + document.slice(end + PERMISSIONS_END.length);
}
