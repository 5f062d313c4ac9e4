// The outbox file: export from one device, import on another (documents, deletions, unsynced
// chunks), idempotent re-import, refusal of damaged files with nothing written, and the
// import's rules when both sides hold unsynced work.
import { describe, expect, it } from 'vitest';
import { MemoryChunkStore } from '../chunks/memory-chunk-store.ts';
import { SignalStore } from '../signals/signal-store.ts';
import { createMemoryData, MemoryStorage } from '../storages/memory.ts';
import type { Storage } from '../types.ts';
import { exportOutbox, importOutbox } from './outbox-file.ts';
import { SyncEngine } from './sync-engine.ts';
import { SyncReport } from './sync-report.ts';
import { SyncState } from './sync-state.ts';

async function device(remote: Storage = new MemoryStorage(createMemoryData())) {
  const local = new MemoryStorage(createMemoryData());
  const chunks = new MemoryChunkStore();
  const engine = new SyncEngine({
    local,
    remote,
    state: await SyncState.open(new MemoryStorage(createMemoryData())),
    report: new SyncReport(),
  });
  return { local, chunks, engine, signals: new SignalStore(local, chunks) };
}

async function filled() {
  const remote = new MemoryStorage(createMemoryData());
  const a = await device(remote);
  await a.local.put('gone', { type: 'note', text: 'to delete' });
  await a.engine.sync();
  await a.local.remove('gone');
  await a.local.put('note/1', { type: 'note', text: 'made offline' });
  await a.local.put('ds', { type: 'dataset', name: 'visit' });
  await a.signals.create('ds/sig', {
    datasetId: 'ds',
    name: 'sig',
    dtype: 'float32',
    chunkLength: 1024,
  });
  await a.signals.append(
    'ds/sig',
    new Float32Array(1500).map((_, i) => i / 3),
    { unsynced: true },
  );
  return { remote, a };
}

async function text(blob: Blob): Promise<string> {
  return blob.text();
}

describe('outbox file', () => {
  it('carries documents, deletions and unsynced chunks to another device, once', async () => {
    const { a } = await filled();
    const exported = await exportOutbox({
      engine: a.engine,
      local: a.local,
      chunks: a.chunks,
      user: { id: 'u1', name: 'marie' },
      now: () => new Date('2026-11-22T10:15:00.123Z'),
    });
    expect(exported.fileName).toBe('fieldlake-outbox-2026-11-22T10-15-00Z.ndjson');
    expect(exported.summary).toMatchObject({ docs: 5, deletions: 1, chunks: 2 });
    const b = await device();
    const report = await importOutbox(exported.blob, {
      local: b.local,
      chunks: b.chunks,
      engine: b.engine,
    });
    expect(report.header.user).toEqual({ id: 'u1', name: 'marie' });
    expect(report.written.sort()).toEqual(['ds', 'ds/sig', 'ds/sig/manifest/0', 'note/1']);
    expect(report.unchanged).toEqual(['gone']);
    expect(report.chunksWritten).toBe(2);
    expect(Array.from(await b.signals.read('ds/sig', 1000, 1003))).toEqual(
      Array.from(await a.signals.read('ds/sig', 1000, 1003)),
    );
    expect((await b.chunks.usage()).unsyncedBytes).toBe((await a.chunks.usage()).unsyncedBytes);
    expect((await b.engine.outbox()).map((item) => item.id).sort()).toEqual([
      'ds',
      'ds/sig',
      'ds/sig/manifest/0',
      'note/1',
    ]);
    const again = await importOutbox(exported.blob, {
      local: b.local,
      chunks: b.chunks,
      engine: b.engine,
    });
    expect(again.written).toEqual([]);
    expect(again.unchanged).toHaveLength(5);
  });

  it('refuses a damaged, cut or foreign file and writes nothing', async () => {
    const { a } = await filled();
    const { blob } = await exportOutbox({ engine: a.engine, local: a.local, chunks: a.chunks });
    const good = await text(blob);
    const lines = good.split('\n');
    const chunkLine = lines.findIndex((line) => line.includes('"kind":"chunk"'));
    const flipped = lines.slice();
    const chunk = JSON.parse(flipped[chunkLine] ?? '{}') as { data: string };
    chunk.data = (chunk.data.startsWith('A') ? 'B' : 'A') + chunk.data.slice(1);
    flipped[chunkLine] = JSON.stringify(chunk);
    const bad: [string, string][] = [
      ['without its end line', `${lines.slice(0, -2).join('\n')}\n`],
      ['cut in a line', good.slice(0, good.length - 40)],
      ['a flipped chunk byte', flipped.join('\n')],
      ['another format', good.replace('fieldlake-outbox', 'something-else')],
      ['another version', good.replace('"version":1', '"version":9')],
      ['a line that is not JSON', good.replace('"kind":"doc"', '"kind":doc')],
      ['an edited document', good.replace('made offline', 'made up')],
    ];
    for (const [why, content] of bad) {
      const b = await device();
      const attempt = importOutbox(new Blob([content]), {
        local: b.local,
        chunks: b.chunks,
        engine: b.engine,
      });
      await expect(attempt, why).rejects.toMatchObject({
        status: 400,
        details: { reason: 'invalid_outbox_file' },
      });
      expect((await b.local.allDocs()).data.total_rows, why).toBe(0);
      expect((await b.chunks.usage()).count, why).toBe(0);
    }
  });

  it('keeps both unsynced annotations and leaves other two-sided work to the user', async () => {
    const a = await device();
    await a.local.put('ann', { type: 'annotation', text: 'from a' });
    await a.local.put('dash', { type: 'dashboard', title: 'from a' });
    const { blob } = await exportOutbox({ engine: a.engine, local: a.local, chunks: a.chunks });
    const b = await device();
    await b.local.put('ann', { type: 'annotation', text: 'from b' });
    await b.local.put('dash', { type: 'dashboard', title: 'from b' });
    const report = await importOutbox(blob, { local: b.local, chunks: b.chunks, engine: b.engine });
    expect(report.conflicts).toEqual([{ id: 'dash', reason: 'both_unsynced' }]);
    expect(report.written).toHaveLength(1);
    const fork = await b.local.get(report.written[0] ?? '');
    expect(fork).toMatchObject({ text: 'from a', conflictOf: 'ann' });
    expect((await b.local.get('ann')).text).toBe('from b');
  });

  it('carries chunks of a recording at their real size (1 MiB)', async () => {
    const a = await device();
    await a.local.put('ds', { type: 'dataset', name: 'visit' });
    await a.signals.create('ds/big', {
      datasetId: 'ds',
      name: 'big',
      dtype: 'float32',
      chunkLength: 2 ** 18,
    });
    const values = new Float32Array(2 ** 18 + 5000).map((_, i) => Math.sin(i / 7));
    await a.signals.append('ds/big', values, { unsynced: true });
    const { blob, summary } = await exportOutbox({
      engine: a.engine,
      local: a.local,
      chunks: a.chunks,
    });
    expect(summary.chunkBytes).toBeGreaterThan(1024 * 1024);
    const b = await device();
    await importOutbox(blob, { local: b.local, chunks: b.chunks, engine: b.engine });
    const read = await b.signals.read('ds/big', 0, values.length);
    expect(
      Buffer.from(read.buffer, read.byteOffset, read.byteLength).equals(Buffer.from(values.buffer)),
    ).toBe(true);
  });
});
