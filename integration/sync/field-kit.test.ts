// Field kits against a real lake: a signal uploaded to the lake (its pyramid built there), a
// device that synced the documents pins a kit (a site × a time window × a resolution), fills
// it — coarse levels first, raw last — and reads the window offline; the kit's chunks survive
// eviction until it is unpinned.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestLake, type TestLake } from '../../server/test-support/test-lake.ts';
import { FieldKits, planKit } from '../../src/jio/sync/field-kit.ts';
import { openSimDevice, type SimDevice } from './sim-device.ts';

const RATE = 100;
const SAMPLES = 300_000; // 50 minutes at 100 Hz: 5 raw chunks of 2^16 samples on the lake
const T0 = Date.parse('2026-11-22T06:00:00Z');
const value = (i: number): number => (i % 1000) / 8;

let lake: TestLake;
let device: SimDevice;
let kits: FieldKits;
let signalId = '';

beforeAll(async () => {
  lake = await startTestLake({ listen: true });
  const admin = lake.auth(lake.adminToken);
  await lake.app.inject({
    method: 'POST',
    url: '/api/bulk',
    headers: admin,
    payload: {
      items: [
        { id: 'site/plant', doc: { type: 'site', name: 'Plant' } },
        { id: 'asset/pump', doc: { type: 'asset', site: 'site/plant', name: 'Pump' } },
        { id: 'dataset/run', doc: { type: 'dataset', assetId: 'asset/pump', name: 'Run' } },
      ],
    },
  });
  const csv = `vib\n${Array.from({ length: SAMPLES }, (_, i) => String(value(i))).join('\n')}\n`;
  const uploaded = await lake.app.inject({
    method: 'POST',
    url: `/api/uploads?dataset=dataset%2Frun&format=csv&t0=${new Date(T0).toISOString()}&sampleRate=${String(RATE)}`,
    headers: { ...admin, 'content-type': 'text/csv' },
    payload: csv,
  });
  expect(uploaded.statusCode).toBe(201);
  const { signals } = (
    await lake.app.inject({ url: '/api/datasets/dataset%2Frun', headers: admin })
  ).json<{ signals: { id: string; name: string }[] }>();
  signalId = signals.find((signal) => signal.name === 'vib')?.id ?? '';
  device = await openSimDevice({ name: 'kit-device', url: lake.url ?? '', token: lake.adminToken });
  await device.engine.sync();
  kits = new FieldKits({
    local: device.local,
    chunks: device.chunks,
    fetchChunks: (hashes, owner, options) => device.engine.fetchChunks(hashes, owner, options),
  });
});

afterAll(async () => {
  await device.close();
  await lake.close();
});

describe('field kits', () => {
  it('fetches coarse levels first, then the raw window, and reads it offline', async () => {
    const from = new Date(T0 + 600_000).toISOString(); // minute 10
    const to = new Date(T0 + 1_200_000).toISOString(); // minute 20
    await kits.pin('kit/visit', {
      type: 'kit',
      name: 'Visit',
      scope: ['site/plant'],
      from,
      to,
      resolution: 'raw',
    });
    const kit = await kits.get('kit/visit');
    const { chunks: plan, unknownPages } = await planKit(device.local, kit);
    expect(unknownPages).toEqual([]);
    const levels = plan.map((chunk) => chunk.level);
    // Coarsest first, raw (0) last; the window covers only some raw chunks.
    expect(levels[0]).toBeGreaterThan(1);
    expect(levels.at(-1)).toBe(0);
    for (let i = 1; i < levels.length; i++) {
      const [before, now] = [levels[i - 1] ?? 0, levels[i] ?? 0];
      expect(now === 0 || (before !== 0 && now <= before)).toBe(true);
    }
    const raw = plan.filter((chunk) => chunk.level === 0).map((chunk) => chunk.chunkIndex);
    const { chunkLength } = (await device.local.get(signalId)) as { chunkLength: number };
    const first = Math.floor(60_000 / chunkLength);
    const last = Math.floor((120_000 - 1) / chunkLength);
    expect(raw).toEqual(Array.from({ length: last - first + 1 }, (_, i) => first + i));
    expect(raw.length).toBeLessThan(Math.ceil(SAMPLES / chunkLength));
    const downloaded: string[] = [];
    const stop = device.engine.report.subscribe((event) => {
      if (event.kind === 'chunk-downloaded' && event.id !== undefined) downloaded.push(event.id);
    });
    const progress: number[] = [];
    const coverage = await kits.fill('kit/visit', { onProgress: (p) => progress.push(p.done) });
    stop();
    expect(downloaded).toEqual(plan.map((chunk) => chunk.sha256));
    expect(progress.at(-1)).toBe(plan.length);
    expect(coverage).toMatchObject({
      complete: true,
      neededChunks: plan.length,
      heldChunks: plan.length,
    });
    expect(coverage.signals[0]?.levels.map((level) => level.level).at(-1)).toBe(0);
    // Offline: the window reads from this device alone.
    const samples = await device.signals.read(signalId, 60_000, 120_000);
    expect(samples.length).toBe(60_000);
    for (const i of [0, 1, 999, 30_000, 59_999]) expect(samples[i]).toBe(value(60_000 + i));
    // Pinned: eviction cannot take the kit's chunks; unpinned, it can.
    expect((await device.chunks.usage()).byKit['kit/visit']).toBe(coverage.heldBytes);
    await device.chunks.evict(Number.MAX_SAFE_INTEGER);
    expect((await kits.coverage('kit/visit')).complete).toBe(true);
    // A second fill downloads nothing.
    await kits.fill('kit/visit');
    expect(device.engine.report.counters['chunk-downloaded']).toBe(plan.length);
    await kits.unpin('kit/visit');
    expect((await device.chunks.evict(Number.MAX_SAFE_INTEGER)).evicted.length).toBe(plan.length);
    // Unpinned, the kit is still defined (it may be someone else's); removed, it is gone.
    expect((await kits.list()).map((entry) => entry.id)).toEqual(['kit/visit']);
    await kits.remove('kit/visit');
    expect(await kits.list()).toEqual([]);
  });

  it('an overview kit fetches only pyramid levels', async () => {
    await kits.pin('kit/overview', {
      type: 'kit',
      name: 'Overview',
      scope: ['dataset/run'],
      resolution: 'overview',
    });
    const coverage = await kits.fill('kit/overview');
    expect(coverage.complete).toBe(true);
    expect(
      coverage.signals.flatMap((signal) => signal.levels.map((level) => level.level)),
    ).not.toContain(0);
    await kits.remove('kit/overview');
  });

  it('refuses a kit it cannot understand', async () => {
    await expect(
      kits.pin('kit/bad', { type: 'kit', name: 'x', scope: [], resolution: 'raw' }),
    ).rejects.toMatchObject({
      status: 400,
      details: { reason: 'invalid_kit' },
    });
    await expect(
      kits.pin('kit/bad', {
        type: 'kit',
        name: 'x',
        scope: ['site/plant'],
        resolution: 'raw',
        from: 'tomorrow',
      }),
    ).rejects.toMatchObject({ status: 400 });
    await expect(
      kits.pin('kit/bad', { type: 'kit', name: 'x', scope: ['site/plant'], resolution: 99 }),
    ).rejects.toMatchObject({ status: 400 });
  });
});
