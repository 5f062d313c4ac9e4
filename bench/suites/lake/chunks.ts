// Chunk data and the fs peer of lake/chunk-put and lake/chunk-get. The chunks are 1 MiB of
// random bytes (incompressible, like float32 sensor noise), hashed before any timing; each round
// restamps them (round and index in the first bytes) so that every upload is new to the lake
// (a chunk it already holds is answered 200 without being read). The peer writes the same bytes
// with the durability the lake's blob store gives a chunk (server/blobs/fs-blob-store.ts):
// temp file created read-only, written, fsynced, renamed to objects/<2 hex>/<sha256>, folder
// fsynced; and reads them back with readFile.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';

export const CHUNK_BYTES = 1024 * 1024;

export interface Chunk {
  bytes: Buffer;
  sha256: string;
}

/** `count` chunks of `size` random bytes, hashed. */
export function randomChunks(count: number, size = CHUNK_BYTES): Chunk[] {
  return Array.from({ length: count }, () => {
    const bytes = randomBytes(size);
    return { bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
  });
}

/** Makes every chunk new (round and index in its first 8 bytes) and rehashes it, in place. */
export function restamp(chunks: Chunk[], round: number): void {
  chunks.forEach((chunk, index) => {
    chunk.bytes.writeUInt32LE(round >>> 0, 0);
    chunk.bytes.writeUInt32LE(index >>> 0, 4);
    chunk.sha256 = createHash('sha256').update(chunk.bytes).digest('hex');
  });
}

/** Where a blob store rooted at `root` keeps a complete object. */
export function objectPath(root: string, sha256: string): string {
  return path.join(root, 'objects', sha256.slice(0, 2), sha256);
}

async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function writeAll(handle: FileHandle, bytes: Buffer): Promise<void> {
  let done = 0;
  while (done < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, done, bytes.length - done, done);
    if (bytesWritten <= 0) throw new Error('write(2) made no progress');
    done += bytesWritten;
  }
}

/** The peer's store: objects/<2 hex>/ folders created (and made durable) before any timing. */
export async function prepareFsStore(root: string): Promise<void> {
  await mkdir(path.join(root, 'tmp'), { recursive: true });
  for (let byte = 0; byte < 256; byte++) {
    await mkdir(path.join(root, 'objects', byte.toString(16).padStart(2, '0')), {
      recursive: true,
    });
  }
  await fsyncDir(path.join(root, 'objects'));
  await fsyncDir(root);
}

/** The peer's durable write of one chunk: temp + fsync + rename + fsync of the folder. */
export async function writeDurable(root: string, chunk: Chunk, tempName: string): Promise<void> {
  const temp = path.join(root, 'tmp', tempName);
  const handle = await open(temp, 'wx', 0o444);
  try {
    await writeAll(handle, chunk.bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
  const target = objectPath(root, chunk.sha256);
  await rename(temp, target);
  await fsyncDir(path.dirname(target));
}

/** The peer's read of one object file, whole; resolves to its length. */
export async function readObject(root: string, sha256: string): Promise<number> {
  return (await readFile(objectPath(root, sha256))).length;
}
