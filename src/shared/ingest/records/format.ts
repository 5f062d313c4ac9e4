// Which parser a collector's request needs, from what the collectors themselves send:
//   collectd write_http       Content-Type application/json, User-Agent collectd/<version>
//   fluent-bit out_http       application/json (json, json_stream; json_lines before 3.0),
//                             application/x-ndjson (json_lines, 3.0+), application/msgpack;
//                             User-Agent Fluent-Bit
//   fluentd out_http          application/json (json_array true), application/x-ndjson (the
//                             default), application/x-msgpack; User-Agent Ruby (Net::HTTP)
//   Wendelin's ingest URL     ?reference=<tag> with a raw msgpack body
// README.md ("Choosing the format") lists the rules in order.
import { IngestParseError, type IngestFormat } from '../types.ts';

export const INGEST_FORMATS: readonly IngestFormat[] = [
  'collectd-json',
  'fluent-bit-json',
  'fluent-bit-json-lines',
  'fluent-bit-msgpack',
  'fluentd-json',
  'fluentd-ndjson',
  'fluentd-msgpack',
  'wendelin-msgpack',
];

export function isIngestFormat(value: unknown): value is IngestFormat {
  return typeof value === 'string' && (INGEST_FORMATS as readonly string[]).includes(value);
}

const MSGPACK_TYPES = new Set([
  'application/msgpack',
  'application/x-msgpack',
  'application/vnd.msgpack',
]);
const NDJSON_TYPES = new Set([
  'application/x-ndjson',
  'application/ndjson',
  'application/jsonl',
  'application/x-jsonlines',
  'application/json-lines',
]);
const JSON_TYPES = new Set(['application/json', 'text/json']);

/**
 * The format of a collector's request. `query` is the request's query string (`format`,
 * `reference`); `userAgent` tells collectd and fluent-bit apart from other senders of the same
 * media type. Throws an IngestParseError (format `request`) for a body no parser reads.
 */
export function formatFromRequest(
  contentType: string,
  query: Readonly<Record<string, unknown>> = {},
  userAgent = '',
): IngestFormat {
  const explicit = query.format;
  if (explicit !== undefined) {
    if (isIngestFormat(explicit)) return explicit;
    throw new IngestParseError(
      'request',
      `unknown format ${JSON.stringify(explicit)}: one of ${INGEST_FORMATS.join(', ')}`,
    );
  }
  const semicolon = contentType.indexOf(';');
  const media = (semicolon < 0 ? contentType : contentType.slice(0, semicolon))
    .trim()
    .toLowerCase();
  const agent = userAgent.trim().toLowerCase();
  const fluentBit = agent.startsWith('fluent-bit');
  const collectd = agent.startsWith('collectd');
  const wendelin = typeof query.reference === 'string';

  if (MSGPACK_TYPES.has(media)) {
    if (fluentBit) return 'fluent-bit-msgpack';
    if (wendelin) return 'wendelin-msgpack';
    return media === 'application/x-msgpack' ? 'fluentd-msgpack' : 'fluent-bit-msgpack';
  }
  if (NDJSON_TYPES.has(media)) return fluentBit ? 'fluent-bit-json-lines' : 'fluentd-ndjson';
  if (JSON_TYPES.has(media)) {
    if (collectd) return 'collectd-json';
    return fluentBit ? 'fluent-bit-json' : 'fluentd-json';
  }
  if (media === '' || media === 'application/octet-stream') {
    if (wendelin) return 'wendelin-msgpack';
    if (collectd) return 'collectd-json';
    if (fluentBit) return 'fluent-bit-msgpack';
  }
  if (collectd && media === 'text/plain') {
    throw new IngestParseError(
      'request',
      'collectd sent its PUTVAL command format: set `Format "JSON"` in its write_http <Node>',
    );
  }
  throw new IngestParseError(
    'request',
    `cannot tell the payload format from Content-Type ${JSON.stringify(contentType)}: send application/json, application/x-ndjson or application/msgpack, or name it with ?format=`,
  );
}
