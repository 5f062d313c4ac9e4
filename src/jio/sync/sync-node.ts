// Everything a syncer needs, opened from the browser's own IndexedDB and the page's lake: the
// documents and chunks (`fieldlake`), the engine's state (`fieldlake-sync`), the lake's document
// and chunk channels (session cookie, same origin), the engine and the storage budget. The
// dedicated sync worker opens one per tab; the service worker opens one for a Background Sync
// event when no page holds the sync lock. Only the lock holder runs cycles. Nothing here may
// import the chunk codec (signal store, encode/decode): its lazily loaded zstd wasm uses
// `import.meta`, which the service worker — a classic script — cannot evaluate at all.
import { openIndexedDbChunkStore } from '../chunks/indexeddb-chunk-store.ts';
import type { ChunkStore } from '../chunks/types.ts';
import { IndexedDbStorage } from '../storages/indexeddb/index.ts';
import { type IndexedDbEnvironment, openFieldlakeDexie } from '../storages/indexeddb/schema.ts';
import { isObject, LakeHttp } from '../storages/lake/http.ts';
import { LakeChunks, LakeStorage } from '../storages/lake/index.ts';
import type { Storage } from '../types.ts';
import type { SessionInfo, WireSessionUser } from '../../shared/wire/session.ts';
import { JioError } from '../errors.ts';
import { FieldKits } from './field-kit.ts';
import { StorageBudget, type StorageManagerLike } from './storage-budget.ts';
import { SyncEngine } from './sync-engine.ts';
import { SyncReport } from './sync-report.ts';
import { SyncState } from './sync-state.ts';

/** The Web Lock whose holder is the one syncer of this origin. */
export const SYNC_LOCK = 'fieldlake-sync';
/** The BroadcastChannel the syncer tells every tab its status on. */
export const SYNC_CHANNEL = 'fieldlake-sync';
/** The Background Sync tag the page registers while work waits for the network. */
export const BACKGROUND_SYNC_TAG = 'fieldlake-sync';
export const DOCS_DATABASE = 'fieldlake';
export const STATE_DATABASE = 'fieldlake-sync';

export interface SyncNodeOptions {
  /** The lake's address (default: this origin). */
  lakeUrl?: string;
  /** Bearer secret; without it the session cookie is used. */
  token?: string;
  /** Per-request limit (default 30 s): a stalled connection fails and is retried. */
  timeoutMs?: number;
  indexedDb?: IndexedDbEnvironment;
  storageManager?: StorageManagerLike;
  fetch?: typeof fetch;
}

export interface SyncNode {
  /** The documents (with queries). */
  local: Storage;
  stateStorage: Storage;
  chunks: ChunkStore;
  http: LakeHttp;
  engine: SyncEngine;
  budget: StorageBudget;
  kits: FieldKits;
  /** Who the lake says is signed in (401 `unauthorized` when nobody is). */
  session(): Promise<WireSessionUser>;
  close(): Promise<void>;
}

export async function openSyncNode(options: SyncNodeOptions = {}): Promise<SyncNode> {
  const url = options.lakeUrl ?? self.location.origin;
  const environment = options.indexedDb ?? {};
  // IndexedDB answers queries itself (the `type` clause by its index).
  const local = new IndexedDbStorage(openFieldlakeDexie(DOCS_DATABASE, environment));
  const stateStorage = new IndexedDbStorage(openFieldlakeDexie(STATE_DATABASE, environment));
  const chunks = openIndexedDbChunkStore(DOCS_DATABASE, environment);
  const lakeOptions = {
    url,
    timeoutMs: options.timeoutMs ?? 30_000,
    ...(options.token === undefined ? {} : { token: options.token }),
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
  };
  const http = new LakeHttp(lakeOptions);
  const remote = new LakeStorage(lakeOptions);
  const report = new SyncReport();
  const engine = new SyncEngine({
    local,
    remote,
    state: await SyncState.open(stateStorage),
    report,
    chunks: { store: chunks, remote: new LakeChunks(http) },
  });
  const budget = new StorageBudget({
    chunks,
    settings: stateStorage,
    storage:
      options.storageManager ?? (typeof navigator === 'undefined' ? undefined : navigator.storage),
  });
  const kits = new FieldKits({
    local,
    chunks,
    fetchChunks: (hashes, owner, callOptions) => engine.fetchChunks(hashes, owner, callOptions),
    budget,
  });
  return {
    local,
    stateStorage,
    chunks,
    http,
    engine,
    budget,
    kits,
    session: async () => sessionUser(await http.json({ method: 'GET', path: '/api/session' })),
    async close() {
      http.close();
      await Promise.all([local.close(), stateStorage.close(), chunks.close(), remote.close()]);
    },
  };
}

function sessionUser(body: unknown): WireSessionUser {
  const user = isObject(body) ? (body as Partial<SessionInfo>).user : undefined;
  if (
    !isObject(user) ||
    typeof user.id !== 'string' ||
    typeof user.name !== 'string' ||
    !Array.isArray(user.sites)
  ) {
    throw new JioError('internal', 'The lake answered GET /api/session without a user', {
      reason: 'invalid_response',
    });
  }
  return user;
}
