// The change feed for a technician whose access changes: a newly granted site's older
// documents arrive (the backfill) without a hole or a repeat, paging included, and a revoked
// site stops appearing.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChangesResponse, Checkpoint } from '../../src/shared/wire/lake.ts';
import { startTestLake, type TestLake } from '../test-support/test-lake.ts';

let lake: TestLake;

beforeEach(async () => {
  lake = await startTestLake();
});
afterEach(async () => {
  await lake.close();
});

async function push(items: unknown[]): Promise<void> {
  const response = await lake.app.inject({
    method: 'POST',
    url: '/api/bulk',
    headers: lake.auth(lake.adminToken),
    payload: { items },
  });
  expect(response.json<{ results: { ok: boolean }[] }>().results.every((r) => r.ok)).toBe(true);
}

async function pullAll(
  token: string,
  since: Checkpoint,
  limit: number,
): Promise<{ ids: string[]; last: Checkpoint }> {
  const ids: string[] = [];
  let last = since;
  for (let guard = 0; guard < 100; guard++) {
    const page: ChangesResponse = (
      await lake.app.inject({
        url: `/api/changes?since=${encodeURIComponent(String(last))}&limit=${limit}`,
        headers: lake.auth(token),
      })
    ).json();
    ids.push(...page.results.map((change) => change.id));
    last = page.last_seq;
    if (page.results.length === 0) break;
  }
  return { ids, last };
}

describe('feed backfill', () => {
  it('a newly granted site arrives whole, paged, after the reader had caught up', async () => {
    await push([
      { id: 'site/a', doc: { type: 'site' } },
      { id: 'site/b', doc: { type: 'site' } },
      ...Array.from({ length: 9 }, (_, i) => ({ id: `a/${i}`, doc: { site: 'site/a', i } })),
      ...Array.from({ length: 7 }, (_, i) => ({ id: `b/${i}`, doc: { site: 'site/b', i } })),
      { id: 'shared', doc: { note: 'site-less' } },
    ]);
    const tech = await lake.addUser('tech', 'technician', ['site/a']);
    const first = await pullAll(tech.token, 0, 4);
    expect(first.ids.sort()).toEqual(
      ['site/a', 'shared', ...Array.from({ length: 9 }, (_, i) => `a/${i}`)].sort(),
    );
    // Site b is granted; new documents arrive in both sites meanwhile.
    await lake.opened.lake.meta.grantSite(tech.userId, 'site/b');
    await push([
      { id: 'a/new', doc: { site: 'site/a' } },
      { id: 'b/new', doc: { site: 'site/b' } },
    ]);
    const second = await pullAll(tech.token, first.last, 3);
    expect(new Set(second.ids).size).toBe(second.ids.length);
    expect(second.ids.sort()).toEqual(
      ['site/b', 'a/new', 'b/new', ...Array.from({ length: 7 }, (_, i) => `b/${i}`)].sort(),
    );
    // Caught up: nothing more, and the checkpoint is stable.
    const third = await pullAll(tech.token, second.last, 3);
    expect(third.ids).toEqual([]);
  });

  it('a grant that lands mid-backfill is backfilled next, without a hole', async () => {
    await push([
      { id: 'site/a', doc: { type: 'site' } },
      { id: 'site/b', doc: { type: 'site' } },
      { id: 'site/c', doc: { type: 'site' } },
      ...Array.from({ length: 5 }, (_, i) => ({ id: `b/${i}`, doc: { site: 'site/b' } })),
      ...Array.from({ length: 5 }, (_, i) => ({ id: `c/${i}`, doc: { site: 'site/c' } })),
    ]);
    const tech = await lake.addUser('tech', 'technician', ['site/a']);
    const first = await pullAll(tech.token, 0, 100);
    await lake.opened.lake.meta.grantSite(tech.userId, 'site/b');
    const page: ChangesResponse = (
      await lake.app.inject({
        url: `/api/changes?since=${encodeURIComponent(String(first.last))}&limit=2`,
        headers: lake.auth(tech.token),
      })
    ).json();
    expect(typeof page.last_seq).toBe('string');
    await lake.opened.lake.meta.grantSite(tech.userId, 'site/c');
    const rest = await pullAll(tech.token, page.last_seq, 2);
    const all = [...page.results.map((c) => c.id), ...rest.ids].sort();
    expect(all).toEqual(
      [
        'site/b',
        'site/c',
        ...Array.from({ length: 5 }, (_, i) => `b/${i}`),
        ...Array.from({ length: 5 }, (_, i) => `c/${i}`),
      ].sort(),
    );
  });

  it('a revoked site stops appearing; admins always get numeric checkpoints', async () => {
    await push([
      { id: 'site/a', doc: { type: 'site' } },
      { id: 'x', doc: { site: 'site/a' } },
    ]);
    const tech = await lake.addUser('tech', 'technician', ['site/a']);
    const before = await pullAll(tech.token, 0, 10);
    expect(before.ids).toContain('x');
    await lake.opened.lake.meta.revokeSite(tech.userId, 'site/a');
    await push([{ id: 'y', doc: { site: 'site/a' } }]);
    const after = await pullAll(tech.token, before.last, 10);
    expect(after.ids).toEqual([]);
    const admin: ChangesResponse = (
      await lake.app.inject({ url: '/api/changes', headers: lake.auth(lake.adminToken) })
    ).json();
    expect(typeof admin.last_seq).toBe('number');
  });
});
