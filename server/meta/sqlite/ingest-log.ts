// The ingestion log (types.ts, IngestLog): one row per collector request, unique by dedupe key,
// in log order; the transformation marks each done or failed. A row may hold the request's body
// (`body`, migration 4); every read but ingestBody leaves it out.
import type Database from 'better-sqlite3';
import {
  INGEST_COLUMNS,
  type IngestRow as Row,
  ingestValues,
  toIngestBody,
  toIngestEntry as entryOf,
} from '../rows.ts';
import type { ChunkRecord, IngestFinish, IngestLog, IngestRequest } from '../types.ts';
import type { ChunkStatements } from './chunks.ts';
import { checkEach, checkIngestFinish, checkIngestRequest } from './validate.ts';

type Sync<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => Promise<infer R> ? (...args: A) => R : never;
};

export function ingestLogStatements(
  db: Database.Database,
  chunks: Pick<ChunkStatements, 'recordReferenced'>,
): Sync<IngestLog> {
  const byKey = db.prepare<[string], Row>(`SELECT ${INGEST_COLUMNS} FROM ingest_log WHERE key = ?`);
  const insert = db.prepare<ReturnType<typeof ingestValues>>(
    `INSERT INTO ingest_log
       (key, policy_id, sha256, length, format, tag, received_at, body, status)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending') ON CONFLICT (key) DO NOTHING`,
  );
  const bodyByKey = db.prepare<[string], { body: Buffer | null }>(
    `SELECT body FROM ingest_log WHERE key = ?`,
  );
  const pending = db.prepare<[number], Row>(
    `SELECT ${INGEST_COLUMNS} FROM ingest_log WHERE status = 'pending' ORDER BY seq LIMIT ?`,
  );
  const finish = db.prepare<[string, string, string]>(
    `UPDATE ingest_log SET status = ?, result = ? WHERE key = ?`,
  );
  const counts = db.prepare<[string | null, string | null], { status: string; n: number }>(
    `SELECT status, count(*) AS n FROM ingest_log WHERE (? IS NULL OR policy_id = ?) GROUP BY status`,
  );
  const log = db.transaction(
    (entry: IngestRequest, chunk: (ChunkRecord & { refId: string }) | undefined) => {
      // A retry's body is not stored (ON CONFLICT DO NOTHING): the first request's stays.
      const inserted = insert.run(...ingestValues(entry));
      const logged = inserted.changes === 1;
      // Only a new entry records its body: a retry must not restart the body's grace period
      // nor reference it anew (the first request did both).
      if (logged && chunk !== undefined) chunks.recordReferenced(chunk, chunk.refId);
      const row = byKey.get(entry.key);
      if (row === undefined) throw new Error(`ingest log entry ${entry.key} vanished`);
      return { logged, entry: entryOf(row) };
    },
  );
  const finishMany = db.transaction((items: readonly IngestFinish[]) => {
    for (const { key, status, result } of items) finish.run(status, result, key);
  });
  return {
    logIngest: (entry, chunk) => {
      checkIngestRequest(entry, chunk);
      return log.immediate(entry, chunk);
    },
    ingestBody: (key) => {
      const row = bodyByKey.get(key);
      return row === undefined ? undefined : toIngestBody(row.body);
    },
    pendingIngests: (limit) => pending.all(limit).map(entryOf),
    finishIngest: (key, status, result) => {
      finish.run(status, result, key);
    },
    finishIngests: (items) => {
      checkEach('items', items, checkIngestFinish);
      if (items.length > 0) finishMany.immediate(items);
    },
    getIngest: (key) => {
      const row = byKey.get(key);
      return row === undefined ? undefined : entryOf(row);
    },
    ingestCounts: (policyId) => {
      const result = { pending: 0, done: 0, failed: 0 };
      for (const { status, n } of counts.all(policyId ?? null, policyId ?? null)) {
        if (status === 'pending' || status === 'done' || status === 'failed') result[status] = n;
      }
      return result;
    },
  };
}
