import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SignalArray } from '../../../src/shared/chunk/index.ts';
import { csvHeader, encodeCsv, formatFloat32, formatFloat64 } from './csv.ts';
import type { RowBlock, SliceInfo } from './types.ts';

function info(overrides: Partial<SliceInfo>): SliceInfo {
  return {
    kind: 'raw',
    dtype: 'float32',
    first: 0,
    rows: 0,
    samplesPerRow: 1,
    time: null,
    metadata: new Map(),
    ...overrides,
  };
}

async function* blocksOf(first: number, columns: number, ...arrays: SignalArray[]) {
  let at = first;
  for (const values of arrays) {
    const block: RowBlock = { first: at, values };
    yield block;
    at += values.length / columns;
  }
}

async function lines(slice: SliceInfo, blocks: AsyncIterable<RowBlock>): Promise<string[][]> {
  const pieces: Buffer[] = [];
  for await (const piece of encodeCsv(slice, blocks)) pieces.push(piece);
  const text = Buffer.concat(pieces).toString('utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text
    .slice(0, -1)
    .split('\n')
    .map((line) => line.split(','));
}

/** How a reader turns a field back into a number: empty is NaN. */
function parse(field: string | undefined): number {
  return field === '' || field === undefined ? Number.NaN : Number(field);
}

describe('formatFloat32', () => {
  it('writes the shortest text that reads back as the same float32', () => {
    expect(formatFloat32(Math.fround(0.1))).toBe('0.1');
    expect(formatFloat32(Math.fround(1 / 3))).toBe('0.33333334');
    expect(formatFloat32(16777216)).toBe('16777216');
    expect(formatFloat32(Math.fround(3.4028234663852886e38))).toBe('3.4028235e+38');
    expect(formatFloat32(Math.fround(1e-45))).toBe('1e-45');
    expect(formatFloat32(-0)).toBe('-0');
    expect(formatFloat32(Number.NaN)).toBe('');
    expect(formatFloat32(Number.POSITIVE_INFINITY)).toBe('Infinity');
    expect(formatFloat32(Number.NEGATIVE_INFINITY)).toBe('-Infinity');
  });

  it('round-trips every float32', () => {
    fc.assert(
      fc.property(fc.float({ noNaN: true, noDefaultInfinity: true }), (value) => {
        const text = formatFloat32(value);
        expect(Object.is(Math.fround(Number(text)), value)).toBe(true);
        const digits = text.replace(/^-|e.*$|\./g, '').replace(/^0+|0+$/g, '');
        expect(digits.length).toBeLessThanOrEqual(9);
        // Shortest: one digit less never reads back as the same float32.
        if (digits.length > 1) {
          const shorter = Number(value.toPrecision(digits.length - 1));
          expect(Math.fround(shorter)).not.toBe(value);
        }
      }),
      { numRuns: 20_000 },
    );
  });
});

describe('formatFloat64', () => {
  it('round-trips every float64', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true }), (value) => {
        expect(Object.is(Number(formatFloat64(value)), value)).toBe(true);
      }),
      { numRuns: 20_000 },
    );
  });
});

describe('encodeCsv', () => {
  it('writes index,value rows that parse back bit for bit', async () => {
    const values = Float32Array.of(0.1, Number.NaN, Number.POSITIVE_INFINITY, -0, -1.5e-7);
    const rows = await lines(
      info({ first: 100, rows: 5 }),
      blocksOf(100, 1, values.subarray(0, 3), values.subarray(3)),
    );
    expect(rows).toEqual([
      ['index', 'value'],
      ['100', '0.1'],
      ['101', ''],
      ['102', 'Infinity'],
      ['103', '-0'],
      ['104', '-1.5e-7'],
    ]);
    const back = Float32Array.from(rows.slice(1), (row) => parse(row[1]));
    expect(Array.from(back, (v) => (Object.is(v, -0) ? '-0' : String(v)))).toEqual(
      Array.from(values, (v) => (Object.is(v, -0) ? '-0' : String(v))),
    );
  });

  it.each([
    ['int16', Int16Array.of(-32768, 32767, 0), ['-32768', '32767', '0']],
    ['int32', Int32Array.of(-(2 ** 31), 2 ** 31 - 1, -7), ['-2147483648', '2147483647', '-7']],
    [
      'float64',
      Float64Array.of(0.1, 1 / 3, Number.NEGATIVE_INFINITY),
      ['0.1', '0.3333333333333333', '-Infinity'],
    ],
  ] as const)('writes %s values', async (dtype, values, expected) => {
    const rows = await lines(info({ dtype, rows: 3 }), blocksOf(0, 1, values));
    expect(rows.slice(1).map((row) => row[1])).toEqual(expected);
  });

  it('writes ISO times in milliseconds when the time base allows it', async () => {
    const slice = info({
      rows: 2,
      time: { t0Us: Date.UTC(2024, 1, 29, 23, 59, 59) * 1000, sampleRate: 4 },
    });
    const rows = await lines(slice, blocksOf(0, 1, Float32Array.of(1, 2)));
    expect(rows).toEqual([
      ['time', 'value'],
      ['2024-02-29T23:59:59.000Z', '1'],
      ['2024-02-29T23:59:59.250Z', '2'],
    ]);
  });

  it('writes ISO times in microseconds when the period needs them', async () => {
    // 48 kHz: 20.8333… µs per sample, rounded to the microsecond.
    const slice = info({ first: 1, rows: 3, time: { t0Us: 0, sampleRate: 48_000 } });
    const rows = await lines(slice, blocksOf(1, 1, Float32Array.of(1, 2, 3)));
    expect(rows.slice(1).map((row) => row[0])).toEqual([
      '1970-01-01T00:00:00.000021Z',
      '1970-01-01T00:00:00.000042Z',
      '1970-01-01T00:00:00.000063Z',
    ]);
  });

  it('writes level rows as bucket,min,max,mean,count', async () => {
    const values = Float32Array.of(1, 2, 1.5, 64, Number.NaN, Number.NaN, Number.NaN, 0);
    const slice = info({ kind: 'level', first: 4, rows: 2, samplesPerRow: 64 });
    expect(await lines(slice, blocksOf(4, 4, values))).toEqual([
      ['bucket', 'min', 'max', 'mean', 'count'],
      ['4', '1', '2', '1.5', '64'],
      ['5', '', '', '', '0'],
    ]);
    expect(csvHeader({ kind: 'level', time: { t0Us: 0, sampleRate: 1 } })).toBe(
      'time,min,max,mean,count',
    );
  });

  it('writes only the header for an empty slice', async () => {
    expect(await lines(info({ rows: 0 }), blocksOf(0, 1))).toEqual([['index', 'value']]);
  });

  it('writes long slices in several pieces', async () => {
    const values = new Float32Array(20_000).map((_, i) => i);
    const pieces: Buffer[] = [];
    for await (const piece of encodeCsv(info({ rows: 20_000 }), blocksOf(0, 1, values))) {
      pieces.push(piece);
    }
    expect(pieces.length).toBeGreaterThan(2);
    const text = Buffer.concat(pieces).toString();
    expect(text.split('\n').at(-2)).toBe('19999,19999');
  });
});
