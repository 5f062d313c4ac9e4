// The transformation (issue 5): logged collector requests → samples of their policy's signals,
// in log order, in the background. Resumable after a crash: a request stays pending until every
// signal has it; a signal's header records the last request applied to it (`ingestedThrough`,
// written with the header that commits the samples), so a request replayed after a crash never
// places its values twice.
//
// Single writer across instances: every instance of a scale-out deployment may run a
// transformer, but only the holder of the store's `ingest-transformer` lease drains; it renews
// the lease every third of its lifetime while working and makes sure of it just before each
// commit, so an instance that stalled past the lease's lifetime gives up instead of writing
// beside its successor. The
// others poll: when the holder dies, its lease expires and one of them takes over, resuming
// from the durable log.
import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { LakeWriter } from '../lake-context.ts';
import type { IngestRecord } from '../../src/shared/ingest/types.ts';
import type { IngestLogEntry } from '../meta/types.ts';
import { type Placement, placeSamples } from '../signals/place-samples.ts';
import { LAKE_PRINCIPAL } from '../signals/write-docs.ts';
import { ChunkCache } from '../signals/chunk-cache.ts';
import { WriteSet } from '../signals/write-set.ts';
import { type AppendCursors, planRequest, type PlannedRequest } from './plan-request.ts';

/** The lease only one transformer of all instances holds at a time. */
export const TRANSFORMER_LEASE = 'ingest-transformer';

export interface TransformerOptions {
  /**
   * This instance's name for the lease (default: random, new at each start). An embedded lake
   * (one process per data directory) names itself after its directory, so that after a crash
   * it takes its lease back at once instead of waiting for it to expire.
   */
  holder?: string;
  /** How long the lease lasts without renewal (default 30 s; renewed every third of it). */
  leaseTtlMs?: number;
  /** How often an instance looks for work logged by others, or a lease that expired (1 s). */
  pollMs?: number;
  /**
   * The least time between two passes while fewer than LINGER_BELOW requests wait (100 ms):
   * the latency a stream of requests trades for groups large enough to commit cheaply.
   */
  lingerMs?: number;
}

export class IngestTransformer {
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = false;
  #poll: NodeJS.Timeout | undefined;
  /** The tails this transformer wrote last, decoded: the next group edits them again. */
  readonly #cache = new ChunkCache();
  /** Records of requests logged here and not transformed yet, by key (remember()). */
  readonly #parsed = new Map<string, readonly IngestRecord[]>();
  #parsedCount = 0;
  /** This instance's name for the lease. */
  readonly holder: string;
  readonly #leaseTtlMs: number;
  readonly #pollMs: number;
  readonly #lingerMs: number;
  /** When the last pass began (this process's monotonic clock). */
  #lastPassAt = Number.NEGATIVE_INFINITY;
  /** When the lease was last taken or renewed (this process's monotonic clock). */
  #leasedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly opened: LakeWriter,
    private readonly log: FastifyBaseLogger,
    options: TransformerOptions = {},
  ) {
    this.holder = options.holder ?? randomUUID();
    this.#leaseTtlMs = options.leaseTtlMs ?? 30_000;
    this.#pollMs = options.pollMs ?? 1000;
    this.#lingerMs = options.lingerMs ?? 100;
  }

  /** Transforms what is pending now, and looks again every pollMs (requests other instances logged). */
  start(): void {
    if (this.#stopped || this.#poll !== undefined) return;
    this.#poll = setInterval(() => {
      this.kick();
    }, this.#pollMs);
    this.#poll.unref();
    this.kick();
  }

  /** Starts a pass over the pending requests (or another one after the current pass). */
  kick(): void {
    if (this.#stopped) return;
    if (this.#running !== undefined) {
      this.#again = true;
      return;
    }
    this.#running = this.#drain()
      .catch((error: unknown) => {
        // The store went away or failed: the next poll or kick tries again.
        this.log.error({ err: error }, 'ingestion pass failed');
      })
      .finally(() => {
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
    clearInterval(this.#poll);
    await this.idle();
    // Another instance need not wait for the lease to expire.
    await this.opened.lake.meta.releaseLease(TRANSFORMER_LEASE, this.holder).catch(() => undefined);
  }

  /**
   * Keeps the records of a request this instance just logged, so that transforming it does
   * not parse its body again (the log's body stays the truth: after a restart, or on another
   * instance, it is parsed from there). Bounded: the oldest are dropped first.
   */
  remember(key: string, records: readonly IngestRecord[]): void {
    if (this.#stopped) return;
    this.#parsed.set(key, records);
    this.#parsedCount += records.length;
    for (const [oldKey, old] of this.#parsed) {
      if (this.#parsedCount <= PARSED_RECORDS_KEPT) break;
      this.#parsed.delete(oldKey);
      this.#parsedCount -= old.length;
    }
  }

  #takeParsed(key: string): readonly IngestRecord[] | undefined {
    const records = this.#parsed.get(key);
    if (records !== undefined) {
      this.#parsed.delete(key);
      this.#parsedCount -= records.length;
    }
    return records;
  }

  /** Takes or renews the lease; false: another instance transforms. */
  async #lease(): Promise<boolean> {
    const started = performance.now();
    const held = await this.opened.lake.meta.acquireLease(
      TRANSFORMER_LEASE,
      this.holder,
      this.#leaseTtlMs,
    );
    this.#leasedAt = held ? started : Number.NEGATIVE_INFINITY;
    return held;
  }

  /**
   * True while the lease is surely ours: taken or renewed less than a third of its lifetime
   * ago (it then has two thirds left — every commit starts well inside it), else renewed now;
   * false: another instance holds it. A store write only every ttl/3, not at every group.
   */
  async #keepLease(): Promise<boolean> {
    if (performance.now() - this.#leasedAt < this.#leaseTtlMs / 3) return true;
    return this.#lease();
  }

  async #drain(): Promise<void> {
    const { meta } = this.opened.lake;
    for (;;) {
      if (this.#stopped) return;
      const pending = await meta.pendingIngests(GROUP);
      if (pending.length === 0) return;
      // A commit costs about the same for one request as for dozens (every signal's tails are
      // rewritten once): under a stream of requests, passes are spaced so that groups grow. A
      // request after a quiet spell is transformed at once.
      const wait = this.#lastPassAt + this.#lingerMs - performance.now();
      if (pending.length < LINGER_BELOW && wait > 0) {
        await new Promise((resolve) => setTimeout(resolve, wait));
        continue;
      }
      this.#lastPassAt = performance.now();
      if (!(await this.#keepLease())) return;
      // Plan every request of the group, then place the group's samples once per signal: one
      // chunk rewrite per signal for many requests, not one per request.
      const planned: PlannedRequest[] = [];
      const cursors: AppendCursors = new Map();
      for (const entry of pending) {
        if (this.stopped || !(await this.#keepLease())) return;
        try {
          planned.push(await planRequest(this.opened, entry, cursors, this.#takeParsed(entry.key)));
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
      // One commit for the whole group: every signal's chunks stored together, then its
      // documents in a few bulk writes (write-set.ts), then the requests marked done.
      const set = new WriteSet(this.opened, LAKE_PRINCIPAL);
      try {
        for (const [id, merged] of bySignal) {
          if (this.stopped || !(await this.#keepLease())) return;
          const result = await placeSamples(
            this.opened,
            LAKE_PRINCIPAL,
            id,
            merged.placements,
            { ingestedThrough: merged.through },
            { into: set, cache: this.#cache },
          );
          totals.written += result.written;
          totals.duplicates += result.duplicates;
          totals.late += result.late;
        }
        // Still ours? An instance stalled past the lease's lifetime must not write beside
        // the one that took over.
        if (!(await this.#keepLease())) return;
        await set.commit();
      } catch (error) {
        if (isTransient(error)) {
          this.log.error({ err: error }, 'ingestion paused');
          return;
        }
        // Not the requests' fault alone, but they cannot be placed: say so on each.
        for (const { entry } of planned) await this.#failed(entry, error);
        continue;
      }
      await meta.finishIngests(
        planned.map(({ entry, outcome }) => ({
          key: entry.key,
          status: 'done' as const,
          result: JSON.stringify({ ...outcome, group: { requests: planned.length, ...totals } }),
        })),
      );
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
}

/**
 * Parsed records kept for requests waiting to be transformed: a backlog of about a hundred
 * typical batches (a record with a few fields is a few hundred bytes of objects, so this stays
 * within a few tens of MB); beyond it, bodies are parsed again from the log.
 */
const PARSED_RECORDS_KEPT = 100_000;

/** With this many requests pending, a pass starts without lingering. */
const LINGER_BELOW = 64;

/** Requests transformed together: their samples are placed with one rewrite per signal. */
const GROUP = 256;

function isTransient(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'no_space' || code === 'closed' || code === 'busy' || code === 'unavailable';
}
