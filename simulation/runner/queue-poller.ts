/**
 * An SQS event source mapping, as Lambda runs one for a standard queue: it receives batches of up to
 * BatchSize messages, at most MaximumConcurrency batches at once, and invokes the function with each
 * (as the function's execution role: sqs:ReceiveMessage and kms:Decrypt through SQS, then
 * sqs:DeleteMessage). With ReportBatchItemFailures, the messages the function names in
 * `batchItemFailures` stay in the queue and become visible again after the queue's visibility timeout;
 * the others are deleted; a batch whose invocation throws stays whole. A message received more than the
 * redrive policy's maxReceiveCount times is moved to the dead-letter queue instead (SQS does that when
 * the message would be received once more). All on the simulated clock.
 *
 * The mapping, the queue's visibility timeout and its redrive policy are read from the deployed
 * template, so what runs here is what the stack configures. The simulated SQS keeps sent messages
 * only; what a receive changes (visibility, receive count, deletion) is kept here.
 *
 * Lambda developer guide, "Using Lambda with Amazon SQS" (batch item failures, scaling, permissions):
 * https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html
 */
import type { SimulatedAccount } from '../account/account.js';
import { kmsUse } from '../account/authorization-rule-kit.js';
import type { Caller } from '../account/authorizer.js';
import type { CloudFormationTemplate, TemplateValue } from '../deploy/cloudformation.js';
import type { DeployedStack } from '../deploy/deploy-template.js';

/** What the mapping and the queue are configured with. */
export interface QueuePollerSettings {
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly visibilityTimeoutSeconds: number;
  readonly batchSize: number;
  readonly maximumConcurrency: number;
  readonly reportBatchItemFailures: boolean;
  readonly deadLetter?: { readonly queueUrl: string; readonly maxReceiveCount: number };
}

interface Tracked {
  readonly messageId: string;
  readonly body: string;
  receiveCount: number;
  visibleAtMs: number;
  done: boolean;
}

/** SQS's default visibility timeout, when the queue sets none. */
const DEFAULT_VISIBILITY_TIMEOUT_SECONDS = 30;
/** Lambda's default BatchSize for SQS. */
const DEFAULT_BATCH_SIZE = 10;
/** An unset MaximumConcurrency lets the mapping scale up to 1,000 concurrent batches. */
const UNBOUNDED_CONCURRENCY = 1000;

export class QueuePoller {
  private readonly tracked = new Map<string, Tracked>();
  private loop: Promise<void> | undefined;
  private running = 0;
  /** The most batches ever in flight at once. */
  peakConcurrentBatches = 0;
  /** Invocations of the function. */
  invocations = 0;
  /** Message ids moved to the dead-letter queue. */
  readonly deadLettered: string[] = [];

  constructor(
    private readonly account: SimulatedAccount,
    readonly settings: QueuePollerSettings,
    private readonly caller: Caller,
    private readonly handler: (event: unknown) => Promise<unknown>,
    private readonly invocationLatencyMs: number,
  ) {}

  /**
   * The poller of the event source mapping that reads `queueArn` in the deployed stack, with the
   * mapping's function given as `caller` and `handler`.
   */
  static forQueue(options: {
    readonly account: SimulatedAccount;
    readonly template: CloudFormationTemplate;
    readonly stack: DeployedStack;
    readonly queueArn: string;
    readonly functionFor: (functionArn: string) => {
      readonly caller: Caller;
      readonly handler: (event: unknown) => Promise<unknown>;
    };
    readonly invocationLatencyMs: number;
  }): QueuePoller {
    const { template, stack, queueArn } = options;
    const resolve = (value: TemplateValue | undefined): string => {
      if (typeof value === 'string' || typeof value === 'number') return String(value);
      const intrinsic = (value ?? {}) as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
      if (intrinsic.Ref !== undefined) return stack.resources.get(intrinsic.Ref)?.ref ?? '';
      const [id = '', attribute = ''] = intrinsic['Fn::GetAtt'] ?? [];
      return stack.resources.get(id)?.attributes[attribute] ?? '';
    };
    const resources = Object.entries(template.Resources);
    const mapping = resources.find(
      ([, resource]) =>
        resource.Type === 'AWS::Lambda::EventSourceMapping' &&
        resolve(resource.Properties?.EventSourceArn) === queueArn,
    )?.[1].Properties;
    const queueEntry = resources.find(
      ([id, resource]) =>
        resource.Type === 'AWS::SQS::Queue' && stack.resources.get(id)?.attributes.Arn === queueArn,
    );
    if (!mapping || !queueEntry) throw new Error(`no event source mapping reads ${queueArn}`);
    const [queueId, queue] = queueEntry;
    const redrive = queue.Properties?.RedrivePolicy as
      | { deadLetterTargetArn?: TemplateValue; maxReceiveCount?: number }
      | undefined;
    const deadLetterArn = redrive ? resolve(redrive.deadLetterTargetArn) : undefined;
    const deadLetterId = resources.find(
      ([id]) => stack.resources.get(id)?.attributes.Arn === deadLetterArn,
    )?.[0];
    const scaling = mapping.ScalingConfig as { MaximumConcurrency?: number } | undefined;
    const fn = options.functionFor(resolve(mapping.FunctionName));
    return new QueuePoller(
      options.account,
      {
        queueUrl: stack.resources.get(queueId)?.ref ?? '',
        queueArn,
        visibilityTimeoutSeconds: Number(
          queue.Properties?.VisibilityTimeout ?? DEFAULT_VISIBILITY_TIMEOUT_SECONDS,
        ),
        batchSize: Number(mapping.BatchSize ?? DEFAULT_BATCH_SIZE),
        maximumConcurrency: Number(scaling?.MaximumConcurrency ?? UNBOUNDED_CONCURRENCY),
        reportBatchItemFailures: JSON.stringify(mapping.FunctionResponseTypes ?? []).includes(
          'ReportBatchItemFailures',
        ),
        ...(deadLetterId && redrive?.maxReceiveCount !== undefined
          ? {
              deadLetter: {
                queueUrl: stack.resources.get(deadLetterId)?.ref ?? '',
                maxReceiveCount: Number(redrive.maxReceiveCount),
              },
            }
          : {}),
      },
      fn.caller,
      fn.handler,
      options.invocationLatencyMs,
    );
  }

  /** A message was sent to the queue: poll until it is deleted or dead-lettered. */
  notify(): void {
    this.loop ??= this.poll().finally(() => {
      this.loop = undefined;
    });
  }

  /** Resolves once every message sent so far is deleted or dead-lettered. */
  async settled(): Promise<void> {
    while (this.loop) await this.loop;
  }

  /** Messages still in the queue (visible or in flight). */
  get pending(): number {
    this.sync();
    return [...this.tracked.values()].filter((message) => !message.done).length;
  }

  private sync(): void {
    for (const message of this.account.sqs.messages(this.settings.queueUrl)) {
      if (this.tracked.has(message.MessageId)) continue;
      this.tracked.set(message.MessageId, {
        messageId: message.MessageId,
        body: message.Body,
        receiveCount: 0,
        visibleAtMs: message.visibleAt.getTime(),
        done: false,
      });
    }
  }

  private async poll(): Promise<void> {
    const clock = this.account.clock;
    for (;;) {
      this.sync();
      const waiting = [...this.tracked.values()].filter((message) => !message.done);
      if (waiting.length === 0) return;
      const visible = waiting.filter((message) => message.visibleAtMs <= clock.nowMs());
      if (visible.length === 0) {
        const next = Math.min(...waiting.map((message) => message.visibleAtMs));
        await clock.sleep(Math.max(1, next - clock.nowMs()));
        continue;
      }
      const capacity = this.settings.maximumConcurrency * this.settings.batchSize;
      const received = visible.filter((message) => !this.redriven(message)).slice(0, capacity);
      const batches: Tracked[][] = [];
      for (let start = 0; start < received.length; start += this.settings.batchSize) {
        batches.push(received.slice(start, start + this.settings.batchSize));
      }
      await Promise.all(batches.map((batch) => this.invoke(batch)));
    }
  }

  /** SQS moves a message past maxReceiveCount to the dead-letter queue when it would be received again. */
  private redriven(message: Tracked): boolean {
    const deadLetter = this.settings.deadLetter;
    if (!deadLetter || message.receiveCount < deadLetter.maxReceiveCount) return false;
    this.account.sqs.sendMessage({ QueueUrl: deadLetter.queueUrl, MessageBody: message.body });
    message.done = true;
    this.deadLettered.push(message.messageId);
    return true;
  }

  private async invoke(batch: Tracked[]): Promise<void> {
    const { account, settings } = this;
    const nowMs = account.clock.nowMs();
    for (const message of batch) {
      message.receiveCount += 1;
      message.visibleAtMs = nowMs + settings.visibilityTimeoutSeconds * 1000;
    }
    this.running += 1;
    this.peakConcurrentBatches = Math.max(this.peakConcurrentBatches, this.running);
    try {
      await this.receiveAndInvoke(batch);
    } catch {
      // A refused receive or delete (recorded by the account): the messages stay, as in SQS.
    } finally {
      this.running -= 1;
    }
  }

  private async receiveAndInvoke(batch: Tracked[]): Promise<void> {
    const { account, settings } = this;
    const queue = account.sqs.queue(settings.queueUrl);
    await account.authorize(this.caller, 'SQS', 'ReceiveMessage', [
      { action: 'sqs:ReceiveMessage', resource: settings.queueArn, resourcePolicyArn: settings.queueArn },
      ...kmsUse(['kms:Decrypt'], queue?.keyArn, 'sqs', account.authorizationLookups, {
        'aws:sqs:arn': settings.queueArn,
      }),
    ]);
    await account.clock.sleep(this.invocationLatencyMs);
    this.invocations += 1;
    let failed: Set<string>;
    try {
      const response = (await this.handler({
        Records: batch.map((message) => ({
          messageId: message.messageId,
          receiptHandle: `${message.messageId}#${message.receiveCount}`,
          body: message.body,
          attributes: { ApproximateReceiveCount: String(message.receiveCount) },
          eventSource: 'aws:sqs',
          eventSourceARN: settings.queueArn,
          awsRegion: account.region,
        })),
      })) as { batchItemFailures?: { itemIdentifier?: string }[] } | undefined;
      failed = settings.reportBatchItemFailures
        ? new Set((response?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier ?? ''))
        : new Set();
    } catch {
      // The whole batch returns to the queue.
      failed = new Set(batch.map((message) => message.messageId));
    }
    const succeeded = batch.filter((message) => !failed.has(message.messageId));
    if (succeeded.length > 0) {
      await account.authorize(this.caller, 'SQS', 'DeleteMessage', [
        { action: 'sqs:DeleteMessage', resource: settings.queueArn, resourcePolicyArn: settings.queueArn },
      ]);
      for (const message of succeeded) message.done = true;
    }
  }
}
