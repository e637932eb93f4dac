/**
 * The demo's timeline: every execution's steps, merged and sorted by simulated time, one line each
 * with its result ("StopNotebook → Stopping", "WaitForNotebookToStop → Stopped after 1:00"), prefixed
 * with the execution's finding. A Wait and the status checks that follow it are one step: the wait is
 * over when the last check saw the status. Choices, Passes (a Map's inner ones included) and Maps are
 * the definition's plumbing and are not shown. Pure, over the runner's records.
 */
import type { State } from '../statemachines/amazon-states-language.js';
import { LAMBDA_INVOKE, parseSdkIntegration } from '../statemachines/amazon-states-language.js';

/** What a timeline needs of a transition (the runner's TransitionRecord). */
export interface TimelineTransition {
  readonly state: string;
  readonly type: State['Type'];
  readonly at: Date;
  readonly ended?: { readonly result: unknown } | { readonly error: string };
}

export interface TimelineExecution {
  /** Who it is about, e.g. "SageMaker.3 research-notebook". */
  readonly label: string;
  readonly transitions: readonly TimelineTransition[];
  readonly stoppedAt?: Date | undefined;
  /** How it ended, in words ("RESOLVED", "NOTIFIED: exempt"). */
  readonly ending: string;
}

/** Something that happened outside the state machine (a security engineer's click). */
export interface TimelineEvent {
  readonly at: Date;
  readonly label: string;
  readonly text: string;
}

export interface TimelineLine {
  readonly at: Date;
  readonly label: string;
  readonly text: string;
}

/** The API a Task calls: an AWS SDK integration, a call the member-api-call function makes, or a function. */
export interface TaskCall {
  readonly service: string;
  readonly action: string;
  /** The Task waits for SendTaskSuccess: its result is what the token was answered with. */
  readonly waitsForToken: boolean;
}

export function taskCallOf(state: State | undefined): TaskCall | undefined {
  if (state?.Type !== 'Task') return undefined;
  const integration = parseSdkIntegration(state.Resource);
  if (integration) {
    const { service, action, waitForTaskToken } = integration;
    return { service, action, waitsForToken: waitForTaskToken };
  }
  const { service, action } = (state.Parameters ?? {}) as { service?: unknown; action?: unknown };
  // The member-api-call function names the call it makes in its Parameters.
  if (typeof service === 'string' && typeof action === 'string')
    return { service, action, waitsForToken: false };
  if (state.Resource === LAMBDA_INVOKE || state.Resource.startsWith('arn:aws:lambda:')) {
    return { service: 'lambda', action: 'invoke', waitsForToken: false };
  }
  return undefined;
}

/** Calls that only read: after a Wait they are the status checks of that wait. */
export function isObservation(call: TaskCall | undefined): boolean {
  return call !== undefined && call.service !== 'lambda' && /^(describe|list|get|head)/.test(call.action);
}

/** The status SageMaker reports as soon as the call returns. */
const STATUS_AFTER_CALL: Readonly<Record<string, string>> = {
  stopNotebookInstance: 'Stopping',
  startNotebookInstance: 'Pending',
  updateNotebookInstance: 'Updating',
  deleteNotebookInstance: 'Deleting',
  createNotebookInstance: 'Pending',
  updateEndpoint: 'Updating',
};

const WORD_KEYS = ['action', 'remediation', 'outcome', 'status', 'decision'];

/**
 * The words a function's payload (or a token's answer) gives about itself: what it decided (and for
 * an annotation, its outcome), else its outcome or status.
 */
function payloadWords(payload: unknown): string | undefined {
  const found = new Map<string, string>();
  let level: unknown[] = [payload];
  for (let depth = 0; depth < 3 && level.length > 0; depth += 1) {
    const next: unknown[] = [];
    for (const value of level) {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) continue;
      for (const [key, field] of Object.entries(value)) {
        if (typeof field === 'string' && WORD_KEYS.includes(key) && !found.has(key)) found.set(key, field);
        else if (typeof field === 'object') next.push(field);
      }
    }
    level = next;
  }
  const action = found.get('action');
  const words =
    action === undefined
      ? [found.get('outcome') ?? found.get('status') ?? found.get('decision')]
      : [action, found.get('remediation'), action === 'annotate' ? found.get('outcome') : undefined];
  const said = words.filter((word): word is string => word !== undefined && word !== 'none');
  return said.length > 0 ? said.join(' ') : undefined;
}

/** A Task's result in a few words, when it has something to say. */
export function resultWords(
  call: TaskCall | undefined,
  ended: TimelineTransition['ended'],
): string | undefined {
  if (ended === undefined) return undefined;
  if ('error' in ended) return `error ${ended.error}`;
  const { result } = ended;
  if (call?.service === 'lambda') {
    const payload = (result as { Payload?: unknown } | null)?.Payload ?? result;
    return payloadWords(payload);
  }
  if (call?.waitsForToken) return payloadWords(result);
  const afterCall = call === undefined ? undefined : STATUS_AFTER_CALL[call.action];
  if (afterCall) return afterCall;
  if (typeof result !== 'object' || result === null) return undefined;
  const fields = Object.entries(result);
  const status = fields.find(([key, value]) => /(Status|State)$/.test(key) && typeof value === 'string');
  if (status) return String(status[1]);
  const record = result as Record<string, unknown>;
  if (typeof record.KeyCount === 'number')
    return `${record.KeyCount} object${record.KeyCount === 1 ? '' : 's'}`;
  if (Array.isArray(record.ProcessedFindings) && Array.isArray(record.UnprocessedFindings)) {
    const unprocessed = record.UnprocessedFindings.length;
    return `${record.ProcessedFindings.length} updated${unprocessed > 0 ? `, ${unprocessed} unprocessed` : ''}`;
  }
  if (call?.action === 'publish') return 'published';
  const lists = fields.filter(([key, value]) => Array.isArray(value) && key !== 'NextToken');
  const [list] = lists;
  if (list && lists.length === 1 && isObservation(call)) return `${(list[1] as unknown[]).length} found`;
  const arn = fields.find(([key, value]) => key.endsWith('Arn') && typeof value === 'string');
  return arn ? String(arn[1]).split('/').pop() : undefined;
}

/** 1:32, or 1:02:03 from an hour on. */
export function duration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  const [hours, minutes, rest] = [
    Math.floor(seconds / 3600),
    Math.floor((seconds % 3600) / 60),
    seconds % 60,
  ];
  const mmss = `${String(minutes).padStart(hours > 0 ? 2 : 1, '0')}:${String(rest).padStart(2, '0')}`;
  return hours > 0 ? `${hours}:${mmss}` : mmss;
}

/** T+05:01 from the demo's start, T+1:05:01 from an hour on. */
export function offset(at: Date, startMs: number): string {
  const seconds = Math.max(0, Math.round((at.getTime() - startMs) / 1000));
  const text = duration(seconds * 1000);
  return `T+${seconds < 600 ? `0${text}` : text}`;
}

const isPlumbing = (transition: TimelineTransition) =>
  transition.type === 'Choice' || transition.type === 'Pass';

/**
 * A poll from the Wait at `start`: the Wait, the Choices and Passes around it, at most one status
 * check, and again from the same Wait if it comes back. Its last transition, and its last check.
 */
function pollOf(
  transitions: readonly TimelineTransition[],
  start: number,
  callOf: (state: string) => TaskCall | undefined,
): { last: number; check?: TimelineTransition } {
  const wait = transitions[start]?.state;
  let last = start;
  let check: TimelineTransition | undefined;
  let next = start + 1;
  for (;;) {
    while (next < transitions.length && isPlumbing(transitions[next] as TimelineTransition)) next += 1;
    const candidate = transitions[next];
    if (candidate?.type === 'Task' && isObservation(callOf(candidate.state))) {
      check = candidate;
      last = next;
      next += 1;
      while (next < transitions.length && isPlumbing(transitions[next] as TimelineTransition)) next += 1;
    }
    if (transitions[next]?.state !== wait || next >= transitions.length) break;
    last = next;
    next += 1;
  }
  return check ? { last, check } : { last };
}

/** One execution's steps, each at the time its result was known. */
export function executionSteps(
  execution: TimelineExecution,
  callOf: (state: string) => TaskCall | undefined,
): TimelineLine[] {
  const { transitions, label } = execution;
  const lines: TimelineLine[] = [];
  const endOf = (index: number) =>
    transitions[index + 1]?.at ?? execution.stoppedAt ?? transitions[index]?.at;
  let index = 0;
  while (index < transitions.length) {
    const step = transitions[index] as TimelineTransition;
    if (step.type === 'Wait') {
      // The wait and the status check after it, again while the same wait comes back (a poll).
      const { last, check } = pollOf(transitions, index, callOf);
      const at = check?.at ?? endOf(index) ?? step.at;
      const seen =
        check === undefined ? 'waited' : (resultWords(callOf(check.state), check.ended) ?? 'checked');
      lines.push({
        at,
        label,
        text: `${step.state} → ${seen} after ${duration(at.getTime() - step.at.getTime())}`,
      });
      index = last + 1;
      continue;
    }
    if (step.type === 'Task') {
      const at = endOf(index) ?? step.at;
      const words = resultWords(callOf(step.state), step.ended);
      const took = at.getTime() - step.at.getTime();
      // Only a long Task says how long it took: an approval, a copy.
      const after = took >= 60_000 ? ` after ${duration(took)}` : '';
      lines.push({ at, label, text: words === undefined ? step.state : `${step.state} → ${words}${after}` });
    }
    index += 1;
  }
  if (execution.stoppedAt)
    lines.push({
      at: execution.stoppedAt,
      label,
      text: `(execution ends; its finding: ${execution.ending})`,
    });
  return lines;
}

/**
 * Every execution's steps and the events, in time order: at the same instant an event comes first (an
 * approval before the wait it ends), then executions in the order given, each in its own order.
 */
export function mergeTimeline(
  executions: readonly TimelineExecution[],
  events: readonly TimelineEvent[],
  callOf: (state: string) => TaskCall | undefined,
): TimelineLine[] {
  const all = [...events, ...executions.flatMap((execution) => executionSteps(execution, callOf))];
  // Array.prototype.sort is stable: ties keep the order above.
  return all.sort((a, b) => a.at.getTime() - b.at.getTime());
}

export function formatTimeline(lines: readonly TimelineLine[], startMs: number): string[] {
  const width = Math.max(0, ...lines.map((line) => line.label.length));
  return lines.map((line) => `${offset(line.at, startMs)}  ${line.label.padEnd(width)}  ${line.text}`);
}

/** The line stderr gets every few seconds of a long run, so the demo is never silent. */
export function progressLine(nowMs: number, startMs: number, running: number, ended: number): string {
  const simulated = offset(new Date(nowMs), startMs);
  return `demo: simulated ${simulated}, ${running} execution${running === 1 ? '' : 's'} running, ${ended} ended`;
}
