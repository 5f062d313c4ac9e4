// The storage budget over a real chunk store: default and set budgets, eviction order and what
// is never evicted, room for downloads, persistence and the at-risk warning.
import { describe, expect, it } from 'vitest';
import { MemoryChunkStore } from '../chunks/memory-chunk-store.ts';
import { createMemoryData, MemoryStorage } from '../storages/memory.ts';
import { StorageBudget, type StorageManagerLike } from './storage-budget.ts';

async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** A chunk of `size` bytes, distinct by `seed`. */
async function chunk(seed: number, size: number) {
  const bytes = new Uint8Array(size).fill(seed);
  bytes[0] = seed >> 8;
  return { sha256: await sha256(bytes), bytes };
}

function manager(
  quota: number,
  persisted = false,
  grant = false,
): StorageManagerLike & { asked: number } {
  let state = persisted;
  const m = {
    asked: 0,
    estimate: () => Promise.resolve({ quota, usage: 1234 }),
    persisted: () => Promise.resolve(state),
    persist: () => {
      m.asked++;
      state = grant;
      return Promise.resolve(grant);
    },
  };
  return m;
}

describe('storage budget', () => {
  it('defaults to half the quota and follows the setting', async () => {
    const chunks = new MemoryChunkStore();
    const budget = new StorageBudget({
      chunks,
      settings: new MemoryStorage(createMemoryData()),
      storage: manager(10_000),
    });
    expect(await budget.status()).toMatchObject({
      budgetBytes: 5000,
      source: 'default',
      quotaBytes: 10_000,
      originUsageBytes: 1234,
    });
    expect(await budget.setBudget(3000)).toMatchObject({ budgetBytes: 3000, source: 'setting' });
    expect(await budget.setBudget(null)).toMatchObject({ budgetBytes: 5000, source: 'default' });
    await expect(budget.setBudget(-1)).rejects.toMatchObject({ status: 400 });
    await expect(budget.setBudget(1.5)).rejects.toMatchObject({ status: 400 });
  });

  it('evicts raw before coarse, least recently used first, never unsynced or pinned', async () => {
    let now = 0;
    const chunks = new MemoryChunkStore({ now: () => now });
    const budget = new StorageBudget({
      chunks,
      settings: new MemoryStorage(createMemoryData()),
      storage: manager(1e9),
    });
    const raw = [await chunk(1, 1000), await chunk(2, 1000), await chunk(3, 1000)];
    const coarse = await chunk(4, 1000);
    const unsynced = await chunk(5, 1000);
    const pinned = await chunk(6, 1000);
    for (const [index, item] of raw.entries()) {
      now = 10 + index;
      await chunks.put([{ ...item, owner: { signalId: 's', level: 0 } }]);
    }
    now = 1;
    await chunks.put([{ ...coarse, owner: { signalId: 's', level: 3 } }]);
    await chunks.put([{ ...unsynced, owner: { signalId: 'mine', level: 0 } }], { unsynced: true });
    await chunks.put([{ ...pinned, owner: { signalId: 'k', level: 0 } }]);
    await chunks.pin('kit-1', [pinned.sha256]);
    // Over budget by 2500: the two least recently used raw chunks and then a third go.
    const status = await budget.setBudget(3500);
    expect(status.chunkBytes).toBe(3000);
    expect(await chunks.has(raw.map((r) => r.sha256))).toEqual([false, false, false]);
    expect(await chunks.has([coarse.sha256, unsynced.sha256, pinned.sha256])).toEqual([
      true,
      true,
      true,
    ]);
    // Down to what cannot be evicted: the coarse chunk goes last, unsynced and pinned never.
    await budget.setBudget(0);
    expect(await chunks.has([coarse.sha256, unsynced.sha256, pinned.sha256])).toEqual([
      false,
      true,
      true,
    ]);
    expect((await budget.status()).overBudget).toBe(true);
  });

  it('makes room for a download or refuses clearly', async () => {
    const chunks = new MemoryChunkStore();
    const budget = new StorageBudget({
      chunks,
      settings: new MemoryStorage(createMemoryData()),
      storage: manager(1e9),
    });
    await budget.setBudget(2500);
    const cached = await chunk(1, 1000);
    const mine = await chunk(2, 1000);
    await chunks.put([{ ...cached, owner: { signalId: 's', level: 0 } }]);
    await chunks.put([{ ...mine, owner: { signalId: 'm', level: 0 } }], { unsynced: true });
    await budget.makeRoom(500);
    expect(await chunks.has([cached.sha256])).toEqual([true]);
    await budget.makeRoom(1500);
    expect(await chunks.has([cached.sha256, mine.sha256])).toEqual([false, true]);
    await expect(budget.makeRoom(2000)).rejects.toMatchObject({
      code: 'insufficient_storage',
      details: { reason: 'over_budget' },
    });
  });

  it('requests persistence and says when unsynced work is at risk', async () => {
    const chunks = new MemoryChunkStore();
    const denied = manager(1e9, false, false);
    const budget = new StorageBudget({
      chunks,
      settings: new MemoryStorage(createMemoryData()),
      storage: denied,
    });
    expect(await budget.requestPersistence()).toBe(false);
    expect(denied.asked).toBe(1);
    expect((await budget.status()).atRisk).toBe(false);
    const mine = await chunk(2, 100);
    await chunks.put([{ ...mine, owner: { signalId: 'm', level: 0 } }], { unsynced: true });
    expect(await budget.status()).toMatchObject({
      persisted: false,
      atRisk: true,
      unsyncedBytes: 100,
    });
    const granted = manager(1e9, false, true);
    const other = new StorageBudget({
      chunks,
      settings: new MemoryStorage(createMemoryData()),
      storage: granted,
    });
    expect(await other.requestPersistence()).toBe(true);
    expect(await other.status()).toMatchObject({ persisted: true, atRisk: false });
    // Without a storage manager (Node, old browsers): a 1 GiB fallback, never persisted.
    const bare = new StorageBudget({ chunks, settings: new MemoryStorage(createMemoryData()) });
    expect(await bare.status()).toMatchObject({ quotaBytes: 1024 ** 3, persisted: false });
  });
});
