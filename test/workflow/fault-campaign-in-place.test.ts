/**
 * Issue 7's fault campaign on the in-place path (SageMaker.3 of a running or stopped notebook, fixed at
 * once): 200 seeded runs, each with one or two faults (throttling, 5xx and validation errors on every
 * call of the path, failed Lambda invokes, stuck in Stopping, start or update ending Failed, an update
 * refused, the notebook restarted or deleted by someone else, StopExecution), transient or persistent.
 */
import { describe, it } from 'vitest';
import { expectEveryRunSafe } from './fault-campaign-fixtures.js';

/**
 * 200 runs in this process: 16 s measured beside the rest of the suite on the 2-core machine; room to
 * spare for a loop that runs to the history limit.
 */
const CAMPAIGN_TIMEOUT_MS = 10 * 60_000;

describe('fault campaign: in-place', () => {
  it(
    'Given 200 seeded fault plans on the in-place path, When each runs against the deployed stack with IAM and limits enforced, Then every run ends safe: back as it was (or ACTION NEEDED after a persistent refusal), no data lost, no lock left, no execution stuck, every note true',
    async () => {
      await expectEveryRunSafe('in-place');
    },
    CAMPAIGN_TIMEOUT_MS,
  );
});
