// Field kits: before going out, a technician pins sites/assets/datasets/signals × a time range
// × a resolution. The kit is a document (`type: 'kit'`, synced like any other, so an analyst can
// publish one); filling it downloads, in order, the pyramid levels of everything in it — each
// signal's coarsest view of the kit's window first, for all signals, then finer ones — and only
// then raw chunks, so the overview is browsable offline as early as possible. Every chunk
// planned and held is pinned to the kit (never evicted while pinned); coverage says what is
// cached at which resolution and the space it takes. Headers, level headers and manifest pages
// are documents that document sync has already brought; chunk bytes are fetched by hash
// through the engine, which verifies them.
import { bytesPerSample, isDtype } from '../../shared/chunk/dtype.ts';
import { parseInstant } from '../../shared/query/instant.ts';
import { fromJsonNumber } from '../../shared/signal/json-number.ts';
import {
  MAX_LEVELS,
  bucketLength,
  levelDtype,
  levelId,
  manifestPageSize,
  pageId,
} from '../../shared/signal/types.ts';
import type { ChunkOwner, ChunkStore } from '../chunks/types.ts';
import { JioError, isJioError } from '../errors.ts';
import type { CallOptions, JioDocument, Storage } from '../types.ts';
import type { StorageBudget } from './storage-budget.ts';

/** `raw`: every level and the samples; `overview`: pyramid levels only; k: levels ≥ k (0 = raw). */
export type KitResolution = 'raw' | 'overview' | number;

export interface KitSpec {
  type: 'kit';
  name: string;
  /** Sites, assets, datasets or signals by id: everything under them. */
  scope: string[];
  /** ISO 8601 instants (UTC when no offset): from inclusive, to exclusive; absent = unbounded. */
  from?: string;
  to?: string;
  resolution: KitResolution;
  /** Who made it (an analyst publishing kits to technicians), for display. */
  owner?: string;
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

export interface KitPlan {
  /** In fetch order; a chunk index appears once, a hash may appear more than once. */
  chunks: KitChunk[];
  /**
   * Documents the plan needs that document sync has not brought yet: manifest pages, level
   * headers, the time signal of an irregular signal.
   */
  unknownPages: string[];
  /** Scope ids that are no local document yet. */
  unknownScope: string[];
}

export interface KitLevelCoverage {
  level: number;
  /** Chunks the kit needs at this level, and how many of them this device holds. */
  needed: number;
  held: number;
  /** Space the held ones take (each distinct chunk once). */
  bytes: number;
}

export interface KitCoverage {
  kitId: string;
  /** By signal id; levels coarsest first, raw (0) last. */
  signals: { signalId: string; levels: KitLevelCoverage[] }[];
  neededChunks: number;
  heldChunks: number;
  /** Held chunks that this kit pins (fewer than held after `unpin`: those may be evicted). */
  pinnedChunks: number;
  /** Space the held chunks take, each distinct chunk once. */
  heldBytes: number;
  /** Documents the plan needs that have not been synced yet (see KitPlan). */
  unknownPages: number;
  unknownScope: number;
  /** Everything the kit covers is on this device, as far as the local documents tell. */
  complete: boolean;
}

export interface KitProgress {
  /** Planned chunks held so far, of `total`. */
  done: number;
  total: number;
  /** Bytes downloaded by this fill. */
  bytes: number;
}

/** Hashes per fetchChunks call: progress stays lively and an abort is heard between calls. */
const BATCH = 16;

/**
 * The chunk-store pin that holds a kit's chunks while its pin set is replaced. Document ids
 * cannot contain NUL, so this never names a real kit.
 */
const shadowOf = (kitId: string): string => `${kitId}\u0000repin`;
const SHA256 = /^[0-9a-f]{64}$/;

function invalid(message: string): JioError {
  return new JioError('bad_request', `Invalid field kit: ${message}`, { reason: 'invalid_kit' });
}

function instant(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  // parseInstant, not Date.parse: an instant without an offset is UTC on every device, where
  // Date.parse would read it in each tablet's own time zone.
  const time = typeof value === 'string' ? parseInstant(value) : undefined;
  if (time === undefined) {
    throw invalid(`"${name}" must be an ISO 8601 time, got ${JSON.stringify(value)}`);
  }
  return time;
}

/** The kit document checked: a clear 400 (reason `invalid_kit`) for anything else. */
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
  if (from !== undefined && to !== undefined && to <= from) {
    throw invalid('"to" must be after "from"');
  }
  const resolution = kit.resolution;
  if (
    resolution !== 'raw' &&
    resolution !== 'overview' &&
    !(
      typeof resolution === 'number' &&
      Number.isInteger(resolution) &&
      resolution >= 0 &&
      resolution <= MAX_LEVELS
    )
  ) {
    throw invalid(
      `"resolution" must be "raw", "overview" or a level from 0 (raw) to ${String(MAX_LEVELS)}`,
    );
  }
  if (kit.owner !== undefined && typeof kit.owner !== 'string') {
    throw invalid('"owner" must be a string');
  }
  return {
    type: 'kit',
    name: kit.name,
    scope: [...(scope as string[])],
    ...(typeof kit.from === 'string' ? { from: kit.from } : {}),
    ...(typeof kit.to === 'string' ? { to: kit.to } : {}),
    resolution,
    ...(typeof kit.owner === 'string' ? { owner: kit.owner } : {}),
  };
}

/** A document read locally, or undefined when document sync has not brought it. */
async function maybeGet(
  local: Storage,
  id: string,
  options?: CallOptions,
): Promise<JioDocument | undefined> {
  try {
    return await local.get(id, options);
  } catch (error) {
    if (isJioError(error, 'not_found')) return undefined;
    throw error;
  }
}

/**
 * Every live document of a type. One query per type rather than one per scope id: IndexedDB
 * answers the `type` clause by its index and filters any other clause in memory, so a query
 * like `type: "asset" AND site: "…"` reads every asset anyway.
 */
async function docsOfType(
  local: Storage,
  type: string,
  options?: CallOptions,
): Promise<Map<string, JioDocument>> {
  const signal = options?.signal === undefined ? {} : { signal: options.signal };
  if (local.hasCapacity('query')) {
    const { data } = await local.allDocs({
      query: `type: "${type}"`,
      include_docs: true,
      ...signal,
    });
    return new Map(data.rows.map((row) => [row.id, row.doc ?? {}]));
  }
  // A storage without queries still lists: filter here.
  const { data } = await local.allDocs({ include_docs: true, ...signal });
  return new Map(
    data.rows.filter((row) => row.doc?.type === type).map((row) => [row.id, row.doc ?? {}]),
  );
}

interface ResolvedScope {
  /** The kit's signals, sorted by id. */
  ids: string[];
  /** Every local signal header by id (time signals are looked up here). */
  headers: Map<string, JioDocument>;
  /** Signals that hold the times of another signal of the kit. */
  timeSignals: Set<string>;
  unknownScope: string[];
}

async function resolveScope(
  local: Storage,
  kit: KitSpec,
  options?: CallOptions,
): Promise<ResolvedScope> {
  const [assets, datasets, headers] = await Promise.all([
    docsOfType(local, 'asset', options),
    docsOfType(local, 'dataset', options),
    docsOfType(local, 'signal', options),
  ]);
  const scope = new Set(kit.scope);
  // asset.site; dataset.site and dataset.assetId; signal.datasetId (docs/lake-api.md).
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
  const chosen = [...headers].filter(([id, doc]) => inScope(id, doc)).map(([id]) => id);
  // The times of irregular data (`timeSignalId`) are data too: they come with their signal.
  const timeSignals = new Set(
    chosen
      .map((id) => headers.get(id)?.timeSignalId)
      .filter((id): id is string => typeof id === 'string' && headers.has(id)),
  );
  // A scope id no local document has: document sync has not brought it (or it is a typo).
  // Without this a kit pinned before its site synced would look complete with nothing in it.
  const unknownScope: string[] = [];
  for (const id of kit.scope) {
    if (assets.has(id) || datasets.has(id) || headers.has(id)) continue;
    if ((await maybeGet(local, id, options)) === undefined) unknownScope.push(id);
  }
  return {
    ids: [...new Set([...chosen, ...timeSignals])].sort(),
    headers,
    timeSignals,
    unknownScope,
  };
}

/**
 * The signals a kit covers: scope ids resolved through the local documents (site → assets →
 * datasets → signals; a dataset → its signals; a signal → itself), with the time signals of
 * irregular ones. Sorted by id.
 */
export async function kitSignals(
  local: Storage,
  kit: KitSpec,
  options?: CallOptions,
): Promise<string[]> {
  return (await resolveScope(local, kit, options)).ids;
}

/** [start, end) sample index ranges, sorted and disjoint. */
type Ranges = [start: number, end: number][];

/** A count read from a document: a positive safe integer, else 0 (absent or malformed). */
const countOf = (value: unknown): number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : 0;

/** A statistic of a manifest entry (numbers, or "NaN"/"±Infinity" strings), if it is one. */
function statOf(value: unknown): number | undefined {
  return typeof value === 'number' ||
    value === 'NaN' ||
    value === 'Infinity' ||
    value === '-Infinity'
    ? fromJsonNumber(value)
    : undefined;
}

/**
 * The first sample at or after an instant, as the lake's slices count (server/read/slice/
 * range.ts): [from, to) then holds exactly the samples whose time t has from ≤ t < to. A product
 * within rounding of a whole sample is that sample.
 */
function sampleAtOrAfter(ms: number, t0: number, rate: number): number {
  const exact = ((ms - t0) * rate) / 1000;
  const nearest = Math.round(exact);
  return Math.abs(exact - nearest) <= 1e-7 + Math.abs(exact) * 1e-15 ? nearest : Math.ceil(exact);
}

/** What planKit reads once and shares: documents by id (undefined: not local) and misses. */
class PlanReader {
  readonly #docs = new Map<string, Promise<JioDocument | undefined>>();
  readonly unknown = new Set<string>();

  constructor(
    private readonly local: Storage,
    private readonly options: CallOptions | undefined,
  ) {}

  doc(id: string): Promise<JioDocument | undefined> {
    let doc = this.#docs.get(id);
    if (doc === undefined) {
      doc = maybeGet(this.local, id, this.options);
      this.#docs.set(id, doc);
    }
    return doc;
  }

  /** The manifest entry of chunk `index` of an array, or undefined (its page noted unknown). */
  async entry(arrayId: string, index: number): Promise<Record<string, unknown> | undefined> {
    const id = pageId(arrayId, Math.floor(index / manifestPageSize));
    const entries = (await this.doc(id))?.entries;
    const entry: unknown = Array.isArray(entries) ? entries[index % manifestPageSize] : undefined;
    if (typeof entry !== 'object' || entry === null) {
      this.unknown.add(id);
      return undefined;
    }
    return entry as Record<string, unknown>;
  }
}

/**
 * The samples of a signal within the kit's window: through t0 and sampleRate for regular
 * signals; through the per-chunk min/max of the time signal's manifest for irregular ones (its
 * values are milliseconds since the epoch), so a week's kit of years of collector records does
 * not take the years; the whole signal when it has no absolute time base (or no window).
 */
async function sampleRanges(
  reader: PlanReader,
  signalId: string,
  header: JioDocument,
  window: { from: number | undefined; to: number | undefined },
  scope: ResolvedScope,
): Promise<Ranges> {
  const length = countOf(header.length);
  if (length === 0) return [];
  const { from, to } = window;
  if (from === undefined && to === undefined) return [[0, length]];
  const t0 = typeof header.t0 === 'string' ? parseInstant(header.t0) : undefined;
  const rate = header.sampleRate;
  if (t0 !== undefined && typeof rate === 'number' && Number.isFinite(rate) && rate > 0) {
    const clamp = (index: number): number => Math.min(length, Math.max(0, index));
    const start = from === undefined ? 0 : clamp(sampleAtOrAfter(from, t0, rate));
    const end = to === undefined ? length : clamp(sampleAtOrAfter(to, t0, rate));
    return end > start ? [[start, end]] : [];
  }
  const timeId =
    typeof header.timeSignalId === 'string'
      ? header.timeSignalId
      : scope.timeSignals.has(signalId)
        ? signalId
        : undefined;
  if (timeId === undefined) return [[0, length]];
  const times = scope.headers.get(timeId);
  const chunkLength = countOf(times?.chunkLength);
  if (times === undefined || chunkLength === 0) {
    reader.unknown.add(timeId);
    return [];
  }
  // Samples past the time signal's committed length have no time yet (the two commit apart).
  const known = Math.min(length, countOf(times.length));
  const ranges: Ranges = [];
  for (let chunk = 0; chunk * chunkLength < known; chunk++) {
    const entry = await reader.entry(timeId, chunk);
    if (entry === undefined) continue;
    // Times need not be sorted within a chunk: its [min, max] overlapping the window is what
    // counts. NaN (no time at all) overlaps nothing; an entry without statistics is kept.
    const min = statOf(entry.min) ?? Number.NEGATIVE_INFINITY;
    const max = statOf(entry.max) ?? Number.POSITIVE_INFINITY;
    if (!(max >= (from ?? Number.NEGATIVE_INFINITY) && min < (to ?? Number.POSITIVE_INFINITY))) {
      continue;
    }
    const start = chunk * chunkLength;
    const end = Math.min(known, start + chunkLength);
    const last = ranges.at(-1);
    if (last !== undefined && last[1] === start) last[1] = end;
    else ranges.push([start, end]);
  }
  return ranges;
}

/**
 * The levels to fetch, coarsest first, raw (0) last. A signal too short to have the finest
 * level asked for still gets its top level: that single bucket covers the whole signal, as the
 * missing level's would.
 */
function levelsWanted(resolution: KitResolution, built: number): number[] {
  const finest = resolution === 'raw' ? 0 : resolution === 'overview' ? 1 : resolution;
  const levels: number[] = [];
  for (let level = built; level >= Math.max(1, finest); level--) levels.push(level);
  if (levels.length === 0 && built >= 1 && finest > built) levels.push(built);
  if (finest === 0) levels.push(0);
  return levels;
}

interface PlanGroup {
  signalId: string;
  level: number;
  /** Buckets (or samples) of this level over the kit's window: smaller is coarser. */
  items: number;
  chunks: KitChunk[];
}

/**
 * The ordered fetch plan. Pyramid levels first, by how many buckets they draw the kit's window
 * with — fewest first — so every signal's coarsest view comes before any finer one of any
 * signal, whatever their lengths and rates (ordering by level number k would fetch hundreds of
 * chunks of a fast signal's mid levels before a slow signal's first bucket); for one signal
 * this is coarsest k first. Raw chunks last, signal by signal. Only chunks overlapping the
 * window; chunks on manifest pages not synced yet are left out and their pages listed.
 */
export async function planKit(
  local: Storage,
  kit: KitSpec,
  options?: CallOptions,
): Promise<KitPlan> {
  const scope = await resolveScope(local, kit, options);
  const reader = new PlanReader(local, options);
  const window = {
    from: kit.from === undefined ? undefined : parseInstant(kit.from),
    to: kit.to === undefined ? undefined : parseInstant(kit.to),
  };
  const groups: PlanGroup[] = [];
  for (const signalId of scope.ids) {
    const header = scope.headers.get(signalId) ?? {};
    const ranges = await sampleRanges(reader, signalId, header, window, scope);
    if (ranges.length === 0) continue;
    const dtype = isDtype(header.dtype) ? header.dtype : 'float64';
    const built = Math.min(MAX_LEVELS, countOf(header.levels));
    for (const level of levelsWanted(kit.resolution, built)) {
      let arrayId = signalId;
      // Items per chunk: samples for raw, buckets for a level (whose chunk holds 4 values each).
      let chunkLength = countOf(header.chunkLength);
      let chunkBytes = chunkLength * bytesPerSample(dtype);
      let samplesPerItem = 1;
      if (level > 0) {
        arrayId = levelId(signalId, level);
        const levelHeader = await reader.doc(arrayId);
        if (levelHeader === undefined) {
          reader.unknown.add(arrayId);
          continue;
        }
        chunkLength = countOf(levelHeader.chunkLength);
        chunkBytes = 4 * chunkLength * bytesPerSample(levelDtype(dtype));
        samplesPerItem = bucketLength(level);
      }
      if (chunkLength === 0) continue;
      const group: PlanGroup = { signalId, level, items: 0, chunks: [] };
      let next = 0;
      for (const [start, end] of ranges) {
        // Buckets overlapping [start, end): the first one may begin before start.
        const first = Math.floor(start / samplesPerItem);
        const last = Math.ceil(end / samplesPerItem);
        group.items += last - first;
        const chunkEnd = Math.ceil(last / chunkLength);
        for (
          let index = Math.max(next, Math.floor(first / chunkLength));
          index < chunkEnd;
          index++
        ) {
          const entry = await reader.entry(arrayId, index);
          if (typeof entry?.sha256 !== 'string' || !SHA256.test(entry.sha256)) {
            reader.unknown.add(pageId(arrayId, Math.floor(index / manifestPageSize)));
            continue;
          }
          group.chunks.push({
            sha256: entry.sha256,
            signalId,
            level,
            chunkIndex: index,
            bytes: chunkBytes,
          });
        }
        next = Math.max(next, chunkEnd);
      }
      groups.push(group);
    }
  }
  const pyramid = groups
    .filter((group) => group.level > 0)
    .sort(
      (a, b) =>
        a.items - b.items ||
        b.level - a.level ||
        (a.signalId < b.signalId ? -1 : a.signalId > b.signalId ? 1 : 0),
    );
  const raw = groups.filter((group) => group.level === 0);
  return {
    chunks: [...pyramid, ...raw].flatMap((group) => group.chunks),
    unknownPages: [...reader.unknown],
    unknownScope: scope.unknownScope,
  };
}

export interface FieldKitsOptions {
  local: Storage;
  chunks: ChunkStore;
  /** Downloads missing chunks into the chunk store, verified (SyncEngine.fetchChunks). */
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

  /**
   * Stores the kit (checked) under `kitId`, or under a new id when none is given; answers the
   * id. Downloads nothing: `fill` does.
   */
  async pin(kitId: string | undefined, kit: unknown, options?: CallOptions): Promise<string> {
    const spec = checkKitSpec(kit);
    if (kitId === undefined) return this.options.local.post({ ...spec }, options);
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
   * Downloads what the kit lacks, in plan order (one signal and level per fetchChunks call, up
   * to 16 hashes), pinning every planned chunk held and releasing pins of chunks the kit no
   * longer names (superseded versions, a narrowed window). A failure (offline, over budget) or
   * an abort leaves what was fetched pinned and rethrows; the next call fetches only what is
   * still missing.
   */
  async fill(
    kitId: string,
    options: CallOptions & { onProgress?: (progress: KitProgress) => void } = {},
  ): Promise<KitCoverage> {
    const { onProgress, ...call } = options;
    const kit = await this.get(kitId, call);
    const plan = await planKit(this.options.local, kit, call);
    // Planned chunks per hash: identical chunks (a constant stretch) share one.
    const uses = new Map<string, number>();
    for (const chunk of plan.chunks) uses.set(chunk.sha256, (uses.get(chunk.sha256) ?? 0) + 1);
    const held = await this.#settlePins(kitId, [...uses.keys()], call);
    const count = (hashes: Iterable<string>): number =>
      [...hashes].reduce((sum, hash) => sum + (uses.get(hash) ?? 0), 0);
    const progress: KitProgress = { done: count(held), total: plan.chunks.length, bytes: 0 };
    onProgress?.({ ...progress });
    const queued = new Set(held);
    const missing = plan.chunks.filter((chunk) => {
      if (queued.has(chunk.sha256)) return false;
      queued.add(chunk.sha256);
      return true;
    });
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
      ) {
        end++;
      }
      const batch = missing.slice(start, end);
      const hashes = batch.map((chunk) => chunk.sha256);
      let failure: { error: unknown } | undefined;
      try {
        await this.options.budget?.makeRoom(
          batch.reduce((sum, chunk) => sum + chunk.bytes, 0),
          call,
        );
        progress.bytes += await this.options.fetchChunks(
          hashes,
          { signalId: first.signalId, level: first.level },
          call,
        );
      } catch (error) {
        failure = { error };
      }
      // fetchChunks stores chunk by chunk and stops at the first failure: what arrived is
      // pinned even then. Without the abort signal — a short local write, and an aborted
      // fill must not leave downloaded chunks evictable.
      try {
        progress.done += count(await this.#pinHeld(kitId, hashes, {}));
      } catch (error) {
        if (failure === undefined) throw error;
      }
      onProgress?.({ ...progress });
      if (failure !== undefined) throw failure.error;
      start = end;
    }
    return this.#coverageOf(kitId, plan, call);
  }

  /** What of the kit this device holds, level by level, and the space it takes. */
  async coverage(kitId: string, options?: CallOptions): Promise<KitCoverage> {
    const kit = await this.get(kitId, options);
    return this.#coverageOf(kitId, await planKit(this.options.local, kit, options), options);
  }

  /**
   * Releases the kit's chunks on this device (they become evictable). The kit document stays:
   * it may be someone else's (an analyst publishes kits); `remove` deletes it for everyone.
   */
  async unpin(kitId: string, options?: CallOptions): Promise<void> {
    await this.options.chunks.unpin(kitId, options);
    await this.options.chunks.unpin(shadowOf(kitId), options);
  }

  /** Unpins and deletes the kit document (a deletion that syncs). */
  async remove(kitId: string, options?: CallOptions): Promise<void> {
    await this.unpin(kitId, options);
    await this.options.local.remove(kitId, options).catch((error: unknown) => {
      if (!isJioError(error, 'not_found')) throw error;
    });
  }

  /**
   * Unpins kits whose document is gone (deleted on another device, the deletion synced here):
   * nothing else would ever release their chunks. Answers the kit ids released.
   */
  async releaseOrphans(options?: CallOptions): Promise<string[]> {
    const { byKit } = await this.options.chunks.usage(options);
    const live = await docsOfType(this.options.local, 'kit', options);
    const released = new Set<string>();
    for (const pinned of Object.keys(byKit)) {
      const [kitId = pinned] = pinned.split('\u0000');
      if (live.has(kitId)) continue;
      await this.options.chunks.unpin(pinned, options);
      released.add(kitId);
    }
    return [...released];
  }

  /**
   * Pins those of `hashes` the store holds; answers them. A chunk evicted between the look and
   * the pin makes the pin refuse (not_found): look again.
   */
  async #pinHeld(
    kitId: string,
    hashes: readonly string[],
    options: CallOptions,
  ): Promise<string[]> {
    const store = this.options.chunks;
    for (let attempt = 1; ; attempt++) {
      const held = await store.has(hashes, options);
      const present = hashes.filter((_hash, index) => held[index] === true);
      try {
        if (present.length > 0) await store.pin(kitId, present, options);
        return present;
      } catch (error) {
        if (attempt >= 3 || !isJioError(error, 'not_found')) throw error;
      }
    }
  }

  /**
   * Pins every planned chunk held, and drops the kit's pins on chunks no longer planned: a
   * chunk index rewritten by an append (the new version has a new hash), a window narrowed by
   * editing the kit. The store can only release a kit's pins all at once, so the kept chunks
   * are held by a shadow pin meanwhile — never evictable, even for an instant.
   */
  async #settlePins(
    kitId: string,
    hashes: readonly string[],
    options: CallOptions,
  ): Promise<Set<string>> {
    const store = this.options.chunks;
    const held = await this.#pinHeld(kitId, hashes, options);
    const { byKit } = await store.usage(options);
    const infos = await store.info(held, options);
    const heldBytes = infos.reduce((sum, info) => sum + (info?.byteLength ?? 0), 0);
    const shadow = shadowOf(kitId);
    if ((byKit[kitId] ?? 0) > heldBytes) {
      // No abort signal from here on: four short local writes, left half-done by nothing.
      await this.#pinHeld(shadow, held, {});
      await store.unpin(kitId);
      await this.#pinHeld(kitId, held, {});
      await store.unpin(shadow);
    } else if (byKit[shadow] !== undefined) {
      // A swap cut short earlier (the page closed in the middle).
      await store.unpin(shadow);
    }
    return new Set(held);
  }

  async #coverageOf(kitId: string, plan: KitPlan, options?: CallOptions): Promise<KitCoverage> {
    const distinct = [...new Set(plan.chunks.map((chunk) => chunk.sha256))];
    const infos = await this.options.chunks.info(distinct, options);
    const infoOf = new Map(distinct.map((hash, index) => [hash, infos[index]]));
    type Level = KitLevelCoverage & { seen: Set<string> };
    const signals = new Map<string, Map<number, Level>>();
    let heldChunks = 0;
    let pinnedChunks = 0;
    let heldBytes = 0;
    const counted = new Set<string>();
    for (const chunk of plan.chunks) {
      const levels = signals.get(chunk.signalId) ?? new Map<number, Level>();
      signals.set(chunk.signalId, levels);
      const entry: Level = levels.get(chunk.level) ?? {
        level: chunk.level,
        needed: 0,
        held: 0,
        bytes: 0,
        seen: new Set<string>(),
      };
      levels.set(chunk.level, entry);
      entry.needed++;
      const info = infoOf.get(chunk.sha256);
      if (info === undefined) continue;
      entry.held++;
      heldChunks++;
      if (info.kits.includes(kitId)) pinnedChunks++;
      if (!entry.seen.has(chunk.sha256)) {
        entry.seen.add(chunk.sha256);
        entry.bytes += info.byteLength;
      }
      if (!counted.has(chunk.sha256)) {
        counted.add(chunk.sha256);
        heldBytes += info.byteLength;
      }
    }
    return {
      kitId,
      signals: [...signals]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([signalId, levels]) => ({
          signalId,
          levels: [...levels.values()]
            .sort((a, b) => b.level - a.level)
            .map(({ level, needed, held, bytes }) => ({ level, needed, held, bytes })),
        })),
      neededChunks: plan.chunks.length,
      heldChunks,
      pinnedChunks,
      heldBytes,
      unknownPages: plan.unknownPages.length,
      unknownScope: plan.unknownScope.length,
      complete:
        heldChunks === plan.chunks.length &&
        plan.unknownPages.length === 0 &&
        plan.unknownScope.length === 0,
    };
  }
}
