// A chunk store in memory: for Node, tests, and storages that keep nothing across reloads.
import { sha256Hex } from '../../shared/chunk/index.ts';
import { JioError } from '../errors.ts';
import type { CallOptions } from '../types.ts';
import {
  checkHash,
  checkKitId,
  checkPutItems,
  pickEvictions,
  summarizeUsage,
  withOwner,
} from './chunk-rules.ts';
import type {
  ChunkInfo,
  ChunkPutItem,
  ChunkPutOptions,
  ChunkStore,
  ChunkUsage,
  EvictionResult,
} from './types.ts';

export interface ChunkStoreClock {
  /** Milliseconds; injectable so LRU order can be tested without sleeping. */
  now(): number;
}

export class MemoryChunkStore implements ChunkStore {
  readonly #chunks = new Map<string, { bytes: Uint8Array; info: ChunkInfo }>();
  #closed = false;

  constructor(private readonly clock: ChunkStoreClock = { now: () => Date.now() }) {}

  async put(items: readonly ChunkPutItem[], options: ChunkPutOptions = {}): Promise<void> {
    this.#check(options);
    await checkPutItems(items, options.verified === true);
    this.#check(options);
    const now = this.clock.now();
    for (const item of items) {
      const existing = this.#chunks.get(item.sha256);
      const info: ChunkInfo = existing
        ? { ...existing.info, owners: withOwner(existing.info.owners, item.owner), lastUsed: now }
        : {
            sha256: item.sha256,
            byteLength: item.bytes.byteLength,
            owners: [item.owner],
            lastUsed: now,
            unsynced: false,
            kits: [],
          };
      if (options.unsynced === true) info.unsynced = true;
      this.#chunks.set(item.sha256, { bytes: existing?.bytes ?? item.bytes.slice(), info });
    }
  }

  async get(
    hashes: readonly string[],
    options: CallOptions & { verify?: boolean } = {},
  ): Promise<(Uint8Array | undefined)[]> {
    this.#check(options);
    const now = this.clock.now();
    const found = hashes.map((hash) => {
      const chunk = this.#chunks.get(checkHash(hash));
      if (chunk === undefined) return undefined;
      chunk.info.lastUsed = now;
      return chunk.bytes.slice();
    });
    if (options.verify === true) {
      for (const [index, bytes] of found.entries()) {
        if (bytes !== undefined && (await sha256Hex(bytes)) !== hashes[index]) {
          throw new JioError('internal', `Stored chunk ${hashes[index] ?? ''} is corrupt`, {
            reason: 'hash_mismatch',
          });
        }
      }
    }
    return found;
  }

  async has(hashes: readonly string[], options?: CallOptions): Promise<boolean[]> {
    this.#check(options);
    return hashes.map((hash) => this.#chunks.has(checkHash(hash)));
  }

  async info(hashes: readonly string[], options?: CallOptions): Promise<(ChunkInfo | undefined)[]> {
    this.#check(options);
    return hashes.map((hash) => {
      const info = this.#chunks.get(checkHash(hash))?.info;
      return info === undefined ? undefined : structuredClone(info);
    });
  }

  async delete(hashes: readonly string[], options?: CallOptions): Promise<void> {
    this.#check(options);
    for (const hash of hashes) this.#chunks.delete(checkHash(hash));
  }

  async markSynced(hashes: readonly string[], options?: CallOptions): Promise<void> {
    this.#check(options);
    for (const hash of hashes) {
      const chunk = this.#chunks.get(checkHash(hash));
      if (chunk !== undefined) chunk.info.unsynced = false;
    }
  }

  async list(options?: CallOptions): Promise<ChunkInfo[]> {
    this.#check(options);
    return [...this.#chunks.values()].map((chunk) => structuredClone(chunk.info));
  }

  async listUnsynced(limit = 1000, options?: CallOptions): Promise<ChunkInfo[]> {
    this.#check(options);
    return [...this.#chunks.values()]
      .map((chunk) => chunk.info)
      .filter((info) => info.unsynced)
      .sort((a, b) => a.lastUsed - b.lastUsed)
      .slice(0, limit)
      .map((info) => structuredClone(info));
  }

  async pin(kitId: string, hashes: readonly string[], options?: CallOptions): Promise<void> {
    this.#check(options);
    checkKitId(kitId);
    const chunks = hashes.map((hash) => this.#chunks.get(checkHash(hash)));
    const missing = hashes.filter((_, index) => chunks[index] === undefined);
    if (missing.length > 0) {
      throw new JioError(
        'not_found',
        `Cannot pin ${missing.length} chunk(s) that are not stored, e.g. ${missing[0] ?? ''}`,
      );
    }
    for (const chunk of chunks) {
      if (chunk !== undefined && !chunk.info.kits.includes(kitId)) chunk.info.kits.push(kitId);
    }
  }

  async unpin(kitId: string, options?: CallOptions): Promise<void> {
    this.#check(options);
    checkKitId(kitId);
    for (const chunk of this.#chunks.values())
      chunk.info.kits = chunk.info.kits.filter((kit) => kit !== kitId);
  }

  async usage(options?: CallOptions): Promise<ChunkUsage> {
    this.#check(options);
    return summarizeUsage([...this.#chunks.values()].map((chunk) => chunk.info));
  }

  async evict(bytes: number, options?: CallOptions): Promise<EvictionResult> {
    this.#check(options);
    const chosen = pickEvictions(
      [...this.#chunks.values()].map((chunk) => chunk.info),
      bytes,
    );
    for (const info of chosen) this.#chunks.delete(info.sha256);
    return {
      freedBytes: chosen.reduce((sum, info) => sum + info.byteLength, 0),
      evicted: chosen.map((info) => info.sha256),
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  #check(options: CallOptions | undefined): void {
    options?.signal?.throwIfAborted();
    if (this.#closed)
      throw new JioError('unavailable', 'This chunk store is closed', { reason: 'closed' });
  }
}
