// The page of the storage benchmark: Fieldlake's storage layer (chunk store, signal store, query
// storage over IndexedDB, all from src/jio) against plain IndexedDB (and Dexie for the query),
// timed here with performance.now so Playwright's round trips are not counted. Data are seeded
// and generated before the timers; every sample checks what it read (bytes, sums, ids).
import { Dexie } from 'dexie';
import {
  type IndexedDbChunkStore,
  openIndexedDbChunkStore,
} from '../../../src/jio/chunks/indexeddb-chunk-store.ts';
import { createStorageRegistry, registerCoreStorages } from '../../../src/jio/registry.ts';
import { SignalStore } from '../../../src/jio/signals/signal-store.ts';
import { registerIndexedDbStorage } from '../../../src/jio/storages/indexeddb/index.ts';
import {
  type ChunkMetaRow,
  type DocumentRow,
  documentType,
  openFieldlakeDexie,
} from '../../../src/jio/storages/indexeddb/schema.ts';
import type { BulkWriteItem, Storage } from '../../../src/jio/types.ts';
import { nextRevision } from '../../../src/jio/validate.ts';
import { defaultLayout, encodeChunk, sha256Hex } from '../../../src/shared/chunk/index.ts';
import {
  Random,
  benchDoc,
  docId,
  fillRandomFloats,
  matchesByHand,
  queryText,
  sumFloats,
} from './data.ts';
import { pageApiKey } from './protocol.ts';
import type {
  ChunkSample,
  IterateSample,
  MemorySample,
  PageApi,
  PageInfo,
  QueryParts,
  QuerySample,
  QuerySetup,
  Side,
  SignalSetup,
} from './protocol.ts';
import { deleteDatabase, getAll, openRaw, putAll, requestResult } from './raw-idb.ts';

const chunkLength = 2 ** 18;
const rawStore = 'chunks';
const owner = { signalId: 'bench/signal', level: 0 };

function newRegistry() {
  const registry = createStorageRegistry();
  registerCoreStorages(registry);
  registerIndexedDbStorage(registry);
  return registry;
}

// ---- memory -------------------------------------------------------------------------------

interface MemoryMeasurement {
  bytes: number;
}
type MeasureMemory = () => Promise<MemoryMeasurement>;

function memoryApi(): MeasureMemory | undefined {
  const fn = (performance as Performance & { measureUserAgentSpecificMemory?: MeasureMemory })
    .measureUserAgentSpecificMemory;
  return crossOriginIsolated && typeof fn === 'function' ? fn.bind(performance) : undefined;
}

// ---- chunk write / read -------------------------------------------------------------------

interface PreparedChunk {
  sha256: string;
  bytes: Uint8Array<ArrayBuffer>;
}

let prepared: PreparedChunk[] = [];

interface OursChunkDb {
  name: string;
  store: IndexedDbChunkStore;
}
interface PeerChunkDb {
  name: string;
  db: IDBDatabase;
}
let oursChunkDb: OursChunkDb | undefined;
let peerChunkDb: PeerChunkDb | undefined;

async function closeChunkDb(side: Side): Promise<void> {
  if (side === 'ours' && oursChunkDb !== undefined) {
    await oursChunkDb.store.close();
    await deleteDatabase(oursChunkDb.name);
    oursChunkDb = undefined;
  }
  if (side === 'peer' && peerChunkDb !== undefined) {
    peerChunkDb.db.close();
    await deleteDatabase(peerChunkDb.name);
    peerChunkDb = undefined;
  }
}

function batches<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function sample(ms: number, bytes: number): ChunkSample {
  return { ms, bytes, mbPerS: bytes / 1e6 / (ms / 1000) };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  if (a.byteOffset % 4 === 0 && b.byteOffset % 4 === 0 && a.byteLength % 4 === 0) {
    const x = new Int32Array(a.buffer, a.byteOffset, a.byteLength / 4);
    const y = new Int32Array(b.buffer, b.byteOffset, b.byteLength / 4);
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
    return true;
  }
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

async function prepareChunks(count: number, seed: number): Promise<void> {
  const random = new Random(seed);
  const layout = defaultLayout('float32');
  prepared = [];
  for (let i = 0; i < count; i++) {
    const values = new Float32Array(chunkLength);
    fillRandomFloats(values, random);
    const encoded = await encodeChunk(values, layout);
    if (encoded.bytes.byteLength !== chunkLength * 4 || encoded.bytes.buffer !== values.buffer)
      throw new Error('encodeChunk copied a full float32 chunk (expected a view)');
    prepared.push({ sha256: encoded.sha256, bytes: encoded.bytes as Uint8Array<ArrayBuffer> });
  }
  if (new Set(prepared.map((c) => c.sha256)).size !== count)
    throw new Error('two prepared chunks have the same hash');
}

async function chunkWrite(side: Side, round: number, batch: number): Promise<ChunkSample> {
  if (prepared.length === 0) throw new Error('prepareChunks first');
  await closeChunkDb(side);
  const name = `fl-storage-chunks-${side}-${round}`;
  await deleteDatabase(name);
  const bytes = prepared.reduce((sum, c) => sum + c.bytes.byteLength, 0);
  const groups = batches(prepared, batch);
  if (side === 'ours') {
    const store = openIndexedDbChunkStore(name);
    oursChunkDb = { name, store };
    await store.has([prepared[0]?.sha256 ?? '']); // opens the database, untimed
    const start = performance.now();
    for (const group of groups) {
      await store.put(group.map((c) => ({ sha256: c.sha256, bytes: c.bytes, owner })));
    }
    const ms = performance.now() - start;
    const usage = await store.usage();
    if (usage.count !== prepared.length || usage.totalBytes !== bytes)
      throw new Error(`ours stored ${usage.count} chunks / ${usage.totalBytes} B, wrote ${bytes}`);
    return sample(ms, bytes);
  }
  const db = await openRaw(name, rawStore);
  peerChunkDb = { name, db };
  const start = performance.now();
  for (const group of groups) {
    await putAll(
      db,
      rawStore,
      group.map((c) => ({ key: c.sha256, value: c.bytes.buffer })),
    );
  }
  const ms = performance.now() - start;
  const stored = await requestResult(db.transaction(rawStore).objectStore(rawStore).count());
  if (stored !== prepared.length)
    throw new Error(`the peer stored ${stored} chunks, wrote ${prepared.length}`);
  return sample(ms, bytes);
}

async function chunkRead(side: Side, batch: number): Promise<ChunkSample> {
  const groups = batches(
    prepared.map((c) => c.sha256),
    batch,
  );
  const read: (Uint8Array | undefined)[] = [];
  let ms: number;
  if (side === 'ours') {
    const store = oursChunkDb?.store;
    if (store === undefined) throw new Error('ours: no chunk database written');
    const start = performance.now();
    for (const hashes of groups) read.push(...(await store.get(hashes)));
    ms = performance.now() - start;
  } else {
    const db = peerChunkDb?.db;
    if (db === undefined) throw new Error('peer: no chunk database written');
    const start = performance.now();
    for (const keys of groups) {
      const buffers = await getAll<ArrayBuffer | undefined>(db, rawStore, keys);
      for (const buffer of buffers)
        read.push(buffer === undefined ? undefined : new Uint8Array(buffer));
    }
    ms = performance.now() - start;
  }
  let bytes = 0;
  prepared.forEach((chunk, i) => {
    const got = read[i];
    if (got === undefined || !sameBytes(got, chunk.bytes))
      throw new Error(
        `${side}: chunk ${i} came back ${got === undefined ? 'missing' : 'different'}`,
      );
    bytes += got.byteLength;
  });
  return sample(ms, bytes);
}

/**
 * Diagnostic: ChunkStore.put's transaction (meta bulkGet, bytes and meta bulkPut) on the same
 * Dexie schema, without the SHA-256 checks, into a fresh database; tells hashing from the rest.
 */
async function chunkWriteNoHash(batch: number): Promise<ChunkSample> {
  const name = 'fl-storage-chunks-nohash';
  await deleteDatabase(name);
  const db = openFieldlakeDexie(name);
  await db.open();
  const bytes = prepared.reduce((sum, c) => sum + c.bytes.byteLength, 0);
  const start = performance.now();
  for (const group of batches(prepared, batch)) {
    await db.transaction('rw', [db.chunkBytes, db.chunkMeta], async () => {
      await db.chunkMeta.bulkGet(group.map((c) => c.sha256));
      const now = Date.now();
      await db.chunkBytes.bulkPut(
        group.map((c) => c.bytes.buffer),
        group.map((c) => c.sha256),
      );
      await db.chunkMeta.bulkPut(
        group.map((c): ChunkMetaRow => ({
          sha256: c.sha256,
          byteLength: c.bytes.byteLength,
          owners: [owner],
          lastUsed: now,
          unsynced: 0,
          kits: [],
        })),
      );
    });
  }
  const ms = performance.now() - start;
  db.close();
  await deleteDatabase(name);
  return sample(ms, bytes);
}

async function hashOnly(): Promise<ChunkSample> {
  const start = performance.now();
  for (const chunk of prepared) {
    if ((await sha256Hex(chunk.bytes)) !== chunk.sha256) throw new Error('sha256Hex disagrees');
  }
  const ms = performance.now() - start;
  return sample(
    ms,
    prepared.reduce((sum, c) => sum + c.bytes.byteLength, 0),
  );
}

async function dropChunks(): Promise<void> {
  await closeChunkDb('ours');
  await closeChunkDb('peer');
  prepared = [];
}

// ---- signal iteration ---------------------------------------------------------------------

const signalDbName = 'fl-storage-signal';
const signalId = 'bench/signal';

interface SignalState {
  storage: Storage;
  chunks: IndexedDbChunkStore;
  signals: SignalStore;
  raw: IDBDatabase;
  samples: number;
  /** Sum of the samples, chunk by chunk in order (float64), as the generator made them. */
  sum: number;
  hashes: string[];
  counts: number[];
}
let signal: SignalState | undefined;

async function setupSignal(samples: number, piece: number): Promise<SignalSetup> {
  if (piece % chunkLength !== 0) throw new Error('pieces must be whole chunks');
  await dropSignal();
  await deleteDatabase(signalDbName);
  const storage = newRegistry().create({ type: 'indexeddb', database: signalDbName });
  const chunks = openIndexedDbChunkStore(signalDbName);
  const signals = new SignalStore(storage, chunks);
  const start = performance.now();
  await signals.create(signalId, {
    datasetId: 'd-bench',
    name: 'iterate benchmark',
    dtype: 'float32',
    chunkLength,
  });
  const random = new Random(4242);
  let sum = 0;
  for (let done = 0; done < samples; done += piece) {
    const values = new Float32Array(Math.min(piece, samples - done));
    fillRandomFloats(values, random);
    for (let at = 0; at < values.length; at += chunkLength)
      sum += sumFloats(values.subarray(at, at + chunkLength));
    await signals.append(signalId, values);
  }
  const ms = performance.now() - start;
  const header = await signals.header(signalId);
  if (header.length !== samples)
    throw new Error(`the signal holds ${header.length} samples, appended ${samples}`);
  const chunkCount = Math.ceil(samples / chunkLength);
  const hashes: string[] = [];
  const counts: number[] = [];
  for (let i = 0; i < chunkCount; i++) {
    const entry = await signals.entry(signalId, i);
    hashes.push(entry.sha256);
    counts.push(entry.count);
  }
  const raw = await openRaw(signalDbName);
  signal = { storage, chunks, signals, raw, samples, sum, hashes, counts };
  return { ms, samples, chunks: chunkCount, bytes: chunkCount * chunkLength * 4 };
}

function requireSignal(): SignalState {
  if (signal === undefined) throw new Error('setupSignal first');
  return signal;
}

/** One pass over the signal: Fieldlake's iterate, or raw gets of the same chunks in order. */
async function pass(side: Side): Promise<{ samples: number; sum: number }> {
  const s = requireSignal();
  let sum = 0;
  let samples = 0;
  if (side === 'ours') {
    for await (const piece of s.signals.iterate(signalId)) {
      if (!(piece.values instanceof Float32Array)) throw new Error('iterate gave no Float32Array');
      sum += sumFloats(piece.values);
      samples += piece.values.length;
    }
  } else {
    for (const [i, hash] of s.hashes.entries()) {
      const objects = s.raw.transaction('chunkBytes', 'readonly').objectStore('chunkBytes');
      const row = await requestResult(objects.get(hash) as IDBRequest<ArrayBuffer | undefined>);
      if (row === undefined) throw new Error(`peer: chunk ${i} is missing`);
      const values = new Float32Array(row, 0, s.counts[i] ?? 0);
      sum += sumFloats(values);
      samples += values.length;
    }
  }
  if (samples !== s.samples || sum !== s.sum) {
    throw new Error(
      `${side}: iterated ${samples} samples summing to ${sum}; the signal has ${s.samples} summing to ${s.sum}`,
    );
  }
  return { samples, sum };
}

/** Diagnostic: the raw pass with `batch` gets per readonly transaction (read-ahead). */
async function iterateRawBatched(batch: number): Promise<IterateSample> {
  const s = requireSignal();
  let sum = 0;
  let samples = 0;
  const start = performance.now();
  for (let from = 0; from < s.hashes.length; from += batch) {
    const rows = await getAll<ArrayBuffer | undefined>(
      s.raw,
      'chunkBytes',
      s.hashes.slice(from, from + batch),
    );
    for (const [j, row] of rows.entries()) {
      if (row === undefined) throw new Error(`peer: chunk ${from + j} is missing`);
      const values = new Float32Array(row, 0, s.counts[from + j] ?? 0);
      sum += sumFloats(values);
      samples += values.length;
    }
  }
  const ms = performance.now() - start;
  if (samples !== s.samples || sum !== s.sum) throw new Error('batched raw pass: wrong sum');
  return { ms, samples, gbPerS: (samples * 4) / 1e9 / (ms / 1000) };
}

async function iterate(side: Side): Promise<IterateSample> {
  const start = performance.now();
  const { samples } = await pass(side);
  const ms = performance.now() - start;
  return { ms, samples, gbPerS: (samples * 4) / 1e9 / (ms / 1000) };
}

async function iterateMemory(side: Side): Promise<MemorySample> {
  const measure = memoryApi();
  if (measure === undefined) throw new Error('measureUserAgentSpecificMemory is unavailable');
  const baselineBytes = (await measure()).bytes;
  const state = { running: true };
  let peakBytes = 0;
  let measurements = 0;
  const sampler = (async () => {
    while (state.running) {
      const { bytes } = await measure();
      peakBytes = Math.max(peakBytes, bytes);
      measurements++;
    }
  })();
  const start = performance.now();
  try {
    await pass(side);
  } finally {
    state.running = false;
    await sampler;
  }
  return { baselineBytes, peakBytes, measurements, ms: performance.now() - start };
}

async function dropSignal(): Promise<void> {
  if (signal === undefined) return;
  signal.raw.close();
  await signal.chunks.close();
  await signal.storage.close();
  signal = undefined;
  await deleteDatabase(signalDbName);
}

// ---- query --------------------------------------------------------------------------------

const queryDbName = 'fl-storage-query';

interface QueryState {
  storage: Storage;
  dexie: Dexie;
  expected: string[];
}
let queryState: QueryState | undefined;

/**
 * The first `viaBulkWrite` documents go through the storage's bulkWrite (batches of `batch`);
 * the rest are written as the very rows bulkWrite writes (id, type, rev, seq, deleted, content,
 * and the `seq` meta row), with Dexie bulkPut in batches of `batch`: bulkWrite runs at ~770
 * docs/s on the 2-core VM (4 sequential requests per document), 10^5 would take ~130 s.
 */
async function setupQuery(
  docs: number,
  batch: number,
  viaBulkWrite: number,
  seed: number,
): Promise<QuerySetup> {
  await dropQuery();
  await deleteDatabase(queryDbName);
  const storage = newRegistry().create({
    type: 'query',
    sub: { type: 'indexeddb', database: queryDbName },
  });
  const random = new Random(seed);
  const expected: string[] = [];
  const bulkEnd = Math.min(viaBulkWrite, docs);
  let start = performance.now();
  for (let from = 0; from < bulkEnd; from += batch) {
    const items: BulkWriteItem[] = [];
    for (let i = from; i < Math.min(from + batch, bulkEnd); i++) {
      const doc = benchDoc(random);
      if (matchesByHand({ ...doc })) expected.push(docId(i));
      items.push({ id: docId(i), doc: { ...doc }, assumedRev: null });
    }
    const results = await storage.bulkWrite(items);
    const failed = results.find((r) => !r.ok);
    if (failed !== undefined || results.length !== items.length)
      throw new Error(`bulkWrite: ${JSON.stringify(failed ?? results.length)}`);
  }
  const bulkWriteMs = performance.now() - start;

  const direct = openFieldlakeDexie(queryDbName);
  start = performance.now();
  let seq = (await direct.meta.get('seq'))?.value ?? 0;
  if (seq !== bulkEnd) throw new Error(`after ${bulkEnd} bulkWrite documents the seq is ${seq}`);
  for (let from = bulkEnd; from < docs; from += batch) {
    const rows: DocumentRow[] = [];
    for (let i = from; i < Math.min(from + batch, docs); i++) {
      const content: Record<string, unknown> = { ...benchDoc(random) };
      if (matchesByHand(content)) expected.push(docId(i));
      seq++;
      rows.push({
        id: docId(i),
        type: documentType(content),
        rev: nextRevision(undefined),
        seq,
        deleted: 0,
        content,
      });
    }
    await direct.transaction('rw', [direct.documents, direct.meta], async () => {
      await direct.documents.bulkPut(rows);
      await direct.meta.put({ key: 'seq', value: seq });
    });
  }
  const directMs = performance.now() - start;
  // Both kinds of rows read back alike through the storage, and have the same fields.
  const probes = [docId(0), docId(docs - 1)];
  const shapes = (await direct.documents.bulkGet(probes)).map((row) =>
    row === undefined ? 'missing' : Object.keys(row).sort().join(','),
  );
  direct.close();
  if (shapes[0] !== shapes[1]) throw new Error(`row shapes differ: ${shapes.join(' vs ')}`);
  for (const id of probes) {
    const doc = await storage.get(id);
    if (typeof doc._rev !== 'string' || typeof doc.datasetId !== 'string')
      throw new Error(`${id} does not read back through the storage`);
  }
  // The peer opens the same database with Dexie directly, in dynamic mode (no schema declared).
  const dexie = new Dexie(queryDbName);
  await dexie.open();
  queryState = { storage, dexie, expected };
  return {
    docs,
    expectedHits: expected.length,
    bulkWriteDocs: bulkEnd,
    bulkWriteMs,
    directDocs: docs - bulkEnd,
    directMs,
  };
}

/**
 * Diagnostic: where the query's time goes. Dexie reads of the table (primary key order, and
 * through the `deleted` index as the storage does), and the indexeddb storage's own
 * allDocs({include_docs}) without the query layer.
 */
async function queryParts(): Promise<QueryParts> {
  const q = queryState;
  if (q === undefined) throw new Error('setupQuery first');
  const table = q.dexie.table<DocumentRow, string>('documents');
  let start = performance.now();
  const all = await table.toArray();
  const toArrayMs = performance.now() - start;
  start = performance.now();
  const live = await table.where('deleted').equals(0).toArray();
  const byIndexMs = performance.now() - start;
  const sub = newRegistry().create({ type: 'indexeddb', database: queryDbName });
  start = performance.now();
  const { data } = await sub.allDocs({ include_docs: true });
  const subAllDocsMs = performance.now() - start;
  await sub.close();
  if (all.length !== live.length || data.rows.length !== all.length)
    throw new Error('queryParts: the reads disagree on the document count');
  return { toArrayMs, byIndexMs, subAllDocsMs };
}

function sameIds(side: Side, got: readonly string[], expected: readonly string[]): void {
  const sorted = [...got].sort();
  if (sorted.length !== expected.length || sorted.some((id, i) => id !== expected[i])) {
    throw new Error(
      `${side}: the query returned ${got.length} ids, expected ${expected.length} (first ${sorted[0] ?? '-'} vs ${expected[0] ?? '-'})`,
    );
  }
}

async function query(side: Side): Promise<QuerySample> {
  const q = queryState;
  if (q === undefined) throw new Error('setupQuery first');
  let ids: string[];
  const start = performance.now();
  if (side === 'ours') {
    const { data } = await q.storage.allDocs({ query: queryText, include_docs: true });
    ids = data.rows.map((row) => row.id);
    const ms = performance.now() - start;
    if (data.rows.some((row) => row.doc === undefined))
      throw new Error('ours: a row came without its document');
    sameIds(side, ids, q.expected);
    return { ms, hits: ids.length };
  }
  const rows = await q.dexie.table<DocumentRow, string>('documents').toArray();
  ids = rows.filter((row) => row.deleted === 0 && matchesByHand(row.content)).map((row) => row.id);
  const ms = performance.now() - start;
  sameIds(side, ids, q.expected);
  return { ms, hits: ids.length };
}

async function dropQuery(): Promise<void> {
  if (queryState === undefined) return;
  queryState.dexie.close();
  await queryState.storage.close();
  queryState = undefined;
  await deleteDatabase(queryDbName);
}

// ---- API ----------------------------------------------------------------------------------

const api: PageApi = {
  async info(): Promise<PageInfo> {
    return { crossOriginIsolated, memoryApi: memoryApi() !== undefined };
  },
  prepareChunks,
  chunkWrite,
  chunkRead,
  chunkWriteNoHash,
  hashOnly,
  dropChunks,
  setupSignal,
  iterate,
  iterateMemory,
  iterateRawBatched,
  dropSignal,
  setupQuery,
  queryParts,
  query,
  dropQuery,
};
(window as unknown as Record<string, PageApi>)[pageApiKey] = api;
