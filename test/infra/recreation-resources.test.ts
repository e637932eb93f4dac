import { describe, expect, it } from 'vitest';
import { loadConfiguration } from '../../stacks/configuration.js';
import {
  kmsKeyIdProblem,
  LIFECYCLE_CONFIG_NAME_PATTERN,
  LIFECYCLE_CONFIG_PURPOSES,
  lifecycleConfigName,
  MAX_LIFECYCLE_CONFIG_NAME_LENGTH,
  volumeKeyArns,
} from '../../stacks/recreation-resources.js';

const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';
const MRK_ID = 'mrk-1234abcd12ab34cd56ef1234567890ab';

describe('lifecycle configuration names', () => {
  it('are <stack name>-<purpose> when that fits', () => {
    expect(lifecycleConfigName('SageMakerRemediation', LIFECYCLE_CONFIG_PURPOSES.backup)).toBe(
      'SageMakerRemediation-backup-on-start',
    );
    expect(lifecycleConfigName('SageMakerRemediation', LIFECYCLE_CONFIG_PURPOSES.restore)).toBe(
      'SageMakerRemediation-restore-on-create',
    );
  });

  it('stay within 63 characters and the pattern for the longest stack names, and differ for different stacks', () => {
    // Given two 128-character stack names (CloudFormation's maximum) sharing a long prefix
    const first = `A${'b'.repeat(126)}1`;
    const second = `A${'b'.repeat(126)}2`;

    // When named
    const names = [first, second].flatMap((stack) =>
      Object.values(LIFECYCLE_CONFIG_PURPOSES).map((purpose) => lifecycleConfigName(stack, purpose)),
    );

    // Then every name is valid, ends with its purpose, and none is shared
    for (const name of names) {
      expect(name.length, name).toBeLessThanOrEqual(MAX_LIFECYCLE_CONFIG_NAME_LENGTH);
      expect(name).toMatch(LIFECYCLE_CONFIG_NAME_PATTERN);
    }
    expect(names[0]?.endsWith('-backup-on-start')).toBe(true);
    expect(new Set(names).size).toBe(names.length);
  });

  it('turn characters SageMaker does not allow into hyphens, and refuse a purpose it does not allow', () => {
    expect(lifecycleConfigName('team_a.stack', 'backup-on-start')).toBe('team-a-stack-backup-on-start');
    expect(() => lifecycleConfigName('Stack', 'backup_on_start')).toThrow(/must match/);
  });
});

describe('volume key ARNs', () => {
  const deployment = { partition: 'aws', account: '123456789012', region: 'eu-west-1' };

  it("are the own target's key, a key id completed with the target's account and region", () => {
    const targets = [
      { account: '123456789012', region: 'eu-west-1', kmsKeyId: KEY_ID },
      { account: '123456789012', region: 'us-east-1', kmsKeyId: MRK_ID },
      { account: '111122223333', region: 'eu-west-1' },
    ];
    expect(volumeKeyArns(targets, deployment)).toEqual([`arn:aws:kms:eu-west-1:123456789012:key/${KEY_ID}`]);
  });

  it('keep a key ARN as configured (a key of another account is allowed by SageMaker)', () => {
    const arn = `arn:aws:kms:eu-west-1:999999999999:key/${KEY_ID}`;
    expect(
      volumeKeyArns([{ account: '123456789012', region: 'eu-west-1', kmsKeyId: arn }], deployment),
    ).toEqual([arn]);
  });

  it("are every target's keys when the stack's account or region is a deploy-time token", () => {
    const targets = [
      { account: '123456789012', region: 'eu-west-1', kmsKeyId: KEY_ID },
      { account: '111122223333', region: 'us-east-1', kmsKeyId: MRK_ID },
    ];
    // A stand-in for the partition token; the function only concatenates it
    const partition = 'PARTITION-TOKEN';
    expect(volumeKeyArns(targets, { partition })).toEqual([
      `arn:${partition}:kms:eu-west-1:123456789012:key/${KEY_ID}`,
      `arn:${partition}:kms:us-east-1:111122223333:key/${MRK_ID}`,
    ]);
  });

  it('are none when no target has a key', () => {
    expect(volumeKeyArns([], deployment)).toEqual([]);
    expect(volumeKeyArns([{ account: '123456789012', region: 'eu-west-1' }], deployment)).toEqual([]);
  });
});

describe('recreate target kmsKeyId', () => {
  it('accepts a key ARN, a key id and a multi-Region key id', () => {
    for (const kmsKeyId of [`arn:aws:kms:eu-west-1:123456789012:key/${KEY_ID}`, KEY_ID, MRK_ID]) {
      expect(kmsKeyIdProblem(kmsKeyId), kmsKeyId).toBeUndefined();
    }
  });

  it('refuses an alias (IAM authorizes the grant on the key) and anything that is not a key, in the configuration too', () => {
    expect(kmsKeyIdProblem('alias/notebooks')).toMatch(/^must be a key ARN or key id, not an alias/);
    expect(kmsKeyIdProblem('arn:aws:kms:eu-west-1:123456789012:alias/notebooks')).toMatch(/not an alias/);
    expect(kmsKeyIdProblem('my-key')).toMatch(/^must be a KMS key ARN/);
    expect(() =>
      loadConfiguration({
        recreate: {
          targets: [{ account: '123456789012', region: 'eu-west-1', kmsKeyId: 'alias/notebooks' }],
        },
      }),
    ).toThrow(/- recreate\.targets\.0\.kmsKeyId: must be a key ARN or key id, not an alias/);
  });
});
