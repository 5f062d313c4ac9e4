// Rows as both SQL stores (SQLite, PostgreSQL) read them — the same column names in both
// schemas — and the records the MetaStore interface answers with.
import type { IngestLogEntry, IngestRequest, TokenKind, TokenRecord } from './types.ts';

export interface TokenRow {
  id: string;
  hash: string;
  kind: TokenKind;
  user_id: string | null;
  label: string;
  policy: string | null;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  used_at: number | null;
}

export function toToken(row: TokenRow): TokenRecord {
  return {
    id: row.id,
    hash: row.hash,
    kind: row.kind,
    userId: row.user_id,
    label: row.label,
    policy: row.policy,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    usedAt: row.used_at,
  };
}

export interface IngestRow {
  seq: number;
  key: string;
  policy_id: string;
  sha256: string;
  length: number;
  format: string;
  tag: string | null;
  received_at: number;
  status: IngestLogEntry['status'];
  result: string | null;
  /** `body IS NOT NULL`, never the body itself: SQLite answers 0 or 1, PostgreSQL a boolean. */
  inline: boolean | number;
}

/** The ingest_log columns of an entry, without the body (listings must not load bodies). */
export const INGEST_COLUMNS =
  'seq, key, policy_id, sha256, length, format, tag, received_at, status, result, ' +
  'body IS NOT NULL AS inline';

/**
 * A new entry's column values in the order both stores' INSERTs list them: key, policy_id,
 * sha256, length, format, tag, received_at, body (null: the body is in the blob store).
 */
export function ingestValues(
  entry: IngestRequest,
): [string, string, string, number, string, string | null, number, Buffer | null] {
  const { body } = entry;
  return [
    entry.key,
    entry.policyId,
    entry.sha256,
    entry.length,
    entry.format,
    entry.tag,
    entry.receivedAt,
    // A view, not a copy: both drivers bind a Buffer as a blob (pg: bytea), whatever the size.
    body === undefined ? null : Buffer.from(body.buffer, body.byteOffset, body.byteLength),
  ];
}

/**
 * A stored body as a plain Uint8Array (not the driver's Buffer, which compares unequal to one).
 * A Buffer that does not own its whole memory (pg decodes small values into a shared pool) is
 * copied, so `.buffer` of the answer holds this body and nothing else.
 */
export function toIngestBody(body: Uint8Array | null): Uint8Array | undefined {
  if (body === null) return undefined;
  const owned = body.byteOffset === 0 && body.byteLength === body.buffer.byteLength;
  return owned ? new Uint8Array(body.buffer, 0, body.byteLength) : new Uint8Array(body);
}

export function toIngestEntry(row: IngestRow): IngestLogEntry {
  return {
    seq: row.seq,
    key: row.key,
    policyId: row.policy_id,
    sha256: row.sha256,
    length: row.length,
    format: row.format,
    tag: row.tag,
    receivedAt: row.received_at,
    status: row.status,
    result: row.result,
    inline: row.inline === true || row.inline === 1,
  };
}
