// Parser options and the edge cases of the field and tag rules (README.md).
import { Encoder, ExtensionCodec } from '@msgpack/msgpack';
import { describe, expect, it } from 'vitest';
import { IngestParseError, type IngestFormat } from '../types.ts';
import { parseRecords, type RecordParseOptions } from './index.ts';
import { RECEIVED_AT, chunked, drain, everyBytes, outcome, utf8 } from './records.suite.ts';

const eventTimeCodec = new ExtensionCodec();
class Time {
  constructor(
    readonly seconds: number,
    readonly nanoseconds = 0,
  ) {}
}
eventTimeCodec.register({
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
const encoder = new Encoder({ extensionCodec: eventTimeCodec });

function msgpack(...values: unknown[]): Uint8Array {
  const parts = values.map((value) => encoder.encode(value));
  const body = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let at = 0;
  for (const part of parts) {
    body.set(part, at);
    at += part.length;
  }
  return body;
}

async function records(format: IngestFormat, body: Uint8Array, options: RecordParseOptions = {}) {
  const result = await outcome(format, everyBytes(body, 3), options);
  if (!('records' in result)) throw new Error(`unexpected error: ${result.error.message}`);
  return result.records;
}

async function failure(format: IngestFormat, body: Uint8Array, options: RecordParseOptions = {}) {
  const result = await outcome(format, chunked(body), options);
  if (!('error' in result)) throw new Error('expected an IngestParseError');
  return result.error;
}

const T = 1_795_326_222;

describe('tags', () => {
  it('come from the tag field, then the event metadata, then the reference', async () => {
    const body = msgpack(
      [[new Time(T), { tag: 'from.meta' }], { a: 1 }],
      [[new Time(T), { tag: 'from.meta' }], { a: 2, source: 'from.field' }],
      [[new Time(T), {}], { a: 3 }],
      [new Time(T), { a: 4 }],
    );
    expect(
      (await records('fluent-bit-msgpack', body, { reference: 'ref', tagKey: 'source' })).map(
        (r) => [r.tag, r.fields],
      ),
    ).toEqual([
      ['from.meta', { a: 1 }],
      ['from.field', { a: 2 }],
      ['ref', { a: 3 }],
      ['ref', { a: 4 }],
    ]);
  });

  it('are absent when nothing names one', async () => {
    const [record] = await records('fluentd-ndjson', utf8('{"a":1}\n'));
    expect(record).toEqual({ time: RECEIVED_AT, fields: { a: 1 } });
    expect(record && 'tag' in record).toBe(false);
  });

  it('a tag field that is not a string stays a field', async () => {
    const [record] = await records('fluentd-ndjson', utf8('{"tag":7}\n'), { tagKey: 'tag' });
    expect(record).toEqual({ time: RECEIVED_AT, fields: { tag: 7 } });
  });
});

describe('times', () => {
  it('fluent-bit JSON reads "date" unless told otherwise', async () => {
    const body = utf8('[{"date":1795326222.5,"a":1},{"a":2},{"date":null,"a":3}]');
    expect(await records('fluent-bit-json', body)).toEqual([
      { time: 1795326222500, fields: { a: 1 } },
      { time: RECEIVED_AT, fields: { a: 2 } },
      { time: RECEIVED_AT, fields: { a: 3 } },
    ]);
    expect(await records('fluent-bit-json', body, { timeKey: false })).toEqual([
      { time: RECEIVED_AT, fields: { date: 1795326222.5, a: 1 } },
      { time: RECEIVED_AT, fields: { a: 2 } },
      { time: RECEIVED_AT, fields: { date: null, a: 3 } },
    ]);
  });

  it('fluentd records have no time field unless one is named', async () => {
    const body = utf8('{"time":1795326222.25,"a":1}\n');
    expect(await records('fluentd-ndjson', body)).toEqual([
      { time: RECEIVED_AT, fields: { time: 1795326222.25, a: 1 } },
    ]);
    expect(await records('fluentd-ndjson', body, { timeKey: 'time' })).toEqual([
      { time: 1795326222250, fields: { a: 1 } },
    ]);
  });

  it("a msgpack event's own time wins over the time field, which then stays a field", async () => {
    const body = msgpack([new Time(T, 5_000_000), { date: 1, a: 1 }], { date: T + 1, a: 2 });
    expect(await records('fluent-bit-msgpack', body, { timeKey: 'date' })).toEqual([
      { time: T * 1000 + 5, fields: { date: 1, a: 1 } },
      { time: (T + 1) * 1000, fields: { a: 2 } },
    ]);
  });

  it('records without a time get Date.now() when no receive time is given', async () => {
    const before = Date.now();
    const batches = [];
    for await (const batch of parseRecords('fluentd-msgpack', chunked(msgpack({ a: 1 })))) {
      batches.push(batch);
    }
    const time = batches[0]?.[0]?.time ?? 0;
    expect(time).toBeGreaterThanOrEqual(before);
    expect(time).toBeLessThanOrEqual(Date.now());
  });

  it('Wendelin pairs take float or integer seconds', async () => {
    const body = msgpack([T + 0.5, { v: 1 }], [T, { v: 2 }]);
    expect(await records('wendelin-msgpack', body, { reference: 'station' })).toEqual([
      { time: (T + 0.5) * 1000, fields: { v: 1 }, tag: 'station' },
      { time: T * 1000, fields: { v: 2 }, tag: 'station' },
    ]);
  });
});

describe('fields', () => {
  it('keys named like Object.prototype members stay plain fields', async () => {
    const body = utf8('{"__proto__":{"polluted":1},"constructor":"c","toString":2}\n');
    const [record] = await records('fluentd-ndjson', body);
    expect(Object.keys(record?.fields ?? {})).toEqual([
      '__proto__.polluted',
      'constructor',
      'toString',
    ]);
    expect(record?.fields.constructor).toBe('c');
    expect(Object.getPrototypeOf(record?.fields)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const [top] = await records('fluentd-ndjson', utf8('{"__proto__":5}\n'));
    expect(Object.getOwnPropertyDescriptor(top?.fields, '__proto__')?.value).toBe(5);
  });

  it('a name flattened twice keeps the later value', async () => {
    const [record] = await records('fluentd-ndjson', utf8('{"a.b":1,"a":{"b":2}}\n'));
    expect(record?.fields).toEqual({ 'a.b': 2 });
  });

  it('msgpack values: NaN and ±Infinity → null, bin → text, timestamps → ISO strings', async () => {
    const body = msgpack({
      nan: Number.NaN,
      inf: Number.POSITIVE_INFINITY,
      bin: new Uint8Array([0x68, 0xc3, 0xa9, 0xff]),
      at: new Date(Date.UTC(2026, 10, 22, 5, 0, 0, 250)),
      when: new Time(T, 500_000_000),
      list: [new Uint8Array([0x61]), new Time(T), Number.NaN],
      big: 2 ** 40,
    });
    const [record] = await records('fluentd-msgpack', body);
    expect(record?.fields).toEqual({
      nan: null,
      inf: null,
      bin: 'hé\ufffd',
      at: '2026-11-22T05:00:00.250Z',
      when: T + 0.5,
      list: `["a",${T},null]`,
      big: 2 ** 40,
    });
  });

  it('integer map keys become names; other msgpack extensions are refused', async () => {
    // {1: "one"}: the encoder writes only string keys, so the bytes are spelled out.
    const [record] = await records(
      'fluentd-msgpack',
      new Uint8Array([0x81, 0x01, 0xa3, 0x6f, 0x6e, 0x65]),
    );
    expect(record?.fields).toEqual({ '1': 'one' });
    const codec = new ExtensionCodec();
    codec.register({
      type: 5,
      encode: (value) => (value instanceof Time ? new Uint8Array([1]) : null),
      decode: () => null,
    });
    const body = new Encoder({ extensionCodec: codec }).encode({ x: new Time(1) });
    expect((await failure('fluentd-msgpack', body)).message).toContain('extension type 5');
    // {[1]: "x"}
    const mapKey = new Uint8Array([0x81, 0x91, 0x01, 0xa1, 0x78]);
    expect((await failure('fluentd-msgpack', mapKey)).message).toContain('not a string');
  });

  it('empty maps give no field; empty arrays give "[]"', async () => {
    const [record] = await records('fluentd-ndjson', utf8('{"e":{},"l":[],"n":{"e":{}}}\n'));
    expect(record?.fields).toEqual({ l: '[]' });
  });
});

describe('bodies', () => {
  it('empty bodies hold no records, except for collectd', async () => {
    for (const format of [
      'fluent-bit-json',
      'fluent-bit-json-lines',
      'fluent-bit-msgpack',
      'fluentd-json',
      'fluentd-ndjson',
      'fluentd-msgpack',
      'wendelin-msgpack',
    ] as const) {
      expect(await outcome(format, chunked(new Uint8Array(0)))).toEqual({
        records: [],
        batches: [],
      });
      // Whitespace is nothing in JSON (in msgpack, 0x20 is the number 32).
      if (format.includes('json')) {
        expect(await outcome(format, chunked(utf8(' \n')))).toMatchObject({ records: [] });
      }
    }
    expect(await outcome('fluentd-json', chunked(utf8('[ ]\n')))).toEqual({
      records: [],
      batches: [],
    });
    expect((await failure('collectd-json', utf8(' '))).message).toContain('empty');
  });

  it('a UTF-8 byte-order mark is skipped, even split across chunks', async () => {
    const body = utf8('\ufeff[{"date":1795326222,"a":1}]');
    const result = await outcome('fluent-bit-json', everyBytes(body, 1));
    expect(result).toMatchObject({ records: [{ time: T * 1000, fields: { a: 1 } }] });
    const lone = await outcome('fluent-bit-json', chunked(new Uint8Array([0xef, 0xbb])));
    expect(lone).toMatchObject({
      error: { message: expect.stringContaining('expected') as unknown },
    });
  });

  it('the lines formats refuse an array, the array formats refuse a sequence for collectd', async () => {
    expect((await failure('fluentd-ndjson', utf8('[{"a":1}]'))).message).toContain(
      'expected a JSON object',
    );
    expect((await failure('collectd-json', utf8('{"a":1}'))).message).toContain(
      'expected a JSON array',
    );
  });

  it('events must be records or [time, record] pairs', async () => {
    const shapes = [
      [[new Time(T), 'x', 'y'], 'expected a record'],
      [[[new Time(T)], { a: 1 }], 'event header'],
      [[[new Time(T), {}, {}], { a: 1 }], 'event header'],
      [['x', { a: 1 }], 'not a time'],
      [[new Time(T), [1]], 'not a map'],
    ] as const;
    for (const [event, message] of shapes) {
      expect((await failure('fluent-bit-msgpack', msgpack(event))).message).toContain(message);
    }
  });

  it('an event over maxRecordBytes fails at its start however it is cut', async () => {
    const body = msgpack({ a: 1 }, { blob: 'x'.repeat(5000) });
    const expected = {
      message: expect.stringContaining('larger than 4096') as unknown,
      at: { offset: 4 },
    };
    expect(await outcome('fluentd-msgpack', chunked(body), { maxRecordBytes: 4096 })).toEqual({
      error: expected,
    });
    expect(
      await outcome('fluentd-msgpack', everyBytes(body, 100), { maxRecordBytes: 4096 }),
    ).toEqual({ error: expected });
    // A bad byte past the limit is not looked at, whether or not it has arrived yet.
    const bad = msgpack({ a: 1 }, { blob: 'x'.repeat(5000), bad: 1 });
    bad[bad.length - 1] = 0xc1;
    for (const body of [chunked(bad), everyBytes(bad, 1000)]) {
      expect(await outcome('fluentd-msgpack', body, { maxRecordBytes: 4096 })).toEqual({
        error: expected,
      });
    }
  });

  it('an unknown format fails when iterated', async () => {
    const run = () => drain(parseRecords('csv' as IngestFormat, chunked(utf8('a'))));
    await expect(run()).rejects.toThrow(IngestParseError);
    await expect(run()).rejects.toThrow('unknown ingest format');
  });

  it('refuses options that make no sense', async () => {
    const run = (options: RecordParseOptions) =>
      drain(parseRecords('fluentd-ndjson', chunked(utf8('{}')), options));
    await expect(run({ batchSize: 0 })).rejects.toThrow(RangeError);
    await expect(run({ maxBodyBytes: -1 })).rejects.toThrow(RangeError);
  });
});
