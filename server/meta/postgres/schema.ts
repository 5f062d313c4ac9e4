// The PostgreSQL schema as an ordered list of migrations, applied by `migrate` on open. The
// `schema_version` table has one row per migration applied, so a later version of the lake
// appends a migration here and never edits one that has shipped. Same tables as the SQLite
// schema (../sqlite/schema.ts), in PostgreSQL types:
// - text columns that are ordered or paged by (ids, names) use COLLATE "C": byte order, as
//   SQLite's BINARY, whatever the database's locale, so `id > after` paging and listings order
//   the same on both stores (and the index serves them without locale rules);
// - bodies are `json`, not `jsonb`: json keeps the canonical text byte for byte (revisions hash
//   it) and checks it is JSON, as SQLite's CHECK (json_valid(body)) does;
// - times and seqs are bigint (milliseconds since the epoch, sequence values).
import { MetaStoreError } from '../types.ts';
import { LOCK_CLASS } from './chunks.ts';
import type pg from 'pg';

export interface Migration {
  /** 1, 2, 3 …: the schema version after this migration. */
  version: number;
  description: string;
  sql: string;
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    description: 'documents, global sequence, attachments, chunk index, accounts, tokens, settings',
    sql: `
      -- The global sequence is a counter row bumped in the writing transaction (decision 0010):
      -- writers lock it first and hold it to their commit, so seq order is commit order.
      CREATE TABLE counters (name text PRIMARY KEY, v bigint NOT NULL);
      INSERT INTO counters (name, v) VALUES ('seq', 0);

      -- The latest revision of each document; the change feed is this table in seq order.
      -- prev_rev/prev_deleted describe the revision this one replaced: a retried write is
      -- recognised by recomputing the revision from them (see documents.ts).
      CREATE TABLE docs (
        id text COLLATE "C" PRIMARY KEY,
        rev text NOT NULL,
        seq bigint NOT NULL,
        deleted boolean NOT NULL,
        site text,
        type text,
        body json NOT NULL,
        prev_rev text,
        prev_deleted boolean NOT NULL DEFAULT false
      );
      CREATE UNIQUE INDEX docs_seq ON docs (seq);
      CREATE INDEX docs_site_seq ON docs (site, seq);
      CREATE INDEX docs_type_id ON docs (type, id);

      CREATE TABLE attachments (
        doc_id text COLLATE "C" NOT NULL,
        name text COLLATE "C" NOT NULL,
        sha256 text NOT NULL,
        length bigint NOT NULL,
        content_type text NOT NULL,
        PRIMARY KEY (doc_id, name)
      );
      CREATE INDEX attachments_sha256 ON attachments (sha256);

      -- idle_since: the grace-period clock, the later of storedAt, the last time the bytes
      -- were recorded again and the last time the chunk lost its last reference.
      CREATE TABLE chunks (
        sha256 text COLLATE "C" PRIMARY KEY,
        length bigint NOT NULL,
        stored_at bigint NOT NULL,
        uploader text,
        idle_since bigint NOT NULL
      );
      CREATE INDEX chunks_idle_since ON chunks (idle_since, sha256);

      CREATE TABLE chunk_refs (
        array_id text COLLATE "C" NOT NULL,
        chunk_index bigint NOT NULL,
        sha256 text COLLATE "C" NOT NULL,
        site text,
        PRIMARY KEY (array_id, chunk_index)
      );
      -- By hash: is a chunk referenced at all, by this array (superseded hashes), and where
      -- (chunkRefs, in (array, index) order).
      CREATE INDEX chunk_refs_sha256 ON chunk_refs (sha256, array_id, chunk_index);

      CREATE TABLE users (
        id text COLLATE "C" PRIMARY KEY,
        name text COLLATE "C" NOT NULL UNIQUE,
        role text NOT NULL CHECK (role IN ('admin', 'analyst', 'technician')),
        password_hash text,
        created_at bigint NOT NULL,
        disabled boolean NOT NULL
      );

      CREATE TABLE site_grants (
        user_id text COLLATE "C" NOT NULL REFERENCES users (id),
        site text NOT NULL,
        seq bigint NOT NULL,
        PRIMARY KEY (user_id, site)
      );

      CREATE TABLE tokens (
        id text COLLATE "C" PRIMARY KEY,
        hash text NOT NULL UNIQUE,
        kind text NOT NULL CHECK (kind IN ('session', 'sign-in', 'device', 'collector')),
        user_id text COLLATE "C" REFERENCES users (id),
        label text NOT NULL,
        policy text,
        created_at bigint NOT NULL,
        expires_at bigint,
        revoked_at bigint,
        used_at bigint
      );
      CREATE INDEX tokens_user ON tokens (user_id, created_at, id);
      CREATE INDEX tokens_created ON tokens (created_at, id);

      CREATE TABLE settings (key text PRIMARY KEY, value text NOT NULL);
    `,
  },
  {
    version: 2,
    description: 'ingestion log: collector requests by dedupe key, in log order',
    sql: `
      -- seq comes from the 'ingest' counter row, taken under its lock: log order is commit
      -- order (see ingest-log.ts), where an identity column would follow insert order.
      INSERT INTO counters (name, v) VALUES ('ingest', 0);
      CREATE TABLE ingest_log (
        seq bigint PRIMARY KEY,
        key text NOT NULL UNIQUE,
        policy_id text NOT NULL,
        sha256 text NOT NULL,
        length bigint NOT NULL,
        format text NOT NULL,
        tag text,
        received_at bigint NOT NULL,
        status text NOT NULL CHECK (status IN ('pending', 'done', 'failed')),
        result text
      );
      CREATE INDEX ingest_log_pending ON ingest_log (status, seq);
      CREATE INDEX ingest_log_policy ON ingest_log (policy_id, status);
    `,
  },
  {
    version: 3,
    description: 'leases: which lake instance runs a singleton job (the ingestion transformation)',
    sql: `
      -- expires_at: milliseconds since the epoch on the holder's clock; expired when below now.
      CREATE TABLE leases (
        name text PRIMARY KEY,
        holder text NOT NULL,
        expires_at bigint NOT NULL
      );
    `,
  },
  {
    version: 4,
    description: 'ingestion log: small request bodies held in the log row',
    sql: `
      -- The raw body of a request logged with it (one commit, where a blob costs its own
      -- fsyncs); NULL: the body is a blob in the blob store, as for every row logged before.
      -- Adding a nullable column without a default rewrites nothing.
      ALTER TABLE ingest_log ADD COLUMN body bytea;
    `,
  },
  {
    version: 5,
    description: 'documents: every revision ever assigned, to recognise late retries',
    sql: `
      CREATE TABLE doc_revisions (
        id text NOT NULL,
        rev text NOT NULL,
        PRIMARY KEY (id, rev)
      );
      INSERT INTO doc_revisions (id, rev) SELECT id, rev FROM docs;
      INSERT INTO doc_revisions (id, rev)
        SELECT id, prev_rev FROM docs WHERE prev_rev IS NOT NULL ON CONFLICT DO NOTHING;
    `,
  },
];

export const SCHEMA_VERSION = migrations.length;

/**
 * Brings the database to SCHEMA_VERSION. The migrations run in one transaction under an
 * advisory lock, re-reading the version once the lock is held, so lake instances starting
 * together migrate once: the others wait for the lock and then find the schema current. DDL is
 * transactional in PostgreSQL: a failed migration leaves nothing.
 *
 * The lock is a session lock taken before BEGIN, not a transaction lock taken after it: a
 * transaction starts by reading the catalog changes committed so far, so the one that follows
 * the wait sees the tables the lock holder created. (After a wait inside a transaction, this
 * connection's catalog cache may still answer "no schema_version" from an earlier look.)
 */
export async function migrate(pool: pg.Pool, label: string): Promise<void> {
  checkVersions(migrations);
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    const read: Reader = async <R extends Record<string, unknown>>(
      text: string,
      values?: unknown[],
    ) => (await client.query<R>(text, values)).rows;
    // Fast path, no lock: an up-to-date database (every start but the first).
    const seen = await readVersion(read);
    if (seen !== undefined && seen > SCHEMA_VERSION) throw newerSchema(label, seen);
    if (seen === SCHEMA_VERSION) return;
    // Waiting for another instance's migration is expected, however long it takes.
    await client.query(`SET lock_timeout = 0`);
    await client.query(`SELECT pg_advisory_lock($1, 0)`, [LOCK_CLASS.migrate]);
    try {
      await client.query('BEGIN');
      try {
        await migrateLocked(read, label);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
    } finally {
      await client.query(`SELECT pg_advisory_unlock($1, 0)`, [LOCK_CLASS.migrate]);
      await client.query(`RESET lock_timeout`);
    }
  } catch (error) {
    // Any failure: the connection may hold the lock or a transaction; do not pool it again.
    broken = error instanceof Error ? error : new Error(String(error));
    throw error;
  } finally {
    client.release(broken);
  }
}

async function migrateLocked(run: Reader, label: string): Promise<void> {
  const current = await readVersion(run);
  if (current !== undefined && current > SCHEMA_VERSION) throw newerSchema(label, current);
  if (current === SCHEMA_VERSION) return;
  if (current === undefined) {
    // Not a Fieldlake store yet: only an empty schema becomes one, so the lake never mixes its
    // tables into another application's (use a dedicated database or search_path).
    const [row] = await run<{ n: number }>(
      `SELECT count(*) AS n FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
       WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')`,
    );
    if ((row?.n ?? 0) > 0) throw foreign(label);
    await run(
      `CREATE TABLE schema_version (
         version integer PRIMARY KEY,
         description text NOT NULL,
         applied_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
  }
  for (const migration of migrations) {
    if (migration.version <= (current ?? 0)) continue;
    // No parameters: the simple query protocol runs the migration's statements in order.
    await run(migration.sql);
    await run(`INSERT INTO schema_version (version, description) VALUES ($1, $2)`, [
      migration.version,
      migration.description,
    ]);
  }
}

type Reader = <R extends Record<string, unknown>>(text: string, values?: unknown[]) => Promise<R[]>;

/** The schema version, or undefined when the database has no schema_version table. */
async function readVersion(read: Reader): Promise<number | undefined> {
  const [table] = await read<{ present: boolean }>(
    `SELECT to_regclass('schema_version') IS NOT NULL AS present`,
  );
  if (table?.present !== true) return undefined;
  const [row] = await read<{ version: number | null }>(
    `SELECT max(version) AS version FROM schema_version`,
  );
  return row?.version ?? 0;
}

function checkVersions(list: readonly Migration[]): void {
  list.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new Error(`migration ${index} has version ${migration.version}, expected ${index + 1}`);
    }
  });
}

function newerSchema(label: string, version: number): MetaStoreError {
  return new MetaStoreError(
    'invalid',
    `${label}: metadata schema version ${version} was written by a newer Fieldlake ` +
      `(this one knows up to ${SCHEMA_VERSION}); upgrade Fieldlake or restore a backup`,
  );
}

function foreign(label: string): MetaStoreError {
  return new MetaStoreError(
    'invalid',
    `${label}: the database schema holds tables of another application and no Fieldlake ` +
      'schema_version; give the lake an empty database (or schema)',
  );
}
