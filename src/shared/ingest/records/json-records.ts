// The driver of every JSON format: split the streamed body into records (json-split.ts), parse
// each with JSON.parse, turn it into IngestRecords, and yield them in batches. A body that
// arrives whole and small enough takes a faster path first (json-whole.ts).
import type { IngestFormat, IngestRecord } from '../types.ts';
import { decodeUtf8Strict } from './bytes.ts';
import { RecordBuilder, type Where } from './fields.ts';
import { JsonRecordSplitter, type JsonFraming, type JsonSlice } from './json-split.ts';
import { parseWholeJson } from './json-whole.ts';
import { resolveOptions, type RecordParseOptions } from './options.ts';
import { peekWhole } from './whole-body.ts';

/** Turns one parsed top-level JSON object into records, appended to `out`. */
export type JsonRecordMapper = (
  value: Record<string, unknown>,
  where: Where,
  out: IngestRecord[],
  builder: RecordBuilder,
) => void;

function parseSlice(slice: JsonSlice, builder: RecordBuilder): Record<string, unknown> {
  const where = { line: slice.line, offset: slice.offset };
  let text: string;
  try {
    text = decodeUtf8Strict(slice.bytes);
  } catch {
    return builder.fail('the record is not valid UTF-8', where);
  }
  try {
    // The splitter hands out only `{…}` spans, so a successful parse is an object.
    return JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return builder.fail(`invalid JSON (${reason})`, where);
  }
}

export async function* parseJsonRecords(
  format: IngestFormat,
  framing: JsonFraming,
  body: AsyncIterable<Uint8Array>,
  options: RecordParseOptions | undefined,
  mapper: JsonRecordMapper,
): AsyncGenerator<IngestRecord[], void, undefined> {
  const resolved = resolveOptions(format, options);
  const builder = new RecordBuilder(resolved);
  const { batchSize, maxBodyBytes, maxRecordBytes } = resolved;
  // A whole body no larger than a record may be holds no record over the limit, so the
  // splitter's size checks cannot fail; within the body limit, the fast path may decide it. It
  // yields only once it has every record: on any doubt the streaming path reads the same bytes.
  const peeked = await peekWhole(body, Math.min(maxBodyBytes, maxRecordBytes));
  if (peeked.whole !== undefined) {
    const records = parseWholeJson(peeked.whole, framing, builder, mapper);
    if (records !== undefined) {
      for (let start = 0; start < records.length; start += batchSize) {
        yield records.length <= batchSize ? records : records.slice(start, start + batchSize);
      }
      return;
    }
  }
  const splitter = new JsonRecordSplitter(format, framing, maxRecordBytes);
  let total = 0;
  let batch: IngestRecord[] = [];
  for await (const chunk of peeked.chunks) {
    total += chunk.length;
    if (total > maxBodyBytes) {
      builder.fail(`the body is larger than ${maxBodyBytes} bytes`, { offset: maxBodyBytes });
    }
    for (const slice of splitter.push(chunk)) {
      mapper(
        parseSlice(slice, builder),
        { line: slice.line, offset: slice.offset },
        batch,
        builder,
      );
      if (batch.length >= batchSize) {
        // A collectd value list gives a record per data source: a batch may overflow.
        let start = 0;
        while (batch.length - start >= batchSize) {
          yield batch.length === batchSize ? batch : batch.slice(start, start + batchSize);
          start += batchSize;
        }
        batch = batch.slice(start);
      }
    }
  }
  splitter.finish();
  if (batch.length > 0) yield batch;
}

/** Fluent-bit's JSON output nests event metadata under `__internal__.log_metadata`. */
function metadataTag(value: Record<string, unknown>): string | undefined {
  const internal = value.__internal__;
  if (typeof internal !== 'object' || internal === null) return undefined;
  const metadata = (internal as Record<string, unknown>).log_metadata;
  if (typeof metadata !== 'object' || metadata === null) return undefined;
  const tag = (metadata as Record<string, unknown>).tag;
  return typeof tag === 'string' ? tag : undefined;
}

const fluentRecord: JsonRecordMapper = (value, where, out, builder) => {
  out.push(builder.fluent(value, undefined, metadataTag(value), where));
};

/**
 * fluent-bit `out_http` with `Format json`: a JSON array of records, the time under
 * `json_date_key` (default `date`) per `json_date_format` (default `double`). Older and
 * mis-labelled bodies (`json_lines` / `json_stream` sent as application/json) are accepted too:
 * the first byte tells an array from a sequence of objects.
 */
export function parseFluentBitJson(
  body: AsyncIterable<Uint8Array>,
  options?: RecordParseOptions,
): AsyncGenerator<IngestRecord[], void, undefined> {
  return parseJsonRecords('fluent-bit-json', 'either', body, options, fluentRecord);
}

/** fluent-bit `out_http` with `Format json_lines` (or `json_stream`): one object per line. */
export function parseFluentBitJsonLines(
  body: AsyncIterable<Uint8Array>,
  options?: RecordParseOptions,
): AsyncGenerator<IngestRecord[], void, undefined> {
  return parseJsonRecords('fluent-bit-json-lines', 'lines', body, options, fluentRecord);
}

/**
 * fluentd `out_http` with `<format> @type json </format>` and `json_array true`: a JSON array of
 * records. They carry a time only under `<inject> time_key` (pass it as `timeKey`); others get
 * the receive time. An NDJSON body is accepted too.
 */
export function parseFluentdJson(
  body: AsyncIterable<Uint8Array>,
  options?: RecordParseOptions,
): AsyncGenerator<IngestRecord[], void, undefined> {
  return parseJsonRecords('fluentd-json', 'either', body, options, fluentRecord);
}

/** fluentd `out_http` with the json formatter and `json_array false` (its default): NDJSON. */
export function parseFluentdNdjson(
  body: AsyncIterable<Uint8Array>,
  options?: RecordParseOptions,
): AsyncGenerator<IngestRecord[], void, undefined> {
  return parseJsonRecords('fluentd-ndjson', 'lines', body, options, fluentRecord);
}
