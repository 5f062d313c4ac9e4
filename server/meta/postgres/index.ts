// The scale-out lake's MetaStore over PostgreSQL (15+): several stateless lake instances, each
// with its own pool, on one database. Same semantics as the SQLite store (one conformance
// suite); what differs is concurrency, handled per module:
// - writes that take seqs (documents, grants) lock the counter row first and hold it to their
//   commit, in READ COMMITTED: seqs are gap-free and in commit order (sequence.ts, documents.ts);
// - chunk references and attachments serialise per array / per document with advisory locks,
//   and lock chunk rows before restarting their grace period (chunks.ts);
// - token use and revocation are single conditional UPDATEs (tokens.ts);
// - the ingestion log numbers entries from its own counter row, in commit order (ingest-log.ts);
// - a lease is taken or renewed by one conditional upsert (leases.ts);
// - the schema is migrated once under an advisory lock however many instances start (schema.ts).
// READ COMMITTED with explicit locks rather than SERIALIZABLE with retries: every writer of the
// sequence conflicts with every other by design (one counter), so under SERIALIZABLE most
// concurrent batches would fail and be retried, where a row lock simply queues them.
//
// Errors: a lost or refused connection is MetaStoreError 'busy' (the routes answer 503, retry),
// as are deadlocks, lock and statement timeouts; a full disk 'no_space'; constraint and value
// errors 'invalid'; every call after close() 'closed' (errors.ts, db.ts for what is retried).
import pg from 'pg';
import { MetaStoreError, type MetaStore } from '../types.ts';
import { accountStatements } from './accounts.ts';
import { attachmentStatements } from './attachments.ts';
import { chunkStatements } from './chunks.ts';
import { dbOver } from './db.ts';
import { documentStatements } from './documents.ts';
import { describeUrl, toMetaStoreError } from './errors.ts';
import { ingestLogStatements } from './ingest-log.ts';
import { leaseStatements } from './leases.ts';
import { migrate } from './schema.ts';
import { settingStatements } from './settings.ts';
import { tokenStatements } from './tokens.ts';

export { SCHEMA_VERSION } from './schema.ts';

export interface PostgresMetaStoreOptions {
  /** Clock for the chunk grace period and leases (ms since the epoch); Date.now by default. */
  now?: () => number;
  /** Connections this instance may open (pg Pool `max`); 10 by default. */
  poolSize?: number;
}

const DEFAULT_POOL_SIZE = 10;
/** The oldest server the SQL was tested on (decision 0010: PostgreSQL 15). */
const MIN_SERVER_VERSION = 150000;

/** int8 (bigint, count(*)) as a JS number: seqs, sizes and millisecond times stay below 2^53. */
const types = new pg.TypeOverrides();
types.setTypeParser(pg.types.builtins.INT8, (value: string) => Number(value));

/**
 * Connects to the database at `url` (a libpq URL: postgres://user:password@host:port/db, with
 * `?options=-csearch_path%3Dschema` to use a schema other than the user's default), checks the
 * server (PostgreSQL 15+, UTF8) and migrates the schema. Rejects with MetaStoreError 'busy'
 * (server unreachable), 'invalid' (authentication failed, no such database, a database of
 * another application, a schema newer than this code, an unsupported server).
 */
export async function openPostgresMetaStore(
  url: string,
  options: PostgresMetaStoreOptions = {},
): Promise<MetaStore> {
  const now = options.now ?? Date.now;
  const label = describeUrl(url);
  const poolSize = options.poolSize ?? DEFAULT_POOL_SIZE;
  if (!Number.isSafeInteger(poolSize) || poolSize < 1) {
    throw new MetaStoreError('invalid', `poolSize must be an integer ≥ 1, got ${poolSize}`);
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    types,
    application_name: 'fieldlake-lake',
    keepAlive: true,
    // Waiting for a connection (the server, or a free one in the pool) this long is 'busy'.
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
    // A writer queued behind a lock this long gives up ('busy') rather than hang a request;
    // a session left idle inside a transaction (an instance frozen mid-write) is ended by the
    // server, so it cannot hold the counter row, and every writer, hostage.
    lock_timeout: 30_000,
    idle_in_transaction_session_timeout: 60_000,
  });
  // A pooled connection the server drops (restart, pg_terminate_backend, network) emits
  // 'error'; without listeners Node would crash the process. Idle ones are discarded by the
  // pool (its 'error' event); one in use fails its current or next statement, which db.ts
  // handles; either way the next call gets a fresh connection.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
  });
  const db = dbOver(pool);
  try {
    await checkServer(db, label);
    await migrate(pool, label);
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw openError(error, label);
  }

  const docs = documentStatements(db);
  const attachments = attachmentStatements(db, now);
  const chunks = chunkStatements(db, now);
  const accounts = accountStatements(db);
  const tokens = tokenStatements(db);
  const settings = settingStatements(db);
  const ingest = ingestLogStatements(db, now);
  const leases = leaseStatements(db, now);
  let closed = false;
  // A function, so that TypeScript does not keep `closed` narrowed to false across an await.
  const isClosed = () => closed;
  const closedError = (cause?: unknown) =>
    new MetaStoreError(
      'closed',
      `the metadata store ${label} is closed`,
      cause === undefined ? undefined : { cause },
    );

  /** Runs one store call: 'closed' after close, errors mapped to MetaStoreError. */
  async function call<T>(run: () => Promise<T>): Promise<T> {
    if (isClosed()) throw closedError();
    try {
      return await run();
    } catch (error) {
      // A call that was under way when the pool ended fails with pg's own message.
      if (isClosed() && !(error instanceof MetaStoreError)) throw closedError(error);
      throw toMetaStoreError(error, label);
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
    currentSeq: () =>
      call(async () => {
        const [row] = await db.read<{ v: number }>(`SELECT v FROM counters WHERE name = 'seq'`);
        return row?.v ?? 0;
      }),

    putAttachment: (record) => call(() => attachments.putAttachment(record)),
    getAttachment: (docId, name) => call(() => attachments.getAttachment(docId, name)),
    listAttachments: (docId) => call(() => attachments.listAttachments(docId)),
    removeAttachment: (docId, name) => call(() => attachments.removeAttachment(docId, name)),
    removeAttachments: (docId) => call(() => attachments.removeAttachments(docId)),

    recordChunk: (record) => call(() => chunks.recordChunk(record)),
    recordChunks: (records) => call(() => chunks.recordChunks(records)),
    getChunk: (sha256) => call(() => chunks.getChunk(sha256)),
    setChunkRefs: (arrayId, site, first, hashes) =>
      call(() => chunks.setChunkRefs(arrayId, site, first, hashes)),
    setChunkRefsMany: (items) => call(() => chunks.setChunkRefsMany(items)),
    clearChunkRefs: (arrayId, first, count) =>
      call(() => chunks.clearChunkRefs(arrayId, first, count)),
    chunkRefs: (sha256, limit) => call(() => chunks.chunkRefs(sha256, limit)),
    unreferencedChunks: (before, limit) => call(() => chunks.unreferencedChunks(before, limit)),
    forgetChunk: (sha256) => call(() => chunks.forgetChunk(sha256)),

    createUser: (user) => call(() => accounts.createUser(user)),
    getUser: (id) => call(() => accounts.getUser(id)),
    getUserByName: (name) => call(() => accounts.getUserByName(name)),
    listUsers: () => call(() => accounts.listUsers()),
    updateUser: (id, patch) => call(() => accounts.updateUser(id, patch)),
    grantSite: (userId, site) => call(() => accounts.grantSite(userId, site)),
    revokeSite: (userId, site) => call(() => accounts.revokeSite(userId, site)),
    grants: (userId) => call(() => accounts.grants(userId)),

    createToken: (token) => call(() => tokens.createToken(token)),
    getTokenByHash: (hash) => call(() => tokens.getTokenByHash(hash)),
    getToken: (id) => call(() => tokens.getToken(id)),
    listTokens: (userId) => call(() => tokens.listTokens(userId)),
    revokeToken: (id, at) => call(() => tokens.revokeToken(id, at)),
    useToken: (id, at) => call(() => tokens.useToken(id, at)),
    purgeTokens: (before) => call(() => tokens.purgeTokens(before)),

    logIngest: (entry, chunk) => call(() => ingest.logIngest(entry, chunk)),
    ingestBody: (key) => call(() => ingest.ingestBody(key)),
    pendingIngests: (limit) => call(() => ingest.pendingIngests(limit)),
    finishIngest: (key, status, result) => call(() => ingest.finishIngest(key, status, result)),
    finishIngests: (items) => call(() => ingest.finishIngests(items)),
    getIngest: (key) => call(() => ingest.getIngest(key)),
    ingestCounts: (policyId) => call(() => ingest.ingestCounts(policyId)),

    acquireLease: (name, holder, ttlMs) => call(() => leases.acquireLease(name, holder, ttlMs)),
    releaseLease: (name, holder) => call(() => leases.releaseLease(name, holder)),

    getSetting: (key) => call(() => settings.getSetting(key)),
    setSetting: (key, value) => call(() => settings.setSetting(key, value)),

    // Idempotent: shutdown paths may close twice. Waits for the calls under way to release
    // their connections, then closes them all.
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}

async function checkServer(db: ReturnType<typeof dbOver>, label: string): Promise<void> {
  const [row] = await db.read<{ version: string; encoding: string }>(
    `SELECT current_setting('server_version_num') AS version,
            current_setting('server_encoding') AS encoding`,
  );
  const version = Number(row?.version ?? 0);
  if (version < MIN_SERVER_VERSION) {
    throw new MetaStoreError(
      'invalid',
      `${label}: PostgreSQL ${row?.version ?? '?'} is too old; the lake needs PostgreSQL 15 or later`,
    );
  }
  // Text in another encoding would mangle or refuse the documents' Unicode.
  if (row?.encoding !== 'UTF8') {
    throw new MetaStoreError(
      'invalid',
      `${label}: the database encoding is ${row?.encoding ?? '?'}; the lake needs UTF8 ` +
        `(CREATE DATABASE … ENCODING 'UTF8' TEMPLATE template0)`,
    );
  }
}

function openError(error: unknown, label: string): Error {
  const mapped = toMetaStoreError(error, label);
  if (mapped instanceof MetaStoreError) return mapped;
  return new Error(`cannot open the metadata store ${label}: ${mapped.message}`, { cause: error });
}
