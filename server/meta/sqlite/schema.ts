// The SQLite schema as an ordered list of migrations, applied by `migrate` on open. The
// database's `user_version` is the number of migrations applied, so a later version of the lake
// appends a migration here and never edits one that has shipped.
import type Database from 'better-sqlite3';
import { MetaStoreError } from '../types.ts';

export interface Migration {
  /** 1, 2, 3 …: the `user_version` after this migration. */
  version: number;
  description: string;
  sql: string;
}

/** Marks the file as a Fieldlake metadata store ('FLmd'), so another application's database is refused. */
export const APPLICATION_ID = 0x464c6d64;

export const migrations: readonly Migration[] = [
  {
    version: 1,
    description: 'documents, global sequence, attachments, chunk index, accounts, tokens, settings',
    sql: `
      -- The global sequence is a counter row bumped in the writing transaction (decision 0010):
      -- writers are serialised on it, so seq order is commit order.
      CREATE TABLE counters (name TEXT PRIMARY KEY, v INTEGER NOT NULL) STRICT;
      INSERT INTO counters (name, v) VALUES ('seq', 0);

      -- The latest revision of each document; the change feed is this table in seq order.
      -- prev_rev/prev_deleted describe the revision this one replaced: a retried write is
      -- recognised by recomputing the revision from them (see documents.ts).
      CREATE TABLE docs (
        id TEXT PRIMARY KEY,
        rev TEXT NOT NULL,
        seq INTEGER NOT NULL,
        deleted INTEGER NOT NULL CHECK (deleted IN (0, 1)),
        site TEXT,
        type TEXT,
        body TEXT NOT NULL CHECK (json_valid(body)),
        prev_rev TEXT,
        prev_deleted INTEGER NOT NULL DEFAULT 0 CHECK (prev_deleted IN (0, 1))
      ) STRICT;
      CREATE UNIQUE INDEX docs_seq ON docs (seq);
      CREATE INDEX docs_site_seq ON docs (site, seq);
      CREATE INDEX docs_type_id ON docs (type, id);

      CREATE TABLE attachments (
        doc_id TEXT NOT NULL,
        name TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        length INTEGER NOT NULL,
        content_type TEXT NOT NULL,
        PRIMARY KEY (doc_id, name)
      ) STRICT;
      CREATE INDEX attachments_sha256 ON attachments (sha256);

      -- idle_since: the grace-period clock, the later of storedAt, the last time the bytes
      -- were recorded again and the last time the chunk lost its last reference.
      CREATE TABLE chunks (
        sha256 TEXT PRIMARY KEY,
        length INTEGER NOT NULL,
        stored_at INTEGER NOT NULL,
        uploader TEXT,
        idle_since INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX chunks_idle_since ON chunks (idle_since);

      CREATE TABLE chunk_refs (
        array_id TEXT NOT NULL,
        chunk_index INTEGER NOT NULL,
        sha256 TEXT NOT NULL,
        site TEXT,
        PRIMARY KEY (array_id, chunk_index)
      ) STRICT;
      -- By hash: is a chunk referenced at all, and by this array (superseded hashes)?
      CREATE INDEX chunk_refs_sha256 ON chunk_refs (sha256, array_id);

      CREATE TABLE users (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        role TEXT NOT NULL CHECK (role IN ('admin', 'analyst', 'technician')),
        password_hash TEXT,
        created_at INTEGER NOT NULL,
        disabled INTEGER NOT NULL CHECK (disabled IN (0, 1))
      ) STRICT;

      CREATE TABLE site_grants (
        user_id TEXT NOT NULL REFERENCES users (id),
        site TEXT NOT NULL,
        seq INTEGER NOT NULL,
        PRIMARY KEY (user_id, site)
      ) STRICT;

      CREATE TABLE tokens (
        id TEXT PRIMARY KEY,
        hash TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL CHECK (kind IN ('session', 'sign-in', 'device', 'collector')),
        user_id TEXT REFERENCES users (id),
        label TEXT NOT NULL,
        policy TEXT,
        created_at INTEGER NOT NULL,
        expires_at INTEGER,
        revoked_at INTEGER,
        used_at INTEGER
      ) STRICT;
      CREATE INDEX tokens_user ON tokens (user_id, created_at);

      CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
    `,
  },
  {
    version: 2,
    description: 'ingestion log: collector requests by dedupe key, in log order',
    sql: `
      CREATE TABLE ingest_log (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        key TEXT NOT NULL UNIQUE,
        policy_id TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        length INTEGER NOT NULL,
        format TEXT NOT NULL,
        tag TEXT,
        received_at INTEGER NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'done', 'failed')),
        result TEXT
      ) STRICT;
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
        name TEXT PRIMARY KEY,
        holder TEXT NOT NULL,
        expires_at INTEGER NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 4,
    description: 'ingestion log: small request bodies held in the log row',
    sql: `
      -- The raw body of a request logged with it (one commit, where a blob costs its own
      -- fsyncs); NULL: the body is a blob in the blob store, as for every row logged before.
      ALTER TABLE ingest_log ADD COLUMN body BLOB;
    `,
  },
  {
    version: 5,
    description: 'documents: every revision ever assigned, to recognise late retries',
    sql: `
      -- A push applied whose answer was lost, retried after someone else replaced it, is
      -- recognised here (docs/lake-api.md, "Documents and sync"): (id, rev) of every write.
      CREATE TABLE doc_revisions (
        id TEXT NOT NULL,
        rev TEXT NOT NULL,
        PRIMARY KEY (id, rev)
      ) STRICT, WITHOUT ROWID;
      INSERT INTO doc_revisions (id, rev) SELECT id, rev FROM docs;
      INSERT OR IGNORE INTO doc_revisions (id, rev)
        SELECT id, prev_rev FROM docs WHERE prev_rev IS NOT NULL;
    `,
  },
];

export const SCHEMA_VERSION = migrations.length;

/**
 * Brings the database to SCHEMA_VERSION. Runs in one IMMEDIATE transaction that re-reads the
 * version inside it, so two processes opening a fresh file at once migrate it once.
 */
export function migrate(db: Database.Database, file: string): void {
  checkVersions(migrations);
  const readVersion = () => Number(db.pragma('user_version', { simple: true }));
  if (readVersion() > SCHEMA_VERSION) throw newerSchema(file, readVersion());
  if (readVersion() === SCHEMA_VERSION) {
    checkApplication(db, file);
    return;
  }
  db.transaction(() => {
    const current = readVersion();
    if (current > SCHEMA_VERSION) throw newerSchema(file, current);
    if (current === 0) {
      // A SQLite file of some other application: do not add our tables to it.
      const tables = db.prepare<[], { n: number }>(`SELECT count(*) AS n FROM sqlite_schema`).get();
      if ((tables?.n ?? 0) > 0) throw foreign(file);
      db.pragma(`application_id = ${APPLICATION_ID}`);
    } else {
      checkApplication(db, file);
    }
    for (const migration of migrations) {
      if (migration.version <= current) continue;
      db.exec(migration.sql);
      // user_version lives in the file header, which is part of the transaction.
      db.pragma(`user_version = ${migration.version}`);
    }
  }).immediate();
}

function checkApplication(db: Database.Database, file: string): void {
  if (Number(db.pragma('application_id', { simple: true })) !== APPLICATION_ID) {
    throw foreign(file);
  }
}

function checkVersions(list: readonly Migration[]): void {
  list.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new Error(`migration ${index} has version ${migration.version}, expected ${index + 1}`);
    }
  });
}

function newerSchema(file: string, version: number): MetaStoreError {
  return new MetaStoreError(
    'invalid',
    `${file}: metadata schema version ${version} was written by a newer Fieldlake ` +
      `(this one knows up to ${SCHEMA_VERSION}); upgrade Fieldlake or restore a backup`,
  );
}

function foreign(file: string): MetaStoreError {
  return new MetaStoreError(
    'invalid',
    `${file} is a SQLite database of another application, not a Fieldlake metadata store`,
  );
}
