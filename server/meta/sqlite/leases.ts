// Named leases (types.ts, LeaseStore): which lake instance runs a singleton job. One upsert
// decides: it takes a free or expired lease or renews the caller's own, and answers no row when
// another holder's lease is still running.
import type Database from 'better-sqlite3';
import { checkLease } from './validate.ts';

export interface LeaseStatements {
  acquireLease(name: string, holder: string, ttlMs: number): boolean;
  releaseLease(name: string, holder: string): void;
}

export function leaseStatements(db: Database.Database, now: () => number): LeaseStatements {
  const acquire = db.prepare<{ name: string; holder: string; now: number; expires: number }>(
    `INSERT INTO leases (name, holder, expires_at) VALUES (@name, @holder, @expires)
     ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
       WHERE leases.expires_at < @now OR leases.holder = excluded.holder
     RETURNING holder`,
  );
  const release = db.prepare<[string, string]>(`DELETE FROM leases WHERE name = ? AND holder = ?`);
  return {
    acquireLease(name, holder, ttlMs) {
      checkLease(name, holder, ttlMs);
      const at = now();
      return acquire.get({ name, holder, now: at, expires: at + ttlMs }) !== undefined;
    },
    releaseLease(name, holder) {
      checkLease(name, holder);
      release.run(name, holder);
    },
  };
}
