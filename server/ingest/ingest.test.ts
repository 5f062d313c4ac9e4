// Ingestion through HTTP on a real lake: collectd JSON (as collectd 5.12 sends it) into a
// policy's signals, exactly once under replays in any order, late data in place, and bad input
// refused with nothing logged.
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { signalValues, writeAll } from '../test-support/ingest.ts';
import { startTestLake, type TestLake } from '../test-support/test-lake.ts';
import { INLINE_BODY_BYTES } from './routes.ts';

const clock = Date.UTC(2026, 10, 1, 12);
let lake: TestLake;
let collector: string;
const T0 = Date.UTC(2026, 10, 1, 11);

beforeEach(async () => {
  lake = await startTestLake({ now: () => clock });
  await writeAll(lake.app, lake.adminToken, [
    { id: 'site/plant', doc: { type: 'site', name: 'Plant' } },
    { id: 'dataset/gw', doc: { type: 'dataset', site: 'site/plant', title: 'Gateway' } },
    {
      id: 'policy/gw',
      doc: {
        type: 'ingestion-policy',
        site: 'site/plant',
        datasetId: 'dataset/gw',
        signals: [
          {
            field: 'load/load/shortterm',
            name: 'load-1min',
            sampleRate: 1,
            t0: new Date(T0).toISOString(),
          },
          {
            field: 'memory/memory-used/value',
            name: 'memory-used',
            sampleRate: 1,
            unit: 'B',
            t0: new Date(T0).toISOString(),
            dtype: 'float64',
          },
        ],
      },
    },
  ]);
  collector = await lake.addToken('collector', { policy: 'policy/gw' });
});
afterEach(async () => {
  await lake.close();
});

/** A collectd write_http JSON body: load and memory at the given seconds after T0. */
function collectdBody(seconds: readonly number[]): string {
  return JSON.stringify(
    seconds.flatMap((s) => [
      {
        values: [s / 10, 1, 2],
        dstypes: ['gauge', 'gauge', 'gauge'],
        dsnames: ['shortterm', 'midterm', 'longterm'],
        time: T0 / 1000 + s,
        interval: 1,
        host: 'gw-01',
        plugin: 'load',
        plugin_instance: '',
        type: 'load',
        type_instance: '',
      },
      {
        values: [1e9 + s],
        dstypes: ['gauge'],
        dsnames: ['value'],
        time: T0 / 1000 + s,
        interval: 1,
        host: 'gw-01',
        plugin: 'memory',
        plugin_instance: '',
        type: 'memory',
        type_instance: 'used',
      },
    ]),
  );
}

const post = (body: string, token = collector, headers: Record<string, string> = {}) =>
  lake.app.inject({
    method: 'POST',
    url: '/api/ingest/policy%2Fgw',
    headers: {
      ...lake.auth(token),
      'content-type': 'application/json',
      'user-agent': 'collectd/5.12.0.git',
      ...headers,
    },
    payload: body,
  });

async function samples(name: string): Promise<number[]> {
  await lake.opened.ingest.idle();
  return signalValues(lake.app, lake.adminToken, 'dataset/gw', name);
}

describe('ingestion', () => {
  it('lands collectd records in the policy signals, once, whatever the replays and their order', async () => {
    const batches = [0, 1, 2, 3, 4, 5].map((b) => collectdBody([3 * b, 3 * b + 1, 3 * b + 2]));
    const sends = batches.flatMap((body) =>
      Array.from({ length: 1 + ((body.length * 7) % 3) }, () => body),
    );
    // A deterministic shuffle: retries arrive out of order.
    sends.sort((a, b) => ((a.length * 31 + b.length) % 5) - 2);
    const statuses = [];
    for (const body of sends) statuses.push((await post(body)).statusCode);
    expect(statuses.filter((s) => s === 202)).toHaveLength(6);
    expect(statuses.every((s) => s === 202 || s === 200)).toBe(true);
    // float32 samples, printed as the shortest text that reads back as the same float32.
    expect((await samples('load-1min')).map((v) => Math.fround(v))).toEqual(
      Array.from({ length: 18 }, (_, s) => Math.fround(s / 10)),
    );
    expect(await samples('memory-used')).toEqual(Array.from({ length: 18 }, (_, s) => 1e9 + s));
    expect(await lake.opened.lake.meta.ingestCounts('policy/gw')).toEqual({
      pending: 0,
      done: 6,
      failed: 0,
    });
  });

  it('keeps a small body in its log row and a large one in the blob store, both placed', async () => {
    const small = collectdBody([0, 1]);
    expect((await post(small)).statusCode).toBe(202);
    const seconds = Array.from({ length: 12000 }, (_, s) => s + 2);
    const large = collectdBody(seconds);
    expect(large.length).toBeGreaterThan(INLINE_BODY_BYTES);
    expect((await post(large)).statusCode).toBe(202);
    await lake.opened.ingest.idle();
    const { meta, blobs } = lake.opened.lake;
    const entries = await Promise.all(
      [small, large].map(async (body) => {
        const sha = createHash('sha256').update(body).digest('hex');
        const key = createHash('sha256').update(`policy/gw\n${sha}`).digest('hex');
        return { sha, key, entry: await meta.getIngest(key) };
      }),
    );
    const [inline, stored] = entries;
    expect(inline?.entry).toMatchObject({ inline: true, status: 'done' });
    expect(Buffer.from((await meta.ingestBody(inline?.key ?? '')) ?? [])).toEqual(
      Buffer.from(small),
    );
    expect(await blobs.stat(inline?.sha ?? '')).toBeUndefined();
    expect(stored?.entry).toMatchObject({ inline: false, status: 'done' });
    expect(await meta.ingestBody(stored?.key ?? '')).toBeUndefined();
    expect(await blobs.stat(stored?.sha ?? '')).toEqual({ length: large.length });
    // The body stays referenced, so the garbage collector keeps it.
    expect(await meta.chunkRefs(stored?.sha ?? '')).toHaveLength(1);
    expect(await samples('memory-used')).toEqual(Array.from({ length: 12002 }, (_, s) => 1e9 + s));
  });

  it('places late records in the gap they belong to and keeps the first of two values', async () => {
    expect((await post(collectdBody([0, 1, 6, 7]))).statusCode).toBe(202);
    expect((await post(collectdBody([3, 4]))).statusCode).toBe(202);
    const same = JSON.parse(collectdBody([1])) as { values: number[] }[];
    for (const entry of same) entry.values = entry.values.map((v) => v + 1000);
    expect((await post(JSON.stringify(same))).statusCode).toBe(202);
    const load = await samples('load-1min');
    expect(load.map((v) => (Number.isNaN(v) ? null : Math.fround(v)))).toEqual(
      [0, 0.1, null, 0.3, 0.4, null, 0.6, 0.7].map((v) => (v === null ? null : Math.fround(v))),
    );
    const done = await lake.opened.lake.meta.pendingIngests(10);
    expect(done).toEqual([]);
  });

  it('an idempotency header dedupes different bodies sent under one key', async () => {
    expect(
      (await post(collectdBody([0]), collector, { 'idempotency-key': 'batch-1' })).statusCode,
    ).toBe(202);
    const again = await post(collectdBody([5]), collector, { 'idempotency-key': 'batch-1' });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ duplicate: true });
    expect(await samples('load-1min')).toEqual([0]);
  });

  it('refuses malformed bodies and records too far in the future with a 4xx, logging nothing', async () => {
    const broken = await post('[{"values": [1], "dstypes": ');
    expect(broken.statusCode).toBe(400);
    expect(broken.json()).toMatchObject({ error: { reason: 'malformed_body' } });
    const future = JSON.parse(collectdBody([0])) as { time: number }[];
    for (const entry of future) entry.time = clock / 1000 + 2 * 86400;
    const ahead = await post(JSON.stringify(future));
    expect(ahead.statusCode).toBe(400);
    expect(ahead.json()).toMatchObject({ error: { reason: 'future_records' } });
    expect(await lake.opened.lake.meta.ingestCounts()).toEqual({ pending: 0, done: 0, failed: 0 });
  });

  it('lets only its own collector token, analysts and admins in', async () => {
    const other = await lake.addToken('collector', { policy: 'policy/other' });
    expect((await post(collectdBody([0]), other)).statusCode).toBe(403);
    const tech = await lake.addUser('tech', 'technician', ['site/plant']);
    expect((await post(collectdBody([0]), tech.token)).statusCode).toBe(403);
    const anonymous = await lake.app.inject({
      method: 'POST',
      url: '/api/ingest/policy%2Fgw',
      payload: '[]',
    });
    expect(anonymous.statusCode).toBe(401);
    // A collector token reaches nothing else.
    expect(
      (await lake.app.inject({ url: '/api/docs', headers: lake.auth(collector) })).statusCode,
    ).toBe(403);
    const status = await lake.app.inject({
      url: '/api/ingest/policy%2Fgw',
      headers: lake.auth(collector),
    });
    expect(status.json()).toMatchObject({ requests: { pending: 0, done: 0, failed: 0 } });
  });
});
