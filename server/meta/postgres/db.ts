// The few ways the store talks to PostgreSQL, over one pg Pool: a read, a one-statement write
// and a transaction. They decide what is safe to run again when a connection is lost:
// - a read whose connection turns out dead: again on a fresh one (a read changed nothing);
// - a transaction that failed before COMMIT was sent: the server rolled it back, so the whole
//   transaction runs again (also after a deadlock or serialization failure);
// - a one-statement write or a lost COMMIT: never (it may have committed); the caller gets
//   'busy' and retries at its level, where writes are idempotent or replay-detected.
// A connection that failed is destroyed, not returned to the pool.
import type pg from 'pg';
import { isConnectionError, isTransientConflict } from './errors.ts';

export type Row = Record<string, unknown>;

/** Statements inside one transaction (one connection). */
export interface Tx {
  rows<R extends Row>(text: string, values?: unknown[]): Promise<R[]>;
  /** Runs a statement and answers how many rows it touched. */
  run(text: string, values?: unknown[]): Promise<number>;
}

export interface Db {
  read<R extends Row>(text: string, values?: unknown[]): Promise<R[]>;
  /** One autocommitted statement; answers its rows and how many rows it touched. */
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- as read: pg's rows are untyped, the SQL at each call gives their shape
  write<R extends Row>(text: string, values?: unknown[]): Promise<{ rows: R[]; count: number }>;
  /** READ COMMITTED (the server default): `work` takes the row locks it needs. */
  transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
}

/** Attempts of a read or a transaction before its error is the caller's. */
const ATTEMPTS = 3;

export function dbOver(pool: pg.Pool): Db {
  return {
    async read<R extends Row>(text: string, values?: unknown[]) {
      for (let attempt = 1; ; attempt++) {
        // Not retried: failing to connect is the server's own answer (down, refusing).
        const client = await pool.connect();
        let broken: Error | undefined;
        try {
          return (await client.query<R>(text, values)).rows;
        } catch (error) {
          // A pooled connection found dead (the server restarted, or ended it): try a fresh one.
          if (isConnectionError(error)) broken = asError(error);
          if (broken === undefined || attempt >= ATTEMPTS) throw error;
        } finally {
          client.release(broken);
        }
      }
    },

    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- see Db.write
    async write<R extends Row>(text: string, values?: unknown[]) {
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        const result = await client.query<R>(text, values);
        return { rows: result.rows, count: result.rowCount ?? 0 };
      } catch (error) {
        if (isConnectionError(error)) broken = asError(error);
        throw error;
      } finally {
        client.release(broken);
      }
    },

    async transaction(work) {
      for (let attempt = 1; ; attempt++) {
        const client = await pool.connect();
        let broken: Error | undefined;
        let committing = false;
        try {
          await client.query('BEGIN');
          const result = await work({
            async rows<R extends Row>(text: string, values?: unknown[]) {
              return (await client.query<R>(text, values)).rows;
            },
            async run(text, values) {
              return (await client.query(text, values)).rowCount ?? 0;
            },
          });
          committing = true;
          await client.query('COMMIT');
          return result;
        } catch (error) {
          if (isConnectionError(error)) {
            broken = asError(error);
          } else if (!committing) {
            try {
              await client.query('ROLLBACK');
            } catch (rollbackError) {
              broken = asError(rollbackError);
            }
          }
          const again =
            !committing &&
            attempt < ATTEMPTS &&
            (isConnectionError(error) || isTransientConflict(error));
          if (!again) throw error;
        } finally {
          client.release(broken);
        }
      }
    },
  };
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
