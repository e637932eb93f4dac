import { describe, expect, it } from 'vitest';
import { deepFreeze, FrozenJsonCache } from '../../simulation/frozen-json.js';

describe('JSON texts parsed once and shared frozen', () => {
  it('Given a text parsed before, When it is parsed again, Then the caller gets the same object, frozen all the way down', () => {
    const cache = new FrozenJsonCache(2);
    const first = cache.parse('{"a":{"b":[1,{"c":2}]}}') as { a: { b: [number, { c: number }] } };

    expect(cache.parse('{"a":{"b":[1,{"c":2}]}}')).toBe(first);
    expect(Object.isFrozen(first.a.b[1])).toBe(true);
    expect(() => {
      first.a.b[1].c = 3;
    }).toThrow(TypeError);
  });

  it('Given more texts than it keeps, When the least recently used is asked for again, Then it is parsed anew and the others stay', () => {
    const cache = new FrozenJsonCache(2);
    const one = cache.parse('{"n":1}');
    const two = cache.parse('{"n":2}');
    cache.parse('{"n":1}');
    cache.parse('{"n":3}');

    expect(cache.parse('{"n":1}')).toBe(one);
    expect(cache.parse('{"n":2}')).not.toBe(two);
    expect(cache.parse('{"n":2}')).toEqual(two);
  });

  it('Given a parsed value, When it is deep-frozen, Then its nested objects and arrays are frozen too', () => {
    const value = deepFreeze(
      JSON.parse('{"list":[{"deep":[true]}],"empty":{}}') as { list: [{ deep: [boolean] }] },
    );

    expect(Object.isFrozen(value.list)).toBe(true);
    expect(Object.isFrozen(value.list[0].deep)).toBe(true);
  });
});
