// Uploads stream: a real lake process takes a WAV and a CSV of hundreds of MB, generated here
// piece by piece as the socket takes them (never a file or a buffer of that size), and its
// peak resident memory grows far less than the files are long. Linux only (/proc).
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LakeProcess, rawRequest, startLakeProcess } from '../test-support/lake-process.ts';

const MB = 1024 * 1024;
/** 64 Mi frames of 16-bit stereo: a 256 MiB WAV. */
const WAV_FRAMES = 64 * MB;
/** Rows of `time,a,b` (about 33 bytes each): a CSV of about 130 MiB. */
const CSV_ROWS = 4 * MB;
/**
 * How much the lake's peak RSS may grow over its RSS before the uploads: less than half the
 * WAV alone. What the lake holds is bounded by design — a chunk per signal and the chunks
 * being stored (a few MiB), a parsed block, socket buffers — plus what the garbage collector
 * has not reclaimed yet; measured growth is about 50 MiB, so the bound leaves room for a busy
 * machine's slower collections. A lake that held the WAV, or its decoded samples, would grow by
 * 256 MiB or more (buffering the body measured 290 MiB).
 */
const RSS_GROWTH_BOUND = 112 * MB;
const CSV_T0 = Date.UTC(2026, 0, 1);

/** Channel 0 sweeps the whole int16 range, channel 1 is a slower ramp. */
function wavSample(frame: number, channel: number): number {
  return channel === 0 ? ((frame * 7) & 0xffff) - 32768 : (frame % 20_000) - 10_000;
}

function* wavBody(frames: number): Generator<Buffer> {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + frames * 4, 4);
  header.write('WAVEfmt ', 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // integer PCM
  header.writeUInt16LE(2, 22);
  header.writeUInt32LE(8000, 24);
  header.writeUInt32LE(8000 * 4, 28);
  header.writeUInt16LE(4, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(frames * 4, 40);
  yield header;
  const pieceFrames = 64 * 1024;
  for (let first = 0; first < frames; first += pieceFrames) {
    const count = Math.min(pieceFrames, frames - first);
    const samples = new Int16Array(count * 2);
    for (let f = 0; f < count; f++) {
      samples[2 * f] = wavSample(first + f, 0);
      samples[2 * f + 1] = wavSample(first + f, 1);
    }
    yield Buffer.from(samples.buffer);
  }
}

const csvA = (row: number): number => (row % 100_000) + 0.5;
const csvB = (row: number): number => -(row % 7919) - 0.25;

function* csvBody(rows: number): Generator<Buffer> {
  yield Buffer.from('time,a,b\n');
  const pieceRows = 16 * 1024;
  for (let first = 0; first < rows; first += pieceRows) {
    let text = '';
    for (let row = first; row < Math.min(rows, first + pieceRows); row++) {
      text += `${CSV_T0 + row},${csvA(row)},${csvB(row)}\n`;
    }
    yield Buffer.from(text);
  }
}

interface Status {
  rssBytes: number;
  hwmBytes: number;
}

async function memoryOf(pid: number): Promise<Status> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)?.[1]) * 1024;
  return { rssBytes: kib('VmRSS'), hwmBytes: kib('VmHWM') };
}

let lake: LakeProcess;
let dir: string;
const auth = (): Record<string, string> => ({ authorization: `Bearer ${lake.token}` });

/** POSTs `body` to the lake as it is generated (chunked), with the socket's backpressure. */
function upload(query: string, body: Iterable<Buffer>): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${lake.url}/api/uploads?dataset=dataset%2Fbig&${query}`,
      { method: 'POST', headers: { ...auth(), 'content-type': 'application/octet-stream' } },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (part: Buffer) => parts.push(part));
        res.on('end', () => {
          const text = Buffer.concat(parts).toString();
          resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as unknown });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    pipeline(Readable.from(body), req).catch(reject);
  });
}

/** Samples [start, start + count) of a signal, through the slice endpoint's CSV. */
async function slice(name: string, start: number, count: number): Promise<number[]> {
  const response = await rawRequest(
    `${lake.url}/api/datasets/dataset%2Fbig/signals/${name}.csv?start=${start}&end=${start + count}&time=none`,
    { headers: auth() },
  );
  expect(response.status, response.body.toString()).toBe(200);
  return response.body
    .toString()
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => Number(line.split(',').at(-1)));
}

const linux = existsSync('/proc/self/status');

describe.skipIf(!linux)('a large upload streams through a lake process', () => {
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'fieldlake-upload-memory-'));
    lake = await startLakeProcess(path.join(dir, 'data'));
    const created = await rawRequest(`${lake.url}/api/bulk`, {
      method: 'POST',
      headers: { ...auth(), 'content-type': 'application/json' },
      body: JSON.stringify({
        items: [
          { id: 'site/big', doc: { type: 'site' } },
          { id: 'dataset/big', doc: { type: 'dataset', site: 'site/big' } },
        ],
      }),
    });
    expect(created.status).toBe(200);
    // A small upload of each kind first: what loading the code takes is not the uploads'.
    expect((await upload('format=wav&prefix=warm-', wavBody(1000))).status).toBe(201);
    expect((await upload('format=csv&prefix=warm-', csvBody(1000))).status).toBe(201);
  }, 30_000);

  afterAll(async () => {
    await lake.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('takes a 256 MiB WAV and a 130 MiB CSV in bounded memory', async () => {
    const pid = lake.child.pid ?? 0;
    const before = await memoryOf(pid);
    // The peak since start-up may be higher than RSS now: reset it where Linux allows.
    await writeFile(`/proc/${pid}/clear_refs`, '5').catch(() => undefined);
    let sampledPeak = before.rssBytes;
    const sampler = setInterval(() => {
      memoryOf(pid).then(
        (now) => (sampledPeak = Math.max(sampledPeak, now.rssBytes)),
        () => undefined,
      );
    }, 50);
    try {
      const wav = await upload('format=wav&t0=2026-01-01T00:00:00Z', wavBody(WAV_FRAMES));
      expect(wav.status, JSON.stringify(wav.json)).toBe(201);
      expect(wav.json).toMatchObject({ rows: WAV_FRAMES });
      const csv = await upload('format=csv', csvBody(CSV_ROWS));
      expect(csv.status, JSON.stringify(csv.json)).toBe(201);
      expect(csv.json).toMatchObject({ rows: CSV_ROWS });
    } finally {
      clearInterval(sampler);
    }
    const after = await memoryOf(pid);
    const peak = Math.max(after.hwmBytes, sampledPeak);
    const report = `RSS ${(before.rssBytes / MB).toFixed(0)} MiB before, peak ${(peak / MB).toFixed(0)} MiB (sampled ${(sampledPeak / MB).toFixed(0)} MiB)`;
    expect(peak - before.rssBytes, report).toBeLessThan(RSS_GROWTH_BOUND);

    // Spot checks: the first samples, both sides of the 2^18-sample chunk boundaries, the last.
    for (const start of [0, 2 ** 18 - 2, 5 * 2 ** 18 - 1, WAV_FRAMES - 3]) {
      const expected = [0, 1, 2].map((k) => start + k).filter((frame) => frame < WAV_FRAMES);
      expect(await slice('channel-1', start, 3)).toEqual(expected.map((f) => wavSample(f, 0)));
      expect(await slice('channel-2', start, 3)).toEqual(expected.map((f) => wavSample(f, 1)));
    }
    for (const start of [0, 65_535, 2 ** 18 - 1, CSV_ROWS - 2]) {
      const rows = [0, 1].map((k) => start + k).filter((row) => row < CSV_ROWS);
      expect(await slice('a', start, 2)).toEqual(rows.map(csvA));
      expect(await slice('b', start, 2)).toEqual(rows.map(csvB));
      expect(await slice('time', start, 2)).toEqual(rows.map((row) => CSV_T0 + row));
    }
  }, 60_000);
});
