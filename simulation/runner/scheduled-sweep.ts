/**
 * The deployed sweeper of stale records (handlers/sweep-stale-records.ts) and its EventBridge
 * schedule, in the local deployment: a sweep is EventBridge invoking the function as the rule (the
 * function's resource policy must allow it) with a Scheduled Event, the handler calling AWS as the
 * function's role.
 *
 * The simulated clock jumps to the next timer whenever nothing else runs, so a recurring timer would
 * never let time stand still (settle() would not end) and would add calls to every run. Sweeps are
 * therefore run on demand (LocalDeployment.runScheduledSweep): a test or the chaos campaign moves the
 * clock and sweeps as the schedule would have.
 */
import type { SecurityHubClient } from '@aws-sdk/client-securityhub';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { StepFunctionsClient } from '../../handlers/shared/execution-status.js';
import { silentLogger } from '../../handlers/shared/logger.js';
import { parseSweepSettings, SWEEP_SETTINGS_VARIABLE } from '../../handlers/shared/sweep-settings.js';
import { createSweepHandler, type SweepResult } from '../../handlers/sweep-stale-records.js';
import type { SimulatedAccount } from '../account/account.js';
import type { DeployedFunction, DeployedRule } from '../deploy/deploy-template.js';

/** What one scheduled sweep did, or the error it failed with. */
export type SweepOutcome =
  | ({ readonly at: Date; readonly ok: true } & SweepResult)
  | { readonly at: Date; readonly ok: false; readonly error: string };

/** `rate(15 minutes)` → 900. Only the rate expressions the stack writes. */
function rateSeconds(expression: string): number {
  const match = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression);
  if (!match) throw new Error(`not a rate expression the local deployment runs: ${expression}`);
  const unit = { minute: 60, minutes: 60, hour: 3600, hours: 3600, day: 86_400, days: 86_400 }[
    match[2] as 'minute'
  ];
  return Number(match[1]) * unit;
}

export class ScheduledSweep {
  /** Every sweep run so far, in order. */
  readonly outcomes: SweepOutcome[] = [];
  /** How often the schedule runs the sweeper. */
  readonly intervalSeconds: number;
  private readonly handler: (event?: unknown) => Promise<SweepResult>;

  constructor(
    private readonly account: SimulatedAccount,
    readonly fn: DeployedFunction,
    readonly rule: DeployedRule,
    clients: {
      readonly dynamodb: Pick<DynamoDBDocumentClient, 'send'>;
      readonly sfn: StepFunctionsClient;
      readonly securityhub: Pick<SecurityHubClient, 'send'>;
      readonly sns: Pick<SNSClient, 'send'>;
    },
  ) {
    if (!rule.schedule) throw new Error(`rule ${rule.logicalId} targets the sweeper but has no schedule`);
    this.intervalSeconds = rateSeconds(rule.schedule);
    this.handler = createSweepHandler({
      ...clients,
      settings: parseSweepSettings(fn.environment[SWEEP_SETTINGS_VARIABLE]),
      now: () => account.clock.now(),
      logger: silentLogger,
    });
  }

  /** One run, as the schedule makes it now: authorized for EventBridge, the Scheduled Event, the handler. */
  async run(): Promise<SweepOutcome> {
    const { account, fn, rule } = this;
    await account.authorizeServicePrincipal(
      { service: 'events.amazonaws.com', sourceArn: rule.arn, sourceAccount: account.accountId },
      'Lambda',
      'Invoke',
      { action: 'lambda:InvokeFunction', resource: fn.arn, resourcePolicyArn: fn.arn },
    );
    const at = account.clock.now();
    const event = {
      version: '0',
      id: `sweep-${this.outcomes.length + 1}`,
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: account.accountId,
      time: at.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: account.region,
      resources: [rule.arn],
      detail: {},
    };
    let outcome: SweepOutcome;
    try {
      outcome = { at, ok: true, ...(await this.handler(event)) };
    } catch (error) {
      outcome = {
        at,
        ok: false,
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      };
    }
    this.outcomes.push(outcome);
    return outcome;
  }
}
