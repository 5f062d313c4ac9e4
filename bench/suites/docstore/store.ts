// What the scenario asks of a document store: the operations Fieldlake's storage layer performs,
// each implemented by the Dexie engine (ours) and by RxDB (the peer).
import type { ChunkEntry, ChunkPageDoc, SignalDoc, SmallDoc } from './data.ts';

/** One conditional update: applies only if the stored revision is the assumed one. */
export interface ConditionalItem {
  id: string;
  /** The assumed revision is deliberately wrong: the store must report a conflict. */
  stale: boolean;
  /** The new label (the update leaves the indexed and queried fields alone). */
  label: string;
}

export interface StoreUnderTest {
  /** One bulk insert (a pull page / an import batch) in one transaction. */
  insertBatch(docs: readonly SmallDoc[]): Promise<void>;
  /** Reads the whole change feed from the start, `pageSize` at a time; resolves to docs read. */
  readFeed(pageSize: number): Promise<number>;
  /**
   * Builds the batch outside the timing (the caller's assumed revisions); the returned function
   * runs it and resolves to the ids reported as conflicts.
   */
  prepareConditional(items: readonly ConditionalItem[]): Promise<() => Promise<string[]>>;
  /** How many of `ids` carry `label` (verification, not timed). */
  countLabel(ids: readonly string[], label: string): Promise<number>;
  /** Stores the header and page (not timed); the returned function performs one append. */
  prepareAppends(
    header: SignalDoc,
    page: ChunkPageDoc,
  ): Promise<(index: number, entry: ChunkEntry) => Promise<void>>;
  /** `type = 'annotation' AND datasetId = X AND severity >= minSeverity`; resolves to hits. */
  query(datasetId: string, minSeverity: number): Promise<number>;
  /** One read by id (the first read after opening). */
  has(id: string): Promise<boolean>;
  close(): Promise<void>;
}

export interface EngineModule {
  /**
   * Opens (creating when missing) the database `name` with `stores` stores: the first five are
   * the generic layout (docs, outbox, checkpoints, conflicts, kitmeta), more are per-type stores.
   */
  open(name: string, stores: number): Promise<StoreUnderTest>;
  /** Deletes the database `name` and everything in it (closed first). */
  remove(name: string, stores: number): Promise<void>;
}

/**
 * Store names: the generic layout first, then the per-type stores a one-store-per-type layout
 * would add. Fieldlake's per-type layout needs all 15 (11 document types + outbox, checkpoints,
 * conflicts/history, kit metadata).
 */
export const storeNames = [
  'docs',
  'outbox',
  'checkpoints',
  'conflicts',
  'kitmeta',
  'sites',
  'assets',
  'datasets',
  'signals',
  'chunkpages',
  'annotations',
  'dashboards',
  'models',
  'kits',
  'ingestionpolicies',
  'devices',
] as const;
