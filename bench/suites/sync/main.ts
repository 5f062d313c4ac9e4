// The sync benchmark page, served by the lake itself (same origin, session cookie): the real
// engine, chunk channel and IndexedDB stores of the app, and the hand-written peers beside them.
// Every store and channel the engine gets is wrapped in a timer (`timed`), so each pass also
// says where its time went (inside the lake channel, the chunk store, the document stores).
// Peers fetch with `cache: 'no-store'` as LakeHttp does: the lake marks chunks immutable, so a
// plain GET of a chunk an earlier round fetched would come from Chromium's HTTP cache.
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
import { type PageApi, pageApiKey, type Timed } from './protocol.ts';

const MIB = 1024 * 1024;
/** float32 samples per 1 MiB chunk (2^18). */
const CHUNK_SAMPLES = MIB / 4;

type Calls = Record<string, number>;

function addTo(calls: Calls, name: string, ms: number): void {
  calls[name] = (calls[name] ?? 0) + ms;
}

/**
 * `target` with every method that answers a promise timed into `calls[prefix.method]` (from the
 * call to the settlement). Methods run on the target itself, so private fields keep working.
 */
function timed<T extends object>(target: T, prefix: string, calls: Calls): T {
  return new Proxy(target, {
    get(object, key) {
      const value: unknown = Reflect.get(object, key, object);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]): unknown => {
        const started = performance.now();
        const result: unknown = (value as (...a: unknown[]) => unknown).apply(object, args);
        if (!(result instanceof Promise)) return result;
        return result.finally(() => {
          addTo(calls, `${prefix}.${String(key)}`, performance.now() - started);
        });
      };
    },
  });
}

/** A device with empty storage: its own databases, named by `tag`; everything timed. */
async function device(tag: string) {
  const calls: Calls = {};
  const local = new IndexedDbStorage(openFieldlakeDexie(`docs-${tag}`));
  const chunks = openIndexedDbChunkStore(`docs-${tag}`);
  const options = { url: location.origin, timeoutMs: 120_000 };
  const report = new SyncReport();
  const engine = new SyncEngine({
    local: timed(local, 'local', calls),
    remote: timed(new LakeStorage(options), 'lake', calls),
    state: await SyncState.open(
      timed(new IndexedDbStorage(openFieldlakeDexie(`state-${tag}`)), 'state', calls),
    ),
    report,
    chunks: {
      store: timed(chunks, 'chunk-store', calls),
      remote: timed(new LakeChunks(new LakeHttp(options)), 'lake-chunks', calls),
    },
    batchSize: 1000,
  });
  return { local, chunks, engine, report, calls, signals: new SignalStore(local, chunks) };
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

/** The passes prepared by uploadOursPrepare / uploadPeerPrepare, run by the matching *Run. */
let preparedOurs: (() => Promise<Timed>) | undefined;
let preparedPeer: (() => Promise<Timed>) | undefined;

const api: PageApi = {
  async downloadOurs(hashes, round) {
    const { engine, chunks, calls } = await device(`down-ours-${String(round)}`);
    const started = performance.now();
    const bytes = await engine.fetchChunks(hashes, { signalId: 'bench', level: 0 });
    const ms = performance.now() - started;
    const held = await chunks.has(hashes);
    if (held.some((h) => !h)) throw new Error('fetchChunks left chunks out of the store');
    return { ms, amount: bytes, calls };
  },

  async downloadPeer(hashes, round) {
    const calls: Calls = {};
    const db = await openRaw(`down-peer-${String(round)}`, 'chunks');
    let bytes = 0;
    const started = performance.now();
    for (const sha of hashes) {
      const fetched = performance.now();
      const response = await fetch(`/api/chunks/${sha}`, { cache: 'no-store' });
      if (!response.ok) throw new Error(`peer download: ${String(response.status)}`);
      const body = await response.arrayBuffer();
      const stored = performance.now();
      addTo(calls, 'fetch', stored - fetched);
      const tx = db.transaction('chunks', 'readwrite');
      tx.objectStore('chunks').put(body, sha);
      await committed(tx);
      addTo(calls, 'idb.put', performance.now() - stored);
      bytes += body.byteLength;
    }
    const ms = performance.now() - started;
    db.close();
    return { ms, amount: bytes, calls };
  },

  async hashMsPerMiB() {
    const bytes = new Uint8Array(MIB);
    crypto.getRandomValues(bytes.subarray(0, 65536));
    await sha256Hex(bytes);
    const started = performance.now();
    for (let i = 0; i < 16; i++) await sha256Hex(bytes);
    return (performance.now() - started) / 16;
  },

  async uploadOursPrepare(datasetId, chunks, round) {
    const started = performance.now();
    const dev = await device(`up-ours-${String(round)}`);
    await dev.engine.sync();
    const id = `${datasetId}/up-${String(round)}`;
    await dev.signals.create(id, {
      datasetId,
      name: `up-${String(round)}`,
      dtype: 'float32',
      chunkLength: CHUNK_SAMPLES,
    });
    const values = new Float32Array(CHUNK_SAMPLES);
    for (let chunk = 0; chunk < chunks; chunk++) {
      noise(round * 100_003 + chunk, values);
      await dev.signals.append(id, values, { unsynced: true });
    }
    const unsynced = await dev.chunks.listUnsynced(chunks + 1);
    if (unsynced.length !== chunks)
      throw new Error(`${String(unsynced.length)} unsynced chunks, not ${String(chunks)}`);
    for (const key of Object.keys(dev.calls)) dev.calls[key] = 0;
    preparedOurs = async () => {
      let sent = 0;
      let created = 0;
      const stop = dev.report.subscribe((event) => {
        if (event.kind !== 'chunk-uploaded') return;
        sent += event.bytes ?? 0;
        if (event.detail === 'created') created++;
      });
      const begun = performance.now();
      const result = await dev.engine.sync();
      const ms = performance.now() - begun;
      stop();
      if (result.pending !== 0 || result.failed !== 0)
        throw new Error(
          `upload left ${String(result.pending)} pending, ${String(result.failed)} failed`,
        );
      const left = await dev.chunks.listUnsynced(10);
      if (left.length > 0) throw new Error(`${String(left.length)}+ chunks still unsynced`);
      if (created !== chunks)
        throw new Error(`the lake created ${String(created)} chunks, not ${String(chunks)}`);
      return { ms, amount: sent, calls: dev.calls };
    };
    return performance.now() - started;
  },

  uploadOursRun() {
    const run = preparedOurs;
    preparedOurs = undefined;
    if (run === undefined) return Promise.reject(new Error('uploadOursRun: nothing prepared'));
    return run();
  },

  async uploadPeerPrepare(chunks, round, body) {
    const started = performance.now();
    const items: { sha: string; bytes: Uint8Array<ArrayBuffer> }[] = [];
    const values = new Float32Array(CHUNK_SAMPLES);
    for (let chunk = 0; chunk < chunks; chunk++) {
      noise(round * 100_003 + chunk + 50_000_000, values);
      const bytes = new Uint8Array(values.buffer.slice(0));
      items.push({ sha: await sha256Hex(bytes), bytes });
    }
    preparedPeer = async () => {
      const calls: Calls = {};
      let bytes = 0;
      const begun = performance.now();
      for (const item of items) {
        const response = await fetch(`/api/chunks/${item.sha}`, {
          method: 'PUT',
          cache: 'no-store',
          headers: { 'content-type': 'application/octet-stream' },
          body: body === 'blob' ? new Blob([item.bytes]) : item.bytes,
        });
        // 201: the lake stored it now (200 would mean it had it already: no upload measured).
        if (response.status !== 201) throw new Error(`peer upload: ${String(response.status)}`);
        await response.arrayBuffer();
        bytes += item.bytes.byteLength;
      }
      const ms = performance.now() - begun;
      addTo(calls, 'fetch', ms);
      return { ms, amount: bytes, calls };
    };
    return performance.now() - started;
  },

  uploadPeerRun() {
    const run = preparedPeer;
    preparedPeer = undefined;
    if (run === undefined) return Promise.reject(new Error('uploadPeerRun: nothing prepared'));
    return run();
  },

  async initialOurs(round) {
    const { engine, calls } = await device(`init-ours-${String(round)}`);
    const started = performance.now();
    const result = await engine.sync();
    return { ms: performance.now() - started, amount: result.pulled, calls };
  },

  async initialPeer(round) {
    const calls: Calls = {};
    const db = await openRaw(`init-peer-${String(round)}`, 'docs');
    const started = performance.now();
    let since: number | string = 0;
    let count = 0;
    for (;;) {
      const fetched = performance.now();
      const response = await fetch(
        `/api/changes?since=${encodeURIComponent(String(since))}&limit=1000&include_docs=true`,
        { cache: 'no-store' },
      );
      if (!response.ok) throw new Error(`peer changes: ${String(response.status)}`);
      const page = (await response.json()) as {
        results: { id: string; doc?: unknown }[];
        last_seq: number | string;
      };
      const stored = performance.now();
      addTo(calls, 'fetch', stored - fetched);
      if (page.results.length === 0) break;
      const tx = db.transaction('docs', 'readwrite');
      for (const change of page.results) tx.objectStore('docs').put(change.doc ?? null, change.id);
      await committed(tx);
      addTo(calls, 'idb.put', performance.now() - stored);
      count += page.results.length;
      since = page.last_seq;
    }
    const ms = performance.now() - started;
    db.close();
    return { ms, amount: count, calls };
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
    const { engine, local, chunks, calls } = await device(`kit-ours-${String(round)}`);
    const kits = new FieldKits({
      local: timed(local, 'kit-local', calls),
      chunks: timed(chunks, 'kit-chunk-store', calls),
      fetchChunks: (hashes, owner, options) => engine.fetchChunks(hashes, owner, options),
    });
    const started = performance.now();
    await engine.sync();
    addTo(calls, 'phase.document-sync', performance.now() - started);
    await kits.pin('kit/overview', {
      type: 'kit',
      name: 'Overview',
      scope: [datasetId],
      resolution: 'overview',
    });
    const filling = performance.now();
    const coverage = await kits.fill('kit/overview');
    addTo(calls, 'phase.kit-fill', performance.now() - filling);
    const ms = performance.now() - started;
    if (!coverage.complete) throw new Error('the overview kit is not complete');
    return { ms, amount: coverage.heldChunks, calls };
  },

  async kitOverviewPeer(hashes) {
    const distinct = [...new Set(hashes)];
    const started = performance.now();
    for (const sha of distinct) {
      const response = await fetch(`/api/chunks/${sha}`, { cache: 'no-store' });
      if (!response.ok) throw new Error(`peer level chunk: ${String(response.status)}`);
      await response.arrayBuffer();
    }
    const ms = performance.now() - started;
    return { ms, amount: hashes.length, calls: { fetch: ms } };
  },
};

(window as unknown as Record<string, unknown>)[pageApiKey] = api;
