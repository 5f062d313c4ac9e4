// Splits a streamed JSON body into its records without parsing them: the elements of a
// top-level array (`[{…},{…}]`: collectd, fluent-bit `json`, fluentd `json_array`) or a sequence
// of objects (`{…}\n{…}` NDJSON / json_lines, `{…}{…}` fluent-bit json_stream). Each record's
// bytes then go to JSON.parse on their own, so memory holds one record and one chunk, never the
// body, and an error names the record's line and byte offset.
//
// The scanner only tracks strings and bracket depth; JSON.parse validates each record. Structural
// bytes are ASCII, and UTF-8 never uses ASCII bytes inside a multi-byte sequence, so scanning
// bytes is safe.
import { IngestParseError } from '../types.ts';
import { ByteQueue } from './bytes.ts';

/** The bytes of one record (valid until the next `push`), where it starts. */
export interface JsonSlice {
  bytes: Uint8Array;
  line: number;
  offset: number;
}

/** `array`: a JSON array is required; `lines`: a sequence of objects; `either`: whichever starts. */
export type JsonFraming = 'array' | 'lines' | 'either';

const BEFORE = 0; // nothing yet: expect '[' or '{' per framing
const ARRAY_FIRST = 1; // after '[': expect an object or ']'
const IN_RECORD = 2; // inside a top-level object
const ARRAY_AFTER = 3; // after an element: expect ',' or ']'
const ARRAY_NEXT = 4; // after ',': expect an object
const ARRAY_DONE = 5; // after ']': only whitespace
const LINES_NEXT = 6; // between objects of a sequence

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const NEWLINE = 0x0a;

function isSpace(byte: number | undefined): boolean {
  return byte === 0x20 || byte === NEWLINE || byte === 0x0d || byte === 0x09;
}

export class JsonRecordSplitter {
  readonly #format: string;
  readonly #maxRecordBytes: number;
  #framing: JsonFraming;
  #queue = new ByteQueue();
  /** Absolute offset of the queue's first byte. */
  #base = 0;
  /** Scan position, relative to the queue's first byte. */
  #at = 0;
  #phase = BEFORE;
  #line = 1;
  #depth = 0;
  #inString = false;
  #recordStart = 0;
  #recordLine = 1;

  constructor(format: string, framing: JsonFraming, maxRecordBytes: number) {
    this.#format = format;
    this.#framing = framing;
    this.#maxRecordBytes = maxRecordBytes;
  }

  #fail(message: string, at: number, line = this.#line): never {
    throw new IngestParseError(this.#format, message, { line, offset: this.#base + at });
  }

  /** Feeds the next chunk; returns the records it completed, in order. */
  push(chunk: Uint8Array): JsonSlice[] {
    this.#queue.append(chunk);
    const bytes = this.#queue.view();
    const end = bytes.length;
    const slices: JsonSlice[] = [];
    let at = this.#at;
    while (at < end) {
      if (this.#phase === IN_RECORD) {
        at = this.#scanRecord(bytes, at, end);
        if (at - this.#recordStart > this.#maxRecordBytes) this.#tooLarge();
        if (this.#inRecord()) break;
        slices.push({
          bytes: bytes.subarray(this.#recordStart, at),
          line: this.#recordLine,
          offset: this.#base + this.#recordStart,
        });
        continue;
      }
      const byte = bytes[at];
      if (isSpace(byte)) {
        if (byte === NEWLINE) this.#line++;
        at++;
        continue;
      }
      const next = this.#structural(bytes, at);
      if (next < 0) break;
      at = next;
    }
    // Keep only an unfinished record (or a split byte-order mark); the rest has been handed out.
    const keep = this.#inRecord() ? this.#recordStart : Math.min(at, end);
    this.#queue.consume(keep);
    this.#base += keep;
    this.#at = at - keep;
    this.#recordStart -= keep;
    return slices;
  }

  /** A method, not an inline test, because #scanRecord changes the phase behind TS's back. */
  #inRecord(): boolean {
    return this.#phase === IN_RECORD;
  }

  #tooLarge(): never {
    return this.#fail(
      `a record is larger than ${this.#maxRecordBytes} bytes`,
      this.#recordStart,
      this.#recordLine,
    );
  }

  /** Handles one non-space byte outside a record: the next position, or -1 for more data. */
  #structural(bytes: Uint8Array, at: number): number {
    const byte = bytes[at];
    switch (this.#phase) {
      case BEFORE:
        if (this.#base + at === 0 && byte === 0xef) {
          // A UTF-8 byte-order mark, possibly split across chunks.
          if (bytes.length < 3) return -1;
          if (bytes[1] === 0xbb && bytes[2] === 0xbf) return 3;
        }
        if (byte === 0x5b && this.#framing !== 'lines') {
          this.#framing = 'array';
          this.#phase = ARRAY_FIRST;
          return at + 1;
        }
        if (byte === 0x7b && this.#framing !== 'array') {
          this.#framing = 'lines';
          return this.#startRecord(at);
        }
        return this.#fail(this.#expectedStart(), at);
      case ARRAY_FIRST:
        if (byte === 0x5d) {
          this.#phase = ARRAY_DONE;
          return at + 1;
        }
        if (byte === 0x7b) return this.#startRecord(at);
        return this.#fail('expected a JSON object (a record) in the array', at);
      case ARRAY_AFTER:
        if (byte === 0x2c) {
          this.#phase = ARRAY_NEXT;
          return at + 1;
        }
        if (byte === 0x5d) {
          this.#phase = ARRAY_DONE;
          return at + 1;
        }
        return this.#fail("expected ',' or ']' after a record", at);
      case ARRAY_NEXT:
        if (byte === 0x7b) return this.#startRecord(at);
        return this.#fail('expected a JSON object (a record) after a comma', at);
      case LINES_NEXT:
        if (byte === 0x7b) return this.#startRecord(at);
        return this.#fail('expected a JSON object (a record)', at);
      default:
        return this.#fail('unexpected data after the JSON array', at);
    }
  }

  #expectedStart(): string {
    if (this.#framing === 'array') return 'expected a JSON array';
    return this.#framing === 'lines' ? 'expected a JSON object' : 'expected a JSON array or object';
  }

  #startRecord(at: number): number {
    this.#phase = IN_RECORD;
    this.#recordStart = at;
    this.#recordLine = this.#line;
    this.#depth = 0;
    this.#inString = false;
    return at;
  }

  /** Scans inside a record; leaves IN_RECORD when its closing bracket is found. */
  #scanRecord(bytes: Uint8Array, start: number, end: number): number {
    let at = start;
    let depth = this.#depth;
    let inString = this.#inString;
    let line = this.#line;
    while (at < end) {
      if (inString) {
        while (at < end) {
          const byte = bytes[at];
          if (byte === QUOTE) break;
          // An escape may end the chunk: `at` then points past `end` and resumes there.
          at += byte === BACKSLASH ? 2 : 1;
        }
        if (at >= end) break;
        inString = false;
        at++;
        continue;
      }
      const byte = bytes[at++];
      if (byte === QUOTE) inString = true;
      else if (byte === 0x7b || byte === 0x5b) depth++;
      else if (byte === 0x7d || byte === 0x5d) {
        if (--depth === 0) {
          this.#phase = this.#framing === 'array' ? ARRAY_AFTER : LINES_NEXT;
          break;
        }
      } else if (byte === NEWLINE) line++;
    }
    this.#depth = depth;
    this.#inString = inString;
    this.#line = line;
    return at;
  }

  /** The body ended: throws if it ended inside a record or an array. */
  finish(): void {
    const at = this.#queue.length;
    switch (this.#phase) {
      case IN_RECORD:
        return this.#fail(
          'the body ends inside a record (truncated?)',
          this.#recordStart,
          this.#recordLine,
        );
      case ARRAY_FIRST:
      case ARRAY_AFTER:
      case ARRAY_NEXT:
        return this.#fail('the body ends before the JSON array is closed (truncated?)', at);
      case BEFORE:
        if (this.#at < at) this.#fail(this.#expectedStart(), this.#at);
        if (this.#framing === 'array') this.#fail('the body is empty: expected a JSON array', at);
        return;
      default:
        return;
    }
  }
}
