import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
/* eslint-disable fieldlake/import-boundaries -- the parser must read what the lake's writer writes */
import { encodeNpy } from '../../../../server/read/slice/npy.ts';
import type { RowBlock, SliceInfo } from '../../../../server/read/slice/types.ts';
/* eslint-enable fieldlake/import-boundaries */
import type { IngestParseError } from '../types.ts';
import {
  chunked,
  collect,
  everyN,
  expected,
  fixture,
  parseError,
  text,
  tokenNumber,
} from './files.suite.ts';
import { parseNpy } from './npy.ts';

/** An .npy file: `dict` is the header's Python literal, padded as numpy pads it. */
function npy(dict: string, data: ArrayLike<number> = [], major = 1): Uint8Array {
  const preamble = major === 1 ? 10 : 12;
  const total = Math.ceil((preamble + dict.length + 1) / 64) * 64;
  const header = text(dict.padEnd(total - preamble - 1, ' ') + '\n');
  const length = header.length;
  const lengthBytes =
    major === 1
      ? [length & 0xff, length >> 8]
      : [length & 0xff, (length >> 8) & 0xff, (length >> 16) & 0xff, length >>> 24];
  return Uint8Array.from([
    0x93,
    ...text('NUMPY'),
    major,
    0,
    ...lengthBytes,
    ...header,
    ...Array.from(data),
  ]);
}

async function npyError(bytes: Uint8Array): Promise<IngestParseError> {
  const error = await parseError(() => collect(parseNpy(chunked(bytes))));
  expect(error.format).toBe('npy');
  expect(error.at.offset).toBeTypeOf('number');
  return error;
}

describe('npy fixtures (np.save, numpy.lib.format.write_array)', () => {
  for (const [name, want] of Object.entries(expected.npy)) {
    it(`reads ${name}`, async () => {
      const bytes = await fixture(name);
      for (const body of [chunked(bytes), everyN(bytes, 5)]) {
        const out = await collect(parseNpy(body));
        expect(out.header.format).toBe('npy');
        expect(out.header.rows).toBe(want.rows);
        expect(out.header.time).toEqual({ kind: 'none' });
        const names = want.columns ?? out.header.columns.map((c) => c.name);
        expect(out.header.columns).toEqual(names.map((name) => ({ name, dtype: want.dtype })));
        expect(out.columns).toHaveLength(want.values.length);
        out.columns.forEach((column, c) => {
          const wanted = (want.values[c] ?? []).map(tokenNumber);
          expect(column).toHaveLength(wanted.length);
          column.forEach((value, r) => {
            expect(Object.is(value, wanted[r])).toBe(true);
          });
        });
      }
    });
  }

  for (const [name, message] of Object.entries(expected.npyRefused)) {
    it(`refuses ${name} clearly`, async () => {
      const error = await npyError(await fixture(name));
      expect(error.message).toContain(message);
    });
  }
});

describe('npy from the lake', () => {
  it('reads every slice the lake writes back unchanged', async () => {
    const cases: [SliceInfo['dtype'], Float32Array | Float64Array | Int16Array | Int32Array][] = [
      ['float32', Float32Array.from([1.5, Number.NaN, -0, 3e38])],
      ['float64', Float64Array.from([Math.PI, Number.NEGATIVE_INFINITY, 5e-324, 0])],
      ['int16', Int16Array.from([-32768, 32767, 0, 1])],
      ['int32', Int32Array.from([-(2 ** 31), 2 ** 31 - 1, 0, 7])],
    ];
    for (const [dtype, values] of cases) {
      for (const kind of ['raw', 'level'] as const) {
        if (kind === 'level' && (dtype === 'int16' || dtype === 'int32')) continue;
        const rows = kind === 'raw' ? values.length : values.length / 4;
        const info: SliceInfo = {
          kind,
          dtype,
          first: 0,
          rows,
          samplesPerRow: 1,
          time: null,
          metadata: new Map(),
        };
        async function* blocks(): AsyncGenerator<RowBlock> {
          await Promise.resolve();
          yield { first: 0, values };
        }
        const out = await collect(parseNpy(encodeNpy(info, blocks())));
        expect(out.header.rows).toBe(rows);
        expect(out.header.columns.map((c) => c.dtype)).toEqual(
          kind === 'raw' ? [dtype] : [dtype, dtype, dtype, dtype],
        );
        const width = kind === 'raw' ? 1 : 4;
        out.columns.forEach((column, c) => {
          column.forEach((value, r) => {
            expect(Object.is(value, values[r * width + c])).toBe(true);
          });
        });
      }
    }
  });
});

describe('npy headers', () => {
  it('reads Python 2 longs, double quotes, spacing and key order', async () => {
    const out = await collect(
      parseNpy(
        chunked(
          npy('{"shape": (2L, 1L), "fortran_order": True, "descr": "<i2"}', [1, 0, 0xff, 0xff]),
        ),
      ),
    );
    expect(out.header.columns).toEqual([{ name: 'column-0', dtype: 'int16' }]);
    expect(out.columns).toEqual([[1, -1]]);
  });

  it('reads version 2.0 and 3.0 preambles', async () => {
    for (const major of [2, 3]) {
      const bytes = npy(
        "{'descr': '|u1', 'fortran_order': False, 'shape': (3,), }",
        [1, 2, 255],
        major,
      );
      const out = await collect(parseNpy(chunked(bytes)));
      expect(out.columns).toEqual([[1, 2, 255]]);
    }
  });

  it('gives a rate time base when asked', async () => {
    const bytes = npy("{'descr': '|i1', 'fortran_order': False, 'shape': (1,), }", [0xff]);
    const out = await collect(parseNpy(chunked(bytes), { sampleRate: 50 }));
    expect(out.header.time).toEqual({ kind: 'rate', sampleRate: 50 });
    expect(out.columns).toEqual([[-1]]);
  });
});

describe('npy errors', () => {
  const good = "{'descr': '<i2', 'fortran_order': False, 'shape': (2,), }";

  it('refuses a wrong magic, truncated preambles and headers', async () => {
    expect((await npyError(text('PK\u0003\u0004 a zip file'))).message).toContain('\\x93NUMPY');
    expect((await npyError(new Uint8Array(0))).at.offset).toBe(0);
    const bytes = npy(good, [1, 0, 2, 0]);
    expect((await npyError(bytes.subarray(0, 8))).message).toContain('preamble');
    const cut = await npyError(bytes.subarray(0, 30));
    expect(cut.message).toContain('header');
    expect(cut.at.offset).toBe(30);
    const v2 = Uint8Array.from([0x93, ...text('NUMPY'), 2, 0, 0, 0]);
    expect((await npyError(v2)).message).toContain('preamble');
  });

  it('refuses unknown versions and impossible header sizes', async () => {
    const v4 = npy(good, [1, 0, 2, 0]);
    v4[6] = 4;
    expect((await npyError(v4)).message).toContain('version 4.0');
    const huge = Uint8Array.from([0x93, ...text('NUMPY'), 2, 0, 0, 0, 0, 1]);
    const error = await npyError(huge);
    expect(error.message).toContain('16777216 bytes');
    expect(error.at.offset).toBe(8);
  });

  it('refuses headers that are not the dict numpy writes', async () => {
    const cases: [string, string][] = [
      ["{'descr': '<i2', 'fortran_order': False, 'shape': (2,)", 'not a Python dict'],
      ["{'descr': '<i2', 'fortran_order': False, 'shape': (2,), } x", 'text after'],
      ["{'descr': '<i2', 'shape': (2,), }", 'fortran_order'],
      ["{'descr': '<i2', 'fortran_order': False, }", 'shape'],
      ["{'descr': '<i2', 'fortran_order': False, 'shape': (-1,), }", 'shape'],
      ["{'descr': '<i2', 'fortran_order': False, 'shape': (99999999999999999999,), }", 'too large'],
      ["{'descr': '=i2', 'fortran_order': False, 'shape': (2,), }", 'byte order'],
      ["{'descr': '|i2', 'fortran_order': False, 'shape': (2,), }", 'byte order'],
      ["{'descr': '<U3', 'fortran_order': False, 'shape': (2,), }", "'<U3' is not supported"],
      ["{'descr': '<f8', 'fortran_order': False, 'shape': (2, 0), }", 'no columns'],
      ["{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000, 10000000), }", 'impossibly'],
      [
        "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), 'x': __import__('os')}",
        'unexpected',
      ],
      ['[1, 2]', 'not a dict'],
    ];
    for (const [dict, message] of cases) {
      const error = await npyError(npy(dict, [1, 0, 2, 0]));
      expect(error.message).toContain(message);
      expect(error.at.offset).toBeGreaterThanOrEqual(10);
    }
  });

  it('refuses truncated data and bytes after the array, by offset', async () => {
    const bytes = npy(good, [1, 0, 2, 0]);
    const short = await npyError(bytes.subarray(0, bytes.length - 1));
    expect(short.at.offset).toBe(bytes.length - 1);
    expect(short.message).toContain('3 of the array');
    const long = await npyError(Uint8Array.from([...bytes, 0]));
    expect(long.at.offset).toBe(bytes.length);
  });

  it('refuses int64 values that a float64 would round, with their offset', async () => {
    const past = [1, 0, 0, 0, 0, 0, 0x20, 0]; // 2^53 + 1
    const bytes = npy("{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", [
      ...[5, 0, 0, 0, 0, 0, 0, 0],
      ...past,
    ]);
    const error = await npyError(bytes);
    expect(error.at.offset).toBe(bytes.length - 8);
  });
});

describe('npy chunking', () => {
  const descrs = ['<f4', '<f8', '>f8', '<i2', '>i4', '|u1', '<u2', '<f2', '|b1'] as const;
  const size: Record<(typeof descrs)[number], number> = {
    '<f4': 4,
    '<f8': 8,
    '>f8': 8,
    '<i2': 2,
    '>i4': 4,
    '|u1': 1,
    '<u2': 2,
    '<f2': 2,
    '|b1': 1,
  };
  const file = fc
    .record({
      descr: fc.constantFrom(...descrs),
      rows: fc.integer({ min: 0, max: 30 }),
      columns: fc.option(fc.integer({ min: 1, max: 3 })),
      major: fc.constantFrom(1, 2, 3),
    })
    .chain((shape) =>
      fc.record({
        shape: fc.constant(shape),
        data: fc.uint8Array({
          minLength: shape.rows * (shape.columns ?? 1) * size[shape.descr],
          maxLength: shape.rows * (shape.columns ?? 1) * size[shape.descr],
        }),
      }),
    )
    .map(({ shape, data }) => {
      const dims =
        shape.columns === null ? `(${shape.rows},)` : `(${shape.rows}, ${shape.columns})`;
      return npy(
        `{'descr': '${shape.descr}', 'fortran_order': False, 'shape': ${dims}, }`,
        data,
        shape.major,
      );
    });

  it('gives the same values for any split of the body', async () => {
    await fc.assert(
      fc.asyncProperty(
        file,
        fc.array(fc.nat(400), { maxLength: 10 }),
        fc.integer({ min: 1, max: 9 }),
        async (bytes, cuts, blockRows) => {
          const whole = await collect(parseNpy(chunked(bytes), { blockRows }));
          const split = await collect(parseNpy(chunked(bytes, cuts), { blockRows }));
          expect(split).toEqual(whole);
        },
      ),
      { numRuns: 200 },
    );
  });
});
