// Documents and the change feed over the `docs` table (one row per document: its latest
// revision). The feed is that table in seq order: a document written again moves to the end,
// which is all a replica needs, since only latest revisions are kept.
import type Database from 'better-sqlite3';
import { canonicalJson, isRevision, nextRevisionOfJson } from '../../docs/revision.ts';
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
import type { Sequence } from './sequence.ts';
import {
  checkLimit,
  checkNumber,
  checkSites,
  checkText,
  invalid,
  isList,
  sitesParam,
} from './validate.ts';

interface DocRow {
  id: string;
  rev: string;
  seq: number;
  deleted: 0 | 1;
  site: string | null;
  type: string | null;
  body: string;
}

interface CurrentRow extends DocRow {
  prev_rev: string | null;
  prev_deleted: 0 | 1;
}

interface RowParams {
  id: string;
  rev: string;
  seq: number;
  site: string | null;
  type: string | null;
  body: string;
  prev_rev: string | null;
  prev_deleted: 0 | 1;
}

/** A deletion's revision hashes an empty body: the write's body is ignored (types.ts). */
const DELETION_BODY = '{}';

const COLUMNS = 'id, rev, seq, deleted, site, type, body';
// Documents a restricted reader sees: its sites and the site-less ones (types.ts SiteFilter).
const VISIBLE = '(site IS NULL OR site IN (SELECT value FROM json_each(@sites)))';
// The same filter with index use on `site` disabled (unary +), for pages in id order: SQLite
// would otherwise collect every visible row through docs(site, seq) and sort them all for each
// page (on 10^5 documents, a whole-lake listing went from tens of seconds to a quarter of one);
// walking ids in order and filtering stops at `limit`.
const VISIBLE_IN_ID_ORDER = '(+site IS NULL OR +site IN (SELECT value FROM json_each(@sites)))';

export interface DocumentStatements {
  getDoc(id: string): StoredDoc | undefined;
  getDocs(ids: readonly string[]): (StoredDoc | undefined)[];
  writeDocs(writes: readonly DocWrite[]): DocWriteOutcome[];
  changes(query: ChangesQuery): StoredDoc[];
  backfill(query: BackfillQuery): StoredDoc[];
  listDocs(query: ListQuery): StoredDoc[];
  countDocs(sites: SiteFilter, type?: string): number;
}

export function documentStatements(db: Database.Database, seq: Sequence): DocumentStatements {
  const getOne = db.prepare<[string], DocRow>(`SELECT ${COLUMNS} FROM docs WHERE id = ?`);
  const getMany = db.prepare<[string], DocRow>(
    `SELECT ${COLUMNS} FROM docs WHERE id IN (SELECT value FROM json_each(?))`,
  );
  const getCurrent = db.prepare<[string], CurrentRow>(
    `SELECT ${COLUMNS}, prev_rev, prev_deleted FROM docs WHERE id = ?`,
  );
  const put = db.prepare<RowParams>(
    `INSERT INTO docs (id, rev, seq, deleted, site, type, body, prev_rev, prev_deleted)
     VALUES (@id, @rev, @seq, 0, @site, @type, @body, @prev_rev, @prev_deleted)
     ON CONFLICT (id) DO UPDATE SET rev = excluded.rev, seq = excluded.seq, deleted = 0,
       site = excluded.site, type = excluded.type, body = excluded.body,
       prev_rev = excluded.prev_rev, prev_deleted = excluded.prev_deleted`,
  );
  const addRevision = db.prepare<{ id: string; rev: string }>(
    `INSERT OR IGNORE INTO doc_revisions (id, rev) VALUES (@id, @rev)`,
  );
  const hadRevision = db
    .prepare<{ id: string; rev: string }, number>(
      `SELECT 1 FROM doc_revisions WHERE id = @id AND rev = @rev`,
    )
    .pluck();
  /** Whether this write, conditional on `assumed`, was applied before (and replaced since). */
  const appliedBefore = (
    id: string,
    assumed: string | null | undefined,
    body: string,
    deleted: boolean,
  ): boolean =>
    isRevision(assumed) &&
    hadRevision.get({ id, rev: nextRevisionOfJson(assumed, body, deleted) }) !== undefined;
  // A tombstone keeps the last body, site and type, so site filters still route it.
  const tombstone = db.prepare<{ id: string; rev: string; seq: number; prev_rev: string }>(
    `UPDATE docs SET rev = @rev, seq = @seq, deleted = 1, prev_rev = @prev_rev, prev_deleted = 0
     WHERE id = @id`,
  );

  const changesAll = db.prepare<{ since: number; limit: number }, DocRow>(
    `SELECT ${COLUMNS} FROM docs WHERE seq > @since ORDER BY seq LIMIT @limit`,
  );
  // A restricted feed is a merge of per-site streams, each read in seq order from
  // docs(site, seq) and cut at `limit`: a page costs (sites + 1) × limit index entries whatever
  // the size of the lake. (One query with `site IN (…) ORDER BY seq` makes SQLite sort every
  // matching row after `since` for each page; a seq scan with a filter may read the whole lake
  // to fill a page for a reader who sees little of it.)
  const siteSeqs = db
    .prepare<{ site: string; after: number; upTo: number; limit: number }, number>(
      `SELECT seq FROM docs WHERE site = @site AND seq > @after AND seq <= @upTo
       ORDER BY seq LIMIT @limit`,
    )
    .pluck();
  const siteLessSeqs = db
    .prepare<{ after: number; upTo: number; limit: number }, number>(
      `SELECT seq FROM docs WHERE site IS NULL AND seq > @after AND seq <= @upTo
       ORDER BY seq LIMIT @limit`,
    )
    .pluck();
  const bySeqs = db.prepare<[string], DocRow>(
    `SELECT ${COLUMNS} FROM docs WHERE seq IN (SELECT value FROM json_each(?)) ORDER BY seq`,
  );
  // One read transaction: both steps see the same snapshot, even with another process writing.
  const mergedPage = db.transaction(
    (
      sites: readonly string[],
      siteLess: boolean,
      after: number,
      upTo: number,
      limit: number,
    ): DocRow[] => {
      const seqs: number[] = [];
      for (const site of new Set(sites)) seqs.push(...siteSeqs.all({ site, after, upTo, limit }));
      if (siteLess) seqs.push(...siteLessSeqs.all({ after, upTo, limit }));
      if (seqs.length === 0) return [];
      seqs.sort((a, b) => a - b);
      return bySeqs.all(JSON.stringify(seqs.slice(0, limit)));
    },
  );

  const list = {
    all: db.prepare<{ after: string; limit: number }, DocRow>(
      `SELECT ${COLUMNS} FROM docs WHERE deleted = 0 AND id > @after ORDER BY id LIMIT @limit`,
    ),
    allOfType: db.prepare<{ after: string; limit: number; type: string }, DocRow>(
      `SELECT ${COLUMNS} FROM docs WHERE type = @type AND deleted = 0 AND id > @after
       ORDER BY id LIMIT @limit`,
    ),
    visible: db.prepare<{ after: string; limit: number; sites: string }, DocRow>(
      `SELECT ${COLUMNS} FROM docs WHERE deleted = 0 AND id > @after AND ${VISIBLE_IN_ID_ORDER}
       ORDER BY id LIMIT @limit`,
    ),
    visibleOfType: db.prepare<
      { after: string; limit: number; sites: string; type: string },
      DocRow
    >(
      `SELECT ${COLUMNS} FROM docs WHERE type = @type AND deleted = 0 AND id > @after
       AND ${VISIBLE_IN_ID_ORDER} ORDER BY id LIMIT @limit`,
    ),
  };
  const count = {
    all: db.prepare<[], number>(`SELECT count(*) FROM docs WHERE deleted = 0`).pluck(),
    allOfType: db
      .prepare<{ type: string }, number>(
        `SELECT count(*) FROM docs WHERE type = @type AND deleted = 0`,
      )
      .pluck(),
    visible: db
      .prepare<{ sites: string }, number>(
        `SELECT count(*) FROM docs WHERE deleted = 0 AND ${VISIBLE}`,
      )
      .pluck(),
    visibleOfType: db
      .prepare<{ sites: string; type: string }, number>(
        `SELECT count(*) FROM docs WHERE type = @type AND deleted = 0 AND ${VISIBLE}`,
      )
      .pluck(),
  };

  function applyWrite(write: DocWrite): DocWriteOutcome {
    const id = checkText('a document id', write.id);
    const assumed = write.assumedRev;
    if (assumed !== undefined && assumed !== null && typeof assumed !== 'string') {
      throw invalid(`${id}: assumedRev must be a string, null or undefined`);
    }
    const current = getCurrent.get(id);
    if (write.deleted) return applyDeletion(id, assumed, current);

    const body = canonicalBody(id, write);
    const site = optionalText(id, 'site', write.site);
    const type = optionalText(id, 'type', write.type);
    const holds =
      assumed === undefined ||
      (assumed === null
        ? current === undefined || current.deleted === 1
        : current?.rev === assumed);
    if (current !== undefined && isReplay(current, assumed, body, false)) {
      return { id, ok: true, rev: current.rev, seq: current.seq, replayed: true };
    }
    if (!holds) {
      if (current === undefined) return { id, ok: false, current: null };
      return appliedBefore(id, assumed, body, false)
        ? { id, ok: false, current: toStored(current), applied: true }
        : { id, ok: false, current: toStored(current) };
    }
    const rev = nextRevisionOfJson(current?.rev ?? null, body, false);
    addRevision.run({ id, rev });
    const next = seq.next();
    put.run({
      id,
      rev,
      seq: next,
      site,
      type,
      body,
      prev_rev: current?.rev ?? null,
      prev_deleted: current?.deleted ?? 0,
    });
    return { id, ok: true, rev, seq: next, replayed: false };
  }

  function applyDeletion(
    id: string,
    assumed: string | null | undefined,
    current: CurrentRow | undefined,
  ): DocWriteOutcome {
    // Nothing to delete: the caller answers 404.
    if (current === undefined) return { id, ok: false, current: null };
    const holds =
      assumed === undefined || (assumed === null ? current.deleted === 1 : current.rev === assumed);
    if (current.deleted === 1) {
      // Already deleted: deleting again changes nothing.
      if (holds || isReplay(current, assumed, DELETION_BODY, true)) {
        return { id, ok: true, rev: current.rev, seq: current.seq, replayed: true };
      }
      return appliedBefore(id, assumed, DELETION_BODY, true)
        ? { id, ok: false, current: toStored(current), applied: true }
        : { id, ok: false, current: toStored(current) };
    }
    if (!holds) {
      return appliedBefore(id, assumed, DELETION_BODY, true)
        ? { id, ok: false, current: toStored(current), applied: true }
        : { id, ok: false, current: toStored(current) };
    }
    const rev = nextRevisionOfJson(current.rev, DELETION_BODY, true);
    addRevision.run({ id, rev });
    const next = seq.next();
    tombstone.run({ id, rev, seq: next, prev_rev: current.rev });
    return { id, ok: true, rev, seq: next, replayed: false };
  }

  const writeAll = db.transaction((writes: readonly DocWrite[]) => writes.map(applyWrite));

  return {
    getDoc(id) {
      const row = getOne.get(checkText('a document id', id));
      return row === undefined ? undefined : toStored(row);
    },
    getDocs(ids) {
      if (!isList(ids) || ids.some((id) => typeof id !== 'string')) {
        throw invalid('ids must be a list of strings');
      }
      if (ids.length === 0) return [];
      const found = new Map<string, StoredDoc>();
      for (const row of getMany.all(JSON.stringify(ids))) found.set(row.id, toStored(row));
      return ids.map((id) => found.get(id));
    },
    writeDocs(writes) {
      if (!isList(writes)) throw invalid('writes must be a list');
      if (writes.length === 0) return [];
      // IMMEDIATE: take the write lock before reading, so a concurrent writer waits
      // (busy_timeout) instead of failing the upgrade from a stale read snapshot.
      return writeAll.immediate(writes);
    },
    changes({ since, limit, sites }) {
      const params = { since: checkNumber('since', since), limit: checkLimit(limit) };
      if (sites.all) return changesAll.all(params).map(toStored);
      const visible = checkSites(sites.sites);
      if (params.limit === 0) return [];
      return mergedPage(visible, true, params.since, Number.MAX_SAFE_INTEGER, params.limit).map(
        toStored,
      );
    },
    backfill({ sites, after, upTo, limit }) {
      checkSites(sites);
      checkNumber('after', after);
      checkNumber('upTo', upTo);
      if (checkLimit(limit) === 0 || sites.length === 0) return [];
      return mergedPage(sites, false, after, upTo, limit).map(toStored);
    },
    listDocs({ sites, type, after, limit }) {
      const base = { after: after ?? '', limit: checkLimit(limit) };
      if (typeof base.after !== 'string') throw invalid('after must be a string');
      let rows: DocRow[];
      if (sites.all) {
        rows = type === undefined ? list.all.all(base) : list.allOfType.all({ ...base, type });
      } else {
        const visible = { ...base, sites: sitesParam(sites.sites) };
        rows =
          type === undefined
            ? list.visible.all(visible)
            : list.visibleOfType.all({ ...visible, type });
      }
      return rows.map(toStored);
    },
    countDocs(sites, type) {
      if (sites.all) {
        return (type === undefined ? count.all.get() : count.allOfType.get({ type })) ?? 0;
      }
      const visible = { sites: sitesParam(sites.sites) };
      return (
        (type === undefined
          ? count.visible.get(visible)
          : count.visibleOfType.get({ ...visible, type })) ?? 0
      );
    },
  };
}

/**
 * Whether `current` is exactly what this write produced when it was applied before (a retried
 * push whose answer was lost). The stored revision is recomputed from what the write knew:
 * - a revision: the write replaced that revision with this body;
 * - undefined (unconditional): the last write put this very body (or deletion) on whatever
 *   was there, so writing it again would change nothing;
 * - null (create): the last write put this body where there was nothing or a tombstone.
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
  return assumed === undefined || current.prev_rev === null || current.prev_deleted === 1;
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
    deleted: row.deleted === 1,
    site: row.site,
    type: row.type,
    body: JSON.parse(row.body) as JsonObject,
  };
}
