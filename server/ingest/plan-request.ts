// One logged collector request → where its values go (issue 5): the body parsed again from the
// raw log, the policy's signals created on first use, and per signal the placements — a
// regular signal's at round((t − t0) · sampleRate), an irregular signal's (and its time
// signal's) appended after what the signal holds. Requests a signal already holds (its header's
// `ingestedThrough`, written with the samples) are left out, so a replay after a crash never
// places a value twice.
import { parseRecords, type RecordParseOptions } from '../../src/shared/ingest/records/index.ts';
import type { IngestFormat, IngestRecord } from '../../src/shared/ingest/types.ts';
import type { LakeWriter } from '../lake-context.ts';
import type { IngestLogEntry, StoredDoc } from '../meta/types.ts';
import type { Placement } from '../signals/place-samples.ts';
import { LAKE_PRINCIPAL, writeOrThrow } from '../signals/write-docs.ts';
import { signalHeader } from '../signals/write-signal.ts';
import { defaultT0, planPlacements } from './placements.ts';
import {
  type IngestionPolicy,
  irregularTimeName,
  parsePolicy,
  type PolicySignal,
  policySignalId,
} from './policy.ts';

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

/** Every record of a body (all parsed before anything is stored: a bad record fails it all). */
export async function recordsOf(
  format: string,
  body: Uint8Array,
  options: RecordParseOptions,
): Promise<IngestRecord[]> {
  const records: IngestRecord[] = [];
  for await (const batch of parseRecords(format as IngestFormat, once(body), options)) {
    for (const record of batch) records.push(record);
  }
  return records;
}

/** The parse options of a request: the policy's time and tag keys, its tag, when it came. */
export function parseOptionsOf(
  policy: IngestionPolicy,
  tag: string | null,
  receivedAt: number,
): RecordParseOptions {
  return { ...policy.parse, receivedAt, ...(tag === null ? {} : { reference: tag }) };
}

export interface PlannedRequest {
  entry: IngestLogEntry;
  /** Per signal id, in log order. */
  placements: Map<string, Placement[]>;
  outcome: { records: number; skipped: number; beforeStart: number };
}

/**
 * The next free index of each irregular signal (and time signal) within a group of requests:
 * starts at the signal's length, advanced by each request planned, so requests of one group
 * append one after the other.
 */
export type AppendCursors = Map<string, number>;

const TIME_UNIT = 'ms since 1970-01-01T00:00:00Z';

/** The current header of a signal, created from the policy when it does not exist yet. */
async function signalDoc(
  opened: LakeWriter,
  id: string,
  create: () => Record<string, unknown>,
): Promise<StoredDoc | undefined> {
  const doc = await opened.lake.meta.getDoc(id);
  if (doc !== undefined && !doc.deleted) return doc;
  await writeOrThrow(opened, LAKE_PRINCIPAL, { id, doc: create() });
  return opened.lake.meta.getDoc(id);
}

function newHeader(
  policy: IngestionPolicy,
  signal: PolicySignal,
  firstTime: number,
  timeSignalId: string | undefined,
): Record<string, unknown> {
  const { sampleRate } = signal;
  const base = {
    datasetId: policy.datasetId,
    name: signal.name,
    dtype: signal.dtype,
    chunkLength: signal.chunkLength,
    ...(signal.unit === undefined ? {} : { unit: signal.unit }),
  };
  const time =
    sampleRate === undefined
      ? { timeSignalId }
      : {
          t0: new Date(signal.t0Ms ?? defaultT0(firstTime, sampleRate)).toISOString(),
          sampleRate,
        };
  return { ...signalHeader({ ...base, ...time }), ingestPolicy: policy.id };
}

export async function planRequest(
  opened: LakeWriter,
  entry: IngestLogEntry,
  cursors: AppendCursors,
  /** The records as parsed when the request was accepted (else read and parsed again). */
  parsed?: readonly IngestRecord[],
): Promise<PlannedRequest> {
  const { lake } = opened;
  const policyDoc = await lake.meta.getDoc(entry.policyId);
  if (policyDoc === undefined || policyDoc.deleted) {
    throw new Error(`Policy "${entry.policyId}" no longer exists`);
  }
  const policy = parsePolicy(entry.policyId, policyDoc.body);
  // The request's own receive time: records without a time get the same one as when accepted.
  const records =
    parsed ??
    (await recordsOf(
      entry.format,
      (entry.inline ? await lake.meta.ingestBody(entry.key) : undefined) ??
        (await lake.blobs.readAll(entry.sha256)),
      parseOptionsOf(policy, entry.tag, entry.receivedAt),
    ));
  const firstTime = records.reduce((min, r) => Math.min(min, r.time), Number.POSITIVE_INFINITY);
  const t0s = new Map<string, number>();
  const headers = new Map<string, StoredDoc>();
  if (Number.isFinite(firstTime)) {
    for (const signal of policy.signals) {
      const id = policySignalId(policy.datasetId, signal.name);
      let timeSignalId: string | undefined;
      if (signal.sampleRate === undefined) {
        timeSignalId = policySignalId(policy.datasetId, irregularTimeName(signal.name));
        const timeDoc = await signalDoc(opened, timeSignalId, () => ({
          ...signalHeader({
            datasetId: policy.datasetId,
            name: irregularTimeName(signal.name),
            dtype: 'float64',
            chunkLength: signal.chunkLength,
            unit: TIME_UNIT,
          }),
          ingestPolicy: policy.id,
        }));
        if (timeDoc !== undefined) headers.set(timeSignalId, timeDoc);
      }
      const doc = await signalDoc(opened, id, () =>
        newHeader(policy, signal, firstTime, timeSignalId),
      );
      if (doc === undefined) continue;
      headers.set(id, doc);
      const t0 = typeof doc.body.t0 === 'string' ? Date.parse(doc.body.t0) : Number.NaN;
      if (Number.isFinite(t0)) t0s.set(signal.name, t0);
    }
  }
  // Already applied before a crash cut this request short: never place it twice.
  const holds = (id: string): boolean => {
    const through = headers.get(id)?.body.ingestedThrough;
    return typeof through === 'number' && through >= entry.seq;
  };
  const plan = planPlacements(policy, records, t0s);
  const placements = new Map<string, Placement[]>();
  for (const [name, list] of plan.bySignal) {
    const id = policySignalId(policy.datasetId, name);
    if (!holds(id) && list.length > 0) placements.set(id, list);
  }
  for (const [name, list] of plan.appends) {
    const id = policySignalId(policy.datasetId, name);
    const timeId = policySignalId(policy.datasetId, irregularTimeName(name));
    if (list.length === 0) continue;
    // The values and their times are two signals, each committed with its own header: after a
    // crash between the two, each resumes from what it holds.
    for (const [target, pick] of [
      [id, (v: { value: number }) => v.value],
      [timeId, (v: { time: number }) => v.time],
    ] as const) {
      const header = headers.get(target);
      if (header === undefined || holds(target)) continue;
      const start = cursors.get(target) ?? (header.body.length as number);
      placements.set(
        target,
        list.map((v, i) => ({ index: start + i, value: pick(v) })),
      );
      cursors.set(target, start + list.length);
    }
  }
  return {
    entry,
    placements,
    outcome: { records: records.length, skipped: plan.skipped, beforeStart: plan.beforeStart },
  };
}
