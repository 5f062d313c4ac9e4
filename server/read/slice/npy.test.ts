import { describe, expect, it } from 'vitest';
import type { SignalArray } from '../../../src/shared/chunk/index.ts';
import { encodeNpy, npyByteLength, npyHeader } from './npy.ts';
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

async function encode(slice: SliceInfo, blocks: AsyncIterable<RowBlock>): Promise<Buffer> {
  const pieces: Buffer[] = [];
  for await (const piece of encodeNpy(slice, blocks)) pieces.push(piece);
  return Buffer.concat(pieces);
}

/** A small .npy reader written from the format description, independent of the encoder. */
function parseNpy(bytes: Buffer) {
  expect([...bytes.subarray(0, 6)]).toEqual([0x93, ...Buffer.from('NUMPY')]);
  expect([bytes[6], bytes[7]]).toEqual([1, 0]);
  const headerLength = bytes.readUInt16LE(8);
  const header = bytes.subarray(10, 10 + headerLength).toString('latin1');
  expect(header.endsWith('\n')).toBe(true);
  const match =
    /^\{'descr': '([<>|][a-z]\d)', 'fortran_order': (True|False), 'shape': \(((?:\d+, ?)*\d*)\), \} *\n$/.exec(
      header,
    );
  if (match === null) throw new Error(`bad header ${JSON.stringify(header)}`);
  const [, descr = '', fortran, shapeText = ''] = match;
  const shape = shapeText
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map(Number);
  const dataStart = 10 + headerLength;
  const data = bytes.subarray(dataStart);
  const copy = new Uint8Array(data).buffer;
  const arrays: Record<string, (buffer: ArrayBuffer) => SignalArray> = {
    '<f4': (b) => new Float32Array(b),
    '<f8': (b) => new Float64Array(b),
    '<i2': (b) => new Int16Array(b),
    '<i4': (b) => new Int32Array(b),
  };
  const make = arrays[descr];
  if (make === undefined) throw new Error(`unknown descr ${descr}`);
  return { descr, fortran, shape, dataStart, values: make(copy) };
}

function bits(values: ArrayLike<number>): string[] {
  return Array.from(values, (v) => (Object.is(v, -0) ? '-0' : String(v)));
}

describe('encodeNpy', () => {
  it.each([
    ['float32', '<f4', Float32Array.of(1.5, Number.NaN, Number.POSITIVE_INFINITY, -0, 0.1)],
    ['float64', '<f8', Float64Array.of(1 / 3, Number.NEGATIVE_INFINITY, Number.NaN, -0, 5e-324)],
    ['int16', '<i2', Int16Array.of(-32768, 32767, 0, -1, 12)],
    ['int32', '<i4', Int32Array.of(-(2 ** 31), 2 ** 31 - 1, 0, -1, 12)],
  ] as const)('writes %s samples as %s, shape (n,)', async (dtype, descr, values) => {
    const slice = info({ dtype, first: 3, rows: 5 });
    const bytes = await encode(slice, blocksOf(3, 1, values.subarray(0, 2), values.subarray(2)));
    const parsed = parseNpy(bytes);
    expect(parsed).toMatchObject({ descr, fortran: 'False', shape: [5] });
    expect(bits(parsed.values)).toEqual(bits(values));
    expect(bytes.length).toBe(npyByteLength(slice));
  });

  it('writes a level as (n, 4) rows of min, max, mean, count', async () => {
    const values = Float32Array.of(1, 2, 1.5, 64, Number.NaN, Number.NaN, Number.NaN, 0);
    const slice = info({ kind: 'level', first: 9, rows: 2, samplesPerRow: 64 });
    const bytes = await encode(slice, blocksOf(9, 4, values));
    const parsed = parseNpy(bytes);
    expect(parsed).toMatchObject({ descr: '<f4', shape: [2, 4] });
    expect(bits(parsed.values)).toEqual(bits(values));
    expect(bytes.length).toBe(npyByteLength(slice));
  });

  it('writes an empty slice as shape (0,)', async () => {
    const slice = info({ rows: 0 });
    const bytes = await encode(slice, blocksOf(0, 1));
    const parsed = parseNpy(bytes);
    expect(parsed.shape).toEqual([0]);
    expect(parsed.values.length).toBe(0);
    expect(bytes.length).toBe(npyByteLength(slice));
  });

  it('aligns the data to 64 bytes whatever the shape', () => {
    for (const rows of [0, 1, 9, 10 ** 6, 10 ** 12]) {
      for (const kind of ['raw', 'level'] as const) {
        expect(npyHeader({ kind, dtype: 'float64', rows }).length % 64).toBe(0);
      }
    }
  });

  it('passes the values through without copying them', async () => {
    const values = new Float32Array(1000);
    const pieces: Buffer[] = [];
    for await (const piece of encodeNpy(info({ rows: 1000 }), blocksOf(0, 1, values))) {
      pieces.push(piece);
    }
    expect(pieces[1]?.buffer).toBe(values.buffer);
  });

  it('fails rather than write more or fewer rows than its header says', async () => {
    await expect(encode(info({ rows: 3 }), blocksOf(0, 1, Float32Array.of(1, 2)))).rejects.toThrow(
      /expected 3/,
    );
    await expect(encode(info({ rows: 1 }), blocksOf(0, 1, Float32Array.of(1, 2)))).rejects.toThrow(
      /does not continue/,
    );
  });
});
