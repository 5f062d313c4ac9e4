// Argument checks shared by the statement modules. The routes validate requests first; these
// guard the store's own invariants (a negative LIMIT means "no limit" to SQLite, a malformed
// hash would make a chunk unreachable), so a caller's mistake is a MetaStoreError('invalid').
import { MetaStoreError, type SiteFilter } from '../types.ts';

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
