// Named leases (types.ts, LeaseStore), as ../sqlite/leases.ts. One autocommitted upsert
// decides, atomically between instances: of two racing for a free lease, the second's INSERT
// waits on the first's key and then takes the conflict path; of two racing for an expired one,
// the second waits on the row lock and re-checks the condition on the row the first wrote
// (READ COMMITTED re-evaluates an UPDATE's WHERE on the latest version), which the first's
// fresh expiry and other holder then fail: it answers no row.
import { checkLease } from '../sqlite/validate.ts';
import type { LeaseStore } from '../types.ts';
import type { Db } from './db.ts';

export function leaseStatements(db: Db, now: () => number): LeaseStore {
  return {
    async acquireLease(name, holder, ttlMs) {
      checkLease(name, holder, ttlMs);
      const at = now();
      const { count } = await db.write(
        `INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, $4)
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
           WHERE leases.expires_at < $3 OR leases.holder = excluded.holder
         RETURNING holder`,
        [name, holder, at, at + ttlMs],
      );
      return count === 1;
    },

    async releaseLease(name, holder) {
      checkLease(name, holder);
      await db.write(`DELETE FROM leases WHERE name = $1 AND holder = $2`, [name, holder]);
    },
  };
}
