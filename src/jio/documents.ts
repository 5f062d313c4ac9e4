// The rules of writes that every document store applies the same way: conditional writes
// (`_rev` in put, `assumedRev` in bulkWrite), tombstones, and the shape of a conflict.
import { JioError } from './errors.ts';
import type { BulkWriteItem, BulkWriteResult, JioDocument } from './types.ts';
import { checkDocument, checkId } from './validate.ts';

/** What a store keeps per document id. */
export interface StoredDocument {
  id: string;
  rev: string;
  seq: number;
  deleted: boolean;
  /** The content without `_rev`; empty for a tombstone. */
  content: Record<string, unknown>;
}

/** The document as storages return it: content plus `_rev`. */
export function withRev(stored: StoredDocument): JioDocument {
  return { ...structuredClone(stored.content), _rev: stored.rev };
}

/** How a conflict shows the current state: the document, a tombstone, or null. */
export function currentState(stored: StoredDocument | undefined): Record<string, unknown> | null {
  if (stored === undefined) return null;
  if (stored.deleted) return { _rev: stored.rev, _deleted: true };
  return withRev(stored);
}

/** For put with `_rev`: 412 unless the stored live document has exactly that revision. */
export function checkSingleCondition(
  id: string,
  stored: StoredDocument | undefined,
  rev: string | undefined,
): void {
  if (rev === undefined) return;
  if (stored === undefined || stored.deleted || stored.rev !== rev) {
    throw new JioError(
      'precondition_failed',
      `Document "${id}" is at revision ${stored === undefined || stored.deleted ? '(none)' : stored.rev}, not ${rev}`,
      { reason: 'revision_mismatch', current: currentState(stored) },
    );
  }
}

/** A bulk item checked and normalised, or the per-item error it deserves. */
export type PreparedItem =
  | {
      ok: true;
      id: string;
      deleted: boolean;
      content: Record<string, unknown>;
      assumedRev: string | null | undefined;
    }
  | { ok: false; result: BulkWriteResult };

export function prepareBulkItem(item: BulkWriteItem, index: number): PreparedItem {
  try {
    if (typeof item !== 'object' || (item as unknown) === null) {
      throw new JioError('bad_request', `Bulk item ${index} is not an object`, {
        reason: 'invalid_item',
      });
    }
    const id = checkId(item.id);
    const deleted = item.deleted === true || item.doc === undefined;
    const content = deleted ? {} : checkDocument(item.doc).content;
    const assumed = item.assumedRev;
    if (assumed !== undefined && assumed !== null && typeof assumed !== 'string') {
      throw new JioError(
        'bad_request',
        `Bulk item ${index}: assumedRev must be a string, null or absent`,
        {
          reason: 'invalid_item',
        },
      );
    }
    return { ok: true, id, deleted, content, assumedRev: assumed };
  } catch (error) {
    if (!(error instanceof JioError)) throw error;
    const id = typeof item === 'object' && typeof item.id === 'string' ? item.id : String(index);
    return { ok: false, result: { id, ok: false, error: error.toJSON() } };
  }
}

/**
 * Whether a bulk write may apply: `assumedRev` undefined → always; null → only when nothing
 * live is stored; a string → only when the stored revision (live or tombstone) is that one.
 */
export function bulkConflict(
  id: string,
  stored: StoredDocument | undefined,
  assumedRev: string | null | undefined,
): BulkWriteResult | undefined {
  if (assumedRev === undefined) return undefined;
  const storedRev =
    stored === undefined || (stored.deleted && assumedRev === null) ? null : stored.rev;
  if (assumedRev === storedRev) return undefined;
  return {
    id,
    ok: false,
    error: new JioError(
      'conflict',
      `Document "${id}" is at revision ${storedRev ?? '(none)'}, not ${assumedRev ?? '(none)'}`,
      {
        reason: 'revision_conflict',
        current: currentState(stored),
      },
    ).toJSON(),
  };
}
