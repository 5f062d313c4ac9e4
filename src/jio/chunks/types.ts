// The chunk store: chunk bytes by SHA-256, with the accounting that the storage budget and
// eviction need (bytes per signal, level and kit; last use; pinned; unsynced). IndexedDB is
// the default implementation; another (OPFS sync access handles in a worker) can join behind
// this interface without touching its users.
import type { CallOptions } from '../types.ts';

/** Who a chunk belongs to: a signal and its level (0 = raw samples, k ≥ 1 = pyramid level k). */
export interface ChunkOwner {
  signalId: string;
  level: number;
}

export interface ChunkPutItem {
  sha256: string;
  bytes: Uint8Array;
  owner: ChunkOwner;
}

export interface ChunkPutOptions extends CallOptions {
  /** Made on this device and not yet acknowledged by the lake: never evicted. */
  unsynced?: boolean;
  /**
   * Every hash was computed by this process from these very bytes (encodeChunk) an instant
   * ago: no trust boundary was crossed, so the store does not hash them again. Never set it
   * for bytes that came from the network, a file or another process — unless this process has
   * just hashed them itself (the sync engine's downloads are verified before they are stored).
   */
  verified?: boolean;
}

export interface ChunkInfo {
  sha256: string;
  byteLength: number;
  owners: ChunkOwner[];
  /** Milliseconds since the epoch of the last read or write (device clock: only for LRU). */
  lastUsed: number;
  unsynced: boolean;
  /** Kits that pin this chunk: never evicted while any does. */
  kits: string[];
}

export interface ChunkUsage {
  count: number;
  totalBytes: number;
  unsyncedBytes: number;
  pinnedBytes: number;
  /** Bytes per signal and level. A chunk shared by several owners counts for each of them. */
  bySignal: Record<string, { bytes: number; byLevel: Record<number, number> }>;
  byKit: Record<string, number>;
}

export interface EvictionResult {
  freedBytes: number;
  evicted: string[];
}

export interface ChunkStore {
  /** Stores chunks after checking each one's SHA-256 (400 hash_mismatch: nothing stored). Idempotent. */
  put(items: readonly ChunkPutItem[], options?: ChunkPutOptions): Promise<void>;
  /** The bytes of each hash, undefined where missing; `verify` re-hashes them (trust boundary). */
  get(
    hashes: readonly string[],
    options?: CallOptions & { verify?: boolean },
  ): Promise<(Uint8Array | undefined)[]>;
  has(hashes: readonly string[], options?: CallOptions): Promise<boolean[]>;
  info(hashes: readonly string[], options?: CallOptions): Promise<(ChunkInfo | undefined)[]>;
  /** Removes chunks whatever their state (the garbage collector's and tests' tool). */
  delete(hashes: readonly string[], options?: CallOptions): Promise<void>;
  /** The lake acknowledged these chunks: they become evictable. */
  markSynced(hashes: readonly string[], options?: CallOptions): Promise<void>;
  /** Every chunk held (the purge of another user's data needs them all). */
  list(options?: CallOptions): Promise<ChunkInfo[]>;
  /** Unsynced chunks, oldest use first. */
  listUnsynced(limit?: number, options?: CallOptions): Promise<ChunkInfo[]>;
  /** Pins chunks to a kit (adds to what the kit pins). */
  pin(kitId: string, hashes: readonly string[], options?: CallOptions): Promise<void>;
  /** Releases everything a kit pins. */
  unpin(kitId: string, options?: CallOptions): Promise<void>;
  usage(options?: CallOptions): Promise<ChunkUsage>;
  /**
   * Frees at least `bytes` if it can: least recently used first, raw levels before coarse
   * ones; never unsynced or pinned chunks.
   */
  evict(bytes: number, options?: CallOptions): Promise<EvictionResult>;
  close(): Promise<void>;
}
