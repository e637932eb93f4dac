import { createHash } from 'node:crypto';

/** A UUID-shaped id derived from a seed, so that ids tests assert on never depend on Math.random. */
export function deterministicUuid(seed: string): string {
  const hex = createHash('sha256').update(seed).digest('hex');
  const variant = ((Number.parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return [
    hex.slice(0, 8),
    hex.slice(8, 12),
    `4${hex.slice(13, 16)}`,
    `${variant}${hex.slice(17, 20)}`,
    hex.slice(20, 32),
  ].join('-');
}

/** A lowercase hex id of the given length derived from a seed (network interface ids and the like). */
export function deterministicHex(seed: string, length: number): string {
  return createHash('sha256').update(seed).digest('hex').slice(0, length);
}

/** Produces a fresh deterministic id per call: `prefix-1`, `prefix-2`... hashed into UUID form. */
export class IdSequence {
  private counter = 0;

  constructor(private readonly prefix: string) {}

  next(): string {
    this.counter += 1;
    return deterministicUuid(`${this.prefix}-${this.counter}`);
  }
}
