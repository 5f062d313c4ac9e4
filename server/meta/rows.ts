// Rows as both SQL stores (SQLite, PostgreSQL) read them — the same column names in both
// schemas — and the records the MetaStore interface answers with.
import type { IngestLogEntry, TokenKind, TokenRecord } from './types.ts';

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
}

/**
 * A new entry's column values in the order both stores' INSERTs list them: key, policy_id,
 * sha256, length, format, tag, received_at.
 */
export function ingestValues(
  entry: Omit<IngestLogEntry, 'seq' | 'status' | 'result'>,
): [string, string, string, number, string, string | null, number] {
  return [
    entry.key,
    entry.policyId,
    entry.sha256,
    entry.length,
    entry.format,
    entry.tag,
    entry.receivedAt,
  ];
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
  };
}
