// Who may see what is on this device. Run before every sync cycle with the user the lake says
// is signed in:
// - another user signed in on a shared tablet: the previous user's outbox is put aside (an
//   outbox file kept in the sync state, never pushed under someone else's name), every local
//   document and chunk is purged, and sync starts afresh for the new user. When the previous
//   user signs in again, their outbox is imported back and syncs as theirs.
// - a technician lost sites: the documents of those sites and their chunks are purged from the
//   device (the lake stops sending them; the checkpoint's backfill brings them back if access
//   returns). The user's own unsynced work on those sites is kept, never silently dropped: it
//   shows as refused by the lake.
// An expired session never gets here: the cycle stops at 401 with the outbox untouched.
import type { WireSessionUser } from '../../shared/wire/session.ts';
import type { ChunkStore } from '../chunks/types.ts';
import { isJioError } from '../errors.ts';
import type { Storage } from '../types.ts';
import { exportOutbox, importOutbox } from './outbox-file.ts';
import type { SyncEngine } from './sync-engine.ts';

const USER_ID = 'access/user';
const PARKED_PREFIX = 'parked/';
const PARKED_FILE = 'outbox.ndjson';

export interface AccessParts {
  local: Storage;
  /** The sync state storage: it also keeps the recorded user and parked outboxes. */
  stateStorage: Storage;
  chunks: ChunkStore;
  engine: SyncEngine;
}

export type AccessChange =
  | { kind: 'same' }
  | { kind: 'first'; userId: string }
  | { kind: 'switched'; from: string; to: string; parked: number; restored: number }
  | { kind: 'sites-revoked'; sites: string[]; purged: number };

interface RecordedUser {
  id: string;
  name: string;
  sites: string[];
  role: string;
}

export class AccessGuard {
  constructor(private readonly parts: AccessParts) {}

  async check(user: WireSessionUser): Promise<AccessChange> {
    const recorded = await this.#recorded();
    if (recorded === undefined) {
      await this.#record(user);
      return { kind: 'first', userId: user.id };
    }
    if (recorded.id !== user.id) return this.#switchUser(recorded, user);
    const revoked =
      user.role === 'technician' ? recorded.sites.filter((site) => !user.sites.includes(site)) : [];
    const changed =
      recorded.role !== user.role ||
      recorded.sites.length !== user.sites.length ||
      revoked.length > 0;
    if (!changed) return { kind: 'same' };
    const purged = revoked.length > 0 ? await this.#purgeSites(new Set(user.sites)) : 0;
    await this.#record(user);
    return revoked.length > 0
      ? { kind: 'sites-revoked', sites: revoked, purged }
      : { kind: 'same' };
  }

  async #switchUser(previous: RecordedUser, user: WireSessionUser): Promise<AccessChange> {
    const { engine, local, chunks, stateStorage } = this.parts;
    const outbox = await engine.outbox();
    let parked = 0;
    if (outbox.length > 0) {
      const exported = await exportOutbox({
        engine,
        local,
        chunks,
        user: { id: previous.id, name: previous.name },
      });
      const id = `${PARKED_PREFIX}${previous.id}/${Date.now().toString(36)}`;
      await stateStorage.put(id, {
        type: 'parked-outbox',
        userId: previous.id,
        userName: previous.name,
        docs: exported.summary.docs,
        chunks: exported.summary.chunks,
      });
      await stateStorage.putAttachment(id, PARKED_FILE, exported.blob, {
        contentType: 'application/x-ndjson',
      });
      parked = outbox.length;
    }
    // Purge everything the previous user had here: documents, cached and unsynced chunks
    // (their unsynced work is in the parked file), and the sync state.
    const { data } = await local.allDocs();
    await deleteAll(
      local,
      data.rows.map((row) => row.id),
    );
    const held = await chunks.list();
    await chunks.delete(held.map((info) => info.sha256));
    await engine.state.clear();
    engine.reset();
    await this.#record(user);
    const restored = await this.#restore(user.id);
    return { kind: 'switched', from: previous.id, to: user.id, parked, restored };
  }

  /** Imports the outboxes parked for this user; answers how many documents came back. */
  async #restore(userId: string): Promise<number> {
    const { stateStorage, local, chunks, engine } = this.parts;
    const { data } = await stateStorage.allDocs();
    let restored = 0;
    for (const row of data.rows) {
      if (!row.id.startsWith(`${PARKED_PREFIX}${userId}/`)) continue;
      const file = await stateStorage.getAttachment(row.id, PARKED_FILE);
      const report = await importOutbox(file, { local, chunks, engine });
      restored += report.written.length + report.unchanged.length;
      await stateStorage.remove(row.id);
    }
    return restored;
  }

  /** Purges synced documents whose site is not among `sites` (site-less ones stay). */
  async #purgeSites(sites: ReadonlySet<string>): Promise<number> {
    const { local, engine, chunks } = this.parts;
    const pending = new Set((await engine.outbox()).map((item) => item.id));
    const { data } = await local.allDocs({ include_docs: true });
    const docs = new Map(data.rows.map((row) => [row.id, row.doc ?? {}]));
    const purge: string[] = [];
    const hashes: string[] = [];
    for (const [id, doc] of docs) {
      const site = siteOf(id, doc, docs);
      if (site === undefined || sites.has(site) || pending.has(id)) continue;
      purge.push(id);
      if (doc.type === 'chunk-page' && Array.isArray(doc.entries)) {
        for (const entry of doc.entries as { sha256?: unknown }[]) {
          if (typeof entry.sha256 === 'string') hashes.push(entry.sha256);
        }
      }
    }
    await deleteAll(local, purge);
    await engine.state.forget(purge);
    const infos = await chunks.info(hashes);
    // A chunk this user recorded and has not synced is kept with its page's outbox entry.
    await chunks.delete(
      infos
        .filter((info) => info !== undefined && !info.unsynced)
        .map((info) => info?.sha256 ?? ''),
    );
    engine.reset();
    return purge.length;
  }

  async #recorded(): Promise<RecordedUser | undefined> {
    try {
      const doc = await this.parts.stateStorage.get(USER_ID);
      return typeof doc.id === 'string'
        ? {
            id: doc.id,
            name: typeof doc.name === 'string' ? doc.name : doc.id,
            sites: Array.isArray(doc.sites)
              ? doc.sites.filter((s): s is string => typeof s === 'string')
              : [],
            role: typeof doc.role === 'string' ? doc.role : 'technician',
          }
        : undefined;
    } catch (error) {
      if (isJioError(error, 'not_found')) return undefined;
      throw error;
    }
  }

  async #record(user: WireSessionUser): Promise<void> {
    await this.parts.stateStorage.put(USER_ID, {
      id: user.id,
      name: user.name,
      role: user.role,
      sites: [...user.sites],
    });
  }
}

/** The site a document belongs to, as the lake computes it (docs/lake-api.md, "Roles and sites"). */
export function siteOf(
  id: string,
  doc: Record<string, unknown>,
  docs: ReadonlyMap<string, Record<string, unknown>>,
): string | undefined {
  let current: Record<string, unknown> | undefined = doc;
  let currentId = id;
  for (let hop = 0; hop < 8 && current !== undefined; hop++) {
    if (current.type === 'site') return currentId;
    if (typeof current.site === 'string') return current.site;
    const parent = [current.signalId, current.datasetId, current.assetId].find(
      (value): value is string => typeof value === 'string',
    );
    if (parent === undefined) return undefined;
    currentId = parent;
    current = docs.get(parent);
  }
  return undefined;
}

async function deleteAll(storage: Storage, ids: readonly string[]): Promise<void> {
  for (let start = 0; start < ids.length; start += 500) {
    const results = await storage.bulkWrite(
      ids.slice(start, start + 500).map((id) => ({ id, deleted: true })),
    );
    const failed = results.find((result) => !result.ok && result.error.code !== 'not_found');
    if (failed !== undefined && !failed.ok) throw new Error(`purge: ${failed.error.message}`);
  }
}
