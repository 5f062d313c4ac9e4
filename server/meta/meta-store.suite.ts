// The conformance suite every MetaStore runs (SQLite now, PostgreSQL later): behaviour only,
// through the interface, so an implementation passes or fails on what callers can observe.
// Each test gets a fresh, empty store from `open`, with a clock the suite controls.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { nextRevision } from '../docs/revision.ts';
import {
  MetaStoreError,
  type ChunkRecord,
  type ChunkRefsWrite,
  type DocWrite,
  type IngestFinish,
  type DocWriteOutcome,
  type JsonObject,
  type MetaStore,
  type StoredDoc,
  type TokenRecord,
  type UserRecord,
} from './types.ts';

export interface MetaStoreTestOptions {
  /** The store's clock (chunk grace period); the suite moves it. */
  now: () => number;
}

export interface OpenedMetaStore {
  store: MetaStore;
  /** Closes what is still open and removes the store's files. */
  cleanup(): Promise<void>;
}

const SHA = (n: number): string => n.toString(16).padStart(64, '0');

async function rejectsWith(
  promise: Promise<unknown>,
  code: MetaStoreError['code'],
): Promise<MetaStoreError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected a MetaStoreError ${code}`).toBeInstanceOf(MetaStoreError);
  const storeError = error as MetaStoreError;
  expect(storeError.code).toBe(code);
  return storeError;
}

function write(
  id: string,
  body: JsonObject,
  options: { assumedRev?: string | null; site?: string | null; type?: string | null } = {},
): DocWrite {
  const type = options.type ?? (typeof body.type === 'string' ? body.type : null);
  const base: DocWrite = { id, body, deleted: false, site: options.site ?? null, type };
  return 'assumedRev' in options ? { ...base, assumedRev: options.assumedRev } : base;
}

function deletion(id: string, assumedRev?: string | null): DocWrite {
  const base: DocWrite = { id, body: {}, deleted: true, site: null, type: null };
  return assumedRev === undefined ? base : { ...base, assumedRev };
}

type Ok = Extract<DocWriteOutcome, { ok: true }>;
type Conflict = Extract<DocWriteOutcome, { ok: false }>;

function ok(outcome: DocWriteOutcome | undefined): Ok {
  expect(outcome?.ok, JSON.stringify(outcome)).toBe(true);
  return outcome as Ok;
}

function conflict(outcome: DocWriteOutcome | undefined): Conflict {
  expect(outcome?.ok, JSON.stringify(outcome)).toBe(false);
  return outcome as Conflict;
}

async function writeOne(store: MetaStore, w: DocWrite): Promise<DocWriteOutcome> {
  const [outcome] = await store.writeDocs([w]);
  if (outcome === undefined) throw new Error('writeDocs answered nothing');
  return outcome;
}

function user(id: string, name = id, overrides: Partial<UserRecord> = {}): UserRecord {
  return {
    id,
    name,
    role: 'technician',
    passwordHash: null,
    createdAt: 1000,
    disabled: false,
    ...overrides,
  };
}

function token(id: string, overrides: Partial<TokenRecord> = {}): TokenRecord {
  return {
    id,
    hash: `hash-of-${id}`,
    kind: 'session',
    userId: null,
    label: `label ${id}`,
    policy: null,
    createdAt: 1000,
    expiresAt: null,
    revokedAt: null,
    usedAt: null,
    ...overrides,
  };
}

const ids = (docs: readonly StoredDoc[]) => docs.map((doc) => doc.id);

/** Pages through the whole feed (tests use it on small stores). */
async function allChanges(
  store: MetaStore,
  sites: Parameters<MetaStore['countDocs']>[0] = { all: true },
): Promise<StoredDoc[]> {
  const out: StoredDoc[] = [];
  let since = 0;
  for (;;) {
    const page = await store.changes({ since, limit: 7, sites });
    out.push(...page);
    const last = page.at(-1);
    if (page.length < 7 || last === undefined) return out;
    since = last.seq;
  }
}

export function runMetaStoreConformance(
  name: string,
  open: (options: MetaStoreTestOptions) => Promise<OpenedMetaStore>,
): void {
  describe(`meta store conformance: ${name}`, () => {
    const clock = { t: 1_000_000 };
    const withStore = (run: (store: MetaStore) => Promise<void>) => async () => {
      clock.t = 1_000_000;
      const opened = await open({ now: () => clock.t });
      try {
        await run(opened.store);
      } finally {
        await opened.cleanup();
      }
    };
    /** Two stores on one clock: a batch method on `many`, its one-by-one version on `one`. */
    const withTwins = (run: (one: MetaStore, many: MetaStore) => Promise<void>) => async () => {
      clock.t = 1_000_000;
      const one = await open({ now: () => clock.t });
      try {
        const many = await open({ now: () => clock.t });
        try {
          await run(one.store, many.store);
        } finally {
          await many.cleanup();
        }
      } finally {
        await one.cleanup();
      }
    };

    describe('documents', () => {
      it(
        'starts empty',
        withStore(async (s) => {
          expect(await s.currentSeq()).toBe(0);
          expect(await s.getDoc('a')).toBeUndefined();
          expect(await s.getDocs(['a', 'b'])).toEqual([undefined, undefined]);
          expect(await s.changes({ since: 0, limit: 10, sites: { all: true } })).toEqual([]);
          expect(await s.listDocs({ sites: { all: true }, limit: 10 })).toEqual([]);
          expect(await s.countDocs({ all: true })).toBe(0);
        }),
      );

      it(
        'writes unconditionally and reads back the body, site, type, rev and seq',
        withStore(async (s) => {
          const body = {
            type: 'annotation',
            label: 'pump ✓ ünïcode 🚀',
            n: 1.5,
            nested: { list: [1, 'two', null, true, { deep: [] }], empty: {} },
          };
          const outcome = ok(await writeOne(s, write('a/1', body, { site: 'site/x' })));
          expect(outcome).toEqual({
            id: 'a/1',
            ok: true,
            rev: nextRevision(null, body, false),
            seq: 1,
            replayed: false,
          });
          expect(await s.getDoc('a/1')).toEqual({
            id: 'a/1',
            rev: outcome.rev,
            seq: 1,
            deleted: false,
            site: 'site/x',
            type: 'annotation',
            body,
          });
          expect(await s.currentSeq()).toBe(1);
        }),
      );

      it(
        'chains revisions: an update on the stored rev succeeds, a stale one conflicts',
        withStore(async (s) => {
          const first = ok(await writeOne(s, write('a', { n: 1 })));
          const second = ok(await writeOne(s, write('a', { n: 2 }, { assumedRev: first.rev })));
          expect(second.rev).toBe(nextRevision(first.rev, { n: 2 }, false));
          expect(second.rev.startsWith('2-')).toBe(true);
          expect(second.seq).toBe(2);
          const stale = conflict(
            await writeOne(s, write('a', { n: 3 }, { assumedRev: first.rev })),
          );
          expect(stale.current).toMatchObject({ id: 'a', rev: second.rev, seq: 2, body: { n: 2 } });
          expect(await s.currentSeq()).toBe(2);
        }),
      );

      it(
        'assumedRev null creates once and conflicts with an existing document',
        withStore(async (s) => {
          const created = ok(await writeOne(s, write('a', { n: 1 }, { assumedRev: null })));
          expect(created.rev).toBe(nextRevision(null, { n: 1 }, false));
          const again = conflict(await writeOne(s, write('a', { n: 2 }, { assumedRev: null })));
          expect(again.current).toMatchObject({ id: 'a', rev: created.rev, deleted: false });
        }),
      );

      it(
        'a string assumedRev on a missing document conflicts with current null',
        withStore(async (s) => {
          const rev = nextRevision(null, { n: 1 }, false);
          expect(conflict(await writeOne(s, write('a', { n: 1 }, { assumedRev: rev })))).toEqual({
            id: 'a',
            ok: false,
            current: null,
          });
          expect(await s.currentSeq()).toBe(0);
        }),
      );

      it(
        'a malformed assumedRev is a conflict, not an error',
        withStore(async (s) => {
          ok(await writeOne(s, write('a', { n: 1 })));
          for (const bad of ['', 'abc', '1-xyz', '0-' + '0'.repeat(32)]) {
            const outcome = conflict(await writeOne(s, write('a', { n: 2 }, { assumedRev: bad })));
            expect(outcome.current?.body).toEqual({ n: 1 });
          }
        }),
      );

      it(
        'deletes into a tombstone that keeps the last body, site and type',
        withStore(async (s) => {
          const body = { type: 'annotation', label: 'x' };
          const created = ok(await writeOne(s, write('a', body, { site: 'site/x' })));
          const deleted = ok(await writeOne(s, deletion('a', created.rev)));
          expect(deleted.rev).toBe(nextRevision(created.rev, {}, true));
          expect(deleted.seq).toBe(2);
          expect(await s.getDoc('a')).toEqual({
            id: 'a',
            rev: deleted.rev,
            seq: 2,
            deleted: true,
            site: 'site/x',
            type: 'annotation',
            body,
          });
          expect(await s.listDocs({ sites: { all: true }, limit: 10 })).toEqual([]);
          expect(await s.countDocs({ all: true })).toBe(0);
          const feed = await s.changes({
            since: 0,
            limit: 10,
            sites: { all: false, sites: ['site/x'] },
          });
          expect(feed).toMatchObject([{ id: 'a', deleted: true, site: 'site/x', body }]);
          expect(
            await s.changes({ since: 0, limit: 10, sites: { all: false, sites: ['site/y'] } }),
          ).toEqual([]);
        }),
      );

      it(
        'deleting a missing document or with a stale rev fails',
        withStore(async (s) => {
          expect(conflict(await writeOne(s, deletion('nope')))).toEqual({
            id: 'nope',
            ok: false,
            current: null,
          });
          const first = ok(await writeOne(s, write('a', { n: 1 })));
          ok(await writeOne(s, write('a', { n: 2 }, { assumedRev: first.rev })));
          expect(conflict(await writeOne(s, deletion('a', first.rev))).current?.body).toEqual({
            n: 2,
          });
          expect(conflict(await writeOne(s, deletion('a', null))).current?.deleted).toBe(false);
          expect((await s.getDoc('a'))?.deleted).toBe(false);
          expect(await s.currentSeq()).toBe(2);
        }),
      );

      it(
        'deleting a tombstone again changes nothing',
        withStore(async (s) => {
          ok(await writeOne(s, write('a', { n: 1 })));
          const deleted = ok(await writeOne(s, deletion('a')));
          for (const again of [deletion('a'), deletion('a', deleted.rev), deletion('a', null)]) {
            expect(await writeOne(s, again)).toEqual({
              id: 'a',
              ok: true,
              rev: deleted.rev,
              seq: deleted.seq,
              replayed: true,
            });
          }
          expect(await s.currentSeq()).toBe(2);
        }),
      );

      it(
        're-creates a tombstone with assumedRev null, the generation continuing',
        withStore(async (s) => {
          const created = ok(await writeOne(s, write('a', { n: 1 }, { site: 'site/x' })));
          const deleted = ok(await writeOne(s, deletion('a', created.rev)));
          const again = ok(
            await writeOne(s, write('a', { n: 1 }, { assumedRev: null, site: 'site/y' })),
          );
          expect(again.replayed).toBe(false);
          expect(again.rev).toBe(nextRevision(deleted.rev, { n: 1 }, false));
          expect(again.rev.startsWith('3-')).toBe(true);
          expect(await s.getDoc('a')).toMatchObject({ deleted: false, site: 'site/y', seq: 3 });
          // With the tombstone's rev as assumedRev, too.
          const deleted2 = ok(await writeOne(s, deletion('a', again.rev)));
          const again2 = ok(await writeOne(s, write('a', { n: 2 }, { assumedRev: deleted2.rev })));
          expect(again2.rev.startsWith('5-')).toBe(true);
        }),
      );

      describe('replays', () => {
        it(
          'the same write twice answers ok, replayed, with the same rev and seq (string rev)',
          withStore(async (s) => {
            const first = ok(await writeOne(s, write('a', { n: 1 })));
            const w = write('a', { n: 2, list: [1, 2] }, { assumedRev: first.rev });
            const applied = ok(await writeOne(s, w));
            expect(applied.replayed).toBe(false);
            // Key order differs: the canonical body is what counts.
            const retried = write('a', { list: [1, 2], n: 2 }, { assumedRev: first.rev });
            expect(await writeOne(s, retried)).toEqual({ ...applied, replayed: true });
            expect(await s.currentSeq()).toBe(2);
            expect((await s.getDoc('a'))?.seq).toBe(applied.seq);
          }),
        );

        it(
          'a retry arriving after its write was replaced says so (applied), not a conflict',
          withStore(async (s) => {
            const first = ok(await writeOne(s, write('a', { n: 1 })));
            const mine = write('a', { n: 2 }, { assumedRev: first.rev });
            ok(await writeOne(s, mine));
            const theirs = ok(
              await writeOne(
                s,
                write('a', { n: 3 }, { assumedRev: (await s.getDoc('a'))?.rev ?? null }),
              ),
            );
            const late = await writeOne(s, mine);
            expect(late).toMatchObject({ ok: false, applied: true, current: { rev: theirs.rev } });
            // A write never applied is an ordinary conflict.
            const other = await writeOne(s, write('a', { n: 4 }, { assumedRev: first.rev }));
            expect(other.ok).toBe(false);
            expect('applied' in other).toBe(false);
            // Deletions too: a deletion applied, then the document re-created.
            const removal = deletion('a', theirs.rev);
            const tomb = ok(await writeOne(s, removal));
            ok(await writeOne(s, write('a', { n: 5 }, { assumedRev: tomb.rev })));
            expect(await writeOne(s, removal)).toMatchObject({ ok: false, applied: true });
            expect(await s.currentSeq()).toBe(5);
          }),
        );

        it(
          'the same create twice (assumedRev null) is a replay',
          withStore(async (s) => {
            const applied = ok(await writeOne(s, write('a', { n: 1 }, { assumedRev: null })));
            expect(await writeOne(s, write('a', { n: 1 }, { assumedRev: null }))).toEqual({
              ...applied,
              replayed: true,
            });
            expect(await s.currentSeq()).toBe(1);
          }),
        );

        it(
          'the same re-creation of a tombstone twice is a replay',
          withStore(async (s) => {
            ok(await writeOne(s, write('a', { n: 1 })));
            ok(await writeOne(s, deletion('a')));
            const applied = ok(await writeOne(s, write('a', { n: 9 }, { assumedRev: null })));
            expect(await writeOne(s, write('a', { n: 9 }, { assumedRev: null }))).toEqual({
              ...applied,
              replayed: true,
            });
            expect(await s.currentSeq()).toBe(3);
          }),
        );

        it(
          'the same unconditional write twice is a replay; a different body is a new revision',
          withStore(async (s) => {
            const applied = ok(await writeOne(s, write('a', { n: 1 })));
            expect(await writeOne(s, write('a', { n: 1 }))).toEqual({ ...applied, replayed: true });
            const changed = ok(await writeOne(s, write('a', { n: 2 })));
            expect(changed.replayed).toBe(false);
            expect(changed.rev).toBe(nextRevision(applied.rev, { n: 2 }, false));
            expect(await s.currentSeq()).toBe(2);
          }),
        );

        it(
          'the same deletion twice is a replay',
          withStore(async (s) => {
            const created = ok(await writeOne(s, write('a', { n: 1 })));
            const applied = ok(await writeOne(s, deletion('a', created.rev)));
            expect(await writeOne(s, deletion('a', created.rev))).toEqual({
              ...applied,
              replayed: true,
            });
            expect(await s.currentSeq()).toBe(2);
          }),
        );

        it(
          'is no replay once another write came after it, nor for another body',
          withStore(async (s) => {
            const first = ok(await writeOne(s, write('a', { n: 1 })));
            ok(await writeOne(s, write('a', { n: 2 }, { assumedRev: first.rev })));
            ok(await writeOne(s, write('a', { n: 3 })));
            const late = conflict(
              await writeOne(s, write('a', { n: 2 }, { assumedRev: first.rev })),
            );
            expect(late.current?.body).toEqual({ n: 3 });
            conflict(await writeOne(s, write('a', { n: 4 }, { assumedRev: first.rev })));
          }),
        );

        it(
          'a create retried after someone else stored the same body on top of a live revision conflicts',
          withStore(async (s) => {
            const created = ok(await writeOne(s, write('a', { n: 1 }, { assumedRev: null })));
            ok(await writeOne(s, write('a', { n: 2 }, { assumedRev: created.rev })));
            ok(await writeOne(s, write('a', { n: 1 })));
            conflict(await writeOne(s, write('a', { n: 1 }, { assumedRev: null })));
          }),
        );
      });

      describe('batches and the global sequence', () => {
        it(
          'gives each applied write of a batch the next seq, in order, and skips conflicts',
          withStore(async (s) => {
            const outcomes = await s.writeDocs([
              write('a', { n: 1 }),
              write('b', { n: 1 }, { assumedRev: 'x' }),
              write('c', { n: 1 }),
              write('d', { n: 1 }),
            ]);
            expect(outcomes.map((o) => o.ok)).toEqual([true, false, true, true]);
            expect(outcomes.map((o) => (o.ok ? o.seq : null))).toEqual([1, null, 2, 3]);
            expect(await s.currentSeq()).toBe(3);
          }),
        );

        it(
          'lets a later write of a batch see an earlier one of the same id',
          withStore(async (s) => {
            const first = nextRevision(null, { n: 1 }, false);
            const outcomes = await s.writeDocs([
              write('a', { n: 1 }, { assumedRev: null }),
              write('a', { n: 2 }, { assumedRev: first }),
              deletion('a', nextRevision(first, { n: 2 }, false)),
            ]);
            expect(outcomes.map((o) => o.ok)).toEqual([true, true, true]);
            expect(await s.getDoc('a')).toMatchObject({ deleted: true, seq: 3, body: { n: 2 } });
            expect(await allChanges(s)).toHaveLength(1);
          }),
        );

        it(
          'is atomic: an invalid write rejects the whole batch and nothing of it is stored',
          withStore(async (s) => {
            ok(await writeOne(s, write('keep', { n: 1 })));
            for (const bad of [
              write('bad', { n: Number.NaN }),
              write('bad', { when: new Date(0) }),
              write('bad', { _rev: '1-' + '0'.repeat(32) }),
              write('', { n: 1 }),
            ]) {
              await rejectsWith(
                s.writeDocs([write('x', { n: 1 }), write('keep', { n: 2 }), bad]),
                'invalid',
              );
            }
            expect(await s.getDoc('x')).toBeUndefined();
            expect((await s.getDoc('keep'))?.body).toEqual({ n: 1 });
            expect(await s.currentSeq()).toBe(1);
            expect(ids(await allChanges(s))).toEqual(['keep']);
          }),
        );

        it(
          'answers an empty batch with nothing',
          withStore(async (s) => {
            expect(await s.writeDocs([])).toEqual([]);
            expect(await s.currentSeq()).toBe(0);
          }),
        );

        it(
          'keeps seq strictly increasing and equal to commit order across batches',
          withStore(async (s) => {
            const acknowledged: number[] = [];
            for (let batch = 0; batch < 5; batch++) {
              const outcomes = await s.writeDocs(
                Array.from({ length: 4 }, (_, i) => write(`d${(batch * 3 + i) % 7}`, { batch, i })),
              );
              for (const outcome of outcomes) acknowledged.push(ok(outcome).seq);
            }
            expect(acknowledged).toEqual(acknowledged.slice().sort((a, b) => a - b));
            expect(new Set(acknowledged).size).toBe(acknowledged.length);
            expect(await s.currentSeq()).toBe(acknowledged.at(-1));
            const feed = await allChanges(s);
            expect(feed.map((d) => d.seq)).toEqual(feed.map((d) => d.seq).sort((a, b) => a - b));
            // Each document appears once, at its latest write.
            expect(feed).toHaveLength(7);
            expect(feed.at(-1)?.seq).toBe(acknowledged.at(-1));
          }),
        );

        it(
          'serialises concurrent batches: distinct seqs, none lost',
          withStore(async (s) => {
            const results = await Promise.all(
              Array.from({ length: 10 }, (_, b) =>
                s.writeDocs(Array.from({ length: 5 }, (_, i) => write(`c/${b}/${i}`, { b, i }))),
              ),
            );
            const seqs = results.flat().map((o) => ok(o).seq);
            expect(new Set(seqs).size).toBe(50);
            expect(Math.max(...seqs)).toBe(await s.currentSeq());
            for (const outcomes of results) {
              const mine = outcomes.map((o) => ok(o).seq);
              // A batch is one transaction: its seqs are consecutive.
              expect(mine).toEqual(mine.map((_, i) => (mine[0] ?? 0) + i));
            }
            expect(await allChanges(s)).toHaveLength(50);
          }),
        );

        it(
          'bumps the sequence on a site grant without adding a change',
          withStore(async (s) => {
            ok(await writeOne(s, write('a', { n: 1 })));
            await s.createUser(user('u1'));
            const grant = await s.grantSite('u1', 'site/x');
            expect(grant.seq).toBe(2);
            expect(await s.currentSeq()).toBe(2);
            expect(ok(await writeOne(s, write('b', { n: 1 }))).seq).toBe(3);
            expect((await allChanges(s)).map((d) => d.seq)).toEqual([1, 3]);
          }),
        );
      });

      describe('the change feed', () => {
        it(
          'pages by since and limit, a rewritten document moving to the end',
          withStore(async (s) => {
            for (let i = 0; i < 25; i++)
              await writeOne(s, write(`d${String(i).padStart(2, '0')}`, { i }));
            await writeOne(s, write('d03', { i: 'again' }));
            const first = await s.changes({ since: 0, limit: 10, sites: { all: true } });
            expect(first.map((d) => d.seq)).toEqual([1, 2, 3, 5, 6, 7, 8, 9, 10, 11]);
            const rest = await s.changes({ since: 11, limit: 100, sites: { all: true } });
            expect(rest.at(-1)).toMatchObject({ id: 'd03', seq: 26, body: { i: 'again' } });
            expect(first.length + rest.length).toBe(25);
            expect(await s.changes({ since: 26, limit: 10, sites: { all: true } })).toEqual([]);
            expect(await s.changes({ since: 0, limit: 0, sites: { all: true } })).toEqual([]);
          }),
        );

        it(
          'filters by site: granted sites and site-less documents',
          withStore(async (s) => {
            await s.writeDocs([
              write('x1', { n: 1 }, { site: 'site/x' }),
              write('y1', { n: 1 }, { site: 'site/y' }),
              write('free', { n: 1 }, { site: null }),
              write('z1', { n: 1 }, { site: 'site/z' }),
              write('x2', { n: 1 }, { site: 'site/x' }),
            ]);
            const feed = async (sites: readonly string[]) =>
              ids(await s.changes({ since: 0, limit: 10, sites: { all: false, sites } }));
            expect(ids(await s.changes({ since: 0, limit: 10, sites: { all: true } }))).toEqual([
              'x1',
              'y1',
              'free',
              'z1',
              'x2',
            ]);
            expect(await feed(['site/x'])).toEqual(['x1', 'free', 'x2']);
            expect(await feed(['site/x', 'site/z'])).toEqual(['x1', 'free', 'z1', 'x2']);
            expect(await feed([])).toEqual(['free']);
            expect(await feed(['site/none'])).toEqual(['free']);
            // The limit counts visible documents only.
            const page = await s.changes({
              since: 0,
              limit: 2,
              sites: { all: false, sites: ['site/x'] },
            });
            expect(ids(page)).toEqual(['x1', 'free']);
          }),
        );

        it(
          'backfills a window of given sites in seq order, tombstones included, paged',
          withStore(async (s) => {
            await s.writeDocs([
              write('x1', { n: 1 }, { site: 'site/x' }), // 1
              write('y1', { n: 1 }, { site: 'site/y' }), // 2
              write('free', { n: 1 }), // 3
              write('x2', { n: 1 }, { site: 'site/x' }), // 4
              write('z1', { n: 1 }, { site: 'site/z' }), // 5
              write('x3', { n: 1 }, { site: 'site/x' }), // 6
            ]);
            await writeOne(s, deletion('x2')); // 7
            await writeOne(s, write('x4', { n: 1 }, { site: 'site/x' })); // 8
            const window = { sites: ['site/x', 'site/z'], after: 0, upTo: 7 };
            expect(ids(await s.backfill({ ...window, limit: 10 }))).toEqual([
              'x1',
              'z1',
              'x3',
              'x2',
            ]);
            const page1 = await s.backfill({ ...window, limit: 2 });
            expect(ids(page1)).toEqual(['x1', 'z1']);
            const page2 = await s.backfill({ ...window, after: page1.at(-1)?.seq ?? 0, limit: 2 });
            expect(page2).toMatchObject([
              { id: 'x3', seq: 6 },
              { id: 'x2', seq: 7, deleted: true, site: 'site/x' },
            ]);
            expect(await s.backfill({ ...window, after: 7, limit: 2 })).toEqual([]);
            expect(await s.backfill({ sites: [], after: 0, upTo: 8, limit: 10 })).toEqual([]);
          }),
        );
      });

      describe('listing and counting', () => {
        it(
          'lists live documents in id order, paged by id, by type and site',
          withStore(async (s) => {
            await s.writeDocs([
              write('c', { type: 'dataset' }, { site: 'site/x' }),
              write('a', { type: 'dataset' }, { site: 'site/y' }),
              write('e', { type: 'signal' }, { site: 'site/x' }),
              write('b', { type: 'dataset' }),
              write('d', { type: 'dataset' }, { site: 'site/x' }),
              write('f', { n: 1 }, { site: 'site/x' }),
            ]);
            await writeOne(s, deletion('d'));
            const list = async (query: Partial<Parameters<MetaStore['listDocs']>[0]>) =>
              ids(await s.listDocs({ sites: { all: true }, limit: 100, ...query }));
            expect(await list({})).toEqual(['a', 'b', 'c', 'e', 'f']);
            expect(await list({ limit: 2 })).toEqual(['a', 'b']);
            expect(await list({ after: 'b', limit: 2 })).toEqual(['c', 'e']);
            expect(await list({ type: 'dataset' })).toEqual(['a', 'b', 'c']);
            expect(await list({ type: 'dataset', after: 'a' })).toEqual(['b', 'c']);
            expect(await list({ sites: { all: false, sites: ['site/x'] } })).toEqual([
              'b',
              'c',
              'e',
              'f',
            ]);
            expect(
              await list({ sites: { all: false, sites: ['site/x'] }, type: 'dataset' }),
            ).toEqual(['b', 'c']);
            expect(await list({ sites: { all: false, sites: [] } })).toEqual(['b']);
            expect(await list({ limit: 0 })).toEqual([]);
            const [first] = await s.listDocs({ sites: { all: true }, limit: 1 });
            expect(first).toMatchObject({
              id: 'a',
              type: 'dataset',
              site: 'site/y',
              deleted: false,
            });
          }),
        );

        it(
          'counts live documents by filter and type',
          withStore(async (s) => {
            await s.writeDocs([
              write('a', { type: 'dataset' }, { site: 'site/x' }),
              write('b', { type: 'dataset' }, { site: 'site/y' }),
              write('c', { type: 'signal' }),
              write('d', { type: 'dataset' }),
            ]);
            await writeOne(s, deletion('d'));
            expect(await s.countDocs({ all: true })).toBe(3);
            expect(await s.countDocs({ all: true }, 'dataset')).toBe(2);
            expect(await s.countDocs({ all: false, sites: ['site/x'] })).toBe(2);
            expect(await s.countDocs({ all: false, sites: ['site/x'] }, 'dataset')).toBe(1);
            expect(await s.countDocs({ all: false, sites: [] })).toBe(1);
            expect(await s.countDocs({ all: true }, 'nothing')).toBe(0);
          }),
        );

        it(
          'gets many documents in the order asked, undefined for missing ones',
          withStore(async (s) => {
            await s.writeDocs([write('a', { n: 1 }), write('b', { n: 2 })]);
            await writeOne(s, deletion('b'));
            const docs = await s.getDocs(['b', 'missing', 'a', 'b']);
            expect(docs.map((d) => d?.id)).toEqual(['b', undefined, 'a', 'b']);
            expect(docs[0]?.deleted).toBe(true);
            expect(await s.getDocs([])).toEqual([]);
          }),
        );

        it(
          'refuses a negative limit',
          withStore(async (s) => {
            await rejectsWith(s.changes({ since: 0, limit: -1, sites: { all: true } }), 'invalid');
            await rejectsWith(s.listDocs({ sites: { all: true }, limit: -1 }), 'invalid');
            await rejectsWith(s.unreferencedChunks(0, -1), 'invalid');
          }),
        );
      });
    });

    describe('attachments', () => {
      const record = (docId: string, name: string, n: number) => ({
        docId,
        name,
        sha256: SHA(n),
        length: n * 10,
        contentType: 'image/png',
      });

      it(
        'puts, gets, lists by name, replaces and removes',
        withStore(async (s) => {
          expect(await s.getAttachment('a', 'x.png')).toBeUndefined();
          await s.putAttachment(record('a', 'z.png', 1));
          await s.putAttachment(record('a', 'x.png', 2));
          await s.putAttachment(record('b', 'x.png', 3));
          expect(await s.getAttachment('a', 'x.png')).toEqual(record('a', 'x.png', 2));
          expect((await s.listAttachments('a')).map((r) => r.name)).toEqual(['x.png', 'z.png']);
          await s.putAttachment({ ...record('a', 'x.png', 4), contentType: 'text/plain' });
          expect(await s.getAttachment('a', 'x.png')).toEqual({
            ...record('a', 'x.png', 4),
            contentType: 'text/plain',
          });
          expect(await s.removeAttachment('a', 'x.png')).toBe(true);
          expect(await s.removeAttachment('a', 'x.png')).toBe(false);
          expect(await s.listAttachments('a')).toEqual([record('a', 'z.png', 1)]);
          await s.removeAttachments('a');
          expect(await s.listAttachments('a')).toEqual([]);
          expect(await s.listAttachments('b')).toEqual([record('b', 'x.png', 3)]);
        }),
      );
    });

    describe('chunk index', () => {
      const chunk = (n: number, storedAt = 1000, uploader: string | null = 'u1') => ({
        sha256: SHA(n),
        length: n * 100,
        storedAt,
        uploader,
      });

      it(
        'keeps internal reference ids (NUL and U+0001 inside) apart, in code point order',
        withStore(async (s) => {
          // The lake references attachments and logged ingest bodies under ids that start with
          // NUL, so they never equal a document id; a store must hold them exactly.
          const ids = ['\u0000ingest\u0000k', '\u0000ingest\u0001k', '\u0001x', 'a'];
          await s.recordChunk(chunk(1));
          for (const id of ids) await s.setChunkRefs(id, null, 0, [SHA(1)]);
          expect((await s.chunkRefs(SHA(1))).map((r) => r.arrayId)).toEqual(ids);
          expect(await s.clearChunkRefs('\u0000ingest\u0000k')).toEqual([SHA(1)]);
          expect((await s.chunkRefs(SHA(1))).map((r) => r.arrayId)).toEqual(ids.slice(1));
        }),
      );

      it(
        'records chunks idempotently, the first record winning',
        withStore(async (s) => {
          expect(await s.getChunk(SHA(1))).toBeUndefined();
          await s.recordChunk(chunk(1, 1000, 'u1'));
          await s.recordChunk({ ...chunk(1, 2000, null), length: 5 });
          expect(await s.getChunk(SHA(1))).toEqual(chunk(1, 1000, 'u1'));
          await s.forgetChunk(SHA(1));
          expect(await s.getChunk(SHA(1))).toBeUndefined();
        }),
      );

      it(
        'sets references: changed indexes, superseded hashes, references by hash',
        withStore(async (s) => {
          const first = await s.setChunkRefs('sig', 'site/x', 0, [SHA(1), SHA(2), SHA(3)]);
          expect(first).toEqual({ changed: [0, 1, 2], superseded: [] });
          expect(await s.chunkRefs(SHA(2))).toEqual([
            { sha256: SHA(2), arrayId: 'sig', chunkIndex: 1, site: 'site/x' },
          ]);
          // Index 1 keeps its hash; index 2 changes; index 3 is new.
          const second = await s.setChunkRefs('sig', 'site/x', 1, [SHA(2), SHA(4), SHA(5)]);
          expect(second).toEqual({ changed: [2, 3], superseded: [SHA(3)] });
          expect(await s.chunkRefs(SHA(3))).toEqual([]);
          expect((await s.chunkRefs(SHA(1))).map((r) => r.chunkIndex)).toEqual([0]);
          // A hash still referenced at another index of the array is not superseded.
          await s.setChunkRefs('sig', 'site/x', 5, [SHA(1)]);
          expect(await s.setChunkRefs('sig', 'site/x', 0, [SHA(6)])).toEqual({
            changed: [0],
            superseded: [],
          });
          expect(await s.setChunkRefs('sig', null, 0, [])).toEqual({ changed: [], superseded: [] });
        }),
      );

      it(
        'lists references across arrays in order, at most limit',
        withStore(async (s) => {
          await s.setChunkRefs('b', null, 0, [SHA(1), SHA(1)]);
          await s.setChunkRefs('a', 'site/x', 3, [SHA(1)]);
          const refs = await s.chunkRefs(SHA(1));
          expect(refs.map((r) => [r.arrayId, r.chunkIndex, r.site])).toEqual([
            ['a', 3, 'site/x'],
            ['b', 0, null],
            ['b', 1, null],
          ]);
          expect(await s.chunkRefs(SHA(1), 1)).toEqual(refs.slice(0, 1));
        }),
      );

      it(
        'clears the references of a range or of a whole array',
        withStore(async (s) => {
          await s.setChunkRefs('sig', null, 0, [SHA(1), SHA(2), SHA(3), SHA(1)]);
          await s.setChunkRefs('other', null, 0, [SHA(2)]);
          expect(await s.clearChunkRefs('sig', 0, 2)).toEqual([SHA(2)]);
          expect((await s.chunkRefs(SHA(1))).map((r) => r.chunkIndex)).toEqual([3]);
          expect(await s.chunkRefs(SHA(2))).toEqual([
            { sha256: SHA(2), arrayId: 'other', chunkIndex: 0, site: null },
          ]);
          expect((await s.clearChunkRefs('sig')).sort()).toEqual([SHA(1), SHA(3)]);
          expect(await s.chunkRefs(SHA(3))).toEqual([]);
          expect(await s.clearChunkRefs('sig')).toEqual([]);
        }),
      );

      it(
        'lists unreferenced chunks whose clock is older than before, oldest first',
        withStore(async (s) => {
          await s.recordChunk(chunk(1, 1000));
          await s.recordChunk(chunk(2, 3000));
          await s.recordChunk(chunk(3, 2000));
          expect(await s.unreferencedChunks(1000, 10)).toEqual([]);
          expect(await s.unreferencedChunks(1001, 10)).toEqual([SHA(1)]);
          expect(await s.unreferencedChunks(5000, 10)).toEqual([SHA(1), SHA(3), SHA(2)]);
          expect(await s.unreferencedChunks(5000, 2)).toEqual([SHA(1), SHA(3)]);
          await s.setChunkRefs('sig', null, 0, [SHA(1)]);
          expect(await s.unreferencedChunks(5000, 10)).toEqual([SHA(3), SHA(2)]);
        }),
      );

      it(
        'starts the grace period when a chunk loses its last reference',
        withStore(async (s) => {
          await s.recordChunk(chunk(1, 1000));
          await s.setChunkRefs('a', null, 0, [SHA(1)]);
          await s.setChunkRefs('b', null, 0, [SHA(1)]);
          clock.t = 50_000;
          // Still referenced by b: no clock change.
          await s.setChunkRefs('a', null, 0, [SHA(2)]);
          clock.t = 60_000;
          await s.clearChunkRefs('b');
          expect(await s.unreferencedChunks(60_000, 10)).toEqual([]);
          expect(await s.unreferencedChunks(60_001, 10)).toEqual([SHA(1)]);
        }),
      );

      it(
        'restarts the grace period when the bytes are recorded again',
        withStore(async (s) => {
          await s.recordChunk(chunk(1, 1000));
          await s.recordChunk(chunk(1, 9000));
          expect(await s.unreferencedChunks(9000, 10)).toEqual([]);
          expect(await s.unreferencedChunks(9001, 10)).toEqual([SHA(1)]);
          expect((await s.getChunk(SHA(1)))?.storedAt).toBe(1000);
        }),
      );

      it(
        'counts attachments as references',
        withStore(async (s) => {
          await s.recordChunk(chunk(1, 1000));
          await s.putAttachment({
            docId: 'd',
            name: 'n',
            sha256: SHA(1),
            length: 1,
            contentType: 'x/y',
          });
          expect(await s.unreferencedChunks(1_000_000_000, 10)).toEqual([]);
          clock.t = 70_000;
          await s.putAttachment({
            docId: 'd',
            name: 'n',
            sha256: SHA(2),
            length: 1,
            contentType: 'x/y',
          });
          expect(await s.unreferencedChunks(70_000, 10)).toEqual([]);
          expect(await s.unreferencedChunks(70_001, 10)).toEqual([SHA(1)]);
          await s.recordChunk(chunk(2, 1000));
          clock.t = 80_000;
          await s.removeAttachments('d');
          expect(await s.unreferencedChunks(80_001, 10)).toEqual([SHA(1), SHA(2)]);
        }),
      );
    });

    describe('chunk index batches', () => {
      const chunk = (n: number, storedAt = 1000, uploader: string | null = 'u1'): ChunkRecord => ({
        sha256: SHA(n),
        length: n * 100,
        storedAt,
        uploader,
      });
      const nothingYet = 1e15;

      it(
        'recordChunks records as recordChunk one by one: first fields, latest clock',
        withTwins(async (one, many) => {
          const records = [
            chunk(1, 5000, 'u1'),
            chunk(2, 2000, null),
            { ...chunk(1, 7000, null), length: 5 },
            chunk(3, 900),
            chunk(2, 1500, 'u2'),
          ];
          for (const s of [one, many]) await s.recordChunk(chunk(3, 100, 'first'));
          for (const record of records) await one.recordChunk(record);
          await many.recordChunks(records);
          const observe = async (s: MetaStore) => ({
            chunks: await Promise.all([1, 2, 3].map((n) => s.getChunk(SHA(n)))),
            idle: await Promise.all(
              [100, 901, 2000, 2001, 7000, 7001].map((before) => s.unreferencedChunks(before, 10)),
            ),
          });
          expect(await observe(many)).toEqual(await observe(one));
          expect((await observe(many)).chunks).toEqual([
            chunk(1, 5000, 'u1'),
            chunk(2, 2000, null),
            chunk(3, 100, 'first'),
          ]);
          expect(await many.unreferencedChunks(7000, 10)).toEqual([SHA(3), SHA(2)]);
          expect(await many.unreferencedChunks(7001, 10)).toEqual([SHA(3), SHA(2), SHA(1)]);
        }),
      );

      it(
        'recordChunks records nothing when one record is invalid, nor for an empty list',
        withStore(async (s) => {
          await s.recordChunks([]);
          for (const bad of [
            { ...chunk(3), sha256: 'not-a-hash' },
            { ...chunk(3), length: -1 },
            { ...chunk(3), storedAt: Number.NaN },
            { ...chunk(3), uploader: 7 as unknown as string },
          ]) {
            await rejectsWith(s.recordChunks([chunk(1), chunk(2), bad]), 'invalid');
          }
          await rejectsWith(s.recordChunks('x' as unknown as ChunkRecord[]), 'invalid');
          expect(await s.getChunk(SHA(1))).toBeUndefined();
          expect(await s.getChunk(SHA(2))).toBeUndefined();
          expect(await s.unreferencedChunks(nothingYet, 10)).toEqual([]);
        }),
      );

      it(
        'setChunkRefsMany answers and leaves what setChunkRefs one by one does, clocks included',
        withTwins(async (one, many) => {
          for (const s of [one, many]) {
            for (let n = 1; n <= 8; n++) await s.recordChunk(chunk(n));
            await s.setChunkRefs('a', 'site/x', 0, [SHA(1), SHA(2), SHA(3)]);
            await s.setChunkRefs('b', null, 0, [SHA(4), SHA(1)]);
          }
          clock.t = 50_000;
          const items: ChunkRefsWrite[] = [
            // Index 1 keeps its hash, index 2 changes (3 superseded); the site moves.
            { arrayId: 'a', site: 'site/y', first: 1, hashes: [SHA(2), SHA(5)] },
            { arrayId: 'b', site: null, first: 0, hashes: [SHA(6)] },
            { arrayId: 'a', site: 'site/y', first: 2, hashes: [] },
            // Sees the first item's references: 1 and 2 superseded in a, 1 still in b.
            { arrayId: 'a', site: 'site/y', first: 0, hashes: [SHA(4), SHA(4)] },
            // References 3 again, superseded by the first item.
            { arrayId: 'c', site: null, first: 10, hashes: [SHA(3)] },
            // Drops b's reference to 1: nothing references it any more.
            { arrayId: 'b', site: null, first: 1, hashes: [SHA(7)] },
          ];
          const expected = [];
          for (const { arrayId, site, first, hashes } of items) {
            expected.push(await one.setChunkRefs(arrayId, site, first, hashes));
          }
          expect(await many.setChunkRefsMany(items)).toEqual(expected);
          expect(expected).toEqual([
            { changed: [2], superseded: [SHA(3)] },
            { changed: [0], superseded: [SHA(4)] },
            { changed: [], superseded: [] },
            { changed: [0, 1], superseded: [SHA(1), SHA(2)] },
            { changed: [10], superseded: [] },
            { changed: [1], superseded: [SHA(1)] },
          ]);
          const observe = async (s: MetaStore) => ({
            refs: await Promise.all(Array.from({ length: 8 }, (_, i) => s.chunkRefs(SHA(i + 1)))),
            idle: await Promise.all(
              [1001, 50_000, 50_001].map((before) => s.unreferencedChunks(before, 10)),
            ),
          });
          expect(await observe(many)).toEqual(await observe(one));
          expect(await many.chunkRefs(SHA(4))).toEqual([
            { sha256: SHA(4), arrayId: 'a', chunkIndex: 0, site: 'site/y' },
            { sha256: SHA(4), arrayId: 'a', chunkIndex: 1, site: 'site/y' },
          ]);
          // 8 was never referenced; 1 and 2 lost their last reference at 50 000.
          expect(await many.unreferencedChunks(50_000, 10)).toEqual([SHA(8)]);
          expect(await many.unreferencedChunks(50_001, 10)).toEqual([SHA(8), SHA(1), SHA(2)]);
        }),
      );

      it(
        'setChunkRefsMany changes nothing when one item is invalid; answers [] for no items',
        withStore(async (s) => {
          await s.setChunkRefs('a', null, 0, [SHA(1)]);
          expect(await s.setChunkRefsMany([])).toEqual([]);
          expect(
            await s.setChunkRefsMany([
              { arrayId: 'a', site: null, first: 0, hashes: [] },
              { arrayId: 'b', site: null, first: 3, hashes: [] },
            ]),
          ).toEqual([
            { changed: [], superseded: [] },
            { changed: [], superseded: [] },
          ]);
          const good: ChunkRefsWrite[] = [
            { arrayId: 'a', site: null, first: 0, hashes: [SHA(2)] },
            { arrayId: 'c', site: 'site/x', first: 0, hashes: [SHA(3)] },
          ];
          for (const bad of [
            { arrayId: '', site: null, first: 0, hashes: [SHA(4)] },
            { arrayId: 'd', site: null, first: -1, hashes: [SHA(4)] },
            { arrayId: 'd', site: null, first: 0, hashes: ['xyz'] },
            { arrayId: 'd', site: 5 as unknown as string, first: 0, hashes: [SHA(4)] },
            { arrayId: 'd', site: null, first: 0, hashes: 'x' as unknown as string[] },
          ]) {
            await rejectsWith(s.setChunkRefsMany([...good, bad]), 'invalid');
          }
          expect(await s.chunkRefs(SHA(1))).toEqual([
            { sha256: SHA(1), arrayId: 'a', chunkIndex: 0, site: null },
          ]);
          expect(await s.chunkRefs(SHA(2))).toEqual([]);
          expect(await s.chunkRefs(SHA(3))).toEqual([]);
        }),
      );
    });

    describe('accounts', () => {
      it(
        'creates, reads and lists users; names and ids are unique',
        withStore(async (s) => {
          await s.createUser(user('u2', 'bob', { role: 'admin', passwordHash: 'scrypt$x' }));
          await s.createUser(user('u1', 'alice'));
          expect(await s.getUser('u2')).toEqual(
            user('u2', 'bob', { role: 'admin', passwordHash: 'scrypt$x' }),
          );
          expect(await s.getUserByName('alice')).toEqual(user('u1', 'alice'));
          expect(await s.getUser('nobody')).toBeUndefined();
          expect(await s.getUserByName('nobody')).toBeUndefined();
          expect((await s.listUsers()).map((u) => u.name)).toEqual(['alice', 'bob']);
          await rejectsWith(s.createUser(user('u3', 'alice')), 'invalid');
          await rejectsWith(s.createUser(user('u1', 'carol')), 'invalid');
          expect(await s.listUsers()).toHaveLength(2);
        }),
      );

      it(
        'updates role, password and disabled; unknown users answer undefined',
        withStore(async (s) => {
          await s.createUser(user('u1', 'alice', { passwordHash: 'h1' }));
          expect(await s.updateUser('u1', { role: 'analyst' })).toEqual(
            user('u1', 'alice', { role: 'analyst', passwordHash: 'h1' }),
          );
          expect(await s.updateUser('u1', { passwordHash: null, disabled: true })).toEqual(
            user('u1', 'alice', { role: 'analyst', passwordHash: null, disabled: true }),
          );
          expect(await s.getUser('u1')).toMatchObject({ passwordHash: null, disabled: true });
          expect(await s.updateUser('u1', {})).toMatchObject({ role: 'analyst' });
          expect(await s.updateUser('nobody', { role: 'admin' })).toBeUndefined();
        }),
      );

      it(
        'grants sites idempotently, each new grant taking a seq; revokes',
        withStore(async (s) => {
          await s.createUser(user('u1'));
          await s.createUser(user('u2'));
          const x = await s.grantSite('u1', 'site/x');
          expect(x).toEqual({ userId: 'u1', site: 'site/x', seq: 1 });
          expect(await s.grantSite('u1', 'site/x')).toEqual(x);
          expect(await s.currentSeq()).toBe(1);
          const y = await s.grantSite('u1', 'site/y');
          expect(y.seq).toBe(2);
          await s.grantSite('u2', 'site/x');
          expect(await s.grants('u1')).toEqual([x, y]);
          expect(await s.revokeSite('u1', 'site/x')).toBe(true);
          expect(await s.revokeSite('u1', 'site/x')).toBe(false);
          expect(await s.grants('u1')).toEqual([y]);
          expect(await s.currentSeq()).toBe(3);
          const again = await s.grantSite('u1', 'site/x');
          expect(again.seq).toBe(4);
          expect(await s.grants('nobody')).toEqual([]);
          await rejectsWith(s.grantSite('nobody', 'site/x'), 'invalid');
          expect(await s.currentSeq()).toBe(4);
        }),
      );
    });

    describe('tokens', () => {
      it(
        'creates and finds tokens by id and hash, lists them by user',
        withStore(async (s) => {
          await s.createUser(user('u1'));
          const session = token('t1', { userId: 'u1', expiresAt: 5000 });
          const collector = token('t2', { kind: 'collector', policy: 'policy/a', createdAt: 2000 });
          const device = token('t3', { kind: 'device', userId: 'u1', createdAt: 3000 });
          for (const t of [device, collector, session]) await s.createToken(t);
          expect(await s.getToken('t1')).toEqual(session);
          expect(await s.getTokenByHash('hash-of-t2')).toEqual(collector);
          expect(await s.getTokenByHash('nope')).toBeUndefined();
          expect(await s.getToken('nope')).toBeUndefined();
          expect((await s.listTokens()).map((t) => t.id)).toEqual(['t1', 't2', 't3']);
          expect((await s.listTokens('u1')).map((t) => t.id)).toEqual(['t1', 't3']);
          await rejectsWith(s.createToken(token('t4', { hash: 'hash-of-t1' })), 'invalid');
          await rejectsWith(s.createToken(token('t1', { hash: 'other' })), 'invalid');
          await rejectsWith(s.createToken(token('t5', { userId: 'nobody' })), 'invalid');
        }),
      );

      it(
        'revokes once, keeping the first revocation time',
        withStore(async (s) => {
          await s.createToken(token('t1'));
          expect(await s.revokeToken('t1', 2000)).toBe(true);
          expect(await s.revokeToken('t1', 3000)).toBe(false);
          expect((await s.getToken('t1'))?.revokedAt).toBe(2000);
          expect(await s.revokeToken('nope', 3000)).toBe(false);
        }),
      );

      it(
        'uses a sign-in token once, even when uses race',
        withStore(async (s) => {
          await s.createUser(user('u1'));
          await s.createToken(token('link', { kind: 'sign-in', userId: 'u1', expiresAt: 10_000 }));
          const uses = await Promise.all(
            Array.from({ length: 8 }, (_, i) => s.useToken('link', 2000 + i)),
          );
          expect(uses.filter(Boolean)).toHaveLength(1);
          expect((await s.getToken('link'))?.usedAt).toBe(2000 + uses.indexOf(true));
          expect(await s.useToken('link', 3000)).toBe(false);
          expect(await s.useToken('nope', 3000)).toBe(false);
        }),
      );

      it(
        'refuses to use a revoked, expired or non-sign-in token',
        withStore(async (s) => {
          await s.createUser(user('u1'));
          await s.createToken(token('revoked', { kind: 'sign-in', userId: 'u1', revokedAt: 1500 }));
          await s.createToken(token('expired', { kind: 'sign-in', userId: 'u1', expiresAt: 2000 }));
          await s.createToken(token('session', { kind: 'session', userId: 'u1' }));
          expect(await s.useToken('revoked', 1600)).toBe(false);
          expect(await s.useToken('expired', 2000)).toBe(false);
          expect(await s.useToken('session', 1600)).toBe(false);
          expect((await s.getToken('expired'))?.usedAt).toBeNull();
        }),
      );

      it(
        'purges session and sign-in tokens dead before the bound',
        withStore(async (s) => {
          await s.createUser(user('u1'));
          const tokens = [
            token('expired-session', { userId: 'u1', expiresAt: 1500 }),
            token('live-session', { userId: 'u1', expiresAt: 9000 }),
            token('revoked-session', { userId: 'u1', expiresAt: 9000, revokedAt: 1200 }),
            token('late-revoked', { userId: 'u1', expiresAt: 9000, revokedAt: 2500 }),
            token('used-link', { kind: 'sign-in', userId: 'u1', expiresAt: 9000, usedAt: 1100 }),
            token('open-link', { kind: 'sign-in', userId: 'u1', expiresAt: 9000 }),
            token('old-device', { kind: 'device', userId: 'u1', expiresAt: 1000 }),
            token('collector', { kind: 'collector', revokedAt: 1000 }),
          ];
          for (const t of tokens) await s.createToken(t);
          expect(await s.purgeTokens(2000)).toBe(3);
          expect((await s.listTokens()).map((t) => t.id).sort()).toEqual(
            ['collector', 'late-revoked', 'live-session', 'old-device', 'open-link'].sort(),
          );
          expect(await s.purgeTokens(2000)).toBe(0);
        }),
      );
    });

    describe('ingestion log', () => {
      const request = (key: string, policyId = 'policy/p') => ({
        key,
        policyId,
        sha256: SHA(key.length),
        length: 10,
        format: 'collectd-json',
        tag: null,
        receivedAt: 1000,
      });

      it(
        'logs a key once, in log order; a repeat answers the first entry and changes nothing',
        withStore(async (s) => {
          const first = await s.logIngest(request('a'));
          expect(first).toMatchObject({ logged: true, entry: { key: 'a', status: 'pending' } });
          const second = await s.logIngest(request('b'));
          expect(second.entry.seq).toBeGreaterThan(first.entry.seq);
          const again = await s.logIngest({ ...request('a'), sha256: SHA(99), receivedAt: 5 });
          expect(again).toEqual({ logged: false, entry: first.entry });
          expect((await s.pendingIngests(10)).map((e) => e.key)).toEqual(['a', 'b']);
        }),
      );

      it(
        'finishing an entry takes it out of the pending list and counts it',
        withStore(async (s) => {
          await s.logIngest(request('a'));
          await s.logIngest(request('b', 'policy/q'));
          await s.logIngest(request('c'));
          await s.finishIngest('a', 'done', '{"written":3}');
          await s.finishIngest('c', 'failed', '{"error":"x"}');
          expect((await s.pendingIngests(10)).map((e) => e.key)).toEqual(['b']);
          expect(await s.getIngest('a')).toMatchObject({ status: 'done', result: '{"written":3}' });
          expect(await s.getIngest('zz')).toBeUndefined();
          expect(await s.ingestCounts()).toEqual({ pending: 1, done: 1, failed: 1 });
          expect(await s.ingestCounts('policy/p')).toEqual({ pending: 0, done: 1, failed: 1 });
          expect((await s.pendingIngests(1)).length).toBe(1);
        }),
      );
    });

    describe('ingestion log batches and bodies', () => {
      const request = (key: string) => ({
        key,
        policyId: 'policy/p',
        sha256: SHA(key.length),
        length: 10,
        format: 'collectd-json',
        tag: null,
        receivedAt: 1000,
      });
      const body = (key: string) => ({
        sha256: SHA(key.length),
        length: 10,
        storedAt: 1000,
        uploader: null,
        refId: `ingest/${key}`,
      });

      it(
        'logs a request with its body chunk recorded and referenced; a retry changes nothing',
        withStore(async (s) => {
          const first = await s.logIngest(request('a'), body('a'));
          expect(first).toMatchObject({
            logged: true,
            entry: { key: 'a', status: 'pending', sha256: SHA(1) },
          });
          expect(await s.getChunk(SHA(1))).toEqual({
            sha256: SHA(1),
            length: 10,
            storedAt: 1000,
            uploader: null,
          });
          expect(await s.chunkRefs(SHA(1))).toEqual([
            { sha256: SHA(1), arrayId: 'ingest/a', chunkIndex: 0, site: null },
          ]);
          expect(await s.unreferencedChunks(1e15, 10)).toEqual([]);
          // The transformation placed the request: its body starts its grace period now.
          clock.t = 2_000_000;
          expect(await s.clearChunkRefs('ingest/a')).toEqual([SHA(1)]);
          // A retry neither references the body again nor records it (its clock would restart).
          const again = await s.logIngest(
            { ...request('a'), receivedAt: 5 },
            { ...body('a'), storedAt: 9_000_000, refId: 'ingest/retry' },
          );
          expect(again).toEqual({ logged: false, entry: first.entry });
          expect(await s.chunkRefs(SHA(1))).toEqual([]);
          expect(await s.unreferencedChunks(2_000_001, 10)).toEqual([SHA(1)]);
          expect(await s.getChunk(SHA(1))).toMatchObject({ storedAt: 1000 });
          // Without a chunk, as before: nothing recorded.
          expect((await s.logIngest(request('bb'))).logged).toBe(true);
          expect(await s.getChunk(SHA(2))).toBeUndefined();
          expect((await s.pendingIngests(10)).map((e) => e.key)).toEqual(['a', 'bb']);
        }),
      );

      it(
        'refuses a chunk that is not the body, has no refId or is invalid, logging nothing',
        withStore(async (s) => {
          for (const bad of [
            { ...body('a'), sha256: SHA(7) },
            { ...body('a'), refId: '' },
            { ...body('a'), length: -1 },
          ]) {
            await rejectsWith(s.logIngest(request('a'), bad), 'invalid');
          }
          expect(await s.getIngest('a')).toBeUndefined();
          expect(await s.ingestCounts()).toEqual({ pending: 0, done: 0, failed: 0 });
          expect(await s.getChunk(SHA(1))).toBeUndefined();
          expect(await s.getChunk(SHA(7))).toBeUndefined();
        }),
      );

      it(
        'finishIngests leaves what finishIngest one by one does, the last item of a key winning',
        withTwins(async (one, many) => {
          for (const s of [one, many]) {
            for (const key of ['a', 'bb', 'ccc', 'dddd']) await s.logIngest(request(key));
          }
          await many.finishIngests([]);
          expect(await many.ingestCounts()).toEqual({ pending: 4, done: 0, failed: 0 });
          const items: IngestFinish[] = [
            { key: 'a', status: 'failed', result: '{"error":"x"}' },
            { key: 'ccc', status: 'done', result: '{"written":1}' },
            { key: 'a', status: 'done', result: '{"written":2}' },
            { key: 'unknown', status: 'done', result: '{}' },
          ];
          for (const { key, status, result } of items) await one.finishIngest(key, status, result);
          await many.finishIngests(items);
          const observe = async (s: MetaStore) => ({
            entries: await Promise.all(
              ['a', 'bb', 'ccc', 'dddd', 'unknown'].map((key) => s.getIngest(key)),
            ),
            pending: await s.pendingIngests(10),
            counts: await s.ingestCounts(),
          });
          expect(await observe(many)).toEqual(await observe(one));
          expect(await many.getIngest('a')).toMatchObject({
            status: 'done',
            result: '{"written":2}',
          });
          expect((await many.pendingIngests(10)).map((e) => e.key)).toEqual(['bb', 'dddd']);
          expect(await many.ingestCounts()).toEqual({ pending: 2, done: 2, failed: 0 });
        }),
      );

      it(
        'finishIngests changes nothing when one item is invalid',
        withStore(async (s) => {
          await s.logIngest(request('a'));
          await s.logIngest(request('bb'));
          const good: IngestFinish = { key: 'a', status: 'done', result: '{}' };
          for (const bad of [
            { key: '', status: 'done', result: '{}' },
            { key: 'bb', status: 'pending', result: '{}' },
            { key: 'bb', status: 'done', result: 5 },
          ]) {
            await rejectsWith(s.finishIngests([good, bad as IngestFinish]), 'invalid');
          }
          expect(await s.ingestCounts()).toEqual({ pending: 2, done: 0, failed: 0 });
        }),
      );
    });

    describe('ingestion log inline bodies', () => {
      const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
      const inline = (key: string, body: Uint8Array) => ({
        key,
        policyId: 'policy/p',
        sha256: sha256(body),
        length: body.length,
        format: 'collectd-json',
        tag: null,
        receivedAt: 1000,
        body,
      });
      /** NUL and 0xff bytes, where a text column or a C string would cut or mangle the body. */
      const BINARY = new Uint8Array([0x00, 0xff, 0x7b, 0x00, 0x0a, 0xff, 0x80, 0x00, 0x22]);
      const MIB = Uint8Array.from({ length: 1 << 20 }, (_, i) => (i * 31 + (i >> 12)) & 0xff);
      /**
       * The answer is a plain Uint8Array (a Buffer compares unequal to one in toEqual) holding
       * exactly `expected`; compared as Buffers, since toEqual walks 1 MiB byte by byte slowly.
       */
      const expectBytes = (actual: Uint8Array | undefined, expected: Uint8Array) => {
        expect(actual).toBeInstanceOf(Uint8Array);
        expect(Object.getPrototypeOf(actual)).toBe(Uint8Array.prototype);
        const bytes = actual ?? new Uint8Array(0);
        const view = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength);
        expect(view(bytes).equals(view(expected)), 'the stored bytes differ').toBe(true);
      };

      it(
        'stores a body in its row and reads it back byte for byte, empty and 1 MiB included',
        withStore(async (s) => {
          // A Buffer view into a larger allocation: only its own bytes are stored.
          const backing = Buffer.from([9, 9, 9, ...BINARY, 9, 9]);
          const view = backing.subarray(3, 3 + BINARY.length);
          const logged = [
            await s.logIngest(inline('bin', view)),
            await s.logIngest(inline('mib', MIB)),
            await s.logIngest(inline('empty', new Uint8Array(0))),
          ];
          for (const { logged: isNew, entry } of logged) {
            expect(isNew).toBe(true);
            expect(entry).toMatchObject({ inline: true, status: 'pending' });
            expect(entry).not.toHaveProperty('body');
          }
          expectBytes(await s.ingestBody('bin'), BINARY);
          expectBytes(await s.ingestBody('mib'), MIB);
          expect(await s.ingestBody('empty')).toEqual(new Uint8Array(0));
          expect(await s.getIngest('mib')).toEqual(logged[1]?.entry);
          expect(await s.getIngest('empty')).toMatchObject({
            length: 0,
            sha256: sha256(new Uint8Array(0)),
            inline: true,
          });
          const pending = await s.pendingIngests(10);
          expect(pending.map((e) => [e.key, e.inline])).toEqual([
            ['bin', true],
            ['mib', true],
            ['empty', true],
          ]);
          for (const entry of pending) expect(entry).not.toHaveProperty('body');
          // Finishing an entry keeps its body (the log is the record of what was received).
          await s.finishIngest('bin', 'done', '{}');
          expect(await s.getIngest('bin')).toMatchObject({ status: 'done', inline: true });
          expectBytes(await s.ingestBody('bin'), BINARY);
        }),
      );

      it(
        'marks entries whose body is in the blob store not inline; ingestBody has nothing for them',
        withStore(async (s) => {
          const blob = sha256(BINARY);
          await s.logIngest(
            { ...inline('chunk', BINARY), body: undefined },
            { sha256: blob, length: BINARY.length, storedAt: 1000, uploader: null, refId: 'i/c' },
          );
          const { body: _unused, ...plain } = inline('plain', BINARY);
          await s.logIngest(plain);
          await s.logIngest(inline('held', BINARY));
          expect(await s.getIngest('chunk')).toMatchObject({ inline: false, sha256: blob });
          expect(await s.getIngest('plain')).toMatchObject({ inline: false });
          expect((await s.pendingIngests(10)).map((e) => [e.key, e.inline])).toEqual([
            ['chunk', false],
            ['plain', false],
            ['held', true],
          ]);
          expect(await s.ingestBody('chunk')).toBeUndefined();
          expect(await s.ingestBody('plain')).toBeUndefined();
          expect(await s.ingestBody('unknown')).toBeUndefined();
          // 'held' (the same bytes, inline) neither recorded nor referenced a chunk.
          expect(await s.chunkRefs(blob)).toEqual([
            { sha256: blob, arrayId: 'i/c', chunkIndex: 0, site: null },
          ]);
        }),
      );

      it(
        'a retried key keeps the first body, whatever body the retry brings',
        withStore(async (s) => {
          const first = await s.logIngest(inline('a', BINARY));
          const other = new Uint8Array([1, 2, 3]);
          const again = await s.logIngest({ ...inline('a', other), receivedAt: 5 });
          expect(again).toEqual({ logged: false, entry: first.entry });
          expect(await s.ingestBody('a')).toEqual(new Uint8Array(BINARY));
          // A key first logged without its body stays so when a retry brings one.
          const { body: _unused, ...plain } = inline('b', BINARY);
          const without = await s.logIngest(plain);
          expect(await s.logIngest(inline('b', other))).toEqual({
            logged: false,
            entry: without.entry,
          });
          expect(await s.ingestBody('b')).toBeUndefined();
          expect((await s.pendingIngests(10)).map((e) => [e.key, e.inline])).toEqual([
            ['a', true],
            ['b', false],
          ]);
        }),
      );

      it(
        'refuses a body that is not the entry’s, or comes with a chunk, logging nothing',
        withStore(async (s) => {
          const good = inline('a', BINARY);
          const chunk = {
            sha256: good.sha256,
            length: BINARY.length,
            storedAt: 1000,
            uploader: null,
            refId: 'ingest/a',
          };
          for (const [bad, withChunk] of [
            [{ ...good, sha256: sha256(new Uint8Array([1])) }, undefined],
            [{ ...good, length: BINARY.length + 1 }, undefined],
            [{ ...good, length: BINARY.length - 1, body: BINARY.subarray(1) }, undefined],
            [{ ...good, body: 'not bytes' as unknown as Uint8Array }, undefined],
            [good, chunk],
          ] as const) {
            await rejectsWith(s.logIngest(bad, withChunk), 'invalid');
          }
          expect(await s.getIngest('a')).toBeUndefined();
          expect(await s.ingestBody('a')).toBeUndefined();
          expect(await s.ingestCounts()).toEqual({ pending: 0, done: 0, failed: 0 });
          expect(await s.getChunk(good.sha256)).toBeUndefined();
          expect(await s.chunkRefs(good.sha256)).toEqual([]);
          // The same request, right this time, is logged as new.
          expect((await s.logIngest(good)).logged).toBe(true);
        }),
      );
    });

    describe('leases', () => {
      it(
        'acquires, refuses another holder, renews, expires on the store clock, releases',
        withStore(async (s) => {
          expect(await s.acquireLease('transform', 'i1', 1000)).toBe(true);
          expect(await s.acquireLease('transform', 'i2', 1000)).toBe(false);
          // Names are independent.
          expect(await s.acquireLease('other', 'i2', 1000)).toBe(true);
          // Renewed: now until 1 001 900.
          clock.t = 1_000_900;
          expect(await s.acquireLease('transform', 'i1', 1000)).toBe(true);
          clock.t = 1_001_500;
          expect(await s.acquireLease('transform', 'i2', 1000)).toBe(false);
          // Expired only once its expiry is before now.
          clock.t = 1_001_900;
          expect(await s.acquireLease('transform', 'i2', 1000)).toBe(false);
          clock.t = 1_001_901;
          expect(await s.acquireLease('transform', 'i2', 1000)).toBe(true);
          expect(await s.acquireLease('transform', 'i1', 1000)).toBe(false);
          // Released by a holder that lost it: nothing happens.
          await s.releaseLease('transform', 'i1');
          expect(await s.acquireLease('transform', 'i3', 1000)).toBe(false);
          await s.releaseLease('transform', 'i2');
          await s.releaseLease('transform', 'i2');
          await s.releaseLease('never-taken', 'i2');
          expect(await s.acquireLease('transform', 'i3', 1000)).toBe(true);
          // 'other' was never renewed: expired long ago, anyone may take it.
          expect(await s.acquireLease('other', 'i1', 1000)).toBe(true);
          expect(await s.acquireLease('other', 'i2', 1000)).toBe(false);
        }),
      );

      it(
        'lets exactly one of racing holders win a free or expired lease',
        withStore(async (s) => {
          for (let round = 0; round < 4; round++) {
            const won = await Promise.all(
              Array.from({ length: 8 }, (_, i) => s.acquireLease('race', `r${round}/h${i}`, 1000)),
            );
            expect(won.filter(Boolean)).toHaveLength(1);
            clock.t += 1001;
          }
        }),
      );

      it(
        'refuses an empty name or holder and a ttl that is not a whole number of ms ≥ 1',
        withStore(async (s) => {
          for (const ttl of [0, -5, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
            await rejectsWith(s.acquireLease('l', 'h', ttl), 'invalid');
          }
          await rejectsWith(s.acquireLease('', 'h', 1000), 'invalid');
          await rejectsWith(s.acquireLease('l', '', 1000), 'invalid');
          await rejectsWith(s.releaseLease('', 'h'), 'invalid');
          expect(await s.acquireLease('l', 'h', 1000)).toBe(true);
        }),
      );
    });

    describe('settings and closing', () => {
      it(
        'stores settings',
        withStore(async (s) => {
          expect(await s.getSetting('seeded')).toBeUndefined();
          await s.setSetting('seeded', 'yes');
          await s.setSetting('seeded', 'twice');
          await s.setSetting('other', '');
          expect(await s.getSetting('seeded')).toBe('twice');
          expect(await s.getSetting('other')).toBe('');
        }),
      );

      it(
        'rejects every call after close with closed; closing again is harmless',
        withStore(async (s) => {
          await writeOne(s, write('a', { n: 1 }));
          await s.close();
          await s.close();
          await rejectsWith(s.getDoc('a'), 'closed');
          await rejectsWith(s.writeDocs([write('b', { n: 1 })]), 'closed');
          await rejectsWith(s.currentSeq(), 'closed');
          await rejectsWith(s.getSetting('x'), 'closed');
          await rejectsWith(s.useToken('x', 1), 'closed');
          await rejectsWith(s.unreferencedChunks(1, 1), 'closed');
        }),
      );
    });
  });
}
