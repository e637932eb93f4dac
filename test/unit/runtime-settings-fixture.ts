/** Runtime settings as a default deployment hands them to the planning Lambda, for unit tests. */
import { resolveModes } from '../../handlers/shared/controls-catalogue.js';
import { DEFAULT_TIMING, type RuntimeSettings } from '../../handlers/shared/runtime-settings.js';

export const EXECUTION = {
  id: 'arn:aws:states:eu-west-1:111122223333:execution:remediation:run-1',
  name: 'run-1',
};

export function runtimeSettings(overrides: Partial<RuntimeSettings> = {}): RuntimeSettings {
  return {
    accountId: '111122223333',
    region: 'eu-west-1',
    lockTableName: 'locks',
    modes: resolveModes(),
    exemptionTag: { key: 'securityhub-remediation', value: 'skip' },
    dryRun: false,
    timing: {
      ...DEFAULT_TIMING,
      pollDelaysSeconds: [...DEFAULT_TIMING.pollDelaysSeconds],
      maxPolls: DEFAULT_TIMING.pollDelaysSeconds.length,
    },
    lockSeconds: 21600,
    ...overrides,
  };
}
