// Child process of ingest/pyramid: reduces `samples` float32 samples, fed in pieces of 2^18,
// either through the lake's pyramid builder (src/shared/signal/pyramid.ts, every level, the
// buckets each piece completes handed back as they would be to a store; `pyramid` with the
// lake's wasm level-1 kernel, `pyramid-js` with the builder's own loop) or through the floor, a
// plain single-pass min/max/sum loop. The pieces are generated once before the clock starts
// (16 distinct ones, cycled), so only the reduction is timed. One process per measurement, so
// its peak RSS (getrusage maxrss) is that reduction's alone. Sends one JobReport over IPC.
import { createPyramidBuilder } from '../../../src/shared/signal/pyramid.ts';
import { level1Reducer } from '../../../server/signals/level1.ts';
import { fillCounterFloats } from '../lake/signal.ts';

export const PIECE = 2 ** 18;
const DISTINCT_PIECES = 16;

export type JobMode = 'pyramid' | 'pyramid-js' | 'floor';

export type JobMessage =
  | {
      type: 'done';
      ms: number;
      /** Peak RSS of the process (MB = 10^6 B), and its RSS once the pieces were generated. */
      peakRssMB: number;
      startRssMB: number;
      /** Buckets handed out (pyramid) or the sum (floor): keeps the work observable. */
      check: number;
    }
  | { type: 'error'; message: string };

function reduce(mode: JobMode, samples: number): { ms: number; check: number; startRssMB: number } {
  const pieces = Array.from({ length: DISTINCT_PIECES }, (_, index) => {
    const piece = new Float32Array(PIECE);
    fillCounterFloats(piece, index * PIECE);
    return piece;
  });
  const full = Math.floor(samples / PIECE);
  const rest = samples - full * PIECE;
  const pieceAt = (index: number): Float32Array => pieces[index % DISTINCT_PIECES] as Float32Array;
  const startRssMB = process.memoryUsage.rss() / 1e6;
  const start = performance.now();
  let check = 0;
  if (mode !== 'floor') {
    if (mode === 'pyramid' && level1Reducer === undefined)
      throw new Error('no wasm level-1 kernel');
    const builder = createPyramidBuilder({
      dtype: 'float32',
      ...(mode === 'pyramid' && level1Reducer !== undefined ? { level1: level1Reducer } : {}),
    });
    for (let index = 0; index <= full; index++) {
      const piece = index < full ? pieceAt(index) : pieceAt(index).subarray(0, rest);
      for (const level of builder.push(piece)) check += level.buckets.length / 4;
    }
    for (const level of builder.tails()) check += level.buckets.length / 4;
    if (builder.length !== samples) throw new Error(`reduced ${builder.length} of ${samples}`);
  } else {
    let min = Infinity;
    let max = -Infinity;
    let sum = 0;
    for (let index = 0; index <= full; index++) {
      const piece = index < full ? pieceAt(index) : pieceAt(index).subarray(0, rest);
      for (let i = 0; i < piece.length; i++) {
        const v = piece[i] as number;
        if (v < min) min = v;
        if (v > max) max = v;
        sum += v;
      }
    }
    check = sum + min + max;
  }
  return { ms: performance.now() - start, check, startRssMB };
}

if (process.send !== undefined) {
  const mode = process.argv[2] as JobMode;
  const samples = Number(process.argv[3]);
  let message: JobMessage;
  try {
    const { ms, check, startRssMB } = reduce(mode, samples);
    message = {
      type: 'done',
      ms,
      peakRssMB: (process.resourceUsage().maxRSS * 1024) / 1e6,
      startRssMB,
      check,
    };
  } catch (error) {
    message = { type: 'error', message: error instanceof Error ? error.message : String(error) };
  }
  process.send(message, () => {
    process.disconnect();
  });
}
