// The chunk manifest of a signal (or of a pyramid level): one entry per chunk index, in
// `chunk-page` documents of `manifestPageSize` entries, so an append rewrites only the pages
// its chunks fall in (DESIGN.md, "Signal"). Pure helpers shared by the browser's signal store
// and the lake's ingestion, so both write the same entries.
import { chunkStats, type SignalArray } from '../chunk/index.ts';
import { toJsonNumber } from './json-number.ts';
import { reduceLevelRange, type LevelArray } from './pyramid.ts';
import { manifestPageSize, type ManifestEntry } from './types.ts';

/** The manifest entry of a chunk: its hash and the statistics of its valid samples. */
export function manifestEntry(sha256: string, samples: SignalArray): ManifestEntry {
  const stats = chunkStats(samples);
  return {
    sha256,
    count: samples.length,
    min: toJsonNumber(stats.min),
    max: toJsonNumber(stats.max),
    mean: toJsonNumber(stats.mean),
    finite: stats.count,
    nanCount: stats.nanCount,
  };
}

/**
 * The manifest entry of a pyramid level's chunk of `buckets` (interleaved [min, max, mean,
 * count], the valid buckets only): `count` is in buckets (the codec's valid samples are
 * 4 × count), the statistics are those of the samples the buckets cover — `finite` their
 * finite samples — and `nanCount` counts the empty buckets (nothing but NaN).
 */
export function levelManifestEntry(sha256: string, buckets: LevelArray): ManifestEntry {
  const rows = Math.floor(buckets.length / 4);
  const merged = reduceLevelRange(buckets, 0, rows);
  let empty = 0;
  for (let b = 0; b < rows; b++) if (Number.isNaN(buckets[4 * b])) empty++;
  return {
    sha256,
    count: rows,
    min: toJsonNumber(merged.min),
    max: toJsonNumber(merged.max),
    mean: toJsonNumber(merged.mean),
    finite: merged.count,
    nanCount: empty,
  };
}

/** The page document a chunk's entry lives in, and its slot there. */
export function manifestSlot(chunkIndex: number): { page: number; slot: number } {
  return { page: Math.floor(chunkIndex / manifestPageSize), slot: chunkIndex % manifestPageSize };
}

/** New entries by chunk index, grouped by page: page → [slot, entry] in the order given. */
export function entriesByPage(
  entries: Iterable<readonly [chunkIndex: number, entry: ManifestEntry]>,
): Map<number, [slot: number, entry: ManifestEntry][]> {
  const byPage = new Map<number, [number, ManifestEntry][]>();
  for (const [chunkIndex, entry] of entries) {
    const { page, slot } = manifestSlot(chunkIndex);
    const list = byPage.get(page) ?? [];
    list.push([slot, entry]);
    byPage.set(page, list);
  }
  return byPage;
}

export type PageUpdate =
  | { ok: true; entries: ManifestEntry[] }
  /** A slot past the end of the page: the manifest would have a hole (a bug or corruption). */
  | { ok: false; gapBefore: number };

/**
 * A page's entries with `updates` applied (in order: a slot may extend the page by one, so
 * updates come sorted by slot). `current` is left as it is.
 */
export function updatePageEntries(
  current: readonly ManifestEntry[],
  updates: readonly (readonly [slot: number, entry: ManifestEntry])[],
): PageUpdate {
  const entries = [...current];
  for (const [slot, entry] of updates) {
    if (slot > entries.length) return { ok: false, gapBefore: slot };
    entries[slot] = entry;
  }
  return { ok: true, entries };
}
