// What the slice encoders (Arrow IPC, npy, CSV) are given: a description of the rows to write
// and the rows themselves, block by block, as the chunk reader (rows.ts) decodes them. The
// encoders know nothing of the lake, so they are tested on arrays made up in the test.
import { bytesPerSample, type Dtype, type SignalArray } from '../../../src/shared/chunk/index.ts';

/** A regular time base: the time of sample i is t0 + i / sampleRate. */
export interface TimeBase {
  /** Microseconds since 1970-01-01T00:00:00Z of sample 0 (an integer). */
  t0Us: number;
  /** Samples per second (> 0). */
  sampleRate: number;
}

export interface SliceInfo {
  /** `raw`: one `value` column of the signal's dtype; `level`: min, max, mean, count. */
  kind: 'raw' | 'level';
  /** Dtype of the stored values (a level's is float32 or float64). */
  dtype: Dtype;
  /** Absolute index of the first row: a sample index, or a bucket index for a level. */
  first: number;
  /** Rows the slice holds: the blocks together hold exactly this many. */
  rows: number;
  /** Samples per row: 1 for raw samples, the bucket length for a level. */
  samplesPerRow: number;
  /** When set, a time column comes first (the start of the row's sample or bucket). */
  time: TimeBase | null;
  /** Key/value pairs describing the slice (Arrow schema metadata). */
  metadata: ReadonlyMap<string, string>;
}

/** Consecutive rows of a slice. */
export interface RowBlock {
  /** Absolute index of the block's first row. */
  first: number;
  /** The rows' values in C order: one per row, or four per row (min, max, mean, count) for a level. */
  values: SignalArray;
}

/** Values per row of a slice. */
export function columnsOf(info: Pick<SliceInfo, 'kind'>): 1 | 4 {
  return info.kind === 'level' ? 4 : 1;
}

/** Rows of a block. */
export function rowsOf(info: Pick<SliceInfo, 'kind'>, block: RowBlock): number {
  return block.values.length / columnsOf(info);
}

/**
 * Passes the blocks through while checking they are the consecutive rows the slice promised,
 * so an encoder never writes a file whose length disagrees with its header (npy's shape,
 * Content-Length) without failing the stream.
 */
export async function* checkedBlocks(
  info: SliceInfo,
  blocks: AsyncIterable<RowBlock>,
): AsyncGenerator<RowBlock> {
  let next = info.first;
  const end = info.first + info.rows;
  for await (const block of blocks) {
    const rows = rowsOf(info, block);
    if (block.values.BYTES_PER_ELEMENT !== bytesPerSample(info.dtype)) {
      throw new Error(
        `slice block holds ${block.values.BYTES_PER_ELEMENT}-byte values, not ${info.dtype}`,
      );
    }
    if (block.first !== next || !Number.isInteger(rows) || next + rows > end) {
      throw new Error(
        `slice block at row ${block.first} (${block.values.length} values) does not continue row ${next} of [${info.first}, ${end})`,
      );
    }
    next += rows;
    if (rows > 0) yield block;
  }
  if (next !== end) throw new Error(`slice ended at row ${next}, expected ${end}`);
}
