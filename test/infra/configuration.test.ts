import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONTROL_IDS, resolveModes } from '../../handlers/shared/controls-catalogue.js';
import {
  DEFAULT_TIMING,
  recoveryDelays,
  runtimeSettingsSchema,
} from '../../handlers/shared/runtime-settings.js';
import { IN_PLACE_LOCK_SECONDS } from '../../handlers/shared/work-budget.js';
import { MAX_EXECUTION_SECONDS } from '../../simulation/runner/step-functions-limits.js';
import {
  CONFIGURATION_CONTEXT_KEY,
  loadConfiguration,
  MAX_APPROVAL_TIMEOUT_DAYS,
  toRuntimeSettings,
  worstCaseWaitSeconds,
} from '../../stacks/configuration.js';
import {
  EXECUTION_TIMEOUT_SECONDS,
  MAX_STANDARD_EXECUTION_SECONDS,
} from '../../statemachines/remediation-definition.js';

const deployment = {
  accountId: '123456789012',
  region: 'eu-west-1',
  lockTableName: 'SageMakerRemediation-LockTable-ABC',
  lockSeconds: IN_PLACE_LOCK_SECONDS,
};

function errorOf(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected an error');
}

describe('configuration defaults', () => {
  it('with no context at all, every documented default applies', () => {
    // Given no `remediation` context
    // When it is loaded
    const configuration = loadConfiguration(undefined);

    // Then each key has its documented default
    expect(configuration).toEqual({
      modes: {},
      exemptionTag: { key: 'securityhub-remediation', value: 'skip' },
      dryRun: false,
      requiredTags: {},
      alertEmails: [],
      timing: {
        stopSeconds: DEFAULT_TIMING.stopSeconds,
        updateSeconds: DEFAULT_TIMING.updateSeconds,
        deleteSeconds: DEFAULT_TIMING.deleteSeconds,
        startSeconds: DEFAULT_TIMING.startSeconds,
        pollDelaysSeconds: [...DEFAULT_TIMING.pollDelaysSeconds],
        runStateRecoveryMinutes: 30,
        lifecycleRecoveryMinutes: 30,
      },
      logRetentionDays: 365,
      recreate: { targets: [], approvalTimeoutDays: 7, acceptDataLoss: [], createPrivateNetwork: false },
      customActions: { idPrefix: '' },
      intake: { concurrencyPerAccountRegion: 10 },
      scope: {
        accounts: { allow: [], deny: [] },
        organizationalUnits: { allow: [], deny: [] },
        regions: { allow: [], deny: [] },
      },
      members: {
        roleName: 'SageMakerRemediationMember',
        stackSetName: 'sagemaker-remediation-members',
        dataBucketPrefix: 'remediation-notebook-data',
        linkedRegions: [],
      },
    });
  });

  it('Given a member role name too long for the restore role suffix and a StackSet name IAM would refuse, When loaded, Then both are listed', () => {
    const message = errorOf(() =>
      loadConfiguration({ members: { roleName: 'x'.repeat(42), stackSetName: '1-not-a-letter' } }),
    );
    expect(message).toContain(
      "members.roleName: must be at most 41 characters: the member stack's restore role is <roleName>-restore-<region>",
    );
    expect(message).toContain('members.stackSetName: must be a StackSet name');
  });

  it('recreate targets: every problem listed, a second target for one account and region refused', () => {
    const problems = errorOf(() =>
      loadConfiguration({
        recreate: {
          targets: [
            { account: '111122223333', region: 'eu-west-1', subnetId: 'subnet-0123456789abcdef0' },
            { account: '111122223333', region: 'eu-west-1', securityGroupIds: ['sg-bad!'] },
          ],
          approvalTimeoutDays: 0,
          acceptDataLoss: ['SageMaker.3'],
        },
      }),
    ).split('\n');
    expect(problems).toEqual([
      'Invalid remediation configuration:',
      '- recreate.targets.1.securityGroupIds.0: must be a security group id',
      '- recreate.approvalTimeoutDays: Too small: expected number to be >=1',
      '- recreate.acceptDataLoss.0: Invalid option: expected one of "SageMaker.1"|"SageMaker.2"|"SageMaker.8"|"SageMaker.21"',
    ]);
  });

  it('recreate targets: a subnet without security groups, and a second target for one account and region', () => {
    const target = { account: '111122223333', region: 'eu-west-1', subnetId: 'subnet-0123456789abcdef0' };
    expect(errorOf(() => loadConfiguration({ recreate: { targets: [target, target] } })).split('\n')).toEqual(
      [
        'Invalid remediation configuration:',
        '- recreate.targets.0.securityGroupIds: a subnet needs its security groups',
        '- recreate.targets.1: a second target for 111122223333/eu-west-1',
        '- recreate.targets.1.securityGroupIds: a subnet needs its security groups',
      ],
    );
  });

  it('cdk.json spells out exactly the defaults', () => {
    // Given the context committed in cdk.json
    const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as {
      app: string;
      context: Record<string, unknown>;
    };
    const committed = loadConfiguration(cdkJson.context[CONFIGURATION_CONTEXT_KEY]);

    // When compared with an empty configuration, modes resolved
    const defaults = loadConfiguration({});

    // Then they are the same deployment
    expect(cdkJson.app).toBe('npx tsx bin/app.ts');
    expect(resolveModes(committed.modes)).toEqual(resolveModes(defaults.modes));
    expect({ ...committed, modes: {} }).toEqual({ ...defaults, modes: {} });
  });

  it('partial overrides keep the other defaults (timing, exemption tag)', () => {
    // Given only one timing value and the tag value overridden
    const configuration = loadConfiguration({
      timing: { startSeconds: 240 },
      exemptionTag: { value: 'never' },
    });

    // Then the rest stays default
    expect(configuration.timing).toEqual({
      stopSeconds: 45,
      updateSeconds: 15,
      deleteSeconds: 30,
      startSeconds: 240,
      pollDelaysSeconds: [...DEFAULT_TIMING.pollDelaysSeconds],
      runStateRecoveryMinutes: 30,
      lifecycleRecoveryMinutes: 30,
    });
    expect(configuration.exemptionTag).toEqual({ key: 'securityhub-remediation', value: 'never' });
  });

  it('accepts the JSON string `-c remediation=...` passes on the command line', () => {
    // Given the context as a string
    const configuration = loadConfiguration('{"dryRun":true,"modes":{"SageMaker.3":"notify"}}');

    // Then it is parsed like the object form
    expect(configuration.dryRun).toBe(true);
    expect(configuration.modes).toEqual({ 'SageMaker.3': 'notify' });
  });
});

describe('configuration validation', () => {
  it('lists every problem at once, one per line, with its path', () => {
    // Given a configuration wrong in many places
    const raw = {
      modes: {
        'SageMaker.1': 'auto',
        'SageMaker.3': 'approval',
        'SageMaker.99': 'notify',
        'SageMaker.4': 'sometimes',
      },
      exemptionTag: { key: 'aws:skip' },
      dryRun: 'yes',
      alertEmails: ['security@example.com', 'not-an-address'],
      timing: { stopSeconds: 0, checkBackoffSeconds: [], maxStatusChecks: 0 },
      logRetentionDays: 42,
      dryrun: true,
    };

    // When it is loaded
    const message = errorOf(() => loadConfiguration(raw));

    // Then one error names every problem
    expect(message.split('\n')).toEqual([
      'Invalid remediation configuration:',
      "- modes.SageMaker.1: 'auto' is not allowed; SageMaker.1 supports approval, notify, off",
      "- modes.SageMaker.3: 'approval' is not allowed; SageMaker.3 supports auto, notify, off",
      '- modes.SageMaker.99: unknown control; the catalogue has SageMaker.1 to SageMaker.25',
      "- modes.SageMaker.4: 'sometimes' is not a mode; modes are auto, approval, notify, off",
      "- exemptionTag.key: must not start with 'aws:' (reserved by AWS)",
      '- dryRun: Invalid input: expected boolean, received string',
      '- alertEmails.1: Invalid email address',
      '- timing.stopSeconds: Too small: expected number to be >=1',
      '- timing.checkBackoffSeconds: Too small: expected array to have >=1 items',
      '- timing.maxStatusChecks: Too small: expected number to be >=1',
      "- logRetentionDays: must be one of CloudWatch's retention periods: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653",
      '- (root): Unrecognized key: "dryrun"',
    ]);
  });

  it('rejects turning every control off: the rule would match nothing', () => {
    // Given every control off
    const modes = Object.fromEntries(CONTROL_IDS.map((id) => [id, 'off']));

    // When / Then
    expect(errorOf(() => loadConfiguration({ modes }))).toBe(
      'Invalid remediation configuration:\n- modes: every control is off: the workflow would never start',
    );
  });

  it('Given timings whose longest run reaches the 6-hour lock of an in-place fix, well within the execution timeout, When loaded, Then they are refused; one check fewer is accepted', () => {
    // Given the default first waits (45 + 15 + 120 s), 77 checks a minute apart in each of the 3 phases
    // and the 30-minute recovery budget (10 attempts: 1,965 s of backoff and a start's 120 s after each,
    // and one round of checks while a status settles): 180 + 3 × 4,620 + 3,165 + 4,620 = 21,825 s,
    // past the in-place lock, while the execution may run a day
    const atTheLock = { checkBackoffSeconds: [60], maxStatusChecks: 77 };
    const justBelow = { checkBackoffSeconds: [60], maxStatusChecks: 76 };
    expect(IN_PLACE_LOCK_SECONDS).toBeLessThan(EXECUTION_TIMEOUT_SECONDS);

    // When / Then: the lock would lapse while the fix still runs
    expect(errorOf(() => loadConfiguration({ timing: atTheLock }))).toBe(
      "Invalid remediation configuration:\n- timing: these timings allow 21825 s of waiting in one run, not less than the 21600 s an in-place fix holds its notebook's lock",
    );
    expect(worstCaseWaitSeconds(loadConfiguration({ timing: justBelow }).timing)).toBe(21_585);
  });

  it('Given recovery budgets, When loaded, Then each becomes a backoff adding up to at least its minutes, and a budget past 3 hours is refused', () => {
    const { timing } = loadConfiguration({
      timing: { runStateRecoveryMinutes: 10, lifecycleRecoveryMinutes: 60 },
    });

    expect(timing).toMatchObject({ runStateRecoveryMinutes: 10, lifecycleRecoveryMinutes: 60 });
    expect(recoveryDelays(10)).toEqual([15, 30, 60, 120, 240, 300]);
    expect(recoveryDelays(60).reduce((total, delay) => total + delay, 0)).toBe(3765);
    expect(errorOf(() => loadConfiguration({ timing: { runStateRecoveryMinutes: 181 } }))).toContain(
      '- timing.runStateRecoveryMinutes: Too big',
    );
  });

  it('rejects the same alert address twice, an empty tag key, and text that is not JSON', () => {
    expect(errorOf(() => loadConfiguration({ alertEmails: ['a@example.com', 'A@example.com'] }))).toContain(
      '- alertEmails: lists an address twice',
    );
    expect(errorOf(() => loadConfiguration({ exemptionTag: { key: '' } }))).toContain(
      '- exemptionTag.key: Too small',
    );
    expect(errorOf(() => loadConfiguration('{modes:'))).toMatch(
      /^Invalid remediation configuration:\n- \(root\): not valid JSON/,
    );
  });

  it('a loaded configuration loads again unchanged (the stack re-validates what it is given)', () => {
    const loaded = loadConfiguration({ timing: { checkBackoffSeconds: [5, 10], maxStatusChecks: 3 } });
    expect(loadConfiguration(loaded)).toEqual(loaded);
    expect(
      errorOf(() => loadConfiguration({ timing: { pollDelaysSeconds: [5], maxStatusChecks: 3 } })),
    ).toContain('give either pollDelaysSeconds or checkBackoffSeconds/maxStatusChecks, not both');
  });

  it('the default timings leave ample margin within the lock of an in-place fix', () => {
    const defaults = loadConfiguration({}).timing;
    expect(worstCaseWaitSeconds(defaults)).toBeLessThan(IN_PLACE_LOCK_SECONDS / 2);
  });
});

describe('configuration: customActions.idPrefix', () => {
  it('Given a prefix of 8 alphanumerics, When loaded, Then it is kept as given', () => {
    expect(loadConfiguration({ customActions: { idPrefix: 'Prod2026' } }).customActions).toEqual({
      idPrefix: 'Prod2026',
    });
  });

  it('Given a prefix with a dash and an underscore, 11 characters long, When loaded, Then both problems are listed at once, with the limit', () => {
    expect(
      errorOf(() => loadConfiguration({ customActions: { idPrefix: 'Team-B_long' } })).split('\n'),
    ).toEqual([
      'Invalid remediation configuration:',
      "- customActions.idPrefix: 'Team-B_long' must be alphanumeric (A-Z, a-z, 0-9): custom action ids allow nothing else",
      "- customActions.idPrefix: 'Team-B_long' has 11 characters: with the longest action id, RemediateNow (12), the id would have 23, more than the 20 CreateActionTarget allows; use at most 8",
    ]);
  });

  it('Given a 9-character prefix among other mistakes, When loaded, Then every problem is listed together', () => {
    const message = errorOf(() =>
      loadConfiguration({ dryRun: 'no', customActions: { idPrefix: 'Abcdefghi' } }),
    );
    expect(message.split('\n')).toEqual([
      'Invalid remediation configuration:',
      '- dryRun: Invalid input: expected boolean, received string',
      "- customActions.idPrefix: 'Abcdefghi' has 9 characters: with the longest action id, RemediateNow (12), the id would have 21, more than the 20 CreateActionTarget allows; use at most 8",
    ]);
  });

  it('Given a name prefix, When loaded, Then it is refused: names are not configurable (Approve remediation already has the 19 characters the console allows)', () => {
    expect(errorOf(() => loadConfiguration({ customActions: { namePrefix: 'Prod' } }))).toBe(
      'Invalid remediation configuration:\n- customActions: Unrecognized key: "namePrefix"',
    );
  });
});

describe('configuration: the approval window within one execution', () => {
  const SECONDS_PER_DAY = 24 * 60 * 60;

  it('Given the work budget and the one-year limit, Then the longest window is derived from both, and fits exactly', () => {
    // The bound moves with EXECUTION_TIMEOUT_SECONDS: nothing here assumes its value
    expect(MAX_APPROVAL_TIMEOUT_DAYS).toBe(
      Math.floor((MAX_STANDARD_EXECUTION_SECONDS - EXECUTION_TIMEOUT_SECONDS) / SECONDS_PER_DAY),
    );
    expect(EXECUTION_TIMEOUT_SECONDS + MAX_APPROVAL_TIMEOUT_DAYS * SECONDS_PER_DAY).toBeLessThanOrEqual(
      MAX_STANDARD_EXECUTION_SECONDS,
    );
    expect(EXECUTION_TIMEOUT_SECONDS + (MAX_APPROVAL_TIMEOUT_DAYS + 1) * SECONDS_PER_DAY).toBeGreaterThan(
      MAX_STANDARD_EXECUTION_SECONDS,
    );
  });

  it('Given the longest window, When loaded, Then it is accepted', () => {
    const recreate = { approvalTimeoutDays: MAX_APPROVAL_TIMEOUT_DAYS };
    expect(loadConfiguration({ recreate }).recreate.approvalTimeoutDays).toBe(MAX_APPROVAL_TIMEOUT_DAYS);
  });

  it('Given one day more, When loaded, Then it is refused with the work budget, the timeout, the limit and the longest window', () => {
    const days = MAX_APPROVAL_TIMEOUT_DAYS + 1;
    const timeout = EXECUTION_TIMEOUT_SECONDS + days * SECONDS_PER_DAY;
    expect(errorOf(() => loadConfiguration({ recreate: { approvalTimeoutDays: days } }))).toBe(
      `Invalid remediation configuration:\n- recreate.approvalTimeoutDays: ${days} days plus the ${EXECUTION_TIMEOUT_SECONDS} s work budget make a ${timeout} s execution timeout, more than the 31536000 s (one year) a Standard execution may run; at most ${MAX_APPROVAL_TIMEOUT_DAYS} days`,
    );
  });

  it('Given 365 days (the previous maximum), When loaded, Then it is refused: with any work budget the execution would outlive a year', () => {
    expect(errorOf(() => loadConfiguration({ recreate: { approvalTimeoutDays: 365 } }))).toContain(
      '- recreate.approvalTimeoutDays: 365 days plus the ',
    );
  });

  it('Given the one-year constant of the definition, Then it is the 31,536,000 s of the Step Functions quota, as the local runner enforces', () => {
    expect(MAX_STANDARD_EXECUTION_SECONDS).toBe(31_536_000);
    expect(MAX_EXECUTION_SECONDS).toBe(MAX_STANDARD_EXECUTION_SECONDS);
  });
});

describe('runtime settings', () => {
  it('built from the defaults, pass the planning Lambda’s schema with every control named', () => {
    // Given the default configuration
    const settings = toRuntimeSettings(loadConfiguration({}), deployment);

    // When the Lambda parses them
    const parsed = runtimeSettingsSchema.parse(JSON.parse(JSON.stringify(settings)));

    // Then nothing was lost, and the derived poll count is there
    expect(Object.keys(parsed.modes).sort()).toEqual([...CONTROL_IDS].sort());
    expect(parsed.modes['SageMaker.3']).toBe('auto');
    expect(parsed.timing.maxPolls).toBe(DEFAULT_TIMING.pollDelaysSeconds.length);
    expect(parsed).toMatchObject({
      ...deployment,
      dryRun: false,
      exemptionTag: { key: 'securityhub-remediation' },
    });
  });

  it('carry the overrides: modes, dry run, exemption tag and timing', () => {
    // Given a customised configuration
    const configuration = loadConfiguration({
      modes: { 'SageMaker.3': 'notify', 'SageMaker.21': 'off' },
      dryRun: true,
      exemptionTag: { key: 'team/exempt', value: 'yes' },
      timing: { stopSeconds: 30, checkBackoffSeconds: [5, 10], maxStatusChecks: 4 },
    });

    // When turned into runtime settings and parsed
    const parsed = runtimeSettingsSchema.parse(toRuntimeSettings(configuration, deployment));

    // Then the Lambda sees exactly those choices
    expect(parsed.modes).toEqual(resolveModes({ 'SageMaker.3': 'notify', 'SageMaker.21': 'off' }));
    expect(parsed.dryRun).toBe(true);
    expect(parsed.exemptionTag).toEqual({ key: 'team/exempt', value: 'yes' });
    expect(parsed.timing).toEqual({
      stopSeconds: 30,
      updateSeconds: 15,
      deleteSeconds: 30,
      startSeconds: 120,
      // The backoff's last delay repeats up to the number of checks.
      pollDelaysSeconds: [5, 10, 10, 10],
      maxPolls: 4,
      // The default 30 minutes of recovery each, as backoffs
      runStateRecoveryDelaysSeconds: [15, 30, 60, 120, 240, 300, 300, 300, 300, 300],
      lifecycleRecoveryDelaysSeconds: [15, 30, 60, 120, 240, 300, 300, 300, 300, 300],
      maxRunStateRecoveries: 10,
      maxLifecycleRecoveries: 10,
    });
  });
});
