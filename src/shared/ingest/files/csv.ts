// CSV files: a header row, then one row per record; the rules (delimiter, time column, units,
// numbers) are in README.md. The header can need the first block's values (a first column of
// times is told from its values), so parseCsv reads up to one block before it resolves.
import {
  IngestParseError,
  type ColumnInfo,
  type FileBlock,
  type FileHeader,
  type ParsedFile,
} from '../types.ts';
import { ByteReader } from './bytes.ts';
import { rowsPerBlock, timeWithoutColumn, trimmed, type ParseFileOptions } from './common.ts';
import { CsvTokenizer, type CsvSink } from './csv-tokenizer.ts';
import {
  TIME_NAMES,
  epochScaleOfMagnitude,
  epochScaleOfUnit,
  parseIsoTime,
  parseNumber,
  splitUnit,
  type EpochScale,
} from './csv-values.ts';
import { decodeUtf8 } from './utf8.ts';

const DEFAULT_MAX_RECORD_BYTES = 1024 * 1024;
const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;
const DELIMITERS = { ',': 0x2c, ';': 0x3b, '\t': 0x09 } as const;

const VALUE = 0;
const TIME = 1;
/** Column 0 of a file with no named time column, until the first block tells what it is. */
const DEFERRED = 2;

type TimeMode = { kind: 'iso' } | { kind: 'epoch'; scale: EpochScale };

type FloatArray = Float32Array | Float64Array;

/** The first block's column-0 values are epoch seconds or milliseconds when all lie here. */
const EPOCH_SECONDS = [1e9, 1e10] as const; // 2001-09-09 to 2286-11-20
const EPOCH_MILLISECONDS = [1e12, 1e13] as const;

/** A field's text for an error message: short, and never raw invalid bytes. */
function shown(bytes: Uint8Array, start: number, end: number): string {
  const text = decodeUtf8(bytes, start, Math.min(end, start + 40));
  if (text === undefined) return '(invalid UTF-8)';
  return JSON.stringify(end - start > 40 ? `${text}…` : text);
}

class CsvAssembler implements CsvSink {
  header: FileHeader | undefined;
  /** Blocks complete and not yet handed out. */
  readonly ready: FileBlock[] = [];
  private inHeader = true;
  private readonly headerNames: string[] = [];
  private columns: { name: string; unit?: string }[] = [];
  private roles: number[] = [];
  /** Index into `values` of each value column. */
  private slots: number[] = [];
  private timeIndex = -1;
  private timeMode: TimeMode | undefined;
  private timeUnit: string | undefined;
  private values: FloatArray[] = [];
  private time: Float64Array | undefined;
  private deferred: { bytes: Uint8Array; line: number }[] = [];
  private rows = 0;
  private blockRows = 1;
  private readonly decimalComma: boolean;

  constructor(
    private readonly options: ParseFileOptions | undefined,
    delimiter: number,
  ) {
    // `;`-separated files come from locales that write 1,5 for 1.5.
    this.decimalComma = delimiter === DELIMITERS[';'];
  }

  field(index: number, bytes: Uint8Array, start: number, end: number, line: number): void {
    // Value and time fields first: they are every field but the header's. Until the header is
    // planned, and past the header's count, a field has no role.
    const role = this.roles[index];
    if (role === VALUE) {
      const value = parseNumber(bytes, start, end, this.decimalComma);
      if (value === undefined) {
        throw new IngestParseError(
          'csv',
          `${shown(bytes, start, end)} in column '${this.columns[index]?.name ?? ''}' is not a number`,
          { line },
        );
      }
      const column = this.values[this.slots[index] ?? 0];
      if (column !== undefined) column[this.rows] = value;
      return;
    }
    if (role === TIME) {
      if (this.time !== undefined) this.time[this.rows] = this.timeOf(bytes, start, end, line);
      return;
    }
    if (this.inHeader) {
      const text = decodeUtf8(bytes, start, end);
      if (text === undefined) {
        throw new IngestParseError('csv', `header field ${index + 1} is not valid UTF-8`, { line });
      }
      this.headerNames.push(text);
      return;
    }
    if (index >= this.columns.length) {
      throw new IngestParseError(
        'csv',
        `a row has more than the header's ${this.columns.length} fields`,
        { line },
      );
    }
    this.deferred.push({ bytes: bytes.slice(start, end), line });
  }

  record(fields: number, line: number): void {
    if (this.inHeader) {
      this.inHeader = false;
      this.plan(line);
      return;
    }
    if (fields !== this.columns.length) {
      throw new IngestParseError(
        'csv',
        `a row has ${fields} field${fields === 1 ? '' : 's'} where the header has ${this.columns.length}`,
        { line },
      );
    }
    this.rows++;
    if (this.rows === this.blockRows) this.flush();
  }

  /** The body ended. */
  finish(): void {
    if (this.inHeader) {
      throw new IngestParseError('csv', 'the file is empty: a header row is required', {
        line: 1,
      });
    }
    if (this.rows > 0 || this.header === undefined) this.flush();
  }

  /** Columns and roles from the header row. */
  private plan(line: number): void {
    const csv = this.options?.csv;
    const seen = new Set<string>();
    this.columns = this.headerNames.map((raw, index) => {
      const column = splitUnit(raw);
      if (column.name === '') column.name = `column-${index + 1}`;
      if (seen.has(column.name)) {
        throw new IngestParseError('csv', `two columns are named '${column.name}'`, { line });
      }
      seen.add(column.name);
      return column;
    });
    const wanted = csv?.timeColumn;
    if (typeof wanted === 'string') {
      this.timeIndex = this.columns.findIndex((column) => column.name === wanted);
      if (this.timeIndex < 0) {
        throw new IngestParseError('csv', `there is no column '${wanted}' for the time`, { line });
      }
    } else if (wanted === undefined) {
      this.timeIndex = this.columns.findIndex((column) =>
        TIME_NAMES.has(column.name.toLowerCase()),
      );
    }
    this.roles = this.columns.map((_, index) => (index === this.timeIndex ? TIME : VALUE));
    if (wanted === undefined && this.timeIndex < 0 && this.columns.length > 1) {
      this.roles[0] = DEFERRED;
    }
    if (this.timeIndex >= 0) this.timeUnit = this.columns[this.timeIndex]?.unit;
    if (this.columns.length - (this.timeIndex >= 0 ? 1 : 0) === 0) {
      throw new IngestParseError('csv', 'the header names no value column besides the time', {
        line,
      });
    }
    // Every column is counted at 8 bytes: the deferred one may become a float64 time.
    this.blockRows = rowsPerBlock(this.options, this.columns.length * 8);
    this.allocate();
    if (!this.roles.includes(DEFERRED)) this.header = this.makeHeader();
  }

  private allocate(): void {
    const Float = this.options?.csv?.float === 'float32' ? Float32Array : Float64Array;
    this.slots = [];
    this.values = [];
    this.roles.forEach((role, index) => {
      if (role === TIME) return;
      this.slots[index] = this.values.length;
      this.values.push(new Float(this.blockRows));
    });
    this.time = this.timeIndex >= 0 ? new Float64Array(this.blockRows) : undefined;
  }

  private makeHeader(): FileHeader {
    const dtype = this.options?.csv?.float ?? 'float64';
    const columns: ColumnInfo[] = [];
    this.columns.forEach((column, index) => {
      if (index === this.timeIndex) return;
      columns.push(
        column.unit === undefined
          ? { name: column.name, dtype }
          : { name: column.name, dtype, unit: column.unit },
      );
    });
    const timeColumn = this.columns[this.timeIndex];
    return {
      format: 'csv',
      columns,
      time:
        timeColumn === undefined
          ? timeWithoutColumn(this.options)
          : { kind: 'column', column: timeColumn.name },
    };
  }

  /** Milliseconds since the epoch of a time field; the first one sets how all are read. */
  private timeOf(bytes: Uint8Array, start: number, end: number, line: number): number {
    const mode = this.timeMode;
    if (mode?.kind === 'epoch') {
      const number = parseNumber(bytes, start, end, false);
      if (number !== undefined && Number.isFinite(number)) return number * mode.scale;
    }
    return this.firstOrOtherTime(bytes, start, end, line);
  }

  /** timeOf for the first time field, ISO times, and the errors. */
  private firstOrOtherTime(bytes: Uint8Array, start: number, end: number, line: number): number {
    const name = this.columns[this.timeIndex]?.name ?? '';
    if (this.timeMode === undefined) {
      const number = parseNumber(bytes, start, end, false);
      if (number !== undefined && Number.isFinite(number)) {
        let scale = epochScaleOfMagnitude(number);
        if (this.timeUnit !== undefined) {
          const named = epochScaleOfUnit(this.timeUnit);
          if (named === undefined) {
            throw new IngestParseError(
              'csv',
              `time column '${name}' holds numbers in '${this.timeUnit}': epoch times need s, ms, us or ns`,
              { line },
            );
          }
          scale = named;
        }
        this.timeMode = { kind: 'epoch', scale };
      } else {
        this.timeMode = { kind: 'iso' };
      }
    }
    if (this.timeMode.kind === 'epoch') {
      const number = parseNumber(bytes, start, end, false);
      if (number === undefined || !Number.isFinite(number)) {
        throw new IngestParseError(
          'csv',
          `${shown(bytes, start, end)} in time column '${name}' is not an epoch number like the first row's`,
          { line },
        );
      }
      return number * this.timeMode.scale;
    }
    const time = parseIsoTime(bytes, start, end);
    if (time === undefined) {
      throw new IngestParseError(
        'csv',
        `${shown(bytes, start, end)} in time column '${name}' is not an ISO 8601 date-time`,
        { line },
      );
    }
    return time;
  }

  /** Column 0 from the first block's values: ISO times, epoch s or ms, or plain numbers. */
  private resolve(): void {
    const texts = this.deferred;
    const inRange = (range: readonly [number, number]) =>
      texts.every(({ bytes }) => {
        const value = parseNumber(bytes, 0, bytes.length, false);
        return value !== undefined && value >= range[0] && value < range[1];
      });
    let mode: TimeMode | undefined;
    if (texts.length > 0) {
      if (texts.every(({ bytes }) => parseIsoTime(bytes, 0, bytes.length) !== undefined)) {
        mode = { kind: 'iso' };
      } else if (inRange(EPOCH_SECONDS)) {
        mode = { kind: 'epoch', scale: 1000 };
      } else if (inRange(EPOCH_MILLISECONDS)) {
        mode = { kind: 'epoch', scale: 1 };
      }
    }
    const first = this.values[0];
    if (mode === undefined) {
      this.roles[0] = VALUE;
      texts.forEach(({ bytes, line }, row) => {
        const value = parseNumber(bytes, 0, bytes.length, this.decimalComma);
        if (value === undefined) {
          throw new IngestParseError(
            'csv',
            `${shown(bytes, 0, bytes.length)} in column '${this.columns[0]?.name ?? ''}' is not a number`,
            { line },
          );
        }
        if (first !== undefined) first[row] = value;
      });
    } else {
      this.roles[0] = TIME;
      this.timeIndex = 0;
      this.timeMode = mode;
      const time = new Float64Array(this.blockRows);
      texts.forEach(({ bytes, line }, row) => {
        time[row] = this.timeOf(bytes, 0, bytes.length, line);
      });
      this.time = time;
      // Column 0's value array (slot 0) was never a value column: drop it.
      this.values = this.values.slice(1);
      this.slots = this.slots.map((slot) => slot - 1);
    }
    this.deferred = [];
    this.header = this.makeHeader();
  }

  private flush(): void {
    if (this.roles[0] === DEFERRED) this.resolve();
    if (this.rows === 0) return;
    const values = trimmed(this.values, this.rows) as FloatArray[];
    const block: FileBlock =
      this.time === undefined
        ? { values }
        : {
            time: this.rows === this.time.length ? this.time : this.time.slice(0, this.rows),
            values,
          };
    this.ready.push(block);
    this.rows = 0;
    this.allocate();
  }
}

/** The first line's bytes (with whatever followed in its chunk), and where it ends. */
async function readFirstLine(
  reader: ByteReader,
  maxBytes: number,
): Promise<{ head: Uint8Array; lineEnd: number }> {
  // Chunks are copied (the reader's views last until its next read) and joined once.
  const parts: Uint8Array[] = [];
  let length = 0;
  let inQuotes = false;
  let lineEnd = -1;
  while (lineEnd < 0) {
    const chunk = await reader.next();
    if (chunk === undefined) break;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i];
      if (c === QUOTE) inQuotes = !inQuotes;
      else if (!inQuotes && (c === LF || c === CR)) {
        lineEnd = length + i;
        break;
      }
    }
    parts.push(chunk.slice());
    length += chunk.length;
    if (lineEnd < 0 && length > maxBytes) {
      throw new IngestParseError(
        'csv',
        `the header line is longer than ${maxBytes} bytes (not a CSV file?)`,
        { line: 1 },
      );
    }
  }
  const head = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    head.set(part, at);
    at += part.length;
  }
  return { head, lineEnd: lineEnd < 0 ? length : lineEnd };
}

/**
 * The delimiter of the header line: the most frequent of `,` `;` and tab outside quotes (ties
 * in that order), `,` when there is none (a one-column file).
 */
export function detectDelimiter(line: Uint8Array): number {
  const counts = new Map<number, number>([
    [DELIMITERS[','], 0],
    [DELIMITERS[';'], 0],
    [DELIMITERS['\t'], 0],
  ]);
  let inQuotes = false;
  for (const c of line) {
    if (c === QUOTE) inQuotes = !inQuotes;
    else if (!inQuotes) {
      const count = counts.get(c);
      if (count !== undefined) counts.set(c, count + 1);
    }
  }
  let best: number = DELIMITERS[','];
  let most = 0;
  for (const [delimiter, count] of counts) {
    if (count > most) {
      best = delimiter;
      most = count;
    }
  }
  return best;
}

export async function parseCsv(
  body: AsyncIterable<Uint8Array>,
  options?: ParseFileOptions,
): Promise<ParsedFile> {
  const maxRecordBytes = options?.csv?.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  if (!Number.isInteger(maxRecordBytes) || maxRecordBytes < 1) {
    throw new RangeError(`csv.maxRecordBytes must be a positive integer, not ${maxRecordBytes}`);
  }
  const reader = new ByteReader(body);
  try {
    let { head, lineEnd } = await readFirstLine(reader, maxRecordBytes);
    if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) {
      head = head.subarray(3);
      lineEnd -= 3;
    }
    const chosen = options?.csv?.delimiter;
    const delimiter =
      chosen === undefined ? detectDelimiter(head.subarray(0, lineEnd)) : DELIMITERS[chosen];
    const assembler = new CsvAssembler(options, delimiter);
    const tokenizer = new CsvTokenizer(delimiter, maxRecordBytes, assembler);
    const input = { ended: false };
    /** Feeds the next chunk (or the end) to the tokenizer. */
    const pump = async (): Promise<void> => {
      const chunk = await reader.next();
      if (chunk === undefined) {
        tokenizer.finish();
        assembler.finish();
        input.ended = true;
      } else {
        tokenizer.push(chunk);
      }
    };
    tokenizer.push(head);
    while (assembler.header === undefined && !input.ended) await pump();
    const header = assembler.header;
    if (header === undefined) throw new Error('csv: no header after the end of the body');
    async function* blocks(): AsyncGenerator<FileBlock> {
      try {
        for (;;) {
          const block = assembler.ready.shift();
          if (block !== undefined) yield block;
          else if (input.ended) return;
          else await pump();
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
