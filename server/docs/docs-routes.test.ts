// Documents over HTTP on a real lake (temp data dir): conditional writes, bulk push with
// per-item conflicts and retried pushes, the change feed, attachments, bad input.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChangesResponse, WireBulkResult } from '../../src/shared/wire/lake.ts';
import { startTestLake, type TestLake } from '../test-support/test-lake.ts';

let lake: TestLake;
let admin: { authorization: string };

beforeEach(async () => {
  lake = await startTestLake();
  admin = lake.auth(lake.adminToken);
});
afterEach(async () => {
  await lake.close();
});

async function bulk(items: unknown[], headers = admin): Promise<WireBulkResult[]> {
  const response = await lake.app.inject({
    method: 'POST',
    url: '/api/bulk',
    headers,
    payload: { items },
  });
  expect(response.statusCode).toBe(200);
  return response.json<{ results: WireBulkResult[] }>().results;
}

describe('documents', () => {
  it('puts, gets with a revision, and answers 412 to a stale _rev', async () => {
    const put = await lake.app.inject({
      method: 'PUT',
      url: `/api/docs/${encodeURIComponent('note/a b')}`,
      headers: admin,
      payload: { title: 'first' },
    });
    expect(put.statusCode).toBe(200);
    const { rev } = put.json<{ rev: string }>();
    expect(rev).toMatch(/^1-[0-9a-f]{32}$/);
    const got = await lake.app.inject({ url: '/api/docs/note%2Fa%20b', headers: admin });
    expect(got.json()).toEqual({ title: 'first', _rev: rev });
    const second = await lake.app.inject({
      method: 'PUT',
      url: '/api/docs/note%2Fa%20b',
      headers: admin,
      payload: { title: 'second', _rev: rev },
    });
    expect(second.statusCode).toBe(200);
    const stale = await lake.app.inject({
      method: 'PUT',
      url: '/api/docs/note%2Fa%20b',
      headers: admin,
      payload: { title: 'third', _rev: rev },
    });
    expect(stale.statusCode).toBe(412);
    expect(stale.json()).toMatchObject({
      error: { code: 'precondition_failed', status: 412, current: { title: 'second' } },
    });
  });

  it('refuses bad ids, reserved keys and non-objects with 400 and stores nothing', async () => {
    for (const [url, payload] of [
      [`/api/docs/${'x'.repeat(1025)}`, { a: 1 }],
      ['/api/docs/a', { _private: 1 }],
      ['/api/docs/a', [1, 2]],
    ] as const) {
      const response = await lake.app.inject({ method: 'PUT', url, headers: admin, payload });
      expect(response.statusCode, url).toBe(400);
      expect(response.json<{ error: { code: string } }>().error.code).toBe('bad_request');
    }
    const nul = await lake.app.inject({
      method: 'PUT',
      url: '/api/docs/a%00b',
      headers: admin,
      payload: {},
    });
    expect(nul.statusCode).toBe(400);
    const list = await lake.app.inject({ url: '/api/docs', headers: admin });
    expect(list.json()).toEqual({ data: { rows: [], total_rows: 0 } });
  });

  it('a path-like id is a document id, never a file path', async () => {
    for (const id of ['../../etc/passwd', '%2e%2e/x', '../', 'a/../..']) {
      const url = `/api/docs/${encodeURIComponent(id)}`;
      expect(
        (await lake.app.inject({ method: 'PUT', url, headers: admin, payload: { id } })).statusCode,
      ).toBe(200);
      expect((await lake.app.inject({ url, headers: admin })).json()).toMatchObject({ id });
    }
  });

  it('a bulk push reports conflicts with the current document, and a retried push is answered ok', async () => {
    const [created] = await bulk([{ id: 'a', doc: { v: 1 }, assumedRev: null }]);
    expect(created?.ok).toBe(true);
    const rev1 = created?.ok === true ? created.rev : '';
    const push = { id: 'a', doc: { v: 2 }, assumedRev: rev1 };
    const [first] = await bulk([push]);
    // The answer was lost; the client pushes again with the same assumed revision.
    const [retry] = await bulk([push]);
    expect(retry).toEqual(first);
    const feed = await lake.app.inject({ url: '/api/changes', headers: admin });
    expect(feed.json<ChangesResponse>().results).toHaveLength(1);
    const [conflict] = await bulk([{ id: 'a', doc: { v: 3 }, assumedRev: rev1 }]);
    expect(conflict).toMatchObject({
      ok: false,
      error: { code: 'conflict', status: 409, current: { v: 2 } },
    });
  });

  it('refuses a child whose parent does not exist, and places it under its parent site', async () => {
    const [orphan] = await bulk([{ id: 'ds/1', doc: { type: 'dataset', assetId: 'asset/none' } }]);
    expect(orphan).toMatchObject({ ok: false, error: { status: 400, reason: 'unknown_parent' } });
    const results = await bulk([
      { id: 'site/a', doc: { type: 'site', name: 'A' } },
      { id: 'asset/t1', doc: { type: 'asset', site: 'site/a' } },
      { id: 'ds/1', doc: { type: 'dataset', assetId: 'asset/t1' } },
    ]);
    expect(results.every((r) => r.ok)).toBe(true);
    expect((await lake.opened.lake.meta.getDoc('ds/1'))?.site).toBe('site/a');
  });

  it('a chunk page may reference only chunks the lake holds', async () => {
    await bulk([
      { id: 'site/a', doc: { type: 'site' } },
      { id: 'ds', doc: { type: 'dataset', site: 'site/a' } },
      {
        id: 's',
        doc: {
          type: 'signal',
          datasetId: 'ds',
          name: 'v',
          dtype: 'float32',
          chunkLength: 4,
          codecs: [{ name: 'bytes', configuration: { endian: 'little' } }],
          fillValue: 'NaN',
          length: 0,
        },
      },
    ]);
    const [page] = await bulk([
      {
        id: 's/manifest/0',
        doc: {
          type: 'chunk-page',
          signalId: 's',
          page: 0,
          entries: [{ sha256: 'a'.repeat(64), count: 4 }],
        },
      },
    ]);
    expect(page).toMatchObject({ ok: false, error: { status: 400, reason: 'missing_chunks' } });
  });

  it('pages the change feed and reports deletions', async () => {
    await bulk(
      Array.from({ length: 25 }, (_, i) => ({ id: `d${String(i).padStart(2, '0')}`, doc: { i } })),
    );
    const seen: string[] = [];
    let since: string | number = 0;
    for (;;) {
      const page: ChangesResponse = (
        await lake.app.inject({ url: `/api/changes?since=${since}&limit=7`, headers: admin })
      ).json();
      if (page.results.length === 0) break;
      seen.push(...page.results.map((c) => c.id));
      since = page.last_seq;
    }
    expect(new Set(seen).size).toBe(25);
    await lake.app.inject({ method: 'DELETE', url: '/api/docs/d03', headers: admin });
    const after: ChangesResponse = (
      await lake.app.inject({
        url: `/api/changes?since=${since}&include_docs=true`,
        headers: admin,
      })
    ).json();
    expect(after.results).toEqual([expect.objectContaining({ id: 'd03', deleted: true })]);
    const bad = await lake.app.inject({ url: '/api/changes?since=abc', headers: admin });
    expect(bad.statusCode).toBe(400);
    const tooMany = await lake.app.inject({ url: '/api/changes?limit=0', headers: admin });
    expect(tooMany.statusCode).toBe(400);
  });

  it('stores attachments by hash and reads ranges', async () => {
    await lake.app.inject({ method: 'PUT', url: '/api/docs/d', headers: admin, payload: {} });
    const bytes = Buffer.from('hello, field');
    const { createHash } = await import('node:crypto');
    const sha = createHash('sha256').update(bytes).digest('hex');
    const wrong = await lake.app.inject({
      method: 'PUT',
      url: '/api/docs/d/attachments/note.txt',
      headers: { ...admin, 'content-type': 'text/plain', 'fieldlake-sha256': 'b'.repeat(64) },
      payload: bytes,
    });
    expect(wrong.statusCode).toBe(400);
    const put = await lake.app.inject({
      method: 'PUT',
      url: '/api/docs/d/attachments/note.txt',
      headers: { ...admin, 'content-type': 'text/plain', 'fieldlake-sha256': sha },
      payload: bytes,
    });
    expect(put.json()).toEqual({
      content_type: 'text/plain',
      length: bytes.length,
      digest: `sha256-${sha}`,
    });
    const part = await lake.app.inject({
      url: '/api/docs/d/attachments/note.txt',
      headers: { ...admin, range: 'bytes=7-' },
    });
    expect(part.statusCode).toBe(206);
    expect(part.body).toBe('field');
  });
});
