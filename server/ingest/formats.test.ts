// Exactly once in every collector format, through HTTP on a real lake: each batch sent 1–3
// times in a seeded random order (collectors resend a failed batch unchanged), and every record
// lands once — in a regular signal (by index) and in an irregular one, whose length would show
// any request applied twice. collectd has its own test (ingest.test.ts); kill -9 before the
// reply is ingest-process.test.ts's.
import { encode, ExtData } from '@msgpack/msgpack';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { IngestFormat } from '../../src/shared/ingest/types.ts';
import { signalValues, writeAll } from '../test-support/ingest.ts';
import { startTestLake, type TestLake } from '../test-support/test-lake.ts';

const clock = Date.UTC(2026, 10, 1, 12);
const T0 = Date.UTC(2026, 10, 1, 11);
let lake: TestLake;

beforeEach(async () => {
  lake = await startTestLake({ now: () => clock });
  await writeAll(lake.app, lake.adminToken, [
    { id: 'site/plant', doc: { type: 'site', name: 'Plant' } },
  ]);
});
afterEach(async () => {
  await lake.close();
});

/** fluent-bit's EventTime: msgpack ext 0, uint32 seconds and nanoseconds, big-endian. */
function eventTime(ms: number): ExtData {
  const bytes = new Uint8Array(8);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, Math.floor(ms / 1000));
  view.setUint32(4, (ms % 1000) * 1e6);
  return new ExtData(0, bytes);
}

interface Format {
  format: IngestFormat;
  contentType: string;
  /** fluentd injects the time under a key its config names (inject time_key). */
  timeKey?: string;
  body: (seconds: readonly number[]) => Uint8Array;
}

const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const lines = (values: readonly unknown[]) =>
  new TextEncoder().encode(values.map((v) => `${JSON.stringify(v)}\n`).join(''));
const packed = (values: readonly unknown[]) =>
  Uint8Array.from(Buffer.concat(values.map((v) => encode(v))));
const at = (s: number) => T0 + s * 1000;

const FORMATS: Format[] = [
  {
    format: 'fluent-bit-json',
    contentType: 'application/json',
    body: (seconds) => json(seconds.map((s) => ({ date: at(s) / 1000, v: s }))),
  },
  {
    format: 'fluent-bit-json-lines',
    contentType: 'application/x-ndjson',
    body: (seconds) => lines(seconds.map((s) => ({ date: at(s) / 1000, v: s }))),
  },
  {
    format: 'fluent-bit-msgpack',
    contentType: 'application/msgpack',
    body: (seconds) => packed(seconds.map((s) => [[eventTime(at(s)), {}], { v: s }])),
  },
  {
    format: 'fluentd-json',
    contentType: 'application/json',
    timeKey: 'time',
    body: (seconds) => json(seconds.map((s) => ({ time: at(s) / 1000, v: s }))),
  },
  {
    format: 'fluentd-ndjson',
    contentType: 'application/x-ndjson',
    timeKey: 'time',
    body: (seconds) => lines(seconds.map((s) => ({ time: at(s) / 1000, v: s }))),
  },
  {
    format: 'fluentd-msgpack',
    contentType: 'application/x-msgpack',
    timeKey: 'time',
    body: (seconds) => packed(seconds.map((s) => ({ time: at(s) / 1000, v: s }))),
  },
  {
    format: 'wendelin-msgpack',
    contentType: 'application/octet-stream',
    body: (seconds) => packed(seconds.map((s) => [at(s) / 1000, { v: s }])),
  },
];

/** A seeded shuffle (mulberry32), so a failure replays the same order. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

describe('exactly once in every collector format', () => {
  for (const [index, spec] of FORMATS.entries()) {
    it(`${spec.format}: every batch sent 1–3 times in random order lands once`, async () => {
      const dataset = `dataset/${spec.format}`;
      const policy = `policy/${spec.format}`;
      await writeAll(lake.app, lake.adminToken, [
        { id: dataset, doc: { type: 'dataset', site: 'site/plant', title: spec.format } },
        {
          id: policy,
          doc: {
            type: 'ingestion-policy',
            site: 'site/plant',
            datasetId: dataset,
            format: spec.format,
            ...(spec.timeKey === undefined ? {} : { timeKey: spec.timeKey }),
            signals: [
              { field: 'v', name: 'regular', sampleRate: 1, t0: new Date(T0).toISOString() },
              { field: 'v', name: 'arrivals', irregular: true, dtype: 'float64' },
            ],
          },
        },
      ]);
      const token = await lake.addToken('collector', { policy });
      const batches = Array.from({ length: 6 }, (_, b) => [0, 1, 2, 3, 4].map((i) => b * 5 + i));
      const sends = shuffled(
        batches.flatMap((seconds, b) =>
          Array.from({ length: 1 + ((b * 7 + index) % 3) }, () => seconds),
        ),
        1000 + index,
      );
      const statuses: number[] = [];
      const firstSent: number[] = [];
      for (const seconds of sends) {
        const url = `/api/ingest/${encodeURIComponent(policy)}${spec.format === 'wendelin-msgpack' ? '/ingest?reference=plant' : ''}`;
        const response = await lake.app.inject({
          method: 'POST',
          url,
          headers: { ...lake.auth(token), 'content-type': spec.contentType },
          payload: Buffer.from(spec.body(seconds)),
        });
        statuses.push(response.statusCode);
        if (!firstSent.includes(seconds[0] ?? -1)) firstSent.push(seconds[0] ?? -1);
      }
      // Wendelin's route answers 204 whether new or a replay; the others 202, then 200.
      if (spec.format === 'wendelin-msgpack') {
        expect(statuses.every((s) => s === 204)).toBe(true);
      } else {
        expect(statuses.filter((s) => s === 202)).toHaveLength(6);
        expect(statuses.filter((s) => s === 200)).toHaveLength(sends.length - 6);
      }
      await lake.opened.ingest.idle();
      expect(await lake.opened.lake.meta.ingestCounts(policy)).toEqual({
        pending: 0,
        done: 6,
        failed: 0,
      });
      expect(await signalValues(lake.app, lake.adminToken, dataset, 'regular')).toEqual(
        Array.from({ length: 30 }, (_, s) => s),
      );
      // Log order: the batches in the order they first arrived.
      const arrivals = firstSent.flatMap((first) => [0, 1, 2, 3, 4].map((i) => first + i));
      expect(await signalValues(lake.app, lake.adminToken, dataset, 'arrivals')).toEqual(arrivals);
    });
  }
});
