// Records → sample placements, per signal of a policy (issue 5, "Time placement"): a regular
// signal's sample index is round((t − t0) · sampleRate). Pure: the transformer feeds it.
import type { IngestRecord } from '../../src/shared/ingest/types.ts';
import type { Placement } from '../signals/place-samples.ts';
import type { IngestionPolicy } from './policy.ts';

export interface PlacementPlan {
  /** Per signal name, in record order. */
  bySignal: Map<string, Placement[]>;
  /** Values that were not numbers (strings, booleans) or missing: skipped, counted. */
  skipped: number;
  /** Records before their signal's t0: they have no index. */
  beforeStart: number;
}

/** The time of sample 0 a new signal gets: its first record's time, to the sample period. */
export function defaultT0(firstTimeMs: number, sampleRate: number): number {
  const periodMs = 1000 / sampleRate;
  return Math.floor(firstTimeMs / periodMs) * periodMs;
}

export function planPlacements(
  policy: IngestionPolicy,
  records: readonly IngestRecord[],
  t0s: ReadonlyMap<string, number>,
): PlacementPlan {
  const bySignal = new Map<string, Placement[]>();
  let skipped = 0;
  let beforeStart = 0;
  for (const signal of policy.signals) {
    const t0 = t0s.get(signal.name);
    if (t0 === undefined) continue;
    const placements: Placement[] = [];
    for (const record of records) {
      if (!Object.hasOwn(record.fields, signal.field)) continue;
      const value = record.fields[signal.field];
      if (typeof value !== 'number' && value !== null) {
        skipped++;
        continue;
      }
      const index = Math.round(((record.time - t0) * signal.sampleRate) / 1000);
      if (index < 0) {
        beforeStart++;
        continue;
      }
      placements.push({ index, value: value ?? Number.NaN });
    }
    bySignal.set(signal.name, placements);
  }
  return { bySignal, skipped, beforeStart };
}

/** Records further ahead of `now` than the policy allows (the first few, for the message). */
export function futureRecords(
  policy: IngestionPolicy,
  records: readonly IngestRecord[],
  now: number,
): IngestRecord[] {
  const limit = now + policy.futureLimitMs;
  return records.filter((record) => record.time > limit);
}
