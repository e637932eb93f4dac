/**
 * Every change a recreation makes to a notebook, failing for good in turn: no delete without a verified
 * snapshot and a complete backup, no snapshot lost, never a notebook left stopped without a way back.
 */
import { describe, expect, it } from 'vitest';
import {
  deniedCalls,
  FILES,
  findingsFor,
  givenExposedNotebook,
  whenImportedAndClicked,
} from './recreation-fixtures.js';
import { alertOutcomes, findingNow, lockItems, NOTEBOOK, notebookNow } from './workflow-fixtures.js';

/** The calls that change the notebook during a recreation with data, in the order they happen. */
const RECREATION_CHANGES = [
  'StopNotebookInstance',
  'UpdateNotebookInstance',
  'StartNotebookInstance',
  'StopNotebookInstance',
  'UpdateNotebookInstance',
  'DeleteNotebookInstance',
  'CreateNotebookInstance',
  'StopNotebookInstance',
  'UpdateNotebookInstance',
  'StartNotebookInstance',
] as const;

const DELETE_STEP = RECREATION_CHANGES.indexOf('DeleteNotebookInstance') + 1;

describe('a failure at every step of the recreation', () => {
  it.each(RECREATION_CHANGES.map((operation, index) => [index + 1, operation] as const))(
    'Given an approved recreation of a running notebook with data, When change %i (%s) fails for good, Then it is reported, nothing is deleted before a complete backup, no snapshot is lost, and the notebook runs again or the finding says how to restore it',
    async (step) => {
      // Given
      const scenario = givenExposedNotebook();
      const target = scenario.deployment;
      const findings = findingsFor(['SageMaker.1', 'SageMaker.2']);
      // And the step-th change (and its retries) failing
      let changes = 0;
      const check = target.account.faults.check.bind(target.account.faults);
      target.account.faults.check = (service, operation, input) => {
        if (service === 'SageMaker' && (RECREATION_CHANGES as readonly string[]).includes(operation)) {
          changes += 1;
          if (changes === step) {
            target.account.faults.failNext({ service, operation, code: 'InternalFailure', times: 6 });
          }
        }
        return check(service, operation, input);
      };

      // When
      const [plan] = await whenImportedAndClicked(target, findings, [{ action: 'approve', afterMinutes: 5 }]);

      // Then it failed, and every finding of the plan and an alert say so
      expect(plan?.status).toBe('FAILED');
      for (const finding of findings) expect(findingNow(target, finding).Workflow?.Status).toBe('NOTIFIED');
      expect(alertOutcomes(target)).toContain('FAILED');
      expect(deniedCalls(target)).toEqual([]);
      const deleted = target.account.calls.find(
        (call) => call.operation === 'DeleteNotebookInstance' && call.outcome === 'ok',
      );
      expect(deleted !== undefined).toBe(step > DELETE_STEP);
      if (deleted) {
        // Nothing deleted before the backup was complete, and nothing of the snapshot lost
        const keys = target.account.s3.keys(target.backupBucket);
        const complete = keys.find((key) => key.endsWith('/backup-status/complete')) ?? '';
        const head = target.account.s3.headObject({ Bucket: target.backupBucket, Key: complete });
        expect(head.LastModified.getTime()).toBeLessThanOrEqual(deleted.at.getTime());
        expect(keys.filter((key) => key.endsWith('/configuration.json'))).toHaveLength(1);
        expect(keys.filter((key) => key.endsWith('/data/archive.tar'))).toHaveLength(1);
        // And either the notebook runs again, or every finding gives the restore command
        const running = target.account.sagemaker.statusOf(NOTEBOOK) === 'InService';
        for (const finding of findings) {
          const note = findingNow(target, finding).Note?.Text ?? '';
          expect(running || note.includes('npx tsx bin/restore-notebook.ts --snapshot s3://')).toBe(true);
        }
      } else {
        // Nothing deleted: the notebook is as it was, running, with its own settings and data
        expect(notebookNow(target)).toMatchObject({
          NotebookInstanceStatus: 'InService',
          DirectInternetAccess: 'Enabled',
        });
        expect(notebookNow(target).NotebookInstanceLifecycleConfigName).toBeUndefined();
        expect(target.account.sagemaker.volumeFiles(NOTEBOOK)).toEqual(FILES);
      }
      expect(lockItems(target)).toEqual([]);
    },
  );
});
