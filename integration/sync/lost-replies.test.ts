// The two ways a lost reply can come back as a false conflict, each against a real lake behind
// the fault proxy, both found by the fault harness:
// - our push was applied, its answers (retries included) all lost, and the document changed
//   here before the next push: the lake holds *our* earlier version (recognised by the
//   revision recorded before sending);
// - our push was applied, its answer lost, and another device replaced it before our retry
//   arrived: the lake says `applied_then_replaced`.
// Neither may fork an annotation, keep a history copy of our own edit, or report a
// single-writer signal as a bug.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FaultProxy, startFaultProxy } from '../../server/test-support/fault-proxy.ts';
import { startTestLake, type TestLake } from '../../server/test-support/test-lake.ts';
import { localDocs, openSimDevice, type SimDevice } from './sim-device.ts';

let lake: TestLake;
let proxy: FaultProxy;
/** Bulk pushes whose replies the proxy loses, from now on. */
let loseBulks = 0;

beforeAll(async () => {
  lake = await startTestLake({ listen: true });
  proxy = await startFaultProxy({
    target: lake.url ?? '',
    seed: 1,
    force: (_n, method, path) => {
      if (method === 'POST' && path.startsWith('/api/bulk') && loseBulks > 0) {
        loseBulks--;
        return 'replyLost';
      }
      return 'pass';
    },
  });
});

afterAll(async () => {
  await proxy.close();
  await lake.close();
});

let deviceCount = 0;
async function device(): Promise<SimDevice> {
  const { token } = await lake.addUser(`u${String(++deviceCount)}`, 'analyst');
  return openSimDevice({
    name: `lost-${String(deviceCount)}`,
    url: proxy.url,
    token,
    timeoutMs: 5000,
  });
}

describe('lost replies', () => {
  it('recognises its own earlier push after the document changed here', async () => {
    const a = await device();
    await a.local.put('site/l', { type: 'site', name: 'L' });
    await a.local.put('ann/1', { type: 'annotation', site: 'site/l', text: 'first' });
    await a.local.put('dash/1', { type: 'dashboard', site: 'site/l', title: 'first' });
    await a.local.put('ds/1', { type: 'dataset', site: 'site/l' });
    await a.signals.create('ds/1/sig', {
      datasetId: 'ds/1',
      name: 'sig',
      dtype: 'float32',
      chunkLength: 1024,
    });
    await a.signals.append('ds/1/sig', new Float32Array(100).fill(2), { unsynced: true });
    // The push and its three retries are applied by the lake; every answer is lost.
    loseBulks = 4;
    await expect(a.engine.sync()).rejects.toMatchObject({ code: 'unavailable' });
    // The work goes on before the next sync.
    await a.local.put('ann/1', { ...(await a.local.get('ann/1')), text: 'second' });
    await a.local.put('dash/1', { ...(await a.local.get('dash/1')), title: 'second' });
    await a.signals.append('ds/1/sig', new Float32Array(2000).fill(3), { unsynced: true });
    const result = await a.engine.sync();
    expect(result.pending).toBe(0);
    expect(a.engine.report.counters['conflict-bug']).toBe(0);
    const docs = await localDocs(a);
    expect([...docs.keys()].filter((id) => id.includes('~'))).toEqual([]);
    const lakeView = await lake.app.inject({
      method: 'GET',
      url: '/api/docs/ds%2F1%2Fsig',
      headers: lake.auth(lake.adminToken),
    });
    expect(lakeView.json()).toMatchObject({ length: 2100 });
    expect((await a.local.get('ann/1')).text).toBe('second');
    await a.close();
  });

  it('adopts the lake version when its applied push was replaced before the retry', async () => {
    const a = await device();
    const b = await device();
    await a.local.put('site/m', { type: 'site', name: 'M' });
    await a.local.put('ann/2', { type: 'annotation', site: 'site/m', text: 'start' });
    await a.engine.sync();
    await b.engine.sync();
    await a.local.put('ann/2', { ...(await a.local.get('ann/2')), text: 'from a' });
    loseBulks = 4;
    await expect(a.engine.sync()).rejects.toMatchObject({ code: 'unavailable' });
    // B sees A's edit and edits after it.
    await b.engine.sync();
    expect((await b.local.get('ann/2')).text).toBe('from a');
    await b.local.put('ann/2', { ...(await b.local.get('ann/2')), text: 'from b, after a' });
    await b.engine.sync();
    // A's retry arrives late: the lake says it was applied and replaced; A adopts B's version.
    const result = await a.engine.sync();
    expect(result.pending).toBe(0);
    const texts = [...(await localDocs(a))]
      .filter(([id, doc]) => id === 'ann/2' || doc.conflictOf === 'ann/2')
      .map(([, doc]) => doc.text);
    expect(texts).toEqual(['from b, after a']);
    await a.close();
    await b.close();
  });
});
