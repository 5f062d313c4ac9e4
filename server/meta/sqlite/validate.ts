// Argument checks shared by the statement modules. The routes validate requests first; these
// guard the store's own invariants (a negative LIMIT means "no limit" to SQLite, a malformed
// hash would make a chunk unreachable), so a caller's mistake is a MetaStoreError('invalid').
import { createHash } from 'node:crypto';
import {
  MetaStoreError,
  type ChunkRecord,
  type ChunkRefsWrite,
  type IngestFinish,
  type IngestRequest,
  type SiteFilter,
} from '../types.ts';

export function invalid(message: string, cause?: unknown): MetaStoreError {
  return new MetaStoreError('invalid', message, cause === undefined ? undefined : { cause });
}

/** A page size: an integer ≥ 0 (0 answers nothing). */
export function checkLimit(limit: number): number {
  if (!Number.isSafeInteger(limit) || limit < 0)
    throw invalid(`limit must be an integer ≥ 0, got ${limit}`);
  return limit;
}

/** A sequence number or time bound: any finite number. */
export function checkNumber(name: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw invalid(`${name} must be a finite number, got ${String(value)}`);
  return value;
}

export function checkIndex(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0)
    throw invalid(`${name} must be an integer ≥ 0, got ${value}`);
  return value;
}

const SHA256 = /^[0-9a-f]{64}$/;

export function checkSha256(sha256: string): string {
  if (typeof sha256 !== 'string' || !SHA256.test(sha256)) {
    throw invalid(`not a SHA-256 (64 lowercase hex): ${JSON.stringify(sha256)}`);
  }
  return sha256;
}

export function checkText(name: string, value: string): string {
  if (typeof value !== 'string' || value === '')
    throw invalid(`${name} must be a non-empty string`);
  return value;
}

/** Array.isArray without narrowing a typed list to any[]. */
export function isList(value: unknown): boolean {
  return Array.isArray(value);
}

/** A non-null object, for arguments typed as objects that a caller may still get wrong. */
function isObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null;
}

/**
 * A site list as one JSON parameter, read back in SQL with json_each: one prepared statement
 * serves any number of sites.
 */
export function sitesParam(sites: readonly string[]): string {
  return JSON.stringify(checkSites(sites));
}

export function checkSites(sites: readonly string[]): readonly string[] {
  if (!isList(sites) || sites.some((site) => typeof site !== 'string')) {
    throw invalid('sites must be a list of strings');
  }
  return sites;
}

export function isAll(filter: SiteFilter): filter is { all: true } {
  return filter.all;
}

/**
 * Checks every item of a batch before anything of it is written, so that an invalid item
 * rejects the whole batch (the batch methods are all-or-nothing on bad input).
 */
export function checkEach<T>(name: string, items: readonly T[], check: (item: T) => unknown): void {
  if (!isList(items)) throw invalid(`${name} must be a list`);
  for (const item of items) {
    if (!isObject(item)) throw invalid(`${name} must hold objects`);
    check(item);
  }
}

/** A record of recordChunk. */
export function checkChunkRecord({ sha256, length, storedAt, uploader }: ChunkRecord): void {
  checkSha256(sha256);
  checkIndex('length', length);
  checkNumber('storedAt', storedAt);
  if (uploader !== null && typeof uploader !== 'string')
    throw invalid('uploader must be a string or null');
}

/** The arguments of setChunkRefs. */
export function checkChunkRefs({ arrayId, site, first, hashes }: ChunkRefsWrite): void {
  checkText('arrayId', arrayId);
  checkIndex('first', first);
  if (!isList(hashes)) throw invalid('hashes must be a list');
  hashes.forEach(checkSha256);
  if (site !== null && typeof site !== 'string') throw invalid('site must be a string or null');
}

/** logIngest's chunk: the body's own blob, and where it is referenced from. */
export function checkIngestChunk(sha256: string, chunk: ChunkRecord & { refId: string }): void {
  if (!isObject(chunk)) throw invalid('the chunk must be an object');
  checkChunkRecord(chunk);
  checkText('refId', chunk.refId);
  if (chunk.sha256 !== sha256) {
    throw invalid(`the chunk ${chunk.sha256} is not the logged body ${sha256}`);
  }
}

/**
 * logIngest's arguments: the chunk, when given, as checkIngestChunk; a body must be exactly the
 * bytes the entry names (length and SHA-256) and comes without a chunk (a body lives in the
 * row or in the blob store, never both). Hashing here, not only in the route, because the
 * store's commit is what makes the request durable: a body that is not the entry's would be
 * acknowledged and then transformed as the wrong data.
 */
export function checkIngestRequest(
  entry: IngestRequest,
  chunk: (ChunkRecord & { refId: string }) | undefined,
): void {
  const { body } = entry;
  if (body !== undefined && chunk !== undefined) {
    throw invalid('a logged request has its body inline or in a chunk, not both');
  }
  if (chunk !== undefined) checkIngestChunk(entry.sha256, chunk);
  if (body === undefined) return;
  if (!(body instanceof Uint8Array)) throw invalid('the body must be a Uint8Array');
  if (body.length !== entry.length) {
    throw invalid(`the body has ${body.length} bytes, the entry says ${entry.length}`);
  }
  const sha256 = createHash('sha256').update(body).digest('hex');
  if (sha256 !== entry.sha256) {
    throw invalid(`the body's SHA-256 is ${sha256}, the entry says ${entry.sha256}`);
  }
}

const FINISHED: readonly string[] = ['done', 'failed'] satisfies IngestFinish['status'][];

export function checkIngestFinish({ key, status, result }: IngestFinish): void {
  checkText('key', key);
  if (!FINISHED.includes(status)) {
    throw invalid(`status must be 'done' or 'failed', got ${JSON.stringify(status)}`);
  }
  if (typeof result !== 'string') throw invalid('result must be a string');
}

/** acquireLease's and releaseLease's arguments (no ttl for a release). */
export function checkLease(name: string, holder: string, ttlMs?: number): void {
  checkText('the lease name', name);
  checkText('the lease holder', holder);
  if (ttlMs !== undefined && (!Number.isSafeInteger(ttlMs) || ttlMs < 1)) {
    throw invalid(`ttlMs must be an integer ≥ 1, got ${ttlMs}`);
  }
}
