/**
 * The default EventBridge bus: rules with event patterns and in-process targets.
 *
 * Delivery is asynchronous, after the producing call has returned, as with EventBridge; a target's
 * failure never reaches the producer, but `settled()` reports it so tests cannot miss it.
 */

import type { SimulatedClock } from './clock.js';
import { matchesEventPattern, validateEventPattern } from './event-pattern.js';

export interface EventBridgeEvent {
  version: string;
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  region: string;
  time: string;
  resources: string[];
  detail: Record<string, unknown>;
}

export type EventTarget = (event: EventBridgeEvent) => void | Promise<void>;

export interface EventDelivery {
  readonly rule: string;
  readonly event: EventBridgeEvent;
  readonly at: Date;
}

export interface SimulatedEventBusOptions {
  /** Virtual delay between PutEvents and delivery (EventBridge typically takes well under a second). */
  readonly deliveryDelayMs?: number;
}

interface Rule {
  readonly name: string;
  readonly pattern: Record<string, unknown>;
  readonly target: EventTarget;
}

export class SimulatedEventBus {
  private readonly rules: Rule[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private readonly failures: unknown[] = [];
  private readonly deliveryDelayMs: number;
  /** Every event put on the bus, in order. */
  readonly events: EventBridgeEvent[] = [];
  /** Every delivery to a rule's target, in order. */
  readonly deliveries: EventDelivery[] = [];

  constructor(
    private readonly clock: SimulatedClock,
    options: SimulatedEventBusOptions = {},
  ) {
    this.deliveryDelayMs = options.deliveryDelayMs ?? 0;
  }

  /** Adds a rule; an invalid pattern throws as PutRule would refuse it. */
  addRule(name: string, pattern: Record<string, unknown>, target: EventTarget): void {
    if (this.rules.some((rule) => rule.name === name)) {
      throw new Error(`A rule named ${name} already exists on the simulated bus`);
    }
    validateEventPattern(pattern);
    this.rules.push({ name, pattern: structuredClone(pattern), target });
  }

  removeRule(name: string): void {
    const index = this.rules.findIndex((rule) => rule.name === name);
    if (index >= 0) {
      this.rules.splice(index, 1);
    }
  }

  /** Names of the rules whose pattern matches the event (what TestEventPattern answers per rule). */
  matchingRules(event: EventBridgeEvent): string[] {
    return this.rules.filter((rule) => matchesEventPattern(rule.pattern, event)).map((rule) => rule.name);
  }

  putEvent(event: EventBridgeEvent): void {
    // Targets get their own copy, as they would receive serialised JSON.
    const snapshot = structuredClone(event);
    this.events.push(snapshot);
    for (const rule of this.rules) {
      if (matchesEventPattern(rule.pattern, snapshot)) {
        this.deliver(rule, structuredClone(snapshot));
      }
    }
  }

  /**
   * Waits until every delivery (including ones caused by deliveries) has finished, then throws an
   * AggregateError if any target failed since the last call.
   */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) {
      await Promise.allSettled([...this.inFlight]);
    }
    if (this.failures.length > 0) {
      const failures = this.failures.splice(0);
      throw new AggregateError(failures, `${failures.length} event delivery(ies) failed`);
    }
  }

  private deliver(rule: Rule, event: EventBridgeEvent): void {
    const run = async (): Promise<void> => {
      if (this.deliveryDelayMs > 0) {
        await this.clock.sleep(this.deliveryDelayMs);
      } else {
        await Promise.resolve();
      }
      this.deliveries.push({ rule: rule.name, event, at: this.clock.now() });
      await rule.target(event);
    };
    const delivery = run().catch((error: unknown) => {
      this.failures.push(error);
    });
    this.inFlight.add(delivery);
    void delivery.finally(() => this.inFlight.delete(delivery));
  }
}
