// Field kits: before going out, a technician pins sites/assets/datasets/signals × a time range
// × a resolution. The kit is a document (`type: 'kit'`, synced like any other, so an analyst can
// publish one); filling it downloads, in order, the coarse pyramid levels of everything in it —
// all signals' coarsest level first, then finer — and only then raw chunks, so the overview is
// browsable offline as early as possible. Every chunk planned and held is pinned to the kit
// (never evicted while pinned); coverage says what is cached at which resolution and the space
// it takes. Headers, level headers and manifest pages are documents that document sync has
// already brought; chunk bytes are fetched by hash through the engine (verified).
import { bucketLength, levelId, manifestPageSize, pageId } from '../../shared/signal/types.ts';
import type { ChunkOwner, ChunkStore } from '../chunks/types.ts';
import { JioError, isJioError } from '../errors.ts';
import type { CallOptions, JioDocument, Storage } from '../types.ts';
import type { StorageBudget } from './storage-budget.ts';

export type KitResolution = 'raw' | 'overview' | number;

export interface KitSpec {
  type: 'kit';
  name: string;
  /** Sites, assets, datasets or signals by id: everything under them. */
  scope: string[];
  /** ISO 8601 instants: from inclusive, to exclusive; absent = the whole signal. */
  from?: string;
  to?: string;
  /** `raw`: every level and the samples; `overview`: pyramid levels only; k: levels ≥ k (0 = raw). */
  resolution: KitResolution;
}

export interface KitChunk {
  sha256: string;
  signalId: string;
  /** 0 = raw samples, k ≥ 1 = pyramid level k. */
  level: number;
  chunkIndex: number;
  /** Upper bound of its size (uncompressed), to make room within the budget before fetching. */
  bytes: number;
}

export interface KitCoverage {
  kitId: string;
  signals: {
    signalId: string;
    levels: { level: number; needed: number; held: number; bytes: number }[];
  }[];
  neededChunks: number;
  heldChunks: number;
  heldBytes: number;
  /** Manifest pages the plan needs that document sync has not brought yet. */
  unknownPages: number;
  complete: boolean;
}

export interface KitProgress {
  done: number;
  total: number;
  bytes: number;
}

const BATCH = 16;

function invalid(message: string): JioError {
  return new JioError('bad_request', `Invalid field kit: ${message}`, { reason: 'invalid_kit' });
}

function instant(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  const time = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(time)) throw invalid(`"${name}" must be an ISO 8601 time`);
  return time;
}

/** The kit document checked: a clear 400 for anything else. */
export function checkKitSpec(doc: unknown): KitSpec {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw invalid('not an object');
  const kit = doc as Record<string, unknown>;
  if (kit.type !== 'kit') throw invalid('"type" must be "kit"');
  if (typeof kit.name !== 'string' || kit.name.trim() === '') throw invalid('it needs a name');
  const scope = kit.scope;
  if (
    !Array.isArray(scope) ||
    scope.length === 0 ||
    !scope.every((id) => typeof id === 'string' && id !== '')
  ) {
    throw invalid('"scope" must list at least one site, asset, dataset or signal id');
  }
  const from = instant(kit.from, 'from');
  const to = instant(kit.to, 'to');
  if (from !== undefined && to !== undefined && to <= from)
    throw invalid('"to" must be after "from"');
  const resolution = kit.resolution;
  if (
    resolution !== 'raw' &&
    resolution !== 'overview' &&
    !(
      typeof resolution === 'number' &&
      Number.isInteger(resolution) &&
      resolution >= 0 &&
      resolution <= 25
    )
  ) {
    throw invalid('"resolution" must be "raw", "overview" or a level from 0 to 25');
  }
  return {
    type: 'kit',
    name: kit.name,
    scope: scope as string[],
    ...(typeof kit.from === 'string' ? { from: kit.from } : {}),
    ...(typeof kit.to === 'string' ? { to: kit.to } : {}),
    resolution,
  };
}

async function docsOfType(
  local: Storage,
  type: string,
  options?: CallOptions,
): Promise<Map<string, JioDocument>> {
  const { data } = await local.allDocs({
    query: `type: "${type}"`,
    include_docs: true,
    ...(options?.signal === undefined ? {} : { signal: options.signal }),
  });
  return new Map(data.rows.map((row) => [row.id, row.doc ?? {}]));
}

/** The signals a kit covers, through sites → assets → datasets → signals. */
export async function kitSignals(
  local: Storage,
  kit: KitSpec,
  options?: CallOptions,
): Promise<string[]> {
  const [assets, datasets, signals] = await Promise.all([
    docsOfType(local, 'asset', options),
    docsOfType(local, 'dataset', options),
    docsOfType(local, 'signal', options),
  ]);
  const scope = new Set(kit.scope);
  const parents = (doc: JioDocument): string[] =>
    [doc.site, doc.assetId, doc.datasetId].filter((p): p is string => typeof p === 'string');
  /** Whether the document or one of its ancestors is in the scope (a walk, cycles ignored). */
  const inScope = (id: string, doc: JioDocument): boolean => {
    const seen = new Set<string>();
    const queue: [string, JioDocument | undefined][] = [[id, doc]];
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      const [currentId, current] = next;
      if (scope.has(currentId)) return true;
      if (seen.has(currentId) || current === undefined) continue;
      seen.add(currentId);
      for (const parent of parents(current)) {
        queue.push([parent, assets.get(parent) ?? datasets.get(parent)]);
      }
    }
    return false;
  };
  // Time signals of irregular data (`timeSignalId`) are data too: they come with their signal.
  const chosen = [...signals].filter(([id, doc]) => inScope(id, doc)).map(([id]) => id);
  const times = chosen
    .map((id) => signals.get(id)?.timeSignalId)
    .filter((id): id is string => typeof id === 'string' && signals.has(id));
  return [...new Set([...chosen, ...times])].sort();
}

/** [first, end) sample indices of the kit's time range within a signal, or the whole signal. */
function sampleRange(header: JioDocument, kit: KitSpec): [number, number] {
  const length = typeof header.length === 'number' ? header.length : 0;
  const rate = header.sampleRate;
  const t0 = typeof header.t0 === 'string' ? Date.parse(header.t0) : Number.NaN;
  if (typeof rate !== 'number' || !(rate > 0) || !Number.isFinite(t0)) return [0, length];
  const at = (iso: string | undefined, fallback: number): number =>
    iso === undefined
      ? fallback
      : Math.min(length, Math.max(0, Math.floor(((Date.parse(iso) - t0) / 1000) * rate)));
  return [at(kit.from, 0), at(kit.to, length)];
}

function levelsWanted(kit: KitSpec, built: number): number[] {
  const finest = kit.resolution === 'raw' ? 0 : kit.resolution === 'overview' ? 1 : kit.resolution;
  const levels: number[] = [];
  for (let level = built; level >= Math.max(1, finest); level--) levels.push(level);
  if (finest === 0) levels.push(0);
  return levels;
}

/**
 * The ordered fetch plan: level by level from the coarsest, across every signal, raw last.
 * Chunks on manifest pages not synced yet are counted in `unknownPages`.
 */
export async function planKit(
  local: Storage,
  kit: KitSpec,
  options?: CallOptions,
): Promise<{ chunks: KitChunk[]; unknownPages: string[] }> {
  const signals = await kitSignals(local, kit, options);
  const byLevel = new Map<number, KitChunk[]>();
  const unknownPages: string[] = [];
  const pages = new Map<string, JioDocument | undefined>();
  const page = async (id: string): Promise<JioDocument | undefined> => {
    if (!pages.has(id)) {
      try {
        pages.set(id, await local.get(id, options));
      } catch (error) {
        if (!isJioError(error, 'not_found')) throw error;
        pages.set(id, undefined);
      }
    }
    return pages.get(id);
  };
  for (const signalId of signals) {
    const header = await local.get(signalId, options);
    const [first, end] = sampleRange(header, kit);
    if (end <= first) continue;
    const built = typeof header.levels === 'number' ? header.levels : 0;
    for (const level of levelsWanted(kit, built)) {
      let arrayId = signalId;
      let chunkLength = typeof header.chunkLength === 'number' ? header.chunkLength : 0;
      let [from, to] = [first, end];
      if (level > 0) {
        arrayId = levelId(signalId, level);
        const levelHeader = await page(arrayId);
        if (levelHeader === undefined) {
          unknownPages.push(arrayId);
          continue;
        }
        chunkLength = typeof levelHeader.chunkLength === 'number' ? levelHeader.chunkLength : 0;
        const buckets = bucketLength(level);
        [from, to] = [Math.floor(first / buckets), Math.ceil(end / buckets)];
      }
      if (!(chunkLength > 0)) continue;
      // Raw chunks hold chunkLength samples; level chunks [min, max, mean, count] per bucket.
      const sampleBytes = header.dtype === 'float64' || header.dtype === 'int32' ? 8 : 4;
      const chunkBytes =
        level === 0
          ? chunkLength * (header.dtype === 'int16' ? 2 : sampleBytes)
          : chunkLength * 4 * sampleBytes;
      const list = byLevel.get(level) ?? [];
      byLevel.set(level, list);
      for (
        let chunkIndex = Math.floor(from / chunkLength);
        chunkIndex * chunkLength < to;
        chunkIndex++
      ) {
        const manifest = await page(pageId(arrayId, Math.floor(chunkIndex / manifestPageSize)));
        const entries = manifest?.entries;
        const entry = Array.isArray(entries)
          ? (entries[chunkIndex % manifestPageSize] as { sha256?: unknown } | undefined)
          : undefined;
        if (typeof entry?.sha256 !== 'string') {
          unknownPages.push(pageId(arrayId, Math.floor(chunkIndex / manifestPageSize)));
          continue;
        }
        list.push({ sha256: entry.sha256, signalId, level, chunkIndex, bytes: chunkBytes });
      }
    }
  }
  const order = [...byLevel.keys()].sort((a, b) => (a === 0 ? 1 : b === 0 ? -1 : b - a));
  return {
    chunks: order.flatMap((level) => byLevel.get(level) ?? []),
    unknownPages: [...new Set(unknownPages)],
  };
}

export interface FieldKitsOptions {
  local: Storage;
  chunks: ChunkStore;
  /** Downloads missing chunks into the chunk store (SyncEngine.fetchChunks). */
  fetchChunks: (
    hashes: readonly string[],
    owner: ChunkOwner,
    options?: CallOptions,
  ) => Promise<number>;
  /** When given, room is made within the budget before each download (or it refuses). */
  budget?: Pick<StorageBudget, 'makeRoom'>;
}

export class FieldKits {
  constructor(private readonly options: FieldKitsOptions) {}

  /** Stores the kit (checked) under its id. */
  async pin(kitId: string, kit: unknown, options?: CallOptions): Promise<string> {
    const spec = checkKitSpec(kit);
    await this.options.local.put(kitId, { ...spec }, options);
    return kitId;
  }

  async get(kitId: string, options?: CallOptions): Promise<KitSpec> {
    return checkKitSpec(await this.options.local.get(kitId, options));
  }

  async list(options?: CallOptions): Promise<{ id: string; kit: KitSpec }[]> {
    const kits = await docsOfType(this.options.local, 'kit', options);
    const listed: { id: string; kit: KitSpec }[] = [];
    for (const [id, doc] of kits) {
      try {
        listed.push({ id, kit: checkKitSpec(doc) });
      } catch {
        // A malformed kit document (edited by hand elsewhere) is not offered.
      }
    }
    return listed;
  }

  /**
   * Downloads what the kit lacks, in plan order, pinning what it holds. A failure (offline,
   * over budget) leaves what was fetched pinned and rethrows; the next call goes on.
   */
  async fill(
    kitId: string,
    options: CallOptions & { onProgress?: (progress: KitProgress) => void } = {},
  ): Promise<KitCoverage> {
    const { onProgress, ...call } = options;
    const kit = await this.get(kitId, call);
    const { chunks: plan } = await planKit(this.options.local, kit, call);
    const store = this.options.chunks;
    const held = await store.has(
      plan.map((chunk) => chunk.sha256),
      call,
    );
    await store.pin(
      kitId,
      plan.filter((_chunk, index) => held[index] === true).map((chunk) => chunk.sha256),
      call,
    );
    const progress: KitProgress = {
      done: held.filter(Boolean).length,
      total: plan.length,
      bytes: 0,
    };
    onProgress?.({ ...progress });
    const missing = plan.filter((_chunk, index) => held[index] !== true);
    for (let start = 0; start < missing.length;) {
      call.signal?.throwIfAborted();
      const first = missing[start];
      if (first === undefined) break;
      // One owner per call: same signal and level, up to BATCH chunks.
      let end = start + 1;
      while (
        end < missing.length &&
        end - start < BATCH &&
        missing[end]?.signalId === first.signalId &&
        missing[end]?.level === first.level
      )
        end++;
      const batch = missing.slice(start, end);
      const hashes = batch.map((chunk) => chunk.sha256);
      await this.options.budget?.makeRoom(
        batch.reduce((sum, chunk) => sum + chunk.bytes, 0),
        call,
      );
      const bytes = await this.options.fetchChunks(
        hashes,
        { signalId: first.signalId, level: first.level },
        call,
      );
      await store.pin(kitId, hashes, call);
      progress.done += batch.length;
      progress.bytes += bytes;
      onProgress?.({ ...progress });
      start = end;
    }
    return this.coverage(kitId, call);
  }

  async coverage(kitId: string, options?: CallOptions): Promise<KitCoverage> {
    const kit = await this.get(kitId, options);
    const { chunks: plan, unknownPages } = await planKit(this.options.local, kit, options);
    const infos = await this.options.chunks.info(
      plan.map((chunk) => chunk.sha256),
      options,
    );
    const signals = new Map<
      string,
      Map<number, { level: number; needed: number; held: number; bytes: number }>
    >();
    let heldChunks = 0;
    let heldBytes = 0;
    for (const [index, chunk] of plan.entries()) {
      const levels =
        signals.get(chunk.signalId) ??
        new Map<number, { level: number; needed: number; held: number; bytes: number }>();
      signals.set(chunk.signalId, levels);
      const entry = levels.get(chunk.level) ?? { level: chunk.level, needed: 0, held: 0, bytes: 0 };
      levels.set(chunk.level, entry);
      entry.needed++;
      const info = infos[index];
      if (info !== undefined) {
        entry.held++;
        entry.bytes += info.byteLength;
        heldChunks++;
        heldBytes += info.byteLength;
      }
    }
    return {
      kitId,
      signals: [...signals].map(([signalId, levels]) => ({
        signalId,
        levels: [...levels.values()].sort((a, b) => b.level - a.level),
      })),
      neededChunks: plan.length,
      heldChunks,
      heldBytes,
      unknownPages: unknownPages.length,
      complete: heldChunks === plan.length && unknownPages.length === 0,
    };
  }

  /**
   * Releases the kit's chunks on this device (they become evictable). The kit document stays:
   * it may be someone else's (an analyst publishes kits); `remove` deletes it for everyone.
   */
  async unpin(kitId: string, options?: CallOptions): Promise<void> {
    await this.options.chunks.unpin(kitId, options);
  }

  /** Unpins and deletes the kit document (a deletion that syncs). */
  async remove(kitId: string, options?: CallOptions): Promise<void> {
    await this.unpin(kitId, options);
    await this.options.local.remove(kitId, options).catch((error: unknown) => {
      if (!isJioError(error, 'not_found')) throw error;
    });
  }
}
