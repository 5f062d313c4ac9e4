import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runMetaStoreConformance } from '../meta-store.suite.ts';
import { MetaStoreError, type DocWrite, type MetaStore, type StoredDoc } from '../types.ts';
import { openSqliteMetaStore } from './index.ts';
import { APPLICATION_ID, migrations, SCHEMA_VERSION } from './schema.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const WRITER = fileURLToPath(new URL('./test-support/writer.ts', import.meta.url));

runMetaStoreConformance('sqlite', async ({ now }) => {
  const dir = mkdtempSync(join(tmpdir(), 'fieldlake-meta-'));
  const store = await openSqliteMetaStore(join(dir, 'meta.sqlite'), { now });
  return {
    store,
    async cleanup() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

async function rejection(promise: Promise<unknown>): Promise<MetaStoreError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MetaStoreError);
  return error as MetaStoreError;
}

function doc(id: string, n: number, site: string | null = null): DocWrite {
  return { id, body: { n, note: 'x'.repeat(200) }, deleted: false, site, type: null };
}

function ingest(key: string) {
  return { key, policyId: 'policy/p', format: 'collectd-json', tag: null, receivedAt: 5 };
}

function integrity(file: string): string {
  const db = new Database(file, { readonly: true });
  try {
    return String(db.pragma('integrity_check', { simple: true }));
  } finally {
    db.close();
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

interface Commit {
  prefix: string;
  batch: number;
  first: number;
  last: number;
}

/** The writer child (test-support/writer.ts) and the commits it has reported so far. */
function spawnWriter(file: string, prefix: string, batches: number | 'forever', pauseMs = 0) {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', WRITER, file, prefix, String(batches), String(pauseMs)],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const commits: Commit[] = [];
  let pending = '';
  let stderr = '';
  let firstCommit: () => void = () => undefined;
  const committed = new Promise<void>((resolve) => (firstCommit = resolve));
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    pending += chunk;
    const lines = pending.split('\n');
    // The last piece is an unfinished line (or ''): a kill may cut it, so it counts for nothing.
    pending = lines.pop() ?? '';
    for (const line of lines) {
      const [tag, batch, first, last] = line.split(' ');
      if (tag !== 'C') continue;
      commits.push({ prefix, batch: Number(batch), first: Number(first), last: Number(last) });
      firstCommit();
    }
  });
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      resolve({ code, signal });
    }),
  );
  return { child, commits, committed, exited, stderr: () => stderr };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('SQLite meta store', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'fieldlake-meta-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps everything across close and reopen', async () => {
    const file = join(dir, 'meta.sqlite');
    const store = await openSqliteMetaStore(file);
    await store.writeDocs([doc('a', 1, 'site/x'), doc('b', 2)]);
    await store.writeDocs([{ ...doc('a', 0), deleted: true }]);
    await store.createUser({
      id: 'u1',
      name: 'alice',
      role: 'technician',
      passwordHash: null,
      createdAt: 1,
      disabled: false,
    });
    await store.grantSite('u1', 'site/x');
    await store.recordChunk({ sha256: 'a'.repeat(64), length: 3, storedAt: 5, uploader: null });
    await store.setChunkRefs('sig', 'site/x', 0, ['a'.repeat(64)]);
    await store.putAttachment({
      docId: 'b',
      name: 'n',
      sha256: 'b'.repeat(64),
      length: 1,
      contentType: 'x/y',
    });
    await store.setSetting('seeded', 'yes');
    const before = {
      docs: await feed(store),
      seq: await store.currentSeq(),
      grants: await store.grants('u1'),
      refs: await store.chunkRefs('a'.repeat(64)),
    };
    await store.close();

    const reopened = await openSqliteMetaStore(file);
    try {
      expect(await feed(reopened)).toEqual(before.docs);
      expect(await reopened.currentSeq()).toBe(before.seq);
      expect(await reopened.grants('u1')).toEqual(before.grants);
      expect(await reopened.chunkRefs('a'.repeat(64))).toEqual(before.refs);
      expect(await reopened.getChunk('a'.repeat(64))).toMatchObject({ length: 3, storedAt: 5 });
      expect(await reopened.getAttachment('b', 'n')).toMatchObject({ sha256: 'b'.repeat(64) });
      expect(await reopened.getSetting('seeded')).toBe('yes');
      expect(await reopened.getUserByName('alice')).toMatchObject({ id: 'u1' });
      // The next write continues the sequence.
      const [outcome] = await reopened.writeDocs([doc('c', 3)]);
      expect(outcome).toMatchObject({ ok: true, seq: before.seq + 1 });
    } finally {
      await reopened.close();
    }
  });

  it('creates a WAL database at the current schema version, marked as ours', async () => {
    const file = join(dir, 'meta.sqlite');
    await (await openSqliteMetaStore(file)).close();
    const db = new Database(file, { readonly: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      expect(db.pragma('application_id', { simple: true })).toBe(APPLICATION_ID);
    } finally {
      db.close();
    }
  });

  it('migrates a version 3 store: its logged requests read inline false, new ones hold bodies', async () => {
    const file = join(dir, 'v3.sqlite');
    const old = new Database(file);
    old.pragma(`application_id = ${APPLICATION_ID}`);
    for (const migration of migrations.filter((m) => m.version <= 3)) old.exec(migration.sql);
    old.pragma('user_version = 3');
    old
      .prepare(
        `INSERT INTO ingest_log (key, policy_id, sha256, length, format, tag, received_at, status)
         VALUES ('old', 'policy/p', ?, 3, 'collectd-json', NULL, 5, 'pending')`,
      )
      .run('a'.repeat(64));
    old.close();
    const store = await openSqliteMetaStore(file);
    try {
      expect(await store.getIngest('old')).toMatchObject({ key: 'old', length: 3, inline: false });
      expect(await store.ingestBody('old')).toBeUndefined();
      const body = new Uint8Array([0, 255, 1]);
      const sha256 = createHash('sha256').update(body).digest('hex');
      await store.logIngest({ ...ingest('new'), sha256, length: 3, body });
      expect((await store.pendingIngests(10)).map((e) => [e.key, e.inline])).toEqual([
        ['old', false],
        ['new', true],
      ]);
      expect(await store.ingestBody('new')).toEqual(body);
    } finally {
      await store.close();
    }
    const db = new Database(file, { readonly: true });
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    } finally {
      db.close();
    }
  });

  it('refuses a file that is not SQLite as corrupt, naming the path', async () => {
    const file = join(dir, 'not-a-database.sqlite');
    writeFileSync(file, 'this is plain text, not a database '.repeat(200));
    const error = await rejection(openSqliteMetaStore(file));
    expect(error.code).toBe('corrupt');
    expect(error.message).toContain(file);
  });

  it('refuses a missing directory, another application’s database and a newer schema', async () => {
    const missing = join(dir, 'no', 'such', 'dir', 'meta.sqlite');
    const noDir = await rejection(openSqliteMetaStore(missing));
    expect(noDir.code).toBe('invalid');
    expect(noDir.message).toContain(join(dir, 'no', 'such', 'dir'));

    const foreign = join(dir, 'foreign.sqlite');
    const other = new Database(foreign);
    other.exec('CREATE TABLE photos (id INTEGER PRIMARY KEY)');
    other.close();
    const foreignError = await rejection(openSqliteMetaStore(foreign));
    expect(foreignError.code).toBe('invalid');
    expect(foreignError.message).toMatch(/another application/);

    const newer = join(dir, 'newer.sqlite');
    await (await openSqliteMetaStore(newer)).close();
    const db = new Database(newer);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    const newerError = await rejection(openSqliteMetaStore(newer));
    expect(newerError.code).toBe('invalid');
    expect(newerError.message).toMatch(/newer Fieldlake/);
  });

  it('answers busy when another connection holds the write lock past the timeout', async () => {
    const file = join(dir, 'meta.sqlite');
    const store = await openSqliteMetaStore(file, { busyTimeoutMs: 50 });
    const other = new Database(file);
    try {
      other.exec('BEGIN IMMEDIATE');
      const error = await rejection(store.writeDocs([doc('a', 1)]));
      expect(error.code).toBe('busy');
      other.exec('ROLLBACK');
      // Readers are not blocked by a writer under WAL, and the store works again after.
      expect(await store.writeDocs([doc('a', 1)])).toMatchObject([{ ok: true, seq: 1 }]);
    } finally {
      other.close();
      await store.close();
    }
  });

  it('serialises a second process writing the same file', async () => {
    const file = join(dir, 'meta.sqlite');
    const store = await openSqliteMetaStore(file);
    try {
      // The child pauses between its batches so that the two really interleave under load.
      const writer = spawnWriter(file, 'child', 100, 5);
      await writer.committed;
      const child = { done: false };
      void writer.exited.then(() => {
        child.done = true;
      });
      const mine: number[][] = [];
      // Write while the child writes, pausing between batches so that both get the lock.
      for (let batch = 0; !child.done && batch < 2000; batch++) {
        const writes = Array.from({ length: 11 }, (_, i) => doc(`parent/${batch}/${i}`, i));
        const outcomes = await store.writeDocs(writes);
        mine.push(outcomes.map((o) => (o.ok ? o.seq : -1)));
        await sleep(1);
      }
      const { code } = await writer.exited;
      expect(code, writer.stderr()).toBe(0);
      expect(writer.commits).toHaveLength(100);

      const theirs = writer.commits.map((c) => Array.from({ length: 11 }, (_, i) => c.first + i));
      const total = (mine.length + theirs.length) * 11;
      // Every write got its own seq, with no gap and no duplicate, and each batch (one
      // transaction) a consecutive run of them.
      expect([...mine.flat(), ...theirs.flat()].sort((a, b) => a - b)).toEqual(
        Array.from({ length: total }, (_, i) => i + 1),
      );
      for (const seqs of mine) expect((seqs.at(-1) ?? 0) - (seqs[0] ?? 0)).toBe(10);
      // The two writers really interleaved.
      const parentSpan = [mine[0]?.[0] ?? 0, mine.at(-1)?.[0] ?? 0];
      expect(
        theirs.some(([first = 0]) => first > (parentSpan[0] ?? 0) && first < (parentSpan[1] ?? 0)),
      ).toBe(true);
      expect(await store.currentSeq()).toBe(total);
      expect(await store.countDocs({ all: true })).toBe(mine.length * 11 + 100 * 10 + 1);
      expect(integrity(file)).toBe('ok');
    } finally {
      await store.close();
    }
  });

  it('keeps every acknowledged commit when its writer is killed with SIGKILL', async () => {
    const file = join(dir, 'meta.sqlite');
    const acknowledged: Commit[] = [];
    const runs = 5;
    for (let run = 0; run < runs; run++) {
      const writer = spawnWriter(file, `run${run}`, 'forever');
      const duringStart = run === 2;
      if (duringStart) {
        // Anywhere from process start through opening (WAL recovery of the previous run) to
        // the first commits.
        await sleep(Math.random() * 600);
      } else {
        // Somewhere in the stream of commits, WAL checkpoints included.
        await Promise.race([writer.committed, writer.exited]);
        await sleep(Math.random() * 200);
      }
      writer.child.kill('SIGKILL');
      const exit = await writer.exited;
      expect(exit.signal, writer.stderr()).toBe('SIGKILL');
      if (!duringStart) expect(writer.commits.length, writer.stderr()).toBeGreaterThan(0);
      acknowledged.push(...writer.commits);

      expect(integrity(file)).toBe('ok');
      const store = await openSqliteMetaStore(file);
      try {
        // Every reported commit is there, with the seqs it was given.
        for (const c of acknowledged) {
          const ids = Array.from({ length: 10 }, (_, i) => `${c.prefix}/${c.batch}/${i}`);
          const docs = await store.getDocs(ids);
          expect(docs.map((d) => d?.seq)).toEqual(ids.map((_, i) => c.first + i));
        }
        const docs = await feed(store);
        // Whole transactions only: every batch present has its ten documents, and the
        // counter equals the writes of the batches present (11 each), the last of which is
        // the counter document, so nothing committed half.
        const batches = new Map<string, number>();
        for (const d of docs) {
          const match = /^(run\d+\/\d+)\/\d+$/.exec(d.id);
          if (match?.[1] !== undefined) batches.set(match[1], (batches.get(match[1]) ?? 0) + 1);
        }
        for (const [batch, count] of batches) expect(count, batch).toBe(10);
        const seq = await store.currentSeq();
        expect(seq).toBe(batches.size * 11);
        expect(docs.at(-1)?.seq).toBe(seq);
        expect(docs.map((d) => d.seq)).toEqual(docs.map((d) => d.seq).sort((a, b) => a - b));
        // Each run's counter document holds its last committed batch (or a later one whose
        // answer the kill cut off).
        const last = writer.commits.at(-1);
        if (last !== undefined) {
          const counter = await store.getDoc(`run${run}/counter`);
          expect(Number(counter?.body.batch)).toBeGreaterThanOrEqual(last.batch);
        }
      } finally {
        await store.close();
      }
    }
  }, 20_000);

  it('answers no_space on a full disk and keeps every acknowledged write', async (context) => {
    if (process.getuid?.() !== 0) {
      context.skip('needs root to mount a 1 MiB tmpfs (mount -t tmpfs); not running as root');
    }
    const mnt = join(dir, 'mnt');
    mkdirSync(mnt);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt], { stdio: 'pipe' });
    } catch (error) {
      context.skip(`mounting a tmpfs failed (${String(error).split('\n')[0]})`);
    }
    try {
      const file = join(mnt, 'meta.sqlite');
      // Ballast, freed later to show the store recovers once there is space again.
      const ballast = join(mnt, 'ballast');
      writeFileSync(ballast, Buffer.alloc(128 * 1024));
      const store = await openSqliteMetaStore(file);
      const acknowledged: string[] = [];
      let failure: unknown;
      for (let batch = 0; batch < 10_000 && failure === undefined; batch++) {
        const writes = Array.from({ length: 5 }, (_, i) => doc(`full/${batch}/${i}`, i));
        try {
          await store.writeDocs(writes);
          acknowledged.push(...writes.map((w) => w.id));
        } catch (error) {
          failure = error;
        }
      }
      expect(failure).toBeInstanceOf(MetaStoreError);
      expect((failure as MetaStoreError).code).toBe('no_space');
      expect(acknowledged.length).toBeGreaterThan(0);
      const seq = await store.currentSeq();
      expect(seq).toBe(acknowledged.length);

      unlinkSync(ballast);
      expect(await store.writeDocs([doc('after', 1)])).toMatchObject([{ ok: true, seq: seq + 1 }]);
      await store.close();

      const reopened = await openSqliteMetaStore(file);
      try {
        const docs = await reopened.getDocs([...acknowledged, 'after']);
        expect(docs.filter((d) => d === undefined)).toHaveLength(0);
        expect(await reopened.currentSeq()).toBe(seq + 1);
      } finally {
        await reopened.close();
      }
      expect(integrity(file)).toBe('ok');
    } finally {
      try {
        execFileSync('umount', [mnt], { stdio: 'pipe' });
      } catch {
        // Still busy (a failed assertion left a handle open): detach it now, freed when closed.
        execFileSync('umount', ['-l', mnt], { stdio: 'pipe' });
      }
    }
  });
});
