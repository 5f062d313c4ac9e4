// Arrow IPC stream encoder: one schema message, one record batch per block of at most
// BATCH_ROWS rows, and the end-of-stream marker, written as the blocks arrive (pyarrow's
// `ipc.open_stream`, polars' `read_ipc_stream`, DuckDB and `tableFromIPC` read it).
//
// Columns: `time` timestamp[us, UTC] when the slice has a time base; then `value` in the
// signal's own type (Float32, Float64, Int16, Int32) for raw samples, or for a pyramid level
// `min`, `max`, `mean` in the level's float type and `count` as Int64. Count is stored as a
// float in the level (one dtype per Zarr array) but is a number of samples: readers should
// get an integer column, and Int64 holds any bucket (level 25 covers 2^54 samples, beyond
// Int32 and beyond float32's exact integers). A count that is not a finite number (a corrupt
// level) is written as null rather than invented. NaN values stay NaN (Arrow floats have NaN;
// nulls would mean something else: no value was recorded).
import {
  type Data,
  type DataType,
  Field,
  Float32,
  Float64,
  Int16,
  Int32,
  Int64,
  makeData,
  RecordBatch,
  RecordBatchStreamWriter,
  Schema,
  Struct,
  TimestampMicrosecond,
} from 'apache-arrow';
import type { Dtype, SignalArray } from '../../../src/shared/chunk/index.ts';
import { coalesce } from './coalesce.ts';
import { fillRowTimesUs } from './time.ts';
import { checkedBlocks, columnsOf, type RowBlock, type SliceInfo } from './types.ts';

/** Rows per record batch: small enough to stream smoothly, large enough that framing is noise. */
export const BATCH_ROWS = 65_536;

export const ARROW_CONTENT_TYPE = 'application/vnd.apache.arrow.stream';

function arrowType(dtype: Dtype): DataType {
  switch (dtype) {
    case 'float32':
      return new Float32();
    case 'float64':
      return new Float64();
    case 'int16':
      return new Int16();
    case 'int32':
      return new Int32();
  }
}

/** The schema of a slice: fields as described above, `info.metadata` as schema metadata. */
export function arrowSchema(info: SliceInfo): Schema {
  const fields: Field[] = [];
  if (info.time !== null) fields.push(new Field('time', new TimestampMicrosecond('UTC'), false));
  if (info.kind === 'raw') {
    fields.push(new Field('value', arrowType(info.dtype), false));
  } else {
    for (const name of ['min', 'max', 'mean'] as const) {
      fields.push(new Field(name, arrowType(info.dtype), false));
    }
    fields.push(new Field('count', new Int64(), true));
  }
  return new Schema(fields, new Map(info.metadata));
}

/**
 * A stream writer that hands its bytes to the caller synchronously instead of queueing them
 * in its internal async sink: the encoder pulls exactly the bytes of the batch it just wrote,
 * so output follows the consumer's pace (backpressure) and nothing piles up in the writer.
 * `_write` is the one method every byte of RecordBatchWriter goes through (apache-arrow
 * 21.2, pinned; the tests read every format variant back, so a change there is caught).
 */
class PullingStreamWriter extends RecordBatchStreamWriter {
  #pending: Uint8Array[] = [];

  protected override _write(chunk: unknown): this {
    if (!this._started) return this;
    if (!ArrayBuffer.isView(chunk)) {
      throw new TypeError('the Arrow stream writer wrote something other than bytes');
    }
    if (chunk.byteLength > 0) {
      this.#pending.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      this._position += chunk.byteLength;
    }
    return this;
  }

  /** The bytes written since the last call. */
  take(): Uint8Array[] {
    const pieces = this.#pending;
    this.#pending = [];
    return pieces;
  }
}

function mismatch(dtype: Dtype): TypeError {
  return new TypeError(`slice values are not ${dtype}`);
}

/** A non-null column of the signal's own type over `values` (no copy). */
function valueColumn(dtype: Dtype, values: SignalArray): Data {
  const length = values.length;
  switch (dtype) {
    case 'float32':
      if (!(values instanceof Float32Array)) throw mismatch(dtype);
      return makeData({ type: new Float32(), length, nullCount: 0, data: values });
    case 'float64':
      if (!(values instanceof Float64Array)) throw mismatch(dtype);
      return makeData({ type: new Float64(), length, nullCount: 0, data: values });
    case 'int16':
      if (!(values instanceof Int16Array)) throw mismatch(dtype);
      return makeData({ type: new Int16(), length, nullCount: 0, data: values });
    case 'int32':
      if (!(values instanceof Int32Array)) throw mismatch(dtype);
      return makeData({ type: new Int32(), length, nullCount: 0, data: values });
  }
}

/** The count column: integers, null where the stored count is not a finite number. */
function countColumn(counts: Float32Array | Float64Array) {
  const rows = counts.length;
  const data = new BigInt64Array(rows);
  const words = new Int32Array(data.buffer);
  let nullBitmap: Uint8Array | undefined;
  let nullCount = 0;
  for (let i = 0; i < rows; i++) {
    const count = counts[i] ?? Number.NaN;
    if (Number.isFinite(count)) {
      // Counts are far below 2^53: split into 32-bit halves instead of a BigInt per row.
      const whole = Math.trunc(count);
      const high = Math.floor(whole / 2 ** 32);
      words[2 * i] = whole - high * 2 ** 32;
      words[2 * i + 1] = high;
    } else {
      nullBitmap ??= new Uint8Array(Math.ceil(rows / 8)).fill(0xff);
      nullBitmap[i >> 3] = (nullBitmap[i >> 3] ?? 0) & ~(1 << (i & 7));
      nullCount++;
    }
  }
  return makeData({
    type: new Int64(),
    length: rows,
    nullCount,
    data,
    ...(nullBitmap === undefined ? {} : { nullBitmap }),
  });
}

/** One record batch of `rows` rows starting at absolute row `first`, from C-order values. */
function recordBatch(schema: Schema, info: SliceInfo, first: number, values: SignalArray) {
  const rows = values.length / columnsOf(info);
  const children: Data[] = [];
  if (info.time !== null) {
    const times = new BigInt64Array(rows);
    fillRowTimesUs(info.time, info.samplesPerRow, first, times);
    children.push(
      makeData({ type: new TimestampMicrosecond('UTC'), length: rows, nullCount: 0, data: times }),
    );
  }
  if (info.kind === 'raw') {
    children.push(valueColumn(info.dtype, values));
  } else {
    // Levels are stored interleaved (a [rows, 4] block); Arrow is columnar.
    const make = () => (info.dtype === 'float64' ? new Float64Array(rows) : new Float32Array(rows));
    const min = make();
    const max = make();
    const mean = make();
    const count = make();
    for (let i = 0; i < rows; i++) {
      min[i] = values[4 * i] ?? Number.NaN;
      max[i] = values[4 * i + 1] ?? Number.NaN;
      mean[i] = values[4 * i + 2] ?? Number.NaN;
      count[i] = values[4 * i + 3] ?? Number.NaN;
    }
    children.push(
      valueColumn(info.dtype, min),
      valueColumn(info.dtype, max),
      valueColumn(info.dtype, mean),
    );
    children.push(countColumn(count));
  }
  const data = makeData({
    type: new Struct(schema.fields),
    length: rows,
    nullCount: 0,
    children,
  });
  return new RecordBatch(schema, data);
}

/** The slice as an Arrow IPC stream, piece by piece (0 rows: the schema and end marker only). */
export async function* encodeArrow(
  info: SliceInfo,
  blocks: AsyncIterable<RowBlock>,
): AsyncGenerator<Buffer> {
  const schema = arrowSchema(info);
  const writer = new PullingStreamWriter();
  // Writes the schema message now, so an empty slice is still a readable stream.
  writer.reset(undefined, schema);
  const columns = columnsOf(info);
  for await (const block of checkedBlocks(info, blocks)) {
    const rows = block.values.length / columns;
    for (let offset = 0; offset < rows; offset += BATCH_ROWS) {
      const take = Math.min(BATCH_ROWS, rows - offset);
      const values = block.values.subarray(offset * columns, (offset + take) * columns);
      writer.write(recordBatch(schema, info, block.first + offset, values));
      yield* coalesce(writer.take());
    }
  }
  writer.finish();
  yield* coalesce(writer.take());
}
