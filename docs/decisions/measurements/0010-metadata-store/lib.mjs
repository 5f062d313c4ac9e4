// Shared helpers for the 0010 metadata-store measurements.
// Imports only better-sqlite3, @electric-sql/pglite and node: modules.
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

// ---------- deterministic-ish random data ----------
let state = 0x9e3779b9 ^ Number(process.env.SEED ?? 1);
export function rnd() {
  // xorshift32, fast and reproducible per SEED
  state ^= state << 13;
  state >>>= 0;
  state ^= state >>> 17;
  state ^= state << 5;
  state >>>= 0;
  return state / 0x100000000;
}
const WORDS =
  'pump bearing vibration spike drift sensor offset calibration anomaly valve motor ' +
  'temperature pressure flow night shift alarm ok check replaced noisy reading gap weekend inspection'.split(
    ' ',
  );
function text(n) {
  let s = '';
  while (s.length < n) s += WORDS[(rnd() * WORDS.length) | 0] + ' ';
  return s.slice(0, n);
}
export function newId() {
  return 'annotation/' + randomBytes(8).toString('hex');
}
/** A random annotation-like JSON document of 300 B – 2 KB when serialised. */
export function makeDoc(id) {
  const target = 300 + ((rnd() * 1700) | 0);
  const t0 = 1.7e12 + ((rnd() * 1e10) | 0);
  const doc = {
    _id: id,
    type: 'annotation',
    signal: 'signal/' + ((rnd() * 5000) | 0).toString(36),
    site: 'site/' + ((rnd() * 40) | 0),
    t0,
    t1: t0 + ((rnd() * 3.6e6) | 0),
    label: WORDS[(rnd() * WORDS.length) | 0],
    tags: Array.from({ length: (rnd() * 5) | 0 }, () => WORDS[(rnd() * WORDS.length) | 0]),
    author: 'account/' + ((rnd() * 200) | 0),
    severity: (rnd() * 5) | 0,
    props: { threshold: rnd() * 10, channel: (rnd() * 16) | 0 },
    note: '',
  };
  const base = JSON.stringify(doc).length;
  doc.note = text(Math.max(0, target - base));
  return doc;
}

// ---------- schemas (the same logical schema in both dialects) ----------
export const SQLITE_SCHEMA = `
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, v INTEGER NOT NULL);
INSERT OR IGNORE INTO counters VALUES ('seq', 0);
CREATE TABLE IF NOT EXISTS docs (
  id TEXT PRIMARY KEY, rev INTEGER NOT NULL, seq INTEGER NOT NULL,
  deleted INTEGER NOT NULL DEFAULT 0, body TEXT NOT NULL CHECK (json_valid(body)));
CREATE INDEX IF NOT EXISTS docs_seq ON docs(seq);
CREATE TABLE IF NOT EXISTS changes (seq INTEGER PRIMARY KEY, id TEXT NOT NULL, rev INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS accounts (id TEXT PRIMARY KEY, email TEXT UNIQUE NOT NULL, role TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tokens (hash BLOB PRIMARY KEY, account TEXT NOT NULL REFERENCES accounts(id), created INTEGER NOT NULL);
`;
export const PG_SCHEMA = `
CREATE TABLE IF NOT EXISTS counters (name text PRIMARY KEY, v bigint NOT NULL);
INSERT INTO counters VALUES ('seq', 0) ON CONFLICT DO NOTHING;
CREATE TABLE IF NOT EXISTS docs (
  id text PRIMARY KEY, rev integer NOT NULL, seq bigint NOT NULL,
  deleted boolean NOT NULL DEFAULT false, body jsonb NOT NULL);
CREATE INDEX IF NOT EXISTS docs_seq ON docs(seq);
CREATE TABLE IF NOT EXISTS changes (seq bigint PRIMARY KEY, id text NOT NULL, rev integer NOT NULL);
CREATE TABLE IF NOT EXISTS accounts (id text PRIMARY KEY, email text UNIQUE NOT NULL, role text NOT NULL);
CREATE TABLE IF NOT EXISTS tokens (hash bytea PRIMARY KEY, account text NOT NULL REFERENCES accounts(id), created bigint NOT NULL);
`;

// ---------- engines behind one small async interface ----------
// kind: 'sqlite-full' | 'sqlite-normal' | 'pglite' | 'pglite-batch'
//  - sqlite-*: better-sqlite3, WAL, synchronous FULL / NORMAL, one prepared statement per row
//  - pglite: one extended-protocol query per row inside db.transaction()
//  - pglite-batch: one statement per transaction (jsonb_to_recordset), same SQL as real PostgreSQL
export async function openEngine(kind, path) {
  if (kind.startsWith('sqlite')) return openSqlite(kind, path);
  return openPglite(kind, path);
}

function openSqlite(kind, path) {
  const Database = require('better-sqlite3');
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${kind === 'sqlite-normal' ? 'NORMAL' : 'FULL'}`);
  db.pragma('busy_timeout = 5000');
  db.exec(SQLITE_SCHEMA);
  const bump = db.prepare(`UPDATE counters SET v = v + ? WHERE name = 'seq' RETURNING v`);
  const upsert = db.prepare(`INSERT INTO docs (id, rev, seq, body) VALUES (?, 1, ?, ?)
    ON CONFLICT (id) DO UPDATE SET rev = docs.rev + 1, seq = excluded.seq, body = excluded.body
    RETURNING rev`);
  const change = db.prepare(`INSERT INTO changes (seq, id, rev) VALUES (?, ?, ?)`);
  const condUpdate = db.prepare(
    `UPDATE docs SET rev = rev + 1, seq = ?, body = ? WHERE id = ? AND rev = ? RETURNING rev`,
  );
  const feedChanges = db.prepare(
    `SELECT seq, id, rev FROM changes WHERE seq > ? ORDER BY seq LIMIT ?`,
  );
  const feedDocs = db.prepare(
    `SELECT seq, id, rev, body FROM docs WHERE seq > ? ORDER BY seq LIMIT ?`,
  );

  const writeBatch = db.transaction((docs) => {
    const end = bump.get(docs.length).v;
    let seq = end - docs.length;
    for (const d of docs) {
      seq++;
      const { rev } = upsert.get(d._id, seq, JSON.stringify(d));
      change.run(seq, d._id, rev);
    }
    return end;
  });
  const condBatch = db.transaction((items) => {
    // items: [{doc, rev}] -> number of rows applied
    const end = bump.get(items.length).v; // reserve; unused numbers become gaps (allowed)
    let seq = end - items.length,
      applied = 0;
    for (const { doc, rev } of items) {
      seq++;
      const r = condUpdate.get(seq, JSON.stringify(doc), doc._id, rev);
      if (r) {
        applied++;
        change.run(seq, doc._id, r.rev);
      }
    }
    return applied;
  });
  return {
    kind,
    raw: db,
    async writeBatch(docs) {
      return writeBatch(docs);
    },
    async condBatch(items) {
      return condBatch(items);
    },
    async feedChanges(since, limit) {
      return feedChanges.all(since, limit);
    },
    async feedDocs(since, limit) {
      return feedDocs.all(since, limit).map((r) => ({ ...r, body: JSON.parse(r.body) }));
    },
    async get(sql, ...p) {
      return db.prepare(sql).get(...p);
    },
    async all(sql, ...p) {
      return db.prepare(sql).all(...p);
    },
    async checkpoint() {
      db.pragma('wal_checkpoint(PASSIVE)');
    },
    async close() {
      db.close();
    },
  };
}

async function openPglite(kind, path) {
  const { PGlite } = await import('@electric-sql/pglite');
  const db = new PGlite(path);
  await db.waitReady;
  await db.exec(PG_SCHEMA);
  const batch = kind === 'pglite-batch';
  async function writeBatch(docs) {
    if (batch) {
      // One INSERT … ON CONFLICT may not touch a row twice (PostgreSQL error 21000):
      // coalesce repeated ids inside the batch, last write wins.
      const last = new Map();
      for (const d of docs) {
        last.delete(d._id);
        last.set(d._id, d);
      }
      docs = [...last.values()];
    }
    return db.transaction(async (tx) => {
      const end = Number(
        (
          await tx.query(`UPDATE counters SET v = v + $1 WHERE name = 'seq' RETURNING v`, [
            docs.length,
          ])
        ).rows[0].v,
      );
      let seq = end - docs.length;
      if (batch) {
        const input = docs.map((d) => ({ id: d._id, seq: ++seq, body: d }));
        await tx.query(
          `WITH input AS (
            SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(id text, seq bigint, body jsonb)),
          up AS (INSERT INTO docs (id, rev, seq, body) SELECT id, 1, seq, body FROM input
            ON CONFLICT (id) DO UPDATE SET rev = docs.rev + 1, seq = excluded.seq, body = excluded.body
            RETURNING id, rev, seq)
          INSERT INTO changes (seq, id, rev) SELECT seq, id, rev FROM up`,
          [JSON.stringify(input)],
        );
      } else {
        for (const d of docs) {
          seq++;
          const { rev } = (
            await tx.query(
              `INSERT INTO docs (id, rev, seq, body) VALUES ($1, 1, $2, $3)
            ON CONFLICT (id) DO UPDATE SET rev = docs.rev + 1, seq = excluded.seq, body = excluded.body
            RETURNING rev`,
              [d._id, seq, JSON.stringify(d)],
            )
          ).rows[0];
          await tx.query(`INSERT INTO changes (seq, id, rev) VALUES ($1, $2, $3)`, [
            seq,
            d._id,
            rev,
          ]);
        }
      }
      return end;
    });
  }
  async function condBatch(items) {
    return db.transaction(async (tx) => {
      const end = Number(
        (
          await tx.query(`UPDATE counters SET v = v + $1 WHERE name = 'seq' RETURNING v`, [
            items.length,
          ])
        ).rows[0].v,
      );
      let seq = end - items.length;
      if (batch) {
        const input = items.map(({ doc, rev }) => ({ id: doc._id, rev, seq: ++seq, body: doc }));
        const r = await tx.query(
          `WITH input AS (
            SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(id text, rev integer, seq bigint, body jsonb)),
          up AS (UPDATE docs d SET rev = d.rev + 1, seq = i.seq, body = i.body
            FROM input i WHERE d.id = i.id AND d.rev = i.rev RETURNING d.id, d.rev, d.seq)
          INSERT INTO changes (seq, id, rev) SELECT seq, id, rev FROM up RETURNING seq`,
          [JSON.stringify(input)],
        );
        return r.rows.length;
      }
      let applied = 0;
      for (const { doc, rev } of items) {
        seq++;
        const r = await tx.query(
          `UPDATE docs SET rev = rev + 1, seq = $1, body = $2 WHERE id = $3 AND rev = $4 RETURNING rev`,
          [seq, JSON.stringify(doc), doc._id, rev],
        );
        if (r.rows.length) {
          applied++;
          await tx.query(`INSERT INTO changes (seq, id, rev) VALUES ($1, $2, $3)`, [
            seq,
            doc._id,
            r.rows[0].rev,
          ]);
        }
      }
      return applied;
    });
  }
  const num = (r) => ({ ...r, seq: Number(r.seq) });
  return {
    kind,
    raw: db,
    writeBatch,
    condBatch,
    async feedChanges(since, limit) {
      return (
        await db.query(`SELECT seq, id, rev FROM changes WHERE seq > $1 ORDER BY seq LIMIT $2`, [
          since,
          limit,
        ])
      ).rows.map(num);
    },
    async feedDocs(since, limit) {
      return (
        await db.query(`SELECT seq, id, rev, body FROM docs WHERE seq > $1 ORDER BY seq LIMIT $2`, [
          since,
          limit,
        ])
      ).rows.map(num);
    },
    async get(sql, ...p) {
      return (await db.query(sql, p)).rows[0];
    },
    async all(sql, ...p) {
      return (await db.query(sql, p)).rows;
    },
    async checkpoint() {
      await db.exec('CHECKPOINT');
    },
    async close() {
      await db.close();
    },
  };
}

export function pathFor(kind, dir) {
  return kind.startsWith('sqlite') ? dir + '/meta.sqlite' : dir;
}

export function duBytes(dir) {
  const fs = require('node:fs');
  const p = require('node:path');
  let total = 0;
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const f = p.join(d, e.name);
      if (e.isDirectory()) walk(f);
      else if (e.isFile()) total += fs.statSync(f).blocks * 512;
    }
  };
  walk(dir);
  return total;
}
export const mb = (b) => (b / 1048576).toFixed(1);
