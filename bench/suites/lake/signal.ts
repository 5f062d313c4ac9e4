// Writes the big signal of lake/slice-1e8 into a data directory in this process, before a lake
// process is started on it: the lake's own write path (openLake + writeSignal: chunks fsynced,
// chunk index, manifest pages, pyramid levels, Zarr view), fed by a cheap counter-based
// generator instead of HTTP uploads, which would take minutes for 10^8 samples. Returns the
// signal's chunk hashes in manifest order, which the raw-streaming peer serves.
import { mkdir } from 'node:fs/promises';
import { pino } from 'pino';
import { openLake } from '../../../server/lake-context.ts';
import { LAKE_PRINCIPAL, writeOrThrow } from '../../../server/signals/write-docs.ts';
import { writeSignal } from '../../../server/signals/write-signal.ts';
import { manifestPageSize, pageId } from '../../../src/shared/signal/types.ts';

export const SLICE_SITE = 'site/bench';
export const SLICE_DATASET = 'dataset/bench-slice';
export const SLICE_SIGNAL_NAME = 'vibration';
export const SLICE_SIGNAL_ID = `signal/bench-slice/${SLICE_SIGNAL_NAME}`;
export const SLICE_T0 = '2026-01-01T00:00:00Z';
export const SLICE_SAMPLE_RATE = 5120;

/** Samples generated per step: one default chunk (2^18), so memory stays flat. */
const PIECE = 2 ** 18;

/**
 * Random-looking float32 in [1, 2) for samples [start, start + out.length): a 32-bit hash of
 * the sample index (so any range is reproducible) in the mantissa, exponent 0. ~10^9 values/s.
 */
export function fillCounterFloats(out: Float32Array, start: number): void {
  const words = new Uint32Array(out.buffer, out.byteOffset, out.length);
  for (let i = 0; i < words.length; i++) {
    let x = (start + i) >>> 0;
    x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
    x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
    x ^= x >>> 16;
    words[i] = 0x3f800000 | (x >>> 9);
  }
}

function* pieces(length: number): Generator<Float32Array> {
  for (let start = 0; start < length; start += PIECE) {
    const out = new Float32Array(Math.min(PIECE, length - start));
    fillCounterFloats(out, start);
    yield out;
  }
}

export interface WrittenSignal {
  /** Raw chunk hashes in manifest order (the objects the slice reads). */
  chunks: string[];
  chunkLength: number;
  levels: number;
}

/** Writes a site, a dataset and one float32 signal of `length` samples into `dataDir`. */
export async function writeBigSignal(dataDir: string, length: number): Promise<WrittenSignal> {
  await mkdir(dataDir, { recursive: true });
  const opened = await openLake({ dataDir, log: pino({ level: 'silent' }), gcIntervalMs: 0 });
  try {
    await writeOrThrow(
      opened,
      LAKE_PRINCIPAL,
      { id: SLICE_SITE, doc: { type: 'site', name: 'Bench site' } },
      {
        id: SLICE_DATASET,
        doc: { type: 'dataset', site: SLICE_SITE, title: 'Bench slice', start: SLICE_T0 },
      },
    );
    const header = await writeSignal(
      opened,
      LAKE_PRINCIPAL,
      SLICE_SIGNAL_ID,
      {
        datasetId: SLICE_DATASET,
        name: SLICE_SIGNAL_NAME,
        dtype: 'float32',
        t0: SLICE_T0,
        sampleRate: SLICE_SAMPLE_RATE,
        unit: 'm/s²',
      },
      pieces(length),
      { expectedLength: length },
    );
    const chunkCount = Math.ceil(header.length / header.chunkLength);
    const chunks: string[] = [];
    for (let page = 0; chunks.length < chunkCount; page++) {
      const doc = await opened.lake.meta.getDoc(pageId(SLICE_SIGNAL_ID, page));
      const entries: unknown = doc?.body.entries;
      if (!Array.isArray(entries) || entries.length === 0) {
        throw new Error(`manifest page ${page} of the bench signal is missing`);
      }
      for (const entry of entries.slice(0, manifestPageSize) as { sha256?: unknown }[]) {
        if (typeof entry.sha256 !== 'string') throw new Error('a manifest entry has no sha256');
        if (chunks.length < chunkCount) chunks.push(entry.sha256);
      }
    }
    return { chunks, chunkLength: header.chunkLength, levels: header.levels ?? 0 };
  } finally {
    await opened.close();
  }
}
