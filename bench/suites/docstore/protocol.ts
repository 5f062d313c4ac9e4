// What the docstore page exposes to the benchmark that drives it through Playwright (types only,
// shared by the page and by docstore.bench.ts).

/** `dexie`: Dexie + our engine (ours). `rxdb`: RxDB 17 on its Dexie storage (the peer). */
export type Engine = 'dexie' | 'rxdb';

/** The sizes of the workloads; both engines get the same figures and the same seeds. */
export interface Sizes {
  /** Small documents inserted (workload 1), 10^5 in a full run. */
  docs: number;
  /** Documents per bulk insert call (a pull page), also the change-feed page size. */
  batch: number;
  /** Conditional updates in one batch of workload 3. */
  updates: number;
  /** Share of `updates` whose assumed revision is stale (must come back as conflicts). */
  staleFraction: number;
  /** Appends to a signal (chunk-page rewrite + header) per sample, workload 4. */
  appends: number;
  /** Queries per sample of workload 5 (distinct datasets: no query cache answers them). */
  queries: number;
}

/** Workloads 1 and 2 on a fresh database, which stays open for the other workloads. */
export interface PopulateMetrics {
  insertDocsPerS: number;
  feedDocsPerS: number;
}

/** Workloads 3, 5 and 6 on a populated database (one sample each). */
export interface OpsMetrics {
  conditionalBatchMs: number;
  /** Median over `queries` queries. */
  queryMs: number;
  openMs: number;
  conflicts: number;
  queryHits: number;
}

/** The RxDB collection limit, as probed on the page. */
export interface LimitProbe {
  /** Collections asked for → what happened. */
  attempts: {
    collections: number;
    ok: boolean;
    error: string | null;
    ms: number;
  }[];
}

/** Installed on `window` under `pageApiKey` once the page is up. */
export interface PageApi {
  /**
   * Creates database `slot` of `engine` with the generic 5-store layout, inserts `sizes.docs`
   * documents seeded by `seed` (timed) and reads the whole change feed (timed). It stays open.
   */
  populate(engine: Engine, slot: number, seed: number, sizes: Sizes): Promise<PopulateMetrics>;
  /** One conditional batch, one set of queries and one reopen on database `slot`. */
  ops(engine: Engine, slot: number, iteration: number): Promise<OpsMetrics>;
  /** `sizes.appends` appends to a new signal in database `slot`; mean ms per append. */
  appends(engine: Engine, slot: number, iteration: number): Promise<number>;
  /** Closes and deletes every database `populate` created. */
  dropAll(): Promise<void>;
  /** Opens `stores` empty stores (collections / tables), reopens them timed up to a first read. */
  openEmpty(engine: Engine, stores: number): Promise<number>;
  /** Tries RxDB with 13, 14 and 15 collections (one database each, closed afterwards). */
  probeCollectionLimit(): Promise<LimitProbe>;
}

export const pageApiKey = 'fieldlakeDocstoreBench';
