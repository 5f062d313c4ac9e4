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
  checkIndex,
  checkLimit,
  checkNumber,
  checkSha256,
  checkText,
  invalid,
  isList,
} from '../sqlite/validate.ts';
import type { ChunkRecord, ChunkRef } from '../types.ts';
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
  await tx.run(`SELECT pg_advisory_xact_lock($1, hashtext($2))`, [LOCK_CLASS[kind], key]);
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
  getChunk(sha256: string): Promise<ChunkRecord | undefined>;
  setChunkRefs(
    arrayId: string,
    site: string | null,
    first: number,
    hashes: readonly string[],
  ): Promise<{ changed: number[]; superseded: string[] }>;
  clearChunkRefs(arrayId: string, first?: number, count?: number): Promise<string[]>;
  chunkRefs(sha256: string, limit?: number): Promise<ChunkRef[]>;
  unreferencedChunks(before: number, limit: number): Promise<string[]>;
  forgetChunk(sha256: string): Promise<void>;
}

export function chunkStatements(db: Db, now: () => number): ChunkStatements {
  /** Of hashes just unreferenced in a range: those the array references nowhere else. */
  async function supersede(tx: Tx, arrayId: string, dropped: readonly string[]) {
    const candidates = [...new Set(dropped)];
    if (candidates.length === 0) return [];
    const kept = new Set(
      (
        await tx.rows<{ sha256: string }>(
          `SELECT DISTINCT sha256 FROM chunk_refs
           WHERE array_id = $1 AND sha256 = ANY($2::text[])`,
          [arrayId, candidates],
        )
      ).map((row) => row.sha256),
    );
    const superseded = candidates.filter((sha256) => !kept.has(sha256));
    await releaseChunks(tx, superseded, now());
    return superseded;
  }

  return {
    async recordChunk({ sha256, length, storedAt, uploader }) {
      checkSha256(sha256);
      checkIndex('length', length);
      checkNumber('storedAt', storedAt);
      if (uploader !== null && typeof uploader !== 'string')
        throw invalid('uploader must be a string or null');
      // The first record's fields win; recording the bytes again restarts the grace period, so
      // a chunk re-uploaded just before its manifest is written is not collected in between.
      await db.write(
        `INSERT INTO chunks (sha256, length, stored_at, uploader, idle_since)
         VALUES ($1, $2, $3, $4, $3)
         ON CONFLICT (sha256) DO UPDATE
           SET idle_since = GREATEST(chunks.idle_since, excluded.idle_since)`,
        [sha256, length, storedAt, uploader],
      );
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
      checkText('arrayId', arrayId);
      checkIndex('first', first);
      if (!isList(hashes)) throw invalid('hashes must be a list');
      hashes.forEach(checkSha256);
      if (site !== null && typeof site !== 'string') throw invalid('site must be a string or null');
      if (hashes.length === 0) return { changed: [], superseded: [] };
      const end = first + hashes.length;
      return db.transaction(async (tx) => {
        await lockObject(tx, 'arrayRefs', arrayId);
        const before = new Map<number, string>();
        const rows = await tx.rows<RefRow>(
          `SELECT chunk_index, sha256 FROM chunk_refs
           WHERE array_id = $1 AND chunk_index >= $2 AND chunk_index < $3`,
          [arrayId, first, end],
        );
        for (const row of rows) before.set(row.chunk_index, row.sha256);
        // Unchanged entries are rewritten too: the site may have moved with the array.
        await tx.run(
          `INSERT INTO chunk_refs (array_id, chunk_index, sha256, site)
           SELECT $1, $2 + t.ord - 1, t.sha256, $4
           FROM unnest($3::text[]) WITH ORDINALITY AS t(sha256, ord)
           ON CONFLICT (array_id, chunk_index)
             DO UPDATE SET sha256 = excluded.sha256, site = excluded.site`,
          [arrayId, first, [...hashes], site],
        );
        const changed: number[] = [];
        const dropped: string[] = [];
        hashes.forEach((sha256, offset) => {
          const old = before.get(first + offset);
          if (old === sha256) return;
          changed.push(first + offset);
          if (old !== undefined) dropped.push(old);
        });
        return { changed, superseded: await supersede(tx, arrayId, dropped) };
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
          [arrayId, from, end],
        );
        rows.sort((a, b) => a.chunk_index - b.chunk_index);
        return supersede(
          tx,
          arrayId,
          rows.map((row) => row.sha256),
        );
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
        arrayId: row.array_id,
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
