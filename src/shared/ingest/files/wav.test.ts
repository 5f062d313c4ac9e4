import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IngestParseError } from '../types.ts';
import {
  chunked,
  collect,
  everyN,
  expected,
  fixture,
  parseError,
  tokenNumber,
} from './files.suite.ts';
import { parseWav } from './wav.ts';

function u32(n: number): number[] {
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
}
function u16(n: number): number[] {
  return [n & 0xff, (n >>> 8) & 0xff];
}
function id(name: string): number[] {
  return Array.from(name, (c) => c.charCodeAt(0));
}
function chunk(name: string, payload: ArrayLike<number>): number[] {
  const bytes = [...id(name), ...u32(payload.length), ...Array.from(payload)];
  if (payload.length % 2 === 1) bytes.push(0);
  return bytes;
}
function fmt(tag: number, channels: number, rate: number, bits: number, align?: number): number[] {
  const blockAlign = align ?? (channels * bits) / 8;
  return [
    ...u16(tag),
    ...u16(channels),
    ...u32(rate),
    ...u32(rate * blockAlign),
    ...u16(blockAlign),
    ...u16(bits),
  ];
}
function riff(chunks: number[][], kind = 'RIFF'): Uint8Array {
  const body = [...id('WAVE'), ...chunks.flat()];
  return Uint8Array.from([...id(kind), ...u32(body.length), ...body]);
}

async function wavError(bytes: Uint8Array): Promise<IngestParseError> {
  const error = await parseError(() => collect(parseWav(chunked(bytes))));
  expect(error.format).toBe('wav');
  expect(error.at.offset).toBeTypeOf('number');
  return error;
}

describe('WAV fixtures (scipy.io.wavfile, wave, struct)', () => {
  for (const [name, want] of Object.entries(expected.wav)) {
    it(`reads ${name}`, async () => {
      const bytes = await fixture(name);
      for (const body of [chunked(bytes), everyN(bytes, 7)]) {
        const out = await collect(parseWav(body));
        expect(out.header.format).toBe('wav');
        expect(out.header.time).toEqual({ kind: 'rate', sampleRate: want.sampleRate });
        expect(out.header.rows).toBe(want.rows ?? undefined);
        expect(out.header.columns).toEqual(
          Array.from({ length: want.channels }, (_, c) => ({
            name: `channel-${c + 1}`,
            dtype: want.dtype,
          })),
        );
        expect(out.columns).toHaveLength(want.channels);
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
});

describe('WAV structure', () => {
  const samples = [1, 0, 2, 0, 0xff, 0xff, 0x00, 0x80]; // int16 1, 2, -1, -32768

  it('skips unknown chunks before and after the data, odd sizes padded', async () => {
    const bytes = riff([
      chunk('JUNK', [1, 2, 3]),
      chunk('fmt ', fmt(1, 2, 8000, 16)),
      chunk('LIST', [...id('INFO'), ...chunk('ISFT', id('x'))]),
      chunk('data', samples),
      chunk('id3 ', [9]),
    ]);
    const out = await collect(parseWav(chunked(bytes)));
    expect(out.columns).toEqual([
      [1, -1],
      [2, -32768],
    ]);
    expect(out.header.rows).toBe(2);
  });

  it('reads a data size of 0 as "to the end", and 0 rows when nothing follows', async () => {
    const stream = Uint8Array.from([
      ...riff([chunk('fmt ', fmt(1, 1, 8000, 16))]),
      ...id('data'),
      ...u32(0),
      ...samples,
    ]);
    const out = await collect(parseWav(chunked(stream)));
    expect(out.header.rows).toBeUndefined();
    expect(out.columns).toEqual([[1, 2, -1, -32768]]);
    const empty = Uint8Array.from([
      ...riff([chunk('fmt ', fmt(1, 1, 8000, 16))]),
      ...id('data'),
      ...u32(0),
    ]);
    const none = await collect(parseWav(chunked(empty)));
    expect(none.blocks).toEqual([]);
  });

  it('reads RF64, its data size from the ds64 chunk', async () => {
    const ds64 = [...u32(0), ...u32(0), ...u32(samples.length), ...u32(0), ...u32(4), ...u32(0)];
    const body = [
      ...id('WAVE'),
      ...chunk('ds64', [...ds64, ...u32(0)]),
      ...chunk('fmt ', fmt(1, 1, 8000, 16)),
      ...id('data'),
      ...u32(0xffffffff),
      ...samples,
      ...chunk('LIST', [...id('INFO')]),
    ];
    const bytes = Uint8Array.from([...id('RF64'), ...u32(0xffffffff), ...body]);
    const out = await collect(parseWav(chunked(bytes)));
    expect(out.header.rows).toBe(4);
    expect(out.columns).toEqual([[1, 2, -1, -32768]]);
  });

  it('cuts blocks of blockRows frames', async () => {
    const frames = Array.from({ length: 10 }, (_, i) => [i, 0]).flat();
    const bytes = riff([chunk('fmt ', fmt(1, 1, 8000, 16)), chunk('data', frames)]);
    const out = await collect(parseWav(everyN(bytes, 3), { blockRows: 4 }));
    expect(out.blocks).toEqual([4, 4, 2]);
    expect(out.columns).toEqual([[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]]);
  });
});

describe('WAV errors', () => {
  const data = chunk('data', [1, 0, 2, 0]);

  it('refuses what is not a WAV, and big-endian RIFX', async () => {
    expect((await wavError(Uint8Array.from(id('OggS\0\0\0\0WAVE')))).message).toContain(
      'not a WAV',
    );
    expect((await wavError(riff([], 'RIFX'))).message).toContain('RIFX');
    expect((await wavError(Uint8Array.from(id('RIFF')))).at.offset).toBe(4);
    expect((await wavError(new Uint8Array(0))).message).toContain('0 bytes');
  });

  it('names truncated headers and chunks by offset', async () => {
    const bytes = riff([chunk('fmt ', fmt(1, 1, 8000, 16)), data]);
    const inFmt = await wavError(bytes.subarray(0, 20 + 10));
    expect(inFmt.message).toContain('fmt');
    const inHeader = await wavError(bytes.subarray(0, 12 + 5));
    expect(inHeader.message).toContain('chunk header');
    const noData = await wavError(riff([chunk('fmt ', fmt(1, 1, 8000, 16))]));
    expect(noData.message).toContain('before its data chunk');
    const skipped = await wavError(riff([[...id('JUNK'), ...u32(1000), 1, 2]]));
    expect(skipped.at.offset).toBe(12);
    expect(skipped.message).toContain("'JUNK'");
  });

  it('refuses a truncated data chunk, with the offset where the file ends', async () => {
    const bytes = riff([
      chunk('fmt ', fmt(1, 2, 8000, 16)),
      chunk('data', Array<number>(16).fill(0)),
    ]);
    const error = await wavError(bytes.subarray(0, bytes.length - 4));
    expect(error.at.offset).toBe(bytes.length - 4);
    expect(error.message).toContain('12 of the data chunk');
    const partial = await wavError(bytes.subarray(0, bytes.length - 2));
    expect(partial.message).toContain('inside a frame');
  });

  it('refuses a final partial frame of a streamed WAV', async () => {
    const bytes = Uint8Array.from([
      ...riff([chunk('fmt ', fmt(1, 2, 8000, 16))]),
      ...id('data'),
      ...u32(0xffffffff),
      1,
      0,
      2,
      0,
      3,
    ]);
    const error = await wavError(bytes);
    expect(error.at.offset).toBe(bytes.length);
    expect(error.message).toContain('1 of its 4 bytes');
  });

  it('refuses formats and sizes it cannot read', async () => {
    const cases: [number[], string][] = [
      [fmt(6, 1, 8000, 8), 'A-law'],
      [fmt(0x55, 1, 8000, 0, 1), 'MP3'],
      [fmt(0x1234, 1, 8000, 16), 'format tag 0x1234'],
      [fmt(1, 1, 8000, 12, 2), '12-bit integer PCM'],
      [fmt(3, 1, 8000, 16), '16-bit IEEE float'],
      [fmt(1, 2, 8000, 16, 2), 'block align is 2'],
      [fmt(1, 0, 8000, 16, 0), '0 channels'],
      [fmt(1, 1, 0, 16), '0 Hz'],
      [fmt(1, 1, 8000, 16).slice(0, 14), 'fewer than 16'],
      [[...fmt(0xfffe, 1, 8000, 16), ...u16(22), ...u16(16), ...u32(0), ...u16(1)], '40 bytes'],
    ];
    for (const [payload, message] of cases) {
      const error = await wavError(riff([chunk('fmt ', payload), data]));
      expect(error.message).toContain(message);
      expect(error.at.offset).toBe(12);
    }
    const badGuid = [
      ...fmt(0xfffe, 1, 8000, 16),
      ...u16(22),
      ...u16(16),
      ...u32(0),
      ...u16(1),
      ...u16(0),
      ...Array<number>(12).fill(7),
    ];
    expect((await wavError(riff([chunk('fmt ', badGuid), data]))).message).toContain('GUID');
    const odd = await wavError(riff([chunk('fmt ', fmt(1, 2, 8000, 16)), chunk('data', [1, 2])]));
    expect(odd.message).toContain('not a whole number of 4-byte frames');
    expect(odd.at.offset).toBe(36);
    const beforeFmt = await wavError(riff([data, chunk('fmt ', fmt(1, 1, 8000, 16))]));
    expect(beforeFmt.message).toContain('before any fmt');
    const huge = await wavError(riff([[...id('fmt '), ...u32(1_000_000)]]));
    expect(huge.message).toContain('claims 1000000 bytes');
  });
});

describe('WAV chunking', () => {
  const formats = [
    { tag: 1, bits: 8 },
    { tag: 1, bits: 16 },
    { tag: 1, bits: 24 },
    { tag: 1, bits: 32 },
    { tag: 3, bits: 32 },
    { tag: 3, bits: 64 },
  ] as const;
  const wav = fc
    .record({
      format: fc.constantFrom(...formats),
      channels: fc.integer({ min: 1, max: 3 }),
      rows: fc.integer({ min: 0, max: 40 }),
      extensible: fc.boolean(),
      streamed: fc.boolean(),
    })
    .chain((shape) =>
      fc.record({
        shape: fc.constant(shape),
        data: fc.uint8Array({
          minLength: (shape.rows * shape.channels * shape.format.bits) / 8,
          maxLength: (shape.rows * shape.channels * shape.format.bits) / 8,
        }),
      }),
    )
    .map(({ shape, data }) => {
      const { tag, bits } = shape.format;
      const plain = fmt(tag, shape.channels, 8000, bits);
      const payload = shape.extensible
        ? [
            ...fmt(0xfffe, shape.channels, 8000, bits),
            ...u16(22),
            ...u16(bits),
            ...u32(0),
            ...u16(tag),
            ...[0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xaa, 0, 0x38, 0x9b, 0x71],
          ]
        : plain;
      const head = riff([chunk('fmt ', payload)]);
      return Uint8Array.from([
        ...head,
        ...id('data'),
        ...u32(shape.streamed ? 0xffffffff : data.length),
        ...data,
      ]);
    });

  it('gives the same values for any split of the body', async () => {
    await fc.assert(
      fc.asyncProperty(
        wav,
        fc.array(fc.nat(400), { maxLength: 10 }),
        fc.integer({ min: 1, max: 9 }),
        async (bytes, cuts, blockRows) => {
          const whole = await collect(parseWav(chunked(bytes), { blockRows }));
          const split = await collect(parseWav(chunked(bytes, cuts), { blockRows }));
          expect(split).toEqual(whole);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('WAV at scale', () => {
  it('streams 200 MB in bounded memory', async () => {
    const channels = 2;
    const rows = 50 * 1024 * 1024; // 2 channels × 16 bits: 200 MiB of samples
    const dataBytes = rows * channels * 2;
    const head = riff([chunk('fmt ', fmt(1, channels, 48_000, 16))]);
    const piece = new Uint8Array(1024 * 1024);
    const view = new DataView(piece.buffer);
    for (let i = 0; i < piece.length / 2; i++) view.setInt16(i * 2, (i % 2000) - 1000, true);
    async function* body(): AsyncGenerator<Uint8Array> {
      yield Uint8Array.from([...head, ...id('data'), ...u32(dataBytes)]);
      // The same megabyte again and again: the producer itself holds nothing.
      for (let sent = 0; sent < dataBytes; sent += piece.length) yield piece;
    }
    const memory = () => process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
    const before = memory();
    let peak = 0;
    let seen = 0;
    let sum = 0;
    const started = Date.now();
    const parsed = await parseWav(body());
    expect(parsed.header.rows).toBe(rows);
    for await (const block of parsed.blocks) {
      const left = block.values[0];
      if (left === undefined) throw new Error('no channel');
      seen += left.length;
      sum += left[0] ?? 0;
      if (seen % (64 * 65_536) === 0) peak = Math.max(peak, memory() - before);
    }
    const seconds = (Date.now() - started) / 1000;
    expect(seen).toBe(rows);
    expect(Number.isFinite(sum)).toBe(true);
    // Everything at once would be 200 MiB of samples; blocks are 256 KiB each.
    expect(peak).toBeLessThan(64 * 1024 * 1024);
    console.info(`200 MiB of WAV in ${seconds.toFixed(1)} s, heap growth ${peak >> 20} MiB`);
  }, 60_000);
});
