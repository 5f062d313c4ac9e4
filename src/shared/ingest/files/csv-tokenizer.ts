// RFC 4180 tokenizer over byte chunks: quoted fields (quotes doubled inside, delimiters and
// newlines allowed), records ended by LF, CRLF or a lone CR. It works on bytes because every
// byte that structures a CSV is ASCII, so UTF-8 needs decoding only in the few fields that
// are text; and it keeps state between chunks, so any split of the body tokenizes the same.
import { IngestParseError } from '../types.ts';

const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;

const FIELD_START = 0;
const UNQUOTED = 1;
const QUOTED = 2;
/** A quote inside a quoted field: the end of the field, or the first of a doubled quote. */
const QUOTE_IN_QUOTED = 3;

/** What the tokenizer finds, record by record. `line` is where the record starts (1-based). */
export interface CsvSink {
  /** Field `index` of the current record is bytes[start, end) (unquoted, unescaped). */
  field(index: number, bytes: Uint8Array, start: number, end: number, line: number): void;
  /** The current record ended with `fields` fields. Blank lines are no records. */
  record(fields: number, line: number): void;
}

export class CsvTokenizer {
  private state = FIELD_START;
  private fieldIndex = 0;
  /** The physical line of the next byte, and the one the current record started on. */
  private line = 1;
  private recordLine = 1;
  /** A record ended on CR: an LF right after it belongs to the same line end. */
  private skipLf = false;
  /** Inside a quoted field: the last byte was a CR (so an LF after it ends no extra line). */
  private quotedCr = false;
  /** Bytes of the current field carried over from earlier chunks (and unescaped quotes). */
  private buffer = new Uint8Array(256);
  private buffered = 0;
  /** Absolute offset of the current chunk's first byte, and of the current record's. */
  private base = 0;
  private recordStart = 0;

  constructor(
    private readonly delimiter: number,
    private readonly maxRecordBytes: number,
    private readonly sink: CsvSink,
  ) {}

  private append(bytes: Uint8Array, start: number, end: number): void {
    const length = end - start;
    if (length <= 0) return;
    if (this.buffered + length > this.buffer.length) {
      let size = this.buffer.length * 2;
      while (size < this.buffered + length) size *= 2;
      const grown = new Uint8Array(size);
      grown.set(this.buffer.subarray(0, this.buffered));
      this.buffer = grown;
    }
    this.buffer.set(bytes.subarray(start, end), this.buffered);
    this.buffered += length;
  }

  private tooLong(): IngestParseError {
    return new IngestParseError(
      'csv',
      `a record is longer than ${this.maxRecordBytes} bytes (a binary file, or a missing line end?)`,
      { line: this.recordLine },
    );
  }

  /** Ends the current field: chunk[segment, end) plus whatever was carried over. */
  private endField(chunk: Uint8Array, segment: number, end: number): void {
    if (this.buffered === 0) {
      this.sink.field(this.fieldIndex, chunk, segment, end, this.recordLine);
    } else {
      this.append(chunk, segment, end);
      this.sink.field(this.fieldIndex, this.buffer, 0, this.buffered, this.recordLine);
      this.buffered = 0;
    }
    this.fieldIndex++;
  }

  /** Ends the current record at absolute offset `at` (its line end). */
  private endRecord(at: number): void {
    if (at - this.recordStart > this.maxRecordBytes) throw this.tooLong();
    this.sink.record(this.fieldIndex, this.recordLine);
    this.fieldIndex = 0;
    this.state = FIELD_START;
  }

  /**
   * Ends the record at the line end chunk[i] (a CR or an LF) after its last field; returns the
   * index of the line end's last byte (the LF of a CRLF).
   */
  private endLine(chunk: Uint8Array, i: number, n: number): number {
    const isCr = chunk[i] === CR;
    this.endRecord(this.base + i);
    this.newLine(isCr, this.base + i);
    if (isCr && i + 1 < n) {
      this.skipLf = false;
      if (chunk[i + 1] === LF) {
        this.recordStart++;
        return i + 1;
      }
    }
    return i;
  }

  /** After a line end at chunk index `i` (a CR or an LF). */
  private newLine(isCr: boolean, absolute: number): void {
    this.line++;
    this.recordLine = this.line;
    this.recordStart = absolute + 1;
    this.skipLf = isCr;
  }

  push(chunk: Uint8Array): void {
    const n = chunk.length;
    const delimiter = this.delimiter;
    let i = 0;
    if (this.skipLf && n > 0) {
      this.skipLf = false;
      if (chunk[0] === LF) {
        i = 1;
        this.recordStart++;
      }
    }
    let segment = i;
    while (i < n) {
      const c = chunk[i] ?? 0;
      switch (this.state) {
        case FIELD_START:
          if (c === QUOTE) {
            this.state = QUOTED;
            this.quotedCr = false;
            segment = i + 1;
          } else if (c === delimiter) {
            this.endField(chunk, i, i);
          } else if (c === LF || c === CR) {
            // A line with no field at all is blank and skipped; after a delimiter, the record
            // ends with an empty field.
            if (this.fieldIndex > 0) {
              this.endField(chunk, i, i);
              this.endRecord(this.base + i);
            } else if (this.base + i - this.recordStart > this.maxRecordBytes) {
              throw this.tooLong();
            }
            this.newLine(c === CR, this.base + i);
            if (c === CR && i + 1 < n) {
              this.skipLf = false;
              if (chunk[i + 1] === LF) {
                i++;
                this.recordStart++;
              }
            }
          } else {
            segment = i;
            // Scan the field in one tight loop and end it here: most fields are short
            // unquoted numbers, and this is the path every one of them takes.
            i++;
            while (i < n) {
              const d = chunk[i];
              if (d === delimiter || d === LF || d === CR) break;
              i++;
            }
            if (i === n) {
              this.state = UNQUOTED;
              continue;
            }
            this.endField(chunk, segment, i);
            if (chunk[i] !== delimiter) i = this.endLine(chunk, i, n);
          }
          break;
        case UNQUOTED:
          // A field carried over from the previous chunk.
          while (i < n) {
            const d = chunk[i];
            if (d === delimiter || d === LF || d === CR) break;
            i++;
          }
          if (i === n) continue;
          this.state = FIELD_START;
          this.endField(chunk, segment, i);
          if (chunk[i] !== delimiter) i = this.endLine(chunk, i, n);
          break;
        case QUOTED:
          if (c === QUOTE) {
            this.append(chunk, segment, i);
            this.state = QUOTE_IN_QUOTED;
          } else if (c === LF) {
            if (!this.quotedCr) this.line++;
            this.quotedCr = false;
          } else if (c === CR) {
            this.line++;
            this.quotedCr = true;
          } else {
            this.quotedCr = false;
          }
          break;
        case QUOTE_IN_QUOTED:
          if (c === QUOTE) {
            // A doubled quote: one literal quote, and the quoted field goes on after it.
            this.state = QUOTED;
            this.quotedCr = false;
            segment = i;
          } else if (c === delimiter) {
            this.state = FIELD_START;
            this.endField(chunk, i, i);
          } else if (c === LF || c === CR) {
            this.state = FIELD_START;
            this.endField(chunk, i, i);
            this.endRecord(this.base + i);
            this.newLine(c === CR, this.base + i);
            if (c === CR && i + 1 < n) {
              this.skipLf = false;
              if (chunk[i + 1] === LF) {
                i++;
                this.recordStart++;
              }
            }
          } else {
            throw new IngestParseError(
              'csv',
              `a quoted field is followed by '${String.fromCharCode(c)}' instead of a delimiter or a line end (a quote inside a field is written doubled: "")`,
              { line: this.line },
            );
          }
          break;
      }
      i++;
    }
    // Carry the unfinished field over to the next chunk.
    if (this.state === UNQUOTED || this.state === QUOTED) this.append(chunk, segment, n);
    this.base += n;
    if (this.base - this.recordStart > this.maxRecordBytes) throw this.tooLong();
  }

  /** The body ended: the last record needs no line end, but a quoted field must be closed. */
  finish(): void {
    const empty = new Uint8Array(0);
    switch (this.state) {
      case QUOTED:
        throw new IngestParseError(
          'csv',
          'a quoted field is never closed (the file ends inside it)',
          {
            line: this.recordLine,
          },
        );
      case UNQUOTED:
      case QUOTE_IN_QUOTED:
        this.endField(empty, 0, 0);
        this.endRecord(this.base);
        break;
      case FIELD_START:
        if (this.fieldIndex > 0) {
          this.endField(empty, 0, 0);
          this.endRecord(this.base);
        }
        break;
    }
    this.state = FIELD_START;
  }
}
