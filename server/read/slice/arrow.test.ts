import { RecordBatchReader, tableFromIPC, Type } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import type { SignalArray } from '../../../src/shared/chunk/index.ts';
import { arrowSchema, BATCH_ROWS, encodeArrow } from './arrow.ts';
import type { RowBlock, SliceInfo } from './types.ts';

function info(overrides: Partial<SliceInfo>): SliceInfo {
  return {
    kind: 'raw',
    dtype: 'float32',
    first: 0,
    rows: 0,
    samplesPerRow: 1,
    time: null,
    metadata: new Map([['signalId', 'ds/s']]),
    ...overrides,
  };
}

async function* blocksOf(first: number, ...arrays: SignalArray[]): AsyncGenerator<RowBlock> {
  let at = first;
  for (const values of arrays) {
    yield { first: at, values };
    at += values.length;
  }
}

async function* levelBlocks(first: number, values: SignalArray): AsyncGenerator<RowBlock> {
  yield { first, values };
}

async function encode(slice: SliceInfo, blocks: AsyncIterable<RowBlock>): Promise<Uint8Array> {
  const pieces: Buffer[] = [];
  for await (const piece of encodeArrow(slice, blocks)) pieces.push(piece);
  return Buffer.concat(pieces);
}

function bits(values: ArrayLike<number>): string[] {
  return Array.from(values, (v) => (Object.is(v, -0) ? '-0' : Number.isNaN(v) ? 'NaN' : String(v)));
}

describe('encodeArrow', () => {
  it('writes float32 samples with NaN, ±Infinity and -0, and their times', async () => {
    const values = Float32Array.of(1.5, Number.NaN, Number.POSITIVE_INFINITY, -0, -2.25, 0.1);
    // 2024-01-01T00:00:00Z, 4 Hz: 250 ms per sample.
    const t0Us = Date.UTC(2024, 0, 1) * 1000;
    const slice = info({ first: 10, rows: 6, time: { t0Us, sampleRate: 4 } });
    const table = tableFromIPC(
      await encode(slice, blocksOf(10, values.subarray(0, 2), values.subarray(2))),
    );
    expect(table.numRows).toBe(6);
    expect(table.schema.fields.map((f) => [f.name, f.typeId, f.nullable])).toEqual([
      ['time', Type.Timestamp, false],
      ['value', Type.Float, false],
    ]);
    expect(String(table.schema.fields[0]?.type)).toBe('Timestamp<MICROSECOND, UTC>');
    expect(table.schema.metadata.get('signalId')).toBe('ds/s');
    const read = table.getChild('value')?.toArray() as Float32Array;
    expect(read).toBeInstanceOf(Float32Array);
    expect(bits(read)).toEqual(bits(values));
    const times = table.getChild('time')?.toArray() as BigInt64Array;
    expect(Array.from(times)).toEqual(
      Array.from({ length: 6 }, (_, i) => BigInt(t0Us + (10 + i) * 250_000)),
    );
  });

  it.each([
    ['float64', Float64Array.of(Number.MAX_VALUE, -Number.MIN_VALUE, Number.NaN, 1 / 3)],
    ['int16', Int16Array.of(-32768, 32767, 0, -1)],
    ['int32', Int32Array.of(-(2 ** 31), 2 ** 31 - 1, 0, 7)],
  ] as const)('keeps %s values in their own type', async (dtype, values) => {
    const table = tableFromIPC(await encode(info({ dtype, rows: 4 }), blocksOf(0, values)));
    expect(table.schema.fields.map((f) => f.name)).toEqual(['value']);
    const read = table.getChild('value')?.toArray() as SignalArray;
    expect(read.constructor).toBe(values.constructor);
    expect(bits(read)).toEqual(bits(values));
  });

  it('writes an empty slice as a readable stream of 0 rows', async () => {
    const slice = info({ rows: 0, time: { t0Us: 0, sampleRate: 1 } });
    const table = tableFromIPC(await encode(slice, blocksOf(0)));
    expect(table.numRows).toBe(0);
    expect(table.schema.fields.map((f) => f.name)).toEqual(['time', 'value']);
  });

  it('cuts large blocks into batches of BATCH_ROWS rows, readable incrementally', async () => {
    const rows = BATCH_ROWS * 2 + 5;
    const values = new Float32Array(rows).map((_, i) => i);
    const pieces: Buffer[] = [];
    for await (const piece of encodeArrow(info({ rows }), blocksOf(0, values))) pieces.push(piece);
    // Bodies pass through as views of the values, not copies.
    expect(pieces.some((piece) => piece.buffer === values.buffer)).toBe(true);
    const reader = await RecordBatchReader.from(
      (async function* () {
        yield* pieces;
      })(),
    );
    const sizes: number[] = [];
    let next = 0;
    for await (const batch of reader) {
      sizes.push(batch.numRows);
      const got = batch.getChild('value')?.toArray() as Float32Array;
      expect(got[0]).toBe(next);
      next += batch.numRows;
    }
    expect(sizes).toEqual([BATCH_ROWS, BATCH_ROWS, 5]);
  });

  it('writes level rows as min, max, mean and an Int64 count (null where not finite)', async () => {
    const values = Float64Array.of(
      ...[-1, 2, 0.5, 64],
      ...[Number.NaN, Number.NaN, Number.NaN, 0],
      ...[Number.NEGATIVE_INFINITY, 3, Number.NaN, 5],
      ...[0, 0, 0, Number.NaN],
    );
    const slice = info({
      kind: 'level',
      dtype: 'float64',
      first: 7,
      rows: 4,
      samplesPerRow: 64,
      time: { t0Us: 1_000_000, sampleRate: 1000 },
    });
    const table = tableFromIPC(await encode(slice, levelBlocks(7, values)));
    expect(table.schema.fields.map((f) => [f.name, String(f.type)])).toEqual([
      ['time', 'Timestamp<MICROSECOND, UTC>'],
      ['min', 'Float64'],
      ['max', 'Float64'],
      ['mean', 'Float64'],
      ['count', 'Int64'],
    ]);
    expect(bits(table.getChild('min')?.toArray() as Float64Array)).toEqual([
      '-1',
      'NaN',
      '-Infinity',
      '0',
    ]);
    expect(bits(table.getChild('max')?.toArray() as Float64Array)).toEqual(['2', 'NaN', '3', '0']);
    expect(bits(table.getChild('mean')?.toArray() as Float64Array)).toEqual([
      '0.5',
      'NaN',
      'NaN',
      '0',
    ]);
    const count = table.getChild('count');
    expect([0, 1, 2, 3].map((i) => count?.get(i) as bigint | null)).toEqual([64n, 0n, 5n, null]);
    // Bucket b starts at sample 64·b: 64 ms per bucket at 1 kHz.
    const times = table.getChild('time')?.toArray() as BigInt64Array;
    expect(Array.from(times)).toEqual([7, 8, 9, 10].map((b) => BigInt(1_000_000 + b * 64_000)));
  });

  it('writes float32 levels as Float32 columns', async () => {
    const slice = info({ kind: 'level', dtype: 'float32', rows: 1, samplesPerRow: 256 });
    expect(arrowSchema(slice).fields.map((f) => String(f.type))).toEqual([
      'Float32',
      'Float32',
      'Float32',
      'Int64',
    ]);
    const table = tableFromIPC(
      await encode(slice, levelBlocks(0, Float32Array.of(1, 2, 1.5, 256))),
    );
    expect(table.getChild('count')?.get(0)).toBe(256n);
  });

  it('times before 1970 are negative microseconds', async () => {
    const slice = info({ rows: 2, time: { t0Us: -1_500_000, sampleRate: 2 } });
    const table = tableFromIPC(await encode(slice, blocksOf(0, Float32Array.of(1, 2))));
    expect(Array.from(table.getChild('time')?.toArray() as BigInt64Array)).toEqual([
      -1_500_000n,
      -1_000_000n,
    ]);
  });

  it('fails the stream when the blocks do not hold the promised rows', async () => {
    await expect(encode(info({ rows: 3 }), blocksOf(0, Float32Array.of(1, 2)))).rejects.toThrow(
      /ended at row 2, expected 3/,
    );
    await expect(encode(info({ rows: 2 }), blocksOf(1, Float32Array.of(1, 2)))).rejects.toThrow(
      /does not continue/,
    );
    await expect(
      encode(info({ rows: 2, dtype: 'int16' }), blocksOf(0, Float32Array.of(1, 2))),
    ).rejects.toThrow(/not int16/);
  });
});
