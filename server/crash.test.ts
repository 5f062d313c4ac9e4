// kill -9 while clients write: the lake restarts consistent. Every chunk and document it
// acknowledged is there (documents at the acknowledged revision or a later one that was in
// flight), nothing half-written is visible, and the Zarr view catches up with the documents.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startLakeProcess } from './test-support/lake-process.ts';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

const sha = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const bytesCodec = [{ name: 'bytes', configuration: { endian: 'little' } }];
const CHUNK = 4096; // samples per chunk: 16 KiB of float32

interface Acked {
  chunks: Map<string, number>;
  pages: Map<string, { rev: string; hashes: string[] }>;
}

async function writeUntilKilled(
  url: string,
  token: string,
  acked: Acked,
  round: number,
): Promise<void> {
  const headers = { authorization: `Bearer ${token}` };
  const json = { ...headers, 'content-type': 'application/json' };
  const bulk = async (items: unknown[]) =>
    (await (
      await fetch(`${url}/api/bulk`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ items }),
      })
    ).json()) as {
      results: { id: string; ok: boolean; rev?: string }[];
    };
  await bulk([
    { id: 'site/s', doc: { type: 'site' } },
    { id: 'ds', doc: { type: 'dataset', site: 'site/s' } },
    {
      id: `sig${round}`,
      doc: {
        type: 'signal',
        datasetId: 'ds',
        name: `v${round}`,
        dtype: 'float32',
        chunkLength: CHUNK,
        codecs: bytesCodec,
        fillValue: 'NaN',
        length: 0,
      },
    },
  ]);
  const hashes: string[] = [];
  for (let i = 0; ; i++) {
    const bytes = randomBytes(CHUNK * 4);
    const hash = sha(bytes);
    const put = await fetch(`${url}/api/chunks/${hash}`, {
      method: 'PUT',
      headers: { ...headers, 'content-type': 'application/octet-stream' },
      body: bytes,
    });
    if (put.status !== 201) throw new Error(`PUT ${put.status}`);
    acked.chunks.set(hash, bytes.length);
    hashes.push(hash);
    const id = `sig${round}/manifest/0`;
    const entries = hashes.map((h) => ({
      sha256: h,
      count: CHUNK,
      min: 0,
      max: 0,
      mean: 0,
      finite: CHUNK,
      nanCount: 0,
    }));
    const [result] = (
      await bulk([{ id, doc: { type: 'chunk-page', signalId: `sig${round}`, page: 0, entries } }])
    ).results;
    if (result?.ok !== true || result.rev === undefined) throw new Error('page refused');
    acked.pages.set(id, { rev: result.rev, hashes: [...hashes] });
    await bulk([
      {
        id: `sig${round}`,
        doc: {
          type: 'signal',
          datasetId: 'ds',
          name: `v${round}`,
          dtype: 'float32',
          chunkLength: CHUNK,
          codecs: bytesCodec,
          fillValue: 'NaN',
          length: hashes.length * CHUNK,
        },
      },
    ]);
  }
}

describe('crash', () => {
  it('restarts consistent after kill -9 during writes, three times over', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'fieldlake-crash-'));
    dirs.push(dir);
    const acked: Acked = { chunks: new Map(), pages: new Map() };
    for (let round = 0; round < 3; round++) {
      const lake = await startLakeProcess(dir);
      const writing = writeUntilKilled(lake.url, lake.token, acked, round).catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 400 + Math.random() * 800));
      await lake.stop('SIGKILL');
      await writing;
    }
    expect(acked.pages.size).toBe(3);
    const lake = await startLakeProcess(dir);
    try {
      const headers = { authorization: `Bearer ${lake.token}` };
      for (const [hash, length] of acked.chunks) {
        const response = await fetch(`${lake.url}/api/chunks/${hash}`, { headers });
        const body = new Uint8Array(await response.arrayBuffer());
        expect(response.status).toBe(200);
        expect(body.length).toBe(length);
        expect(sha(body)).toBe(hash);
      }
      for (const [id, { rev, hashes }] of acked.pages) {
        const doc = (await (
          await fetch(`${lake.url}/api/docs/${encodeURIComponent(id)}`, { headers })
        ).json()) as {
          _rev: string;
          entries: { sha256: string }[];
        };
        const generation = (r: string) => Number(r.split('-')[0]);
        expect(generation(doc._rev)).toBeGreaterThanOrEqual(generation(rev));
        // The acknowledged entries are a prefix of what is stored.
        expect(doc.entries.slice(0, hashes.length).map((e) => e.sha256)).toEqual(hashes);
        // The Zarr view holds the current version of every chunk the page lists.
        const round = id.slice(3, id.indexOf('/'));
        for (const [index, entry] of doc.entries.entries()) {
          const file = await readFile(
            path.join(dir, 'zarr', 'ds', `v${round}`, 'c', String(index)),
          );
          expect(sha(file)).toBe(entry.sha256);
        }
      }
    } finally {
      await lake.stop();
    }
  }, 60_000);
});
