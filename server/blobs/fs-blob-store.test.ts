// The filesystem blob store: the shared conformance suite, then what only a filesystem can
// show — the layout on disk, crash leftovers, kill -9 in the middle of writes, a full disk,
// and a Zarr reader opening the view directly.
import { spawn, execFileSync } from 'node:child_process';
import { createCipheriv } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as zarr from 'zarrita';
import { describe, expect, it } from 'vitest';
import { encodeChunk } from '../../src/shared/chunk/codec.ts';
import { zarrArrayMetadata, type ChunkLayout } from '../../src/shared/chunk/layout.ts';
import {
  collect,
  expectBytes,
  randomBlob,
  rejection,
  runBlobStoreConformance,
  sha256Of,
} from './blob-store.suite.ts';
import { openFsBlobStore } from './fs-blob-store.ts';
import { BlobStoreError, type BlobStore } from './types.ts';
import { zarrNodeName } from './zarr-path.ts';

const STORE_MODULE = path.join(import.meta.dirname, 'fs-blob-store.ts');

async function tempRoot(): Promise<string> {
  return mkdtemp(path.join(tmpdir(), 'fieldlake-blobs-'));
}

async function withStore(test: (store: BlobStore, root: string) => Promise<void>): Promise<void> {
  const root = await tempRoot();
  const store = await openFsBlobStore(root);
  try {
    await test(store, root);
  } finally {
    await store.close();
    await rm(root, { recursive: true, force: true });
  }
}

function objectFile(root: string, sha: string): string {
  return path.join(root, 'objects', sha.slice(0, 2), sha);
}

function json(bytes: Uint8Array | undefined): unknown {
  expect(bytes).toBeDefined();
  return JSON.parse(new TextDecoder().decode(bytes));
}

/** Every file under `dir`, relative, recursively. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
    .sort();
}

runBlobStoreConformance('filesystem', async () => {
  const root = await tempRoot();
  return {
    store: await openFsBlobStore(root),
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
});

describe('FsBlobStore on disk', () => {
  it('stores objects read-only under objects/<2 hex>/<sha256>, nothing left in tmp/', async () => {
    await withStore(async (store, root) => {
      const bytes = randomBlob(10_000);
      const sha = sha256Of(bytes);
      await store.put(sha, bytes);
      const info = await stat(objectFile(root, sha));
      expect(info.size).toBe(10_000);
      expect(info.mode & 0o222).toBe(0);
      expect(await readFile(objectFile(root, sha))).toEqual(Buffer.from(bytes));
      await rejection(store.put(sha256Of(randomBlob(5)), bytes), 'hash_mismatch');
      expect(await readdir(path.join(root, 'tmp'))).toEqual([]);
    });
  });

  it('cleans a crash leftover in tmp/ at open, and never shows it', async () => {
    const root = await tempRoot();
    try {
      const first = await openFsBlobStore(root);
      const kept = randomBlob(1_000);
      await first.put(sha256Of(kept), kept);
      await first.close();
      // What a process killed mid-put leaves: a temp file of the right bytes, never renamed,
      // plus a half-removed Zarr node moved there.
      const half = randomBlob(5_000);
      await writeFile(path.join(root, 'tmp', 'deadbeef'), half.subarray(0, 2_000));
      await mkdir(path.join(root, 'tmp', 'trash', 'c'), { recursive: true });
      await writeFile(path.join(root, 'tmp', 'trash', 'c', '0'), half);
      const store = await openFsBlobStore(root);
      expect(await readdir(path.join(root, 'tmp'))).toEqual([]);
      expect(await store.stat(sha256Of(half))).toBeUndefined();
      const listed: string[] = [];
      for await (const hash of store.list()) listed.push(hash);
      expect(listed).toEqual([sha256Of(kept)]);
      await store.close();
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('ignores stray files in objects/ when listing', async () => {
    await withStore(async (store, root) => {
      const bytes = randomBlob(100);
      await store.put(sha256Of(bytes), bytes);
      await mkdir(path.join(root, 'objects', '00'), { recursive: true });
      await writeFile(path.join(root, 'objects', '00', 'not-a-hash'), 'x');
      // A hash filed under the wrong prefix is not one this store wrote.
      await writeFile(
        path.join(root, 'objects', '00', sha256Of(randomBlob(3)).replace(/^../, 'ff')),
        'x',
      );
      const listed: string[] = [];
      for await (const hash of store.list()) listed.push(hash);
      expect(listed).toEqual([sha256Of(bytes)]);
    });
  });

  it('resumes an upload after a restart, and drops stale sidecars of stored blobs', async () => {
    const root = await tempRoot();
    try {
      const bytes = randomBlob(300_000);
      const sha = sha256Of(bytes);
      const first = await openFsBlobStore(root);
      await first.append(sha, 0, bytes.length, bytes.subarray(0, 100_000));
      await first.close();
      const second = await openFsBlobStore(root);
      expect(await second.partial(sha)).toEqual({ held: 100_000, total: 300_000 });
      expect(await second.append(sha, 100_000, bytes.length, bytes.subarray(100_000))).toEqual({
        complete: true,
        created: true,
        length: 300_000,
      });
      expect(await readdir(path.join(root, 'uploads'))).toEqual([]);
      // A completed upload whose process died before removing the sidecar.
      await writeFile(path.join(root, 'uploads', `${sha}.json`), JSON.stringify({ total: 1 }));
      await second.close();
      const third = await openFsBlobStore(root);
      expect(await readdir(path.join(root, 'uploads'))).toEqual([]);
      expect(await third.partial(sha)).toEqual({ held: 0, total: null });
      await third.close();
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('makes a Zarr key a hard link of the object, replaced atomically', async () => {
    await withStore(async (store, root) => {
      const v1 = randomBlob(1_000);
      const v2 = randomBlob(1_000);
      await store.put(sha256Of(v1), v1);
      await store.put(sha256Of(v2), v2);
      const node = [zarrNodeName('ds'), zarrNodeName('sig')];
      const key = path.join(root, 'zarr', 'ds', 'sig', 'c', '0');
      await store.setZarrChunk(node, ['c', '0'], sha256Of(v1));
      expect((await stat(key)).ino).toBe((await stat(objectFile(root, sha256Of(v1)))).ino);
      await store.setZarrChunk(node, ['c', '0'], sha256Of(v2));
      expect((await stat(key)).ino).toBe((await stat(objectFile(root, sha256Of(v2)))).ino);
      expect((await stat(objectFile(root, sha256Of(v1)))).nlink).toBe(1);
      expect(await readdir(path.join(root, 'tmp'))).toEqual([]);
    });
  });

  it('puts hostile names inside zarr/ only, as escaped directory names', async () => {
    await withStore(async (store, root) => {
      for (const name of ['..', '../../etc', '%2e%2e', '\0', '/', 'a.pyramid']) {
        await store.writeZarrMetadata([zarrNodeName(name)], { name });
      }
      await store.writeZarrMetadata([zarrNodeName('a'), `${zarrNodeName('a')}.pyramid`], {});
      expect(await readdir(root)).toEqual(['objects', 'tmp', 'uploads', 'zarr']);
      expect(await filesUnder(path.join(root, 'zarr'))).toEqual(
        [
          '~2E~2E/zarr.json',
          '~2E~2E~2F~2E~2E~2Fetc/zarr.json',
          '~252e~252e/zarr.json',
          '~00/zarr.json',
          '~2F/zarr.json',
          'a~2Epyramid/zarr.json',
          'a/a.pyramid/zarr.json',
        ].sort(),
      );
    });
  });
});

describe('FsBlobStore survives kill -9', () => {
  // The writer runs in its own process and prints each hash only once put() (or append())
  // resolved; whatever it printed before SIGKILL must be intact after a reopen. Upload bytes
  // come from AES-CTR of a printed seed, so the parent can rebuild them.
  const CHILD = `
    import { createCipheriv, createHash, randomBytes } from 'node:crypto';
    import { openFsBlobStore } from ${JSON.stringify(STORE_MODULE)};
    const MiB = 1024 * 1024;
    const store = await openFsBlobStore(process.env.FIELDLAKE_BLOB_ROOT);
    const out = (line) => process.stdout.write(line + '\\n');
    for (;;) {
      const bytes = randomBytes(MiB);
      const sha = createHash('sha256').update(bytes).digest('hex');
      await store.put(sha, bytes);
      out('put ' + sha);
      const seed = randomBytes(16);
      const upload = createCipheriv('aes-128-ctr', seed, Buffer.alloc(16)).update(Buffer.alloc(MiB));
      const uploadSha = createHash('sha256').update(upload).digest('hex');
      for (let at = 0; at < MiB; at += MiB / 4) {
        const result = await store.append(uploadSha, at, MiB, upload.subarray(at, at + MiB / 4));
        out('append ' + seed.toString('hex') + ' ' + uploadSha + ' ' + (result.complete ? MiB : result.held));
      }
    }
  `;
  const MiB = 1024 * 1024;

  function uploadBytes(seedHex: string): Buffer {
    const seed = Buffer.from(seedHex, 'hex');
    return createCipheriv('aes-128-ctr', seed, Buffer.alloc(16)).update(Buffer.alloc(MiB));
  }

  /** Runs the writer until it acknowledged `atLeast` lines, then kills it at a random point. */
  async function runAndKill(root: string, atLeast: number): Promise<string[]> {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '--eval', CHILD],
      {
        cwd: path.resolve(import.meta.dirname, '../..'),
        env: { ...process.env, FIELDLAKE_BLOB_ROOT: root },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    const exited = new Promise<void>((resolve) =>
      child.once('exit', () => {
        resolve();
      }),
    );
    try {
      // Generous: about 2 s for the whole test on an idle machine, but a loaded one starts
      // node slowly, and a timeout here would say nothing about durability.
      const deadline = Date.now() + 15_000;
      while (stdout.split('\n').length - 1 < atLeast) {
        if (child.exitCode !== null) throw new Error(`the writer died: ${stderr}`);
        if (Date.now() > deadline) throw new Error(`the writer is too slow: ${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      // A random point: somewhere inside the next writes (a put is a few ms).
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 60));
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
    expect(child.signalCode).toBe('SIGKILL');
    // Only complete lines were acknowledged: a line cut by the kill was not.
    return stdout.split('\n').slice(0, -1);
  }

  it('keeps every acknowledged blob and upload, and no object ever mismatches its name', async () => {
    const root = await tempRoot();
    try {
      const acknowledged: string[] = [];
      for (let run = 0; run < 4; run += 1) {
        acknowledged.push(...(await runAndKill(root, 3 + Math.floor(Math.random() * 6))));
      }
      const store = await openFsBlobStore(root);
      expect(await readdir(path.join(root, 'tmp'))).toEqual([]);

      const puts = acknowledged.filter((line) => line.startsWith('put '));
      expect(puts.length).toBeGreaterThanOrEqual(3);
      for (const line of puts) {
        const sha = line.slice(4);
        expect(sha256Of(await store.readAll(sha))).toBe(sha);
      }

      // The last acknowledgement of each upload: complete, or at least that much held, intact.
      const uploads = new Map<string, { seed: string; held: number }>();
      for (const line of acknowledged.filter((l) => l.startsWith('append '))) {
        const [, seed = '', sha = '', held = ''] = line.split(' ');
        uploads.set(sha, { seed, held: Number(held) });
      }
      for (const [sha, { seed, held }] of uploads) {
        const bytes = uploadBytes(seed);
        if (held === MiB) {
          expect(sha256Of(await store.readAll(sha))).toBe(sha);
          continue;
        }
        if ((await store.stat(sha)) !== undefined) continue; // completed after the last line
        const state = await store.partial(sha);
        expect(state.held).toBeGreaterThanOrEqual(held);
        expect(state.total).toBe(MiB);
        const part = await readFile(path.join(root, 'uploads', `${sha}.part`));
        expect(part.length).toBe(state.held);
        expect(part.equals(bytes.subarray(0, state.held))).toBe(true);
        // And it resumes to a verified blob.
        expect(await store.append(sha, state.held, MiB, bytes.subarray(state.held))).toMatchObject({
          complete: true,
        });
      }

      // No object, acknowledged or not, holds other bytes than its name says.
      let objects = 0;
      for await (const sha of store.list()) {
        expect(sha256Of(await collect(await store.read(sha)))).toBe(sha);
        objects += 1;
      }
      expect(objects).toBeGreaterThanOrEqual(puts.length);
      await store.close();
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  }, 60_000);
});

/**
 * Mounts a small tmpfs at `dir` (created if needed) for the test, or skips the test with the
 * reason: mounting needs root (and a container that allows it).
 */
async function mountTmpfs(
  context: { skip: (note?: string) => never },
  dir: string,
  size: string,
): Promise<void> {
  if (process.getuid?.() !== 0) {
    context.skip(`needs root to mount a ${size} tmpfs (run the unit tests as root to include it)`);
  }
  await mkdir(dir, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (error) {
    context.skip(`mounting a tmpfs failed (${String(error).split('\n')[0] ?? ''})`);
  }
}

describe('FsBlobStore on a full disk', () => {
  it('reports no_space, keeps nothing of the failed write and all of the earlier ones', async (context) => {
    const dir = await tempRoot();
    try {
      await mountTmpfs(context, dir, '2m');
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
    try {
      const store = await openFsBlobStore(dir);
      const stored: Uint8Array[] = [];
      let failed: Uint8Array | undefined;
      for (let i = 0; i < 20 && failed === undefined; i += 1) {
        const bytes = randomBlob(256 * 1024);
        try {
          await store.put(sha256Of(bytes), i % 2 === 0 ? bytes : streamIn(bytes, 16 * 1024));
          stored.push(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(BlobStoreError);
          expect((error as BlobStoreError).code).toBe('no_space');
          failed = bytes;
        }
      }
      expect(failed, 'the 2 MiB disk never filled').toBeDefined();
      expect(stored.length).toBeGreaterThanOrEqual(4);
      expect(await readdir(path.join(dir, 'tmp'))).toEqual([]);
      expect(await store.stat(sha256Of(failed ?? new Uint8Array()))).toBeUndefined();
      for (const bytes of stored) expectBytes(await store.readAll(sha256Of(bytes)), bytes);

      // An upload that runs out of space keeps exactly what it says it holds.
      const [first, second] = stored;
      if (first === undefined || second === undefined) throw new Error('unreachable');
      await store.delete(sha256Of(first));
      const upload = randomBlob(1024 * 1024);
      const sha = sha256Of(upload);
      expect(await store.append(sha, 0, upload.length, upload.subarray(0, 64 * 1024))).toEqual({
        complete: false,
        held: 64 * 1024,
      });
      const full = await rejection(
        store.append(
          sha,
          64 * 1024,
          upload.length,
          streamIn(upload.subarray(64 * 1024), 32 * 1024),
        ),
        'no_space',
      );
      const { held } = await store.partial(sha);
      expect(full.details.held).toBe(held);
      expect(held).toBeGreaterThanOrEqual(64 * 1024);
      expect(held).toBeLessThan(upload.length);
      const part = await readFile(path.join(dir, 'uploads', `${sha}.part`));
      expect(part.length).toBe(held);
      expect(part.equals(Buffer.from(upload.subarray(0, held)))).toBe(true);
      expect(await readdir(path.join(dir, 'tmp'))).toEqual([]);

      // Space freed, the upload resumes where it stopped and completes verified.
      for (const bytes of stored.slice(1)) await store.delete(sha256Of(bytes));
      expect(await store.append(sha, held, upload.length, upload.subarray(held))).toEqual({
        complete: true,
        created: true,
        length: upload.length,
      });
      expectBytes(await store.readAll(sha), upload);
      await store.close();
    } finally {
      execFileSync('umount', [dir]);
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('FsBlobStore with zarr/ on another filesystem', () => {
  it('copies instead of linking, and still replaces keys atomically', async (context) => {
    const root = await tempRoot();
    const zarrDir = path.join(root, 'zarr');
    try {
      await mountTmpfs(context, zarrDir, '4m');
    } catch (error) {
      await rm(root, { recursive: true, force: true });
      throw error;
    }
    try {
      const store = await openFsBlobStore(root);
      const v1 = randomBlob(10_000);
      const v2 = randomBlob(10_000);
      await store.put(sha256Of(v1), v1);
      await store.put(sha256Of(v2), v2);
      const node = [zarrNodeName('ds'), zarrNodeName('sig')];
      await store.writeZarrMetadata([], { node_type: 'group' });
      await store.writeZarrMetadata(node, { node_type: 'array' });
      await store.setZarrChunk(node, ['c', '0'], sha256Of(v1));
      await store.setZarrChunk(node, ['c', '0'], sha256Of(v2));
      expectBytes(await store.readZarr(node, ['c', '0']), v2);
      expect(json(await store.readZarr(node, ['zarr.json']))).toEqual({ node_type: 'array' });
      const key = path.join(zarrDir, 'ds', 'sig', 'c', '0');
      expect((await stat(key)).dev).not.toBe((await stat(objectFile(root, sha256Of(v2)))).dev);
      expect(await filesUnder(zarrDir)).toEqual(['ds/sig/c/0', 'ds/sig/zarr.json', 'zarr.json']);
      expect(await readdir(path.join(root, 'tmp'))).toEqual([]);
      await store.removeZarrNode([zarrNodeName('ds')]);
      expect(await filesUnder(zarrDir)).toEqual(['zarr.json']);
      // The whole view, when zarr/ is itself the mount point.
      await store.removeZarrNode([]);
      expect(await readdir(zarrDir)).toEqual([]);
      await store.writeZarrMetadata([], { node_type: 'group' });
      expect(await filesUnder(zarrDir)).toEqual(['zarr.json']);
      await store.close();
    } finally {
      execFileSync('umount', [zarrDir]);
      await rm(root, { recursive: true, force: true });
    }
  });
});

async function* streamIn(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) {
    await Promise.resolve();
    yield bytes.slice(at, at + size);
  }
}

describe('the Zarr view opens in a Zarr reader (zarrita)', () => {
  /** A read-only zarrita store over the view's files: what any Zarr v3 reader sees. */
  function directoryStore(zarrRoot: string) {
    return {
      async get(key: `/${string}`): Promise<Uint8Array | undefined> {
        try {
          return new Uint8Array(await readFile(path.join(zarrRoot, ...key.split('/'))));
        } catch (error) {
          if ((error as { code?: unknown }).code === 'ENOENT') return undefined;
          throw error;
        }
      },
    };
  }

  it('reads a 1-D signal, a gzip signal and a pyramid level written through the store', async () => {
    await withStore(async (store, root) => {
      const dataset = zarrNodeName('dataset/site-a/2024 run');
      const raw = zarrNodeName('vib.x (m/s²)');
      const packed = zarrNodeName('temp');
      const length = 10;
      const values = Float32Array.from({ length }, (_, i) => i * 1.5 - 3);

      async function writeSignal(name: string, layout: ChunkLayout): Promise<void> {
        await store.writeZarrMetadata([dataset, name], zarrArrayMetadata(layout, length));
        for (let i = 0; i * layout.chunkLength < length; i += 1) {
          const part = values.slice(i * layout.chunkLength, (i + 1) * layout.chunkLength);
          const chunk = await encodeChunk(part, layout);
          await store.put(chunk.sha256, chunk.bytes);
          await store.setZarrChunk([dataset, name], ['c', String(i)], chunk.sha256);
        }
      }

      await store.writeZarrMetadata([], { zarr_format: 3, node_type: 'group', attributes: {} });
      await store.writeZarrMetadata([dataset], {
        zarr_format: 3,
        node_type: 'group',
        attributes: { _id: 'dataset/site-a/2024 run', title: 'Run' },
      });
      await writeSignal(raw, {
        dtype: 'float32',
        chunkLength: 4,
        codecs: [{ name: 'bytes', configuration: { endian: 'little' } }],
      });
      await writeSignal(packed, {
        dtype: 'float32',
        chunkLength: 8,
        codecs: [
          { name: 'bytes', configuration: { endian: 'little' } },
          { name: 'gzip', configuration: { level: 5 } },
        ],
      });

      // A pyramid level: [buckets, 4] (min, max, mean, count), chunks [2, 4] at c/<i>/0.
      const level = [dataset, `${raw}.pyramid`, '1'];
      const buckets = Float32Array.from({ length: 3 * 4 }, (_, i) => i);
      await store.writeZarrMetadata([dataset, `${raw}.pyramid`], {
        zarr_format: 3,
        node_type: 'group',
        attributes: {},
      });
      await store.writeZarrMetadata(level, {
        zarr_format: 3,
        node_type: 'array',
        shape: [3, 4],
        data_type: 'float32',
        chunk_grid: { name: 'regular', configuration: { chunk_shape: [2, 4] } },
        chunk_key_encoding: { name: 'default', configuration: { separator: '/' } },
        fill_value: 'NaN',
        codecs: [{ name: 'bytes', configuration: { endian: 'little' } }],
      });
      for (let i = 0; i < 2; i += 1) {
        const block = new Float32Array(2 * 4).fill(Number.NaN);
        block.set(buckets.subarray(i * 8, i * 8 + 8));
        const bytes = new Uint8Array(block.buffer);
        await store.put(sha256Of(bytes), bytes);
        await store.setZarrChunk(level, ['c', String(i), '0'], sha256Of(bytes));
      }

      const location = zarr.root(directoryStore(path.join(root, 'zarr')));
      const group = await zarr.open(location.resolve(dataset), { kind: 'group' });
      expect(group.attrs).toEqual({ _id: 'dataset/site-a/2024 run', title: 'Run' });
      for (const name of [raw, packed]) {
        const array = await zarr.open(location.resolve(`${dataset}/${name}`), { kind: 'array' });
        expect(array.shape).toEqual([length]);
        const { data } = await zarr.get(array);
        expect(data).toEqual(values);
      }
      const pyramid = await zarr.open(location.resolve(level.join('/')), { kind: 'array' });
      const { data, shape } = await zarr.get(pyramid);
      expect(shape).toEqual([3, 4]);
      expect(data).toEqual(buckets);
    });
  });
});
