// Rules every chunk store applies the same way: hash checks, owner bookkeeping, the eviction
// order, and the usage totals.
import { sha256Hex } from '../../shared/chunk/index.ts';
import { JioError } from '../errors.ts';
import { isList } from '../validate.ts';
import type { ChunkInfo, ChunkOwner, ChunkPutItem, ChunkUsage } from './types.ts';

const sha256Pattern = /^[0-9a-f]{64}$/;

export function checkHash(hash: unknown): string {
  if (typeof hash !== 'string' || !sha256Pattern.test(hash)) {
    throw new JioError(
      'bad_request',
      `A chunk hash is 64 lowercase hex digits, not ${JSON.stringify(hash)}`,
      {
        reason: 'invalid_hash',
      },
    );
  }
  return hash;
}

export function checkOwner(owner: unknown): ChunkOwner {
  const { signalId, level } = (owner ?? {}) as Partial<ChunkOwner>;
  if (
    typeof signalId !== 'string' ||
    signalId.length === 0 ||
    !Number.isInteger(level) ||
    (level ?? -1) < 0
  ) {
    throw new JioError(
      'bad_request',
      'A chunk owner is {signalId: non-empty string, level: integer ≥ 0}',
      {
        reason: 'invalid_owner',
      },
    );
  }
  return { signalId, level: level as number };
}

/**
 * Checks every item, hashes included (unless the caller made them just now), before anything
 * is written. Hashes are computed concurrently: WebCrypto digests run off the main thread.
 */
export async function checkPutItems(
  items: readonly ChunkPutItem[],
  verified = false,
): Promise<void> {
  if (!isList(items)) {
    throw new JioError('bad_request', 'put takes an array of {sha256, bytes, owner}', {
      reason: 'invalid_item',
    });
  }
  for (const item of items) {
    checkHash(item.sha256);
    checkOwner(item.owner);
    if (!(item.bytes instanceof Uint8Array)) {
      throw new JioError('bad_request', `Chunk ${item.sha256}: bytes must be a Uint8Array`, {
        reason: 'invalid_item',
      });
    }
  }
  if (verified) return;
  const actual = await Promise.all(items.map((item) => sha256Hex(item.bytes)));
  const wrong = items.findIndex((item, index) => actual[index] !== item.sha256);
  if (wrong >= 0) {
    throw new JioError(
      'bad_request',
      `Chunk bytes hash to ${actual[wrong] ?? ''}, not ${items[wrong]?.sha256 ?? ''}: nothing stored`,
      { reason: 'hash_mismatch' },
    );
  }
}

export function withOwner(owners: readonly ChunkOwner[], owner: ChunkOwner): ChunkOwner[] {
  return owners.some((o) => o.signalId === owner.signalId && o.level === owner.level)
    ? [...owners]
    : [...owners, owner];
}

/** A chunk that is coarse for any owner is kept as long as a coarse chunk. */
export function evictionLevel(info: ChunkInfo): number {
  return Math.max(...info.owners.map((o) => o.level));
}

export function isEvictable(info: ChunkInfo): boolean {
  return !info.unsynced && info.kits.length === 0;
}

/** Raw levels before coarse ones, least recently used first within a level. */
export function evictionOrder(a: ChunkInfo, b: ChunkInfo): number {
  return (
    evictionLevel(a) - evictionLevel(b) || a.lastUsed - b.lastUsed || (a.sha256 < b.sha256 ? -1 : 1)
  );
}

export function pickEvictions(candidates: readonly ChunkInfo[], bytes: number): ChunkInfo[] {
  const chosen: ChunkInfo[] = [];
  let freed = 0;
  for (const info of [...candidates].filter(isEvictable).sort(evictionOrder)) {
    if (freed >= bytes) break;
    chosen.push(info);
    freed += info.byteLength;
  }
  return chosen;
}

export function summarizeUsage(infos: Iterable<ChunkInfo>): ChunkUsage {
  const usage: ChunkUsage = {
    count: 0,
    totalBytes: 0,
    unsyncedBytes: 0,
    pinnedBytes: 0,
    bySignal: {},
    byKit: {},
  };
  for (const info of infos) {
    usage.count++;
    usage.totalBytes += info.byteLength;
    if (info.unsynced) usage.unsyncedBytes += info.byteLength;
    if (info.kits.length > 0) usage.pinnedBytes += info.byteLength;
    for (const { signalId, level } of info.owners) {
      const signal = (usage.bySignal[signalId] ??= { bytes: 0, byLevel: {} });
      signal.bytes += info.byteLength;
      signal.byLevel[level] = (signal.byLevel[level] ?? 0) + info.byteLength;
    }
    for (const kit of info.kits) usage.byKit[kit] = (usage.byKit[kit] ?? 0) + info.byteLength;
  }
  return usage;
}

export function checkKitId(kitId: unknown): string {
  if (typeof kitId !== 'string' || kitId.length === 0) {
    throw new JioError('bad_request', 'A kit id must be a non-empty string', {
      reason: 'invalid_kit',
    });
  }
  return kitId;
}
