// The fast path of a JSON body that arrives whole (json-whole.ts) changes nothing but speed: the
// body as one chunk gives what the streaming path gives (the same records in the same batches,
// or the same error at the same line and byte) — for every fixture, every truncation of the
// small ones, and generated bodies, malformed ones included. And it is taken when it can be.
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { IngestFormat } from '../types.ts';
import { parseRecords, type RecordParseOptions } from './index.ts';
import {
  RECEIVED_AT,
  chunked,
  fixtureBytes,
  fixtureCases,
  outcome,
  utf8,
} from './records.suite.ts';

const JSON_FORMATS: readonly IngestFormat[] = [
  'collectd-json',
  'fluent-bit-json',
  'fluent-bit-json-lines',
  'fluentd-json',
  'fluentd-ndjson',
];

/**
 * `bytes` in chunks of `size`, after an empty one: a body of two chunks or more never takes the
 * fast path, however short.
 */
async function* streamed(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  yield new Uint8Array(0);
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

/**
 * The whole body, then an empty chunk: the streaming path reading the body as one chunk, as it
 * did before the fast path (an empty chunk adds nothing to the splitter).
 */
async function* streamedWhole(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
  yield new Uint8Array(0);
}

/**
 * The body as one chunk gives exactly what the streaming path gives for one chunk, and what it
 * gives for small chunks: the same records and batches, or the same error. Except `oneFault`,
 * the errors of small chunks are not compared: of a body with two faults, the streaming path
 * may name either, depending on the cuts (it maps a chunk's records only once the splitter has
 * scanned the whole chunk, and checks the body's size as each chunk comes).
 */
async function expectSame(
  format: IngestFormat,
  bytes: Uint8Array,
  options: RecordParseOptions,
  size: number,
  oneFault: boolean,
) {
  const whole = await outcome(format, chunked(bytes), options);
  expect(whole).toEqual(await outcome(format, streamedWhole(bytes), options));
  const split = await outcome(format, streamed(bytes, size), options);
  if (oneFault || 'records' in whole || 'records' in split) expect(split).toEqual(whole);
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

describe('a whole body gives what the streaming path gives', () => {
  it.each(fixtureCases.map((c) => [c.name, c] as const))(
    '%s, read as every JSON format',
    async (_name, c) => {
      const bytes = await fixtureBytes(c.file);
      for (const format of [c.format, ...JSON_FORMATS])
        await expectSame(
          format,
          bytes,
          c.options,
          7,
          c.records !== undefined || format === c.format,
        );
    },
  );

  // Every byte of the bodies under 1 KiB; of the larger ones, about 400 places.
  const json = fixtureCases.filter((c) => JSON_FORMATS.includes(c.format));
  it.each(json.map((c) => [c.name, c] as const))(
    '%s, cut at every byte, or with a byte that is not UTF-8 put there',
    async (_name, c) => {
      const bytes = await fixtureBytes(c.file);
      const bad = Uint8Array.of(0xff);
      const step = bytes.length < 1024 ? 1 : Math.ceil(bytes.length / 400);
      for (let at = 0; at <= bytes.length; at += step) {
        const size = bytes.length < 1024 ? 1 + (at % 5) : 64;
        const oneFault = c.records !== undefined;
        await expectSame(c.format, bytes.subarray(0, at), c.options, size, oneFault);
        const spoilt = concat(bytes.subarray(0, at), bad, bytes.subarray(at));
        await expectSame(c.format, spoilt, c.options, size, oneFault);
      }
    },
  );
});

// --- generated bodies ---------------------------------------------------------------------------
// Bodies are written as text so they can be anything: valid records, or near misses of every
// rule the splitter and the builder hold a body to.

/** Mostly `common`, once in a while `rare`. */
function mostly<T>(common: fc.Arbitrary<T>, rare: fc.Arbitrary<T>, odds = 12): fc.Arbitrary<T> {
  return fc.oneof({ weight: odds, arbitrary: common }, { weight: 1, arbitrary: rare });
}

const number = mostly(
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => JSON.stringify(x)),
  fc.constantFrom('-0', '1e999', '-1e999', '1e-400', '123456789012345678901234567890', '1.50'),
  3,
);
const scalar = mostly(
  fc.oneof(
    number,
    fc.constantFrom('true', 'false', 'null', '"NaN"', '"Infinity"', '"nan"', '"\\ud800"', '""'),
    fc.constantFrom('"é😀"', '"\\"}]{["', '"a\\nb\\u0000"', '"2026-01-01T00:00:00Z"'),
    fc.string({ maxLength: 6 }).map((s) => JSON.stringify(s)),
  ),
  // Not JSON: bare NaN and Infinity, as fluent-bit writes them unless told not to.
  fc.constantFrom('NaN', 'Infinity', 'nan'),
  100,
);
// Keys may repeat (JSON.parse keeps the last value) or name the time, the tag, a prototype.
const key = mostly(
  fc.constantFrom('a', 'b', 'c', 'x.y', 'é', ''),
  fc.constantFrom('date', 'time', 'tag', '__proto__', 'constructor'),
  6,
);

const { object } = fc.letrec<{ value: string; object: string; array: string }>((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, scalar, tie('object'), tie('array')),
  object: fc
    .array(fc.tuple(key, tie('value')), { maxLength: 4 })
    .map((entries) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`),
  array: fc.array(tie('value'), { maxLength: 3 }).map((items) => `[${items.join(',')}]`),
}));

/** A fluent record, most with a time under "date" (fluent-bit's default time key). */
const fluentRecord = fc
  .tuple(fc.option(fc.integer({ min: 0, max: 4_200_000_000 }), { freq: 4 }), object)
  .map(([date, rest]) =>
    date === null ? rest : `{"date":${date / 1000}${rest === '{}' ? '' : ','}${rest.slice(1)}`,
  );

/** A record nested `levels` deep (the builder's limit is 32), in objects or in arrays. */
const deep = fc
  .tuple(fc.constantFrom(30, 31, 32, 33, 34, 3000), fc.boolean())
  .map(([levels, arrays]) =>
    arrays
      ? `{"a":${'['.repeat(levels - 1)}${']'.repeat(levels - 1)}}`
      : `${'{"a":'.repeat(levels - 1)}{"b":1}${'}'.repeat(levels - 1)}`,
  );

const collectdName = fc.constantFrom('cpu', 'df', '', 'é', 'load');
const valueList = fc
  .record({
    plugin: collectdName,
    plugin_instance: collectdName,
    type: collectdName,
    type_instance: collectdName,
    host: collectdName,
    time: mostly(fc.integer({ min: 0, max: 4_100_000_000 }), fc.constant(4_200_000_000)),
    data: fc.array(fc.tuple(collectdName, fc.oneof(fc.double(), fc.constant(null))), {
      maxLength: 3,
    }),
    drop: mostly(fc.constant(''), fc.constantFrom('plugin', 'dsnames', 'time')),
  })
  .map(({ data, drop, ...list }) => {
    const json: Record<string, unknown> = {
      values: data.map(([, v]) => v),
      dstypes: data.map(() => 'gauge'),
      dsnames: data.map(([name]) => name),
      interval: 10,
      ...list,
    };
    if (drop !== '') json[drop] = undefined;
    // JSON.stringify writes NaN and ±Infinity as null, as collectd writes NaN gauges.
    return JSON.stringify(json);
  });

/** Records of the format's kind, now and then another kind's, too deep, or not an object. */
function element(format: IngestFormat): fc.Arbitrary<string> {
  const own = format === 'collectd-json' ? valueList : fluentRecord;
  const other = format === 'collectd-json' ? fluentRecord : valueList;
  return mostly(
    own,
    fc.oneof(other, deep, fc.constantFrom('1', 'null', '[]', '"x"', '[{}]', '')),
    25,
  );
}

/** Whitespace, and now and then a character JSON does not count as such. */
const space = mostly(
  fc.constantFrom('', '', ' ', '\n', '\r\n', '\t', '\r'),
  fc.constantFrom('\u00a0', '\u2028', '\ufeff'),
  30,
);
/** Between the objects of a sequence: the splitter takes any whitespace, or none. */
const separator = mostly(
  fc.constantFrom('\n', '\n', '\r\n', '\n\n', ' \n', '\n\t\r\n', '', ' ', '\r'),
  fc.constantFrom('\n\u00a0', '\u00a0\n', '\n\u2028\n', '\n\ufeff'),
  25,
);
const bom = mostly(fc.constant(''), fc.constantFrom('\ufeff', ' \ufeff'), 8);
const trailing = mostly(fc.constant(''), fc.constantFrom(',', ']', '{}', '[]', 'x'), 15);

function arrayBody(format: IngestFormat): fc.Arbitrary<string> {
  return fc
    .tuple(bom, space, fc.array(element(format), { maxLength: 8 }), space, trailing)
    .map(
      ([b, ws, items, ws2, tail]) =>
        `${b}${ws}[${ws2}${items.join(`${ws},${ws2}`)}${ws}]${ws2}${tail}`,
    );
}

function linesBody(format: IngestFormat): fc.Arbitrary<string> {
  return fc
    .tuple(bom, fc.array(fc.tuple(element(format), separator), { maxLength: 8 }), trailing)
    .map(([b, items, tail]) => `${b}${items.map(([item, sep]) => item + sep).join('')}${tail}`);
}

/** A format and a body in its framing (now and then in the other). */
const formatAndBody = fc.constantFrom(...JSON_FORMATS).chain((format) => {
  const lines = format === 'fluent-bit-json-lines' || format === 'fluentd-ndjson';
  const arrays = format === 'collectd-json';
  const body =
    lines || arrays
      ? mostly((lines ? linesBody : arrayBody)(format), (lines ? arrayBody : linesBody)(format), 9)
      : fc.oneof(arrayBody(format), linesBody(format));
  return fc.tuple(fc.constant(format), body);
});

/** A few bytes that are not UTF-8, or a part of a character. */
const badBytes = fc.constantFrom<readonly number[]>(
  [0xff],
  [0xc1, 0x81],
  [0x80],
  [0xed, 0xa0, 0x80],
  [0xe2, 0x82],
);
type Damage =
  | { kind: 'none' }
  | { kind: 'cut'; at: number }
  | { kind: 'insert'; at: number; bytes: readonly number[] };
const damage: fc.Arbitrary<Damage> = fc.oneof(
  { weight: 8, arbitrary: fc.constant({ kind: 'none' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: badBytes }),
  },
);

function damaged(bytes: Uint8Array, how: Damage): Uint8Array {
  if (how.kind === 'none') return bytes;
  const at = how.at % (bytes.length + 1);
  if (how.kind === 'cut') return bytes.subarray(0, at);
  return concat(bytes.subarray(0, at), Uint8Array.from(how.bytes), bytes.subarray(at));
}

/** Limits near the body's size, to cross the fast path's bounds both ways. */
const limit = mostly<number | undefined>(
  fc.constant(undefined),
  fc.integer({ min: -2, max: 2 }),
  5,
);

describe('generated bodies: one chunk gives what small chunks give', () => {
  it('in every JSON format, malformed bodies included', async () => {
    await fc.assert(
      fc.asyncProperty(
        formatAndBody,
        damage,
        fc.integer({ min: 1, max: 4 }),
        mostly<RecordParseOptions['timeKey']>(
          fc.constant(undefined),
          fc.constantFrom<RecordParseOptions['timeKey']>(false, 'time'),
          6,
        ),
        limit,
        limit,
        fc.integer({ min: 1, max: 9 }),
        async ([format, text], how, batchSize, timeKey, record, whole, size) => {
          const bytes = damaged(utf8(text), how);
          const options: RecordParseOptions = { batchSize, timeKey };
          if (record !== undefined) options.maxRecordBytes = Math.max(1, bytes.length + record);
          if (whole !== undefined) options.maxBodyBytes = Math.max(1, bytes.length + whole);
          await expectSame(format, bytes, options, size, false);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

// --- the fast path is taken ---------------------------------------------------------------------

const T = 1_795_326_222;
const fifty = Array.from({ length: 50 }, (_, i) => ({ date: T + i, v: i / 4, s: { id: `x${i}` } }));
const arrayText = JSON.stringify(fifty);
const linesText = fifty.map((r) => `${JSON.stringify(r)}\r\n`).join('');

describe('the fast path', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('parses a whole array body with one JSON.parse, in batches', async () => {
    const parse = vi.spyOn(JSON, 'parse');
    const whole = await outcome('fluent-bit-json', chunked(utf8(arrayText)), { batchSize: 16 });
    expect(parse).toHaveBeenCalledTimes(1);
    parse.mockClear();
    const split = await outcome('fluent-bit-json', streamed(utf8(arrayText), 100), {
      batchSize: 16,
    });
    expect(parse).toHaveBeenCalledTimes(50);
    expect(whole).toEqual(split);
    expect(whole).toMatchObject({ batches: [16, 16, 16, 2] });
  });

  it('decodes a whole sequence once, not once per record', async () => {
    const decode = vi.spyOn(TextDecoder.prototype, 'decode');
    const whole = await outcome('fluent-bit-json-lines', chunked(utf8(linesText)));
    expect(decode).toHaveBeenCalledTimes(1);
    decode.mockClear();
    const split = await outcome('fluent-bit-json-lines', streamed(utf8(linesText), 100));
    expect(decode).toHaveBeenCalledTimes(50);
    expect(whole).toEqual(split);
  });

  it('falls back to the streaming path, which names the record, on any error', async () => {
    const bad = `${arrayText.slice(0, -1)},\n{"date":"soon"}]`;
    const parse = vi.spyOn(JSON, 'parse');
    const result = await outcome('fluent-bit-json', chunked(utf8(bad)));
    expect(parse).toHaveBeenCalledTimes(1 + 51);
    expect(result).toEqual({
      error: {
        message: expect.stringContaining('time field "date" holds "soon", not a time') as unknown,
        at: { line: 2, offset: arrayText.length + 1 },
      },
    });
  });

  it('is not taken by a body larger than maxRecordBytes', async () => {
    const parse = vi.spyOn(JSON, 'parse');
    const bytes = utf8(arrayText);
    await outcome('fluent-bit-json', chunked(bytes), { maxRecordBytes: bytes.length - 1 });
    expect(parse).toHaveBeenCalledTimes(50);
  });
});

describe('reading ahead to find the end of the body', () => {
  /** `parts`, then `end` (a read that fails, or the end); notes whether it was closed early. */
  function source(parts: string[], end?: Error) {
    const state = { closed: false };
    async function* chunks(): AsyncGenerator<Uint8Array> {
      try {
        for (const part of parts) yield utf8(part);
        if (end !== undefined) throw end;
      } finally {
        state.closed = true;
      }
    }
    return { state, body: chunks() };
  }

  it('yields the first chunk’s batches before a failed read of the second', async () => {
    const { body } = source(['[{"a":1},{"a":2},'], new Error('connection reset'));
    const batches: number[] = [];
    const run = async () => {
      for await (const batch of parseRecords('fluentd-json', body, { batchSize: 1 })) {
        batches.push(batch.length);
      }
    };
    await expect(run()).rejects.toThrow('connection reset');
    expect(batches).toEqual([1, 1]);
  });

  it('closes the body when the parse stops early', async () => {
    const { state, body } = source(['{"a":1}\n', '{"a":2}\n', '{"a":3}\n']);
    for await (const batch of parseRecords('fluentd-ndjson', body, { batchSize: 1 })) {
      expect(batch).toEqual([{ time: expect.any(Number) as unknown, fields: { a: 1 } }]);
      break;
    }
    expect(state.closed).toBe(true);
  });

  it('reads a body of several chunks in order', async () => {
    const { body } = source(['{"a":1}\n{"a"', ':2}\n', '{"a":3}\n']);
    const result = await outcome('fluentd-ndjson', body);
    expect(result).toEqual({
      records: [1, 2, 3].map((a) => ({ time: RECEIVED_AT, fields: { a } })),
      batches: [3],
    });
  });
});
