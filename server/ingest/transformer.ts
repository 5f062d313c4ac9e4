// The transformation (issue 5): logged collector requests → samples of their policy's signals,
// in log order, in the background. Resumable after a crash: a request stays pending until every
// signal has it; a signal's header records the last request applied to it (`ingestedThrough`,
// written with the header that commits the samples), so a request replayed after a crash never
// places its values twice.
import type { FastifyBaseLogger } from 'fastify';
import { parseRecords, type RecordParseOptions } from '../../src/shared/ingest/records/index.ts';
import type { IngestFormat, IngestRecord } from '../../src/shared/ingest/types.ts';
import type { LakeWriter } from '../lake-context.ts';
import type { IngestLogEntry } from '../meta/types.ts';
import { type Placement, placeSamples } from '../signals/place-samples.ts';
import { LAKE_PRINCIPAL, writeOrThrow } from '../signals/write-docs.ts';
import { signalHeader } from '../signals/write-signal.ts';
import { defaultT0, planPlacements } from './placements.ts';
import { type IngestionPolicy, parsePolicy, policySignalId } from './policy.ts';

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

export class IngestTransformer {
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = false;

  constructor(
    private readonly opened: LakeWriter,
    private readonly log: FastifyBaseLogger,
  ) {}

  /** Starts a pass over the pending requests (or another one after the current pass). */
  kick(): void {
    if (this.#stopped) return;
    if (this.#running !== undefined) {
      this.#again = true;
      return;
    }
    this.#running = this.#drain().finally(() => {
      this.#running = undefined;
      if (this.#again) {
        this.#again = false;
        this.kick();
      }
    });
  }

  /** Resolves when nothing is running (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.#running !== undefined) await this.#running;
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.idle();
  }

  async #drain(): Promise<void> {
    const { meta } = this.opened.lake;
    for (;;) {
      if (this.#stopped) return;
      const pending = await meta.pendingIngests(GROUP);
      if (pending.length === 0) return;
      // Plan every request of the group, then place the group's samples once per signal: one
      // chunk rewrite per signal for many requests, not one per request.
      const planned: Planned[] = [];
      for (const entry of pending) {
        if (this.stopped) return;
        try {
          planned.push(await this.plan(entry));
        } catch (error) {
          if (!(await this.#failed(entry, error))) return;
        }
      }
      const bySignal = new Map<string, { placements: Placement[]; through: number }>();
      for (const { entry, placements } of planned) {
        for (const [id, list] of placements) {
          const merged = bySignal.get(id) ?? { placements: [], through: 0 };
          // Log order is kept: the first value of an index wins across requests too.
          for (const placement of list) merged.placements.push(placement);
          merged.through = Math.max(merged.through, entry.seq);
          bySignal.set(id, merged);
        }
      }
      const totals = { written: 0, duplicates: 0, late: 0 };
      try {
        for (const [id, merged] of bySignal) {
          if (this.stopped) return;
          const result = await placeSamples(this.opened, LAKE_PRINCIPAL, id, merged.placements, {
            ingestedThrough: merged.through,
          });
          totals.written += result.written;
          totals.duplicates += result.duplicates;
          totals.late += result.late;
        }
      } catch (error) {
        if (isTransient(error)) {
          this.log.error({ err: error }, 'ingestion paused');
          return;
        }
        // Not the requests' fault alone, but they cannot be placed: say so on each.
        for (const { entry } of planned) await this.#failed(entry, error);
        continue;
      }
      for (const { entry, outcome } of planned) {
        const result = { ...outcome, group: { requests: planned.length, ...totals } };
        await meta.finishIngest(entry.key, 'done', JSON.stringify(result));
      }
    }
  }

  /** Marks a request failed (false: the failure is transient, stop this pass). */
  async #failed(entry: IngestLogEntry, error: unknown): Promise<boolean> {
    // A full disk or a closing store: leave it pending, retried at the next pass or start.
    if (isTransient(error)) {
      this.log.error({ err: error, key: entry.key }, 'ingestion paused');
      return false;
    }
    this.log.error({ err: error, key: entry.key }, 'ingestion of a request failed');
    const message = error instanceof Error ? error.message : String(error);
    await this.opened.lake.meta.finishIngest(
      entry.key,
      'failed',
      JSON.stringify({ error: message }),
    );
    return true;
  }

  /** A request's placements per signal id (creating its signals on first use). */
  async plan(entry: IngestLogEntry): Promise<Planned> {
    const { lake } = this.opened;
    const policyDoc = await lake.meta.getDoc(entry.policyId);
    if (policyDoc === undefined || policyDoc.deleted) {
      throw new Error(`Policy "${entry.policyId}" no longer exists`);
    }
    const policy = parsePolicy(entry.policyId, policyDoc.body);
    const body = await lake.blobs.readAll(entry.sha256);
    // The request's own receive time: records without a time get the same one as when accepted.
    const records = await recordsOf(
      entry.format,
      body,
      parseOptionsOf(policy, entry.tag, entry.receivedAt),
    );
    const firstTime = records.reduce((min, r) => Math.min(min, r.time), Number.POSITIVE_INFINITY);
    const t0s = new Map<string, number>();
    const headers = new Map<string, Record<string, unknown>>();
    for (const signal of policy.signals) {
      const id = policySignalId(policy.datasetId, signal.name);
      let doc = await lake.meta.getDoc(id);
      if (doc === undefined || doc.deleted) {
        if (!Number.isFinite(firstTime)) continue;
        const t0Ms = signal.t0Ms ?? defaultT0(firstTime, signal.sampleRate);
        await writeOrThrow(this.opened, LAKE_PRINCIPAL, {
          id,
          doc: {
            ...signalHeader({
              datasetId: policy.datasetId,
              name: signal.name,
              dtype: signal.dtype,
              t0: new Date(t0Ms).toISOString(),
              sampleRate: signal.sampleRate,
              ...(signal.unit === undefined ? {} : { unit: signal.unit }),
            }),
            ingestPolicy: policy.id,
          },
        });
        doc = await lake.meta.getDoc(id);
      }
      if (doc === undefined) continue;
      headers.set(signal.name, doc.body);
      const t0 = typeof doc.body.t0 === 'string' ? Date.parse(doc.body.t0) : Number.NaN;
      if (Number.isFinite(t0)) t0s.set(signal.name, t0);
    }
    const plan = planPlacements(policy, records, t0s);
    const placements = new Map<string, Placement[]>();
    for (const [name, list] of plan.bySignal) {
      const through = headers.get(name)?.ingestedThrough;
      // Already applied before a crash cut this request short: never place it twice.
      if (typeof through === 'number' && through >= entry.seq) continue;
      if (list.length > 0) placements.set(policySignalId(policy.datasetId, name), list);
    }
    return {
      entry,
      placements,
      outcome: { records: records.length, skipped: plan.skipped, beforeStart: plan.beforeStart },
    };
  }
}

/** Requests transformed together: their samples are placed with one rewrite per signal. */
const GROUP = 256;

interface Planned {
  entry: IngestLogEntry;
  placements: Map<string, Placement[]>;
  outcome: { records: number; skipped: number; beforeStart: number };
}

function isTransient(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'no_space' || code === 'closed' || code === 'busy' || code === 'unavailable';
}
