// The ingestion log (types.ts, IngestLog): one row per collector request, unique by dedupe key,
// in log order; the transformation marks each done or failed.
import type Database from 'better-sqlite3';
import { type IngestRow as Row, toIngestEntry as entryOf } from '../rows.ts';
import type { IngestLog, IngestLogEntry } from '../types.ts';

type Sync<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => Promise<infer R> ? (...args: A) => R : never;
};

export function ingestLogStatements(db: Database.Database): Sync<IngestLog> {
  const byKey = db.prepare<[string], Row>(`SELECT * FROM ingest_log WHERE key = ?`);
  const insert = db.prepare<[string, string, string, number, string, string | null, number]>(
    `INSERT INTO ingest_log (key, policy_id, sha256, length, format, tag, received_at, status)
     VALUES (?, ?, ?, ?, ?, ?, ?, 'pending') ON CONFLICT (key) DO NOTHING`,
  );
  const pending = db.prepare<[number], Row>(
    `SELECT * FROM ingest_log WHERE status = 'pending' ORDER BY seq LIMIT ?`,
  );
  const finish = db.prepare<[string, string, string]>(
    `UPDATE ingest_log SET status = ?, result = ? WHERE key = ?`,
  );
  const counts = db.prepare<[string | null, string | null], { status: string; n: number }>(
    `SELECT status, count(*) AS n FROM ingest_log WHERE (? IS NULL OR policy_id = ?) GROUP BY status`,
  );
  const log = db.transaction((entry: Omit<IngestLogEntry, 'seq' | 'status' | 'result'>) => {
    const inserted = insert.run(
      entry.key,
      entry.policyId,
      entry.sha256,
      entry.length,
      entry.format,
      entry.tag,
      entry.receivedAt,
    );
    const row = byKey.get(entry.key);
    if (row === undefined) throw new Error(`ingest log entry ${entry.key} vanished`);
    return { logged: inserted.changes === 1, entry: entryOf(row) };
  });
  return {
    logIngest: (entry) => log.immediate(entry),
    pendingIngests: (limit) => pending.all(limit).map(entryOf),
    finishIngest: (key, status, result) => {
      finish.run(status, result, key);
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
