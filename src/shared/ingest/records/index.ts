// Streaming parsers of collector payloads → IngestRecord batches (README.md has the rules).
// Pure ECMAScript: the lake runs them on request bodies, the browser on imported files.
import { IngestParseError, type IngestFormat, type IngestRecord } from '../types.ts';
import { parseCollectdJson } from './collectd.ts';
import {
  parseFluentBitJson,
  parseFluentBitJsonLines,
  parseFluentdJson,
  parseFluentdNdjson,
} from './json-records.ts';
import { parseFluentBitMsgpack, parseFluentdMsgpack, parseWendelinMsgpack } from './msgpack.ts';
import type { RecordParseOptions } from './options.ts';

export { formatFromRequest, INGEST_FORMATS, isIngestFormat } from './format.ts';
export {
  DEFAULT_BATCH_SIZE,
  DEFAULT_MAX_ARRAY_BODY_BYTES,
  DEFAULT_MAX_RECORD_BYTES,
  MAX_FIELD_NAME_BYTES,
  MAX_RECORD_DEPTH,
  TIME_FORMATS,
  type RecordParseOptions,
  type TimeFormat,
} from './options.ts';
export { EventTime, MAX_TIME_MS, MIN_TIME_MS } from './time.ts';
export {
  parseCollectdJson,
  parseFluentBitJson,
  parseFluentBitJsonLines,
  parseFluentBitMsgpack,
  parseFluentdJson,
  parseFluentdMsgpack,
  parseFluentdNdjson,
  parseWendelinMsgpack,
};

type RecordParser = (
  body: AsyncIterable<Uint8Array>,
  options?: RecordParseOptions,
) => AsyncIterable<IngestRecord[]>;

const parsers: Record<IngestFormat, RecordParser> = {
  'collectd-json': parseCollectdJson,
  'fluent-bit-json': parseFluentBitJson,
  'fluent-bit-json-lines': parseFluentBitJsonLines,
  'fluent-bit-msgpack': parseFluentBitMsgpack,
  'fluentd-json': parseFluentdJson,
  'fluentd-ndjson': parseFluentdNdjson,
  'fluentd-msgpack': parseFluentdMsgpack,
  'wendelin-msgpack': parseWendelinMsgpack,
};

/**
 * The records of a body in `format`, in batches. A malformed body throws an IngestParseError
 * while iterating — possibly after earlier batches were yielded, so a caller that must store
 * nothing of a bad body collects (or stages) every batch before committing.
 */
export async function* parseRecords(
  format: IngestFormat,
  body: AsyncIterable<Uint8Array>,
  options?: RecordParseOptions,
): AsyncGenerator<IngestRecord[], void, undefined> {
  // The format may come from a stored document: check it at run time, not only by type.
  const parser = Object.hasOwn(parsers, format) ? parsers[format] : undefined;
  if (parser === undefined) {
    throw new IngestParseError(format, 'unknown ingest format');
  }
  yield* parser(body, options);
}
