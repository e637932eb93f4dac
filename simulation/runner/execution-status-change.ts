/**
 * The event Step Functions sends to EventBridge when a Standard execution's status changes (here, when
 * it ends), in the shape the Step Functions developer guide gives: source aws.states, detail-type
 * "Step Functions Execution Status Change", and the execution's ARN, name, status, dates, input and
 * output (as JSON text) and error and cause.
 */
import { createHash } from 'node:crypto';
import type { EventBridgeEvent } from '../account/event-bus.js';
import type { ExecutionRecord } from './running-execution.js';

/** Input and output beyond this are left out (an event must fit EventBridge's 256 KB with its envelope). */
const MAX_INCLUDED_BYTES = 248 * 1024;

function included(value: unknown): { text: string | null; included: boolean } {
  if (value === undefined) return { text: null, included: true };
  const text = JSON.stringify(value);
  return Buffer.byteLength(text, 'utf8') <= MAX_INCLUDED_BYTES
    ? { text, included: true }
    : { text: null, included: false };
}

export function executionStatusChange(
  record: ExecutionRecord,
  stateMachineArn: string,
  where: { readonly accountId: string; readonly region: string },
): EventBridgeEvent {
  const input = included(record.input);
  const output = included(record.status === 'SUCCEEDED' ? record.output : undefined);
  const stopped = record.stoppedAt ?? record.startedAt;
  return {
    version: '0',
    id: createHash('sha256')
      .update(`${record.executionArn}:${record.status}`)
      .digest('hex')
      .replace(/^(.{8})(.{4})(.{4})(.{4})(.{12}).*$/, '$1-$2-$3-$4-$5'),
    'detail-type': 'Step Functions Execution Status Change',
    source: 'aws.states',
    account: where.accountId,
    region: where.region,
    time: stopped.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    resources: [record.executionArn],
    detail: {
      executionArn: record.executionArn,
      stateMachineArn,
      name: record.name,
      status: record.status,
      startDate: record.startedAt.getTime(),
      stopDate: record.stoppedAt ? record.stoppedAt.getTime() : null,
      input: input.text,
      output: output.text,
      inputDetails: { included: input.included },
      outputDetails: { included: output.included },
      error: record.error ?? null,
      cause: record.cause ?? null,
    },
  };
}
