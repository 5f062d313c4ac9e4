// Malformed input of every kind: valid files with bytes changed, cut or added. A parse either
// succeeds or rejects with an IngestParseError (the lake's 400 "malformed_file"); never
// another error, which the lake would answer with a 500.
import * as Arrow from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IngestParseError } from '../types.ts';
import { chunked, collect, fixture, text } from './files.suite.ts';
import { parseFile, type FileFormat } from './index.ts';

const mutation = fc.record({
  flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
  cut: fc.option(fc.nat()),
  insert: fc.option(fc.tuple(fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 16 }))),
  cuts: fc.array(fc.nat(), { maxLength: 4 }),
});

type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function mutate(bytes: Uint8Array, m: Mutation): Uint8Array {
  let out = bytes.slice();
  for (const [at, value] of m.flips) if (out.length > 0) out[at % out.length] = value;
  if (m.insert !== null) {
    const at = m.insert[0] % (out.length + 1);
    out = Uint8Array.from([...out.subarray(0, at), ...m.insert[1], ...out.subarray(at)]);
  }
  if (m.cut !== null) out = out.subarray(0, m.cut % (out.length + 1));
  return out;
}

async function outcome(format: FileFormat, bytes: Uint8Array, cuts: number[]): Promise<void> {
  try {
    await collect(parseFile(format, chunked(bytes, cuts), { arrow: { module: Arrow } }));
  } catch (error) {
    if (!(error instanceof IngestParseError)) throw error;
    expect(error.format).toBe(format);
  }
}

function seeds(): Promise<[FileFormat, Uint8Array][]> {
  const t = new Arrow.Table({
    v: Arrow.vectorFromArray([1.5, 2, Number.NaN], new Arrow.Float64()),
    n: Arrow.vectorFromArray([1, 2, 3], new Arrow.Int16()),
    time: Arrow.vectorFromArray(
      [0, 1, 2].map((s) => new Date(s)),
      new Arrow.TimestampMillisecond(),
    ),
  });
  const inputs: [FileFormat, Uint8Array | Promise<Uint8Array>][] = [
    ['csv', text('time,a [V],"b, c"\n2024-01-01T00:00:00Z,1.5,"2"\r\n2024-01-01T00:00:01Z,,3\n')],
    ['csv', text('x;y\n1,5;2\n3;4\n')],
    ['wav', fixture('pcm-i24-stereo.wav')],
    ['wav', fixture('extensible-f32-stereo.wav')],
    ['wav', fixture('chunks-i16-mono.wav')],
    ['npy', fixture('f4-2d.npy')],
    ['npy', fixture('i8-1d.npy')],
    ['arrow', Arrow.tableToIPC(t, 'stream')],
    ['arrow', Arrow.tableToIPC(t, 'file')],
  ];
  return Promise.all(
    inputs.map(async ([format, bytes]): Promise<[FileFormat, Uint8Array]> => [format, await bytes]),
  );
}

describe('malformed input', () => {
  it('is parsed or refused with an IngestParseError, never another error', async () => {
    const inputs = await seeds();
    await fc.assert(
      fc.asyncProperty(fc.nat(inputs.length - 1), mutation, async (which, m) => {
        const [format, bytes] = inputs[which] ?? ['csv', new Uint8Array()];
        await outcome(format, mutate(bytes, m), m.cuts);
      }),
      { numRuns: 1500 },
    );
  });

  it('refuses random bytes in every format', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<FileFormat>('csv', 'wav', 'npy', 'arrow'),
        fc.uint8Array({ maxLength: 300 }),
        async (format, bytes) => {
          await outcome(format, bytes, []);
        },
      ),
      { numRuns: 400 },
    );
  });
});
