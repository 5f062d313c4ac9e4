// Irregular signals through HTTP on a real lake: values appended in time order (within a
// request) and in log order (across requests), each with its time in a float64 time signal of
// the same length, exactly once under replays; policies that mix up rates are refused.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { signalValues, writeAll } from '../test-support/ingest.ts';
import { startTestLake, type TestLake } from '../test-support/test-lake.ts';
import { policySignalId } from './policy.ts';

const clock = Date.UTC(2026, 10, 1, 12);
const T0 = Date.UTC(2026, 10, 1, 11);
let lake: TestLake;
let collector: string;

async function putPolicy(signals: object[], id = 'policy/events'): Promise<void> {
  const doc = { type: 'ingestion-policy', site: 'site/plant', datasetId: 'dataset/ev', signals };
  await writeAll(lake.app, lake.adminToken, [{ id, doc }]);
}

beforeEach(async () => {
  lake = await startTestLake({ now: () => clock });
  await writeAll(lake.app, lake.adminToken, [
    { id: 'site/plant', doc: { type: 'site', name: 'Plant' } },
    { id: 'dataset/ev', doc: { type: 'dataset', site: 'site/plant', title: 'Events' } },
  ]);
  await putPolicy([
    { field: 'temp', name: 'temp', irregular: true, unit: '°C' },
    { field: 'pressure', name: 'pressure', irregular: true, dtype: 'float64' },
  ]);
  collector = await lake.addToken('collector', { policy: 'policy/events' });
});
afterEach(async () => {
  await lake.close();
});

/** A fluent-bit JSON body: records at `T0 + ms` with temp, and pressure on even offsets. */
function body(offsets: readonly number[]): string {
  return JSON.stringify(
    offsets.map((ms) => ({
      date: (T0 + ms) / 1000,
      temp: ms / 100,
      ...(ms % 2 === 0 ? { pressure: 1000 + ms } : {}),
    })),
  );
}

const post = (payload: string, policy = 'policy%2Fevents') =>
  lake.app.inject({
    method: 'POST',
    url: `/api/ingest/${policy}?format=fluent-bit-json`,
    headers: { ...lake.auth(collector), 'content-type': 'application/json' },
    payload,
  });

async function column(name: string): Promise<number[]> {
  await lake.opened.ingest.idle();
  return signalValues(lake.app, lake.adminToken, 'dataset/ev', name);
}

describe('irregular signals', () => {
  it('appends values with their times, once, whatever the replays', async () => {
    // The second body's records arrive out of order: they land sorted by time.
    const bodies = [body([0, 7, 20]), body([45, 31, 38]), body([50, 52.5])];
    const sends = [bodies[0], bodies[1], bodies[0], bodies[2], bodies[1], bodies[2], bodies[2]];
    const statuses = [];
    for (const payload of sends) statuses.push((await post(payload ?? '')).statusCode);
    expect(statuses.filter((s) => s === 202)).toHaveLength(3);
    expect(statuses.filter((s) => s === 200)).toHaveLength(4);

    const offsets = [0, 7, 20, 31, 38, 45, 50, 52.5];
    expect((await column('temp')).map((v) => Math.fround(v))).toEqual(
      offsets.map((ms) => Math.fround(ms / 100)),
    );
    expect(await column('temp.time')).toEqual(offsets.map((ms) => T0 + ms));
    const even = offsets.filter((ms) => ms % 2 === 0);
    expect(await column('pressure')).toEqual(even.map((ms) => 1000 + ms));
    expect(await column('pressure.time')).toEqual(even.map((ms) => T0 + ms));

    const header = await lake.opened.lake.meta.getDoc(policySignalId('dataset/ev', 'temp'));
    expect(header?.body).toMatchObject({
      timeSignalId: policySignalId('dataset/ev', 'temp.time'),
      length: 8,
      unit: '°C',
    });
    expect(header?.body.sampleRate).toBeUndefined();
    const time = await lake.opened.lake.meta.getDoc(policySignalId('dataset/ev', 'temp.time'));
    expect(time?.body).toMatchObject({ dtype: 'float64', length: 8 });
    expect(await lake.opened.lake.meta.ingestCounts('policy/events')).toEqual({
      pending: 0,
      done: 3,
      failed: 0,
    });
  });

  it('refuses policies that mix a rate into an irregular signal or name a clash', async () => {
    const cases: [object[], RegExp][] = [
      [[{ field: 'a', name: 'a', irregular: true, sampleRate: 10 }], /takes no sampleRate/],
      [[{ field: 'a', name: 'a' }], /sampleRate must be a positive number.*irregular: true/],
      [[{ field: 'a', name: 'a', irregular: 'yes' }], /irregular must be true or false/],
      [
        [
          { field: 'a', name: 'a', irregular: true },
          { field: 'b', name: 'a.time', sampleRate: 1 },
        ],
        /"a.time" is the time signal of "a"/,
      ],
    ];
    for (const [index, [signals, message]] of cases.entries()) {
      const id = `policy/bad-${index}`;
      await putPolicy(signals, id);
      const response = await post(body([0]), encodeURIComponent(id));
      // The collector token is bound to policy/events: use an admin for the others.
      const admin = await lake.app.inject({
        method: 'POST',
        url: `/api/ingest/${encodeURIComponent(id)}?format=fluent-bit-json`,
        headers: { ...lake.auth(lake.adminToken), 'content-type': 'application/json' },
        payload: body([0]),
      });
      expect(response.statusCode).toBe(403);
      expect(admin.statusCode, admin.body).toBe(400);
      expect(admin.json()).toMatchObject({ error: { reason: 'invalid_policy' } });
      expect(admin.json<{ error: { message: string } }>().error.message).toMatch(message);
    }
    expect(await lake.opened.lake.meta.ingestCounts()).toEqual({ pending: 0, done: 0, failed: 0 });
  });
});
