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
import { FrameGuard, arrowError } from './arrow-frames.ts';
import { InvalidMetadata, MessageType, verifyFooter } from './arrow-verify.ts';
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
const fail = arrowError;

function startsWithMagic(bytes: Uint8Array): boolean {
  return MAGIC.every((b, k) => bytes[k] === b);
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

/**
 * Checks that a column's buffers hold the batch's rows. apache-arrow takes a record batch's
 * length from its metadata and its buffers from the body without comparing them, so a corrupt
 * length would have the conversion read past the buffers (or loop over rows that are not there).
 */
function checkData(name: string, data: ArrowData, rows: number): void {
  const short = (what: string) =>
    fail(
      `field '${name}' claims ${rows} rows but its ${what} buffer is shorter: the batch is corrupt`,
    );
  if (data.length !== rows) throw short('row count');
  const end = data.offset + data.length;
  const offsets = data.valueOffsets;
  if (offsets !== null && offsets !== undefined) {
    if (offsets.length < end + 1) throw short('offsets');
  } else if (data.values.length < end) {
    throw short('values');
  }
  const bitmap = data.nullBitmap;
  if (data.nullCount > 0 && bitmap !== null && bitmap !== undefined && bitmap.length > 0) {
    if (bitmap.length * 8 < end) throw short('validity');
  }
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
          if (begin < 0 || end < begin || end > values.length) {
            throw fail(`time field '${name}' has corrupt string offsets at row ${row0 + from + r}`);
          }
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

/**
 * Checks a whole IPC file before apache-arrow reads it through its footer: every message in
 * the body (framing and metadata), the footer's metadata, and that each block the footer names
 * is one of those messages (a corrupt offset would have apache-arrow decode arbitrary bytes).
 */
function checkWholeFile(whole: Uint8Array, limit: number): void {
  const end = whole.length - 6;
  if (whole.length < 8 + 10 || !startsWithMagic(whole.subarray(end))) {
    throw fail('the Arrow file does not end with its ARROW1 magic: it is truncated', whole.length);
  }
  const view = new DataView(whole.buffer, whole.byteOffset, whole.byteLength);
  const footerLength = view.getInt32(end - 4, true);
  const footerStart = end - 4 - footerLength;
  if (footerLength <= 0 || footerStart < 8) {
    throw fail(`the Arrow file's footer length ${footerLength} is impossible`, end - 4);
  }
  const walk = new FrameGuard(limit, 8, true);
  walk.push(whole.subarray(8, footerStart));
  if (!walk.atBoundary) throw fail('a message runs into the Arrow file footer', footerStart);
  let blocks;
  try {
    blocks = verifyFooter(whole.subarray(footerStart, end - 4));
  } catch (error) {
    if (!(error instanceof InvalidMetadata)) throw error;
    throw fail(`the Arrow file footer is corrupt (${error.message})`, footerStart);
  }
  for (const block of blocks) {
    const found = walk.messages.some(
      (m) =>
        m.offset === block.offset &&
        m.metaDataLength === block.metaDataLength &&
        m.bodyLength === block.bodyLength,
    );
    if (!found) {
      throw fail(
        `the footer names a block at byte ${block.offset} that is no message`,
        footerStart,
      );
    }
  }
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
  /** Yields `prefix` (already read, and already guarded), then the rest of the body. */
  async function* feed(prefix: readonly Uint8Array[]): AsyncGenerator<Uint8Array> {
    for (const chunk of prefix) {
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
      const probe = new FrameGuard(maxBuffered, 8, true);
      const head: Uint8Array[] = [];
      while (probe.messages.length === 0 && !probe.atEnd) {
        const chunk = await reader.next();
        if (chunk === undefined) break;
        const copy = chunk.slice();
        head.push(copy);
        probe.push(copy);
      }
      if (probe.messages[0]?.type === MessageType.Schema) {
        fed = 8; // the magic and its padding, not handed to the stream reader
        tail = first.subarray(2);
        guard = probe;
        source = feed(head);
      } else {
        const parts: Uint8Array[] = [first, ...head];
        let total = parts.reduce((n, part) => n + part.length, 0);
        for (;;) {
          if (total > maxBuffered) {
            throw fail(
              `this Arrow IPC file keeps its schema in the footer, so it is read whole, and it is larger than ${maxBuffered} bytes: send the stream format (pyarrow.ipc.new_stream) instead`,
              maxBuffered,
            );
          }
          const chunk = await reader.next();
          if (chunk === undefined) break;
          total += chunk.length;
          parts.push(chunk.slice());
        }
        const whole = new Uint8Array(total);
        let offset = 0;
        for (const part of parts) {
          whole.set(part, offset);
          offset += part.length;
        }
        checkWholeFile(whole, maxBuffered);
        isFile = false; // read whole and checked: nothing left to check after the batches
        source = feed([whole]);
      }
    } else {
      guard = new FrameGuard(maxBuffered, 0);
      guard.push(first);
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
          try {
            for (const spec of plan.time === undefined
              ? plan.fields
              : [...plan.fields, plan.time]) {
              const data = children[spec.index];
              if (data === undefined) throw fail(`a record batch lacks field '${spec.name}'`, fed);
              checkData(spec.name, data, batch.numRows);
            }
          } catch (error) {
            throw wrap(error);
          }
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
