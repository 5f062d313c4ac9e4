import { describe, expect, it } from 'vitest';
import { MemoryChunkStore } from '../../jio/chunks/memory-chunk-store.ts';
import { createStorageRegistry, registerCoreStorages } from '../../jio/registry.ts';
import { SignalStore } from '../../jio/signals/signal-store.ts';
import { fromJsonNumber } from '../../shared/signal/json-number.ts';
import { ComputePool } from './compute-pool.ts';
import { createComputeWorkerApi } from './compute-worker-api.ts';
import type { DerivedDocument } from './save-result.ts';

const registry = createStorageRegistry();
registerCoreStorages(registry);
let count = 0;

async function setup(length: number) {
  const storage = registry.create({ type: 'memory', name: `save-${String(++count)}` });
  const signals = new SignalStore(storage, new MemoryChunkStore());
  await signals.create('vib', {
    datasetId: 'd',
    name: 'Vibration',
    chunkLength: 4096,
    sampleRate: 1000,
    t0: '2026-12-01T00:00:00.000Z',
    unit: 'mm/s',
  });
  await signals.append(
    'vib',
    Float32Array.from({ length }, (_, i) => (i % 1000 === 0 ? Number.NaN : Math.sin(i / 10))),
  );
  const pool = new ComputePool({
    size: 2,
    spawn: () => ({
      api: createComputeWorkerApi({ storage, signals }),
      terminate: () => undefined,
    }),
  });
  return { storage, signals, pool };
}

describe('saving a result', () => {
  it('keeps small outputs inline, with what they were computed from', async () => {
    const { storage, pool } = await setup(10_000);
    const result = await pool.run(
      { id: 'a', algorithm: 'windowed', params: { window: 1000 }, signal: 'vib' },
      { save: true },
    );
    expect(result.savedAs).toMatch(/^derived\/[0-9a-f]{32}$/);
    const doc = (await storage.get(result.savedAs ?? '')) as DerivedDocument;
    expect(doc).toMatchObject({
      type: 'derived',
      signalId: 'vib',
      datasetId: 'd',
      algorithm: 'windowed',
      version: 1,
      params: { window: 1000 },
      range: { start: 0, end: 10_000 },
      inputChunkCount: 3,
      inputChunks: result.inputChunks,
    });
    const saved = doc.outputs.max;
    expect(saved !== undefined && 'values' in saved).toBe(true);
    if (saved !== undefined && 'values' in saved) {
      expect(saved.values.map(fromJsonNumber)).toEqual([...(result.outputs.max ?? [])]);
    }
  });

  it('writes long outputs as signals with their own time base, and saves a computation once', async () => {
    const { storage, signals, pool } = await setup(50_000);
    const job = {
      id: 'b',
      algorithm: 'windowed',
      params: { window: 8 },
      signal: 'vib',
      start: 800,
    };
    const result = await pool.run(job, { save: true });
    const doc = (await storage.get(result.savedAs ?? '')) as DerivedDocument;
    const mean = doc.outputs.mean;
    expect(mean).toEqual({ signalId: `${result.savedAs ?? ''}/mean`, length: 6150 });
    const header = await signals.header(`${result.savedAs ?? ''}/mean`);
    expect(header).toMatchObject({
      datasetId: 'd',
      sampleRate: 125,
      t0: '2026-12-01T00:00:00.800Z',
      unit: 'mm/s',
      length: 6150,
    });
    expect([...(await signals.read(`${result.savedAs ?? ''}/mean`, 0, 6150))]).toEqual([
      ...(result.outputs.mean ?? []),
    ]);
    const again = await pool.run({ ...job, id: 'c' }, { save: true });
    expect(again.savedAs).toBe(result.savedAs);
    const { rows } = (await storage.allDocs()).data;
    expect(
      rows.filter((row) => row.id.startsWith('derived/') && !row.id.includes('/manifest')),
    ).toHaveLength(5);
  });

  it('gives no time base to outputs whose alignment is not one value per window', async () => {
    const { signals, pool } = await setup(20_000);
    const result = await pool.run(
      { id: 'r', algorithm: 'rolling_mean_std', params: { window: 8 }, signal: 'vib' },
      { save: true },
    );
    const header = await signals.header(`${result.savedAs ?? ''}/mean`);
    expect(header.length).toBe(20_000 - 7);
    expect(header.sampleRate).toBeUndefined();
    expect(header.t0).toBeUndefined();
  });

  it('finishes a save that was cut short, from the outputs already written', async () => {
    const { storage, signals, pool } = await setup(50_000);
    const job = { id: 'd', algorithm: 'windowed', params: { window: 4 }, signal: 'vib' };
    const result = await pool.run(job);
    const api = createComputeWorkerApi({ storage, signals });
    // A first save that stopped after part of one output signal: replay it by hand.
    const id = await api.save(result);
    const doc = (await storage.get(id)) as DerivedDocument;
    await storage.remove(id);
    const minId = `${id}/min`;
    expect(doc.outputs.min).toEqual({ signalId: minId, length: 12_500 });
    expect(await api.save(result)).toBe(id);
    expect((await signals.header(minId)).length).toBe(12_500);
  });
});
