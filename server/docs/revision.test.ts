import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_JSON_DEPTH,
  canonicalJson,
  isRevision,
  nextRevision,
  parseRevision,
} from './revision.ts';

describe('canonicalJson', () => {
  it('sorts keys at every depth and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}',
    );
  });

  it('is independent of key insertion order', () => {
    expect(canonicalJson({ x: 1, y: 2, z: { p: 1, q: 2 } })).toBe(
      canonicalJson({ z: { q: 2, p: 1 }, y: 2, x: 1 }),
    );
  });

  it('sorts keys by UTF-16 code units, not by locale', () => {
    expect(canonicalJson({ b: 1, B: 2, é: 3, a: 4, '10': 5, '9': 6 })).toBe(
      '{"10":5,"9":6,"B":2,"a":4,"b":1,"é":3}',
    );
  });

  it('writes scalars, strings and escapes as JSON.stringify does', () => {
    for (const value of [0, -0, 1.5, 1e21, -3e-7, true, false, null, '', 'a"b\\c\n\u0001\u2028']) {
      expect(canonicalJson(value)).toBe(JSON.stringify(value));
    }
    expect(canonicalJson('\ud800')).toBe('"\\ud800"');
  });

  it('omits object properties that are undefined, as the stored JSON does', () => {
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
    expect(canonicalJson({ a: undefined })).toBe('{}');
  });

  it.each([
    ['undefined', undefined, '$: undefined'],
    ['a function', { f: () => 1 }, '$.f: function'],
    ['a symbol', [Symbol('s')], '$[0]: symbol'],
    ['a bigint', { n: 1n }, '$.n: bigint'],
    ['NaN', { n: [1, NaN] }, '$.n[1]: NaN'],
    ['Infinity', Infinity, '$: Infinity'],
    ['undefined in an array', [1, undefined], '$[1]: undefined'],
    // eslint-disable-next-line no-sparse-arrays
    ['a hole in an array', [1, , 3], '$[1]: undefined'],
    ['a Date', { at: new Date(0) }, '$.at: an instance of Date'],
    ['a Map', new Map(), '$: an instance of Map'],
    ['a Uint8Array', { b: new Uint8Array(2) }, '$.b: an instance of Uint8Array'],
  ])('rejects %s with its path', (_name, value, message) => {
    expect(() => canonicalJson(value)).toThrow(new TypeError(`not a JSON value at ${message}`));
  });

  it('rejects cycles', () => {
    const a: Record<string, unknown> = { x: 1 };
    a.self = { back: a };
    expect(() => canonicalJson(a)).toThrow(/not a JSON value at \$\.self\.back: a cycle/);
  });

  it('accepts the same object twice when it is not a cycle', () => {
    const shared = { k: 1 };
    expect(canonicalJson({ a: shared, b: [shared] })).toBe('{"a":{"k":1},"b":[{"k":1}]}');
  });

  it('accepts objects without a prototype', () => {
    const bare = Object.create(null) as Record<string, unknown>;
    bare.b = 2;
    bare.a = 1;
    expect(canonicalJson(bare)).toBe('{"a":1,"b":2}');
  });

  it('refuses nesting deeper than MAX_JSON_DEPTH instead of overflowing the stack', () => {
    const nest = (depth: number): unknown => {
      let value: unknown = 0;
      for (let i = 0; i < depth; i++) value = [value];
      return value;
    };
    expect(() => canonicalJson(nest(MAX_JSON_DEPTH))).not.toThrow();
    expect(() => canonicalJson(nest(MAX_JSON_DEPTH + 1))).toThrow(/nesting deeper than/);
    expect(() => canonicalJson(nest(100_000))).toThrow(TypeError);
  });

  it('round-trips: parsing the canonical form and canonicalising again changes nothing', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = canonicalJson(value);
        expect(canonicalJson(JSON.parse(text))).toBe(text);
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
  });
});

describe('nextRevision', () => {
  const sha = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 32);

  it('starts at generation 1 and hashes previous, deleted flag and canonical body', () => {
    const rev = nextRevision(null, { b: 2, a: 1 }, false);
    expect(rev).toBe(`1-${sha('\nfalse\n{"a":1,"b":2}')}`);
    expect(nextRevision(undefined, { a: 1, b: 2 }, false)).toBe(rev);
  });

  it('increments the generation and chains on the previous revision', () => {
    const first = nextRevision(null, { n: 1 }, false);
    const second = nextRevision(first, { n: 2 }, false);
    expect(second).toBe(`2-${sha(`${first}\nfalse\n{"n":2}`)}`);
    expect(nextRevision(second, {}, true)).toBe(`3-${sha(`${second}\ntrue\n{}`)}`);
    expect(nextRevision('41-' + 'a'.repeat(32), {}, false)).toMatch(/^42-[0-9a-f]{32}$/);
  });

  it('is deterministic and depends on every input', () => {
    const base = nextRevision('1-' + '0'.repeat(32), { a: 1 }, false);
    expect(nextRevision('1-' + '0'.repeat(32), { a: 1 }, false)).toBe(base);
    expect(nextRevision('1-' + '1'.repeat(32), { a: 1 }, false)).not.toBe(base);
    expect(nextRevision('1-' + '0'.repeat(32), { a: 2 }, false)).not.toBe(base);
    expect(nextRevision('1-' + '0'.repeat(32), { a: 1 }, true)).not.toBe(base);
  });

  it('rejects a malformed previous revision and a non-JSON body', () => {
    for (const bad of ['', '1', '0-' + 'a'.repeat(32), '1-' + 'A'.repeat(32), '1-abc', 'x-y']) {
      expect(() => nextRevision(bad, {}, false)).toThrow(TypeError);
    }
    expect(() => nextRevision(null, { n: NaN }, false)).toThrow(TypeError);
  });
});

describe('parseRevision', () => {
  it('parses well-formed revisions only', () => {
    expect(parseRevision('12-' + 'f'.repeat(32))).toEqual({ generation: 12, hash: 'f'.repeat(32) });
    expect(isRevision('1-' + '0'.repeat(32))).toBe(true);
    for (const bad of [undefined, null, 3, '01-' + '0'.repeat(32), '1-' + '0'.repeat(31)]) {
      expect(parseRevision(bad)).toBeUndefined();
      expect(isRevision(bad)).toBe(false);
    }
    expect(parseRevision('99999999999999999-' + '0'.repeat(32))).toBeUndefined();
  });
});
