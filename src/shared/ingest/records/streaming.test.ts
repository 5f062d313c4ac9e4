// Streaming correctness: however a body is cut into chunks, the parse gives the same records (or
// the same error, at the same place) as the whole body in one chunk — for every fixture, and for
// generated records in every framing.
import fc from 'fast-check';
import { Encoder, ExtensionCodec } from '@msgpack/msgpack';
import { describe, expect, it } from 'vitest';
import type { IngestFormat, IngestRecord } from '../types.ts';
import {
  RECEIVED_AT,
  chunked,
  everyBytes,
  fixtureBytes,
  fixtureCases,
  outcome,
  utf8,
  withoutBatches,
} from './records.suite.ts';

/** Cut points anywhere in (and just outside) a body of `length` bytes. */
function cutsOf(length: number) {
  return fc.array(fc.integer({ min: -1, max: length + 1 }), { maxLength: 16 });
}

describe('any split of a fixture body gives the same outcome', () => {
  it.each(fixtureCases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const bytes = await fixtureBytes(c.file);
    const whole = withoutBatches(await outcome(c.format, chunked(bytes), c.options));
    const byteByByte = withoutBatches(await outcome(c.format, everyBytes(bytes, 1), c.options));
    expect(byteByByte).toEqual(whole);
    await fc.assert(
      fc.asyncProperty(cutsOf(bytes.length), async (cuts) => {
        const split = withoutBatches(await outcome(c.format, chunked(bytes, cuts), c.options));
        expect(split).toEqual(whole);
      }),
      { numRuns: 30 },
    );
  });
});

// --- generated records --------------------------------------------------------------------------

type Leaf = number | string | boolean | null;
type Value = Leaf | Leaf[] | Entries;
interface Entries {
  entries: [string, Value][];
}

const leaf: fc.Arbitrary<Leaf> = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => (x === 0 ? 0 : x)),
  fc.integer(),
  fc.string({ unit: 'grapheme', maxLength: 8 }),
  fc.boolean(),
  fc.constant(null),
);

function entriesOf(key: fc.Arbitrary<string>, depth: number): fc.Arbitrary<Entries> {
  const value: fc.Arbitrary<Value> =
    depth <= 1
      ? fc.oneof(leaf, fc.array(leaf, { maxLength: 4 }))
      : fc.oneof(
          { weight: 3, arbitrary: leaf },
          { weight: 1, arbitrary: fc.array(leaf, { maxLength: 4 }) },
          { weight: 1, arbitrary: fc.constant(null).chain(() => entriesOf(key, depth - 1)) },
        );
  return fc
    .uniqueArray(fc.tuple(key, value), { selector: ([k]) => k, maxLength: 5 })
    .map((entries) => ({ entries }));
}

const plainKey = fc.string({
  unit: fc.constantFrom('a', 'b', 'é', '😀', ' ', '"', '\\', '\n', '.', '_', 'x', '{', ']'),
  maxLength: 4,
});
/** JSON may also carry keys that are Object.prototype's names (msgpack refuses "__proto__"). */
const jsonKey = fc.oneof(
  { weight: 9, arbitrary: plainKey },
  { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', 'toString') },
);
const msgpackKey = fc.oneof(
  { weight: 9, arbitrary: plainKey },
  { weight: 1, arbitrary: fc.constantFrom('constructor', 'toString') },
);

function isEntries(value: Value): value is Entries {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function toJson(value: Value): string {
  if (isEntries(value)) {
    return `{${value.entries.map(([k, v]) => `${JSON.stringify(k)}:${toJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** A plain object with the entries as own properties ("__proto__" included). */
function toObject(value: Value): unknown {
  if (!isEntries(value)) return value;
  const object: Record<string, unknown> = {};
  for (const [k, v] of value.entries) {
    Object.defineProperty(object, k, {
      value: toObject(v),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return object;
}

/** The README's field rules, written again independently of fields.ts. */
function expectedFields(record: Entries): IngestRecord['fields'] {
  const fields: IngestRecord['fields'] = {};
  const add = (name: string, value: Value) => {
    if (isEntries(value)) {
      for (const [k, v] of value.entries) add(`${name}.${k}`, v);
    } else {
      Object.defineProperty(fields, name, {
        value: Array.isArray(value) ? JSON.stringify(value) : value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
  };
  for (const [k, v] of record.entries) add(k, v);
  return fields;
}

function events(key: fc.Arbitrary<string>) {
  return fc.array(
    fc.record({
      // Before 2100 with room for the nanoseconds.
      seconds: fc.integer({ min: 0, max: 4_102_444_000 }),
      nanoseconds: fc.integer({ min: 0, max: 999_999_999 }),
      record: entriesOf(key, 3),
    }),
    { maxLength: 12 },
  );
}

const space = fc.constantFrom('', ' ', '\n', '\r\n', '\t ');

async function check(
  format: IngestFormat,
  body: Uint8Array,
  expected: IngestRecord[],
  cuts: number[],
  batchSize: number,
) {
  const result = await outcome(format, chunked(body, cuts), { batchSize });
  expect(withoutBatches(result)).toEqual({ records: expected, batches: [] });
  if ('batches' in result) {
    // Full batches, then the rest: never more than asked, never an empty one.
    for (const [i, size] of result.batches.entries()) {
      expect(size).toBeGreaterThan(0);
      if (i < result.batches.length - 1) expect(size).toBe(batchSize);
      else expect(size).toBeLessThanOrEqual(batchSize);
    }
  }
}

describe('generated records survive any chunking', () => {
  const batchSize = fc.integer({ min: 1, max: 5 });

  it('fluent-bit json: a JSON array with the date key', async () => {
    await fc.assert(
      fc.asyncProperty(
        events(jsonKey),
        space,
        batchSize,
        fc.array(fc.nat(), { maxLength: 8 }),
        async (list, ws, size, cuts) => {
          // A record's own "date" key would be the time key: generated keys never spell it.
          const text = `${ws}[${ws}${list
            .map(({ seconds, nanoseconds, record }) => {
              const date = seconds + nanoseconds / 1e9;
              const body = toJson(record).slice(1);
              return `{"date":${JSON.stringify(date)}${body === '}' ? '}' : `,${body}`}`;
            })
            .join(`${ws},${ws}`)}${ws}]${ws}`;
          const expected = list.map(({ seconds, nanoseconds, record }) => ({
            time: (seconds + nanoseconds / 1e9) * 1000,
            fields: expectedFields(record),
          }));
          await check('fluent-bit-json', utf8(text), expected, cuts, size);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('fluentd NDJSON: records without time get the receive time', async () => {
    await fc.assert(
      fc.asyncProperty(
        events(jsonKey),
        space,
        batchSize,
        fc.array(fc.nat(), { maxLength: 8 }),
        async (list, ws, size, cuts) => {
          const text = list.map(({ record }) => `${toJson(record)}${ws}\n`).join('');
          const expected = list.map(({ record }) => ({
            time: RECEIVED_AT,
            fields: expectedFields(record),
          }));
          await check('fluentd-ndjson', utf8(text), expected, cuts, size);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('fluent-bit msgpack: [[EventTime, {}], record] events', async () => {
    const extensionCodec = new ExtensionCodec();
    class Time {
      constructor(
        readonly seconds: number,
        readonly nanoseconds: number,
      ) {}
    }
    extensionCodec.register({
      type: 0,
      encode: (value) => {
        if (!(value instanceof Time)) return null;
        const bytes = new Uint8Array(8);
        const view = new DataView(bytes.buffer);
        view.setUint32(0, value.seconds);
        view.setUint32(4, value.nanoseconds);
        return bytes;
      },
      decode: () => null,
    });
    const encoder = new Encoder({ extensionCodec });
    await fc.assert(
      fc.asyncProperty(
        events(msgpackKey),
        batchSize,
        fc.array(fc.nat(), { maxLength: 8 }),
        async (list, size, cuts) => {
          const parts = list.map(({ seconds, nanoseconds, record }) =>
            encoder.encode([[new Time(seconds, nanoseconds), {}], toObject(record)]),
          );
          const body = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
          let at = 0;
          for (const part of parts) {
            body.set(part, at);
            at += part.length;
          }
          const expected = list.map(({ seconds, nanoseconds, record }) => ({
            time: seconds * 1000 + nanoseconds / 1e6,
            fields: expectedFields(record),
          }));
          await check('fluent-bit-msgpack', body, expected, cuts, size);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('collectd: one record per data source', async () => {
    const name = fc.string({ unit: fc.constantFrom('a', 'b', '-', '_', 'é', '0'), maxLength: 4 });
    const valueList = fc.record({
      host: name,
      plugin: name,
      plugin_instance: name,
      type: name,
      type_instance: name,
      time: fc.integer({ min: 0, max: 4_102_444_799_000 }).map((ms) => ms / 1000),
      data: fc.uniqueArray(
        fc.tuple(
          name,
          fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constant(null)),
        ),
        { selector: ([ds]) => ds, minLength: 1, maxLength: 3 },
      ),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(valueList, { maxLength: 8 }),
        batchSize,
        fc.array(fc.nat(), { maxLength: 8 }),
        async (lists, size, cuts) => {
          const json = lists.map(({ data, ...list }) => ({
            values: data.map(([, v]) => v),
            dstypes: data.map(() => 'gauge'),
            dsnames: data.map(([ds]) => ds),
            interval: 10,
            ...list,
          }));
          const expected = lists.flatMap((list) => {
            const prefix =
              `${list.plugin}${list.plugin_instance === '' ? '' : `-${list.plugin_instance}`}/` +
              `${list.type}${list.type_instance === '' ? '' : `-${list.type_instance}`}/`;
            return list.data.map(([ds, value]) => ({
              time: list.time * 1000,
              fields: { [prefix + ds]: value === 0 ? 0 : value },
              tag: list.host,
            }));
          });
          await check('collectd-json', utf8(JSON.stringify(json)), expected, cuts, size);
        },
      ),
      { numRuns: 150 },
    );
  });
});
