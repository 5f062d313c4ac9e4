// The sync engine: one cycle pulls the lake's change feed into the local storage, then pushes
// the outbox to the lake, chunks before the manifest pages that reference them. RxDB's
// replication protocol is the model (checkpoints, assumed master state, conflicts answered by
// the server); what makes it exactly-once here:
// - a local document is in the outbox while its revision differs from the one recorded as
//   equal to the lake's (sync-state.ts), so the outbox is recomputed from the documents and
//   nothing unacknowledged can be dropped;
// - a push carries the lake revision it replaces; the lake's revisions are a function of the
//   write, so a push applied whose answer was lost answers ok when retried, and any other lake
//   answers a conflict with its current state, resolved by the type's rule (conflict-rules.ts);
// - the pull checkpoint is stored in the same write as the metadata of the documents it
//   covers, after those documents are stored locally.
// Every step may be cut anywhere (network, crash, quota) and redone: a cycle that throws has
// committed only complete steps.
import { levelId, pageId } from '../../shared/signal/types.ts';
import type { ChunkOwner, ChunkStore } from '../chunks/types.ts';
import { JioError, isJioError } from '../errors.ts';
import type { BulkWriteItem, BulkWriteResult, CallOptions, Storage } from '../types.ts';
import {
  contentOf,
  lakeStateOf,
  type LocalSide,
  type Resolution,
  resolveConflict,
} from './conflict-rules.ts';
import { lakeRevision } from './lake-revision.ts';
import { orderForPush } from './push-order.ts';
import type { RemoteChunks } from './remote-chunks.ts';
import type { SyncReport } from './sync-report.ts';
import type { DocSyncMeta, PushFailure, SyncState } from './sync-state.ts';

export interface SyncEngineOptions {
  local: Storage;
  remote: Storage;
  state: SyncState;
  report: SyncReport;
  /** Where this device's chunks are, and the lake's chunk channel: needed to push signals. */
  chunks?: { store: ChunkStore; remote: RemoteChunks } | undefined;
  /** Changes per pull request and documents per bulk push (default 500). */
  batchSize?: number;
}

export interface SyncOptions extends CallOptions {
  /** Also retry pushes the lake refused for good (the user's "Sync now"). */
  retryFailed?: boolean;
}

export interface SyncResult {
  pulled: number;
  pushed: number;
  conflicts: number;
  failed: number;
  /** Local changes not acknowledged by the lake after this cycle. */
  pending: number;
}

/** Progress of the chunks one step moves (a page's uploads, one fetchChunks call). */
export interface ChunkTransfer {
  direction: 'upload' | 'download';
  doneBytes: number;
  totalBytes: number;
}

/** A local change waiting for the lake, as `outbox()` lists it. */
export interface OutboxItem {
  id: string;
  rev: string;
  deleted: boolean;
  /** The content pushed (absent for a deletion). */
  doc?: Record<string, unknown>;
}

/** One local change waiting for the lake. */
interface OutboxEntry {
  rev: string;
  seq: number;
  doc: Record<string, unknown> | undefined;
}

/** Failures that a later push in the same cycle can cure (a parent or chunks arrive). */
const retryableReasons = new Set(['unknown_parent', 'missing_chunks']);
/** Unsynced chunks younger than this are never collected (an append may be writing them). */
const SUPERSEDED_AFTER_MS = 10 * 60_000;
/** Pushes of one document remembered (its own lost answers recognised up to this many back). */
const MAX_SENT = 8;
/** Waits between retries of one request after a network failure. */
const RETRY_DELAYS_MS = [100, 300, 900];
/** `unavailable` reasons that retrying within a cycle cannot cure. */
const permanentReasons = new Set(['lake_too_old', 'lake_too_new', 'not_a_lake', 'closed']);

/** Rounds over the outbox per cycle: each round must make progress to earn the next. */
const MAX_ROUNDS = 8;

export class SyncEngine {
  readonly #local: Storage;
  readonly #remote: Storage;
  readonly #state: SyncState;
  readonly #report: SyncReport;
  readonly #chunks: SyncEngineOptions['chunks'];
  readonly #batchSize: number;
  /** Local changes seen so far this session, and the outbox they left. */
  #localSince: number | string = 0;
  readonly #outbox = new Map<string, OutboxEntry>();
  #running: Promise<unknown> = Promise.resolve();
  #transfer: ChunkTransfer | undefined;
  /** A cycle or scan runs (see #serial). */
  #busy = false;

  constructor(options: SyncEngineOptions) {
    this.#local = options.local;
    this.#remote = options.remote;
    this.#state = options.state;
    this.#report = options.report;
    this.#chunks = options.chunks;
    this.#batchSize = options.batchSize ?? 500;
  }

  /** The chunk transfer under way, for progress bars (undefined when none). */
  get transfer(): ChunkTransfer | undefined {
    return this.#transfer === undefined ? undefined : { ...this.#transfer };
  }

  get report(): SyncReport {
    return this.#report;
  }

  get state(): SyncState {
    return this.#state;
  }

  /** One cycle; cycles never overlap (a second call waits for the first). */
  sync(options: SyncOptions = {}): Promise<SyncResult> {
    return this.#serial(() => this.#cycle(options));
  }

  /** Runs work after everything queued before it: cycles and outbox scans never interleave. */
  #serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#running.then(async () => {
      this.#busy = true;
      try {
        return await work();
      } finally {
        this.#busy = false;
      }
    });
    this.#running = run.catch(() => undefined);
    return run;
  }

  /**
   * Forgets this session's view of the local changes: the next cycle rescans them all. For
   * after the local documents or the sync state were changed behind the engine's back (a user
   * switch, a purge).
   */
  reset(): void {
    this.#outbox.clear();
    this.#localSince = 0;
  }

  /** Local changes the lake has not acknowledged (after a scan of local changes). */
  async outbox(options?: CallOptions): Promise<OutboxItem[]> {
    // During a cycle (a status refresh while sync runs), the outbox as the cycle last saw it:
    // a scan beside the cycle's own would race with its bookkeeping.
    if (!this.#busy) await this.#serial(() => this.#scanLocal(options));
    return [...this.#outbox].map(([id, entry]) => ({
      id,
      rev: entry.rev,
      deleted: entry.doc === undefined,
      ...(entry.doc === undefined ? {} : { doc: entry.doc }),
    }));
  }

  /**
   * Downloads the chunks of `hashes` this device lacks into the chunk store, each verified
   * against its hash before it is stored; answers the bytes downloaded. Stops at the first
   * failure (what was stored stays): the caller retries, and only what is still missing moves.
   */
  async fetchChunks(
    hashes: readonly string[],
    owner: ChunkOwner,
    options: CallOptions = {},
  ): Promise<number> {
    if (this.#chunks === undefined) {
      throw new JioError('not_implemented', 'This sync engine has no chunk channel', {
        reason: 'no_chunks',
      });
    }
    const { store, remote } = this.#chunks;
    const held = await store.has(hashes, options);
    const missing = hashes.filter((_hash, index) => held[index] !== true);
    let bytes = 0;
    const transfer: ChunkTransfer = { direction: 'download', doneBytes: 0, totalBytes: 0 };
    this.#transfer = transfer;
    try {
      for (const sha256 of missing) {
        const data = await this.#retry(options, () =>
          remote.download(sha256, {
            ...options,
            onProgress: (progress) => {
              transfer.doneBytes = bytes + progress.bytesDone;
              transfer.totalBytes = Math.max(transfer.totalBytes, bytes + progress.bytesTotal);
            },
          }),
        );
        // The download verified these bytes against sha256 in this process, a moment ago.
        await store.put([{ sha256, bytes: data, owner }], { ...options, verified: true });
        bytes += data.byteLength;
        transfer.doneBytes = bytes;
        this.#report.add({ kind: 'chunk-downloaded', id: sha256, bytes: data.byteLength });
      }
    } finally {
      this.#transfer = undefined;
    }
    return bytes;
  }

  /**
   * Runs a request of the lake again after a network failure (up to 3 times, 0.1, 0.3 and
   * 0.9 s apart): every request of the protocol is idempotent, and a dropped connection is far
   * more common than a lake that is down — so a cycle does not start over for one lost packet.
   * A lake of another version, or an abort, is not retried.
   */
  async #retry<T>(options: CallOptions, request: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await request();
      } catch (error) {
        const reason = isJioError(error) ? error.details.reason : undefined;
        // Network failures, and 5xx pages of a proxy or gateway in front of the lake.
        const transient =
          reason !== undefined &&
          ((isJioError(error, 'unavailable') && !permanentReasons.has(reason)) ||
            /^http_5\d\d$/.test(reason));
        if (!transient || attempt >= RETRY_DELAYS_MS.length || options.signal?.aborted === true) {
          throw error;
        }
        await delay(RETRY_DELAYS_MS[attempt] ?? 0, options.signal);
      }
    }
  }

  async #cycle(options: SyncOptions): Promise<SyncResult> {
    const result: SyncResult = { pulled: 0, pushed: 0, conflicts: 0, failed: 0, pending: 0 };
    this.#report.add({ kind: 'cycle-start' });
    try {
      await this.#pull(result, options);
      await this.#push(result, options);
      await this.#collectSuperseded(options);
    } catch (error) {
      const offline = isJioError(error, 'unavailable');
      this.#report.add({
        kind: offline ? 'offline' : 'error',
        detail: error instanceof Error ? error.message : String(error),
      });
      throw error;
    } finally {
      result.pending = this.#outbox.size;
      this.#report.add({
        kind: 'cycle-end',
        detail: `pulled ${result.pulled}, pushed ${result.pushed}, conflicts ${result.conflicts}, failed ${result.failed}, pending ${result.pending}`,
      });
    }
    return result;
  }

  /**
   * Deletes unsynced chunks that no local manifest page references any more: the earlier
   * versions of a recording's tail chunk (each append writes a new one) and the chunks of an
   * append that stopped before its pages were written. Left alone they would count as unsynced
   * work forever — never evicted, exported in every outbox file. Only chunks untouched for
   * SUPERSEDED_AFTER_MS are considered: an append in progress writes its chunks before its
   * pages.
   */
  async #collectSuperseded(options: CallOptions): Promise<void> {
    if (this.#chunks === undefined) return;
    const { store } = this.#chunks;
    const cutoff = Date.now() - SUPERSEDED_AFTER_MS;
    const old = (await store.listUnsynced(10_000, options)).filter(
      (info) => info.lastUsed < cutoff,
    );
    if (old.length === 0) return;
    const referenced = new Map<string, Set<string>>();
    const hashesOf = async (arrayId: string): Promise<Set<string>> => {
      let hashes = referenced.get(arrayId);
      if (hashes !== undefined) return hashes;
      hashes = new Set();
      for (let page = 0; ; page++) {
        let doc: Record<string, unknown>;
        try {
          doc = await this.#local.get(pageId(arrayId, page), signalOf(options));
        } catch (error) {
          if (isJioError(error, 'not_found')) break;
          throw error;
        }
        for (const entry of Array.isArray(doc.entries)
          ? (doc.entries as { sha256?: unknown }[])
          : []) {
          if (typeof entry.sha256 === 'string') hashes.add(entry.sha256);
        }
      }
      referenced.set(arrayId, hashes);
      return hashes;
    };
    const superseded: string[] = [];
    for (const info of old) {
      let used = false;
      for (const owner of info.owners) {
        const arrayId = owner.level === 0 ? owner.signalId : levelId(owner.signalId, owner.level);
        if ((await hashesOf(arrayId)).has(info.sha256)) used = true;
      }
      if (!used) superseded.push(info.sha256);
    }
    if (superseded.length > 0) await store.delete(superseded, options);
  }

  /** Brings the outbox up to date with the local change feed. */
  async #scanLocal(options?: CallOptions): Promise<void> {
    for (;;) {
      // Without the documents: most changes are the engine's own pull writes, already synced;
      // only the outbox's documents are read (a first sync of 10^5 documents would otherwise
      // read every one of them back).
      const page = await this.#local.changes({
        since: this.#localSince,
        limit: 1000,
        ...signalOf(options),
      });
      const pending: { id: string; rev: string; seq: number }[] = [];
      for (const change of page.results) {
        this.#outbox.delete(change.id);
        if (this.#state.meta(change.id)?.localRev === change.rev) continue;
        if (change.deleted)
          this.#outbox.set(change.id, { rev: change.rev, seq: change.seq, doc: undefined });
        else pending.push(change);
      }
      const docs = await Promise.all(
        pending.map((change) =>
          this.#local.get(change.id, signalOf(options)).catch((error: unknown) => {
            // Deleted since: its deletion comes later in the feed.
            if (isJioError(error, 'not_found')) return undefined;
            throw error;
          }),
        ),
      );
      for (const [index, change] of pending.entries()) {
        const doc = docs[index];
        if (doc === undefined) continue;
        // Changed since: the revision read is the one pushed (content and revision agree).
        const rev = doc._rev ?? change.rev;
        if (this.#state.meta(change.id)?.localRev === rev) continue;
        this.#outbox.set(change.id, { rev, seq: change.seq, doc: contentOf(doc) });
      }
      this.#localSince = page.last_seq;
      if (page.results.length === 0) return;
    }
  }

  async #pull(result: SyncResult, options: SyncOptions): Promise<void> {
    for (;;) {
      const since = this.#state.checkpoint;
      const page = await this.#retry(options, () =>
        this.#remote.changes({
          since,
          limit: this.#batchSize,
          include_docs: true,
          ...signalOf(options),
        }),
      );
      if (page.results.length === 0) {
        if (page.last_seq !== since) await this.#state.commit(new Map(), page.last_seq);
        return;
      }
      await this.#scanLocal(options);
      const writes: BulkWriteItem[] = [];
      const masters: string[] = [];
      const updates = new Map<string, DocSyncMeta>();
      for (const change of page.results) {
        const meta = this.#state.meta(change.id);
        if (meta?.masterRev === change.rev) continue;
        // A local change waits for its push, which meets the lake's version as a conflict —
        // except a local deletion of something the lake never had from here (a purge, a
        // document made and deleted offline): it has nothing to push, and the lake's
        // document simply arrives.
        const waiting = this.#outbox.get(change.id);
        if (
          waiting !== undefined &&
          !(waiting.doc === undefined && (meta?.masterRev ?? null) === null)
        ) {
          continue;
        }
        if (change.deleted) {
          if (meta?.localRev === undefined || meta.localRev === null) {
            updates.set(change.id, { masterRev: change.rev, localRev: null });
            continue;
          }
          writes.push({ id: change.id, deleted: true, assumedRev: meta.localRev });
        } else {
          if (change.doc === undefined) continue;
          writes.push({
            id: change.id,
            doc: contentOf(change.doc),
            assumedRev: meta?.localRev ?? null,
          });
        }
        masters.push(change.rev);
      }
      const written = writes.length === 0 ? [] : await this.#local.bulkWrite(writes, options);
      for (const [index, outcome] of written.entries()) {
        const masterRev = masters[index];
        // A local write since the scan: it is pushed, and meets this version as a conflict.
        if (!outcome.ok || masterRev === undefined) continue;
        updates.set(outcome.id, { masterRev, localRev: outcome.rev });
        this.#report.add({ kind: 'pulled', id: outcome.id, rev: masterRev });
        result.pulled++;
      }
      await this.#state.commit(updates, page.last_seq);
    }
  }

  async #push(result: SyncResult, options: SyncOptions): Promise<void> {
    const skipped = new Set<string>();
    for (let round = 0; round < MAX_ROUNDS; round++) {
      await this.#scanLocal(options);
      const candidates = [...this.#outbox]
        .filter(
          ([id, entry]) =>
            !skipped.has(id) &&
            this.#state.meta(id)?.localRev !== entry.rev &&
            !this.#refusedForGood(id, entry, options),
        )
        .map(([id, entry]) => ({ id, doc: entry.doc, entry }));
      if (candidates.length === 0) return;
      let progress = false;
      for (const batch of orderForPush(candidates, this.#batchSize)) {
        const outcome = await this.#pushBatch(batch, result, options, skipped);
        progress ||= outcome;
      }
      if (!progress) return;
    }
  }

  /** Whether the lake refused this very revision for a reason that retrying cannot change. */
  #refusedForGood(id: string, entry: OutboxEntry, options: SyncOptions): boolean {
    const failure = this.#state.meta(id)?.failure;
    if (failure?.rev !== entry.rev || options.retryFailed === true) return false;
    return failure.reason === undefined || !retryableReasons.has(failure.reason);
  }

  /** Pushes one bulk; answers whether anything moved (acknowledged, settled or resolved). */
  async #pushBatch(
    batch: readonly { id: string; doc: Record<string, unknown> | undefined; entry: OutboxEntry }[],
    result: SyncResult,
    options: SyncOptions,
    skipped: Set<string>,
  ): Promise<boolean> {
    const updates = new Map<string, DocSyncMeta>();
    const items: BulkWriteItem[] = [];
    const pushed: { id: string; entry: OutboxEntry }[] = [];
    for (const { id, entry } of batch) {
      const meta = this.#state.meta(id);
      const masterRev = meta?.masterRev ?? null;
      if (entry.doc === undefined && masterRev === null) {
        // Created and deleted here before the lake ever had it: nothing to tell the lake.
        updates.set(id, { masterRev: null, localRev: entry.rev });
        continue;
      }
      items.push(
        entry.doc === undefined
          ? { id, deleted: true, assumedRev: masterRev }
          : { id, doc: entry.doc, assumedRev: masterRev },
      );
      pushed.push({ id, entry });
    }
    await this.#recordSent(pushed);
    const uploaded = await this.#uploadChunksOf(pushed, options);
    // Retrying is safe: each item names the revision it replaces, and the lake recognises a
    // write it already applied.
    const answers =
      items.length === 0
        ? []
        : await this.#retry(options, () => this.#remote.bulkWrite(items, options));
    let progress = updates.size > 0;
    const keep: BulkWriteItem[] = [];
    const adopt: { id: string; masterRev: string; item: BulkWriteItem; detail: string }[] = [];
    for (const [index, answer] of answers.entries()) {
      const sent = pushed[index];
      if (sent === undefined) continue;
      const { id, entry } = sent;
      const meta = this.#state.meta(id);
      if (answer.ok) {
        updates.set(id, { masterRev: answer.rev, localRev: entry.rev });
        this.#report.add({ kind: 'pushed', id, rev: answer.rev });
        result.pushed++;
        progress = true;
        continue;
      }
      if (answer.error.code === 'conflict') {
        const lake = lakeStateOf(answer.error.current);
        const resolution = resolveConflict(id, localSide(entry), lake, {
          applied: answer.error.reason === 'applied_then_replaced',
          own: lake.kind !== 'absent' && meta?.sent?.includes(lake.rev) === true,
        });
        result.conflicts++;
        progress = this.#apply(id, entry, meta, resolution, updates, keep, adopt) || progress;
        if (resolution.kind === 'bug') skipped.add(id);
        continue;
      }
      const failure = failureOf(entry.rev, answer);
      updates.set(id, {
        masterRev: meta?.masterRev ?? null,
        localRev: meta?.localRev ?? null,
        failure,
        ...sentOf(meta),
      });
      this.#report.add({ kind: 'push-failed', id, rev: entry.rev, detail: failure.message });
      result.failed++;
      if (failure.reason === undefined || !retryableReasons.has(failure.reason)) skipped.add(id);
    }
    if (keep.length > 0) await this.#local.bulkWrite(keep, options);
    if (adopt.length > 0) {
      const written = await this.#local.bulkWrite(
        adopt.map((a) => a.item),
        options,
      );
      for (const [index, outcome] of written.entries()) {
        const adopted = adopt[index];
        if (adopted === undefined || !outcome.ok) continue;
        updates.set(adopted.id, { masterRev: adopted.masterRev, localRev: outcome.rev });
        this.#report.add({
          kind: 'conflict',
          id: adopted.id,
          rev: adopted.masterRev,
          detail: adopted.detail,
        });
      }
    }
    await this.#state.commit(updates);
    for (const [id, meta] of updates) {
      if (meta.failure === undefined && this.#outbox.get(id)?.rev === meta.localRev)
        this.#outbox.delete(id);
    }
    await this.#markChunksSynced(uploaded, answers);
    return progress;
  }

  /**
   * Records, before a push leaves, the lake revision each item will get if applied (one state
   * transaction per bulk): if its answer is lost and the document changes here before the next
   * push, the conflict that push meets is recognised as our own write.
   */
  async #recordSent(pushed: readonly { id: string; entry: OutboxEntry }[]): Promise<void> {
    const recorded = new Map<string, DocSyncMeta>();
    for (const { id, entry } of pushed) {
      const meta = this.#state.meta(id);
      const expected = await lakeRevision(
        meta?.masterRev ?? null,
        entry.doc,
        entry.doc === undefined,
      );
      if (meta?.sent?.includes(expected) === true) continue;
      recorded.set(id, {
        masterRev: meta?.masterRev ?? null,
        localRev: meta?.localRev ?? null,
        ...(meta?.failure === undefined ? {} : { failure: meta.failure }),
        sent: [...(meta?.sent ?? []), expected].slice(-MAX_SENT),
      });
    }
    await this.#state.commit(recorded);
  }

  /** Records a resolution; answers whether it moved the document forward. */
  #apply(
    id: string,
    entry: OutboxEntry,
    meta: DocSyncMeta | undefined,
    resolution: Resolution,
    updates: Map<string, DocSyncMeta>,
    keep: BulkWriteItem[],
    adopt: { id: string; masterRev: string; item: BulkWriteItem; detail: string }[],
  ): boolean {
    switch (resolution.kind) {
      case 'settled':
        updates.set(id, { masterRev: resolution.masterRev, localRev: entry.rev });
        this.#report.add({
          kind: 'conflict',
          id,
          rev: entry.rev,
          detail: 'same content on both sides',
        });
        return true;
      case 'repush':
        if (resolution.keep !== undefined) {
          keep.push({ id: resolution.keep.id, doc: resolution.keep.doc, assumedRev: null });
        }
        updates.set(id, {
          masterRev: resolution.masterRev,
          localRev: meta?.localRev ?? null,
          ...sentOf(meta),
        });
        this.#report.add({ kind: 'conflict', id, rev: entry.rev, detail: resolution.detail });
        return true;
      case 'adopt':
        if (resolution.keep !== undefined) {
          keep.push({ id: resolution.keep.id, doc: resolution.keep.doc, assumedRev: null });
        }
        adopt.push({
          id,
          masterRev: resolution.masterRev,
          item: resolution.lake.deleted
            ? { id, deleted: true, assumedRev: entry.rev }
            : { id, doc: resolution.lake.content, assumedRev: entry.rev },
          detail: resolution.detail,
        });
        return true;
      case 'bug':
        updates.set(id, {
          masterRev: meta?.masterRev ?? null,
          localRev: meta?.localRev ?? null,
          ...sentOf(meta),
          failure: {
            rev: entry.rev,
            code: 'conflict',
            reason: 'single_writer_conflict',
            message: resolution.detail,
            at: Date.now(),
          },
        });
        this.#report.add({ kind: 'conflict-bug', id, rev: entry.rev, detail: resolution.detail });
        return false;
    }
  }

  /**
   * Uploads the unsynced chunks that the manifest pages about to be pushed reference (the lake
   * refuses a page whose chunks it lacks). Answers, per page id, the hashes uploaded or found
   * unsynced, to be marked synced once the page is acknowledged — not before: until then the
   * lake may collect them (decision 0011, "Garbage collection").
   */
  async #uploadChunksOf(
    pushed: readonly { id: string; entry: OutboxEntry }[],
    options: CallOptions,
  ): Promise<Map<string, string[]>> {
    const byPage = new Map<string, string[]>();
    if (this.#chunks === undefined) return byPage;
    const { store, remote } = this.#chunks;
    for (const { id, entry } of pushed) {
      if (entry.doc?.type !== 'chunk-page' || !Array.isArray(entry.doc.entries)) continue;
      const hashes = (entry.doc.entries as unknown[])
        .map((e) =>
          typeof e === 'object' && e !== null ? (e as { sha256?: unknown }).sha256 : undefined,
        )
        .filter((h): h is string => typeof h === 'string');
      const infos = await store.info(hashes, options);
      const unsynced = infos
        .filter((info) => info?.unsynced === true)
        .map((info) => info?.sha256 ?? '');
      const transfer: ChunkTransfer = { direction: 'upload', doneBytes: 0, totalBytes: 0 };
      for (const info of infos) if (info?.unsynced === true) transfer.totalBytes += info.byteLength;
      this.#transfer = transfer;
      try {
        for (const sha256 of unsynced) {
          const probe = await this.#retry(options, () => remote.probe(sha256, options));
          const [bytes] = probe.stored ? [] : await store.get([sha256], options);
          const before = transfer.doneBytes;
          if (bytes !== undefined) {
            const sent = await this.#retry(options, () =>
              remote.upload(sha256, bytes, {
                ...options,
                onProgress: (progress) => {
                  transfer.doneBytes = before + progress.bytesDone;
                },
              }),
            );
            this.#report.add({
              kind: 'chunk-uploaded',
              id: sha256,
              bytes: sent.bytesSent,
              detail: sent.status,
            });
          }
          const size = infos.find((info) => info?.sha256 === sha256)?.byteLength ?? 0;
          transfer.doneBytes = before + size;
        }
      } finally {
        this.#transfer = undefined;
      }
      byPage.set(id, unsynced);
    }
    return byPage;
  }

  async #markChunksSynced(
    uploaded: ReadonlyMap<string, string[]>,
    answers: readonly BulkWriteResult[],
  ): Promise<void> {
    if (this.#chunks === undefined || uploaded.size === 0) return;
    const acknowledged = answers
      .filter((answer) => answer.ok)
      .flatMap((answer) => uploaded.get(answer.id) ?? []);
    if (acknowledged.length > 0) await this.#chunks.store.markSynced(acknowledged);
  }
}

function delay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason as Error);
      },
      { once: true },
    );
  });
}

function signalOf(options: CallOptions | undefined): CallOptions {
  return options?.signal === undefined ? {} : { signal: options.signal };
}

/** The `sent` list of a document's metadata, kept across a failure or a re-push. */
function sentOf(meta: DocSyncMeta | undefined): Pick<DocSyncMeta, 'sent'> {
  return meta?.sent === undefined ? {} : { sent: meta.sent };
}

function localSide(entry: OutboxEntry): LocalSide {
  return entry.doc === undefined
    ? { deleted: true, rev: entry.rev }
    : { deleted: false, rev: entry.rev, content: entry.doc };
}

function failureOf(rev: string, answer: BulkWriteResult): PushFailure {
  if (answer.ok) throw new JioError('internal', 'not a failure');
  const { code, message, reason } = answer.error;
  return { rev, code, message, at: Date.now(), ...(reason === undefined ? {} : { reason }) };
}
