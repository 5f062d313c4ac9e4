// The chunk index: which content-addressed chunks the lake holds, and which manifest entries
// (array, chunk index) reference them now. Garbage collection asks for chunks nobody references
// whose grace-period clock (`idle_since`) has run out.
import type Database from 'better-sqlite3';
import type { ChunkRecord, ChunkRef, ChunkRefsWrite } from '../types.ts';
import {
  checkChunkRecord,
  checkChunkRefs,
  checkEach,
  checkIndex,
  checkLimit,
  checkNumber,
  checkText,
} from './validate.ts';

interface ChunkRow {
  sha256: string;
  length: number;
  stored_at: number;
  uploader: string | null;
}

type RefsOutcome = { changed: number[]; superseded: string[] };

export interface ChunkStatements {
  recordChunk(record: ChunkRecord): void;
  recordChunks(records: readonly ChunkRecord[]): void;
  getChunk(sha256: string): ChunkRecord | undefined;
  setChunkRefs(
    arrayId: string,
    site: string | null,
    first: number,
    hashes: readonly string[],
  ): RefsOutcome;
  setChunkRefsMany(items: readonly ChunkRefsWrite[]): RefsOutcome[];
  /**
   * recordChunk and setChunkRefs(refId, null, 0, [sha256]) for arguments already checked,
   * inside the caller's transaction (ingest-log.ts: a request's body, logged).
   */
  recordReferenced(chunk: ChunkRecord, refId: string): void;
  clearChunkRefs(arrayId: string, first?: number, count?: number): string[];
  chunkRefs(sha256: string, limit?: number): ChunkRef[];
  unreferencedChunks(before: number, limit: number): string[];
  forgetChunk(sha256: string): void;
}

/**
 * Restarts the grace period of a chunk that has just lost its last reference (manifest entry
 * or attachment). Shared with attachments.ts, whose removals release chunks too.
 */
export function chunkReleaser(db: Database.Database, now: () => number): (sha256: string) => void {
  const release = db.prepare<{ sha256: string; now: number }>(
    `UPDATE chunks SET idle_since = max(idle_since, @now)
     WHERE sha256 = @sha256
       AND NOT EXISTS (SELECT 1 FROM chunk_refs WHERE sha256 = @sha256)
       AND NOT EXISTS (SELECT 1 FROM attachments WHERE sha256 = @sha256)`,
  );
  return (sha256) => {
    release.run({ sha256, now: now() });
  };
}

export function chunkStatements(db: Database.Database, now: () => number): ChunkStatements {
  const release = chunkReleaser(db, now);
  // The first record's fields win; recording the bytes again restarts the grace period, so a
  // chunk re-uploaded just before its manifest is written is not collected in between.
  const record = db.prepare<{
    sha256: string;
    length: number;
    storedAt: number;
    uploader: string | null;
  }>(
    `INSERT INTO chunks (sha256, length, stored_at, uploader, idle_since)
     VALUES (@sha256, @length, @storedAt, @uploader, @storedAt)
     ON CONFLICT (sha256) DO UPDATE SET idle_since = max(chunks.idle_since, excluded.idle_since)`,
  );
  const get = db.prepare<[string], ChunkRow>(
    `SELECT sha256, length, stored_at, uploader FROM chunks WHERE sha256 = ?`,
  );
  const refsInRange = db.prepare<
    { arrayId: string; first: number; end: number },
    { chunk_index: number; sha256: string }
  >(
    `SELECT chunk_index, sha256 FROM chunk_refs
     WHERE array_id = @arrayId AND chunk_index >= @first AND chunk_index < @end`,
  );
  const deleteRange = db
    .prepare<{ arrayId: string; first: number; end: number }, string>(
      `DELETE FROM chunk_refs
       WHERE array_id = @arrayId AND chunk_index >= @first AND chunk_index < @end
       RETURNING sha256`,
    )
    .pluck();
  const setRef = db.prepare<{
    arrayId: string;
    index: number;
    sha256: string;
    site: string | null;
  }>(
    `INSERT INTO chunk_refs (array_id, chunk_index, sha256, site)
     VALUES (@arrayId, @index, @sha256, @site)
     ON CONFLICT (array_id, chunk_index) DO UPDATE SET sha256 = excluded.sha256, site = excluded.site`,
  );
  const referencedByArray = db
    .prepare<{ arrayId: string; sha256: string }, number>(
      `SELECT 1 FROM chunk_refs WHERE sha256 = @sha256 AND array_id = @arrayId LIMIT 1`,
    )
    .pluck();
  const refs = db.prepare<
    { sha256: string; limit: number },
    { array_id: string; chunk_index: number; site: string | null }
  >(
    `SELECT array_id, chunk_index, site FROM chunk_refs WHERE sha256 = @sha256
     ORDER BY array_id, chunk_index LIMIT @limit`,
  );
  const unreferenced = db
    .prepare<{ before: number; limit: number }, string>(
      `SELECT sha256 FROM chunks AS c
     WHERE idle_since < @before
       AND NOT EXISTS (SELECT 1 FROM chunk_refs AS r WHERE r.sha256 = c.sha256)
       AND NOT EXISTS (SELECT 1 FROM attachments AS a WHERE a.sha256 = c.sha256)
     ORDER BY idle_since, sha256 LIMIT @limit`,
    )
    .pluck();
  const forget = db.prepare<[string]>(`DELETE FROM chunks WHERE sha256 = ?`);

  /** Of hashes just unreferenced in a range: those the array references nowhere else. */
  function supersede(arrayId: string, hashes: Iterable<string>): string[] {
    const superseded: string[] = [];
    for (const sha256 of new Set(hashes)) {
      if (referencedByArray.get({ arrayId, sha256 }) !== undefined) continue;
      superseded.push(sha256);
      release(sha256);
    }
    return superseded;
  }

  /** setChunkRefs for checked arguments, inside a transaction. */
  function replace({ arrayId, site, first, hashes }: ChunkRefsWrite): RefsOutcome {
    if (hashes.length === 0) return { changed: [], superseded: [] };
    const before = new Map<number, string>();
    for (const row of refsInRange.all({ arrayId, first, end: first + hashes.length })) {
      before.set(row.chunk_index, row.sha256);
    }
    const changed: number[] = [];
    const dropped: string[] = [];
    hashes.forEach((sha256, offset) => {
      const index = first + offset;
      const old = before.get(index);
      // Unchanged entries are rewritten too: the site may have moved with the array.
      setRef.run({ arrayId, index, sha256, site });
      if (old === sha256) return;
      changed.push(index);
      if (old !== undefined) dropped.push(old);
    });
    return { changed, superseded: supersede(arrayId, dropped) };
  }

  const insertChunk = ({ sha256, length, storedAt, uploader }: ChunkRecord) => {
    record.run({ sha256, length, storedAt, uploader });
  };
  const replaceRefs = db.transaction(replace);
  const replaceMany = db.transaction((items: readonly ChunkRefsWrite[]) => items.map(replace));
  const recordMany = db.transaction((records: readonly ChunkRecord[]) => {
    records.forEach(insertChunk);
  });
  const clearRefs = db.transaction((arrayId: string, first: number, end: number) =>
    supersede(arrayId, deleteRange.all({ arrayId, first, end })),
  );

  return {
    recordChunk(chunk) {
      checkChunkRecord(chunk);
      insertChunk(chunk);
    },
    recordChunks(records) {
      checkEach('records', records, checkChunkRecord);
      if (records.length > 0) recordMany.immediate(records);
    },
    recordReferenced(chunk, refId) {
      insertChunk(chunk);
      replace({ arrayId: refId, site: null, first: 0, hashes: [chunk.sha256] });
    },
    getChunk(sha256) {
      const row = get.get(sha256);
      return row === undefined
        ? undefined
        : {
            sha256: row.sha256,
            length: row.length,
            storedAt: row.stored_at,
            uploader: row.uploader,
          };
    },
    setChunkRefs(arrayId, site, first, hashes) {
      const write = { arrayId, site, first, hashes };
      checkChunkRefs(write);
      if (hashes.length === 0) return { changed: [], superseded: [] };
      return replaceRefs.immediate(write);
    },
    setChunkRefsMany(items) {
      checkEach('items', items, checkChunkRefs);
      return items.length === 0 ? [] : replaceMany.immediate(items);
    },
    clearChunkRefs(arrayId, first, count) {
      checkText('arrayId', arrayId);
      const from = first === undefined ? 0 : checkIndex('first', first);
      const end = count === undefined ? Number.MAX_SAFE_INTEGER : from + checkIndex('count', count);
      return clearRefs.immediate(arrayId, from, end);
    },
    chunkRefs(sha256, limit = -1) {
      // -1: SQLite's "no limit", for callers that want every reference.
      const bound = limit === -1 ? -1 : checkLimit(limit);
      return refs.all({ sha256, limit: bound }).map((row) => ({
        sha256,
        arrayId: row.array_id,
        chunkIndex: row.chunk_index,
        site: row.site,
      }));
    },
    unreferencedChunks(before, limit) {
      return unreferenced.all({ before: checkNumber('before', before), limit: checkLimit(limit) });
    },
    forgetChunk(sha256) {
      forget.run(sha256);
    },
  };
}
