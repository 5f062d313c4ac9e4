// Every fixture body (fixtures/cases.json) parses to the records make_fixtures.py computed from
// the values it wrote, or fails with the IngestParseError it names, at the line/byte it names.
import { describe, expect, it } from 'vitest';
import { IngestParseError } from '../types.ts';
import { formatFromRequest, parseRecords } from './index.ts';
import { chunked, drain, fixtureBytes, fixtureCases, outcome } from './records.suite.ts';

const valid = fixtureCases.filter((c) => c.records !== undefined);
const malformed = fixtureCases.filter((c) => c.error !== undefined);

describe('fixtures: bodies as the collectors send them', () => {
  it('covers every format', () => {
    const formats = new Set(valid.map((c) => c.format));
    expect([...formats].sort()).toEqual([
      'collectd-json',
      'fluent-bit-json',
      'fluent-bit-json-lines',
      'fluent-bit-msgpack',
      'fluentd-json',
      'fluentd-msgpack',
      'fluentd-ndjson',
      'wendelin-msgpack',
    ]);
  });

  it.each(valid.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const bytes = await fixtureBytes(c.file);
    const result = await outcome(c.format, chunked(bytes), c.options);
    expect(result).toEqual({ records: c.records, batches: expect.any(Array) as unknown });
  });

  it.each(valid.filter((c) => c.request !== undefined).map((c) => [c.name, c] as const))(
    'the request of %s picks its format',
    (_name, c) => {
      const request = c.request ?? { contentType: '' };
      expect(formatFromRequest(request.contentType, request.query ?? {}, request.userAgent)).toBe(
        c.format,
      );
    },
  );
});

describe('fixtures: malformed bodies', () => {
  it.each(malformed.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const bytes = await fixtureBytes(c.file);
    const result = await outcome(c.format, chunked(bytes), c.options);
    expect(result).toEqual({
      error: {
        message: expect.stringContaining(c.error?.message ?? '') as unknown,
        at: c.error?.at,
      },
    });
  });

  it('are IngestParseErrors naming the format', async () => {
    const c = malformed[0];
    if (c === undefined) throw new Error('no malformed fixtures');
    const bytes = await fixtureBytes(c.file);
    const run = () => drain(parseRecords(c.format, chunked(bytes), c.options));
    await expect(run()).rejects.toBeInstanceOf(IngestParseError);
    await expect(run()).rejects.toMatchObject({ format: c.format, name: 'IngestParseError' });
  });
});
