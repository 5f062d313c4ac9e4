// `replicate` through the registry: the storage conformance suite (its reads and writes are
// the local storage's, saved at once), and repair() as a sync cycle whose report lists what
// moved — including when the remote cannot be reached.
import { describe, expect, it } from 'vitest';
import { runStorageConformance } from '../conformance/storage.suite.ts';
import { createStorageRegistry, registerCoreStorages } from '../registry.ts';
import { JioError } from '../errors.ts';
import type { Storage } from '../types.ts';
import { ReplicateStorage, registerReplicateStorage } from './replicate-storage.ts';
import { createMemoryData, MemoryStorage } from '../storages/memory.ts';

const registry = createStorageRegistry();
registerCoreStorages(registry);
registerReplicateStorage(registry);
let count = 0;

function spec() {
  const n = ++count;
  return {
    type: 'replicate',
    local: { type: 'query', sub: { type: 'memory', name: `local-${String(n)}` } },
    remote: { type: 'memory', name: `remote-${String(n)}` },
    state: { type: 'memory', name: `state-${String(n)}` },
  };
}

runStorageConformance('replicate over memory', {
  open: async () => registry.create(spec()),
  queries: true,
});

describe('replicate', () => {
  it('syncs on repair() and reports what moved', async () => {
    const s = spec();
    const storage = registry.create(s);
    const remote = registry.create(s.remote);
    await storage.put('a', { type: 'note', text: 'offline' });
    await remote.put('b', { type: 'note', text: 'from the lake' });
    const report = await storage.repair();
    expect(report.entries.map((entry) => entry.code)).toEqual(['pulled', 'pushed', 'cycle-end']);
    expect((await remote.get('a')).text).toBe('offline');
    expect((await storage.get('b')).text).toBe('from the lake');
  });

  it('keeps local writes and reports the remote as unreachable', async () => {
    const down = new MemoryStorage(createMemoryData());
    down.changes = () =>
      Promise.reject(new JioError('unavailable', 'no network', { reason: 'offline' }));
    const storage: Storage = new ReplicateStorage({
      local: new MemoryStorage(createMemoryData()),
      remote: down,
      state: new MemoryStorage(createMemoryData()),
    });
    await storage.put('a', { type: 'note' });
    const report = await storage.repair();
    expect(report.entries.map((entry) => entry.code)).toEqual(['offline', 'cycle-end']);
    expect((await storage.get('a')).type).toBe('note');
  });

  it('refuses an incomplete spec', () => {
    expect(() => registry.create({ type: 'replicate', local: { type: 'memory' } })).toThrow(
      /remote/,
    );
  });
});
