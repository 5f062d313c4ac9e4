// The sync engine's protocol on in-memory storages: two devices and one remote, every conflict
// rule, lost answers, crashes between steps, restarts. The same engine against a real lake,
// through faults, is integration/sync/.
import { describe, expect, it } from 'vitest';
import { JioError } from '../errors.ts';
import { createMemoryData, MemoryStorage } from '../storages/memory.ts';
import type { BulkWriteItem, BulkWriteResult, CallOptions, Storage } from '../types.ts';
import { MemoryChunkStore } from '../chunks/memory-chunk-store.ts';
import { SignalStore } from '../signals/signal-store.ts';
import type { ChunkProbe, RemoteChunks } from './remote-chunks.ts';
import { SyncEngine } from './sync-engine.ts';
import { SyncReport } from './sync-report.ts';
import { SyncState } from './sync-state.ts';

interface Device {
  local: Storage;
  stateStorage: Storage;
  engine: SyncEngine;
}

async function device(
  remote: Storage,
  parts?: { local: Storage; stateStorage: Storage },
): Promise<Device> {
  const local = parts?.local ?? new MemoryStorage(createMemoryData());
  const stateStorage = parts?.stateStorage ?? new MemoryStorage(createMemoryData());
  const engine = new SyncEngine({
    local,
    remote,
    state: await SyncState.open(stateStorage),
    report: new SyncReport(),
    batchSize: 7,
  });
  return { local, stateStorage, engine };
}

async function contents(storage: Storage): Promise<Record<string, Record<string, unknown>>> {
  const { data } = await storage.allDocs({ include_docs: true });
  const out: Record<string, Record<string, unknown>> = {};
  for (const row of data.rows) {
    const { _rev: _ignored, ...content } = row.doc ?? {};
    out[row.id] = content;
  }
  return out;
}

/** A remote whose next bulk write is applied and its answer lost (a dropped reply). */
class LosingRemote extends MemoryStorage {
  loseNext = 0;
  override async bulkWrite(
    items: readonly BulkWriteItem[],
    options?: CallOptions,
  ): Promise<BulkWriteResult[]> {
    const results = await super.bulkWrite(items, options);
    if (this.loseNext > 0) {
      this.loseNext--;
      throw new JioError('unavailable', 'reply lost', { reason: 'offline' });
    }
    return results;
  }
}

/** A storage whose next bulk write fails as a full disk would. */
class FailingStorage extends MemoryStorage {
  failNext = 0;
  override async bulkWrite(
    items: readonly BulkWriteItem[],
    options?: CallOptions,
  ): Promise<BulkWriteResult[]> {
    if (this.failNext > 0) {
      this.failNext--;
      throw new JioError('insufficient_storage', 'quota', { reason: 'quota_exceeded' });
    }
    return super.bulkWrite(items, options);
  }
}

/** The lake's chunk channel in memory: what an engine test needs of it. */
class MemoryRemoteChunks implements RemoteChunks {
  readonly held = new Map<string, Uint8Array>();
  probe(sha256: string): Promise<ChunkProbe> {
    const bytes = this.held.get(sha256);
    return Promise.resolve(
      bytes === undefined
        ? { stored: false, offset: 0 }
        : { stored: true, length: bytes.byteLength },
    );
  }
  upload(
    sha256: string,
    bytes: Uint8Array,
  ): Promise<{ status: 'created' | 'present'; bytesSent: number }> {
    const present = this.held.has(sha256);
    this.held.set(sha256, bytes.slice());
    return Promise.resolve({
      status: present ? 'present' : 'created',
      bytesSent: bytes.byteLength,
    });
  }
  download(sha256: string): Promise<Uint8Array> {
    const bytes = this.held.get(sha256);
    return bytes === undefined
      ? Promise.reject(new JioError('not_found', sha256))
      : Promise.resolve(bytes.slice());
  }
}

describe('sync engine', () => {
  it('moves documents both ways and converges', async () => {
    const remote = new MemoryStorage(createMemoryData());
    const a = await device(remote);
    const b = await device(remote);
    for (let i = 0; i < 20; i++) await a.local.put(`a/${i}`, { type: 'note', text: `a${i}` });
    for (let i = 0; i < 15; i++) await b.local.put(`b/${i}`, { type: 'note', text: `b${i}` });
    await a.engine.sync();
    const first = await b.engine.sync();
    expect(first.pulled).toBe(20);
    expect(first.pushed).toBe(15);
    await a.engine.sync();
    expect(await contents(a.local)).toEqual(await contents(b.local));
    expect(Object.keys(await contents(remote))).toHaveLength(35);
    // Quiet after convergence: nothing moves, nothing pending.
    const quiet = await a.engine.sync();
    expect(quiet).toMatchObject({ pulled: 0, pushed: 0, pending: 0 });
    // Deletions travel too.
    await b.local.remove('a/3');
    await b.engine.sync();
    await a.engine.sync();
    await expect(a.local.get('a/3')).rejects.toMatchObject({ status: 404 });
    await expect(remote.get('a/3')).rejects.toMatchObject({ status: 404 });
  });

  it('keeps both annotations when two devices edit one', async () => {
    const remote = new MemoryStorage(createMemoryData());
    const a = await device(remote);
    const b = await device(remote);
    await a.local.put('n1', { type: 'annotation', text: 'bearing' });
    await a.engine.sync();
    await b.engine.sync();
    await a.local.put('n1', { type: 'annotation', text: 'bearing noise' });
    await b.local.put('n1', { type: 'annotation', text: 'loose bolt' });
    await a.engine.sync();
    const result = await b.engine.sync();
    expect(result.conflicts).toBe(1);
    await a.engine.sync();
    const seen = await contents(a.local);
    expect(seen).toEqual(await contents(b.local));
    expect(seen).toEqual(await contents(remote));
    const texts = Object.values(seen)
      .map((doc) => doc.text)
      .sort();
    expect(texts).toEqual(['bearing noise', 'loose bolt']);
    const fork = Object.values(seen).find((doc) => doc.text === 'loose bolt');
    expect(fork?.conflictOf).toBe('n1');
  });

  it('lets the later push win for dashboards and keeps the loser as history', async () => {
    const remote = new MemoryStorage(createMemoryData());
    const a = await device(remote);
    const b = await device(remote);
    await a.local.put('d1', { type: 'dashboard', title: 'v1' });
    await a.engine.sync();
    await b.engine.sync();
    await a.local.put('d1', { type: 'dashboard', title: 'from a' });
    await b.local.put('d1', { type: 'dashboard', title: 'from b' });
    await a.engine.sync();
    await b.engine.sync();
    await a.engine.sync();
    expect((await a.local.get('d1')).title).toBe('from b');
    expect((await remote.get('d1')).title).toBe('from b');
    const history = Object.values(await contents(a.local)).filter((doc) => doc.type === 'history');
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({ of: 'd1', content: { title: 'from a' } });
    expect(await contents(a.local)).toEqual(await contents(b.local));
  });

  it('reports a single-writer conflict and overwrites nothing', async () => {
    const remote = new MemoryStorage(createMemoryData());
    const a = await device(remote);
    const b = await device(remote);
    await a.local.put('s1', { type: 'signal', length: 0 });
    await a.engine.sync();
    await b.engine.sync();
    await a.local.put('s1', { type: 'signal', length: 10 });
    await b.local.put('s1', { type: 'signal', length: 20 });
    await a.engine.sync();
    const result = await b.engine.sync();
    expect(result.pending).toBe(1);
    expect(b.engine.report.counters['conflict-bug']).toBe(1);
    expect((await b.local.get('s1')).length).toBe(20);
    expect((await remote.get('s1')).length).toBe(10);
    expect(b.engine.state.failures()).toHaveLength(1);
    // Not retried on every cycle (it cannot succeed), but kept in the outbox.
    await b.engine.sync();
    expect(b.engine.report.counters['conflict-bug']).toBe(1);
    expect(await b.engine.outbox()).toHaveLength(1);
  });

  it('pushes exactly once when the answer to an applied push is lost', async () => {
    const remote = new LosingRemote(createMemoryData());
    const a = await device(remote);
    for (let i = 0; i < 10; i++) await a.local.put(`x/${i}`, { type: 'note', n: i });
    // One lost answer: the request is retried within the cycle and recognised as applied.
    remote.loseNext = 1;
    expect((await a.engine.sync()).pending).toBe(0);
    for (let i = 10; i < 20; i++) await a.local.put(`x/${String(i)}`, { type: 'note', n: i });
    // More lost answers than retries: the cycle stops, and the next one settles it.
    remote.loseNext = 4;
    await expect(a.engine.sync()).rejects.toMatchObject({ code: 'unavailable' });
    expect(a.engine.report.counters.offline).toBe(1);
    const again = await a.engine.sync();
    expect(again.pending).toBe(0);
    const stored = await contents(remote);
    expect(Object.keys(stored)).toHaveLength(20);
    // Settled as "same content", not duplicated as a fork or history.
    expect(Object.values(stored).every((doc) => doc.type === 'note')).toBe(true);
  });

  it('resumes after a restart: the outbox and the checkpoint survive', async () => {
    const remote = new MemoryStorage(createMemoryData());
    const a = await device(remote);
    await remote.put('r1', { type: 'note', text: 'from the lake' });
    await a.engine.sync();
    await a.local.put('mine', { type: 'note', text: 'offline' });
    // A new engine on the same storages: what a reload or a crash leaves.
    const again = await device(remote, { local: a.local, stateStorage: a.stateStorage });
    expect((await again.engine.outbox()).map((entry) => entry.id)).toEqual(['mine']);
    const result = await again.engine.sync();
    expect(result).toMatchObject({ pulled: 0, pushed: 1, pending: 0 });
    expect((await remote.get('mine')).text).toBe('offline');
  });

  it('redoes a pull whose state write failed without pushing it back as a change', async () => {
    const remote = new MemoryStorage(createMemoryData());
    await remote.put('r1', { type: 'note', text: 'lake' });
    const failing = new FailingStorage(createMemoryData());
    failing.failNext = 1;
    const local = new MemoryStorage(createMemoryData());
    const a = await device(remote, { local, stateStorage: failing });
    await expect(a.engine.sync()).rejects.toMatchObject({ code: 'insufficient_storage' });
    const result = await a.engine.sync();
    expect(result.pending).toBe(0);
    expect(await contents(local)).toEqual(await contents(remote));
    expect(Object.keys(await contents(remote))).toEqual(['r1']);
  });

  it('uploads a recording before its pages, then collects the versions it superseded', async () => {
    const remote = new MemoryStorage(createMemoryData());
    const remoteChunks = new MemoryRemoteChunks();
    const local = new MemoryStorage(createMemoryData());
    // Chunks written an hour ago as far as the store can tell: old enough to be collected.
    const chunks = new MemoryChunkStore({ now: () => Date.now() - 3_600_000 });
    const engine = new SyncEngine({
      local,
      remote,
      state: await SyncState.open(new MemoryStorage(createMemoryData())),
      report: new SyncReport(),
      chunks: { store: chunks, remote: remoteChunks },
    });
    const signals = new SignalStore(local, chunks);
    await local.put('ds', { type: 'dataset' });
    await signals.create('ds/rec', {
      datasetId: 'ds',
      name: 'rec',
      dtype: 'float32',
      chunkLength: 1024,
    });
    await signals.append('ds/rec', new Float32Array(1500).fill(1), { unsynced: true });
    await signals.append('ds/rec', new Float32Array(100).fill(2), { unsynced: true });
    // An append that stopped after its chunk, before its page: an orphan.
    const orphan = new Uint8Array(4096).fill(7);
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', orphan));
    const orphanSha = Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
    await chunks.put(
      [{ sha256: orphanSha, bytes: orphan, owner: { signalId: 'ds/rec', level: 0 } }],
      { unsynced: true },
    );
    expect((await chunks.listUnsynced()).length).toBe(4);
    await engine.sync();
    const page = await remote.get('ds/rec/manifest/0');
    const entries = (page.entries as { sha256: string }[]).map((entry) => entry.sha256);
    expect(entries).toHaveLength(2);
    for (const sha of entries) expect(remoteChunks.held.has(sha)).toBe(true);
    // Uploaded and acknowledged: synced; the superseded tail and the orphan: gone.
    expect(await chunks.listUnsynced()).toEqual([]);
    expect((await chunks.list()).map((info) => info.sha256).sort()).toEqual(entries.slice().sort());
    expect(remoteChunks.held.size).toBe(2);
  });
});
