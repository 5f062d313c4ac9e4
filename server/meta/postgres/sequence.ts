// The global sequence: one counter row, bumped inside the writing transaction (decision 0010),
// not a PostgreSQL SEQUENCE (whose values are handed out at nextval, not at commit, so a reader
// could see seq 8 committed before seq 7 and page past it). Writers lock the row first and hold
// it to their commit: seq order is commit order, and values are gap-free.
import type { Tx } from './db.ts';

/**
 * Locks the counter row for this transaction and answers its value; later statements of the
 * transaction see everything committed by the writers before it. Take it first, before other
 * locks, so that writers always lock in the same order.
 */
export async function lockSequence(tx: Tx): Promise<number> {
  const [row] = await tx.rows<{ v: number }>(
    `SELECT v FROM counters WHERE name = 'seq' FOR UPDATE`,
  );
  if (row === undefined) throw new Error('the sequence counter row is missing');
  return row.v;
}

// Bounds given as any finite number (validate.ts checkNumber) become the integers with the same
// meaning for an integer column, clamped to what a bigint parameter holds (seqs and clocks stay
// far below 2^53).

/** `x > bound` over integers, as `x > seqAbove(bound)`. */
export function seqAbove(bound: number): number {
  return clamp(Math.floor(bound));
}

/** `x <= bound` over integers, as `x <= seqAtMost(bound)`. */
export function seqAtMost(bound: number): number {
  return clamp(Math.floor(bound));
}

/** `x < bound` over integers, as `x < below(bound)`. */
export function below(bound: number): number {
  return clamp(Math.ceil(bound));
}

function clamp(value: number): number {
  return Math.min(Number.MAX_SAFE_INTEGER, Math.max(-Number.MAX_SAFE_INTEGER, value));
}
