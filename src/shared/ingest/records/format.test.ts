// formatFromRequest: what each collector sends picks its parser (README.md, "Choosing the format").
import { describe, expect, it } from 'vitest';
import { IngestParseError, type IngestFormat } from '../types.ts';
import { formatFromRequest, INGEST_FORMATS, isIngestFormat } from './index.ts';

const cases: [string, string, Record<string, string>, string, IngestFormat][] = [
  // description, Content-Type, query, User-Agent, format
  ['collectd write_http', 'application/json', {}, 'collectd/5.12.0.git', 'collectd-json'],
  ['collectd, charset', 'application/json; charset=utf-8', {}, 'collectd/5.8.1', 'collectd-json'],
  ['fluent-bit json', 'application/json', {}, 'Fluent-Bit', 'fluent-bit-json'],
  [
    'fluent-bit json_lines (3.0+)',
    'application/x-ndjson',
    {},
    'Fluent-Bit',
    'fluent-bit-json-lines',
  ],
  ['fluent-bit msgpack', 'application/msgpack', {}, 'Fluent-Bit', 'fluent-bit-msgpack'],
  [
    'fluent-bit, header_tag',
    'application/msgpack',
    { reference: 't' },
    'Fluent-Bit',
    'fluent-bit-msgpack',
  ],
  ['fluent-bit, no content type', '', {}, 'Fluent-Bit', 'fluent-bit-msgpack'],
  ['fluentd json_array', 'application/json', {}, 'Ruby', 'fluentd-json'],
  ['fluentd json (NDJSON)', 'application/x-ndjson', {}, 'Ruby', 'fluentd-ndjson'],
  ['fluentd msgpack', 'application/x-msgpack', {}, 'Ruby', 'fluentd-msgpack'],
  [
    'Wendelin, octet-stream',
    'application/octet-stream',
    { reference: 'r' },
    'Ruby',
    'wendelin-msgpack',
  ],
  [
    'Wendelin, msgpack type',
    'application/x-msgpack',
    { reference: 'r' },
    'Ruby',
    'wendelin-msgpack',
  ],
  ['Wendelin, no type', '', { reference: 'r' }, '', 'wendelin-msgpack'],
  ['a script posting JSON', 'application/json', {}, 'curl/8.5.0', 'fluentd-json'],
  ['a script posting NDJSON', 'application/ndjson', {}, 'python-requests/2.31', 'fluentd-ndjson'],
  ['upper-case media type', 'Application/JSON', {}, 'Fluent-Bit', 'fluent-bit-json'],
  ['msgpack without agent', 'application/msgpack', {}, '', 'fluent-bit-msgpack'],
  ['explicit ?format=', 'text/plain', { format: 'fluentd-ndjson' }, '', 'fluentd-ndjson'],
  [
    '?format= wins',
    'application/json',
    { format: 'wendelin-msgpack' },
    'collectd/5',
    'wendelin-msgpack',
  ],
];

describe('formatFromRequest', () => {
  it.each(cases)('%s', (_what, contentType, query, userAgent, format) => {
    expect(formatFromRequest(contentType, query, userAgent)).toBe(format);
  });

  it('takes the user agent as optional', () => {
    expect(formatFromRequest('application/json', {})).toBe('fluentd-json');
    expect(formatFromRequest('application/x-msgpack')).toBe('fluentd-msgpack');
  });

  it.each([
    ['an unknown ?format=', 'application/json', { format: 'csv' }, '', 'unknown format "csv"'],
    ['collectd PUTVAL', 'text/plain', {}, 'collectd/5.12.0', 'Format "JSON"'],
    ['plain text', 'text/plain', {}, 'curl/8', 'cannot tell the payload format'],
    ['nothing at all', '', {}, '', 'cannot tell the payload format'],
  ])('refuses %s', (_what, contentType, query, userAgent, message) => {
    expect(() => formatFromRequest(contentType, query, userAgent)).toThrow(IngestParseError);
    expect(() => formatFromRequest(contentType, query, userAgent)).toThrow(message);
  });

  it('knows every format', () => {
    expect(INGEST_FORMATS).toHaveLength(8);
    for (const format of INGEST_FORMATS) expect(isIngestFormat(format)).toBe(true);
    expect(isIngestFormat('json')).toBe(false);
    expect(isIngestFormat(3)).toBe(false);
  });
});
