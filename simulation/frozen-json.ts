/**
 * Values the simulation shares between deployments instead of copying for each: frozen all the way
 * down, so that a caller that tries to change one fails at once (strict mode) rather than changing
 * what every other deployment reads.
 */

/** Freezes `value` and all it holds; an object already frozen is taken as frozen all the way down. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

/**
 * Parses JSON texts once each, keeping the last `capacity` of them: a synthesized template or a state
 * machine definition (about 180 KB) is the same text in every deployment of one configuration, and
 * parsing it again, with the garbage that leaves, was about a fifth of a deployment's time.
 */
export class FrozenJsonCache {
  private readonly parsed = new Map<string, unknown>();

  constructor(private readonly capacity: number) {}

  /** `JSON.parse(text)`, deep-frozen, the same object for the same text while it is kept. */
  parse(text: string): unknown {
    if (this.parsed.has(text)) {
      const known = this.parsed.get(text);
      // Most recently used last: the oldest is the first to go.
      this.parsed.delete(text);
      this.parsed.set(text, known);
      return known;
    }
    const value = deepFreeze(JSON.parse(text) as unknown);
    this.parsed.set(text, value);
    if (this.parsed.size > this.capacity) {
      const oldest = this.parsed.keys().next().value;
      if (oldest !== undefined) this.parsed.delete(oldest);
    }
    return value;
  }
}
