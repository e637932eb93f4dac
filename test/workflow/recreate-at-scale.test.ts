/**
 * Recreations of real notebooks: 100,000 files standing for 50 GB (a manifest of thousands of files once
 * went through state and broke the 256 KiB limit); and a volume with everything a user would miss if the
 * copy lost it. The scripts run for real in bash, the workflow as deployed, every call authorized.
 */
import { chmodSync, lutimesSync, mkdirSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { copySeconds, DEFAULT_COPY_THROUGHPUT } from '../../simulation/account/copy-throughput.js';
import { runLargeVolumeRecreation } from '../../simulation/scenarios/large-volume.js';
import { treeDifferences, volumeTree } from '../../simulation/scenarios/volume-tree.js';
import {
  deniedCalls,
  findingsFor,
  givenExposedNotebook,
  whenImportedAndClicked,
} from './recreation-fixtures.js';
import { findingNow, NOTEBOOK } from './workflow-fixtures.js';

const STATE_PAYLOAD_BOUND = 16_384;

describe('volumes of real size', () => {
  it('Given a notebook of 100,000 real files standing for 50 GB (whose manifest alone is over 10 MB), When it is recreated, Then it succeeds, every state is under 16 KiB, the copies take what the throughput model says, the manifests are byte-identical with one line per entry and the volume comes back exactly', async () => {
    const run = await runLargeVolumeRecreation({ files: 100_000, bytes: 50_000_000_000 });

    expect(run.error).toBeUndefined();
    expect(run.status).toBe('SUCCEEDED');
    // The manifests stay in S3: the largest state does not grow with the volume (issue 6 asked for 64 KiB).
    expect(run.maxStatePayloadBytes).toBeLessThan(STATE_PAYLOAD_BOUND);
    expect(run.entriesAfter).toBe(run.entriesBefore);
    expect(run.restoredExactly).toBe(true);
    expect(run.deniedCalls).toEqual([]);
    expect(run.manifests).toEqual({
      backupLines: run.entriesBefore,
      backupFiles: 100_000,
      restoreSameBytes: true,
    });
    // Each copy lands when the model says (to the second), whatever the real time was
    const size = { files: run.entriesBefore, bytes: run.bytes };
    expect(run.backupSeconds).toBeCloseTo(copySeconds(size, 'backup', DEFAULT_COPY_THROUGHPUT), -1);
    expect(run.restoreSeconds).toBeCloseTo(copySeconds(size, 'restore', DEFAULT_COPY_THROUGHPUT), -1);
  }, 600_000);
});

/** Everything a user would miss: hidden entries, empty ones, links as links, modes, odd names, times. */
function writeEveryKindOfEntry(root: string): void {
  const file = (path: string, content: string | Buffer, mode = 0o644) => {
    writeFileSync(join(root, path), content);
    chmodSync(join(root, path), mode);
  };
  mkdirSync(join(root, '.config/jupyter'), { recursive: true });
  file('.config/jupyter/settings.json', '{"theme": "dark"}\n');
  file('.hidden-notes', 'not for everyone\n');
  file('empty-file', '');
  mkdirSync(join(root, 'empty-folder'));
  mkdirSync(join(root, 'nested/empty/deeper'), { recursive: true });
  mkdirSync(join(root, 'data'));
  file('data/train.csv', 'a,b\n1,2\n');
  file('data/all-bytes.bin', Buffer.from(Array.from({ length: 256 }, (_, index) => index)));
  file('run.sh', '#!/bin/sh\necho hi\n', 0o755);
  file('secret.txt', 'token\n', 0o600);
  file('read-only.txt', 'keep\n', 0o444);
  mkdirSync(join(root, 'private'), { mode: 0o700 });
  chmodSync(join(root, 'private'), 0o700);
  mkdirSync(join(root, 'shared'));
  chmodSync(join(root, 'shared'), 0o1777);
  symlinkSync('data/train.csv', join(root, 'link-to-data'));
  symlinkSync('data', join(root, 'link-to-folder'));
  symlinkSync('/etc/hostname', join(root, 'absolute-link'));
  symlinkSync('does-not-exist', join(root, 'dangling-link'));
  file('notes with spaces.md', '# notes\n');
  file('line\nbreak.txt', 'two\nlines\n');
  file('tab\tin name', 'tab\n');
  file('données-été.csv', 'é\n');
  file('日本語のノート.ipynb', '{"cells": []}\n');
  file('emoji-🚀.txt', 'up\n');
  // A name that is not UTF-8 at all (Latin-1 "caf\xe9"), as old archives leave behind.
  writeFileSync(Buffer.concat([Buffer.from(`${root}/caf`), Buffer.from([0xe9])]), 'latin-1\n');
  // Times a user sorts by, set last (writing into a folder changes its time).
  const old = new Date('2025-01-02T03:04:05.678Z');
  utimesSync(join(root, 'data/train.csv'), old, old);
  lutimesSync(join(root, 'link-to-data'), old, old);
  utimesSync(join(root, 'empty-folder'), old, old);
}

describe('a volume with every kind of entry', () => {
  it('Given a notebook whose volume has hidden, empty, linked, private and oddly named entries, When it is recreated, Then the new volume is the same entry for entry: types, bytes, link targets, modes and times', async () => {
    const scenario = givenExposedNotebook({ notebook: { files: {} } });
    const target = scenario.deployment;
    const volume = target.account.sagemaker.volumePath(NOTEBOOK);
    writeEveryKindOfEntry(volume);
    const before = volumeTree(volume);
    const findings = findingsFor(['SageMaker.1']);

    const [plan] = await whenImportedAndClicked(target, findings, [{ action: 'approve', afterMinutes: 5 }]);

    expect(plan?.error).toBeUndefined();
    expect(findingNow(target, findings[0] as never).Workflow?.Status).toBe('RESOLVED');
    const after = volumeTree(target.account.sagemaker.volumePath(NOTEBOOK));
    expect(treeDifferences(before, after)).toEqual([]);
    expect(after.size).toBe(before.size);
    expect(after.get('link-to-data')).toMatchObject({ type: 'symlink', target: 'data/train.csv' });
    expect(after.get('shared')?.mode).toBe(0o1777);
    expect(after.get('caf\u00e9')?.type).toBe('file');
    expect(deniedCalls(target)).toEqual([]);
  }, 120_000);
});
