// What every route module of the lake gets: the stores, the change notifier, the clock and
// the settings. Built once by lake-context.ts (embedded stores under the data directory) and
// closed once on shutdown, after in-flight requests have finished.
import type { BlobStore } from './blobs/types.ts';
import type { MetaStore } from './meta/types.ts';

/** Wakes live change listeners (SSE) when the global sequence advances. */
export interface ChangeNotifier {
  /** Called after a committed write: `sites` are the sites it touched (null = site-less). */
  notify(seq: number, sites: readonly (string | null)[]): void;
  /** Subscribes; returns the unsubscribe function. */
  subscribe(listener: (seq: number, sites: readonly (string | null)[]) => void): () => void;
}

export interface LakeSettings {
  /** Base URL the lake is reached at (for sign-in links). */
  publicUrl: string;
  /** Whether the lake is served over TLS (Secure cookies). */
  secure: boolean;
  /** Grace period before an unreferenced chunk may be collected, in milliseconds. */
  chunkGraceMs: number;
  /** Largest chunk or attachment accepted, in bytes. */
  maxChunkBytes: number;
  /** Lifetime of a browser session, in milliseconds. */
  sessionTtlMs: number;
}

export interface Lake {
  meta: MetaStore;
  blobs: BlobStore;
  changes: ChangeNotifier;
  /** Milliseconds since the epoch (injectable for expiry and grace-period tests). */
  now: () => number;
  settings: LakeSettings;
}
