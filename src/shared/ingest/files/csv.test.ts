import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseInstant } from '../../query/instant.ts';
import { parseCsv } from './csv.ts';
import { parseIsoTime, parseNumber, splitUnit } from './csv-values.ts';
import { chunked, collect, everyN, parseError, text } from './files.suite.ts';
import type { ParseFileOptions } from './common.ts';

function csv(source: string, options?: ParseFileOptions) {
  return collect(parseCsv(chunked(text(source)), options));
}

function csvError(source: string | Uint8Array, options?: ParseFileOptions) {
  const bytes = typeof source === 'string' ? text(source) : source;
  return parseError(() => collect(parseCsv(chunked(bytes), options)));
}

const ms = (iso: string): number => parseInstant(iso) ?? Number.NaN;

describe('CSV structure', () => {
  it('reads a header, a time column and value columns', async () => {
    const out = await csv(
      'time,temperature [°C],power (kW),vibration_g\n' +
        '2024-01-01T00:00:00Z,20.5,1.25,0.01\n' +
        '2024-01-01T00:00:01Z,20.75,-3e2,0.02\n',
    );
    expect(out.header).toEqual({
      format: 'csv',
      columns: [
        { name: 'temperature', dtype: 'float64', unit: '°C' },
        { name: 'power', dtype: 'float64', unit: 'kW' },
        { name: 'vibration_g', dtype: 'float64' },
      ],
      time: { kind: 'column', column: 'time' },
    });
    expect(out.time).toEqual([ms('2024-01-01T00:00:00Z'), ms('2024-01-01T00:00:01Z')]);
    expect(out.columns).toEqual([
      [20.5, 20.75],
      [1.25, -300],
      [0.01, 0.02],
    ]);
    expect(out.kinds).toEqual(['Float64Array', 'Float64Array', 'Float64Array']);
  });

  it('detects ; (with decimal commas) and tab delimiters on the first line', async () => {
    const semicolon = await csv('a;b\n1,5;2\n-0,25;3e1\n');
    expect(semicolon.columns).toEqual([
      [1.5, -0.25],
      [2, 30],
    ]);
    const tab = await csv('a\tb\tc\n1\t2\t3\n');
    expect(tab.columns).toEqual([[1], [2], [3]]);
    const single = await csv('value\n1\n2\n');
    expect(single.header.columns.map((c) => c.name)).toEqual(['value']);
    expect(single.columns).toEqual([[1, 2]]);
    // A delimiter inside quotes does not count.
    const quoted = await csv('"a;b;c",d\n1,2\n');
    expect(quoted.header.columns.map((c) => c.name)).toEqual(['a;b;c', 'd']);
    const forced = await csv('a;b,c\n"1",5\n', { csv: { delimiter: ',' } });
    expect(forced.header.columns.map((c) => c.name)).toEqual(['a;b', 'c']);
  });

  it('reads RFC 4180 quoting: doubled quotes, delimiters and newlines inside quotes', async () => {
    const out = await csv('"x ""raw""","multi\nline [V]",z\n"1.5","2",""\n3,"4",5\n');
    expect(out.header.columns).toEqual([
      { name: 'x "raw"', dtype: 'float64' },
      { name: 'multi\nline', dtype: 'float64', unit: 'V' },
      { name: 'z', dtype: 'float64' },
    ]);
    expect(out.columns).toEqual([
      [1.5, 3],
      [2, 4],
      [Number.NaN, 5],
    ]);
  });

  it('handles CRLF, lone CR, a UTF-8 BOM, blank lines and a missing last line end', async () => {
    const crlf = await csv('\uFEFFa,b\r\n1,2\r\n\r\n3,4');
    expect(crlf.header.columns.map((c) => c.name)).toEqual(['a', 'b']);
    expect(crlf.columns).toEqual([
      [1, 3],
      [2, 4],
    ]);
    const cr = await csv('a,b\r1,2\r3,4\r');
    expect(cr.columns).toEqual([
      [1, 3],
      [2, 4],
    ]);
    const trailingEmpty = await csv('a,b\n1,\n');
    expect(trailingEmpty.columns).toEqual([[1], [Number.NaN]]);
  });

  it('reads empty fields and NaN as NaN, and inf/Infinity', async () => {
    const out = await csv('a,b,c\n,NaN,inf\n nan ,-Infinity, 7 \n');
    expect(out.columns).toEqual([
      [Number.NaN, Number.NaN],
      [Number.NaN, Number.NEGATIVE_INFINITY],
      [Number.POSITIVE_INFINITY, 7],
    ]);
  });

  it('names empty headers by position', async () => {
    const out = await csv(',b\n1,2\n', { csv: { timeColumn: null } });
    expect(out.header.columns.map((c) => c.name)).toEqual(['column-1', 'b']);
  });

  it('gives float32 columns when asked', async () => {
    const out = await csv('a\n0.1\n', { csv: { float: 'float32' } });
    expect(out.header.columns[0]?.dtype).toBe('float32');
    expect(out.kinds).toEqual(['Float32Array']);
    expect(out.columns).toEqual([[Math.fround(0.1)]]);
  });

  it('cuts blocks of 65 536 rows (or blockRows) whatever the chunks', async () => {
    const rows = 70_000;
    let source = 'time,v\n';
    for (let i = 0; i < rows; i++) source += `${1_700_000_000 + i},${i}\n`;
    const out = await collect(parseCsv(everyN(text(source), 4093)));
    expect(out.blocks).toEqual([65_536, rows - 65_536]);
    expect(out.columns[0]?.[rows - 1]).toBe(rows - 1);
    expect(out.time?.[rows - 1]).toBe((1_700_000_000 + rows - 1) * 1000);
    const small = await csv('v\n1\n2\n3\n4\n5\n', { blockRows: 2 });
    expect(small.blocks).toEqual([2, 2, 1]);
  });

  it('reads a header with no rows as no blocks', async () => {
    const out = await csv('a,b\n');
    expect(out.blocks).toEqual([]);
    expect(out.header.columns).toHaveLength(2);
    expect(out.header.time).toEqual({ kind: 'none' });
  });
});

describe('CSV time column', () => {
  it('takes a column named time/timestamp/date/datetime/t, any case, wherever it is', async () => {
    for (const name of ['Time', 'TIMESTAMP', 'date', 'DateTime', 't', 'time [UTC]']) {
      const out = await csv(`v,${name}\n1,2024-03-01T10:00:00+01:00\n`);
      expect(out.header.time).toEqual({ kind: 'column', column: splitUnit(name).name });
      expect(out.header.columns.map((c) => c.name)).toEqual(['v']);
      expect(out.time).toEqual([ms('2024-03-01T09:00:00Z')]);
    }
  });

  it('reads offset-less ISO times as UTC, with fractions below the millisecond', async () => {
    const out = await csv('date,v\n2024-01-01,1\n2024-01-01 12:00:00.0005,2\n');
    expect(out.time).toEqual([ms('2024-01-01T00:00:00Z'), ms('2024-01-01T12:00:00Z') + 0.5]);
  });

  it('reads numeric times as epoch s or ms by magnitude, or by the header unit', async () => {
    const seconds = await csv('t,v\n1700000000.5,1\n1700000001,2\n');
    expect(seconds.time).toEqual([1_700_000_000_500, 1_700_000_001_000]);
    const millis = await csv('time,v\n1700000000500,1\n');
    expect(millis.time).toEqual([1_700_000_000_500]);
    const micros = await csv('time [us],v\n1700000000500000,1\n');
    expect(micros.time).toEqual([1_700_000_000_500]);
    // A named unit wins over the magnitude: relative seconds stay seconds.
    const relative = await csv('time [s],v\n0,1\n0.25,2\n');
    expect(relative.time).toEqual([0, 250]);
    const nanos = await csv('timestamp (ns),v\n1700000000000000000,1\n');
    expect(nanos.time).toEqual([1_700_000_000_000]);
  });

  it('takes an unnamed first column whose first block is all ISO times or epoch s/ms', async () => {
    const iso = await csv('when,v\n2024-01-01T00:00:00Z,1\n2024-01-01T00:00:02Z,2\n');
    expect(iso.header.time).toEqual({ kind: 'column', column: 'when' });
    expect(iso.header.columns.map((c) => c.name)).toEqual(['v']);
    expect(iso.time).toEqual([ms('2024-01-01T00:00:00Z'), ms('2024-01-01T00:00:02Z')]);
    const epochS = await csv('epoch,v\n1700000000,1\n1700000010,2\n');
    expect(epochS.header.time).toEqual({ kind: 'column', column: 'epoch' });
    expect(epochS.time).toEqual([1_700_000_000_000, 1_700_000_010_000]);
    const epochMs = await csv('epoch,v\n1700000000000,1\n');
    expect(epochMs.time).toEqual([1_700_000_000_000]);
  });

  it('keeps a first column of plain numbers, years or mixed values as values', async () => {
    for (const source of [
      'index,v\n0,1\n1,2\n',
      'year,v\n2023,1\n2024,2\n',
      'x,v\n1700000000,1\n5,2\n',
      'x,v\n1700000000,1\n1700000000000,2\n',
    ]) {
      const out = await csv(source);
      expect(out.header.time).toEqual({ kind: 'none' });
      expect(out.header.columns).toHaveLength(2);
    }
  });

  it('decides on the first block only: a later non-time value is an error', async () => {
    const error = await csvError('when,v\n2024-01-01T00:00:00Z,1\n42,2\n', { blockRows: 1 });
    expect(error.at.line).toBe(3);
    expect(error.message).toContain("time column 'when'");
  });

  it('follows the timeColumn option, and a sampleRate without a time column', async () => {
    const chosen = await csv('a,b\n1700000000,5\n', { csv: { timeColumn: 'b' } });
    expect(chosen.header.time).toEqual({ kind: 'column', column: 'b' });
    expect(chosen.header.columns.map((c) => c.name)).toEqual(['a']);
    const none = await csv('time,v\n1,2\n', { csv: { timeColumn: null } });
    expect(none.header.time).toEqual({ kind: 'none' });
    expect(none.columns).toEqual([[1], [2]]);
    const rate = await csv('v\n1\n', { sampleRate: 100, t0: '2024-01-01T00:00:00Z' });
    expect(rate.header.time).toEqual({
      kind: 'rate',
      sampleRate: 100,
      t0: '2024-01-01T00:00:00Z',
    });
    await expect(csv('v\n1\n', { sampleRate: -1 })).rejects.toThrow(RangeError);
  });
});

describe('CSV errors', () => {
  it('names the line and column of a non-numeric value', async () => {
    const error = await csvError('time,temp [°C]\n2024-01-01,1\n2024-01-02,warm\n');
    expect(error.format).toBe('csv');
    expect(error.at).toEqual({ line: 3 });
    expect(error.message).toContain(`"warm" in column 'temp' is not a number`);
    // Hex, thousands separators and units are not numbers either.
    for (const bad of ['0x10', '1,000', '5 V', '1e', '.', '--1', '1.2.3']) {
      const e = await csvError(`a,b\n1,"${bad}"\n`);
      expect(e.at.line).toBe(2);
    }
  });

  it('names the line of a row with another field count', async () => {
    expect((await csvError('a,b\n1,2\n1,2,3\n')).at).toEqual({ line: 3 });
    const fewer = await csvError('a,b\n1,2\n\n1\n');
    expect(fewer.at).toEqual({ line: 4 });
    expect(fewer.message).toContain('1 field where the header has 2');
  });

  it('counts the lines inside quoted fields', async () => {
    const error = await csvError('a,b\n"1\r\n\n",2\nx,3\n');
    expect(error.message).toContain('"1\\r\\n\\n"');
    expect(error.at.line).toBe(2);
    const later = await csvError('a,b\n"1\r\n\n",2\n4,x\n', { csv: { timeColumn: null } });
    expect(later.at.line).toBe(2);
    const after = await csvError('a,b\n"1",2\n"\n\n",x\n');
    expect(after.at.line).toBe(3);
    const next = await csvError('a,b\n"1\n\n",2\n1,x\n');
    expect(next.at.line).toBe(5);
  });

  it('refuses unclosed quotes and text after a closing quote', async () => {
    expect((await csvError('a,b\n1,"2\n3,4\n')).message).toContain('never closed');
    expect((await csvError('a,b\n1,"2"x\n')).at.line).toBe(2);
  });

  it('refuses invalid UTF-8 in the header and in values', async () => {
    const header = await csvError(Uint8Array.from([0x61, 0x2c, 0xff, 0x0a, 0x31, 0x2c, 0x32]));
    expect(header.at).toEqual({ line: 1 });
    expect(header.message).toContain('UTF-8');
    const overlong = await csvError(Uint8Array.from([0x61, 0xc0, 0xaf, 0x0a, 0x31]));
    expect(overlong.at.line).toBe(1);
    const value = await csvError(Uint8Array.from([0x61, 0x0a, 0x31, 0xe2, 0x82, 0x0a]));
    expect(value.at.line).toBe(2);
    expect(value.message).toContain('invalid UTF-8');
  });

  it('refuses a header line over 1 MiB, and any record over the limit', async () => {
    const huge = new Uint8Array(1024 * 1024 + 10).fill(0x61);
    const error = await parseError(() => collect(parseCsv(everyN(huge, 65_536))));
    expect(error.at.line).toBe(1);
    expect(error.message).toContain('longer than 1048576 bytes');
    const record = await csvError(`a\n1\n${'2'.repeat(100)}\n`, { csv: { maxRecordBytes: 50 } });
    expect(record.at.line).toBe(3);
  });

  it('refuses an empty file, twice the same name, and no value column', async () => {
    expect((await csvError('')).message).toContain('header row is required');
    expect((await csvError('a,a\n')).message).toContain("two columns are named 'a'");
    expect((await csvError('time\n2024-01-01\n')).message).toContain('no value column');
    expect((await csvError('a\n1\n', { csv: { timeColumn: 'x' } })).message).toContain(
      "no column 'x'",
    );
  });

  it('refuses bad times in a time column, and a non-epoch unit on numbers', async () => {
    expect((await csvError('time,v\n2024-01-01,1\nyesterday,2\n')).at.line).toBe(3);
    expect((await csvError('time,v\n,1\n')).at.line).toBe(2);
    expect((await csvError('time,v\n2024-02-30,1\n')).at.line).toBe(2);
    expect((await csvError('time [h],v\n1,1\n')).message).toContain("'h'");
    expect((await csvError('t,v\n1700000000,1\n2024-01-01,2\n')).at.line).toBe(3);
  });

  it('lets the body go when the consumer stops early', async () => {
    let returned = false;
    async function* body(): AsyncGenerator<Uint8Array> {
      try {
        yield text('v\n');
        for (let i = 0; ; i++) yield text(`${i}\n`);
      } finally {
        returned = true;
      }
    }
    const parsed = await parseCsv(body(), { blockRows: 10 });
    for await (const block of parsed.blocks) {
      expect(block.values[0]).toHaveLength(10);
      break;
    }
    expect(returned).toBe(true);
  });
});

describe('CSV numbers', () => {
  const read = (s: string, comma = false) => {
    const bytes = text(s);
    return parseNumber(bytes, 0, bytes.length, comma);
  };

  it('reads every double exactly as JavaScript writes it', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true }), (x) => {
        // String(-0) is "0": compare with what the text says.
        expect(Object.is(read(String(x)), Number(String(x)))).toBe(true);
        expect(Object.is(read(x.toExponential()), Number(x.toExponential()))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('agrees with Number() on decimal strings, fast path or not', () => {
    const decimal = fc
      .tuple(
        fc.constantFrom('', '-', '+'),
        fc.stringMatching(/^[0-9]{1,25}$/),
        fc.option(fc.stringMatching(/^[0-9]{0,25}$/)),
        fc.option(fc.integer({ min: -400, max: 400 })),
      )
      .map(
        ([sign, int, frac, exp]) =>
          `${sign}${int}${frac === null ? '' : `.${frac}`}${exp === null ? '' : `e${exp}`}`,
      );
    fc.assert(
      fc.property(decimal, (s) => {
        expect(Object.is(read(s), Number(s))).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('agrees with Number() on the short plain decimals most CSV fields are', () => {
    const plain = fc
      .tuple(
        fc.constantFrom('', '-', '+'),
        fc.stringMatching(/^[0-9]{0,9}$/),
        fc.option(fc.stringMatching(/^[0-9]{0,9}$/)),
      )
      .map(([sign, int, frac]) => `${sign}${int}${frac === null ? '' : `.${frac}`}`)
      .filter((s) => /[0-9]/.test(s));
    fc.assert(
      fc.property(plain, (s) => {
        expect(Object.is(read(s), Number(s))).toBe(true);
      }),
      { numRuns: 3000 },
    );
    expect(read('1.')).toBe(1);
    expect(read('-')).toBeUndefined();
    expect(read('.')).toBeUndefined();
    expect(read(' 1.5')).toBe(1.5);
  });

  it('reads a decimal comma only when asked', () => {
    expect(read('1,5', true)).toBe(1.5);
    expect(read('1,5')).toBeUndefined();
    expect(read('-0')).toBe(-0);
    expect(read('.5')).toBe(0.5);
    expect(read('5.')).toBe(5);
  });
});

describe('CSV times', () => {
  it('reads ISO 8601 exactly as parseInstant does (the byte fast path included)', () => {
    const pad = (n: number, width: number) => String(n).padStart(width, '0');
    const iso = fc
      .record({
        year: fc.integer({ min: 0, max: 9999 }),
        month: fc.integer({ min: 0, max: 13 }),
        day: fc.integer({ min: 0, max: 32 }),
        time: fc.option(
          fc.record({
            sep: fc.constantFrom('T', 't', ' ', 'x'),
            hour: fc.integer({ min: 0, max: 24 }),
            minute: fc.integer({ min: 0, max: 60 }),
            second: fc.option(fc.integer({ min: 0, max: 60 })),
            fraction: fc.option(fc.stringMatching(/^[0-9]{0,18}$/)),
            mark: fc.constantFrom('.', ','),
            zone: fc.constantFrom('', 'Z', 'z', '+01:00', '-0530', '+02', '+24:00', '-01:60', '+1'),
          }),
        ),
      })
      .map(({ year, month, day, time }) => {
        let text = `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
        if (time !== null) {
          text += `${time.sep}${pad(time.hour, 2)}:${pad(time.minute, 2)}`;
          if (time.second !== null) {
            text += `:${pad(time.second, 2)}`;
            if (time.fraction !== null) text += `${time.mark}${time.fraction}`;
          }
          text += time.zone;
        }
        return text;
      });
    fc.assert(
      fc.property(iso, fc.nat(3), (value, extra) => {
        // The field sits in a larger buffer: nothing past its end may be read.
        const bytes = text(`${value}:00.5Z`.slice(0, value.length + extra));
        expect(parseIsoTime(bytes, 0, value.length)).toBe(parseInstant(value));
      }),
      { numRuns: 5000 },
    );
  });
});

describe('CSV chunking', () => {
  const cell = fc.oneof(
    fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
    fc.constantFrom('', 'NaN', '"1.5"', ' 2 ', '-0', '1e-300'),
  );
  const table = fc
    .record({
      columns: fc.integer({ min: 1, max: 4 }),
      rows: fc.integer({ min: 0, max: 30 }),
      eol: fc.constantFrom('\n', '\r\n', '\r'),
      delimiter: fc.constantFrom(',', ';', '\t'),
      timed: fc.boolean(),
      bom: fc.boolean(),
    })
    .chain((shape) =>
      fc.record({
        shape: fc.constant(shape),
        cells: fc.array(fc.array(cell, { minLength: shape.columns, maxLength: shape.columns }), {
          minLength: shape.rows,
          maxLength: shape.rows,
        }),
      }),
    )
    .map(({ shape, cells }) => {
      const names = Array.from({ length: shape.columns }, (_, c) => `"c ${c} [u${c}]"`);
      const lines = [(shape.timed ? ['time', ...names] : names).join(shape.delimiter)];
      cells.forEach((row, r) => {
        const time = `2024-01-01T00:00:${String(r % 60).padStart(2, '0')}.${r}Z`;
        // Decimal commas go with a detected `;`: a one-column file has no delimiter to detect.
        const comma = shape.delimiter === ';' && (shape.columns > 1 || shape.timed);
        const values = comma ? row.map((v) => v.replace('.', ',')) : row;
        lines.push((shape.timed ? [time, ...values] : values).join(shape.delimiter));
      });
      return (shape.bom ? '\uFEFF' : '') + lines.join(shape.eol) + shape.eol;
    });

  it('gives the same header and values for any split of the body', async () => {
    await fc.assert(
      fc.asyncProperty(
        table,
        fc.array(fc.nat(2000), { maxLength: 12 }),
        fc.integer({ min: 1, max: 7 }),
        async (source, cuts, blockRows) => {
          const bytes = text(source);
          const whole = await collect(parseCsv(chunked(bytes), { blockRows }));
          const split = await collect(parseCsv(chunked(bytes, cuts), { blockRows }));
          expect(split).toEqual(whole);
          const bytewise = await collect(parseCsv(everyN(bytes, 1), { blockRows }));
          expect(bytewise).toEqual(whole);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('fails the same way for any split of a malformed body', async () => {
    const bad = text('a,b\n1,2\n3,"4\n5,6\n');
    const whole = await parseError(() => collect(parseCsv(chunked(bad))));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat(bad.length), { maxLength: 6 }), async (cuts) => {
        const split = await parseError(() => collect(parseCsv(chunked(bad, cuts))));
        expect(split.message).toBe(whole.message);
      }),
      { numRuns: 50 },
    );
  });
});
