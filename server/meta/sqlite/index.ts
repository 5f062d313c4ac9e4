// The embedded lake's MetaStore over one SQLite file (decision 0010): better-sqlite3, WAL,
// synchronous=FULL (every commit is fsynced before the call answers), busy_timeout so that a
// second process on the same file waits instead of failing. Statements are prepared once at
// open by the modules beside this file; each method runs synchronously inside and answers a
// promise, rejected with a MetaStoreError for the failures a route maps to a status.
import { existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { MetaStoreError, type MetaStore } from '../types.ts';
import { accountStatements } from './accounts.ts';
import { attachmentStatements } from './attachments.ts';
import { chunkStatements } from './chunks.ts';
import { documentStatements } from './documents.ts';
import { toMetaStoreError } from './errors.ts';
import { migrate } from './schema.ts';
import { sequence } from './sequence.ts';
import { ingestLogStatements } from './ingest-log.ts';
import { leaseStatements } from './leases.ts';
import { settingStatements } from './settings.ts';
import { tokenStatements } from './tokens.ts';

export interface SqliteMetaStoreOptions {
  /** Clock for the chunk grace period and leases (ms since the epoch); Date.now by default. */
  now?: () => number;
  /** How long a write waits for another connection's lock before failing 'busy' (ms). */
  busyTimeoutMs?: number;
}

const DEFAULT_BUSY_TIMEOUT_MS = 5000;

/**
 * Opens (creating the file, not its directory, when missing) and migrates the store at `file`.
 * Rejects with MetaStoreError 'corrupt' (not a SQLite database, damaged), 'busy' (locked
 * beyond the busy timeout) or 'invalid' (missing directory, another application's database,
 * a schema newer than this code).
 */
export async function openSqliteMetaStore(
  file: string,
  options: SqliteMetaStoreOptions = {},
): Promise<MetaStore> {
  const now = options.now ?? Date.now;
  const directory = dirname(file);
  if (!existsSync(directory) || !statSync(directory).isDirectory()) {
    throw new MetaStoreError(
      'invalid',
      `cannot open the metadata store ${file}: the directory ${directory} does not exist`,
    );
  }
  let db: Database.Database;
  try {
    db = new Database(file, { timeout: options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS });
  } catch (error) {
    throw openError(error, file);
  }
  try {
    // The first statement reads the header: a file that is not SQLite fails here (NOTADB).
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal') {
      throw new MetaStoreError(
        'invalid',
        `${file}: the file system refused write-ahead logging (journal_mode ${String(mode)})`,
      );
    }
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    migrate(db, file);
    return storeOver(db, file, now);
  } catch (error) {
    db.close();
    throw openError(error, file);
  }
}

function openError(error: unknown, file: string): Error {
  const mapped = toMetaStoreError(error, file);
  if (mapped instanceof MetaStoreError) return mapped;
  return new Error(`cannot open the metadata store ${file}: ${mapped.message}`, { cause: error });
}

function storeOver(db: Database.Database, file: string, now: () => number): MetaStore {
  const seq = sequence(db);
  const docs = documentStatements(db, seq);
  const attachments = attachmentStatements(db, now);
  const chunks = chunkStatements(db, now);
  const accounts = accountStatements(db, seq);
  const tokens = tokenStatements(db);
  const settings = settingStatements(db);
  const ingest = ingestLogStatements(db, chunks);
  const leases = leaseStatements(db, now);
  let closed = false;

  /** Runs a synchronous statement call as the promise the interface answers. */
  function call<T>(run: () => T): Promise<T> {
    if (closed) {
      return Promise.reject(new MetaStoreError('closed', `the metadata store ${file} is closed`));
    }
    try {
      return Promise.resolve(run());
    } catch (error) {
      return Promise.reject(toMetaStoreError(error, file));
    }
  }

  return {
    getDoc: (id) => call(() => docs.getDoc(id)),
    getDocs: (ids) => call(() => docs.getDocs(ids)),
    writeDocs: (writes) => call(() => docs.writeDocs(writes)),
    changes: (query) => call(() => docs.changes(query)),
    backfill: (query) => call(() => docs.backfill(query)),
    listDocs: (query) => call(() => docs.listDocs(query)),
    countDocs: (sites, type) => call(() => docs.countDocs(sites, type)),
    currentSeq: () => call(() => seq.current()),

    putAttachment: (record) =>
      call(() => {
        attachments.putAttachment(record);
      }),
    getAttachment: (docId, name) => call(() => attachments.getAttachment(docId, name)),
    listAttachments: (docId) => call(() => attachments.listAttachments(docId)),
    removeAttachment: (docId, name) => call(() => attachments.removeAttachment(docId, name)),
    removeAttachments: (docId) =>
      call(() => {
        attachments.removeAttachments(docId);
      }),

    recordChunk: (record) =>
      call(() => {
        chunks.recordChunk(record);
      }),
    recordChunks: (records) =>
      call(() => {
        chunks.recordChunks(records);
      }),
    getChunk: (sha256) => call(() => chunks.getChunk(sha256)),
    setChunkRefs: (arrayId, site, first, hashes) =>
      call(() => chunks.setChunkRefs(arrayId, site, first, hashes)),
    setChunkRefsMany: (items) => call(() => chunks.setChunkRefsMany(items)),
    clearChunkRefs: (arrayId, first, count) =>
      call(() => chunks.clearChunkRefs(arrayId, first, count)),
    chunkRefs: (sha256, limit) => call(() => chunks.chunkRefs(sha256, limit)),
    unreferencedChunks: (before, limit) => call(() => chunks.unreferencedChunks(before, limit)),
    forgetChunk: (sha256) =>
      call(() => {
        chunks.forgetChunk(sha256);
      }),

    createUser: (user) =>
      call(() => {
        accounts.createUser(user);
      }),
    getUser: (id) => call(() => accounts.getUser(id)),
    getUserByName: (name) => call(() => accounts.getUserByName(name)),
    listUsers: () => call(() => accounts.listUsers()),
    updateUser: (id, patch) => call(() => accounts.updateUser(id, patch)),
    grantSite: (userId, site) => call(() => accounts.grantSite(userId, site)),
    revokeSite: (userId, site) => call(() => accounts.revokeSite(userId, site)),
    grants: (userId) => call(() => accounts.grants(userId)),

    createToken: (token) =>
      call(() => {
        tokens.createToken(token);
      }),
    getTokenByHash: (hash) => call(() => tokens.getTokenByHash(hash)),
    getToken: (id) => call(() => tokens.getToken(id)),
    listTokens: (userId) => call(() => tokens.listTokens(userId)),
    revokeToken: (id, at) => call(() => tokens.revokeToken(id, at)),
    useToken: (id, at) => call(() => tokens.useToken(id, at)),
    purgeTokens: (before) => call(() => tokens.purgeTokens(before)),

    logIngest: (entry, chunk) => call(() => ingest.logIngest(entry, chunk)),
    ingestBody: (key) => call(() => ingest.ingestBody(key)),
    pendingIngests: (limit) => call(() => ingest.pendingIngests(limit)),
    finishIngest: (key, status, result) =>
      call(() => {
        ingest.finishIngest(key, status, result);
      }),
    finishIngests: (items) =>
      call(() => {
        ingest.finishIngests(items);
      }),
    getIngest: (key) => call(() => ingest.getIngest(key)),
    ingestCounts: (policyId) => call(() => ingest.ingestCounts(policyId)),

    acquireLease: (name, holder, ttlMs) => call(() => leases.acquireLease(name, holder, ttlMs)),
    releaseLease: (name, holder) =>
      call(() => {
        leases.releaseLease(name, holder);
      }),

    getSetting: (key) => call(() => settings.getSetting(key)),
    setSetting: (key, value) =>
      call(() => {
        settings.setSetting(key, value);
      }),

    // Idempotent: shutdown paths may close twice. Closing checkpoints the WAL into the file.
    async close() {
      if (closed) return;
      closed = true;
      try {
        db.close();
      } catch (error) {
        throw toMetaStoreError(error, file);
      }
    },
  };
}
