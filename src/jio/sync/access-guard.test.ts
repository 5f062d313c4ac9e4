// Shared tablets and revoked access: another user signing in puts the previous user's unsynced
// work aside (restored at their next sign-in) and purges their data; a technician who lost a
// site loses its cached data but keeps their own unsynced work there.
import { describe, expect, it } from 'vitest';
import type { WireSessionUser } from '../../shared/wire/session.ts';
import { MemoryChunkStore } from '../chunks/memory-chunk-store.ts';
import { SignalStore } from '../signals/signal-store.ts';
import { createMemoryData, MemoryStorage } from '../storages/memory.ts';
import type { Storage } from '../types.ts';
import { AccessGuard, siteOf } from './access-guard.ts';
import { SyncEngine } from './sync-engine.ts';
import { SyncReport } from './sync-report.ts';
import { SyncState } from './sync-state.ts';

const marie: WireSessionUser = {
  id: 'u-marie',
  name: 'marie',
  role: 'technician',
  sites: ['site/a', 'site/b'],
};
const paul: WireSessionUser = { id: 'u-paul', name: 'paul', role: 'technician', sites: ['site/a'] };

async function tablet(remote: Storage) {
  const local = new MemoryStorage(createMemoryData());
  const stateStorage = new MemoryStorage(createMemoryData());
  const chunks = new MemoryChunkStore();
  const engine = new SyncEngine({
    local,
    remote,
    state: await SyncState.open(stateStorage),
    report: new SyncReport(),
  });
  return {
    local,
    stateStorage,
    chunks,
    engine,
    guard: new AccessGuard({ local, stateStorage, chunks, engine }),
    signals: new SignalStore(local, chunks),
  };
}

async function ids(storage: Storage): Promise<string[]> {
  return (await storage.allDocs()).data.rows.map((row) => row.id).sort();
}

describe('access guard', () => {
  it("puts a previous user's unsynced work aside and gives it back at their next sign-in", async () => {
    const remote = new MemoryStorage(createMemoryData());
    const t = await tablet(remote);
    expect(await t.guard.check(marie)).toEqual({ kind: 'first', userId: 'u-marie' });
    await remote.put('site/a', { type: 'site', name: 'A' });
    await t.engine.sync();
    await t.local.put('note/marie', { type: 'note', site: 'site/a', text: 'unsynced, by marie' });
    await t.local.put('ds', { type: 'dataset', site: 'site/a' });
    await t.signals.create('ds/rec', {
      datasetId: 'ds',
      name: 'rec',
      dtype: 'float32',
      chunkLength: 1024,
    });
    await t.signals.append('ds/rec', new Float32Array(100).fill(1), { unsynced: true });

    const switched = await t.guard.check(paul);
    expect(switched).toMatchObject({ kind: 'switched', from: 'u-marie', to: 'u-paul', parked: 4 });
    expect(await ids(t.local)).toEqual([]);
    expect((await t.chunks.usage()).count).toBe(0);
    // Paul syncs: he gets the lake's data, never Marie's unsynced work.
    await t.engine.sync();
    expect(await ids(t.local)).toEqual(['site/a']);
    expect(await ids(remote)).toEqual(['site/a']);

    const back = await t.guard.check(marie);
    expect(back).toMatchObject({ kind: 'switched', from: 'u-paul', to: 'u-marie', parked: 0 });
    if (back.kind === 'switched') expect(back.restored).toBe(4);
    await t.engine.sync();
    expect((await remote.get('note/marie')).text).toBe('unsynced, by marie');
    expect(await ids(remote)).toEqual([
      'ds',
      'ds/rec',
      'ds/rec/manifest/0',
      'note/marie',
      'site/a',
    ]);
    expect((await t.chunks.usage()).unsyncedBytes).toBeGreaterThan(0);
  });

  it('purges the cached data of a revoked site and keeps unsynced work there', async () => {
    const remote = new MemoryStorage(createMemoryData());
    await remote.put('site/a', { type: 'site' });
    await remote.put('site/b', { type: 'site' });
    await remote.put('asset/b1', { type: 'asset', site: 'site/b' });
    await remote.put('ds/b1', { type: 'dataset', assetId: 'asset/b1' });
    await remote.put('note/a', { type: 'note', site: 'site/a' });
    await remote.put('free', { type: 'note' });
    const t = await tablet(remote);
    await t.guard.check(marie);
    await t.engine.sync();
    await t.local.put('mine/b', { type: 'note', datasetId: 'ds/b1', text: 'unsynced on b' });
    const revoked = await t.guard.check({ ...marie, sites: ['site/a'] });
    expect(revoked).toEqual({ kind: 'sites-revoked', sites: ['site/b'], purged: 3 });
    expect(await ids(t.local)).toEqual(['free', 'mine/b', 'note/a', 'site/a']);
    // The purge is local: nothing is deleted on the lake.
    const result = await t.engine.sync();
    expect(result.pushed).toBe(1);
    expect(await ids(remote)).toEqual([
      'asset/b1',
      'ds/b1',
      'free',
      'mine/b',
      'note/a',
      'site/a',
      'site/b',
    ]);
    expect(await t.guard.check({ ...marie, sites: ['site/a'] })).toEqual({ kind: 'same' });
  });

  it('finds a document site as the lake does', () => {
    const docs = new Map<string, Record<string, unknown>>([
      ['site/x', { type: 'site' }],
      ['asset/1', { type: 'asset', site: 'site/x' }],
      ['ds/1', { type: 'dataset', assetId: 'asset/1' }],
      ['sig/1', { type: 'signal', datasetId: 'ds/1' }],
    ]);
    expect(siteOf('site/x', { type: 'site' }, docs)).toBe('site/x');
    expect(siteOf('p', { type: 'chunk-page', signalId: 'sig/1' }, docs)).toBe('site/x');
    expect(siteOf('n', { type: 'note' }, docs)).toBeUndefined();
    expect(siteOf('o', { type: 'note', datasetId: 'unknown' }, docs)).toBeUndefined();
  });
});
