/**
 * StartRemediation: reads the buffered finding events from the intake queue (an SQS event source
 * mapping with ReportBatchItemFailures) and starts one execution of the remediation state machine per
 * event, spaced per account and Region (shared/execution-spacing.ts says how the slots are kept).
 *
 * A message whose account and Region is full, or whose start failed, is reported as a batch item
 * failure: SQS makes it visible again after the queue's visibility timeout, and dead-letters it after
 * maxReceiveCount receives (stacks/finding-buffer.ts, docs/architecture.md "Bursts"). The execution name
 * derives from the event id, so a message received twice never starts two executions.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { errorName } from './shared/aws-errors.js';
import {
  findingExecutionName,
  grantSlots,
  holderHasEnded,
  parseStartSettings,
  releaseSlots,
  SLOT_EXPIRY_ATTRIBUTE,
  SLOT_LEASES_ATTRIBUTE,
  SLOT_TABLE_KEY,
  SLOT_VERSION_ATTRIBUTE,
  type SlotLeases,
  START_SETTINGS_VARIABLE,
  type StartSettings,
  slotExpirySeconds,
  spacingKey,
  spacingTarget,
} from './shared/execution-spacing.js';
import {
  describeHolder,
  executionPrefixOfStateMachine,
  type StepFunctionsClient,
  UNSEEN_EXECUTION_GRACE_SECONDS,
} from './shared/execution-status.js';
import { type LambdaContext, type Logger, lambdaLogger } from './shared/logger.js';
import type { DocumentClient } from './shared/notebook-locks.js';

const sqsEventSchema = z.looseObject({
  Records: z.array(
    z.looseObject({
      messageId: z.string(),
      body: z.string(),
      attributes: z.optional(z.looseObject({ ApproximateReceiveCount: z.optional(z.string()) })),
    }),
  ),
});

/**
 * Receives after which a message starts without a slot when the slot table cannot be read or written
 * (10 x the 180 s visibility timeout: half an hour). Spacing only keeps the APIs below their rates;
 * a DynamoDB outage must not hold findings back for the 50 hours until the dead-letter queue, with
 * nothing written on them. The execution's own lock and notes then say what happened.
 */
export const UNSPACED_AFTER_RECEIVES = 10;

export interface StartDependencies {
  readonly sfn: StepFunctionsClient;
  readonly dynamodb: DocumentClient;
  readonly settings: StartSettings;
  readonly now: () => Date;
  readonly logger: Logger;
}

/** What the event source mapping reads: the messages to receive again. */
export interface BatchResponse {
  readonly batchItemFailures: { readonly itemIdentifier: string }[];
}

interface Pending {
  readonly messageId: string;
  /** How often SQS has delivered the message, this time included. */
  readonly receiveCount: number;
  readonly name: string;
  readonly input: string;
  readonly eventId: string;
}

/** Conditional writes lost to another starter before the messages wait for their next receive. */
const WRITE_ATTEMPTS = 3;

export function createStartRemediationHandler(deps: StartDependencies) {
  const { sfn, dynamodb, settings, now, logger } = deps;
  const machinePrefix = executionPrefixOfStateMachine(settings.stateMachineArn);
  const describe = describeHolder(sfn, machinePrefix, now, (message, fields) => logger.warn(message, fields));

  async function readSlots(key: string): Promise<{ leases: SlotLeases; version: number }> {
    const read = await dynamodb.send(
      new GetCommand({
        TableName: settings.slotTableName,
        Key: { [SLOT_TABLE_KEY]: key },
        ConsistentRead: true,
      }),
    );
    const leases = (read.Item?.[SLOT_LEASES_ATTRIBUTE] ?? {}) as SlotLeases;
    return { leases, version: Number(read.Item?.[SLOT_VERSION_ATTRIBUTE] ?? 0) };
  }

  /** Writes the leases if nobody wrote since `version` was read; false when someone did. */
  async function writeSlots(key: string, leases: SlotLeases, version: number): Promise<boolean> {
    try {
      await dynamodb.send(
        new PutCommand({
          TableName: settings.slotTableName,
          Item: {
            [SLOT_TABLE_KEY]: key,
            [SLOT_LEASES_ATTRIBUTE]: leases,
            [SLOT_VERSION_ATTRIBUTE]: version + 1,
            [SLOT_EXPIRY_ATTRIBUTE]: slotExpirySeconds(now().getTime()),
          },
          ConditionExpression: version === 0 ? 'attribute_not_exists(#version)' : '#version = :version',
          ExpressionAttributeNames: { '#version': SLOT_VERSION_ATTRIBUTE },
          ...(version === 0 ? {} : { ExpressionAttributeValues: { ':version': version } }),
        }),
      );
      return true;
    } catch (error) {
      if (errorName(error) === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  /** The holders DescribeExecution says have ended (asked only when the account and Region is full). */
  async function endedHolders(leases: SlotLeases, nowMs: number): Promise<string[]> {
    const ended: string[] = [];
    for (const [name, takenMs] of Object.entries(leases)) {
      const status = await describe(`${machinePrefix}:${name}`);
      if (holderHasEnded(status, takenMs, nowMs, UNSEEN_EXECUTION_GRACE_SECONDS)) ended.push(name);
    }
    return ended;
  }

  /** Takes slots for as many names as fit; returns the names granted. */
  async function acquire(key: string, names: readonly string[]): Promise<Set<string>> {
    let reconciled = false;
    for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt += 1) {
      const { leases, version } = await readSlots(key);
      const nowMs = now().getTime();
      let grant = grantSlots(leases, names, settings.concurrencyPerAccountRegion, nowMs);
      if (grant.denied.length > 0 && !reconciled) {
        // Full: release the slots of executions that have ended since they took them.
        reconciled = true;
        const ended = await endedHolders(
          releaseSlots(
            grant.leases,
            grant.granted.filter((name) => leases[name] === undefined),
          ),
          nowMs,
        );
        grant = grantSlots(releaseSlots(leases, ended), names, settings.concurrencyPerAccountRegion, nowMs);
      }
      if (grant.granted.length === 0) return new Set();
      if (await writeSlots(key, grant.leases, version)) return new Set(grant.granted);
    }
    logger.warn('slots contended: the messages wait for their next receive', { accountRegion: key });
    return new Set();
  }

  /** Gives back the slots of `names` (their executions did not start, or had already ended). */
  async function release(key: string, names: readonly string[]): Promise<void> {
    for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt += 1) {
      const { leases, version } = await readSlots(key);
      if (!names.some((name) => leases[name] !== undefined)) return;
      if (await writeSlots(key, releaseSlots(leases, names), version)) return;
    }
    // Left to lapse with its lease, or to the next reconciliation: never over-counts for long.
    logger.warn('slots not released: they lapse with their lease', { accountRegion: key, names });
  }

  /** Starts the execution: 'existed' when one of the same name was started before (a redelivery). */
  async function start(pending: Pending): Promise<'started' | 'existed'> {
    try {
      await sfn.send(
        new StartExecutionCommand({
          stateMachineArn: settings.stateMachineArn,
          name: pending.name,
          input: pending.input,
        }),
      );
      return 'started';
    } catch (error) {
      // Same name: this event's execution was started before (a redelivered message).
      if (errorName(error) === 'ExecutionAlreadyExists') return 'existed';
      throw error;
    }
  }

  return async (event: unknown): Promise<BatchResponse> => {
    const records = sqsEventSchema.parse(event).Records;
    const failures: string[] = [];
    const groups = new Map<string, Pending[]>();
    for (const record of records) {
      let body: unknown;
      try {
        body = JSON.parse(record.body);
      } catch {
        // Not JSON: EventBridge never sends that. Left for the dead-letter queue.
        logger.error('message body is not JSON', { messageId: record.messageId });
        failures.push(record.messageId);
        continue;
      }
      const eventId =
        typeof (body as { id?: unknown }).id === 'string' ? (body as { id: string }).id : record.messageId;
      const key = spacingKey(spacingTarget(body));
      const pending = {
        messageId: record.messageId,
        receiveCount: Number(record.attributes?.ApproximateReceiveCount ?? '1') || 1,
        name: findingExecutionName(eventId),
        input: record.body,
        eventId,
      };
      groups.set(key, [...(groups.get(key) ?? []), pending]);
    }
    for (const [key, group] of groups) {
      let granted: Set<string>;
      let spaced = true;
      try {
        granted = await acquire(
          key,
          group.map((pending) => pending.name),
        );
      } catch (error) {
        // The slot table failed (after the SDK's retries): messages received often enough start
        // without a slot; the others wait for their next receive.
        spaced = false;
        granted = new Set(
          group
            .filter((pending) => pending.receiveCount >= UNSPACED_AFTER_RECEIVES)
            .map((pending) => pending.name),
        );
        logger.error('slot table unavailable: messages received often enough start unspaced', {
          accountRegion: key,
          error: errorName(error),
          unspaced: granted.size,
        });
      }
      const notStarted: string[] = [];
      for (const pending of group) {
        if (!granted.has(pending.name)) {
          failures.push(pending.messageId);
          continue;
        }
        try {
          // An execution that already existed keeps its slot: StartExecution answers an open one of the
          // same name and input as started, and ExecutionAlreadyExists for a closed one (or another
          // input); the reconciliation releases the slot once DescribeExecution sees it ended.
          const outcome = await start(pending);
          logger.info(outcome === 'started' ? 'remediation started' : 'remediation already started', {
            accountRegion: key,
            eventId: pending.eventId,
            executionName: pending.name,
          });
        } catch (error) {
          logger.warn('start failed: the message waits for its next receive', {
            accountRegion: key,
            eventId: pending.eventId,
            error: errorName(error),
          });
          notStarted.push(pending.name);
          failures.push(pending.messageId);
        }
      }
      if (spaced && notStarted.length > 0) {
        try {
          await release(key, notStarted);
        } catch (error) {
          // The slots lapse with their lease: the messages are received again either way.
          logger.warn('slots not released: they lapse with their lease', {
            accountRegion: key,
            error: errorName(error),
          });
        }
      }
    }
    const waiting = failures.length;
    if (waiting > 0) logger.info('messages left for their next receive', { count: waiting });
    return { batchItemFailures: failures.map((itemIdentifier) => ({ itemIdentifier })) };
  };
}

// Created once per container and reused across invocations.
const dynamodbClient = DynamoDBDocumentClient.from(new DynamoDBClient({ maxAttempts: 5 }));
const sfnClient = new SFNClient({ maxAttempts: 5 });
let deployedHandler: ((event: unknown) => Promise<BatchResponse>) | undefined;

const logger = lambdaLogger('start-remediation');

export async function handler(event: unknown, context?: LambdaContext): Promise<BatchResponse> {
  logger.addContext(context);
  deployedHandler ??= createStartRemediationHandler({
    dynamodb: dynamodbClient,
    sfn: sfnClient,
    settings: parseStartSettings(process.env[START_SETTINGS_VARIABLE]),
    now: () => new Date(),
    logger,
  });
  return deployedHandler(event);
}
