// Records → sample placements, per signal of a policy (issue 5, "Time placement"): a regular
// signal's sample index is round((t − t0) · sampleRate). Pure: the transformer feeds it.
import type { IngestRecord } from '../../src/shared/ingest/types.ts';
import type { Placement } from '../signals/place-samples.ts';
import type { IngestionPolicy } from './policy.ts';

/** A value of an irregular signal and its time (ms since the epoch). */
export interface TimedValue {
  time: number;
  value: number;
}

export interface PlacementPlan {
  /** Per regular signal name, in record order. */
  bySignal: Map<string, Placement[]>;
  /**
   * Per irregular signal name, in time order (stable: records of one time keep their order):
   * appended after what the signal holds; the caller gives them their indexes.
   */
  appends: Map<string, TimedValue[]>;
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
  const appends = new Map<string, TimedValue[]>();
  let skipped = 0;
  let beforeStart = 0;
  for (const signal of policy.signals) {
    const { sampleRate } = signal;
    if (sampleRate === undefined) {
      const values: TimedValue[] = [];
      for (const record of records) {
        const value = numberOf(record, signal.field);
        if (value === 'absent') continue;
        if (value === 'skipped') skipped++;
        else values.push({ time: record.time, value });
      }
      appends.set(
        signal.name,
        values.sort((a, b) => a.time - b.time),
      );
      continue;
    }
    const t0 = t0s.get(signal.name);
    if (t0 === undefined) continue;
    const placements: Placement[] = [];
    for (const record of records) {
      const value = numberOf(record, signal.field);
      if (value === 'absent') continue;
      if (value === 'skipped') {
        skipped++;
        continue;
      }
      const index = Math.round(((record.time - t0) * sampleRate) / 1000);
      if (index < 0) {
        beforeStart++;
        continue;
      }
      placements.push({ index, value });
    }
    bySignal.set(signal.name, placements);
  }
  return { bySignal, appends, skipped, beforeStart };
}

/** A record's numeric value of `field` (null: NaN, a gap the collector reported). */
function numberOf(record: IngestRecord, field: string): number | 'absent' | 'skipped' {
  if (!Object.hasOwn(record.fields, field)) return 'absent';
  const value = record.fields[field];
  if (value === null) return Number.NaN;
  return typeof value === 'number' ? value : 'skipped';
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
