// Uploading files into a dataset: CSV with a time column and units, WAV channels, and a file
// that turns bad half-way leaving nothing behind.
import * as arrow from 'apache-arrow';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestLake, type TestLake } from '../test-support/test-lake.ts';

let lake: TestLake;
let admin: Record<string, string>;
beforeEach(async () => {
  lake = await startTestLake();
  admin = lake.auth(lake.adminToken);
  await lake.app.inject({
    method: 'POST',
    url: '/api/bulk',
    headers: admin,
    payload: {
      items: [
        { id: 'site/plant', doc: { type: 'site' } },
        { id: 'dataset/run', doc: { type: 'dataset', site: 'site/plant' } },
      ],
    },
  });
});
afterEach(async () => {
  await lake.close();
});

const upload = (query: string, body: Buffer | string, contentType: string) =>
  lake.app.inject({
    method: 'POST',
    url: `/api/uploads?dataset=dataset%2Frun&${query}`,
    headers: { ...admin, 'content-type': contentType },
    payload: body,
  });

async function dataset(): Promise<{
  signals: {
    id: string;
    name: string;
    length: number;
    unit?: string;
    timeSignalId?: string;
    sampleRate?: number;
  }[];
}> {
  return (await lake.app.inject({ url: '/api/datasets/dataset%2Frun', headers: admin })).json();
}

function wav16(
  channels: number,
  rate: number,
  frames: number,
  sample: (frame: number, channel: number) => number,
): Buffer {
  const data = Buffer.alloc(frames * channels * 2);
  for (let f = 0; f < frames; f++) {
    for (let c = 0; c < channels; c++) data.writeInt16LE(sample(f, c), (f * channels + c) * 2);
  }
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8);
  header.write('fmt ', 12);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(channels, 22);
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * channels * 2, 28);
  header.writeUInt16LE(channels * 2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

describe('uploads', () => {
  it('a CSV with a time column and units becomes signals pointing at a time signal', async () => {
    const rows = Array.from(
      { length: 500 },
      (_, i) =>
        `${new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString()},${(20 + i / 100).toFixed(2)},${1000 + i}`,
    );
    const response = await upload(
      'format=csv',
      ['time,temperature [°C],power (kW)', ...rows].join('\n'),
      'text/csv',
    );
    expect(response.statusCode, response.body).toBe(201);
    expect(response.json()).toMatchObject({ rows: 500 });
    const { signals } = await dataset();
    const byName = new Map(signals.map((s) => [s.name, s]));
    expect(byName.get('temperature')).toMatchObject({
      length: 500,
      unit: '°C',
      timeSignalId: 'dataset/run/signals/time',
    });
    expect(byName.get('power')).toMatchObject({ length: 500, unit: 'kW' });
    expect(byName.get('time')).toMatchObject({ length: 500 });
    const csv = await lake.app.inject({
      url: '/api/datasets/dataset%2Frun/signals/power.csv?end=3',
      headers: admin,
    });
    expect(
      csv.body
        .trim()
        .split('\n')
        .slice(1)
        .map((line) => line.split(',').at(-1)),
    ).toEqual(['1000', '1001', '1002']);
  });

  it('a WAV file becomes one signal per channel at its sample rate', async () => {
    const body = wav16(2, 8000, 20_000, (f, c) => (c === 0 ? f % 1000 : -(f % 500)));
    const response = await upload('t0=2026-01-01T00:00:00Z', body, 'audio/wav');
    expect(response.statusCode, response.body).toBe(201);
    const { signals } = await dataset();
    expect(signals.map((s) => [s.name, s.length, s.sampleRate])).toEqual(
      expect.arrayContaining([
        [expect.stringMatching(/1$/), 20_000, 8000],
        [expect.stringMatching(/2$/), 20_000, 8000],
      ]),
    );
  });

  it('an Arrow IPC stream with a timestamp column becomes signals', async () => {
    const times = Array.from({ length: 300 }, (_, i) => Date.UTC(2026, 0, 1) + i * 10);
    const table = new arrow.Table({
      time: arrow.vectorFromArray(
        times.map((t) => new Date(t)),
        new arrow.TimestampMillisecond(),
      ),
      pressure: arrow.makeVector(Float32Array.from(times, (_, i) => i / 4)),
    });
    const body = Buffer.from(arrow.tableToIPC(table, 'stream'));
    const response = await upload('format=arrow', body, 'application/vnd.apache.arrow.stream');
    expect(response.statusCode, response.body).toBe(201);
    const { signals } = await dataset();
    expect(signals.find((s) => s.name === 'pressure')).toMatchObject({ length: 300 });
  });

  it('a file that turns bad half-way is refused and leaves no signal behind', async () => {
    const rows = Array.from({ length: 3000 }, (_, i) => `${i},${i === 2500 ? 'oops' : i}`);
    const response = await upload('format=csv', ['index,value', ...rows].join('\n'), 'text/csv');
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: { reason: 'malformed_file' } });
    expect((await dataset()).signals).toEqual([]);
    const again = await upload('format=csv', 'index,value\n1,2\n', 'text/csv');
    expect(again.statusCode).toBe(201);
    expect((await upload('format=csv', 'index,value\n1,2\n', 'text/csv')).statusCode).toBe(409);
  });

  /** Whether any document of the signal (header, level headers, first pages) is live. */
  async function leftOf(signalId: string): Promise<string[]> {
    const ids = [signalId, `${signalId}/manifest/0`, `${signalId}/level/1`];
    ids.push(`${signalId}/level/1/manifest/0`, `${signalId}/level/2`);
    const docs = await lake.opened.lake.meta.getDocs(ids);
    return ids.filter((_, k) => {
      const doc = docs[k];
      return doc !== undefined && !doc.deleted;
    });
  }

  it('a file that ends early after whole chunks were stored leaves nothing behind', async () => {
    // 600 000 frames announced, 2^19 + 10 sent: chunks of 2^18 samples are stored (and in
    // flight) when the parser finds the file short.
    const frames = 2 ** 19 + 10;
    const body = wav16(2, 8000, frames, (f, c) => (c === 0 ? f % 1000 : -(f % 500)));
    body.writeUInt32LE(600_000 * 4, 40);
    const response = await upload('format=wav', body, 'audio/wav');
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json()).toMatchObject({ error: { reason: 'malformed_file' } });
    expect((await dataset()).signals).toEqual([]);
    for (const channel of ['channel-1', 'channel-2']) {
      expect(await leftOf(`dataset/run/signals/${channel}`)).toEqual([]);
    }
    // The chunks it stored are known, unreferenced: the collector removes them in time.
    const { meta } = lake.opened.lake;
    expect(await meta.unreferencedChunks(Number.MAX_SAFE_INTEGER, 100)).not.toEqual([]);
  });

  it('a chunk that cannot be stored fails the upload, leaves nothing, and frees the lake', async () => {
    const { blobs } = lake.opened.lake;
    const put = blobs.put.bind(blobs);
    let puts = 0;
    blobs.put = async (...args) => {
      if (++puts === 3) throw new Error('disk on fire');
      return put(...args);
    };
    const frames = 2 ** 19 + 10;
    const body = wav16(2, 8000, frames, (f, c) => (c === 0 ? f % 1000 : -(f % 500)));
    const failed = await upload('format=wav', body, 'audio/wav');
    expect(failed.statusCode).toBe(500);
    expect((await dataset()).signals).toEqual([]);
    for (const channel of ['channel-1', 'channel-2']) {
      expect(await leftOf(`dataset/run/signals/${channel}`)).toEqual([]);
    }
    // No chunk put is left holding a slot, and the same names are free again.
    const again = await upload('format=wav', body, 'audio/wav');
    expect(again.statusCode, again.body).toBe(201);
    expect(again.json()).toMatchObject({ rows: frames });
  });

  it('refuses an unknown format and a dataset the caller may not write', async () => {
    expect((await upload('', 'x', 'application/octet-stream')).statusCode).toBe(400);
    const tech = await lake.addUser('tech', 'technician', ['site/other']);
    const denied = await lake.app.inject({
      method: 'POST',
      url: '/api/uploads?dataset=dataset%2Frun&format=csv',
      headers: { ...lake.auth(tech.token), 'content-type': 'text/csv' },
      payload: 'a\n1\n',
    });
    expect(denied.statusCode).toBe(404);
  });
});
