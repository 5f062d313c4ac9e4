// The page of the docstore benchmark: runs the workloads on databases of each engine and times
// them here with performance.now (Playwright's round trips are not counted). Data come from a
// seeded generator (generated before the timers), so both engines' databases of a slot hold the
// same documents; every workload checks its result against what the data imply.
import {
  Random,
  chunkEntry,
  chunkPage,
  datasetId,
  datasets,
  signalHeader,
  smallDocs,
} from './data.ts';
import type { ChunkEntry } from './data.ts';
import { dexieEngine } from './dexie-engine.ts';
import { pageApiKey } from './protocol.ts';
import type {
  Engine,
  LimitProbe,
  OpsMetrics,
  PageApi,
  PopulateMetrics,
  Sizes,
} from './protocol.ts';
import { rxdbEngine } from './rxdb-engine.ts';
import type { ConditionalItem, EngineModule, StoreUnderTest } from './store.ts';

const engines: Record<Engine, EngineModule> = { dexie: dexieEngine, rxdb: rxdbEngine };

let databases = 0;
function freshName(engine: Engine): string {
  databases++;
  return `fl-bench-${engine}-${Date.now().toString(36)}-${databases}`;
}

function medianOf(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) throw new Error('median of nothing');
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** The generic layout: docs, outbox, checkpoints, conflicts, kitmeta. */
const genericStores = 5;

/** A populated database and what its documents imply (the documents themselves are dropped). */
interface Populated {
  engine: Engine;
  name: string;
  store: StoreUnderTest;
  seed: number;
  sizes: Sizes;
  ids: string[];
  /** Annotations with severity >= 2, by dataset id. */
  expectedHits: Map<string, number>;
}

const populated = new Map<string, Populated>();

function slotOf(engine: Engine, slot: number): Populated {
  const p = populated.get(`${engine}/${slot}`);
  if (p === undefined) throw new Error(`${engine}: slot ${slot} was not populated`);
  return p;
}

async function populate(
  engineName: Engine,
  slot: number,
  seed: number,
  sizes: Sizes,
): Promise<PopulateMetrics> {
  const key = `${engineName}/${slot}`;
  if (populated.has(key)) throw new Error(`${key} is populated already`);
  const engine = engines[engineName];
  const name = freshName(engineName);
  const docs = smallDocs(new Random(seed), sizes.docs);
  const expectedHits = new Map<string, number>();
  for (const d of docs) {
    if (d.type === 'annotation' && d.severity >= 2)
      expectedHits.set(d.datasetId, (expectedHits.get(d.datasetId) ?? 0) + 1);
  }
  const store = await engine.open(name, genericStores);
  populated.set(key, {
    engine: engineName,
    name,
    store,
    seed,
    sizes,
    ids: docs.map((d) => d.id),
    expectedHits,
  });

  // 1. Bulk insert, one transaction per batch (a pull page or an import batch).
  let start = performance.now();
  for (let i = 0; i < docs.length; i += sizes.batch)
    await store.insertBatch(docs.slice(i, i + sizes.batch));
  const insertMs = performance.now() - start;

  // 2. Change feed from the start, pages of `batch`.
  start = performance.now();
  const feedCount = await store.readFeed(sizes.batch);
  const feedMs = performance.now() - start;
  if (feedCount !== docs.length)
    throw new Error(`${engineName}: change feed gave ${feedCount} of ${docs.length} documents`);

  return {
    insertDocsPerS: (docs.length / insertMs) * 1000,
    feedDocsPerS: (feedCount / feedMs) * 1000,
  };
}

async function ops(engineName: Engine, slot: number, iteration: number): Promise<OpsMetrics> {
  const p = slotOf(engineName, slot);
  const { sizes, ids } = p;

  // 5. Queries on distinct datasets (two indexed fields + one filtered).
  const queryTimes: number[] = [];
  let queryHits = 0;
  for (let q = 0; q < sizes.queries; q++) {
    const ds = datasetId((p.seed + iteration * sizes.queries + q * 7) % datasets);
    const expected = p.expectedHits.get(ds) ?? 0;
    const start = performance.now();
    const hits = await p.store.query(ds, 2);
    queryTimes.push(performance.now() - start);
    if (hits !== expected)
      throw new Error(`${engineName}: query on ${ds} found ${hits}, expected ${expected}`);
    queryHits += hits;
  }

  // 3. One batch of conditional updates, every 10th (staleFraction) with a stale revision;
  // each iteration updates other documents.
  const step = Math.floor(ids.length / sizes.updates);
  const staleEvery = Math.round(1 / sizes.staleFraction);
  const label = `patched-${p.seed}-${iteration}`;
  const items: ConditionalItem[] = [];
  for (let i = 0; i < sizes.updates; i++) {
    const id = ids[i * step + ((p.seed + iteration * 13) % step)];
    if (id === undefined) throw new Error('conditional write: sample out of range');
    items.push({ id, stale: i % staleEvery === 0, label });
  }
  const conditional = await p.store.prepareConditional(items);
  let start = performance.now();
  const conflicts = await conditional();
  const conditionalBatchMs = performance.now() - start;
  const staleIds = items.filter((item) => item.stale).map((item) => item.id);
  if (conflicts.length !== staleIds.length || !staleIds.every((id) => conflicts.includes(id))) {
    throw new Error(
      `${engineName}: ${conflicts.length} conflicts reported, expected the ${staleIds.length} stale items`,
    );
  }
  const applied = await p.store.countLabel(
    items.map((item) => item.id),
    label,
  );
  if (applied !== items.length - staleIds.length)
    throw new Error(
      `${engineName}: ${applied} updates applied, expected ${items.length - staleIds.length}`,
    );

  // 6. Open cost: reopen the database (10^5 documents inside) up to its first read.
  await p.store.close();
  start = performance.now();
  p.store = await engines[engineName].open(p.name, genericStores);
  const found = await p.store.has(ids[iteration % ids.length] as string);
  const openMs = performance.now() - start;
  if (!found) throw new Error(`${engineName}: document missing after reopening`);

  return {
    conditionalBatchMs,
    queryMs: medianOf(queryTimes),
    openMs,
    conflicts: conflicts.length,
    queryHits,
  };
}

async function appends(engineName: Engine, slot: number, iteration: number): Promise<number> {
  const p = slotOf(engineName, slot);
  // Same signal and entries for both engines in an iteration.
  const random = new Random(p.seed * 31 + iteration);
  const header = signalHeader(random, `sig-${p.seed}-${iteration}-${random.hex(8)}`);
  const page = chunkPage(random, header.id, 0);
  const entries: ChunkEntry[] = [];
  for (let i = 0; i < p.sizes.appends; i++) entries.push(chunkEntry(random));

  // 4. Appends: rewrite the last chunk-page document (~157 KB) and the signal header.
  const append = await p.store.prepareAppends(header, page);
  const start = performance.now();
  for (let a = 0; a < entries.length; a++) await append(a % 1024, entries[a] as ChunkEntry);
  return (performance.now() - start) / entries.length;
}

async function dropAll(): Promise<void> {
  for (const p of populated.values()) {
    await p.store.close();
    await engines[p.engine].remove(p.name, genericStores);
  }
  populated.clear();
}

async function openEmpty(engineName: Engine, stores: number): Promise<number> {
  const engine = engines[engineName];
  const name = freshName(engineName);
  let store = await engine.open(name, stores);
  try {
    await store.close();
    const start = performance.now();
    store = await engine.open(name, stores);
    await store.has('missing');
    return performance.now() - start;
  } finally {
    await store.close();
    await engine.remove(name, stores);
  }
}

async function probeCollectionLimit(): Promise<LimitProbe> {
  const attempts: LimitProbe['attempts'] = [];
  for (const collections of [13, 14, 15]) {
    const name = freshName('rxdb');
    const start = performance.now();
    try {
      const store = await rxdbEngine.open(name, collections);
      const ms = performance.now() - start;
      await store.close();
      attempts.push({ collections, ok: true, error: null, ms });
    } catch (error) {
      const ms = performance.now() - start;
      const code = (error as { code?: unknown }).code;
      const message = (error instanceof Error ? error.message : String(error))
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line !== '')
        .slice(0, 2)
        .join(' ');
      attempts.push({
        collections,
        ok: false,
        error: typeof code === 'string' ? `${code}: ${message}` : message,
        ms,
      });
    }
    await rxdbEngine.remove(name, collections);
  }
  return { attempts };
}

const api: PageApi = { populate, ops, appends, dropAll, openEmpty, probeCollectionLimit };
(window as unknown as Record<string, PageApi>)[pageApiKey] = api;
