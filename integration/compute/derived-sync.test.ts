// A result computed on a device reaches the lake like any data: the device records a signal
// offline, runs windowed statistics in its compute pool (the worker API in-process), saves the
// result (a `derived` document, long outputs as signals of their own), syncs to a real lake;
// a second device pulls the document and fetches the output signal's chunks, byte for byte.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestLake, type TestLake } from '../../server/test-support/test-lake.ts';
import { ComputePool } from '../../src/workers/compute/compute-pool.ts';
import { createComputeWorkerApi } from '../../src/workers/compute/compute-worker-api.ts';
import type { DerivedDocument } from '../../src/workers/compute/save-result.ts';
import { openSimDevice, type SimDevice } from '../sync/sim-device.ts';

let lake: TestLake;
let a: SimDevice;
let b: SimDevice;

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
      ],
    },
  });
  a = await openSimDevice({ name: 'compute-a', url: lake.url ?? '', token: lake.adminToken });
  b = await openSimDevice({ name: 'compute-b', url: lake.url ?? '', token: lake.adminToken });
  await a.engine.sync();
});

afterAll(async () => {
  await a.close();
  await b.close();
  await lake.close();
});

describe('a derived result', () => {
  it('syncs to the lake and to another device with its output signals', async () => {
    await a.local.put('visit', { type: 'dataset', assetId: 'asset/pump', name: 'Visit' });
    await a.signals.create('visit/vib', {
      datasetId: 'visit',
      name: 'vib',
      chunkLength: 2 ** 14,
      sampleRate: 2048,
      t0: '2026-12-07T09:00:00.000Z',
    });
    const samples = Float32Array.from({ length: 100_000 }, (_, i) => Math.sin(i / 9) * (i % 17));
    await a.signals.append('visit/vib', samples, { unsynced: true });
    const pool = new ComputePool({
      size: 2,
      spawn: () => ({
        api: createComputeWorkerApi({ storage: a.local, signals: a.signals }),
        terminate: () => undefined,
      }),
    });
    const result = await pool.run(
      { id: 'w', algorithm: 'windowed', params: { window: 16 }, signal: 'visit/vib' },
      { save: true },
    );
    const id = result.savedAs ?? '';
    expect((await a.engine.sync()).pending).toBe(0);

    const onLake = await lake.app.inject({
      url: `/api/docs/${encodeURIComponent(id)}`,
      headers: lake.auth(lake.adminToken),
    });
    expect(onLake.statusCode).toBe(200);
    expect(onLake.json<DerivedDocument>()).toMatchObject({
      type: 'derived',
      algorithm: 'windowed',
      signalId: 'visit/vib',
      inputChunks: result.inputChunks,
    });

    await b.engine.sync();
    const doc = (await b.local.get(id)) as DerivedDocument;
    const max = doc.outputs.max;
    expect(max).toEqual({ signalId: `${id}/max`, length: 6250 });
    const header = await b.signals.header(`${id}/max`);
    expect(header).toMatchObject({ sampleRate: 128, length: 6250 });
    const entry = await b.signals.entry(`${id}/max`, 0);
    await b.engine.fetchChunks([entry.sha256], { signalId: `${id}/max`, level: 0 });
    expect([...(await b.signals.read(`${id}/max`, 0, 6250))]).toEqual([
      ...(result.outputs.max ?? []),
    ]);
  });
});
