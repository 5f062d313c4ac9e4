// Revisions of lake documents: `<generation>-<32 hex>`, derived only from the previous revision,
// the deleted flag and the canonical body. Being a pure function of the write is what makes a
// retried push recognisable: a push that was applied but whose answer was lost computes the
// same revision again, and the store answers ok instead of a conflict (docs/lake-api.md).
import { createHash } from 'node:crypto';
import { canonicalJson } from '../../src/shared/wire/canonical-json.ts';

// Shared with the browser's sync engine, which computes the revision its push will get.
export { canonicalJson, MAX_JSON_DEPTH } from '../../src/shared/wire/canonical-json.ts';

const REVISION = /^([1-9][0-9]{0,15})-([0-9a-f]{32})$/;

export interface ParsedRevision {
  generation: number;
  hash: string;
}

/** The parts of a well-formed revision, or undefined for anything else. */
export function parseRevision(rev: unknown): ParsedRevision | undefined {
  if (typeof rev !== 'string') return undefined;
  const match = REVISION.exec(rev);
  if (match === null) return undefined;
  const generation = Number(match[1]);
  if (!Number.isSafeInteger(generation)) return undefined;
  return { generation, hash: match[2] ?? '' };
}

export function isRevision(rev: unknown): rev is string {
  return parseRevision(rev) !== undefined;
}

/**
 * The revision a write produces. `previous` is the revision it replaces (null/undefined: the
 * document is new); the hash covers the previous revision ('' when none), the deleted flag and
 * the canonical body, so the same write on the same revision always yields the same revision.
 * Throws a TypeError for a malformed `previous` or a body that is not JSON.
 */
export function nextRevision(
  previous: string | null | undefined,
  body: unknown,
  deleted: boolean,
): string {
  return nextRevisionOfJson(previous, canonicalJson(body), deleted);
}

/** nextRevision for a body already in canonical form (stores canonicalise once per write). */
export function nextRevisionOfJson(
  previous: string | null | undefined,
  canonicalBody: string,
  deleted: boolean,
): string {
  let generation = 1;
  if (previous !== null && previous !== undefined) {
    const parsed = parseRevision(previous);
    if (parsed === undefined) throw new TypeError(`not a revision: ${JSON.stringify(previous)}`);
    generation = parsed.generation + 1;
  }
  const hash = createHash('sha256')
    .update(`${previous ?? ''}\n${String(deleted)}\n${canonicalBody}`)
    .digest('hex');
  return `${generation}-${hash.slice(0, 32)}`;
}
