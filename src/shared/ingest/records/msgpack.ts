// The msgpack formats: a body is a plain concatenation of msgpack values, one per event, as
// fluent-bit, fluentd and Wendelin's fluentd plugin send their buffer chunks. Every format accepts
// every event shape (the body, not the label, says which one it is):
//   {record}                    fluentd `<format> @type msgpack` (record only, no time)
//   [time, {record}]            fluent-bit < 2.1, fluentd's buffer, Wendelin's ingest
//   [[time, {metadata}], {record}]  fluent-bit ≥ 2.1
// `time` is an EventTime (ext type 0: uint32 seconds + uint32 ns, big-endian) or seconds as an
// integer or a float. Fluent-bit's group markers (time −1 / −2, OpenTelemetry groups) are skipped.
//
// A small skipper finds where each event ends (headers and lengths only) before @msgpack/msgpack
// decodes it, so a truncated body is caught at the byte where its last event starts, memory holds
// one event and one chunk, and every error names the event's byte offset.
import { DecodeError, Decoder, ExtensionCodec } from '@msgpack/msgpack';
import type { IngestFormat, IngestRecord } from '../types.ts';
import { ByteQueue, decodeUtf8Lenient } from './bytes.ts';
import { RecordBuilder, preview } from './fields.ts';
import { MAX_RECORD_DEPTH, resolveOptions, type RecordParseOptions } from './options.ts';
import { EventTime, eventTimeOf } from './time.ts';

const EVENT_TIME_TYPE = 0;

const extensionCodec = new ExtensionCodec();
extensionCodec.register({
  type: EVENT_TIME_TYPE,
  encode: () => null,
  decode: (data: Uint8Array) => {
    if (data.length !== 8) {
      throw new DecodeError(`an EventTime (ext type 0) has 8 bytes, not ${data.length}`);
    }
    const view = new DataView(data.buffer, data.byteOffset, 8);
    return new EventTime(view.getUint32(0), view.getUint32(4));
  },
});

/** Map keys: strings; integers and Ruby's binary strings are read as strings too. */
function mapKey(key: unknown): string {
  if (typeof key === 'string') return key;
  if (typeof key === 'number') return String(key);
  if (key instanceof Uint8Array) return decodeUtf8Lenient(key);
  throw new DecodeError(`a map key is ${preview(key)}, not a string`);
}

/** Event and container nesting the skipper allows: a record's 32 levels inside its event. */
const MAX_SKIP_DEPTH = MAX_RECORD_DEPTH + 3;

class MsgpackSyntaxError extends Error {
  constructor(
    message: string,
    readonly at: number,
  ) {
    super(message);
  }
}

function byteAt(bytes: Uint8Array, at: number): number {
  return bytes[at] ?? 0;
}

/** The 1-, 2- or 4-byte big-endian length at `at`, or -1 past `end`. */
function lengthAt(bytes: Uint8Array, at: number, size: 1 | 2 | 4, end: number): number {
  if (at + size > end) return -1;
  if (size === 1) return byteAt(bytes, at);
  if (size === 2) return (byteAt(bytes, at) << 8) | byteAt(bytes, at + 1);
  return (
    byteAt(bytes, at) * 0x1000000 +
    ((byteAt(bytes, at + 1) << 16) | (byteAt(bytes, at + 2) << 8) | byteAt(bytes, at + 3))
  );
}

function within(next: number, end: number): number {
  return next <= end ? next : -1;
}

/** Skips a value whose `size`-byte length follows the head byte, then `extra` bytes. */
function skipSized(bytes: Uint8Array, at: number, end: number, size: 1 | 2 | 4, extra: number) {
  const length = lengthAt(bytes, at + 1, size, end);
  return length < 0 ? -1 : within(at + 1 + size + extra + length, end);
}

function skipItems(bytes: Uint8Array, at: number, end: number, count: number, depth: number) {
  if (depth > MAX_SKIP_DEPTH) {
    throw new MsgpackSyntaxError(`record nested deeper than ${MAX_RECORD_DEPTH} levels`, at);
  }
  let next = at;
  for (let i = 0; i < count; i++) {
    next = skipValue(bytes, next, end, depth);
    if (next < 0) return -1;
  }
  return next;
}

function skipContainer(
  bytes: Uint8Array,
  at: number,
  end: number,
  size: 2 | 4,
  perItem: 1 | 2,
  depth: number,
) {
  const count = lengthAt(bytes, at + 1, size, end);
  return count < 0 ? -1 : skipItems(bytes, at + 1 + size, end, count * perItem, depth + 1);
}

/** Where the msgpack value at `at` ends, or -1 when `end` comes first. */
function skipValue(bytes: Uint8Array, at: number, end: number, depth: number): number {
  if (at >= end) return -1;
  const head = byteAt(bytes, at);
  if (head <= 0x7f || head >= 0xe0) return at + 1;
  if (head <= 0x8f) return skipItems(bytes, at + 1, end, (head & 0x0f) * 2, depth + 1);
  if (head <= 0x9f) return skipItems(bytes, at + 1, end, head & 0x0f, depth + 1);
  if (head <= 0xbf) return within(at + 1 + (head & 0x1f), end);
  switch (head) {
    case 0xc0:
    case 0xc2:
    case 0xc3:
      return at + 1;
    case 0xc4: // bin 8
    case 0xd9: // str 8
      return skipSized(bytes, at, end, 1, 0);
    case 0xc5:
    case 0xda:
      return skipSized(bytes, at, end, 2, 0);
    case 0xc6:
    case 0xdb:
      return skipSized(bytes, at, end, 4, 0);
    case 0xc7: // ext 8, 16, 32: length, then the type byte
      return skipSized(bytes, at, end, 1, 1);
    case 0xc8:
      return skipSized(bytes, at, end, 2, 1);
    case 0xc9:
      return skipSized(bytes, at, end, 4, 1);
    case 0xcc:
    case 0xd0:
      return within(at + 2, end);
    case 0xcd:
    case 0xd1:
      return within(at + 3, end);
    case 0xca:
    case 0xce:
    case 0xd2:
      return within(at + 5, end);
    case 0xcb:
    case 0xcf:
    case 0xd3:
      return within(at + 9, end);
    case 0xd4: // fixext 1, 2, 4, 8, 16: type byte, then the data
      return within(at + 3, end);
    case 0xd5:
      return within(at + 4, end);
    case 0xd6:
      return within(at + 6, end);
    case 0xd7:
      return within(at + 10, end);
    case 0xd8:
      return within(at + 18, end);
    case 0xdc:
      return skipContainer(bytes, at, end, 2, 1, depth);
    case 0xdd:
      return skipContainer(bytes, at, end, 4, 1, depth);
    case 0xde:
      return skipContainer(bytes, at, end, 2, 2, depth);
    case 0xdf:
      return skipContainer(bytes, at, end, 4, 2, depth);
    default:
      throw new MsgpackSyntaxError('invalid msgpack: byte 0xc1 is never used', at);
  }
}

/** Fluent-bit group start / end markers: seconds −1 / −2 (as uint32 in an EventTime). */
function isGroupMarker(time: unknown): boolean {
  if (time instanceof EventTime) return time.seconds >= 0xfffffffe;
  return time === -1 || time === -2;
}

function isMap(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof Uint8Array) &&
    Object.getPrototypeOf(value) === Object.prototype
  );
}

async function* parseMsgpackRecords(
  format: IngestFormat,
  body: AsyncIterable<Uint8Array>,
  options: RecordParseOptions | undefined,
): AsyncGenerator<IngestRecord[], void, undefined> {
  const resolved = resolveOptions(format, options);
  const builder = new RecordBuilder(resolved);
  const { batchSize, maxBodyBytes, maxRecordBytes } = resolved;
  const decoder = new Decoder({ extensionCodec, mapKeyConverter: mapKey });
  const queue = new ByteQueue();
  /** Absolute offset of the queue's first byte. */
  let base = 0;
  /** Queue length at which to look for the end of an unfinished event again (see below). */
  let retryAt = 0;
  let total = 0;
  let batch: IngestRecord[] = [];

  const tooLarge = (at: number) =>
    builder.error(`an event is larger than ${maxRecordBytes} bytes`, { offset: at });

  function addEvent(value: unknown, offset: number): void {
    const where = { offset };
    if (isMap(value)) {
      batch.push(builder.fluent(value, undefined, undefined, where));
      return;
    }
    if (!Array.isArray(value) || value.length !== 2) {
      throw builder.error(
        `expected a record (map) or an event [time, record], found ${preview(value)}`,
        where,
      );
    }
    const [head, record] = value as [unknown, unknown];
    let time = head;
    let tag: string | undefined;
    if (Array.isArray(head)) {
      if (head.length !== 2) {
        throw builder.error('an event header must be [time, metadata]', where);
      }
      const [headTime, metadata] = head as [unknown, unknown];
      if (isGroupMarker(headTime)) return;
      time = headTime;
      if (isMap(metadata) && typeof metadata.tag === 'string') tag = metadata.tag;
    }
    const ms = eventTimeOf(time);
    if (ms === undefined) throw builder.error(`event time is ${preview(time)}, not a time`, where);
    if (!isMap(record)) {
      throw builder.error(`the event's record is ${preview(record)}, not a map`, where);
    }
    batch.push(builder.fluent(record, ms, tag, where));
  }

  /** Decodes every complete event in the queue, yielding full batches as they fill. */
  function* drain(final: boolean): Generator<IngestRecord[], void, undefined> {
    const bytes = queue.view();
    const end = bytes.length;
    let at = 0;
    while (at < end) {
      let next: number;
      try {
        // Never past maxRecordBytes + 1: what lies beyond cannot change the outcome (too
        // large), so a whole body and the same body in chunks fail the same way.
        next = skipValue(bytes, at, Math.min(end, at + maxRecordBytes + 1), 0);
      } catch (error) {
        if (error instanceof MsgpackSyntaxError) {
          throw builder.error(error.message, { offset: base + error.at });
        }
        throw error;
      }
      if (next < 0) {
        if (end - at > maxRecordBytes) throw tooLarge(base + at);
        break;
      }
      if (next - at > maxRecordBytes) throw tooLarge(base + at);
      let value: unknown;
      try {
        value = decoder.decode(bytes.subarray(at, next));
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw builder.error(`invalid msgpack (${reason})`, { offset: base + at });
      }
      addEvent(value, base + at);
      at = next;
      if (batch.length >= batchSize) {
        const full = batch;
        batch = [];
        yield full;
      }
    }
    queue.consume(at);
    base += at;
    const rest = queue.length;
    if (final && rest > 0) {
      throw builder.error('the body ends inside an event (truncated?)', { offset: base });
    }
    // An unfinished event is looked at again only once the queue has doubled, so one event
    // spread over many chunks is skipped O(log n) times, not once per chunk.
    retryAt = 2 * rest;
  }

  for await (const chunk of body) {
    total += chunk.length;
    if (total > maxBodyBytes) {
      throw builder.error(`the body is larger than ${maxBodyBytes} bytes`, {
        offset: maxBodyBytes,
      });
    }
    queue.append(chunk);
    if (queue.length >= retryAt) yield* drain(false);
  }
  yield* drain(true);
  if (batch.length > 0) yield batch;
}

/**
 * fluent-bit `out_http` with `Format msgpack` (its default): the raw buffer chunk,
 * `[[EventTime, metadata], record]` events (2.1+) or `[EventTime, record]` (older). The tag is
 * the metadata's `tag` when present, else the `reference` option (fluent-bit's `header_tag`).
 */
export function parseFluentBitMsgpack(
  body: AsyncIterable<Uint8Array>,
  options?: RecordParseOptions,
): AsyncGenerator<IngestRecord[], void, undefined> {
  return parseMsgpackRecords('fluent-bit-msgpack', body, options);
}

/**
 * fluentd `out_http` with `<format> @type msgpack </format>`: bare records (`record.to_msgpack`),
 * no event time: the `<inject> time_key` field (`timeKey`) or the receive time.
 */
export function parseFluentdMsgpack(
  body: AsyncIterable<Uint8Array>,
  options?: RecordParseOptions,
): AsyncGenerator<IngestRecord[], void, undefined> {
  return parseMsgpackRecords('fluentd-msgpack', body, options);
}

/** Wendelin's ingest: msgpack `[time, record]` pairs; the tag is the `reference` option. */
export function parseWendelinMsgpack(
  body: AsyncIterable<Uint8Array>,
  options?: RecordParseOptions,
): AsyncGenerator<IngestRecord[], void, undefined> {
  return parseMsgpackRecords('wendelin-msgpack', body, options);
}
