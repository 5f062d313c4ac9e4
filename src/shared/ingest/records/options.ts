// Options every record parser takes, and their per-format defaults (README.md has the rules).
import type { IngestFormat } from '../types.ts';

/**
 * How a record's time field is written, named as the collector's own configuration names it:
 * fluent-bit's `json_date_format` (`double`, `epoch`, `epoch_ms`, `iso8601`,
 * `java_sql_timestamp`) or fluentd's `<inject> time_type` (`float`, `unixtime`, `string`).
 * Only `epoch_ms` changes how a number is read (milliseconds; every other format: seconds); a
 * string is read as ISO 8601 / `YYYY-MM-DD hh:mm:ss[.f]` whatever the format says.
 */
export type TimeFormat =
  | 'double'
  | 'epoch'
  | 'epoch_ms'
  | 'iso8601'
  | 'java_sql_timestamp'
  | 'float'
  | 'unixtime'
  | 'string';

export const TIME_FORMATS: readonly TimeFormat[] = [
  'double',
  'epoch',
  'epoch_ms',
  'iso8601',
  'java_sql_timestamp',
  'float',
  'unixtime',
  'string',
];

export interface RecordParseOptions {
  /**
   * The tag of records whose body names none: Wendelin's `?reference=`, a fluentd endpoint
   * placeholder (`?reference=${tag}`), the value of fluent-bit's `header_tag` header.
   */
  reference?: string;
  /**
   * Time (ms since the epoch) of records that carry none — fluentd records without `<inject>`,
   * fluent-bit JSON with `json_date_key false`: the request's receive time. Default: `Date.now()`
   * when parsing starts; a re-parse of a logged body must pass the logged receive time.
   */
  receivedAt?: number;
  /**
   * The record field holding the time, removed from the fields when it gives it: fluent-bit's
   * `json_date_key` (default `date` for its JSON formats), fluentd's `<inject> time_key` (no
   * default: fluentd records carry no time unless injected). `false`: no time field. In msgpack
   * events the event's own time wins; this field is read only for records without one.
   */
  timeKey?: string | false;
  /** How `timeKey`'s value is written (default `double` for fluent-bit, `float` for fluentd). */
  timeFormat?: TimeFormat;
  /** The record field holding the tag, removed from the fields (fluentd `<inject> tag_key`). */
  tagKey?: string;
  /** Records per yielded batch (default 1024). */
  batchSize?: number;
  /**
   * Largest body accepted, in bytes: default 64 MiB for the JSON array formats (collectd-json,
   * fluent-bit-json, fluentd-json), unlimited for the streamed ones (lines and msgpack).
   */
  maxBodyBytes?: number;
  /** Largest single record (a JSON element or line, a msgpack event), in bytes (default 16 MiB). */
  maxRecordBytes?: number;
}

export const DEFAULT_BATCH_SIZE = 1024;
export const DEFAULT_MAX_ARRAY_BODY_BYTES = 64 * 1024 * 1024;
export const DEFAULT_MAX_RECORD_BYTES = 16 * 1024 * 1024;
/** Longest flattened field name, in UTF-8 bytes. */
export const MAX_FIELD_NAME_BYTES = 1024;
/** Deepest nesting of a record, counting the record itself as level 1. */
export const MAX_RECORD_DEPTH = 32;

/** Options with every default filled in for one format. */
export interface ResolvedOptions {
  format: IngestFormat;
  reference: string | undefined;
  receivedAt: number;
  timeKey: string | undefined;
  timeFormat: TimeFormat;
  tagKey: string | undefined;
  batchSize: number;
  maxBodyBytes: number;
  maxRecordBytes: number;
}

const fluentBitJson = new Set<IngestFormat>(['fluent-bit-json', 'fluent-bit-json-lines']);
const arrayBodies = new Set<IngestFormat>(['collectd-json', 'fluent-bit-json', 'fluentd-json']);

function positive(value: number | undefined, fallback: number, what: string): number {
  if (value === undefined) return fallback;
  if (!(value > 0)) throw new RangeError(`${what} must be a positive number`);
  return value;
}

export function resolveOptions(
  format: IngestFormat,
  options: RecordParseOptions = {},
): ResolvedOptions {
  const timeKey =
    options.timeKey === undefined
      ? fluentBitJson.has(format)
        ? 'date'
        : undefined
      : options.timeKey === false
        ? undefined
        : options.timeKey;
  return {
    format,
    reference: options.reference,
    receivedAt: options.receivedAt ?? Date.now(),
    timeKey,
    timeFormat: options.timeFormat ?? (format.startsWith('fluentd') ? 'float' : 'double'),
    tagKey: options.tagKey,
    batchSize: Math.max(
      1,
      Math.floor(positive(options.batchSize, DEFAULT_BATCH_SIZE, 'batchSize')),
    ),
    maxBodyBytes: positive(
      options.maxBodyBytes,
      arrayBodies.has(format) ? DEFAULT_MAX_ARRAY_BODY_BYTES : Number.POSITIVE_INFINITY,
      'maxBodyBytes',
    ),
    maxRecordBytes: positive(options.maxRecordBytes, DEFAULT_MAX_RECORD_BYTES, 'maxRecordBytes'),
  };
}
