// The sync benchmark page, served by the lake itself (same origin, session cookie): the real
// engine, chunk channel and IndexedDB stores of the app, and the hand-written peers beside them.
import { openIndexedDbChunkStore } from '../../../src/jio/chunks/indexeddb-chunk-store.ts';
import { SignalStore } from '../../../src/jio/signals/signal-store.ts';
import { IndexedDbStorage } from '../../../src/jio/storages/indexeddb/index.ts';
import { openFieldlakeDexie } from '../../../src/jio/storages/indexeddb/schema.ts';
import { LakeHttp } from '../../../src/jio/storages/lake/http.ts';
import { LakeChunks, LakeStorage } from '../../../src/jio/storages/lake/index.ts';
import { FieldKits, planKit } from '../../../src/jio/sync/field-kit.ts';
import { SyncEngine } from '../../../src/jio/sync/sync-engine.ts';
import { SyncReport } from '../../../src/jio/sync/sync-report.ts';
import { SyncState } from '../../../src/jio/sync/sync-state.ts';
import { committed, openRaw } from '../storage/raw-idb.ts';
import { type PageApi, pageApiKey } from './protocol.ts';

const MIB = 1024 * 1024;
const CHUNK_SAMPLES = MIB / 4;

/** A device with empty storage: its own databases, named by `tag`. */
async function device(tag: string) {
  const local = new IndexedDbStorage(openFieldlakeDexie(`docs-${tag}`));
  const chunks = openIndexedDbChunkStore(`docs-${tag}`);
  const options = { url: location.origin, timeoutMs: 120_000 };
  const http = new LakeHttp(options);
  const engine = new SyncEngine({
    local,
    remote: new LakeStorage(options),
    state: await SyncState.open(new IndexedDbStorage(openFieldlakeDexie(`state-${tag}`))),
    report: new SyncReport(),
    chunks: { store: chunks, remote: new LakeChunks(http) },
    batchSize: 1000,
  });
  return { local, chunks, engine, signals: new SignalStore(local, chunks) };
}

/** Deterministic, distinct per seed: bytes no earlier round uploaded. */
function noise(seed: number, values: Float32Array): void {
  let state = (seed * 2654435761) >>> 0;
  for (let i = 0; i < values.length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    values[i] = state / 4294967296;
  }
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>),
  );
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

const api: PageApi = {
  async downloadOurs(hashes, round) {
    const { engine } = await device(`down-ours-${String(round)}`);
    const started = performance.now();
    await engine.fetchChunks(hashes, { signalId: 'bench', level: 0 });
    return performance.now() - started;
  },

  async downloadPeer(hashes, round) {
    const db = await openRaw(`down-peer-${String(round)}`, 'chunks');
    const started = performance.now();
    for (const sha of hashes) {
      const response = await fetch(`/api/chunks/${sha}`);
      const bytes = await response.arrayBuffer();
      const tx = db.transaction('chunks', 'readwrite');
      tx.objectStore('chunks').put(bytes, sha);
      await committed(tx);
    }
    const ms = performance.now() - started;
    db.close();
    return ms;
  },

  async uploadOurs(datasetId, chunks, round) {
    const { engine, signals } = await device(`up-ours-${String(round)}`);
    await engine.sync();
    const id = `${datasetId}/up-${String(round)}`;
    await signals.create(id, {
      datasetId,
      name: `up-${String(round)}`,
      dtype: 'float32',
      chunkLength: CHUNK_SAMPLES,
    });
    const values = new Float32Array(CHUNK_SAMPLES);
    for (let chunk = 0; chunk < chunks; chunk++) {
      noise(round * 100_003 + chunk, values);
      await signals.append(id, values, { unsynced: true });
    }
    const started = performance.now();
    const result = await engine.sync();
    const ms = performance.now() - started;
    if (result.pending !== 0)
      throw new Error(`upload left ${String(result.pending)} changes pending`);
    return ms;
  },

  async uploadPeer(chunks, round) {
    const items: { sha: string; bytes: Uint8Array }[] = [];
    const values = new Float32Array(CHUNK_SAMPLES);
    for (let chunk = 0; chunk < chunks; chunk++) {
      noise(round * 100_003 + chunk + 50_000_000, values);
      const bytes = new Uint8Array(values.buffer.slice(0));
      items.push({ sha: await sha256Hex(bytes), bytes });
    }
    const started = performance.now();
    for (const { sha, bytes } of items) {
      const response = await fetch(`/api/chunks/${sha}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/octet-stream' },
        body: bytes as Uint8Array<ArrayBuffer>,
      });
      if (!response.ok) throw new Error(`peer upload: ${String(response.status)}`);
    }
    return performance.now() - started;
  },

  async initialOurs(round) {
    const { engine } = await device(`init-ours-${String(round)}`);
    const started = performance.now();
    const result = await engine.sync();
    return [performance.now() - started, result.pulled];
  },

  async initialPeer(round) {
    const db = await openRaw(`init-peer-${String(round)}`, 'docs');
    const started = performance.now();
    let since: number | string = 0;
    let count = 0;
    for (;;) {
      const response = await fetch(
        `/api/changes?since=${encodeURIComponent(String(since))}&limit=1000&include_docs=true`,
      );
      const page = (await response.json()) as {
        results: { id: string; doc?: unknown }[];
        last_seq: number | string;
      };
      if (page.results.length === 0) break;
      const tx = db.transaction('docs', 'readwrite');
      for (const change of page.results) tx.objectStore('docs').put(change.doc ?? null, change.id);
      await committed(tx);
      count += page.results.length;
      since = page.last_seq;
    }
    const ms = performance.now() - started;
    db.close();
    return [ms, count];
  },

  async overviewHashes(datasetId) {
    const { engine, local } = await device('overview-plan');
    await engine.sync();
    const { chunks } = await planKit(local, {
      type: 'kit',
      name: 'plan',
      scope: [datasetId],
      resolution: 'overview',
    });
    return chunks.map((chunk) => chunk.sha256);
  },

  async kitOverviewOurs(datasetId, round) {
    const { engine, local, chunks } = await device(`kit-ours-${String(round)}`);
    const kits = new FieldKits({
      local,
      chunks,
      fetchChunks: (hashes, owner, options) => engine.fetchChunks(hashes, owner, options),
    });
    const started = performance.now();
    await engine.sync();
    await kits.pin('kit/overview', {
      type: 'kit',
      name: 'Overview',
      scope: [datasetId],
      resolution: 'overview',
    });
    const coverage = await kits.fill('kit/overview');
    const ms = performance.now() - started;
    if (!coverage.complete) throw new Error('the overview kit is not complete');
    return [ms, coverage.heldChunks];
  },

  async kitOverviewPeer(hashes) {
    const started = performance.now();
    for (const sha of hashes) await (await fetch(`/api/chunks/${sha}`)).arrayBuffer();
    return [performance.now() - started, hashes.length];
  },
};

(window as unknown as Record<string, unknown>)[pageApiKey] = api;
