/**
 * Deterministic virtual time for the simulated account.
 *
 * Nothing in the simulation waits for real time: `sleep` registers a timer, and once the process has
 * nothing else to do (all microtasks run, every concurrent execution has registered its own timer)
 * the clock jumps to the earliest timer and resolves it. Runs are therefore fast and repeatable.
 */

export const DEFAULT_START_TIME = '2026-11-23T09:00:00.000Z';

interface PendingTimer {
  readonly dueMs: number;
  /** Registration order, so that timers due at the same instant resolve first-come first-served. */
  readonly sequence: number;
  readonly resolve: () => void;
}

export interface SimulatedClockOptions {
  /** ISO time or Date the clock starts at. */
  readonly start?: string | Date;
}

export class SimulatedClock {
  private currentMs: number;
  private readonly timers: PendingTimer[] = [];
  private nextSequence = 0;
  private drainScheduled = false;
  /** Work in progress that waits on real I/O (see `hold`): time does not move meanwhile. */
  private holds = 0;

  constructor(options: SimulatedClockOptions = {}) {
    const start = options.start ?? DEFAULT_START_TIME;
    this.currentMs = typeof start === 'string' ? Date.parse(start) : start.getTime();
    if (Number.isNaN(this.currentMs)) {
      throw new Error(`SimulatedClock: invalid start time ${String(start)}`);
    }
  }

  now(): Date {
    return new Date(this.currentMs);
  }

  nowMs(): number {
    return this.currentMs;
  }

  /** Number of sleepers still waiting; useful to assert that a run left nothing behind. */
  get pendingTimers(): number {
    return this.timers.length;
  }

  /**
   * Moves time forward by hand. Timers that become due resolve on the next drains, in due order,
   * without moving time back.
   */
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) {
      throw new Error(`SimulatedClock.advance: ms must be a finite number >= 0, got ${ms}`);
    }
    this.currentMs += ms;
    if (this.timers.length > 0) {
      this.scheduleDrain();
    }
  }

  /**
   * Resolves after `ms` of virtual time. `sleep(0)` resolves at once without touching the timer queue.
   * Aborting `signal` removes the timer (so it can never move time) and resolves the sleep at once.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (!Number.isFinite(ms) || ms < 0) {
      throw new Error(`SimulatedClock.sleep: ms must be a finite number >= 0, got ${ms}`);
    }
    if (ms === 0 || signal?.aborted) {
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const timer: PendingTimer = { dueMs: this.currentMs + ms, sequence: this.nextSequence++, resolve };
      this.insert(timer);
      this.scheduleDrain();
      signal?.addEventListener(
        'abort',
        () => {
          const index = this.timers.indexOf(timer);
          if (index >= 0) this.timers.splice(index, 1);
          resolve();
        },
        { once: true },
      );
    });
  }

  /**
   * Runs work that may wait on real I/O (a file read, say) without letting virtual time move until it
   * is done: otherwise the process would look idle and a later timer could fire first.
   */
  async hold<T>(work: () => Promise<T>): Promise<T> {
    this.holds += 1;
    try {
      return await work();
    } finally {
      this.holds -= 1;
      if (this.timers.length > 0) this.scheduleDrain();
    }
  }

  private insert(timer: PendingTimer): void {
    // Sorted insert from the back: most new timers are the latest, and ties keep registration order.
    let index = this.timers.length;
    while (index > 0) {
      const previous = this.timers[index - 1];
      if (previous === undefined || previous.dueMs <= timer.dueMs) {
        break;
      }
      index -= 1;
    }
    this.timers.splice(index, 0, timer);
  }

  private scheduleDrain(): void {
    if (this.drainScheduled) {
      return;
    }
    this.drainScheduled = true;
    // setImmediate runs after every pending microtask, so concurrent executions register their
    // timers before time moves; resolving one timer per drain lets its continuation do the same.
    setImmediate(() => {
      this.drainScheduled = false;
      if (this.holds > 0) {
        // Real I/O is still pending: look again once it has had a chance to complete.
        setTimeout(() => this.scheduleDrain(), 1);
        return;
      }
      this.drainOne();
    });
  }

  private drainOne(): void {
    const timer = this.timers.shift();
    if (timer === undefined) {
      return;
    }
    this.currentMs = Math.max(this.currentMs, timer.dueMs);
    timer.resolve();
    if (this.timers.length > 0) {
      this.scheduleDrain();
    }
  }
}
