// What the lake derives from its documents, applied in sequence order after each commit: the
// chunk references (which the garbage collector respects) and the Zarr view (current chunk
// versions at their positional keys). The position reached is stored (`derived_seq`), so a
// crash between a commit and its application is repaired at the next start by replaying the
// change feed from there; applying a document twice is harmless (it applies its latest state).
import type { FastifyBaseLogger } from 'fastify';
import { zarrNodeName } from '../blobs/zarr-path.ts';
import { BlobStoreError, type ZarrPath } from '../blobs/types.ts';
import type { Lake } from '../lake.ts';
import type { JsonObject, StoredDoc } from '../meta/types.ts';
import {
  groupMetadata,
  layoutOfDoc,
  levelArrayMetadata,
  ROOT_GROUP,
  signalArrayMetadata,
} from './metadata.ts';

const SETTING = 'derived_seq';
const PAGE_SIZE = 1024;
const BATCH = 500;
const PERSIST_EVERY = 1000;

interface ArrayTarget {
  path: ZarrPath;
  /** The signal's name (for dimension names). */
  label: string;
  /** The chunk key of chunk index i. */
  key: (index: number) => string[];
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

export class DerivedState {
  /** Zarr nodes whose zarr.json exists (see #hasMetadata), as pathKey()s. */
  readonly #withMetadata = new Set<string>();
  /** Replaying after a start or a failure (see start()). */
  #repairing = false;
  /** The last seq of the batch being applied, and of the last batch that failed. */
  #applying = 0;
  #failedThrough = 0;
  #applied = 0;
  #stored = 0;
  #queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly lake: Lake,
    private readonly log: FastifyBaseLogger,
  ) {}

  /** Reads the position reached and replays what a crash left unapplied. */
  async start(): Promise<void> {
    this.#applied = Number((await this.lake.meta.getSetting(SETTING)) ?? '0');
    this.#stored = this.#applied;
    await this.lake.blobs.writeZarrMetadata([], ROOT_GROUP);
    // What a crash left unapplied is replayed in repair mode: a page's chunk references may
    // have been committed before its chunk keys were linked (the references then report no
    // change), so every chunk key of a replayed page is linked again.
    this.#repairing = true;
    try {
      await this.applyUpTo(await this.lake.meta.currentSeq());
    } finally {
      this.#repairing = false;
    }
  }

  /**
   * Stores the position reached — not after every write (each store write is an fsync), but
   * every PERSIST_EVERY changes and at close: replaying a few changes after a crash costs less
   * than an fsync per write, and applying a change twice is harmless.
   */
  async #remember(force: boolean): Promise<void> {
    if (!force && this.#applied - this.#stored < PERSIST_EVERY) return;
    // The view's files become durable before the position that says they are written.
    await this.lake.blobs.syncZarr();
    await this.lake.meta.setSetting(SETTING, String(this.#applied));
    this.#stored = this.#applied;
  }

  /** Waits for pending applications and stores the position reached. */
  async close(): Promise<void> {
    await this.#queue;
    if (this.#applied !== this.#stored) await this.#remember(true);
  }

  get applied(): number {
    return this.#applied;
  }

  /** Applies every change up to `seq` (one application at a time, in order). */
  applyUpTo(seq: number): Promise<void> {
    const run = this.#queue.then(async () => {
      while (this.#applied < seq) {
        const docs = await this.lake.meta.changes({
          since: this.#applied,
          limit: BATCH,
          sites: { all: true },
        });
        if (docs.length === 0) break;
        const last = docs.at(-1)?.seq ?? this.#applied;
        // A batch that failed may have committed chunk references before linking their keys:
        // it is applied again in repair mode (see start()).
        const repair = this.#repairing || this.#applied < this.#failedThrough;
        this.#applying = last;
        await this.#applyBatch(docs, repair);
        this.#applied = last;
        await this.#remember(false);
      }
    });
    // A failure (a full disk) stops here; the next write or the next start retries.
    this.#queue = run.catch((error: unknown) => {
      this.#failedThrough = Math.max(this.#failedThrough, this.#applying);
      this.log.error({ err: error, at: this.#applied }, 'applying derived state failed');
    });
    return this.#queue;
  }

  async #applyBatch(docs: readonly StoredDoc[], repair: boolean): Promise<void> {
    const before = this.#repairing;
    this.#repairing = repair;
    try {
      if (docs.some((doc) => doc.deleted)) {
        // A deletion removes a subtree other documents of the batch may write into: in order.
        for (const doc of docs) await this.#applyOne(doc);
      } else {
        await this.#applyTogether(docs);
      }
    } finally {
      this.#repairing = before;
    }
  }

  /**
   * Applies a batch without deletions: datasets (groups) first, then every page's chunk
   * references in one transaction, then the files of the view with several writes in flight —
   * each is a file and a folder fsync, and overlapping them lets the journal commit many at
   * once (ingestion writes dozens of pages and headers per commit). Each document's files are
   * its own (a header's zarr.json, a page's chunk keys), so the order between them does not
   * matter. A failure leaves the position before the batch: it is applied again, which is
   * harmless.
   */
  async #applyTogether(docs: readonly StoredDoc[]): Promise<void> {
    for (const doc of docs) if (doc.type === 'dataset') await this.#applyOne(doc);
    const pages = docs.flatMap((doc) => {
      const arrayId = text(doc.body.signalId);
      const page = doc.body.page;
      if (doc.type !== 'chunk-page' || arrayId === undefined || typeof page !== 'number') return [];
      return [{ doc, arrayId, first: page * PAGE_SIZE, hashes: hashesOf(doc.body) }];
    });
    const refs = await this.lake.meta.setChunkRefsMany(
      pages.map(({ doc, arrayId, first, hashes }) => ({
        arrayId,
        site: doc.site,
        first,
        hashes,
      })),
    );
    const work: (() => Promise<void>)[] = [];
    for (const doc of docs) {
      if (doc.type === 'signal' || doc.type === 'pyramid-level') {
        work.push(() => this.#guarded(doc, () => this.#arrayHeader(doc)));
      }
    }
    for (const [i, page] of pages.entries()) {
      const changed = this.#relinked(page.first, page.hashes, refs[i]?.changed ?? []);
      if (changed.length === 0) continue;
      work.push(() =>
        this.#guarded(page.doc, () =>
          this.#linkChanged(page.arrayId, page.first, page.hashes, changed),
        ),
      );
    }
    await inParallel(work, FILES_IN_FLIGHT);
  }

  /**
   * A document the Zarr view cannot hold (a name too long for a file name) is skipped with a
   * warning: it stays readable through the API. Anything else (a full disk) stops the
   * application here, to be retried.
   */
  async #applyOne(doc: StoredDoc): Promise<void> {
    await this.#guarded(doc, () => this.#apply(doc));
  }

  async #guarded(doc: StoredDoc, apply: () => Promise<void>): Promise<void> {
    try {
      await apply();
    } catch (error) {
      if (error instanceof BlobStoreError && error.code === 'invalid') {
        this.log.warn({ id: doc.id, err: error }, 'document left out of the Zarr view');
        return;
      }
      throw error;
    }
  }

  async #apply(doc: StoredDoc): Promise<void> {
    switch (doc.type) {
      case 'dataset':
        await this.#dataset(doc);
        return;
      case 'signal':
      case 'pyramid-level':
        await this.#arrayHeader(doc);
        return;
      case 'chunk-page':
        await this.#page(doc);
        return;
      default:
        return;
    }
  }

  async #dataset(doc: StoredDoc): Promise<void> {
    const path = [zarrNodeName(doc.id)];
    if (doc.deleted) await this.#removeNode(path);
    else await this.lake.blobs.writeZarrMetadata(path, groupMetadata({ ...doc.body, id: doc.id }));
  }

  /** Where an array document (signal or pyramid level) lives in the Zarr view. */
  async #target(arrayId: string, body: JsonObject): Promise<ArrayTarget | undefined> {
    if (body.type === 'signal') {
      const datasetId = text(body.datasetId);
      const name = text(body.name);
      if (datasetId === undefined || name === undefined) return undefined;
      return {
        path: [zarrNodeName(datasetId), zarrNodeName(name)],
        label: name,
        key: (index) => ['c', String(index)],
      };
    }
    if (body.type === 'pyramid-level') {
      const signalId = text(body.signalId);
      const level = body.level;
      if (signalId === undefined || typeof level !== 'number') return undefined;
      const signal = await this.lake.meta.getDoc(signalId);
      if (signal === undefined || signal.deleted) return undefined;
      const parent = await this.#target(signalId, signal.body);
      if (parent === undefined) return undefined;
      const [dataset = '', name = ''] = parent.path;
      return {
        path: [dataset, `${name}.pyramid`, String(level)],
        label: parent.label,
        key: (index) => ['c', String(index), '0'],
      };
    }
    this.log.warn({ arrayId }, 'chunk page of a document that is not an array');
    return undefined;
  }

  /**
   * Whether a node's zarr.json exists. Nodes this process wrote are remembered, so that a
   * signal's header rewritten at every ingestion commit does not read its file back each time
   * (a removal forgets the subtree).
   */
  async #hasMetadata(path: ZarrPath): Promise<boolean> {
    if (this.#withMetadata.has(pathKey(path))) return true;
    const exists = (await this.lake.blobs.readZarr(path, ['zarr.json'])) !== undefined;
    if (exists) this.#withMetadata.add(pathKey(path));
    return exists;
  }

  async #removeNode(path: ZarrPath): Promise<void> {
    const prefix = pathKey(path);
    for (const key of this.#withMetadata) {
      if (key === prefix || key.startsWith(`${prefix}/`)) this.#withMetadata.delete(key);
    }
    await this.lake.blobs.removeZarrNode(path);
  }

  async #arrayHeader(doc: StoredDoc): Promise<void> {
    const target = await this.#target(doc.id, doc.body);
    if (target === undefined) return;
    if (doc.deleted) {
      await this.lake.meta.clearChunkRefs(doc.id);
      await this.#removeNode(target.path);
      if (doc.type === 'signal') {
        const [dataset = '', name = ''] = target.path;
        await this.#removeNode([dataset, `${name}.pyramid`]);
      }
      return;
    }
    const layout = layoutOfDoc(doc.body);
    if (layout === undefined) return;
    const [dataset = '', name = ''] = target.path;
    const known = await this.#hasMetadata(target.path);
    if (doc.type === 'signal') {
      await this.lake.blobs.writeZarrMetadata(
        target.path,
        signalArrayMetadata(layout, doc.body, target.label),
      );
    } else {
      // target.path is [dataset, '<signal>.pyramid', k]: the group is its parent.
      const group: ZarrPath = [dataset, name];
      if (!(await this.#hasMetadata(group))) {
        this.#withMetadata.add(pathKey(group));
        await this.lake.blobs.writeZarrMetadata(
          group,
          groupMetadata({ signalId: doc.body.signalId, pyramid: true }),
        );
      }
      await this.lake.blobs.writeZarrMetadata(
        target.path,
        levelArrayMetadata(layout, doc.body, target.label),
      );
    }
    this.#withMetadata.add(pathKey(target.path));
    // Pages written before the header first appeared had nowhere to link their chunks.
    if (!known) await this.#relinkAll(doc, target, layout.chunkLength);
  }

  async #relinkAll(doc: StoredDoc, target: ArrayTarget, chunkLength: number): Promise<void> {
    const length = typeof doc.body.length === 'number' ? doc.body.length : 0;
    const pages = Math.ceil(Math.ceil(length / chunkLength) / PAGE_SIZE);
    for (let page = 0; page < pages; page++) {
      const pageDoc = await this.lake.meta.getDoc(`${doc.id}/manifest/${page}`);
      if (pageDoc === undefined || pageDoc.deleted) continue;
      const hashes = hashesOf(pageDoc.body);
      for (const [offset, sha] of hashes.entries()) {
        await this.#link(target, page * PAGE_SIZE + offset, sha);
      }
    }
  }

  async #page(doc: StoredDoc): Promise<void> {
    const arrayId = text(doc.body.signalId);
    const page = doc.body.page;
    if (arrayId === undefined || typeof page !== 'number') return;
    const first = page * PAGE_SIZE;
    if (doc.deleted) {
      await this.lake.meta.clearChunkRefs(arrayId, first, PAGE_SIZE);
      return;
    }
    const hashes = hashesOf(doc.body);
    const { changed } = await this.lake.meta.setChunkRefs(arrayId, doc.site, first, hashes);
    await this.#linkChanged(arrayId, first, hashes, this.#relinked(first, hashes, changed));
  }

  /** The chunk indexes of a page to link: those whose version changed, or all in repair. */
  #relinked(first: number, hashes: readonly string[], changed: number[]): number[] {
    if (!this.#repairing) return changed;
    return hashes.flatMap((sha, offset) => (sha === '' ? [] : [first + offset]));
  }

  /** Links the chunk keys whose version changed to their new objects. */
  async #linkChanged(
    arrayId: string,
    first: number,
    hashes: readonly string[],
    changed: readonly number[],
  ): Promise<void> {
    if (changed.length === 0) return;
    const array = await this.lake.meta.getDoc(arrayId);
    if (array === undefined || array.deleted) return;
    const target = await this.#target(arrayId, array.body);
    if (target === undefined) return;
    for (const index of changed) {
      const sha = hashes[index - first];
      if (sha !== undefined) await this.#link(target, index, sha);
    }
  }

  async #link(target: ArrayTarget, index: number, sha: string): Promise<void> {
    await this.lake.blobs.setZarrChunk(target.path, target.key(index), sha);
  }
}

/** Files of the view written at once (each write is a file and a folder fsync). */
const FILES_IN_FLIGHT = 16;

/** Runs tasks with at most `limit` at a time; the first failure is thrown once all settled. */
async function inParallel(tasks: readonly (() => Promise<void>)[], limit: number): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const task = tasks[next++];
      try {
        await task?.();
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  if (failure !== undefined) throw failure.error;
}

/** A node path as one string ('/' never occurs in a node name: zarr-path.ts). */
function pathKey(path: ZarrPath): string {
  return path.join('/');
}

function hashesOf(body: JsonObject): string[] {
  const entries = Array.isArray(body.entries) ? (body.entries as unknown[]) : [];
  return entries.map((entry) =>
    typeof entry === 'object' && entry !== null && typeof (entry as JsonObject).sha256 === 'string'
      ? ((entry as JsonObject).sha256 as string)
      : '',
  );
}
