// The chunk index: which content-addressed chunks the lake holds, and which manifest entries
// (array, chunk index) reference them now; garbage collection asks for chunks nobody references
// whose grace-period clock (`idle_since`) has run out. Same semantics as ../sqlite/chunks.ts.
//
// Concurrency (READ COMMITTED, several lake instances):
// - the references of one array change under a transaction-scoped advisory lock on the array
//   id, so "changed" and "superseded" are computed on the latest references, as SQLite's
//   IMMEDIATE transactions do;
// - releasing a chunk (it may have lost its last reference) first locks its `chunks` row: two
//   transactions dropping the last two references of one chunk at once are then ordered, and
//   the second sees the first's deletion, so one of them restarts the grace period. Without the
//   lock each would still see the other's reference and neither would.
import {
  checkChunkRecord,
  checkChunkRefs,
  checkEach,
  checkIndex,
  checkLimit,
  checkNumber,
  checkText,
} from '../sqlite/validate.ts';
import type { ChunkRecord, ChunkRef, ChunkRefsWrite } from '../types.ts';
import type { Db, Tx } from './db.ts';
import { below } from './sequence.ts';

/** Advisory lock classes (first key of pg_advisory_xact_lock(int, int)), per kind of object. */
export const LOCK_CLASS = {
  migrate: 0x464c6d64, // 'FLmd'
  arrayRefs: 0x464c6d65,
  attachments: 0x464c6d66,
} as const;

/** Serialises the transactions that change what one object (array, document) references. */
export async function lockObject(
  tx: Tx,
  kind: 'arrayRefs' | 'attachments',
  key: string,
): Promise<void> {
  await tx.run(`SELECT pg_advisory_xact_lock($1, hashtext($2))`, [
    LOCK_CLASS[kind],
    columnText(key),
  ]);
}

/**
 * Restarts the grace period of the chunks among `hashes` that nothing references any more
 * (manifest entry or attachment). Call inside the transaction that dropped the references.
 */
export async function releaseChunks(tx: Tx, hashes: readonly string[], now: number): Promise<void> {
  if (hashes.length === 0) return;
  const list = [...new Set(hashes)];
  // Sorted: every transaction locks chunk rows in the same order, so they cannot deadlock.
  await tx.run(`SELECT 1 FROM chunks WHERE sha256 = ANY($1::text[]) ORDER BY sha256 FOR UPDATE`, [
    list,
  ]);
  await tx.run(
    `UPDATE chunks SET idle_since = GREATEST(idle_since, $2)
     WHERE sha256 = ANY($1::text[])
       AND NOT EXISTS (SELECT 1 FROM chunk_refs AS r WHERE r.sha256 = chunks.sha256)
       AND NOT EXISTS (SELECT 1 FROM attachments AS a WHERE a.sha256 = chunks.sha256)`,
    [list, now],
  );
}

/**
 * The statement that records chunks (checked), with recordChunk's rules: the first record's
 * fields win, and recording bytes again restarts their grace period, so a chunk re-uploaded
 * just before its manifest is written is not collected in between. A hash listed twice is one
 * row (ON CONFLICT cannot touch a row twice in one statement) with its first fields and its
 * latest clock, what recording them one by one leaves. Rows go in hash order, the order in
 * which every transaction locks chunk rows (releaseChunks).
 */
export function recordChunksStatement(records: readonly ChunkRecord[]): [string, unknown[]] {
  return [
    `INSERT INTO chunks (sha256, length, stored_at, uploader, idle_since)
     SELECT DISTINCT ON (sha256) sha256, length, stored_at, uploader,
            max(stored_at) OVER (PARTITION BY sha256)
     FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::text[])
          WITH ORDINALITY AS t(sha256, length, stored_at, uploader, ord)
     ORDER BY sha256, ord
     ON CONFLICT (sha256) DO UPDATE
       SET idle_since = GREATEST(chunks.idle_since, excluded.idle_since)`,
    [
      records.map((r) => r.sha256),
      records.map((r) => r.length),
      records.map((r) => r.storedAt),
      records.map((r) => r.uploader),
    ],
  ];
}

type RefsOutcome = { changed: number[]; superseded: string[] };

/**
 * Array ids as PostgreSQL text, which cannot hold NUL: the lake's internal reference ids
 * (an attachment's, a logged ingest body's) start with NUL so that they never equal a document
 * id. NUL becomes \u0001\u0001 and \u0001 becomes \u0001\u0002 — reversible, and the order
 * of the column (COLLATE "C", code point order) stays the order of the ids, as in SQLite.
 */
const ESCAPE = '\u0001';

export function columnText(id: string): string {
  return id.replaceAll(ESCAPE, `${ESCAPE}\u0002`).replaceAll('\u0000', `${ESCAPE}${ESCAPE}`);
}

export function fromColumnText(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? '';
    if (c !== ESCAPE) {
      out += c;
      continue;
    }
    out += text[++i] === ESCAPE ? '\u0000' : ESCAPE;
  }
  return out;
}

/**
 * setChunkRefs (arguments checked) inside the caller's transaction: locks the array, replaces
 * its references and releases the superseded chunks. ingest-log.ts uses it for a logged body.
 */
export async function setRefsIn(tx: Tx, write: ChunkRefsWrite, now: number): Promise<RefsOutcome> {
  if (write.hashes.length === 0) return { changed: [], superseded: [] };
  await lockObject(tx, 'arrayRefs', write.arrayId);
  const outcome = await replaceRefs(tx, write);
  await releaseChunks(tx, outcome.superseded, now);
  return outcome;
}

/**
 * Replaces the references of a range (the array locked, the range not empty) and answers what
 * changed and what was superseded; releasing the superseded chunks is the caller's.
 */
async function replaceRefs(
  tx: Tx,
  { arrayId, site, first, hashes }: ChunkRefsWrite,
): Promise<RefsOutcome> {
  const before = new Map<number, string>();
  const rows = await tx.rows<RefRow>(
    `SELECT chunk_index, sha256 FROM chunk_refs
     WHERE array_id = $1 AND chunk_index >= $2 AND chunk_index < $3`,
    [columnText(arrayId), first, first + hashes.length],
  );
  for (const row of rows) before.set(row.chunk_index, row.sha256);
  // Unchanged entries are rewritten too: the site may have moved with the array.
  await tx.run(
    `INSERT INTO chunk_refs (array_id, chunk_index, sha256, site)
     SELECT $1, $2 + t.ord - 1, t.sha256, $4
     FROM unnest($3::text[]) WITH ORDINALITY AS t(sha256, ord)
     ON CONFLICT (array_id, chunk_index)
       DO UPDATE SET sha256 = excluded.sha256, site = excluded.site`,
    [columnText(arrayId), first, [...hashes], site],
  );
  const changed: number[] = [];
  const dropped: string[] = [];
  hashes.forEach((sha256, offset) => {
    const old = before.get(first + offset);
    if (old === sha256) return;
    changed.push(first + offset);
    if (old !== undefined) dropped.push(old);
  });
  return { changed, superseded: await supersededOf(tx, arrayId, dropped) };
}

/** Of hashes just unreferenced in a range of an array: those the array references nowhere else. */
async function supersededOf(tx: Tx, arrayId: string, dropped: readonly string[]) {
  const candidates = [...new Set(dropped)];
  if (candidates.length === 0) return [];
  const kept = new Set(
    (
      await tx.rows<{ sha256: string }>(
        `SELECT DISTINCT sha256 FROM chunk_refs
         WHERE array_id = $1 AND sha256 = ANY($2::text[])`,
        [columnText(arrayId), candidates],
      )
    ).map((row) => row.sha256),
  );
  return candidates.filter((sha256) => !kept.has(sha256));
}

interface ChunkRow {
  sha256: string;
  length: number;
  stored_at: number;
  uploader: string | null;
  [column: string]: unknown;
}

interface RefRow {
  chunk_index: number;
  sha256: string;
  [column: string]: unknown;
}

export interface ChunkStatements {
  recordChunk(record: ChunkRecord): Promise<void>;
  recordChunks(records: readonly ChunkRecord[]): Promise<void>;
  getChunk(sha256: string): Promise<ChunkRecord | undefined>;
  setChunkRefs(
    arrayId: string,
    site: string | null,
    first: number,
    hashes: readonly string[],
  ): Promise<RefsOutcome>;
  setChunkRefsMany(items: readonly ChunkRefsWrite[]): Promise<RefsOutcome[]>;
  clearChunkRefs(arrayId: string, first?: number, count?: number): Promise<string[]>;
  chunkRefs(sha256: string, limit?: number): Promise<ChunkRef[]>;
  unreferencedChunks(before: number, limit: number): Promise<string[]>;
  forgetChunk(sha256: string): Promise<void>;
}

export function chunkStatements(db: Db, now: () => number): ChunkStatements {
  return {
    async recordChunk(record) {
      checkChunkRecord(record);
      await db.write(...recordChunksStatement([record]));
    },

    async recordChunks(records) {
      checkEach('records', records, checkChunkRecord);
      if (records.length === 0) return;
      // One statement, but in a transaction: db.ts runs a transaction again after a deadlock,
      // and a batch locks many chunk rows.
      await db.transaction((tx) => tx.run(...recordChunksStatement(records)));
    },

    async getChunk(sha256) {
      const [row] = await db.read<ChunkRow>(
        `SELECT sha256, length, stored_at, uploader FROM chunks WHERE sha256 = $1`,
        [sha256],
      );
      return row === undefined
        ? undefined
        : {
            sha256: row.sha256,
            length: row.length,
            storedAt: row.stored_at,
            uploader: row.uploader,
          };
    },

    async setChunkRefs(arrayId, site, first, hashes) {
      const write = { arrayId, site, first, hashes };
      checkChunkRefs(write);
      if (hashes.length === 0) return { changed: [], superseded: [] };
      return db.transaction((tx) => setRefsIn(tx, write, now()));
    },

    async setChunkRefsMany(items) {
      checkEach('items', items, checkChunkRefs);
      if (items.every((item) => item.hashes.length === 0)) {
        return items.map(() => ({ changed: [], superseded: [] }));
      }
      return db.transaction(async (tx) => {
        // Every array's lock before any change, in one order: batches naming the same arrays
        // in other orders queue behind each other instead of deadlocking.
        const arrays = [...new Set(items.map((item) => item.arrayId))].sort();
        for (const arrayId of arrays) await lockObject(tx, 'arrayRefs', arrayId);
        const outcomes: RefsOutcome[] = [];
        for (const item of items) {
          outcomes.push(
            item.hashes.length === 0
              ? { changed: [], superseded: [] }
              : await replaceRefs(tx, item),
          );
        }
        // Released once, at the end, so the chunk rows are locked in one sorted pass (item by
        // item they would be locked in several rounds, out of that order). A chunk that one
        // item supersedes and a later one references again is then not released at all, which
        // no caller can tell: its clock restarts whenever it does lose its last reference.
        await releaseChunks(
          tx,
          outcomes.flatMap((outcome) => outcome.superseded),
          now(),
        );
        return outcomes;
      });
    },

    async clearChunkRefs(arrayId, first, count) {
      checkText('arrayId', arrayId);
      const from = first === undefined ? 0 : checkIndex('first', first);
      const end = count === undefined ? Number.MAX_SAFE_INTEGER : from + checkIndex('count', count);
      return db.transaction(async (tx) => {
        await lockObject(tx, 'arrayRefs', arrayId);
        const rows = await tx.rows<RefRow>(
          `DELETE FROM chunk_refs
           WHERE array_id = $1 AND chunk_index >= $2 AND chunk_index < $3
           RETURNING chunk_index, sha256`,
          [columnText(arrayId), from, end],
        );
        rows.sort((a, b) => a.chunk_index - b.chunk_index);
        const superseded = await supersededOf(
          tx,
          arrayId,
          rows.map((row) => row.sha256),
        );
        await releaseChunks(tx, superseded, now());
        return superseded;
      });
    },

    async chunkRefs(sha256, limit) {
      // No limit: every reference (LIMIT NULL is LIMIT ALL).
      const bound = limit === undefined || limit === -1 ? null : checkLimit(limit);
      const rows = await db.read<{
        array_id: string;
        chunk_index: number;
        site: string | null;
      }>(
        `SELECT array_id, chunk_index, site FROM chunk_refs WHERE sha256 = $1
         ORDER BY array_id, chunk_index LIMIT $2`,
        [sha256, bound],
      );
      return rows.map((row) => ({
        sha256,
        arrayId: fromColumnText(row.array_id),
        chunkIndex: row.chunk_index,
        site: row.site,
      }));
    },

    async unreferencedChunks(before, limit) {
      checkNumber('before', before);
      checkLimit(limit);
      const rows = await db.read<{ sha256: string }>(
        `SELECT sha256 FROM chunks AS c
         WHERE idle_since < $1
           AND NOT EXISTS (SELECT 1 FROM chunk_refs AS r WHERE r.sha256 = c.sha256)
           AND NOT EXISTS (SELECT 1 FROM attachments AS a WHERE a.sha256 = c.sha256)
         ORDER BY idle_since, sha256 LIMIT $2`,
        [below(before), limit],
      );
      return rows.map((row) => row.sha256);
    },

    async forgetChunk(sha256) {
      await db.write(`DELETE FROM chunks WHERE sha256 = $1`, [sha256]);
    },
  };
}
