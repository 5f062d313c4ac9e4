// What every ingestion parser produces (src/shared/ingest): pure, streaming, shared by the lake
// (collectors and uploads) and the browser (offline file import). Parsers never throw plain
// errors at callers: malformed input is an IngestParseError naming the format, the problem and
// where (line, byte offset), so the lake can answer a 4xx that names it and store nothing.

/** One record from a collector: a time and named fields (what a policy maps to signals). */
export interface IngestRecord {
  /** Milliseconds since the Unix epoch (fractional: collectors send µs/ns precision). */
  time: number;
  /** Field name → value; nested collector structures are flattened with '.' (see each parser). */
  fields: Record<string, number | string | boolean | null>;
  /** The collector's tag or stream name (fluent tag, Wendelin reference, collectd host), if any. */
  tag?: string;
}

/** A column of a parsed file (CSV column, WAV channel, npy column, Arrow field). */
export interface ColumnInfo {
  name: string;
  /** Stored type: what the column becomes as a signal. */
  dtype: 'float32' | 'float64' | 'int16' | 'int32';
  unit?: string;
}

/** How a file's rows are placed in time. */
export type FileTimeBase =
  | { kind: 'rate'; sampleRate: number; t0?: string }
  | { kind: 'column'; column: string }
  | { kind: 'none' };

/** The head of a parsed file: known before its rows stream. */
export interface FileHeader {
  format: 'csv' | 'wav' | 'npy' | 'arrow';
  columns: ColumnInfo[];
  time: FileTimeBase;
  /** Rows, when the header says (WAV, npy); undefined when only the end tells (CSV, Arrow). */
  rows?: number;
}

/** A block of consecutive rows: one typed array per column (same length), and times if any. */
export interface FileBlock {
  /** Milliseconds since the epoch of each row (time column files only). */
  time?: Float64Array;
  values: (Float32Array | Float64Array | Int16Array | Int32Array)[];
}

export interface ParsedFile {
  header: FileHeader;
  blocks: AsyncIterable<FileBlock>;
}

export type IngestFormat =
  | 'collectd-json'
  | 'fluent-bit-json'
  | 'fluent-bit-json-lines'
  | 'fluent-bit-msgpack'
  | 'fluentd-json'
  | 'fluentd-ndjson'
  | 'fluentd-msgpack'
  | 'wendelin-msgpack';

export class IngestParseError extends Error {
  override name = 'IngestParseError';
  constructor(
    readonly format: string,
    message: string,
    /** Where: 1-based line for text formats, 0-based byte offset for binary ones. */
    readonly at: { line?: number; offset?: number } = {},
  ) {
    super(
      `${format}: ${message}${at.line !== undefined ? ` (line ${at.line})` : ''}${at.offset !== undefined ? ` (byte ${at.offset})` : ''}`,
    );
  }
}
