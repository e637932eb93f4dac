import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../simulation/account/clock.js';

describe('SimulatedClock', () => {
  it('starts at 2026-11-23T09:00:00Z unless told otherwise', () => {
    // Given / When
    const defaultClock = new SimulatedClock();
    const customClock = new SimulatedClock({ start: '2027-01-01T00:00:00.000Z' });

    // Then
    expect(defaultClock.now().toISOString()).toBe('2026-11-23T09:00:00.000Z');
    expect(customClock.nowMs()).toBe(Date.parse('2027-01-01T00:00:00.000Z'));
  });

  it('sleep jumps virtual time to the timer without waiting in real time', async () => {
    // Given
    const clock = new SimulatedClock();
    const realStart = Date.now();

    // When
    await clock.sleep(3_600_000);

    // Then
    expect(clock.now().toISOString()).toBe('2026-11-23T10:00:00.000Z');
    expect(Date.now() - realStart).toBeLessThan(1_000);
  });

  it('sleep(0) resolves without moving time or queueing a timer', async () => {
    // Given
    const clock = new SimulatedClock();

    // When
    const sleeping = clock.sleep(0);
    const pending = clock.pendingTimers;
    await sleeping;

    // Then
    expect(pending).toBe(0);
    expect(clock.nowMs()).toBe(Date.parse('2026-11-23T09:00:00.000Z'));
  });

  it('concurrent sleepers wake in due order, each seeing its own due time', async () => {
    // Given
    const clock = new SimulatedClock();
    const wakeUps: string[] = [];
    const execution = async (name: string, delays: number[]): Promise<void> => {
      for (const delay of delays) {
        await clock.sleep(delay);
        wakeUps.push(`${name}@${clock.nowMs() - Date.parse('2026-11-23T09:00:00.000Z')}`);
      }
    };

    // When
    await Promise.all([execution('a', [100, 100, 100]), execution('b', [150, 50]), execution('c', [250])]);

    // Then
    expect(wakeUps).toEqual(['a@100', 'b@150', 'a@200', 'b@200', 'c@250', 'a@300']);
  });

  it('timers due at the same instant resolve in registration order', async () => {
    // Given
    const clock = new SimulatedClock();
    const order: number[] = [];

    // When
    await Promise.all([1, 2, 3, 4].map((index) => clock.sleep(500).then(() => order.push(index))));

    // Then
    expect(order).toEqual([1, 2, 3, 4]);
    expect(clock.nowMs() - Date.parse('2026-11-23T09:00:00.000Z')).toBe(500);
  });

  it('an execution that registers its timer in a later microtask still runs before time moves on', async () => {
    // Given: b reaches its sleep only after several awaits, as an SDK call chain would
    const clock = new SimulatedClock();
    const order: string[] = [];
    const late = async (): Promise<void> => {
      for (let index = 0; index < 20; index += 1) {
        await Promise.resolve();
      }
      await clock.sleep(10);
      order.push('late@10');
    };

    // When
    await Promise.all([clock.sleep(20).then(() => order.push('early@20')), late()]);

    // Then
    expect(order).toEqual(['late@10', 'early@20']);
  });

  it('two identical runs produce the same interleaving', async () => {
    // Given
    const run = async (): Promise<string[]> => {
      const clock = new SimulatedClock();
      const log: string[] = [];
      const worker = async (name: string, step: number): Promise<void> => {
        for (let index = 0; index < 5; index += 1) {
          await clock.sleep(step);
          log.push(`${name}${clock.nowMs() % 100_000}`);
        }
      };
      await Promise.all([worker('x', 30), worker('y', 20), worker('z', 30)]);
      return log;
    };

    // When
    const first = await run();
    const second = await run();

    // Then
    expect(second).toEqual(first);
  });

  it('advance moves time by hand and releases the timers that became due, in order', async () => {
    // Given
    const clock = new SimulatedClock();
    const woke: string[] = [];
    const first = clock.sleep(1_000).then(() => woke.push(`first@${clock.nowMs() % 100_000}`));
    const second = clock.sleep(2_000).then(() => woke.push(`second@${clock.nowMs() % 100_000}`));

    // When
    clock.advance(5_000);
    await Promise.all([first, second]);

    // Then: time never goes back to the timers' due times
    expect(woke).toEqual(['first@5000', 'second@5000']);
  });

  it('rejects negative or infinite durations', () => {
    // Given
    const clock = new SimulatedClock();

    // When / Then
    expect(() => clock.advance(-1)).toThrow(/advance/);
    expect(() => clock.sleep(Number.POSITIVE_INFINITY)).toThrow(/sleep/);
  });
});
