import * as Arrow from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
/* eslint-disable fieldlake/import-boundaries -- the parser must read what the lake's writer writes */
import { encodeArrow } from '../../../../server/read/slice/arrow.ts';
import type { RowBlock, SliceInfo } from '../../../../server/read/slice/types.ts';
/* eslint-enable fieldlake/import-boundaries */
import { parseInstant } from '../../query/instant.ts';
import type { IngestParseError } from '../types.ts';
import { parseArrow } from './arrow.ts';
import type { ArrowModule } from './arrow-types.ts';
import type { ParseFileOptions } from './common.ts';
import { chunked, collect, everyN, parseError } from './files.suite.ts';
import { parseFile } from './index.ts';

// The real module fits the structural types the pure code declares (a compile-time check).
const module: ArrowModule = Arrow;
const withArrow = (options: Omit<ParseFileOptions, 'arrow'> = {}, max?: number) => ({
  ...options,
  arrow: max === undefined ? { module } : { module, maxBufferedBytes: max },
});

function table(columns: Record<string, Arrow.Vector>): Arrow.Table {
  return new Arrow.Table(columns);
}

function stream(t: Arrow.Table): Uint8Array {
  return Arrow.tableToIPC(t, 'stream');
}

/** The IPC file format as the spec lays it out: magic, the stream (schema first), footer. */
function specFile(t: Arrow.Table): Uint8Array {
  const body = stream(t);
  const jsFile = Arrow.tableToIPC(t, 'file');
  // The JS writer's footer (its block offsets do not match this body, and streaming never
  // reads them) keeps the file shaped as readers expect: footer, its length, magic.
  const footerLength = new DataView(jsFile.buffer, jsFile.byteOffset).getInt32(
    jsFile.length - 10,
    true,
  );
  const footer = jsFile.subarray(jsFile.length - 10 - footerLength);
  const out = new Uint8Array(8 + body.length + footer.length);
  out.set([0x41, 0x52, 0x52, 0x4f, 0x57, 0x31, 0, 0]);
  out.set(body, 8);
  out.set(footer, 8 + body.length);
  return out;
}

async function arrowError(
  bytes: Uint8Array,
  options?: ParseFileOptions,
): Promise<IngestParseError> {
  const error = await parseError(() => collect(parseArrow(chunked(bytes), withArrow(options))));
  expect(error.format).toBe('arrow');
  return error;
}

const ms = (iso: string): number => parseInstant(iso) ?? Number.NaN;

function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

describe('Arrow IPC stream', () => {
  it('maps numeric fields to columns and a Timestamp to the time in ms', async () => {
    const t = table({
      value: Arrow.vectorFromArray([1.5, 2.5], new Arrow.Float64()),
      when: Arrow.makeVector({
        type: new Arrow.TimestampMicrosecond('Europe/Paris'),
        data: BigInt64Array.from([1_700_000_000_000_001n, 1_700_000_001_000_000n]),
      }),
      f32: Arrow.vectorFromArray([0.25, -1], new Arrow.Float32()),
      i16: Arrow.vectorFromArray([-32768, 32767], new Arrow.Int16()),
      i32: Arrow.vectorFromArray([-(2 ** 31), 7], new Arrow.Int32()),
    });
    const out = await collect(parseFile('arrow', chunked(stream(t)), withArrow()));
    expect(out.header).toEqual({
      format: 'arrow',
      columns: [
        { name: 'value', dtype: 'float64' },
        { name: 'f32', dtype: 'float32' },
        { name: 'i16', dtype: 'int16' },
        { name: 'i32', dtype: 'int32' },
      ],
      time: { kind: 'column', column: 'when' },
    });
    expect(out.time).toEqual([1_700_000_000_000.001, 1_700_000_001_000]);
    expect(out.columns).toEqual([
      [1.5, 2.5],
      [0.25, -1],
      [-32768, 32767],
      [-(2 ** 31), 7],
    ]);
    expect(out.kinds).toEqual(['Float64Array', 'Float32Array', 'Int16Array', 'Int32Array']);
  });

  it('converts Int8, Uint8, Uint16, Uint32, Int64, Uint64 and Float16 without loss', async () => {
    const t = table({
      i8: Arrow.vectorFromArray([-128, 127], new Arrow.Int8()),
      u8: Arrow.vectorFromArray([0, 255], new Arrow.Uint8()),
      u16: Arrow.vectorFromArray([0, 65535], new Arrow.Uint16()),
      u32: Arrow.vectorFromArray([0, 2 ** 32 - 1], new Arrow.Uint32()),
      i64: Arrow.makeVector({
        type: new Arrow.Int64(),
        data: BigInt64Array.from([-(2n ** 53n) + 1n, 2n ** 53n - 1n]),
      }),
      u64: Arrow.makeVector({ type: new Arrow.Uint64(), data: BigUint64Array.from([0n, 5n]) }),
      f16: Arrow.makeVector({
        type: new Arrow.Float16(),
        data: Uint16Array.from([0x3c00, 0xfc00]),
      }),
    });
    const out = await collect(parseArrow(chunked(stream(t)), withArrow()));
    expect(out.header.columns.map((c) => c.dtype)).toEqual([
      'int16',
      'int16',
      'int32',
      'float64',
      'float64',
      'float64',
      'float32',
    ]);
    expect(out.header.time).toEqual({ kind: 'none' });
    expect(out.columns).toEqual([
      [-128, 127],
      [0, 255],
      [0, 65535],
      [0, 2 ** 32 - 1],
      [-(2 ** 53) + 1, 2 ** 53 - 1],
      [0, 5],
      [1, Number.NEGATIVE_INFINITY],
    ]);
  });

  it('reads every Timestamp unit, Dates, and time fields by name', async () => {
    const v = Arrow.vectorFromArray([1], new Arrow.Float64());
    const cases: [Arrow.Vector, number][] = [
      [
        Arrow.makeVector({ type: new Arrow.TimestampSecond(), data: BigInt64Array.from([2n]) }),
        2000,
      ],
      [
        Arrow.makeVector({
          type: new Arrow.TimestampMillisecond(),
          data: BigInt64Array.from([2n]),
        }),
        2,
      ],
      [
        Arrow.makeVector({
          type: new Arrow.TimestampNanosecond('UTC'),
          data: BigInt64Array.from([2_000_000n]),
        }),
        2,
      ],
      [Arrow.makeVector({ type: new Arrow.DateDay(), data: Int32Array.from([1]) }), 86_400_000],
      [Arrow.makeVector({ type: new Arrow.DateMillisecond(), data: BigInt64Array.from([5n]) }), 5],
      [
        Arrow.vectorFromArray(['2024-01-01T00:00:00Z'], new Arrow.Utf8()),
        ms('2024-01-01T00:00:00Z'),
      ],
      [Arrow.vectorFromArray([1_700_000_000], new Arrow.Int32()), 1_700_000_000_000],
      [Arrow.vectorFromArray([1_700_000_000_123], new Arrow.Float64()), 1_700_000_000_123],
    ];
    for (const [time, want] of cases) {
      const out = await collect(parseArrow(chunked(stream(table({ v, time }))), withArrow()));
      expect(out.header.time).toEqual({ kind: 'column', column: 'time' });
      expect(out.header.columns.map((c) => c.name)).toEqual(['v']);
      expect(out.time).toEqual([want]);
    }
  });

  it('reads null floats as NaN, and refuses nulls in integers and times', async () => {
    const t = table({ f: Arrow.vectorFromArray([1, null, 3], new Arrow.Float32()) });
    const out = await collect(parseArrow(chunked(stream(t)), withArrow()));
    expect(out.columns).toEqual([[1, Number.NaN, 3]]);
    const ints = table({ n: Arrow.vectorFromArray([1, null], new Arrow.Int32()) });
    expect((await arrowError(stream(ints))).message).toContain(
      "integer field 'n' has a null at row 1",
    );
    const times = table({
      v: Arrow.vectorFromArray([1, 2], new Arrow.Float64()),
      time: Arrow.vectorFromArray([5, null], new Arrow.TimestampMillisecond()),
    });
    expect((await arrowError(stream(times))).message).toContain("time field 'time' has a null");
  });

  it('refuses other field types by name', async () => {
    const v = Arrow.vectorFromArray([1], new Arrow.Float64());
    const cases: [string, Arrow.Vector][] = [
      ['label', Arrow.vectorFromArray(['a'], new Arrow.Utf8())],
      ['ok', Arrow.vectorFromArray([true], new Arrow.Bool())],
      ['kind', Arrow.vectorFromArray(['x'])],
      ['second', Arrow.vectorFromArray([new Date(0)], new Arrow.TimestampMillisecond())],
    ];
    for (const [name, vector] of cases) {
      const first: Record<string, Arrow.Vector> =
        name === 'second'
          ? { t0: Arrow.vectorFromArray([new Date(0)], new Arrow.TimestampMillisecond()) }
          : {};
      const error = await arrowError(stream(table({ ...first, v, [name]: vector })));
      expect(error.message).toContain(`field '${name}'`);
    }
    const wide = Arrow.makeVector({
      type: new Arrow.Int64(),
      data: BigInt64Array.from([2n ** 53n + 1n]),
    });
    expect((await arrowError(stream(table({ wide })))).message).toContain('beyond ±2^53');
    const textOnly = table({ a: Arrow.vectorFromArray(['x'], new Arrow.Utf8()) });
    expect((await arrowError(stream(textOnly))).message).toContain("field 'a'");
  });

  it('splits record batches into blocks of blockRows', async () => {
    const a = table({ v: Arrow.vectorFromArray([1, 2, 3], new Arrow.Float64()) });
    const b = table({ v: Arrow.vectorFromArray([4, 5], new Arrow.Float64()) });
    const out = await collect(
      parseArrow(everyN(stream(a.concat(b)), 13), withArrow({ blockRows: 2 })),
    );
    expect(out.blocks).toEqual([2, 1, 2]);
    expect(out.columns).toEqual([[1, 2, 3, 4, 5]]);
  });

  it('needs the apache-arrow module from the caller', async () => {
    await expect(parseFile('arrow', chunked(new Uint8Array(8)))).rejects.toThrow(TypeError);
  });
});

describe('Arrow from the lake', () => {
  it('reads the slices the lake writes (raw with a time base, and pyramid levels)', async () => {
    const cases: [SliceInfo, Float32Array | Float64Array | Int16Array][] = [
      [
        {
          kind: 'raw',
          dtype: 'int16',
          first: 10,
          rows: 5,
          samplesPerRow: 1,
          time: { t0Us: 1_700_000_000_000_000, sampleRate: 3 },
          metadata: new Map([['signal', 's1']]),
        },
        Int16Array.from([1, -2, 3, -4, 5]),
      ],
      [
        {
          kind: 'level',
          dtype: 'float32',
          first: 0,
          rows: 2,
          samplesPerRow: 64,
          time: null,
          metadata: new Map(),
        },
        Float32Array.from([-1, 1, 0.5, 64, -2, 2, 0, 64]),
      ],
    ];
    for (const [info, values] of cases) {
      async function* blocks(): AsyncGenerator<RowBlock> {
        await Promise.resolve();
        yield { first: info.first, values };
      }
      const bytes: Uint8Array[] = [];
      for await (const piece of encodeArrow(info, blocks())) bytes.push(piece);
      const out = await collect(parseArrow(chunked(concatBytes(bytes)), withArrow()));
      // apache-arrow's own reading of the same bytes is the reference.
      const reference = Arrow.tableFromIPC(concatBytes(bytes));
      expect(out.header.columns.map((c) => c.name)).toEqual(
        reference.schema.fields.map((f) => f.name).filter((name) => name !== 'time'),
      );
      out.header.columns.forEach((column, c) => {
        const vector: Arrow.Vector | null = reference.getChild(column.name);
        const want = Array.from(vector ?? [], Number);
        expect(out.columns[c]).toEqual(want);
      });
      if (info.time === null) {
        expect(out.header.time).toEqual({ kind: 'none' });
      } else {
        expect(out.header.time).toEqual({ kind: 'column', column: 'time' });
        const time: Arrow.Vector | null = reference.getChild('time');
        const values: unknown = time?.data[0]?.values;
        if (!(values instanceof BigInt64Array)) throw new Error('time is not int64 µs');
        const times = Array.from(values, (us) => Number(us) / 1000);
        expect(out.time).toEqual(times);
      }
    }
  });
});

describe('Arrow IPC file', () => {
  const t = table({
    v: Arrow.vectorFromArray([1, 2, 3], new Arrow.Float64()),
    time: Arrow.vectorFromArray(
      [1, 2, 3].map((s) => new Date(s * 1000)),
      new Arrow.TimestampMillisecond(),
    ),
  });

  it('streams a file whose body starts with its schema (as the spec and pyarrow write it)', async () => {
    const bytes = specFile(t);
    // A limit below the file's size: it streams, never held whole.
    expect(bytes.length).toBeGreaterThan(200);
    const out = await collect(parseArrow(everyN(bytes, 11), withArrow({}, 200)));
    expect(out.columns).toEqual([[1, 2, 3]]);
    expect(out.time).toEqual([1000, 2000, 3000]);
    const truncated = await arrowError(bytes.subarray(0, bytes.length - 3));
    expect(truncated.message).toContain('ARROW1');
  });

  it("reads apache-arrow JS's files (schema in the footer only) whole, under a limit", async () => {
    const bytes = Arrow.tableToIPC(t, 'file');
    const out = await collect(parseArrow(everyN(bytes, 11), withArrow()));
    expect(out.columns).toEqual([[1, 2, 3]]);
    expect(out.time).toEqual([1000, 2000, 3000]);
    const limited = await parseError(() => collect(parseArrow(chunked(bytes), withArrow({}, 100))));
    expect(limited.message).toContain('larger than 100 bytes');
  });
});

describe('Arrow errors', () => {
  const t = table({ v: Arrow.vectorFromArray([1, 2, 3, 4], new Arrow.Float64()) });

  it('refuses garbage, an empty body and truncated streams', async () => {
    expect((await arrowError(new Uint8Array(0))).message).toContain('empty');
    const garbage = await arrowError(new TextEncoder().encode('time,value\n1,2\n'));
    expect(garbage.message).toContain('not a readable Arrow IPC');
    const bytes = stream(t);
    const truncated = await arrowError(bytes.subarray(0, bytes.length - 30));
    expect(truncated.message).toContain('Arrow');
    expect(truncated.at.offset).toBeTypeOf('number');
  });

  it('refuses a record batch larger than it may hold in memory', async () => {
    const big = table({
      v: Arrow.vectorFromArray(Array<number>(1000).fill(0.5), new Arrow.Float64()),
    });
    const fine = await collect(parseArrow(chunked(stream(big)), withArrow()));
    expect(fine.columns[0]).toHaveLength(1000);
    const limited = await parseError(() =>
      collect(parseArrow(chunked(stream(big)), withArrow({}, 4000))),
    );
    expect(limited.message).toContain('a record batch of 8000 bytes is larger than the 4000');
  });

  it('passes the body’s own errors through unchanged', async () => {
    const bytes = stream(t);
    async function* failing(): AsyncGenerator<Uint8Array> {
      await Promise.resolve();
      yield bytes.subarray(0, 40);
      throw new Error('connection reset');
    }
    await expect(collect(parseArrow(failing(), withArrow()))).rejects.toThrow('connection reset');
  });
});

describe('Arrow chunking', () => {
  const tables = fc
    .record({
      rows: fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 1, maxLength: 3 }),
      timed: fc.boolean(),
      seed: fc.integer(),
    })
    .map(({ rows, timed, seed }) => {
      let x = seed;
      const next = () => (x = (x * 1_103_515_245 + 12_345) % 2 ** 31);
      const batches = rows.map((n) => {
        const cols: Record<string, Arrow.Vector> = {
          f: Arrow.vectorFromArray(
            Array.from({ length: n }, () => next() / 7),
            new Arrow.Float64(),
          ),
          i: Arrow.vectorFromArray(
            Array.from({ length: n }, () => (next() % 65536) - 32768),
            new Arrow.Int16(),
          ),
        };
        if (timed) {
          cols.time = Arrow.vectorFromArray(
            Array.from({ length: n }, () => new Date(next())),
            new Arrow.TimestampMillisecond(),
          );
        }
        return table(cols);
      });
      return batches.slice(1).reduce((all, b) => all.concat(b), batches[0] ?? table({}));
    });

  it('gives the same values for any split of the body', async () => {
    await fc.assert(
      fc.asyncProperty(
        tables,
        fc.constantFrom<'stream' | 'file' | 'spec'>('stream', 'file', 'spec'),
        fc.array(fc.nat(3000), { maxLength: 10 }),
        fc.integer({ min: 1, max: 9 }),
        async (t, kind, cuts, blockRows) => {
          const bytes = kind === 'spec' ? specFile(t) : Arrow.tableToIPC(t, kind);
          const options = withArrow({ blockRows });
          const whole = await collect(parseArrow(chunked(bytes), options));
          const split = await collect(parseArrow(chunked(bytes, cuts), options));
          expect(split).toEqual(whole);
          expect(whole.columns[0]).toHaveLength(t.numRows);
        },
      ),
      { numRuns: 100 },
    );
  });
});
