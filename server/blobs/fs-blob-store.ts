// The embedded lake's byte store, on the local filesystem under one root:
//
//   objects/<first 2 hex>/<sha256>   complete, verified blobs (read-only files): the hash index
//   uploads/<sha256>.part            an unfinished resumable upload (its size is what is held)
//   uploads/<sha256>.json            {total}: the length its first piece announced
//   tmp/                             temp files; emptied at open (leftovers of a crash)
//   zarr/                            the Zarr v3 view (docs/lake-api.md, "The Zarr view")
//
// Everything is written to a temp file, fsynced, renamed into place and its directory fsynced,
// so a crash (kill -9 or power loss) never leaves half a blob under a hash, and an
// acknowledged write survives. The Zarr view (derived state) is written the same way but made
// durable in batches, at syncZarr(), before the lake stores how far the view got. objects/, uploads/ and tmp/ must share one filesystem
// (rename); zarr/ may be another (a mount): its keys are then copies instead of hard links.
import { createHash, randomBytes } from 'node:crypto';
import { constants, createReadStream } from 'node:fs';
import {
  chmod,
  copyFile,
  link,
  mkdir,
  open,
  readFile,
  readdir,
  rename,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { isSha256Hex } from '../../src/shared/chunk/sha256.ts';
import {
  BlobStoreError,
  type AppendResult,
  type BlobStore,
  type ByteRange,
  type ByteSource,
  type PartialState,
  type PutResult,
  type ZarrPath,
} from './types.ts';
import { checkZarrChunkKey, checkZarrKey, checkZarrPath, ZARR_METADATA_KEY } from './zarr-path.ts';

/** Small pieces (an HTTP body arrives in ~16–64 KiB) are gathered into writes of this size. */
const STAGE_BYTES = 1024 * 1024;
/** Files and folders of the Zarr view fsynced at once by syncZarr(). */
const ZARR_SYNCS_IN_FLIGHT = 16;
const READ_CHUNK_BYTES = 1024 * 1024;

const HEX_PREFIXES = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

function errnoOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  const code = error.code;
  return typeof code === 'string' ? code : undefined;
}

function isMissing(error: unknown): boolean {
  return errnoOf(error) === 'ENOENT';
}

function isNoSpace(error: unknown): boolean {
  const code = errnoOf(error);
  return code === 'ENOSPC' || code === 'EDQUOT';
}

/** A filesystem error as the interface reports it (no_space); others pass through. */
function storeError(error: unknown): unknown {
  if (error instanceof BlobStoreError) return error;
  if (isNoSpace(error)) {
    return new BlobStoreError('no_space', 'no space left for the blob store', {}, { cause: error });
  }
  return error;
}

function withHeld(error: unknown, held: number): unknown {
  const mapped = storeError(error);
  if (!(mapped instanceof BlobStoreError)) return mapped;
  return new BlobStoreError(
    mapped.code,
    mapped.message,
    { ...mapped.details, held },
    {
      cause: mapped.cause,
    },
  );
}

function invalid(message: string): BlobStoreError {
  return new BlobStoreError('invalid', message);
}

function checkSha(sha256: string): void {
  if (!isSha256Hex(sha256)) throw invalid('a blob is named by 64 lowercase hex digits (SHA-256)');
}

function checkCount(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw invalid(`${what} must be a non-negative integer, got ${String(value)}`);
  }
}

async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function writeAll(handle: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  // write(2) may write less than asked (a signal, a nearly full disk): finish the rest, which
  // then fails with the real reason (ENOSPC) instead of silently losing bytes.
  let done = 0;
  while (done < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, done, bytes.length - done, position + done);
    if (bytesWritten <= 0) throw new Error('write(2) made no progress');
    done += bytesWritten;
  }
}

/**
 * Writes pieces at increasing positions, gathering small ones. Small pieces are copied at
 * once: a producer may reuse its buffer after handing it over, and the hash was taken of the
 * bytes as they were then.
 */
class StagedWriter {
  private stage: Buffer | undefined;
  private staged = 0;

  constructor(
    private readonly handle: FileHandle,
    private position: number,
  ) {}

  async push(piece: Uint8Array): Promise<void> {
    if (piece.length >= STAGE_BYTES) {
      await this.flush();
      await writeAll(this.handle, piece, this.position);
      this.position += piece.length;
      return;
    }
    if (this.staged + piece.length > STAGE_BYTES) await this.flush();
    this.stage ??= Buffer.allocUnsafe(STAGE_BYTES);
    this.stage.set(piece, this.staged);
    this.staged += piece.length;
  }

  async flush(): Promise<void> {
    if (this.stage === undefined || this.staged === 0) return;
    const bytes = this.stage.subarray(0, this.staged);
    // Forget the staged bytes before writing: after a failed write they must not be retried
    // at a position that no longer matches the file.
    this.staged = 0;
    await writeAll(this.handle, bytes, this.position);
    this.position += bytes.length;
  }
}

/**
 * Reads a source piece by piece, calling `take` for each. A failing source is `aborted`. On
 * an early stop the rest is left unread and never cancelled: the source is the caller's (an
 * HTTP server drains or closes a body nobody read).
 */
async function consume(
  source: ByteSource,
  take: (piece: Uint8Array) => Promise<void>,
): Promise<void> {
  if (source instanceof Uint8Array) {
    await take(source);
    return;
  }
  const iterator = source[Symbol.asyncIterator]();
  for (;;) {
    let next: IteratorResult<Uint8Array>;
    try {
      next = await iterator.next();
    } catch (error) {
      throw new BlobStoreError('aborted', 'the byte source failed', {}, { cause: error });
    }
    if (next.done === true) return;
    const piece: unknown = next.value;
    if (!(piece instanceof Uint8Array)) throw invalid('a byte source must yield Uint8Arrays');
    await take(piece);
  }
}

async function hashFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const piece of createReadStream(file, { highWaterMark: READ_CHUNK_BYTES })) {
    hash.update(piece as Buffer);
  }
  return hash.digest('hex');
}

class FsBlobStore implements BlobStore {
  private readonly objects: string;
  private readonly uploads: string;
  private readonly tmp: string;
  private readonly zarr: string;
  /** One append (or abandon) at a time per hash: each checks the held count, then writes. */
  private readonly locks = new Map<string, Promise<unknown>>();
  /** Zarr-view files and folders written since the last syncZarr(). */
  private readonly unsyncedZarr = new Set<string>();
  /** Fan-out folders of objects/ known to exist durably (created on first use). */
  private readonly prefixes = new Set<string>();
  /** Durable size of uploads being appended to right now, so partial() need not wait. */
  private readonly durableHeld = new Map<string, number>();

  constructor(readonly root: string) {
    this.objects = path.join(root, 'objects');
    this.uploads = path.join(root, 'uploads');
    this.tmp = path.join(root, 'tmp');
    this.zarr = path.join(root, 'zarr');
  }

  async init(): Promise<void> {
    await mkdir(this.root, { recursive: true });
    // Whatever is in tmp/ is a write that never completed (it was never renamed into place).
    await rm(this.tmp, { recursive: true, force: true });
    for (const dir of [this.objects, this.uploads, this.tmp, this.zarr]) {
      await mkdir(dir, { recursive: true });
    }
    await fsyncDir(this.root);
    await this.dropStaleUploads();
  }

  /** An upload that completed may have left its sidecar behind if the process died then. */
  private async dropStaleUploads(): Promise<void> {
    for (const name of await readdir(this.uploads)) {
      const match = /^([0-9a-f]{64})\.(?:part|json)$/.exec(name);
      if (match?.[1] !== undefined && (await this.statObject(match[1])) !== undefined) {
        await rm(path.join(this.uploads, name), { force: true });
      }
    }
  }

  private objectPath(sha256: string): string {
    return path.join(this.objects, sha256.slice(0, 2), sha256);
  }

  private partPath(sha256: string): string {
    return path.join(this.uploads, `${sha256}.part`);
  }

  private sidecarPath(sha256: string): string {
    return path.join(this.uploads, `${sha256}.json`);
  }

  private tempPath(): string {
    return path.join(this.tmp, randomBytes(12).toString('hex'));
  }

  private zarrDir(zarrPath: ZarrPath): string {
    return path.join(this.zarr, ...zarrPath);
  }

  /**
   * Moves a complete, fsynced file to objects/<2 hex>/<sha256> and makes the rename durable:
   * the fan-out folder is created on first use (and objects/ fsynced so that it stays).
   */
  private async publish(file: string, sha256: string): Promise<void> {
    const prefix = sha256.slice(0, 2);
    const dir = path.join(this.objects, prefix);
    if (!this.prefixes.has(prefix)) {
      try {
        await mkdir(dir);
      } catch (error) {
        if (errnoOf(error) !== 'EEXIST') throw error;
      }
      // Even when it existed: a process that died between its mkdir and this fsync may have
      // left the folder visible but not yet durable.
      await fsyncDir(this.objects);
      this.prefixes.add(prefix);
    }
    await rename(file, path.join(dir, sha256));
    await fsyncDir(dir);
  }

  private async statObject(sha256: string): Promise<{ length: number } | undefined> {
    try {
      return { length: (await stat(this.objectPath(sha256))).size };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  private async withLock<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(key) ?? Promise.resolve();
    const run = previous.then(task, task);
    const settled = run.catch(() => undefined);
    this.locks.set(key, settled);
    try {
      return await run;
    } finally {
      if (this.locks.get(key) === settled) this.locks.delete(key);
    }
  }

  /** mkdir -p, then fsync the parent of every folder it created so they survive a crash. */
  private async mkdirDurable(dir: string): Promise<void> {
    const first = await mkdir(dir, { recursive: true });
    if (first === undefined) return;
    const top = path.resolve(first);
    for (let created = path.resolve(dir); ; created = path.dirname(created)) {
      await fsyncDir(path.dirname(created));
      if (created === top || created === path.dirname(created)) break;
    }
  }

  /** Writes bytes to a new file atomically: temp in tmp/, fsync, rename, fsync its folder. */
  private async writeFileAtomic(target: string, bytes: Uint8Array | string): Promise<void> {
    const temp = this.tempPath();
    try {
      const handle = await open(temp, 'wx');
      try {
        await handle.writeFile(bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, target);
      await fsyncDir(path.dirname(target));
    } catch (error) {
      await rm(temp, { force: true });
      throw storeError(error);
    }
  }

  async stat(sha256: string): Promise<{ length: number } | undefined> {
    checkSha(sha256);
    return this.statObject(sha256);
  }

  async put(
    sha256: string,
    source: ByteSource,
    options: { maxLength?: number } = {},
  ): Promise<PutResult> {
    checkSha(sha256);
    const maxLength = options.maxLength ?? Number.MAX_SAFE_INTEGER;
    checkCount(maxLength, 'maxLength');
    // Already stored: the bytes under a hash never change, so the source need not be read.
    const existing = await this.statObject(sha256);
    if (existing !== undefined) return { created: false, length: existing.length };

    const temp = this.tempPath();
    let handle: FileHandle | undefined;
    let published = false;
    try {
      // Read-only from birth: the object (and every Zarr key hard-linked to it) must never be
      // modified in place. The descriptor opened here still writes.
      handle = await open(temp, 'wx', 0o444);
      const writer = new StagedWriter(handle, 0);
      const hash = createHash('sha256');
      let length = 0;
      await consume(source, async (piece) => {
        if (length + piece.length > maxLength) {
          throw new BlobStoreError('too_large', `the blob is longer than ${maxLength} bytes`);
        }
        length += piece.length;
        hash.update(piece);
        await writer.push(piece);
      });
      await writer.flush();
      const actual = hash.digest('hex');
      if (actual !== sha256) {
        throw new BlobStoreError(
          'hash_mismatch',
          `the bytes hash to ${actual}, not ${sha256}: nothing kept`,
        );
      }
      await handle.sync();
      await handle.close();
      handle = undefined;
      // Another put of the same hash may have finished meanwhile: its bytes are the same.
      if ((await this.statObject(sha256)) !== undefined) return { created: false, length };
      await this.publish(temp, sha256);
      published = true;
      return { created: true, length };
    } catch (error) {
      throw storeError(error);
    } finally {
      await handle?.close().catch(() => undefined);
      // After the rename the temp name no longer exists; otherwise it goes.
      if (!published) await rm(temp, { force: true });
    }
  }

  async partial(sha256: string): Promise<PartialState> {
    checkSha(sha256);
    const inFlight = this.durableHeld.get(sha256);
    const held = inFlight ?? (await this.partSize(sha256));
    return { held, total: await this.readTotal(sha256) };
  }

  private async partSize(sha256: string): Promise<number> {
    try {
      return (await stat(this.partPath(sha256))).size;
    } catch (error) {
      if (isMissing(error)) return 0;
      throw error;
    }
  }

  private async readTotal(sha256: string): Promise<number | null> {
    let text: string;
    try {
      text = await readFile(this.sidecarPath(sha256), 'utf8');
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed === 'object' && parsed !== null && 'total' in parsed) {
        const total: unknown = parsed.total;
        if (typeof total === 'number' && Number.isSafeInteger(total) && total >= 0) return total;
      }
    } catch {
      // An unreadable sidecar (never written by us: it is replaced atomically) counts as none.
    }
    return null;
  }

  private async discardPartial(sha256: string): Promise<void> {
    await rm(this.partPath(sha256), { force: true });
    await rm(this.sidecarPath(sha256), { force: true });
  }

  async append(
    sha256: string,
    offset: number,
    total: number,
    source: ByteSource,
  ): Promise<AppendResult> {
    checkSha(sha256);
    checkCount(total, 'total');
    checkCount(offset, 'offset');
    if (offset > total) throw invalid(`offset ${offset} is beyond the total ${total}`);
    return this.withLock(sha256, () => this.appendLocked(sha256, offset, total, source));
  }

  private async appendLocked(
    sha256: string,
    offset: number,
    total: number,
    source: ByteSource,
  ): Promise<AppendResult> {
    const stored = await this.statObject(sha256);
    if (stored !== undefined) {
      // Someone finished this blob (another device, an earlier whole PUT): nothing to add.
      await this.discardPartial(sha256);
      return { complete: true, created: false, length: stored.length };
    }
    const held = await this.partSize(sha256);
    if (offset !== held) {
      throw new BlobStoreError(
        'offset_mismatch',
        `the upload holds ${held} bytes, a piece at ${offset} cannot follow`,
        { held },
      );
    }
    const announced = await this.readTotal(sha256);
    if (announced !== total) {
      if (held > 0 && announced !== null) {
        throw invalid(`the upload was announced with ${announced} bytes, not ${total}`);
      }
      await this.writeFileAtomic(this.sidecarPath(sha256), JSON.stringify({ total }));
    }

    const part = this.partPath(sha256);
    this.durableHeld.set(sha256, held);
    try {
      const handle = await open(part, constants.O_WRONLY | constants.O_CREAT, 0o644);
      let length: number;
      try {
        // A new .part must stay findable after a crash before any of its bytes count as held.
        if (held === 0) await fsyncDir(this.uploads);
        length = await this.appendTo(handle, offset, total, source);
      } finally {
        await handle.close();
      }
      if (length < total) return { complete: false, held: length };
    } catch (error) {
      throw storeError(error);
    } finally {
      this.durableHeld.delete(sha256);
    }
    try {
      return await this.completeUpload(sha256, total);
    } catch (error) {
      throw storeError(error);
    }
  }

  /**
   * Writes the piece at `offset` and fsyncs it; resolves to the new size. On failure, keeps
   * what arrived if it can be made durable (so an interrupted upload resumes from there), else
   * the previous size, and reports the size it kept as the error's details.held.
   */
  private async appendTo(
    handle: FileHandle,
    offset: number,
    total: number,
    source: ByteSource,
  ): Promise<number> {
    const writer = new StagedWriter(handle, offset);
    let received = 0;
    try {
      await consume(source, async (piece) => {
        if (offset + received + piece.length > total) {
          throw invalid(`the piece goes beyond the announced total of ${total} bytes`);
        }
        received += piece.length;
        await writer.push(piece);
      });
      await writer.flush();
      await handle.sync();
      return offset + received;
    } catch (error) {
      throw withHeld(error, await this.keepDurable(handle, writer, offset, total));
    }
  }

  /**
   * After a failed piece: what the file holds once made durable. Never the whole total, which
   * would be an upload that is complete yet not stored (its last byte comes again instead).
   */
  private async keepDurable(
    handle: FileHandle,
    writer: StagedWriter,
    offset: number,
    total: number,
  ): Promise<number> {
    try {
      await writer.flush();
    } catch {
      // The disk refused the rest: keep what it took, checked just below.
    }
    try {
      const { size } = await handle.stat();
      const kept = total > 0 ? Math.min(size, total - 1) : 0;
      if (kept < size) await handle.truncate(kept);
      await handle.sync();
      return kept;
    } catch {
      // Unknown what reached the disk: go back to what was durable before this piece.
    }
    try {
      await handle.truncate(offset);
      await handle.sync();
      return offset;
    } catch {
      // Not even that: drop the size to zero so that held never claims bytes we cannot vouch
      // for; the client starts over.
      await handle.truncate(0).catch(() => undefined);
      return 0;
    }
  }

  private async completeUpload(sha256: string, total: number): Promise<AppendResult> {
    const part = this.partPath(sha256);
    const actual = await hashFile(part);
    if (actual !== sha256) {
      await this.discardPartial(sha256);
      throw new BlobStoreError(
        'hash_mismatch',
        `the upload's ${total} bytes hash to ${actual}, not ${sha256}: discarded`,
      );
    }
    await this.publish(part, sha256);
    // Read-only like every object (the .part stayed writable so that a failed publish can be
    // retried by the next append).
    await chmod(this.objectPath(sha256), 0o444).catch(() => undefined);
    await rm(this.sidecarPath(sha256), { force: true });
    return { complete: true, created: true, length: total };
  }

  async abandon(sha256: string): Promise<void> {
    checkSha(sha256);
    await this.withLock(sha256, () => this.discardPartial(sha256));
  }

  async read(sha256: string, range?: ByteRange): Promise<AsyncIterable<Uint8Array>> {
    checkSha(sha256);
    let handle: FileHandle;
    try {
      handle = await open(this.objectPath(sha256), 'r');
    } catch (error) {
      if (isMissing(error)) throw new BlobStoreError('not_found', `no blob ${sha256}`);
      throw error;
    }
    try {
      const { size } = await handle.stat();
      const start = range?.start ?? 0;
      const end = range?.end ?? size;
      if (
        !Number.isSafeInteger(start) ||
        !Number.isSafeInteger(end) ||
        start < 0 ||
        start > end ||
        end > size
      ) {
        throw invalid(`range [${start}, ${end}) is not within the blob's ${size} bytes`);
      }
      if (start === end) {
        await handle.close();
        return (async function* empty() {})();
      }
      // The stream owns the descriptor from here: it closes it at the end, on an error, or
      // when the reader stops early (an async iterator's return() destroys the stream).
      return handle.createReadStream({ start, end: end - 1, highWaterMark: READ_CHUNK_BYTES });
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  async readAll(sha256: string): Promise<Uint8Array> {
    checkSha(sha256);
    try {
      const bytes = await readFile(this.objectPath(sha256));
      return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    } catch (error) {
      if (isMissing(error)) throw new BlobStoreError('not_found', `no blob ${sha256}`);
      throw error;
    }
  }

  async delete(sha256: string): Promise<void> {
    checkSha(sha256);
    // A Zarr key hard-linked to this object keeps its bytes: it is the current version of that
    // chunk, and removing it is the Zarr view's business, not the garbage collector's.
    await rm(this.objectPath(sha256), { force: true });
  }

  async *list(): AsyncIterable<string> {
    for (const prefix of HEX_PREFIXES) {
      let names: string[];
      try {
        names = await readdir(path.join(this.objects, prefix));
      } catch (error) {
        if (isMissing(error)) continue;
        throw error;
      }
      for (const name of names) {
        if (isSha256Hex(name) && name.startsWith(prefix)) yield name;
      }
    }
  }

  async writeZarrMetadata(zarrPath: ZarrPath, metadata: object): Promise<void> {
    checkZarrPath(zarrPath);
    let json: string;
    try {
      json = JSON.stringify(metadata, null, 2);
    } catch (error) {
      throw new BlobStoreError('invalid', 'the metadata is not JSON', {}, { cause: error });
    }
    if (typeof (json as unknown) !== 'string') throw invalid('the metadata is not a JSON object');
    const target = path.join(this.zarrDir(zarrPath), ZARR_METADATA_KEY);
    await this.placeZarrFile(target, async (temp) => {
      await writeFile(temp, json, { flag: 'wx' });
    });
    this.unsyncedZarr.add(target);
  }

  async setZarrChunk(zarrPath: ZarrPath, key: readonly string[], sha256: string): Promise<void> {
    checkZarrPath(zarrPath);
    checkZarrChunkKey(key);
    checkSha(sha256);
    const object = this.objectPath(sha256);
    await this.placeZarrFile(path.join(this.zarrDir(zarrPath), ...key), async (temp) => {
      try {
        // A hard link shares the object's (verified, read-only) inode: no copy, and the key
        // keeps its bytes even after the object is garbage-collected.
        await link(object, temp);
      } catch (error) {
        if (isMissing(error)) throw new BlobStoreError('not_found', `no blob ${sha256}`);
        // EXDEV: zarr/ is on another filesystem; EPERM/ENOTSUP: no hard links there; EMLINK:
        // the inode has the most links the filesystem allows (a common chunk, e.g. all fill
        // value, under thousands of keys). A durable copy does instead.
        if (!['EXDEV', 'EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EMLINK'].includes(errnoOf(error) ?? '')) {
          throw error;
        }
        await this.copyDurable(object, temp, sha256);
      }
    });
  }

  /**
   * Puts a file of the Zarr view in place atomically: `fill` creates it complete under a temp
   * name, rename(2) replaces the target (a reader sees the old file or the new one, never a
   * mix); the folder is fsynced at the next syncZarr(). The temp lives in tmp/, which open()
   * empties after a crash; only when zarr/ is on another filesystem (rename: EXDEV) does it
   * live beside the target, under a dotted name that is never a key.
   */
  private async placeZarrFile(
    target: string,
    fill: (temp: string) => Promise<void>,
  ): Promise<void> {
    const dir = path.dirname(target);
    try {
      await this.mkdirDurable(dir);
      try {
        await this.fillAndRename(this.tempPath(), target, fill);
      } catch (error) {
        if (errnoOf(error) !== 'EXDEV') throw error;
        const beside = path.join(dir, `.fieldlake-tmp-${randomBytes(12).toString('hex')}`);
        await this.fillAndRename(beside, target, fill);
      }
      this.unsyncedZarr.add(dir);
    } catch (error) {
      throw storeError(error);
    }
  }

  private async fillAndRename(
    temp: string,
    target: string,
    fill: (temp: string) => Promise<void>,
  ): Promise<void> {
    try {
      await fill(temp);
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

  private async copyDurable(from: string, to: string, sha256: string): Promise<void> {
    try {
      await copyFile(from, to, constants.COPYFILE_EXCL);
    } catch (error) {
      if (isMissing(error)) throw new BlobStoreError('not_found', `no blob ${sha256}`);
      throw error;
    }
    const handle = await open(to, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await chmod(to, 0o444);
  }

  async readZarr(zarrPath: ZarrPath, key: readonly string[]): Promise<Uint8Array | undefined> {
    checkZarrPath(zarrPath);
    checkZarrKey(key);
    try {
      const bytes = await readFile(path.join(this.zarrDir(zarrPath), ...key));
      return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    } catch (error) {
      // ENOTDIR: a parent is a file; EISDIR: the key names a folder (c/<i> of a 2-D array).
      if (['ENOENT', 'ENOTDIR', 'EISDIR'].includes(errnoOf(error) ?? '')) return undefined;
      throw error;
    }
  }

  async removeZarrNode(zarrPath: ZarrPath): Promise<void> {
    checkZarrPath(zarrPath);
    const dir = this.zarrDir(zarrPath);
    // Moved out of the view first, in one rename, so that readers never see half a node; the
    // slow rm -r then runs in tmp/, which open() empties if we die meanwhile.
    const trash = this.tempPath();
    try {
      await rename(dir, trash);
    } catch (error) {
      const code = errnoOf(error);
      if (code === 'ENOENT' || code === 'ENOTDIR') return;
      // zarr/ on another filesystem (EXDEV) or a mount point itself (EBUSY): remove in place.
      if (code !== 'EXDEV' && code !== 'EBUSY') throw error;
      await this.removeInPlace(dir, zarrPath.length === 0);
      return;
    }
    if (zarrPath.length === 0) await mkdir(this.zarr);
    await fsyncDir(path.dirname(dir));
    await rm(trash, { recursive: true, force: true });
  }

  async syncZarr(): Promise<void> {
    const paths = [...this.unsyncedZarr];
    this.unsyncedZarr.clear();
    let next = 0;
    const failures: unknown[] = [];
    // Several fsyncs in flight: the journal commits them together.
    const worker = async (): Promise<void> => {
      while (next < paths.length) {
        const file = paths[next++] ?? '';
        try {
          const handle = await open(file, 'r');
          try {
            await handle.sync();
          } finally {
            await handle.close();
          }
        } catch (error) {
          // Removed since (a deleted node, a folder renamed away): nothing left to keep.
          if (!['ENOENT', 'ENOTDIR'].includes(errnoOf(error) ?? '')) failures.push(error);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(ZARR_SYNCS_IN_FLIGHT, paths.length) }, worker));
    if (failures.length > 0) {
      for (const file of paths) this.unsyncedZarr.add(file);
      throw storeError(failures[0]);
    }
  }

  private async removeInPlace(dir: string, keepDir: boolean): Promise<void> {
    if (!keepDir) {
      await rm(dir, { recursive: true, force: true });
      return;
    }
    for (const name of await readdir(dir)) {
      await rm(path.join(dir, name), { recursive: true, force: true });
    }
  }

  async close(): Promise<void> {
    // Nothing stays open between calls; wait for appends in flight so their fsyncs finish.
    await Promise.all(this.locks.values());
  }
}

/** Opens (creating if needed) the filesystem blob store under `root`; clears crash leftovers. */
export async function openFsBlobStore(root: string): Promise<BlobStore> {
  const store = new FsBlobStore(path.resolve(root));
  await store.init();
  return store;
}
