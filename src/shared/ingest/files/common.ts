// What the file parsers share: their options, block sizing, and the time base of files that
// carry no time of their own.
import { parseInstant } from '../../query/instant.ts';
import type { ColumnInfo, FileBlock, FileTimeBase } from '../types.ts';
import type { ArrowModule } from './arrow-types.ts';

/** At most this many rows per block. */
export const MAX_BLOCK_ROWS = 65_536;

/**
 * A block's typed arrays stay under about this many bytes: a file with thousands of columns
 * (a wide CSV, an (n, k) npy, a many-channel WAV) gets shorter blocks, not huge ones.
 */
export const BLOCK_BYTES = 16 * 1024 * 1024;

export type ColumnArray = FileBlock['values'][number];
export type Dtype = ColumnInfo['dtype'];

export interface CsvOptions {
  /** The field delimiter; detected on the first line when absent (see README.md). */
  delimiter?: ',' | ';' | '\t';
  /** The time column by its name (unit stripped), or null for none; detected when absent. */
  timeColumn?: string | null;
  /** dtype of the value columns (default float64). */
  float?: 'float32' | 'float64';
  /** Longest record (header row included), in bytes: default 1 MiB. */
  maxRecordBytes?: number;
}

export interface ArrowOptions {
  /** The apache-arrow module (`await import('apache-arrow')`): see arrow-types.ts for why. */
  module: ArrowModule;
  /**
   * The most bytes of Arrow held in memory at once (default 128 MiB). apache-arrow decodes a
   * record batch whole, so a stream holds its largest batch: a bigger one is refused. An IPC
   * *file* whose body does not start with its schema (apache-arrow's own JS writer keeps it in
   * the footer only) is read whole, so it must fit. Files that follow the spec (schema first:
   * pyarrow, arrow C++/Rust/Go) stream like the stream format.
   */
  maxBufferedBytes?: number;
}

export interface ParseFileOptions {
  /** Rows per block, 1 to 65 536 (the default); see BLOCK_BYTES for wide files. */
  blockRows?: number;
  /**
   * For rows with no time of their own (CSV without a time column, npy, Arrow without a time
   * field): they are samples at this rate (Hz), and the time base is `{kind: 'rate'}` instead
   * of `{kind: 'none'}`. WAV ignores it: the file says its rate.
   */
  sampleRate?: number;
  /** With `sampleRate`: the ISO 8601 instant of the first row. */
  t0?: string;
  csv?: CsvOptions;
  arrow?: ArrowOptions;
}

/** Rows per block for rows of `rowBytes` bytes of typed arrays (time included). */
export function rowsPerBlock(options: ParseFileOptions | undefined, rowBytes: number): number {
  const asked = options?.blockRows ?? MAX_BLOCK_ROWS;
  if (!Number.isInteger(asked) || asked < 1 || asked > MAX_BLOCK_ROWS) {
    throw new RangeError(`blockRows must be an integer from 1 to ${MAX_BLOCK_ROWS}, not ${asked}`);
  }
  return Math.max(1, Math.min(asked, Math.floor(BLOCK_BYTES / Math.max(1, rowBytes))));
}

/** The time base of rows that carry no time: a rate when the caller gave one, else none. */
export function timeWithoutColumn(options: ParseFileOptions | undefined): FileTimeBase {
  const rate = options?.sampleRate;
  const t0 = options?.t0;
  if (rate === undefined) {
    if (t0 !== undefined) throw new RangeError('t0 needs a sampleRate');
    return { kind: 'none' };
  }
  if (!Number.isFinite(rate) || rate <= 0) {
    throw new RangeError(`sampleRate must be a positive number of Hz, not ${rate}`);
  }
  if (t0 === undefined) return { kind: 'rate', sampleRate: rate };
  if (parseInstant(t0) === undefined) {
    throw new RangeError(`t0 must be an ISO 8601 instant, not '${t0}'`);
  }
  return { kind: 'rate', sampleRate: rate, t0 };
}

export const BYTES_PER: Record<Dtype, number> = { float32: 4, float64: 8, int16: 2, int32: 4 };

export function allocate(dtype: Dtype, length: number): ColumnArray {
  switch (dtype) {
    case 'float32':
      return new Float32Array(length);
    case 'float64':
      return new Float64Array(length);
    case 'int16':
      return new Int16Array(length);
    case 'int32':
      return new Int32Array(length);
  }
}

/**
 * A block of `rows` rows out of arrays allocated for more (the last block of a file): copied,
 * not viewed, so that every array a block hands out spans its whole buffer.
 */
export function trimmed(values: readonly ColumnArray[], rows: number): ColumnArray[] {
  return values.map((column) =>
    column.length === rows ? column : (column.slice(0, rows) as ColumnArray),
  );
}

/** IEEE half-precision bits (npy `<f2`, Arrow Float16) to a number: exact in a float32. */
export function halfToNumber(bits: number): number {
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  const sign = bits & 0x8000 ? -1 : 1;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}
