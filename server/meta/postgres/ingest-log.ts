// The ingestion log (types.ts, IngestLog): one row per collector request, unique by dedupe key,
// in log order; the transformation marks each done or failed. As ../sqlite/ingest-log.ts.
//
// Log order is commit order, as for documents: a logging transaction locks its own counter row
// ('ingest') and takes the next value, so with several lake instances logging at once a reader
// of the pending list never sees entry 8 committed while entry 7 is still to come (an identity
// column hands out values at insert time, and would allow that). Under the lock, "is this key
// logged already?" is decided on the latest log too, so a retry never takes a number.
//
// A row may hold the request's body (`body` bytea, migration 4); every read but ingestBody
// leaves it out (INGEST_COLUMNS), so listing pending requests never ships bodies.
import {
  INGEST_COLUMNS as COLUMNS,
  type IngestRow,
  ingestValues,
  toIngestBody,
  toIngestEntry as entryOf,
} from '../rows.ts';
import {
  checkEach,
  checkIngestFinish,
  checkIngestRequest,
  checkLimit,
} from '../sqlite/validate.ts';
import type { IngestFinish, IngestLog } from '../types.ts';
import { recordChunksStatement, setRefsIn } from './chunks.ts';
import type { Db } from './db.ts';

/** pg rows are indexable records. */
interface Row extends IngestRow {
  [column: string]: unknown;
}

export function ingestLogStatements(db: Db, now: () => number): IngestLog {
  return {
    async logIngest(entry, chunk) {
      checkIngestRequest(entry, chunk);
      return db.transaction(async (tx) => {
        const [counter] = await tx.rows<{ v: number }>(
          `SELECT v FROM counters WHERE name = 'ingest' FOR UPDATE`,
        );
        if (counter === undefined) throw new Error('the ingest counter row is missing');
        const [existing] = await tx.rows<Row>(`SELECT ${COLUMNS} FROM ingest_log WHERE key = $1`, [
          entry.key,
        ]);
        if (existing !== undefined) return { logged: false, entry: entryOf(existing) };
        const [row] = await tx.rows<Row>(
          `WITH next AS (UPDATE counters SET v = v + 1 WHERE name = 'ingest' RETURNING v)
           INSERT INTO ingest_log
             (seq, key, policy_id, sha256, length, format, tag, received_at, body, status)
           SELECT v, $1, $2, $3, $4, $5, $6, $7, $8::bytea, 'pending' FROM next
           RETURNING ${COLUMNS}`,
          ingestValues(entry),
        );
        if (row === undefined) throw new Error('the ingest counter row is missing');
        // Only a new entry records its body (a retry returned above): the chunk row and the
        // array lock come after the counter row, an order no other transaction reverses.
        if (chunk !== undefined) {
          await tx.run(...recordChunksStatement([chunk]));
          await setRefsIn(
            tx,
            { arrayId: chunk.refId, site: null, first: 0, hashes: [entry.sha256] },
            now(),
          );
        }
        return { logged: true, entry: entryOf(row) };
      });
    },

    async ingestBody(key) {
      const [row] = await db.read<{ body: Buffer | null }>(
        `SELECT body FROM ingest_log WHERE key = $1`,
        [key],
      );
      return row === undefined ? undefined : toIngestBody(row.body);
    },

    async pendingIngests(limit) {
      const rows = await db.read<Row>(
        `SELECT ${COLUMNS} FROM ingest_log WHERE status = 'pending' ORDER BY seq LIMIT $1`,
        [checkLimit(limit)],
      );
      return rows.map(entryOf);
    },

    async finishIngest(key, status, result) {
      await db.write(`UPDATE ingest_log SET status = $1, result = $2 WHERE key = $3`, [
        status,
        result,
        key,
      ]);
    },

    async finishIngests(items) {
      checkEach('items', items, checkIngestFinish);
      // The last item of a key wins, as finishIngest one by one; UPDATE … FROM would pick one
      // of a key's rows at random.
      const byKey = new Map<string, IngestFinish>();
      for (const item of items) byKey.set(item.key, item);
      if (byKey.size === 0) return;
      const list = [...byKey.values()];
      // One statement: autocommitted, one transaction.
      await db.write(
        `UPDATE ingest_log AS l SET status = t.status, result = t.result
         FROM unnest($1::text[], $2::text[], $3::text[]) AS t(key, status, result)
         WHERE l.key = t.key`,
        [list.map((i) => i.key), list.map((i) => i.status), list.map((i) => i.result)],
      );
    },

    async getIngest(key) {
      const [row] = await db.read<Row>(`SELECT ${COLUMNS} FROM ingest_log WHERE key = $1`, [key]);
      return row === undefined ? undefined : entryOf(row);
    },

    async ingestCounts(policyId) {
      const rows = await db.read<{ status: string; n: number }>(
        `SELECT status, count(*) AS n FROM ingest_log
         WHERE ($1::text IS NULL OR policy_id = $1) GROUP BY status`,
        [policyId ?? null],
      );
      const result = { pending: 0, done: 0, failed: 0 };
      for (const { status, n } of rows) {
        if (status === 'pending' || status === 'done' || status === 'failed') result[status] = n;
      }
      return result;
    },
  };
}
