// The global sequence: one counter row, bumped inside the writing transaction (decision 0010).
// Every change a reader may need to notice (a document revision, a site grant) takes the next
// value, so `since` checkpoints cover both.
import type Database from 'better-sqlite3';

export interface Sequence {
  /** Takes the next value; call inside a write transaction. */
  next(): number;
  current(): number;
}

export function sequence(db: Database.Database): Sequence {
  const bump = db
    .prepare<[], number>(`UPDATE counters SET v = v + 1 WHERE name = 'seq' RETURNING v`)
    .pluck();
  const read = db.prepare<[], number>(`SELECT v FROM counters WHERE name = 'seq'`).pluck();
  return {
    next() {
      const value = bump.get();
      if (value === undefined) throw new Error('the sequence counter row is missing');
      return value;
    },
    current() {
      return read.get() ?? 0;
    },
  };
}
