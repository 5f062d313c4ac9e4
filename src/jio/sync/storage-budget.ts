// The storage budget: how much of the origin's quota cached chunks may take (a user setting;
// by default half of `navigator.storage.estimate().quota`), persistence (requested once; when
// the browser denies it, unsynced work is at risk and the UI offers an outbox export), and
// eviction: least recently used first, raw levels before coarse ones, never unsynced chunks or
// chunks a pinned kit holds (the chunk store's own rules, chunk-rules.ts).
import type { ChunkStore, EvictionResult } from '../chunks/types.ts';
import { JioError, isJioError } from '../errors.ts';
import type { CallOptions, Storage } from '../types.ts';

/** The parts of `navigator.storage` used here (absent in old browsers and in Node). */
export interface StorageManagerLike {
  estimate(): Promise<{ quota?: number; usage?: number }>;
  persist?(): Promise<boolean>;
  persisted?(): Promise<boolean>;
}

export interface BudgetStatus {
  budgetBytes: number;
  /** Whether the budget is the user's setting or the default (half the quota). */
  source: 'setting' | 'default';
  quotaBytes: number;
  /** Everything the origin stores (documents, chunks, the app's caches), as the browser says. */
  originUsageBytes: number;
  chunkBytes: number;
  unsyncedBytes: number;
  pinnedBytes: number;
  persisted: boolean;
  /** Not persisted and holding work the lake has not acknowledged. */
  atRisk: boolean;
  overBudget: boolean;
}

/** Local-only: a budget belongs to this device, so it is kept beside the sync state. */
export const BUDGET_SETTING_ID = 'setting/storage-budget';
/** Used when the browser gives no quota (Node tests, old browsers): 1 GiB. */
const FALLBACK_QUOTA = 1024 ** 3;

export class StorageBudget {
  readonly #chunks: ChunkStore;
  readonly #settings: Storage;
  readonly #storage: StorageManagerLike | undefined;

  constructor(options: {
    chunks: ChunkStore;
    /** Where the setting lives (the sync state storage). */
    settings: Storage;
    storage?: StorageManagerLike | undefined;
  }) {
    this.#chunks = options.chunks;
    this.#settings = options.settings;
    this.#storage = options.storage;
  }

  async status(options: CallOptions = {}): Promise<BudgetStatus> {
    const [estimate, setting, usage, persisted] = await Promise.all([
      this.#estimate(),
      this.#setting(options),
      this.#chunks.usage(options),
      this.#persisted(),
    ]);
    const quotaBytes = estimate.quota ?? FALLBACK_QUOTA;
    const budgetBytes = setting ?? Math.floor(quotaBytes / 2);
    return {
      budgetBytes,
      source: setting === undefined ? 'default' : 'setting',
      quotaBytes,
      originUsageBytes: estimate.usage ?? usage.totalBytes,
      chunkBytes: usage.totalBytes,
      unsyncedBytes: usage.unsyncedBytes,
      pinnedBytes: usage.pinnedBytes,
      persisted,
      atRisk: !persisted && usage.unsyncedBytes > 0,
      overBudget: usage.totalBytes > budgetBytes,
    };
  }

  /** Sets the budget in bytes (null: back to the default), then evicts down to it. */
  async setBudget(bytes: number | null, options: CallOptions = {}): Promise<BudgetStatus> {
    if (bytes !== null && !(Number.isSafeInteger(bytes) && bytes >= 0)) {
      throw new JioError('bad_request', 'The storage budget must be a whole number of bytes ≥ 0', {
        reason: 'invalid_budget',
      });
    }
    if (bytes === null) {
      await this.#settings.remove(BUDGET_SETTING_ID, options).catch((error: unknown) => {
        if (!isJioError(error, 'not_found')) throw error;
      });
    } else {
      await this.#settings.put(BUDGET_SETTING_ID, { bytes }, options);
    }
    await this.enforce(options);
    return this.status(options);
  }

  /**
   * Asks the browser to keep this origin's data under storage pressure. Answers whether it
   * is persisted; the caller warns when it is not and unsynced work exists (status().atRisk).
   */
  async requestPersistence(): Promise<boolean> {
    if (await this.#persisted()) return true;
    try {
      return (await this.#storage?.persist?.()) ?? false;
    } catch {
      return false;
    }
  }

  /** Evicts until the chunks fit the budget (as far as evictable chunks allow). */
  async enforce(options: CallOptions = {}): Promise<EvictionResult> {
    const status = await this.status(options);
    if (!status.overBudget) return { freedBytes: 0, evicted: [] };
    return this.#chunks.evict(status.chunkBytes - status.budgetBytes, options);
  }

  /**
   * Makes room for `bytes` more before a download: evicts what it must, or refuses (507,
   * reason `over_budget`) when unsynced and pinned chunks leave no room — a kit larger than
   * the budget stops with a clear message instead of evicting itself.
   */
  async makeRoom(bytes: number, options: CallOptions = {}): Promise<void> {
    const status = await this.status(options);
    const excess = status.chunkBytes + bytes - status.budgetBytes;
    if (excess <= 0) return;
    const { freedBytes } = await this.#chunks.evict(excess, options);
    if (freedBytes < excess) {
      throw new JioError(
        'insufficient_storage',
        `Not enough room within the storage budget (${mib(status.budgetBytes)}): ${mib(bytes)} more are needed and only ${mib(freedBytes + Math.max(0, status.budgetBytes - status.chunkBytes))} can be freed; unsynced data and pinned kits are never evicted — raise the budget or unpin a kit`,
        { reason: 'over_budget' },
      );
    }
  }

  async #setting(options: CallOptions): Promise<number | undefined> {
    try {
      const doc = await this.#settings.get(BUDGET_SETTING_ID, options);
      return typeof doc.bytes === 'number' ? doc.bytes : undefined;
    } catch (error) {
      if (isJioError(error, 'not_found')) return undefined;
      throw error;
    }
  }

  async #estimate(): Promise<{ quota?: number; usage?: number }> {
    try {
      return (await this.#storage?.estimate()) ?? {};
    } catch {
      return {};
    }
  }

  async #persisted(): Promise<boolean> {
    try {
      return (await this.#storage?.persisted?.()) ?? false;
    } catch {
      return false;
    }
  }
}

function mib(bytes: number): string {
  return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
}
