// The PostgreSQL metadata store: the conformance suite every MetaStore passes, then what only a
// shared server brings: several lake instances (pools) writing at once, migrations racing at
// start, connections dropped mid-transaction, a full disk. One cluster for the whole file
// (test-support/postgres.ts), a fresh database per test.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  postgresUnavailable,
  startPostgres,
  type PostgresCluster,
} from '../../test-support/postgres.ts';
import { runMetaStoreConformance } from '../meta-store.suite.ts';
import { MetaStoreError, type DocWrite, type MetaStore, type StoredDoc } from '../types.ts';
import { toMetaStoreError } from './errors.ts';
import { openPostgresMetaStore, SCHEMA_VERSION } from './index.ts';
import { migrations } from './schema.ts';

const unavailable = postgresUnavailable();
if (unavailable !== undefined) console.warn(unavailable);

let cluster: PostgresCluster | undefined;
function pgCluster(): PostgresCluster {
  if (cluster === undefined) throw new Error('the PostgreSQL cluster did not start');
  return cluster;
}

async function rejection(promise: Promise<unknown>): Promise<MetaStoreError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MetaStoreError);
  return error as MetaStoreError;
}

function doc(id: string, body: Record<string, unknown>, assumedRev?: string | null): DocWrite {
  const base: DocWrite = { id, body, deleted: false, site: null, type: null };
  return assumedRev === undefined ? base : { ...base, assumedRev };
}

/** Runs SQL on `url` as the superuser, outside any store. */
async function withClient<T>(url: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/** Every document, through the feed. */
async function feed(store: MetaStore): Promise<StoredDoc[]> {
  const out: StoredDoc[] = [];
  for (let since = 0; ;) {
    const page = await store.changes({ since, limit: 500, sites: { all: true } });
    out.push(...page);
    const last = page.at(-1);
    if (last === undefined) return out;
    since = last.seq;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('PostgreSQL error mapping', () => {
  const server = (code: string) =>
    Object.assign(new Error(`server says ${code}`), { code, severity: 'ERROR' });
  const codeOf = (error: unknown) => {
    const mapped = toMetaStoreError(error, 'db');
    return mapped instanceof MetaStoreError ? mapped.code : undefined;
  };

  it('maps SQLSTATEs and connection failures to MetaStoreError codes', () => {
    expect(codeOf(server('53100'))).toBe('no_space');
    expect(codeOf(server('23505'))).toBe('invalid');
    expect(codeOf(server('23503'))).toBe('invalid');
    expect(codeOf(server('22P02'))).toBe('invalid');
    expect(codeOf(server('57P01'))).toBe('busy');
    expect(codeOf(server('08006'))).toBe('busy');
    expect(codeOf(server('40P01'))).toBe('busy');
    expect(codeOf(server('55P03'))).toBe('busy');
    expect(codeOf(server('XX001'))).toBe('corrupt');
    expect(codeOf(Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }))).toBe('busy');
    expect(codeOf(new Error('Connection terminated unexpectedly'))).toBe('busy');
    // A programming mistake keeps its own error.
    expect(codeOf(server('42601'))).toBeUndefined();
    expect(codeOf(new TypeError('x is not a function'))).toBeUndefined();
  });
});

describe.skipIf(unavailable !== undefined)('PostgreSQL meta store', () => {
  beforeAll(async () => {
    cluster = await startPostgres();
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  runMetaStoreConformance('postgres', async ({ now }) => {
    const store = await openPostgresMetaStore(await pgCluster().createDatabase(), {
      now,
      poolSize: 4,
    });
    return { store, cleanup: () => store.close() };
  });

  describe('two lake instances on one database', () => {
    it('write at once: every applied write takes one seq, gap-free, in commit order', async () => {
      const url = await pgCluster().createDatabase();
      // Opening together also races the two migrations.
      const instances = await Promise.all([
        openPostgresMetaStore(url, { poolSize: 4 }),
        openPostgresMetaStore(url, { poolSize: 4 }),
      ]);
      const [first] = instances;
      const reader = await openPostgresMetaStore(url, { poolSize: 1 });
      try {
        await first.writeDocs([doc('shared', { n: 0 })]);
        const acknowledged: { id: string; seq: number }[] = [];
        let increments = 0;

        // A reader following the feed by checkpoint while the writers run: if a lower seq
        // could commit after a higher one it had read, it would page past it and miss it.
        let writing = true;
        const seen = new Map<string, number>();
        const follow = async () => {
          let since = 0;
          for (;;) {
            const done = !writing;
            const page = await reader.changes({ since, limit: 20, sites: { all: true } });
            for (const d of page) seen.set(d.id, d.seq);
            since = page.at(-1)?.seq ?? since;
            if (page.length === 0 && done) return;
            if (page.length === 0) await sleep(2);
          }
        };

        // Per instance 3 writers × 8 batches: 4 new documents and a conditional increment of
        // the shared document, retried on conflict (the other writers move it on).
        const writer = async (store: MetaStore, name: string) => {
          let lastSeq = 0;
          for (let batch = 0; batch < 8; batch++) {
            const fresh = Array.from({ length: 4 }, (_, i) =>
              doc(`${name}/${batch}/${i}`, { batch, i }),
            );
            let pending = true;
            let writes: DocWrite[] = fresh;
            while (pending) {
              const shared = await store.getDoc('shared');
              const n = Number(shared?.body.n);
              const outcomes = await store.writeDocs([
                ...writes,
                // The writer's name in the body: two writers' increments of one revision
                // differ (the same body on the same revision would be the same write, a replay).
                doc('shared', { n: n + 1, by: name }, shared?.rev),
              ]);
              for (const outcome of outcomes) {
                if (!outcome.ok) continue;
                expect(outcome.replayed).toBe(false);
                // One writer's acknowledgements are in its order: later batches, higher seqs.
                expect(outcome.seq).toBeGreaterThan(lastSeq);
                lastSeq = outcome.seq;
                acknowledged.push({ id: outcome.id, seq: outcome.seq });
                if (outcome.id === 'shared') {
                  increments++;
                  pending = false;
                }
              }
              writes = [];
            }
          }
        };
        const following = follow();
        await Promise.all(
          instances.flatMap((store, s) => [0, 1, 2].map((w) => writer(store, `i${s}/w${w}`))),
        );
        writing = false;
        await following;

        const top = await first.currentSeq();
        // Each seq 2..top taken by exactly one applied write: none lost, none twice, no gap.
        const seqs = acknowledged.map((a) => a.seq).sort((a, b) => a - b);
        expect(seqs).toEqual(Array.from({ length: top - 1 }, (_, i) => i + 2));
        expect(increments).toBe(2 * 3 * 8);
        // No lost update on the shared document: every increment counted once.
        expect((await first.getDoc('shared'))?.body.n).toBe(increments);
        // Every document once in the feed, at its last acknowledged seq.
        const latest = new Map<string, number>();
        for (const a of acknowledged) latest.set(a.id, Math.max(latest.get(a.id) ?? 0, a.seq));
        const all = await feed(first);
        expect(all).toHaveLength(2 * 3 * 8 * 4 + 1);
        for (const d of all) expect(d.seq).toBe(latest.get(d.id));
        // The follower saw every document, each at its final seq.
        expect(seen.size).toBe(all.length);
        for (const d of all) expect(seen.get(d.id)).toBe(d.seq);
      } finally {
        await Promise.all([...instances, reader].map((store) => store.close()));
      }
    });

    it('use a sign-in link once between them and grant from both without losing a seq', async () => {
      const url = await pgCluster().createDatabase();
      const [a, b] = await Promise.all([
        openPostgresMetaStore(url, { poolSize: 4 }),
        openPostgresMetaStore(url, { poolSize: 4 }),
      ]);
      try {
        await a.createUser({
          id: 'u1',
          name: 'alice',
          role: 'technician',
          passwordHash: null,
          createdAt: 1,
          disabled: false,
        });
        await a.createToken({
          id: 'link',
          hash: 'h',
          kind: 'sign-in',
          userId: 'u1',
          label: '',
          policy: null,
          createdAt: 1,
          expiresAt: null,
          revokedAt: null,
          usedAt: null,
        });
        const uses = await Promise.all(
          Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? a : b).useToken('link', 10 + i)),
        );
        expect(uses.filter(Boolean)).toHaveLength(1);
        // Seven grants of four sites and a document write, from both instances at once.
        const [given, written] = await Promise.all([
          Promise.all([
            ...['x', 'y', 'z'].map((site) => a.grantSite('u1', `site/${site}`)),
            ...['x', 'y', 'z', 'w'].map((site) => b.grantSite('u1', `site/${site}`)),
          ]),
          a.writeDocs([doc('d', { n: 1 })]),
        ]);
        const bySite = new Map<string, number>();
        for (const grant of given) {
          // Granting again answers the existing grant, whichever instance made it.
          expect(grant.seq).toBe(bySite.get(grant.site) ?? grant.seq);
          bySite.set(grant.site, grant.seq);
        }
        const docSeq = written[0]?.ok === true ? written[0].seq : -1;
        expect([...bySite.values(), docSeq].sort((p, q) => p - q)).toEqual([1, 2, 3, 4, 5]);
        expect((await b.grants('u1')).map((g) => g.seq)).toEqual(
          [...bySite.values()].sort((p, q) => p - q),
        );
        expect(await b.currentSeq()).toBe(5);
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    });
  });

  describe('leases between two lake instances', () => {
    it('exactly one holder wins each of 20 rounds of racing, for a free or an expired lease', async () => {
      const url = await pgCluster().createDatabase();
      // One clock for both: the deployment's synchronized clocks (types.ts, LeaseStore).
      let t = 1_000_000;
      const now = () => t;
      const [a, b] = await Promise.all([
        openPostgresMetaStore(url, { now, poolSize: 4 }),
        openPostgresMetaStore(url, { now, poolSize: 4 }),
      ]);
      try {
        for (let round = 0; round < 20; round++) {
          // Even rounds race for a new lease (INSERT against INSERT), odd rounds for the
          // previous round's, expired (the conditional UPDATE against itself).
          const name = `transform/${Math.floor(round / 2)}`;
          const contenders = Array.from({ length: 8 }, (_, i) => ({
            store: i % 2 === 0 ? a : b,
            holder: `round${round}/instance${i % 2}/worker${i}`,
          }));
          const won = await Promise.all(
            contenders.map(({ store, holder }) => store.acquireLease(name, holder, 1000)),
          );
          expect(won.filter(Boolean), `round ${round}`).toHaveLength(1);
          const winner = contenders[won.indexOf(true)];
          if (winner === undefined) throw new Error('no winner');
          // The winner holds it, seen from either instance.
          expect(await winner.store.acquireLease(name, winner.holder, 1000)).toBe(true);
          expect(await (winner.store === a ? b : a).acquireLease(name, 'late', 1000)).toBe(false);
          t += 1001;
        }
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    });
  });

  describe('migrations', () => {
    it('migrate once when instances open a fresh database together; reopening changes nothing', async () => {
      const url = await pgCluster().createDatabase();
      const versions = () =>
        withClient(url, async (client) => {
          const result = await client.query<{ version: number; applied_at: Date }>(
            `SELECT version, applied_at FROM schema_version ORDER BY version`,
          );
          return result.rows.map((row) => `${row.version}@${row.applied_at.toISOString()}`);
        });
      const stores = await Promise.all(
        Array.from({ length: 4 }, () => openPostgresMetaStore(url, { poolSize: 1 })),
      );
      const [first, last] = [stores[0], stores.at(-1)];
      if (first === undefined || last === undefined) throw new Error('no store');
      await first.writeDocs([doc('a', { n: 1 })]);
      expect((await last.getDoc('a'))?.body).toEqual({ n: 1 });
      const applied = await versions();
      expect(applied).toHaveLength(SCHEMA_VERSION);
      await Promise.all(stores.map((store) => store.close()));

      const reopened = await openPostgresMetaStore(url);
      try {
        expect(await versions()).toEqual(applied);
        expect(await reopened.currentSeq()).toBe(1);
        expect((await reopened.getDoc('a'))?.body).toEqual({ n: 1 });
      } finally {
        await reopened.close();
      }
    });

    it('migrate a version 3 database: its logged requests read inline false, new ones hold bodies', async () => {
      const url = await pgCluster().createDatabase();
      // What a lake of schema version 3 left: its migrations, and one request logged.
      await withClient(url, async (client) => {
        await client.query(
          `CREATE TABLE schema_version (
             version integer PRIMARY KEY,
             description text NOT NULL,
             applied_at timestamptz NOT NULL DEFAULT now()
           )`,
        );
        for (const migration of migrations.filter((m) => m.version <= 3)) {
          await client.query(migration.sql);
          await client.query(`INSERT INTO schema_version (version, description) VALUES ($1, $2)`, [
            migration.version,
            migration.description,
          ]);
        }
        await client.query(
          `UPDATE counters SET v = 1 WHERE name = 'ingest';
           INSERT INTO ingest_log
             (seq, key, policy_id, sha256, length, format, tag, received_at, status)
           VALUES (1, 'old', 'policy/p', '${'a'.repeat(64)}', 3, 'collectd-json', NULL, 5,
             'pending')`,
        );
      });
      const store = await openPostgresMetaStore(url, { poolSize: 2 });
      try {
        expect(await store.getIngest('old')).toMatchObject({
          key: 'old',
          length: 3,
          inline: false,
        });
        expect(await store.ingestBody('old')).toBeUndefined();
        const body = new Uint8Array([0, 255, 1]);
        const sha256 = createHash('sha256').update(body).digest('hex');
        await store.logIngest({
          key: 'new',
          policyId: 'policy/p',
          sha256,
          length: 3,
          format: 'collectd-json',
          tag: null,
          receivedAt: 6,
          body,
        });
        expect((await store.pendingIngests(10)).map((e) => [e.key, e.seq, e.inline])).toEqual([
          ['old', 1, false],
          ['new', 2, true],
        ]);
        expect(await store.ingestBody('new')).toEqual(body);
      } finally {
        await store.close();
      }
      const versions = await withClient(
        url,
        async (client) =>
          (await client.query<{ version: number }>(`SELECT version FROM schema_version`)).rows,
      );
      expect(versions).toHaveLength(SCHEMA_VERSION);
    });

    it("refuses another application's database and a newer schema", async () => {
      const foreign = await pgCluster().createDatabase();
      await withClient(foreign, (client) => client.query(`CREATE TABLE orders (id int)`));
      const refused = await rejection(openPostgresMetaStore(foreign));
      expect(refused.code).toBe('invalid');
      expect(refused.message).toMatch(/another application/);
      // Nothing of the lake was added to it.
      expect(
        await withClient(
          foreign,
          async (client) =>
            (await client.query<{ t: string | null }>(`SELECT to_regclass('schema_version') AS t`))
              .rows,
        ),
      ).toEqual([{ t: null }]);

      const newer = await pgCluster().createDatabase();
      await (await openPostgresMetaStore(newer)).close();
      await withClient(newer, (client) =>
        client.query(`INSERT INTO schema_version (version, description) VALUES ($1, 'future')`, [
          SCHEMA_VERSION + 1,
        ]),
      );
      const tooNew = await rejection(openPostgresMetaStore(newer));
      expect(tooNew.code).toBe('invalid');
      expect(tooNew.message).toMatch(/newer Fieldlake/);
    });

    it('answers busy for an unreachable server and invalid for a missing database', async () => {
      const port = await new Promise<number>((resolve) => {
        const probe = createServer().listen(0, '127.0.0.1', () => {
          const address = probe.address();
          probe.close(() => {
            resolve(typeof address === 'object' && address !== null ? address.port : 1);
          });
        });
      });
      const down = await rejection(
        openPostgresMetaStore(`postgres://postgres@127.0.0.1:${port}/x`),
      );
      expect(down.code).toBe('busy');
      const missing = await rejection(
        openPostgresMetaStore(pgCluster().adminUrl.replace(/\/postgres$/, '/no_such_db')),
      );
      expect(missing.code).toBe('invalid');
    });
  });

  describe('connections dropped by the server', () => {
    /** Backends of the lake in this database waiting on a lock, other than `seen`. */
    async function blockedBackend(admin: pg.Client, seen: readonly number[]): Promise<number> {
      for (let tries = 0; tries < 500; tries++) {
        const result = await admin.query<{ pid: number }>(
          `SELECT pid FROM pg_stat_activity
           WHERE datname = current_database() AND application_name = 'fieldlake-lake'
             AND wait_event_type = 'Lock' AND pid <> ALL($1::int[])`,
          [seen],
        );
        const pid = result.rows[0]?.pid;
        if (pid !== undefined) return pid;
        await sleep(20);
      }
      throw new Error('no lake backend blocked on the lock');
    }

    it('a transaction cut mid-write rolls back; the store retries it or answers busy, then carries on', async () => {
      const url = await pgCluster().createDatabase();
      const store = await openPostgresMetaStore(url, { poolSize: 2 });
      // `holder` holds row locks in its transaction; `admin` watches and terminates backends
      // (outside any transaction: pg_stat_activity is frozen for the length of one).
      const holder = new pg.Client({ connectionString: url });
      const admin = new pg.Client({ connectionString: url });
      await Promise.all([holder.connect(), admin.connect()]);
      try {
        const x = await store.writeDocs([doc('x', { n: 0 })]);
        expect(x[0]).toMatchObject({ ok: true, seq: 1 });
        const committed = async () =>
          (
            await admin.query<{ v: string; a: string }>(
              `SELECT (SELECT v FROM counters WHERE name = 'seq')::text AS v,
                      (SELECT count(*) FROM docs WHERE id IN ('a', 'b'))::text AS a`,
            )
          ).rows[0];

        // The store's batch inserts 'a', then waits for the row lock on 'x' held here: it is
        // in the middle of its transaction, holding the counter row, when its backend dies.
        await holder.query('BEGIN');
        await holder.query(`SELECT 1 FROM docs WHERE id = 'x' FOR UPDATE`);
        const retried = store.writeDocs([doc('a', { n: 1 }), doc('x', { n: 1 })]);
        const firstPid = await blockedBackend(admin, []);
        await admin.query('SELECT pg_terminate_backend($1)', [firstPid]);
        // It failed before COMMIT, so the store runs it again on a fresh connection…
        await blockedBackend(admin, [firstPid]);
        // …and the first attempt left nothing: no 'a', the counter unchanged.
        expect(await committed()).toEqual({ v: '1', a: '0' });
        await holder.query('ROLLBACK');
        const outcomes = await retried;
        expect(outcomes).toEqual([
          expect.objectContaining({ id: 'a', ok: true, seq: 2, replayed: false }),
          expect.objectContaining({ id: 'x', ok: true, seq: 3, replayed: false }),
        ]);

        // Cut every attempt: the call answers busy, and nothing of it was written.
        await holder.query('BEGIN');
        await holder.query(`SELECT 1 FROM docs WHERE id = 'x' FOR UPDATE`);
        const failing = rejection(store.writeDocs([doc('b', { n: 1 }), doc('x', { n: 2 })]));
        // Only terminated backends are excluded: the second attempt's connection went back to
        // the pool, and this call may well run on it.
        const cut = [firstPid];
        for (let attempt = 0; attempt < 3; attempt++) {
          const pid = await blockedBackend(admin, cut);
          cut.push(pid);
          await admin.query('SELECT pg_terminate_backend($1)', [pid]);
        }
        expect((await failing).code).toBe('busy');
        await holder.query('ROLLBACK');
        expect(await committed()).toEqual({ v: '3', a: '1' });

        // Idle pooled connections dropped too: the next calls reconnect.
        await admin.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
           WHERE datname = current_database() AND application_name = 'fieldlake-lake'`,
        );
        await sleep(50);
        expect(await store.writeDocs([doc('c', { n: 1 })])).toEqual([
          expect.objectContaining({ ok: true, seq: 4 }),
        ]);
        expect(await store.getDoc('b')).toBeUndefined();
        expect((await feed(store)).map((d) => [d.id, d.seq])).toEqual([
          ['a', 2],
          ['x', 3],
          ['c', 4],
        ]);
      } finally {
        await Promise.all([holder.end(), admin.end()]);
        await store.close();
      }
    });
  });

  // A tablespace on a 2 MiB tmpfs: the server's "could not extend file" (SQLSTATE 53100)
  // must reach the caller as no_space, and the store must go on answering reads.
  describe.skipIf(process.getuid?.() !== 0)('a full disk', () => {
    it('answers no_space and keeps serving reads', async (context) => {
      const mount = mkdtempSync(join(tmpdir(), 'fieldlake-pg-full-'));
      const owner = statSync(pgCluster().dataDir);
      try {
        execFileSync('mount', [
          '-t',
          'tmpfs',
          '-o',
          `size=2m,uid=${owner.uid},gid=${owner.gid},mode=0700`,
          'tmpfs',
          mount,
        ]);
      } catch (error) {
        rmSync(mount, { recursive: true, force: true });
        context.skip(`cannot mount a tmpfs here: ${String(error)}`);
        return;
      }
      const url = await pgCluster().createDatabase();
      const database = new URL(url).pathname.slice(1);
      const admin = pgCluster().adminUrl;
      try {
        const store = await openPostgresMetaStore(url);
        try {
          await store.writeDocs([doc('first', { n: 1 })]);
          // Only the documents (with their TOAST table) move to the tiny file system: a whole
          // database would not fit in it.
          await withClient(admin, (client) =>
            client.query(`CREATE TABLESPACE tiny LOCATION '${mount}'`),
          );
          await withClient(url, (client) => client.query(`ALTER TABLE docs SET TABLESPACE tiny`));
          let error: unknown;
          for (let batch = 0; batch < 200 && error === undefined; batch++) {
            const big = randomBytes(3000).toString('base64');
            await store
              .writeDocs(Array.from({ length: 20 }, (_, i) => doc(`d${batch}/${i}`, { big, i })))
              .catch((e: unknown) => {
                error = e;
              });
          }
          expect(error).toBeInstanceOf(MetaStoreError);
          expect((error as MetaStoreError).code).toBe('no_space');
          // The failed batch left nothing half-written, and reads go on.
          const seq = await store.currentSeq();
          expect(seq % 20).toBe(1);
          expect(await store.getDoc('first')).toMatchObject({ seq: 1, body: { n: 1 } });
          expect(await store.changes({ since: seq - 1, limit: 5, sites: { all: true } })).toEqual([
            expect.objectContaining({ seq }),
          ]);
        } finally {
          await store.close();
        }
      } finally {
        await withClient(admin, async (client) => {
          await client.query(
            `DROP DATABASE IF EXISTS ${pg.escapeIdentifier(database)} WITH (FORCE)`,
          );
          await client.query(`DROP TABLESPACE IF EXISTS tiny`);
        });
        execFileSync('umount', ['-l', mount]);
        rmSync(mount, { recursive: true, force: true });
      }
    });
  });
});
