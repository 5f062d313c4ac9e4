// Documents and the change feed over the `docs` table (one row per document: its latest
// revision), as the SQLite store (../sqlite/documents.ts) and with the same semantics; the
// conformance suite holds both to it.
//
// Concurrency: several lake instances write at once. writeDocs runs in a READ COMMITTED
// transaction that first locks the counter row (SELECT … FOR UPDATE): writers serialise on it,
// so each sees every earlier batch committed (its statements read fresh snapshots after the
// lock), conditions (assumedRev) are decided on the latest revisions with no lost update, and
// the seqs it takes are the next ones and are committed before the next writer can take any:
// seqs are gap-free and in commit order, so a reader paging by `since` never skips a
// late-committing lower seq (decision 0010). The batch is evaluated in memory (a later write
// of the batch sees an earlier one) and written with one upsert.
import { canonicalJson, isRevision, nextRevisionOfJson } from '../../docs/revision.ts';
import {
  checkLimit,
  checkNumber,
  checkSites,
  checkText,
  invalid,
  isList,
} from '../sqlite/validate.ts';
import type {
  BackfillQuery,
  ChangesQuery,
  DocWrite,
  DocWriteOutcome,
  JsonObject,
  ListQuery,
  SiteFilter,
  StoredDoc,
} from '../types.ts';
import type { Db, Tx } from './db.ts';
import { lockSequence, seqAbove, seqAtMost } from './sequence.ts';

interface DocRow {
  id: string;
  rev: string;
  seq: number;
  deleted: boolean;
  site: string | null;
  type: string | null;
  /** The stored JSON text (selected as text: kept byte for byte, parsed by toStored). */
  body: string;
  [column: string]: unknown;
}

interface CurrentRow extends DocRow {
  prev_rev: string | null;
  prev_deleted: boolean;
}

/** A deletion's revision hashes an empty body: the write's body is ignored (types.ts). */
const DELETION_BODY = '{}';

const COLUMNS = 'id, rev, seq, deleted, site, type, body::text AS body';

/** A write checked before the transaction, so nothing invalid ever holds the lock. */
type Prepared =
  | { id: string; assumed: string | null | undefined; deleted: true }
  | {
      id: string;
      assumed: string | null | undefined;
      deleted: false;
      body: string;
      site: string | null;
      type: string | null;
    };

export interface DocumentStatements {
  getDoc(id: string): Promise<StoredDoc | undefined>;
  getDocs(ids: readonly string[]): Promise<(StoredDoc | undefined)[]>;
  writeDocs(writes: readonly DocWrite[]): Promise<DocWriteOutcome[]>;
  changes(query: ChangesQuery): Promise<StoredDoc[]>;
  backfill(query: BackfillQuery): Promise<StoredDoc[]>;
  listDocs(query: ListQuery): Promise<StoredDoc[]>;
  countDocs(sites: SiteFilter, type?: string): Promise<number>;
}

// A restricted page is a merge of per-site streams, each read in seq order from docs(site, seq)
// and cut at `limit` (LATERAL), then cut again: a page costs (sites + 1) × limit index entries
// whatever the size of the lake, and one statement reads one snapshot. A plain
// `site = ANY(…) ORDER BY seq` may walk the whole seq index to fill a page for a reader who
// sees little of the lake.
const MERGED_PAGE = `
  SELECT ${COLUMNS} FROM docs WHERE seq IN (
    SELECT s.seq FROM unnest($1::text[]) AS u(site)
      CROSS JOIN LATERAL (
        SELECT seq FROM docs WHERE site = u.site AND seq > $2 AND seq <= $3
        ORDER BY seq LIMIT $4
      ) AS s
    UNION ALL
    (SELECT seq FROM docs WHERE $5::boolean AND site IS NULL AND seq > $2 AND seq <= $3
     ORDER BY seq LIMIT $4)
    ORDER BY 1 LIMIT $4
  ) ORDER BY seq`;

export function documentStatements(db: Db): DocumentStatements {
  function mergedPage(
    sites: readonly string[],
    siteLess: boolean,
    after: number,
    upTo: number,
    limit: number,
  ): Promise<DocRow[]> {
    return db.read<DocRow>(MERGED_PAGE, [
      [...new Set(sites)],
      seqAbove(after),
      seqAtMost(upTo),
      limit,
      siteLess,
    ]);
  }

  async function applyAll(tx: Tx, writes: readonly Prepared[]): Promise<DocWriteOutcome[]> {
    let seq = await lockSequence(tx);
    const ids = [...new Set(writes.map((w) => w.id))];
    const state = new Map<string, CurrentRow>();
    const found = await tx.rows<CurrentRow>(
      `SELECT ${COLUMNS}, prev_rev, prev_deleted FROM docs WHERE id = ANY($1::text[])`,
      [ids],
    );
    for (const row of found) state.set(row.id, row);
    const dirty = new Set<string>();
    const start = seq;
    // The revision each conditional write would have produced: if the lake ever assigned it,
    // the write was applied before (a late retry), whatever the document holds now.
    const expected = writes.map((write) =>
      isRevision(write.assumed)
        ? nextRevisionOfJson(
            write.assumed,
            write.deleted ? DELETION_BODY : write.body,
            write.deleted,
          )
        : undefined,
    );
    const known = new Set<string>();
    const candidates = writes.filter((_write, index) => expected[index] !== undefined);
    if (candidates.length > 0) {
      const rows = await tx.rows<{ id: string; rev: string }>(
        `SELECT id, rev FROM doc_revisions WHERE id = ANY($1::text[]) AND rev = ANY($2::text[])`,
        [candidates.map((w) => w.id), expected.filter((rev) => rev !== undefined)],
      );
      for (const row of rows) known.add(`${row.id}\u0000${row.rev}`);
    }
    const appliedBefore = (index: number, id: string): boolean =>
      expected[index] !== undefined && known.has(`${id}\u0000${expected[index]}`);
    const assigned: { id: string; rev: string }[] = [];

    const outcomes = writes.map((write, index): DocWriteOutcome => {
      const { id, assumed } = write;
      const refused = (current: CurrentRow): DocWriteOutcome =>
        appliedBefore(index, id)
          ? { id, ok: false, current: toStored(current), applied: true }
          : { id, ok: false, current: toStored(current) };
      const current = state.get(id);
      if (write.deleted) {
        // Nothing to delete: the caller answers 404.
        if (current === undefined) return { id, ok: false, current: null };
        const holds =
          assumed === undefined || (assumed === null ? current.deleted : current.rev === assumed);
        if (current.deleted) {
          // Already deleted: deleting again changes nothing.
          if (holds || isReplay(current, assumed, DELETION_BODY, true)) {
            return { id, ok: true, rev: current.rev, seq: current.seq, replayed: true };
          }
          return refused(current);
        }
        if (!holds) return refused(current);
        const rev = nextRevisionOfJson(current.rev, DELETION_BODY, true);
        assigned.push({ id, rev });
        // A tombstone keeps the last body, site and type, so site filters still route it.
        state.set(id, {
          ...current,
          rev,
          seq: ++seq,
          deleted: true,
          prev_rev: current.rev,
          prev_deleted: false,
        });
        dirty.add(id);
        return { id, ok: true, rev, seq, replayed: false };
      }

      const holds =
        assumed === undefined ||
        (assumed === null ? current === undefined || current.deleted : current?.rev === assumed);
      if (current !== undefined && isReplay(current, assumed, write.body, false)) {
        return { id, ok: true, rev: current.rev, seq: current.seq, replayed: true };
      }
      if (!holds)
        return current === undefined ? { id, ok: false, current: null } : refused(current);
      const rev = nextRevisionOfJson(current?.rev ?? null, write.body, false);
      assigned.push({ id, rev });
      state.set(id, {
        id,
        rev,
        seq: ++seq,
        deleted: false,
        site: write.site,
        type: write.type,
        body: write.body,
        prev_rev: current?.rev ?? null,
        prev_deleted: current?.deleted ?? false,
      });
      dirty.add(id);
      return { id, ok: true, rev, seq, replayed: false };
    });

    if (seq === start) return outcomes;
    const rows = [...dirty].map((id) => state.get(id)).filter((row) => row !== undefined);
    // One statement for the batch: each id once (ON CONFLICT may touch a row only once), in
    // its final state; the seqs a document took and lost within the batch are simply gone from
    // the feed, as in SQLite, where the same row is rewritten.
    await tx.run(
      `INSERT INTO docs (id, rev, seq, deleted, site, type, body, prev_rev, prev_deleted)
       SELECT id, rev, seq, deleted, site, type, body::json, prev_rev, prev_deleted
       FROM unnest($1::text[], $2::text[], $3::bigint[], $4::boolean[], $5::text[], $6::text[],
                   $7::text[], $8::text[], $9::boolean[])
         AS t(id, rev, seq, deleted, site, type, body, prev_rev, prev_deleted)
       ON CONFLICT (id) DO UPDATE SET rev = excluded.rev, seq = excluded.seq,
         deleted = excluded.deleted, site = excluded.site, type = excluded.type,
         body = excluded.body, prev_rev = excluded.prev_rev, prev_deleted = excluded.prev_deleted`,
      [
        rows.map((r) => r.id),
        rows.map((r) => r.rev),
        rows.map((r) => r.seq),
        rows.map((r) => r.deleted),
        rows.map((r) => r.site),
        rows.map((r) => r.type),
        rows.map((r) => r.body),
        rows.map((r) => r.prev_rev),
        rows.map((r) => r.prev_deleted),
      ],
    );
    await tx.run(
      `INSERT INTO doc_revisions (id, rev) SELECT * FROM unnest($1::text[], $2::text[])
       ON CONFLICT DO NOTHING`,
      [assigned.map((a) => a.id), assigned.map((a) => a.rev)],
    );
    await tx.run(`UPDATE counters SET v = $1 WHERE name = 'seq'`, [seq]);
    return outcomes;
  }

  return {
    async getDoc(id) {
      const [row] = await db.read<DocRow>(`SELECT ${COLUMNS} FROM docs WHERE id = $1`, [
        checkText('a document id', id),
      ]);
      return row === undefined ? undefined : toStored(row);
    },

    async getDocs(ids) {
      if (!isList(ids) || ids.some((id) => typeof id !== 'string')) {
        throw invalid('ids must be a list of strings');
      }
      if (ids.length === 0) return [];
      const found = new Map<string, StoredDoc>();
      const rows = await db.read<DocRow>(`SELECT ${COLUMNS} FROM docs WHERE id = ANY($1::text[])`, [
        [...new Set(ids)],
      ]);
      for (const row of rows) found.set(row.id, toStored(row));
      return ids.map((id) => found.get(id));
    },

    async writeDocs(writes) {
      if (!isList(writes)) throw invalid('writes must be a list');
      if (writes.length === 0) return [];
      const prepared = writes.map(prepare);
      return db.transaction((tx) => applyAll(tx, prepared));
    },

    async changes({ since, limit, sites }) {
      checkNumber('since', since);
      checkLimit(limit);
      if (sites.all) {
        const rows = await db.read<DocRow>(
          `SELECT ${COLUMNS} FROM docs WHERE seq > $1 ORDER BY seq LIMIT $2`,
          [seqAbove(since), limit],
        );
        return rows.map(toStored);
      }
      const visible = checkSites(sites.sites);
      if (limit === 0) return [];
      return (await mergedPage(visible, true, since, Number.MAX_SAFE_INTEGER, limit)).map(toStored);
    },

    async backfill({ sites, after, upTo, limit }) {
      checkSites(sites);
      checkNumber('after', after);
      checkNumber('upTo', upTo);
      if (checkLimit(limit) === 0 || sites.length === 0) return [];
      return (await mergedPage(sites, false, after, upTo, limit)).map(toStored);
    },

    async listDocs({ sites, type, after, limit }) {
      const from = after ?? '';
      if (typeof from !== 'string') throw invalid('after must be a string');
      checkLimit(limit);
      const conditions = ['deleted = false', 'id > $1'];
      const values: unknown[] = [from, limit];
      if (type !== undefined) {
        values.push(type);
        conditions.push(`type = $${values.length}`);
      }
      if (!sites.all) {
        values.push([...checkSites(sites.sites)]);
        conditions.push(`(site IS NULL OR site = ANY($${values.length}::text[]))`);
      }
      const rows = await db.read<DocRow>(
        `SELECT ${COLUMNS} FROM docs WHERE ${conditions.join(' AND ')} ORDER BY id LIMIT $2`,
        values,
      );
      return rows.map(toStored);
    },

    async countDocs(sites, type) {
      const conditions = ['deleted = false'];
      const values: unknown[] = [];
      if (type !== undefined) {
        values.push(type);
        conditions.push(`type = $${values.length}`);
      }
      if (!sites.all) {
        values.push([...checkSites(sites.sites)]);
        conditions.push(`(site IS NULL OR site = ANY($${values.length}::text[]))`);
      }
      const [row] = await db.read<{ n: number }>(
        `SELECT count(*) AS n FROM docs WHERE ${conditions.join(' AND ')}`,
        values,
      );
      return row?.n ?? 0;
    },
  };
}

function prepare(write: DocWrite): Prepared {
  const id = checkText('a document id', write.id);
  const assumed = write.assumedRev;
  if (assumed !== undefined && assumed !== null && typeof assumed !== 'string') {
    throw invalid(`${id}: assumedRev must be a string, null or undefined`);
  }
  if (write.deleted) return { id, assumed, deleted: true };
  return {
    id,
    assumed,
    deleted: false,
    body: canonicalBody(id, write),
    site: optionalText(id, 'site', write.site),
    type: optionalText(id, 'type', write.type),
  };
}

/**
 * Whether `current` is exactly what this write produced when it was applied before (a retried
 * push whose answer was lost); the same rule as the SQLite store (see there).
 */
function isReplay(
  current: CurrentRow,
  assumed: string | null | undefined,
  body: string,
  deleted: boolean,
): boolean {
  if (typeof assumed === 'string') {
    return isRevision(assumed) && nextRevisionOfJson(assumed, body, deleted) === current.rev;
  }
  if (current.rev !== nextRevisionOfJson(current.prev_rev, body, deleted)) return false;
  return assumed === undefined || current.prev_rev === null || current.prev_deleted;
}

function canonicalBody(id: string, write: DocWrite): string {
  const body: unknown = write.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalid(`${id}: a document body must be a JSON object`);
  }
  if ('_rev' in body || '_deleted' in body) {
    throw invalid(`${id}: _rev and _deleted are not part of a stored body`);
  }
  try {
    return canonicalJson(body);
  } catch (error) {
    throw invalid(`${id}: ${error instanceof Error ? error.message : String(error)}`, error);
  }
}

function optionalText(id: string, name: string, value: string | null): string | null {
  if (value === null || typeof value === 'string') return value;
  throw invalid(`${id}: ${name} must be a string or null`);
}

function toStored(row: DocRow): StoredDoc {
  return {
    id: row.id,
    rev: row.rev,
    seq: row.seq,
    deleted: row.deleted,
    site: row.site,
    type: row.type,
    body: JSON.parse(row.body) as JsonObject,
  };
}
