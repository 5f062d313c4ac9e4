// Arrow IPC files, stream format and file format, read with apache-arrow's RecordBatchReader
// over the body as it arrives. Numeric fields become columns, a Timestamp (or Date, or a field
// named like a time) the time column in ms; README.md lists what is converted and refused.
import { IngestParseError, type ColumnInfo, type FileBlock, type ParsedFile } from '../types.ts';
import {
  ArrowDateUnit,
  ArrowPrecision,
  ArrowTimeUnit,
  ArrowTypeId,
  type ArrowData,
  type ArrowField,
  type ArrowModule,
  type ArrowReader,
  type ArrowRecordBatch,
} from './arrow-types.ts';
import { ByteReader } from './bytes.ts';
import {
  BYTES_PER,
  halfToNumber,
  rowsPerBlock,
  timeWithoutColumn,
  type ColumnArray,
  type Dtype,
  type ParseFileOptions,
} from './common.ts';
import { TIME_NAMES, epochScaleOfMagnitude, parseIsoTime, type EpochScale } from './csv-values.ts';

const MAGIC = [0x41, 0x52, 0x52, 0x4f, 0x57, 0x31]; // ARROW1
const DEFAULT_MAX_BUFFERED = 128 * 1024 * 1024;
/** A schema message's metadata past this is not a schema worth reading. */
const MAX_METADATA_BYTES = 16 * 1024 * 1024;
/** Message.header_type of a Schema message (flatbuffers union tag). */
const MESSAGE_SCHEMA = 1;

function fail(message: string, offset?: number): IngestParseError {
  return new IngestParseError('arrow', message, offset === undefined ? {} : { offset });
}

function startsWithMagic(bytes: Uint8Array): boolean {
  return MAGIC.every((b, k) => bytes[k] === b);
}

/**
 * The header type of an IPC message from its flatbuffers metadata (root table → vtable → field
 * 1), or undefined when the bytes are not a flatbuffer: enough to tell a Schema from the rest
 * without the flatbuffers library.
 */
export function messageHeaderType(meta: Uint8Array): number | undefined {
  if (meta.length < 8) return undefined;
  const view = new DataView(meta.buffer, meta.byteOffset, meta.byteLength);
  const table = view.getUint32(0, true);
  if (table + 4 > meta.length) return undefined;
  const vtable = table - view.getInt32(table, true);
  if (vtable < 0 || vtable + 4 > meta.length) return undefined;
  const vtableSize = view.getUint16(vtable, true);
  if (vtableSize < 8 || vtable + 8 > meta.length) return 0;
  const field = view.getUint16(vtable + 6, true);
  if (field === 0) return 0;
  return table + field < meta.length ? meta[table + field] : undefined;
}

/** Message.bodyLength (field 3, an int64) from flatbuffers metadata; 0 when absent. */
export function messageBodyLength(meta: Uint8Array): number | undefined {
  if (meta.length < 8) return undefined;
  const view = new DataView(meta.buffer, meta.byteOffset, meta.byteLength);
  const table = view.getUint32(0, true);
  if (table + 4 > meta.length) return undefined;
  const vtable = table - view.getInt32(table, true);
  if (vtable < 0 || vtable + 4 > meta.length) return undefined;
  const vtableSize = view.getUint16(vtable, true);
  if (vtableSize < 12 || vtable + 12 > meta.length) return 0;
  const field = view.getUint16(vtable + 10, true);
  if (field === 0) return 0;
  if (table + field + 8 > meta.length) return undefined;
  return view.getUint32(table + field + 4, true) * 2 ** 32 + view.getUint32(table + field, true);
}

/**
 * Follows the IPC message framing of the bytes handed to apache-arrow (continuation marker,
 * metadata length, metadata, body) and refuses a message body past `limit` before apache-arrow
 * buffers it: Arrow decodes a record batch whole, so the largest batch is what a stream holds
 * in memory, and a corrupt length must not make it swallow the rest of a 2 GB upload.
 */
class FrameGuard {
  private phase: 'marker' | 'length' | 'meta' | 'body' | 'end' = 'marker';
  private need = 4;
  private held = new Uint8Array(8);
  private heldLength = 0;
  /** Absolute offset of the next byte. */
  private offset: number;

  constructor(
    private readonly limit: number,
    start: number,
  ) {
    this.offset = start;
  }

  push(chunk: Uint8Array): void {
    let i = 0;
    while (i < chunk.length && this.phase !== 'end') {
      const take = Math.min(this.need, chunk.length - i);
      if (this.phase === 'body') {
        this.need -= take;
        i += take;
        this.offset += take;
        if (this.need === 0) this.begin('marker', 4);
        continue;
      }
      if (this.heldLength + take > this.held.length) {
        const grown = new Uint8Array(this.heldLength + this.need);
        grown.set(this.held.subarray(0, this.heldLength));
        this.held = grown;
      }
      this.held.set(chunk.subarray(i, i + take), this.heldLength);
      this.heldLength += take;
      this.need -= take;
      i += take;
      this.offset += take;
      if (this.need === 0) this.complete();
    }
  }

  private begin(phase: FrameGuard['phase'], need: number): void {
    this.phase = phase;
    this.need = need;
    this.heldLength = 0;
  }

  private complete(): void {
    const view = new DataView(this.held.buffer, 0, this.heldLength);
    if (this.phase === 'marker' || this.phase === 'length') {
      const value = view.getUint32(0, true);
      // 0xFFFFFFFF continues to the length (Arrow ≥ 0.15); older streams start with it.
      if (this.phase === 'marker' && value === 0xffffffff) return this.begin('length', 4);
      if (value === 0) return this.begin('end', 0);
      if (value > MAX_METADATA_BYTES) {
        throw fail(
          `not a readable Arrow IPC stream or file: a message claims ${value} bytes of metadata`,
          this.offset - 4,
        );
      }
      return this.begin('meta', value);
    }
    const body = messageBodyLength(this.held.subarray(0, this.heldLength));
    if (body === undefined) {
      throw fail(
        'not a readable Arrow IPC stream or file: a message header is invalid',
        this.offset,
      );
    }
    if (body > this.limit) {
      throw fail(
        `a record batch of ${body} bytes is larger than the ${this.limit} bytes one may take in memory: write the file in smaller batches (pyarrow: max_chunksize)`,
        this.offset,
      );
    }
    if (body === 0) this.begin('marker', 4);
    else this.begin('body', body);
  }
}

/** How one field becomes a column (or the time). */
type Converter =
  | { kind: 'copy'; dtype: Dtype; nullable: boolean }
  | { kind: 'float16' }
  | { kind: 'int64' }
  | { kind: 'time-timestamp'; scale: number }
  | { kind: 'time-date'; scale: number }
  | { kind: 'time-text' }
  | { kind: 'time-number' };

function isTimeName(name: string): boolean {
  return TIME_NAMES.has(name.toLowerCase());
}

/** A value column's converter, or undefined when the field is not numeric. */
function valueConverter(field: ArrowField): Converter | undefined {
  const type = field.type;
  if (type.typeId === ArrowTypeId.Float) {
    if (type.precision === ArrowPrecision.HALF) return { kind: 'float16' };
    if (type.precision === ArrowPrecision.SINGLE) {
      return { kind: 'copy', dtype: 'float32', nullable: true };
    }
    if (type.precision === ArrowPrecision.DOUBLE) {
      return { kind: 'copy', dtype: 'float64', nullable: true };
    }
    return undefined;
  }
  if (type.typeId !== ArrowTypeId.Int) return undefined;
  const signed = type.isSigned === true;
  switch (type.bitWidth) {
    case 8:
      return { kind: 'copy', dtype: 'int16', nullable: false };
    case 16:
      return { kind: 'copy', dtype: signed ? 'int16' : 'int32', nullable: false };
    case 32:
      return signed
        ? { kind: 'copy', dtype: 'int32', nullable: false }
        : { kind: 'copy', dtype: 'float64', nullable: true };
    case 64:
      return { kind: 'int64' };
    default:
      return undefined;
  }
}

function dtypeOf(converter: Converter): Dtype {
  if (converter.kind === 'copy') return converter.dtype;
  return converter.kind === 'float16' ? 'float32' : 'float64';
}

const TIMESTAMP_SCALE: Readonly<Record<number, number>> = {
  [ArrowTimeUnit.SECOND]: 1000,
  [ArrowTimeUnit.MILLISECOND]: 1,
  [ArrowTimeUnit.MICROSECOND]: 0.001,
  [ArrowTimeUnit.NANOSECOND]: 0.000001,
};

interface Plan {
  columns: ColumnInfo[];
  /** Field index and converter of each column, in order. */
  fields: { index: number; converter: Converter; name: string }[];
  time?: { index: number; converter: Converter; name: string };
}

/** Which field is the time, which are columns, and the refusal of any other. */
function planOf(schemaFields: readonly ArrowField[]): Plan {
  const fields = schemaFields.map((field, index) => {
    if (typeof field.name !== 'string') throw fail(`field ${index} of the schema has no name`);
    return { name: field.name, type: field.type };
  });
  const timestamp = fields.findIndex((f) => f.type.typeId === ArrowTypeId.Timestamp);
  const date = fields.findIndex((f) => f.type.typeId === ArrowTypeId.Date);
  const named = fields.findIndex(
    (f) =>
      isTimeName(f.name) &&
      (valueConverter(f) !== undefined ||
        f.type.typeId === ArrowTypeId.Utf8 ||
        f.type.typeId === ArrowTypeId.LargeUtf8),
  );
  const timeIndex = timestamp >= 0 ? timestamp : date >= 0 ? date : named;
  const plan: Plan = { columns: [], fields: [] };
  const seen = new Set<string>();
  fields.forEach((field, index) => {
    const type = field.type;
    if (seen.has(field.name)) throw fail(`two fields are named '${field.name}'`);
    seen.add(field.name);
    if (index === timeIndex) {
      let converter: Converter;
      if (type.typeId === ArrowTypeId.Timestamp) {
        const scale = TIMESTAMP_SCALE[type.unit ?? -1];
        if (scale === undefined) throw fail(`time field '${field.name}' has an unknown unit`);
        converter = { kind: 'time-timestamp', scale };
      } else if (type.typeId === ArrowTypeId.Date) {
        converter = { kind: 'time-date', scale: type.unit === ArrowDateUnit.DAY ? 86_400_000 : 1 };
      } else if (type.typeId === ArrowTypeId.Utf8 || type.typeId === ArrowTypeId.LargeUtf8) {
        converter = { kind: 'time-text' };
      } else {
        converter = { kind: 'time-number' };
      }
      plan.time = { index, converter, name: field.name };
      return;
    }
    const converter = valueConverter(field);
    if (converter === undefined) {
      const why =
        type.typeId === ArrowTypeId.Timestamp || type.typeId === ArrowTypeId.Date
          ? `is a second time field (the time is '${fields[timeIndex]?.name ?? ''}')`
          : `has type ${type.toString()}: only numbers (and one time field) can be imported`;
      throw fail(`field '${field.name}' ${why}`);
    }
    plan.fields.push({ index, converter, name: field.name });
    plan.columns.push({ name: field.name, dtype: dtypeOf(converter) });
  });
  if (plan.columns.length === 0) throw fail('the schema has no numeric field');
  return plan;
}

function isValid(data: ArrowData, row: number): boolean {
  const bitmap = data.nullBitmap;
  if (data.nullCount === 0 || bitmap === null || bitmap === undefined || bitmap.length === 0) {
    return true;
  }
  const bit = data.offset + row;
  return ((bitmap[bit >> 3] ?? 0) & (1 << (bit & 7))) !== 0;
}

function unexpected(name: string, data: ArrowData): IngestParseError {
  return fail(`field '${name}' holds ${data.values.constructor.name} values its type does not`);
}

class BatchConverter {
  private epochScale: EpochScale | undefined;

  constructor(private readonly plan: Plan) {}

  /** Rows [from, to) of a value field. `row0` numbers the batch's first row in the file. */
  column(
    spec: Plan['fields'][number],
    data: ArrowData,
    from: number,
    to: number,
    row0: number,
  ): ColumnArray {
    const { converter, name } = spec;
    const values = data.values;
    const start = data.offset + from;
    const n = to - from;
    const hasNulls = data.nullCount > 0;
    if (converter.kind === 'copy') {
      if (
        values instanceof BigInt64Array ||
        values instanceof BigUint64Array ||
        (converter.dtype === 'float64' && values instanceof Float32Array)
      ) {
        throw unexpected(name, data);
      }
      let out: ColumnArray;
      switch (converter.dtype) {
        case 'float32':
          out = new Float32Array(n);
          break;
        case 'float64':
          out = new Float64Array(n);
          break;
        case 'int16':
          out = new Int16Array(n);
          break;
        case 'int32':
          out = new Int32Array(n);
          break;
      }
      out.set(values.subarray(start, start + n));
      if (hasNulls) {
        for (let r = 0; r < n; r++) {
          if (isValid(data, from + r)) continue;
          if (!converter.nullable) {
            throw fail(
              `integer field '${name}' has a null at row ${row0 + from + r}: integer columns cannot hold a gap (cast the field to float)`,
            );
          }
          out[r] = Number.NaN;
        }
      }
      return out;
    }
    const out = converter.kind === 'float16' ? new Float32Array(n) : new Float64Array(n);
    if (converter.kind === 'float16') {
      if (!(values instanceof Uint16Array)) throw unexpected(name, data);
      for (let r = 0; r < n; r++) out[r] = halfToNumber(values[start + r] ?? 0);
    } else {
      if (!(values instanceof BigInt64Array || values instanceof BigUint64Array)) {
        throw unexpected(name, data);
      }
      for (let r = 0; r < n; r++) {
        const value = Number(values[start + r] ?? 0n);
        if (!Number.isSafeInteger(value) && isValid(data, from + r)) {
          throw fail(
            `field '${name}' has ${String(values[start + r])} at row ${row0 + from + r}: beyond ±2^53, a float64 would round it`,
          );
        }
        out[r] = value;
      }
    }
    if (hasNulls) {
      for (let r = 0; r < n; r++) if (!isValid(data, from + r)) out[r] = Number.NaN;
    }
    return out;
  }

  /** Rows [from, to) of the time field, in ms since the epoch. */
  time(data: ArrowData, from: number, to: number, row0: number): Float64Array {
    const spec = this.plan.time;
    if (spec === undefined) return new Float64Array(0);
    const { converter, name } = spec;
    const values = data.values;
    const n = to - from;
    const start = data.offset + from;
    const out = new Float64Array(n);
    for (let r = 0; r < n; r++) {
      if (!isValid(data, from + r)) {
        throw fail(`time field '${name}' has a null at row ${row0 + from + r}`);
      }
    }
    switch (converter.kind) {
      case 'time-timestamp':
      case 'time-date':
        if (values instanceof BigInt64Array) {
          for (let r = 0; r < n; r++) out[r] = Number(values[start + r] ?? 0n) * converter.scale;
        } else if (values instanceof Int32Array) {
          for (let r = 0; r < n; r++) out[r] = (values[start + r] ?? 0) * converter.scale;
        } else {
          throw unexpected(name, data);
        }
        return out;
      case 'time-text': {
        const offsets = data.valueOffsets;
        if (!(values instanceof Uint8Array) || offsets === null || offsets === undefined) {
          throw unexpected(name, data);
        }
        for (let r = 0; r < n; r++) {
          const begin = Number(offsets[start + r] ?? 0);
          const end = Number(offsets[start + r + 1] ?? 0);
          const time = parseIsoTime(values, begin, end);
          if (time === undefined) {
            throw fail(
              `time field '${name}' has a value at row ${row0 + from + r} that is not an ISO 8601 date-time`,
            );
          }
          out[r] = time;
        }
        return out;
      }
      case 'time-number': {
        // Epoch numbers: the unit comes from the first value's magnitude, as in a CSV.
        const column = this.column(
          { index: spec.index, converter: numericOf(name, data), name },
          data,
          from,
          to,
          row0,
        );
        for (let r = 0; r < n; r++) {
          const value = column[r] ?? Number.NaN;
          if (!Number.isFinite(value)) {
            throw fail(`time field '${name}' has ${value} at row ${row0 + from + r}`);
          }
          this.epochScale ??= epochScaleOfMagnitude(value);
          out[r] = value * this.epochScale;
        }
        return out;
      }
      default:
        throw unexpected(name, data);
    }
  }
}

/** The value converter of a numeric time field's data (its type is on the data). */
function numericOf(name: string, data: ArrowData): Converter {
  const converter = valueConverter({ name, type: data.type });
  if (converter === undefined) throw unexpected(name, data);
  return converter.kind === 'copy' ? { ...converter, nullable: true } : converter;
}

export async function parseArrow(
  body: AsyncIterable<Uint8Array>,
  options?: ParseFileOptions,
): Promise<ParsedFile> {
  const arrow: ArrowModule | undefined = options?.arrow?.module;
  if (arrow === undefined) {
    throw new TypeError(
      "parseFile('arrow') needs options.arrow.module: the apache-arrow module (await import('apache-arrow'))",
    );
  }
  const maxBuffered = options?.arrow?.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED;
  const reader = new ByteReader(body);
  /** Bytes handed to apache-arrow so far, and the last 6 of the file (the file format's magic). */
  let fed = 0;
  let tail: Uint8Array = new Uint8Array(0);
  /** An error of the body itself (a dropped upload): rethrown as it is, not as a parse error. */
  let bodyError: unknown;
  const track = (chunk: Uint8Array): void => {
    fed += chunk.length;
    const joined = new Uint8Array(Math.min(6, tail.length + chunk.length));
    const fromTail = Math.max(0, joined.length - chunk.length);
    joined.set(tail.subarray(tail.length - fromTail));
    joined.set(chunk.subarray(chunk.length - (joined.length - fromTail)), fromTail);
    tail = joined;
  };
  /** Set for the streaming paths: what apache-arrow is fed is checked message by message. */
  let guard: FrameGuard | undefined;
  async function* feed(prefix: readonly Uint8Array[]): AsyncGenerator<Uint8Array> {
    for (const chunk of prefix) {
      guard?.push(chunk);
      track(chunk);
      yield chunk;
    }
    for (;;) {
      let chunk: Uint8Array | undefined;
      try {
        chunk = await reader.next();
      } catch (error) {
        bodyError = error;
        throw error;
      }
      if (chunk === undefined) return;
      // apache-arrow may keep views of what it is given: hand it a copy it owns.
      const copy = chunk.slice();
      guard?.push(copy);
      track(copy);
      yield copy;
    }
  }
  const wrap = (error: unknown): unknown => {
    if (bodyError !== undefined) return bodyError;
    // apache-arrow meets malformed bytes with whatever error it runs into (TypeError and
    // RangeError included): every one of them is the file's fault.
    if (error instanceof IngestParseError) return error;
    const message = error instanceof Error ? error.message : String(error);
    return fail(`not a readable Arrow IPC stream or file: ${message}`, fed);
  };
  try {
    const first = await reader.read(8);
    if (first.length === 0) throw fail('the file is empty', 0);
    let source: AsyncIterable<Uint8Array>;
    let isFile = false;
    if (startsWithMagic(first)) {
      isFile = true;
      // The file format is magic, padding, then (per the spec) the stream format with its
      // schema first, then a footer: such a file streams. apache-arrow's JS writer leaves the
      // schema out of the body (it is in the footer only), so that file is read whole.
      const prefix = await reader.read(8);
      const view = new DataView(prefix.buffer, prefix.byteOffset, prefix.byteLength);
      let metaLength = 0;
      let head: Uint8Array[] = [prefix];
      if (prefix.length === 8) {
        const continuation = view.getUint32(0, true) === 0xffffffff;
        metaLength = continuation ? view.getInt32(4, true) : view.getInt32(0, true);
        const already = continuation ? 0 : 4;
        if (metaLength > already && metaLength <= MAX_METADATA_BYTES) {
          const rest = await reader.read(metaLength - already);
          head = [prefix, rest];
        }
      }
      const meta = new Uint8Array(head.reduce((n, b) => n + b.length, 0));
      let at = 0;
      for (const b of head) {
        meta.set(b, at);
        at += b.length;
      }
      const metaStart = view.byteLength === 8 && view.getUint32(0, true) === 0xffffffff ? 8 : 4;
      if (messageHeaderType(meta.subarray(metaStart)) === MESSAGE_SCHEMA) {
        fed = 8; // the magic and its padding, not handed to the stream reader
        tail = first.subarray(2);
        guard = new FrameGuard(maxBuffered, 8);
        source = feed([meta]);
      } else {
        const parts: Uint8Array[] = [first, meta];
        let total = first.length + meta.length;
        for (;;) {
          const chunk = await reader.next();
          if (chunk === undefined) break;
          total += chunk.length;
          if (total > maxBuffered) {
            throw fail(
              `this Arrow IPC file keeps its schema in the footer, so it is read whole, and it is larger than ${maxBuffered} bytes: send the stream format (pyarrow.ipc.new_stream) instead`,
              maxBuffered,
            );
          }
          parts.push(chunk.slice());
        }
        const whole = new Uint8Array(total);
        let offset = 0;
        for (const part of parts) {
          whole.set(part, offset);
          offset += part.length;
        }
        isFile = false; // read whole: nothing left to check after the batches
        source = feed([whole]);
      }
    } else {
      guard = new FrameGuard(maxBuffered, 0);
      source = feed([first]);
    }
    let batches: ArrowReader;
    try {
      batches = await arrow.RecordBatchReader.from(source);
      await batches.open();
    } catch (error) {
      throw wrap(error);
    }
    const schema = batches.schema;
    if (schema === null || schema === undefined) {
      throw fail('the stream has no schema message', fed);
    }
    let plan: Plan;
    try {
      plan = planOf(schema.fields);
    } catch (error) {
      throw wrap(error);
    }
    const converter = new BatchConverter(plan);
    const rowBytes = plan.columns.reduce((n, c) => n + BYTES_PER[c.dtype], 0) + (plan.time ? 8 : 0);
    const blockRows = rowsPerBlock(options, rowBytes);
    const header = {
      format: 'arrow' as const,
      columns: plan.columns,
      time:
        plan.time === undefined
          ? timeWithoutColumn(options)
          : { kind: 'column' as const, column: plan.time.name },
    };
    async function* blocks(): AsyncGenerator<FileBlock> {
      try {
        let row0 = 0;
        const iterator = batches[Symbol.asyncIterator]();
        for (;;) {
          let next: IteratorResult<ArrowRecordBatch>;
          try {
            next = await iterator.next();
          } catch (error) {
            throw wrap(error);
          }
          if (next.done === true) break;
          const batch = next.value;
          const children = batch.data.children;
          for (let from = 0; from < batch.numRows; from += blockRows) {
            const to = Math.min(batch.numRows, from + blockRows);
            let block: FileBlock;
            try {
              const values = plan.fields.map((spec) => {
                const data = children[spec.index];
                if (data === undefined) {
                  throw fail(`a record batch lacks field '${spec.name}'`, fed);
                }
                return converter.column(spec, data, from, to, row0);
              });
              const timeData = plan.time === undefined ? undefined : children[plan.time.index];
              if (plan.time !== undefined && timeData === undefined) {
                throw fail(`a record batch lacks field '${plan.time.name}'`, fed);
              }
              block =
                timeData === undefined
                  ? { values }
                  : { time: converter.time(timeData, from, to, row0), values };
            } catch (error) {
              // A corrupt batch can hold anything (lengths past its buffers, odd types).
              throw wrap(error);
            }
            yield block;
          }
          row0 += batch.numRows;
        }
        // The rest (the file format's footer, or bytes after a stream's end) is read, not
        // used: the upload is consumed whole, and a file must end with its magic.
        for (let chunk = await reader.next(); chunk !== undefined; chunk = await reader.next()) {
          track(chunk);
        }
        if (isFile && !startsWithMagic(tail)) {
          throw fail(
            'the Arrow file does not end with its ARROW1 magic: it is truncated',
            reader.offset,
          );
        }
      } finally {
        await reader.close();
      }
    }
    return { header, blocks: blocks() };
  } catch (error) {
    await reader.close();
    throw error;
  }
}
