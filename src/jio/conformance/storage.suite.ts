// The one conformance suite every storage runs (STYLE.md practice 4), in Node and in real
// Chromium, adversarial cases included. Each test gets a fresh, empty storage from `open`.
import { describe, expect, it } from 'vitest';
import { JioError, type JioErrorCode } from '../errors.ts';
import type { Checkpoint, Storage } from '../types.ts';

export interface ConformanceTarget {
  /** A fresh, empty storage. */
  open(): Promise<Storage>;
  /** Called after each test with the storage it used. */
  dispose?(storage: Storage): Promise<void>;
  /** Whether allDocs supports query/sort/limit/select (else they must answer 501). */
  queries: boolean;
  /** Size of the large-attachment case (default 10 MiB). */
  largeAttachmentBytes?: number;
}

async function rejectsWith(
  promise: Promise<unknown>,
  code: JioErrorCode,
  reason?: string,
): Promise<JioError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected a JioError ${code}`).toBeInstanceOf(JioError);
  const jioError = error as JioError;
  expect(jioError.code).toBe(code);
  if (reason !== undefined) expect(jioError.details.reason).toBe(reason);
  return jioError;
}

function randomBytes(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let offset = 0; offset < length; offset += 65536) {
    crypto.getRandomValues(bytes.subarray(offset, Math.min(length, offset + 65536)));
  }
  return bytes;
}

async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

async function ids(storage: Storage): Promise<string[]> {
  const { data } = await storage.allDocs();
  return data.rows.map((row) => row.id).sort();
}

export function runStorageConformance(name: string, target: ConformanceTarget): void {
  describe(`storage conformance: ${name}`, () => {
    const withStorage = (run: (storage: Storage) => Promise<void>) => async () => {
      const storage = await target.open();
      try {
        await run(storage);
      } finally {
        await target.dispose?.(storage);
      }
    };

    describe('documents', () => {
      it(
        'puts, gets with a revision, and overwrites',
        withStorage(async (s) => {
          expect(
            await s.put('a', { title: 'first', n: 1, nested: { list: [1, 'two', null, true] } }),
          ).toBe('a');
          const first = await s.get('a');
          expect(first).toMatchObject({
            title: 'first',
            n: 1,
            nested: { list: [1, 'two', null, true] },
          });
          expect(first._rev).toMatch(/^1-[0-9a-z]+$/);
          await s.put('a', { title: 'second' });
          const second = await s.get('a');
          expect(second).toEqual({
            title: 'second',
            _rev: expect.stringMatching(/^2-/) as unknown,
          });
        }),
      );

      it(
        'returns copies: changing a returned or written object changes nothing stored',
        withStorage(async (s) => {
          const doc = { list: [1, 2] };
          await s.put('a', doc);
          doc.list.push(3);
          const got = await s.get('a');
          (got.list as number[]).push(4);
          expect((await s.get('a')).list).toEqual([1, 2]);
        }),
      );

      it(
        'get of a missing id is 404',
        withStorage(async (s) => {
          await rejectsWith(s.get('nothing'), 'not_found');
        }),
      );

      it(
        'post makes new unique ids',
        withStorage(async (s) => {
          const posted = await Promise.all(Array.from({ length: 20 }, (_, i) => s.post({ i })));
          expect(new Set(posted).size).toBe(20);
          expect(await s.get(posted[7] ?? '')).toMatchObject({ i: 7 });
        }),
      );

      it(
        'keeps ids that are prefixes of each other apart (doc1 / doc10)',
        withStorage(async (s) => {
          await s.put('doc1', { v: 1 });
          await s.put('doc10', { v: 10 });
          await s.put('doc1/0', { v: 'slash' });
          expect(await s.get('doc1')).toMatchObject({ v: 1 });
          expect(await s.get('doc10')).toMatchObject({ v: 10 });
          await s.remove('doc1');
          expect(await ids(s)).toEqual(['doc1/0', 'doc10']);
        }),
      );

      it(
        'accepts ids with /, _, spaces, unicode and the maximum length',
        withStorage(async (s) => {
          const tricky = [
            'a/b/c',
            'a_b',
            '_leading',
            'a_',
            'with space',
            'Ünïcødé',
            '测试',
            '🚀 rocket',
            'x'.repeat(1024),
          ];
          for (const id of tricky) await s.put(id, { id });
          for (const id of tricky) expect(await s.get(id)).toMatchObject({ id });
          expect(await ids(s)).toEqual([...tricky].sort());
        }),
      );

      it(
        'refuses invalid ids with 400 and stores nothing',
        withStorage(async (s) => {
          for (const id of ['', 'x'.repeat(1025), 'nul\u0000byte', '\ud800lone']) {
            await rejectsWith(s.put(id, { a: 1 }), 'bad_request', 'invalid_id');
          }
          await rejectsWith(s.put(42 as unknown as string, { a: 1 }), 'bad_request', 'invalid_id');
          expect(await ids(s)).toEqual([]);
        }),
      );

      it(
        'refuses documents that are not plain JSON with 400 and stores nothing',
        withStorage(async (s) => {
          const bad: unknown[] = [
            null,
            [1, 2],
            'text',
            { when: new Date(0) },
            { n: Number.NaN },
            { n: Number.POSITIVE_INFINITY },
            { u: undefined },
            { _private: 1 },
            { deep: { bytes: new Uint8Array(2) } },
            new Map([['a', 1]]),
          ];
          for (const doc of bad) {
            await rejectsWith(s.put('x', doc as Record<string, unknown>), 'bad_request');
          }
          await rejectsWith(s.get('x'), 'not_found');
        }),
      );

      it(
        'a write with _rev is conditional: 412 with the current document when stale',
        withStorage(async (s) => {
          await s.put('a', { v: 1 });
          const { _rev: rev1 } = await s.get('a');
          await s.put('a', { v: 2, _rev: rev1 });
          const current = await s.get('a');
          expect(current._rev).toMatch(/^2-/);
          const error = await rejectsWith(s.put('a', { v: 3, _rev: rev1 }), 'precondition_failed');
          expect(error.status).toBe(412);
          expect(error.details.current).toEqual(current);
          expect(await s.get('a')).toEqual(current);
          await rejectsWith(s.put('missing', { v: 1, _rev: '1-abc' }), 'precondition_failed');
          await rejectsWith(s.get('missing'), 'not_found');
        }),
      );

      it(
        'remove: 404 when missing, then gone from get and allDocs; the id can be used again',
        withStorage(async (s) => {
          await rejectsWith(s.remove('nothing'), 'not_found');
          await s.put('a', { v: 1 });
          await s.put('b', { v: 2 });
          expect(await s.remove('a')).toBe('a');
          await rejectsWith(s.get('a'), 'not_found');
          await rejectsWith(s.remove('a'), 'not_found');
          expect(await ids(s)).toEqual(['b']);
          await s.put('a', { v: 'again' });
          expect(await s.get('a')).toMatchObject({ v: 'again' });
        }),
      );

      it(
        'concurrent puts all land; concurrent writes to one id serialise',
        withStorage(async (s) => {
          await Promise.all(Array.from({ length: 50 }, (_, i) => s.put(`doc${i}`, { i })));
          expect((await ids(s)).length).toBe(50);
          await Promise.all(Array.from({ length: 20 }, (_, i) => s.put('same', { i })));
          const same = await s.get('same');
          expect(same._rev).toMatch(/^20-/);
          expect(typeof same.i).toBe('number');
        }),
      );

      it(
        'allDocs lists ids, and docs with include_docs',
        withStorage(async (s) => {
          await s.put('b', { v: 2 });
          await s.put('a', { v: 1 });
          const { data } = await s.allDocs();
          expect(data.total_rows).toBe(2);
          expect(data.rows.map((r) => r.id).sort()).toEqual(['a', 'b']);
          for (const row of data.rows) expect(row.value).toEqual({});
          const withDocs = await s.allDocs({ include_docs: true });
          const docA = withDocs.data.rows.find((row) => row.id === 'a')?.doc;
          expect(docA).toEqual(await s.get('a'));
        }),
      );

      it(
        'an aborted signal rejects with AbortError and writes nothing',
        withStorage(async (s) => {
          const controller = new AbortController();
          controller.abort();
          const error = await s
            .put('a', { v: 1 }, { signal: controller.signal })
            .catch((e: unknown) => e);
          expect((error as Error).name).toBe('AbortError');
          await rejectsWith(s.get('a'), 'not_found');
          await expect(s.allDocs({ signal: controller.signal })).rejects.toMatchObject({
            name: 'AbortError',
          });
        }),
      );
    });

    describe('queries', () => {
      if (!target.queries) {
        it(
          'answers 501 to options it cannot handle',
          withStorage(async (s) => {
            await s.put('a', { v: 1 });
            expect(s.hasCapacity('query')).toBe(false);
            await rejectsWith(s.allDocs({ query: 'v: 1' }), 'not_implemented');
            await rejectsWith(s.allDocs({ sort_on: [['v', 'ascending']] }), 'not_implemented');
            await rejectsWith(s.allDocs({ limit: [1] }), 'not_implemented');
            await rejectsWith(s.allDocs({ select_list: ['v'] }), 'not_implemented');
          }),
        );
        return;
      }
      it(
        'filters, sorts, limits and selects',
        withStorage(async (s) => {
          for (const [id, doc] of [
            ['p1', { type: 'pump', size: 3, name: 'Pump North' }],
            ['p2', { type: 'pump', size: 12, name: 'pump south' }],
            ['t1', { type: 'turbine', size: 7, name: 'Turbine 1' }],
            ['x', { name: 'no type' }],
          ] as const) {
            await s.put(id, doc);
          }
          const { data } = await s.allDocs({
            query: 'type: "pump" OR size: > 5',
            sort_on: [['size', 'descending']],
            select_list: ['name', 'size'],
          });
          expect(data.rows).toEqual([
            { id: 'p2', value: { name: 'pump south', size: 12 } },
            { id: 't1', value: { name: 'Turbine 1', size: 7 } },
            { id: 'p1', value: { name: 'Pump North', size: 3 } },
          ]);
          const like = await s.allDocs({
            query: 'name: "pump%"',
            sort_on: [['name', 'ascending']],
            limit: [1, 5],
          });
          expect(like.data.rows.map((r) => r.id)).toEqual(['p2']);
          const docs = await s.allDocs({ query: 'size: 7', include_docs: true });
          expect(docs.data.rows[0]?.doc).toEqual(await s.get('t1'));
        }),
      );

      it(
        'a malformed query is 400 with the position of the mistake',
        withStorage(async (s) => {
          const error = await rejectsWith(
            s.allDocs({ query: 'type: "pump' }),
            'bad_request',
            'invalid_query',
          );
          expect(typeof error.details.position).toBe('number');
          expect(typeof error.details.expected).toBe('string');
          await rejectsWith(s.allDocs({ limit: [-1] as unknown as [number] }), 'bad_request');
        }),
      );
    });

    describe('attachments', () => {
      it(
        'stores bytes and answers every format and its info',
        withStorage(async (s) => {
          await s.put('doc', { v: 1 });
          const text = 'héllo, field 🌊';
          const bytes = new TextEncoder().encode(text);
          const info = await s.putAttachment(
            'doc',
            'note.txt',
            new Blob([bytes], { type: 'text/plain' }),
          );
          expect(info).toEqual({
            content_type: 'text/plain',
            length: bytes.length,
            digest: `sha256-${await sha256(bytes)}`,
          });
          expect(await s.allAttachments('doc')).toEqual({ 'note.txt': info });
          expect(await s.getAttachment('doc', 'note.txt', { format: 'text' })).toBe(text);
          const blob = await s.getAttachment('doc', 'note.txt');
          expect(blob.type).toBe('text/plain');
          expect(new Uint8Array(await blob.arrayBuffer())).toEqual(bytes);
          expect(
            new Uint8Array(await s.getAttachment('doc', 'note.txt', { format: 'array_buffer' })),
          ).toEqual(bytes);
          expect(await s.getAttachment('doc', 'note.txt', { format: 'data_url' })).toMatch(
            /^data:text\/plain;base64,/,
          );
          await s.putAttachment('doc', 'data.json', new TextEncoder().encode('{"a":[1,2]}'), {
            contentType: 'application/json',
          });
          expect(await s.getAttachment('doc', 'data.json', { format: 'json' })).toEqual({
            a: [1, 2],
          });
          await rejectsWith(s.getAttachment('doc', 'note.txt', { format: 'json' }), 'bad_request');
        }),
      );

      it(
        'names with /, _ and unicode stay apart, and attachments survive a document update',
        withStorage(async (s) => {
          await s.put('doc', { v: 1 });
          await s.put('doc_a', { v: 2 });
          await s.putAttachment('doc', 'a_b', new Uint8Array([1]));
          await s.putAttachment('doc', 'a', new Uint8Array([2]));
          await s.putAttachment('doc', 'dir/ünï', new Uint8Array([3]));
          await s.putAttachment('doc_a', 'b', new Uint8Array([4]));
          await s.put('doc', { v: 'updated' });
          expect(Object.keys(await s.allAttachments('doc')).sort()).toEqual([
            'a',
            'a_b',
            'dir/ünï',
          ]);
          expect(Object.keys(await s.allAttachments('doc_a'))).toEqual(['b']);
          expect(
            new Uint8Array(await s.getAttachment('doc', 'dir/ünï', { format: 'array_buffer' })),
          ).toEqual(new Uint8Array([3]));
        }),
      );

      it(
        'reads byte ranges at every edge, end exclusive and clamped',
        withStorage(async (s) => {
          await s.put('doc', {});
          const bytes = randomBytes(3 * 1024 * 1024 + 17);
          await s.putAttachment('doc', 'blob', bytes);
          const mib = 1024 * 1024;
          const ranges: [number, number][] = [
            [0, 0],
            [0, 1],
            [mib - 1, mib + 1],
            [mib, 2 * mib],
            [2 * mib - 3, 3 * mib + 3],
            [bytes.length - 1, bytes.length],
            [bytes.length, bytes.length],
            [5, bytes.length + 100],
          ];
          for (const [start, end] of ranges) {
            const part = new Uint8Array(
              await s.getAttachment('doc', 'blob', { start, end, format: 'array_buffer' }),
            );
            expect(part.length, `[${start}, ${end})`).toBe(Math.min(end, bytes.length) - start);
            // Digests, not toEqual: vitest compares typed arrays element by element, slowly.
            expect(await sha256(part), `[${start}, ${end})`).toBe(
              await sha256(bytes.subarray(start, Math.min(end, bytes.length))),
            );
          }
          await rejectsWith(
            s.getAttachment('doc', 'blob', { start: bytes.length + 1 }),
            'bad_request',
            'invalid_range',
          );
          await rejectsWith(
            s.getAttachment('doc', 'blob', { start: 10, end: 5 }),
            'bad_request',
            'invalid_range',
          );
          await rejectsWith(
            s.getAttachment('doc', 'blob', { start: -1 }),
            'bad_request',
            'invalid_range',
          );
        }),
      );

      it(
        'round-trips a large attachment of random bytes',
        withStorage(async (s) => {
          await s.put('doc', {});
          const bytes = randomBytes(target.largeAttachmentBytes ?? 10 * 1024 * 1024);
          const info = await s.putAttachment('doc', 'large', bytes);
          expect(info.digest).toBe(`sha256-${await sha256(bytes)}`);
          const back = new Uint8Array(
            await s.getAttachment('doc', 'large', { format: 'array_buffer' }),
          );
          expect(back.length).toBe(bytes.length);
          expect(await sha256(back)).toBe(await sha256(bytes));
        }),
      );

      it(
        'missing documents and attachments are 404, and nothing is stored for them',
        withStorage(async (s) => {
          await rejectsWith(s.putAttachment('missing', 'a', new Uint8Array([1])), 'not_found');
          await rejectsWith(s.allAttachments('missing'), 'not_found');
          await s.put('doc', {});
          await rejectsWith(s.getAttachment('doc', 'none'), 'not_found');
          await rejectsWith(s.removeAttachment('doc', 'none'), 'not_found');
          await rejectsWith(s.putAttachment('doc', '', new Uint8Array([1])), 'bad_request');
          await rejectsWith(
            s.putAttachment('doc', 'x', 'text' as unknown as Uint8Array),
            'bad_request',
          );
          expect(await s.allAttachments('doc')).toEqual({});
        }),
      );

      it(
        'overwrites and removes attachments; removing the document removes them',
        withStorage(async (s) => {
          await s.put('doc', {});
          await s.putAttachment('doc', 'a', new Uint8Array([1, 2, 3]));
          await s.putAttachment('doc', 'a', new Uint8Array([9]));
          expect(
            new Uint8Array(await s.getAttachment('doc', 'a', { format: 'array_buffer' })),
          ).toEqual(new Uint8Array([9]));
          await s.putAttachment('doc', 'b', new Uint8Array([2]));
          await s.removeAttachment('doc', 'a');
          expect(Object.keys(await s.allAttachments('doc'))).toEqual(['b']);
          await s.remove('doc');
          await s.put('doc', {});
          expect(await s.allAttachments('doc')).toEqual({});
        }),
      );
    });

    describe('change feed', () => {
      it(
        'reports each document once, at its latest change, in sequence order, from a checkpoint',
        withStorage(async (s) => {
          await s.put('a', { v: 1 });
          await s.put('b', { v: 1 });
          const first = await s.changes();
          expect(first.results.map((c) => c.id)).toEqual(['a', 'b']);
          await s.put('a', { v: 2 });
          await s.put('c', { v: 1 });
          await s.remove('b');
          const next = await s.changes({ since: first.last_seq, include_docs: true });
          expect(next.results.map((c) => [c.id, c.deleted])).toEqual([
            ['a', false],
            ['c', false],
            ['b', true],
          ]);
          expect(next.results[0]?.doc).toEqual(await s.get('a'));
          expect(next.results[2]?.doc).toBeUndefined();
          // Checkpoints are opaque; with nothing to backfill they are sequence numbers.
          expect(Number(next.last_seq)).toBeGreaterThan(Number(first.last_seq));
          const seqs = next.results.map((c) => c.seq);
          expect([...seqs].sort((x, y) => x - y)).toEqual(seqs);
          const all = await s.changes();
          expect(all.results.map((c) => c.id)).toEqual(['a', 'c', 'b']);
          expect(await s.changes({ since: next.last_seq })).toEqual({
            results: [],
            last_seq: next.last_seq,
          });
        }),
      );

      it(
        'pages with limit without losing or repeating a change',
        withStorage(async (s) => {
          for (let i = 0; i < 25; i++) await s.put(`d${String(i).padStart(2, '0')}`, { i });
          const seen: string[] = [];
          let since: Checkpoint = 0;
          for (;;) {
            const page = await s.changes({ since, limit: 7 });
            if (page.results.length === 0) break;
            expect(page.results.length).toBeLessThanOrEqual(7);
            seen.push(...page.results.map((c) => c.id));
            since = page.last_seq;
          }
          expect(seen).toHaveLength(25);
          expect(new Set(seen).size).toBe(25);
          await rejectsWith(s.changes({ limit: 0 }), 'bad_request');
          await rejectsWith(s.changes({ since: -1 }), 'bad_request');
        }),
      );
    });

    describe('bulk conditional writes', () => {
      it(
        'applies what matches the assumed revision and reports each conflict with the current document',
        withStorage(async (s) => {
          const created = await s.bulkWrite([
            { id: 'a', doc: { v: 1 }, assumedRev: null },
            { id: 'b', doc: { v: 1 }, assumedRev: null },
          ]);
          expect(created.every((r) => r.ok)).toBe(true);
          const revA = created[0]?.ok === true ? created[0].rev : '';
          const results = await s.bulkWrite([
            { id: 'a', doc: { v: 2 }, assumedRev: revA },
            { id: 'b', doc: { v: 2 }, assumedRev: '1-stale' },
            { id: 'c', doc: { v: 1 }, assumedRev: null },
            { id: 'b', doc: { v: 3 }, assumedRev: null },
            { id: 'd', doc: { v: 1 } },
          ]);
          expect(results.map((r) => r.ok)).toEqual([true, false, true, false, true]);
          const conflict = results[1];
          expect(conflict?.ok === false ? conflict.error : undefined).toMatchObject({
            code: 'conflict',
            status: 409,
            current: { v: 1, _rev: expect.stringMatching(/^1-/) as unknown },
          });
          expect(await s.get('a')).toMatchObject({ v: 2 });
          expect(await s.get('b')).toMatchObject({ v: 1 });
          expect(await s.get('c')).toMatchObject({ v: 1 });
          const revNow = (await s.get('a'))._rev;
          expect(results[0]?.ok === true ? results[0].rev : '').toBe(revNow);
        }),
      );

      it(
        'reports invalid items one by one and still applies the others',
        withStorage(async (s) => {
          const results = await s.bulkWrite([
            { id: '', doc: { v: 1 } },
            { id: 'ok', doc: { v: 1 } },
            { id: 'bad', doc: { n: Number.NaN } },
            { id: 'rev', doc: { v: 1 }, assumedRev: 42 as unknown as string },
          ]);
          expect(results.map((r) => (r.ok ? 'ok' : r.error.code))).toEqual([
            'bad_request',
            'ok',
            'bad_request',
            'bad_request',
          ]);
          expect(await ids(s)).toEqual(['ok']);
        }),
      );

      it(
        'deletes conditionally and the deletion reaches the change feed',
        withStorage(async (s) => {
          await s.put('a', { v: 1 });
          const rev = (await s.get('a'))._rev;
          const stale = await s.bulkWrite([{ id: 'a', deleted: true, assumedRev: '9-old' }]);
          expect(stale[0]?.ok).toBe(false);
          const results = await s.bulkWrite([{ id: 'a', deleted: true, assumedRev: rev ?? null }]);
          expect(results[0]?.ok).toBe(true);
          await rejectsWith(s.get('a'), 'not_found');
          const feed = await s.changes();
          expect(feed.results).toEqual([expect.objectContaining({ id: 'a', deleted: true })]);
          // Re-creating over a tombstone with assumedRev null is allowed.
          const again = await s.bulkWrite([{ id: 'a', doc: { v: 'new' }, assumedRev: null }]);
          expect(again[0]?.ok).toBe(true);
        }),
      );
    });
  });
}
