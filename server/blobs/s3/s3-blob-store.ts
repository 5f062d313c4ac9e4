// The scale-out lake's byte store, in one bucket (under an optional prefix) of any
// S3-compatible object store, shared by every instance of the lake:
//
//   objects/<sha256>                          complete, verified blobs: the hash index
//   uploads/<sha256>/<offset>-<total>-<nonce> the pieces of an unfinished resumable upload
//   zarr/<path>/<key>                         the Zarr v3 view: zarr.json files, and chunk keys
//                                             that are server-side copies of their objects
//
// Nothing unverified is ever visible under objects/: a blob of up to PART_BYTES is hashed in
// memory and stored by one PutObject only when the hash matches; a longer one goes up as a
// multipart upload that is completed (made visible, atomically) only then, and aborted
// otherwise. A crash mid-way leaves an incomplete multipart upload, which is invisible; give
// the bucket an AbortIncompleteMultipartUpload lifecycle rule (e.g. 1 day) to reclaim them.
//
// Instances share no memory, so every decision is made from what the bucket says, and every
// write is one that a racing instance may repeat harmlessly:
// - objects/<sha> only ever holds the bytes that hash to <sha>: two instances storing the same
//   blob write the same bytes to the same key, and either write may win.
// - A piece of an upload is a new key every time (a random nonce) and is never overwritten or
//   changed, so a piece a reader listed still holds what it listed, and pieces written by two
//   instances at the same offset simply overlap (an offset of one blob names the same bytes in
//   both). What is held is the contiguous coverage from byte 0 of the pieces that agree on the
//   total; completing reads exactly those bytes in order, verifies the hash and stores the
//   blob, then deletes the pieces. Within one instance, appends of one hash run one at a time
//   (so one of two pieces at the same offset gets offset_mismatch, as on the filesystem);
//   across instances both may succeed, which costs only a duplicate piece.
// - A Zarr chunk key is replaced by one CopyObject (atomic on S3): a reader sees the old
//   version or the new one. Removing a node deletes its zarr.json first (S3 has no rename), so
//   a reader stops finding the node before its other keys go.
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  type CompletedPart,
  type DeleteObjectsCommandOutput,
  type GetObjectCommandOutput,
  type ListObjectsCommandOutput,
} from '@aws-sdk/client-s3';
import { isSha256Hex } from '../../../src/shared/chunk/sha256.ts';
import {
  BlobStoreError,
  type AppendResult,
  type BlobStore,
  type ByteRange,
  type ByteSource,
  type PartialState,
  type PutResult,
  type ZarrPath,
} from '../types.ts';
import { checkZarrChunkKey, checkZarrKey, checkZarrPath, ZARR_METADATA_KEY } from '../zarr-path.ts';
import { normalizeS3Config, S3ConfigError, type S3Config } from './config.ts';

const MiB = 1024 * 1024;

/**
 * A blob up to this long is verified in memory and stored with one PutObject (chunks are
 * usually 1 MiB: nearly all of them); a longer one goes up in parts of this size (S3 wants at
 * least 5 MiB per part but the last). It also bounds the memory of one put.
 */
const PART_BYTES = 8 * MiB;
/** S3's limit on the parts of one multipart upload. */
const MAX_PARTS = 10_000;
/**
 * The most one piece of a resumable upload holds: a long append is stored as several pieces,
 * so memory stays bounded and what arrived becomes durable in steps of this size.
 */
const PIECE_BYTES = 8 * MiB;
/** A source given as one buffer is read in slices of this size. */
const SOURCE_SLICE_BYTES = MiB;
/** DeleteObjects takes at most 1000 keys. */
const DELETE_BATCH = 1000;
/** Offsets in piece names are zero-padded so that names sort as offsets do. */
const OFFSET_DIGITS = 16;
const PIECE_NAME = /^(\d{16})-(\d{1,16})-[0-9a-f]{16}$/;

// ---------------------------------------------------------------------------------------------
// Errors

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

function field(error: unknown, name: string): unknown {
  return typeof error === 'object' && error !== null && name in error
    ? (error as Record<string, unknown>)[name]
    : undefined;
}

/** The S3 error code (NoSuchKey, SlowDown, …), which the SDK puts in the error's name. */
function s3Code(error: unknown): string | undefined {
  const name = field(error, 'name');
  return typeof name === 'string' ? name : undefined;
}

function httpStatus(error: unknown): number | undefined {
  const status = field(field(error, '$metadata'), 'httpStatusCode');
  return typeof status === 'number' ? status : undefined;
}

/**
 * A missing object: NoSuchKey, or NotFound from a HEAD (which has no body to name the code).
 * Not any 404: NoSuchBucket (a misconfigured lake) must not read as "no such blob". (A HEAD
 * cannot tell a missing bucket from a missing key; openS3BlobStore checks the bucket, and every
 * other request of the lake names NoSuchBucket.)
 */
function isMissingObject(error: unknown): boolean {
  const code = s3Code(error);
  return code === 'NoSuchKey' || code === 'NotFound';
}

const NETWORK_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'ETIMEDOUT',
]);
const TIMEOUT_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);
/** What stores answer when they are full: MinIO, Ceph (quota), and HTTP 507 from any. */
const NO_SPACE_CODES = new Set(['XMinioStorageFull', 'QuotaExceeded', 'InsufficientStorage']);

/**
 * An object-store error as the interface reports it: a full store is no_space, an object over
 * the store's limit too_large, and a store that cannot be reached or fails (5xx after the
 * SDK's retries, throttling, network errors, timeouts) unavailable, which a client retries.
 * Anything else (access denied, no such bucket: a misconfiguration) passes through unchanged.
 */
function storeError(error: unknown): unknown {
  if (error instanceof BlobStoreError) return error;
  const code = s3Code(error);
  const status = httpStatus(error);
  if (code === 'EntityTooLarge') {
    return new BlobStoreError(
      'too_large',
      'the object store refused the blob as too large',
      {},
      {
        cause: error,
      },
    );
  }
  if ((code !== undefined && NO_SPACE_CODES.has(code)) || status === 507) {
    return new BlobStoreError('no_space', 'the object store is out of space', {}, { cause: error });
  }
  const errno = field(error, 'code');
  if (
    (status !== undefined && (status >= 500 || status === 429)) ||
    code === 'SlowDown' ||
    (code !== undefined && TIMEOUT_NAMES.has(code)) ||
    (typeof errno === 'string' && NETWORK_ERRORS.has(errno))
  ) {
    const reason = error instanceof Error ? error.message : String(error);
    return new BlobStoreError(
      'unavailable',
      `the object store is unavailable (${code ?? 'error'}: ${reason})`,
      {},
      { cause: error },
    );
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
    { cause: mapped.cause },
  );
}

/** A piece of an upload disappeared while it was read: another instance finished with it. */
class PieceGone extends Error {
  override name = 'PieceGone';
}

// ---------------------------------------------------------------------------------------------
// Bytes in

/**
 * Reads a source piece by piece, calling `take` for each. A failing source is `aborted`. On an
 * early stop the rest is left unread and never cancelled: the source is the caller's.
 */
async function consume(
  source: ByteSource,
  take: (piece: Uint8Array) => Promise<void>,
): Promise<void> {
  if (source instanceof Uint8Array) {
    // In slices: the store copies what it gathers, and a copy of a part at a time (not of the
    // whole buffer at once) keeps a long in-memory source from being held twice.
    if (source.length === 0) await take(source);
    for (let at = 0; at < source.length; at += SOURCE_SLICE_BYTES) {
      await take(source.subarray(at, at + SOURCE_SLICE_BYTES));
    }
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

/**
 * Pieces gathered in order until there are enough for a request. Pieces are copied as they
 * arrive: a producer may reuse its buffer after handing it over, and the hash was taken of the
 * bytes as they were then.
 */
class Gather {
  private pieces: Buffer[] = [];
  length = 0;

  add(piece: Uint8Array): void {
    if (piece.length === 0) return;
    this.pieces.push(Buffer.from(piece));
    this.length += piece.length;
  }

  /** Removes and returns the first `count` bytes (at most what is gathered). */
  take(count: number): Buffer {
    const size = Math.min(count, this.length);
    const first = this.pieces[0];
    if (first !== undefined && first.length === size) {
      this.pieces.shift();
      this.length -= size;
      return first;
    }
    const out = Buffer.allocUnsafe(size);
    let at = 0;
    while (at < size) {
      const piece = this.pieces[0];
      if (piece === undefined) break;
      const used = Math.min(piece.length, size - at);
      out.set(piece.subarray(0, used), at);
      at += used;
      if (used === piece.length) this.pieces.shift();
      else this.pieces[0] = piece.subarray(used);
    }
    this.length -= size;
    return out;
  }

  clear(): void {
    this.pieces = [];
    this.length = 0;
  }
}

/**
 * The body of a GetObject as exactly the bytes [skip, skip + length) of what the store sent
 * (all of them when the length is unknown): some servers answer a one-byte range (bytes=0-0)
 * with more than asked, and a short body must fail rather than pass for a shorter blob. The
 * HTTP response is destroyed when the reader stops early, fails, or has its bytes.
 */
async function* exactBytes(
  body: Readable,
  skip: number,
  length: number | undefined,
): AsyncGenerator<Uint8Array> {
  let toSkip = skip;
  let left = length ?? Number.POSITIVE_INFINITY;
  try {
    if (left > 0) {
      for await (const chunk of body as AsyncIterable<Buffer>) {
        let piece = chunk;
        if (toSkip > 0) {
          const skipped = Math.min(toSkip, piece.length);
          toSkip -= skipped;
          piece = piece.subarray(skipped);
        }
        if (piece.length === 0) continue;
        if (piece.length > left) piece = piece.subarray(0, left);
        left -= piece.length;
        yield piece;
        if (left === 0) break;
      }
    }
  } catch (error) {
    throw storeError(error);
  } finally {
    body.destroy();
  }
  if (length !== undefined && left > 0) {
    throw new BlobStoreError(
      'unavailable',
      `the object store sent ${length - left} of ${length} bytes`,
    );
  }
}

function bodyStream(output: GetObjectCommandOutput): Readable {
  const body = output.Body;
  if (body === undefined) return Readable.from([]);
  if (body instanceof Readable) return body;
  // Node's SDK always answers with an http.IncomingMessage; anything else is a setup we do not
  // know (a browser-style fetch handler).
  throw new Error('the S3 client returned a body that is not a Node stream');
}

/** `bytes a-b/size` (or `bytes a-b/*`) of a ranged GetObject. */
function parseContentRange(
  header: string | undefined,
): { first: number; size: number | undefined } | undefined {
  const match = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(header ?? '');
  if (match?.[1] === undefined || match[3] === undefined) return undefined;
  return { first: Number(match[1]), size: match[3] === '*' ? undefined : Number(match[3]) };
}

// ---------------------------------------------------------------------------------------------
// Uploads

interface Piece {
  key: string;
  offset: number;
  size: number;
  total: number;
}

/** Bytes [from, to) of a piece object, in the order that rebuilds the blob. */
interface Segment {
  key: string;
  from: number;
  to: number;
}

interface UploadState extends PartialState {
  /** Every piece listed, usable or not (what discarding deletes). */
  pieces: Piece[];
  /** How the bytes held are read back. */
  segments: Segment[];
}

/**
 * What the pieces of an upload hold: the coverage from byte 0 of the pieces that agree with the
 * total of the (longest) piece at offset 0. Pieces may overlap (two instances appended at the
 * same offset) and the overlap is read once; a gap ends what is held.
 */
function coverage(pieces: Piece[]): UploadState {
  const sorted = pieces
    .filter((piece) => piece.size > 0)
    .sort((a, b) => a.offset - b.offset || b.size - a.size);
  const first = sorted[0];
  if (first?.offset !== 0) return { held: 0, total: null, pieces, segments: [] };
  const total = first.total;
  let held = 0;
  const segments: Segment[] = [];
  for (const piece of sorted) {
    if (piece.total !== total) continue;
    if (piece.offset > held) break;
    const end = Math.min(piece.offset + piece.size, total);
    if (end <= held) continue;
    segments.push({ key: piece.key, from: held - piece.offset, to: end - piece.offset });
    held = end;
  }
  return { held, total, pieces, segments };
}

// ---------------------------------------------------------------------------------------------
// The store

class S3BlobStore implements BlobStore {
  /** One append (or abandon) at a time per hash in this instance. */
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    /** '' or 'prefix/'. */
    private readonly root: string,
    /** Keys per listing request: S3's most (1000) but in tests of paging. */
    private readonly listPageSize: number,
  ) {}

  private objectKey(sha256: string): string {
    return `${this.root}objects/${sha256}`;
  }

  private uploadPrefix(sha256: string): string {
    return `${this.root}uploads/${sha256}/`;
  }

  private pieceKey(sha256: string, offset: number, total: number): string {
    const padded = String(offset).padStart(OFFSET_DIGITS, '0');
    return `${this.uploadPrefix(sha256)}${padded}-${total}-${randomBytes(8).toString('hex')}`;
  }

  /** zarr/ then the node's names: '' for the root (keys are then zarr/<key>). */
  private zarrPrefix(path: ZarrPath): string {
    return `${this.root}zarr/${path.map((name) => `${name}/`).join('')}`;
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

  // -- S3 requests, each with its errors mapped -------------------------------------------------

  private async head(key: string): Promise<{ length: number } | undefined> {
    try {
      const output = await this.client.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: key }),
      );
      return { length: output.ContentLength ?? 0 };
    } catch (error) {
      if (isMissingObject(error)) return undefined;
      throw storeError(error);
    }
  }

  private async putBytes(key: string, bytes: Uint8Array, contentType: string): Promise<void> {
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: bytes,
          ContentLength: bytes.length,
          ContentType: contentType,
        }),
      );
    } catch (error) {
      throw storeError(error);
    }
  }

  /** The object's bytes, or undefined when there is no such key. */
  private async getBytes(key: string): Promise<Uint8Array | undefined> {
    let output: GetObjectCommandOutput;
    try {
      output = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (error) {
      if (isMissingObject(error)) return undefined;
      throw storeError(error);
    }
    const pieces: Uint8Array[] = [];
    for await (const piece of exactBytes(bodyStream(output), 0, output.ContentLength)) {
      pieces.push(piece);
    }
    const bytes = Buffer.concat(pieces);
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /**
   * Bytes [start, end) of an object; undefined when it does not exist. Throws `invalid` when
   * the range is not within the object.
   */
  private async getRange(
    key: string,
    start: number,
    end: number,
  ): Promise<AsyncIterable<Uint8Array> | undefined> {
    let output: GetObjectCommandOutput;
    try {
      output = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: `bytes=${start}-${end - 1}` }),
      );
    } catch (error) {
      if (isMissingObject(error)) return undefined;
      if (s3Code(error) === 'InvalidRange') {
        throw invalid(`range [${start}, ${end}) starts beyond the end of the blob`);
      }
      throw storeError(error);
    }
    const body = bodyStream(output);
    // A server that ignores Range answers 200 with the whole object.
    const range = parseContentRange(output.ContentRange) ?? {
      first: 0,
      size: output.ContentLength,
    };
    if (range.size !== undefined && end > range.size) {
      body.destroy();
      throw invalid(`range [${start}, ${end}) is not within the blob's ${range.size} bytes`);
    }
    if (range.first > start) {
      body.destroy();
      throw new BlobStoreError(
        'unavailable',
        `the object store answered bytes from ${range.first} when asked from ${start}`,
      );
    }
    return exactBytes(body, start - range.first, end - start);
  }

  /** Keys (and sizes) under a prefix, in key order, page by page. */
  private async *listKeys(prefix: string): AsyncGenerator<{ key: string; size: number }> {
    // ListObjects (v1) with a marker rather than v2 with a continuation token: every
    // S3-compatible store speaks v1 the same way, and s3rver's v2 tokens use DES, which the
    // OpenSSL 3 of Node 20 refuses.
    let marker: string | undefined;
    for (;;) {
      let output: ListObjectsCommandOutput;
      try {
        output = await this.client.send(
          new ListObjectsCommand({
            Bucket: this.bucket,
            Prefix: prefix,
            MaxKeys: this.listPageSize,
            ...(marker === undefined ? {} : { Marker: marker }),
          }),
        );
      } catch (error) {
        throw storeError(error);
      }
      const contents = output.Contents ?? [];
      for (const entry of contents) {
        if (entry.Key !== undefined) yield { key: entry.Key, size: entry.Size ?? 0 };
      }
      const last = contents.at(-1)?.Key;
      if (output.IsTruncated !== true || last === undefined) return;
      marker = output.NextMarker ?? last;
    }
  }

  private async deleteKeys(keys: readonly string[]): Promise<void> {
    for (let at = 0; at < keys.length; at += DELETE_BATCH) {
      const batch = keys.slice(at, at + DELETE_BATCH);
      let output: DeleteObjectsCommandOutput;
      try {
        output = await this.client.send(
          new DeleteObjectsCommand({
            Bucket: this.bucket,
            Delete: { Objects: batch.map((key) => ({ Key: key })), Quiet: true },
          }),
        );
      } catch (error) {
        throw storeError(error);
      }
      const failed = output.Errors?.find((entry) => entry.Code !== 'NoSuchKey');
      if (failed !== undefined) {
        const error = Object.assign(
          new Error(`deleting ${failed.Key ?? '?'} failed: ${failed.Message ?? ''}`),
          { name: failed.Code ?? 'Error' },
        );
        throw storeError(error);
      }
    }
  }

  // -- Verified objects -------------------------------------------------------------------------

  /**
   * Stores under objects/<sha256> the bytes `feed` produces, if and only if they hash to
   * sha256 (else hash_mismatch, nothing visible). created: false when the blob was there
   * already once the bytes were in.
   */
  private async storeVerified(
    sha256: string,
    maxLength: number,
    feed: (push: (piece: Uint8Array) => Promise<void>) => Promise<void>,
  ): Promise<PutResult> {
    const key = this.objectKey(sha256);
    const hash = createHash('sha256');
    const gathered = new Gather();
    const parts: CompletedPart[] = [];
    let uploadId: string | undefined;
    let length = 0;

    const uploadPart = async (bytes: Buffer): Promise<void> => {
      if (parts.length >= MAX_PARTS) {
        throw new BlobStoreError('too_large', `the blob is longer than ${MAX_PARTS} parts`);
      }
      uploadId ??= await this.createMultipart(key);
      const partNumber = parts.length + 1;
      const output = await this.client.send(
        new UploadPartCommand({
          Bucket: this.bucket,
          Key: key,
          UploadId: uploadId,
          PartNumber: partNumber,
          Body: bytes,
          ContentLength: bytes.length,
        }),
      );
      parts.push({ PartNumber: partNumber, ETag: output.ETag });
    };

    try {
      await feed(async (piece) => {
        if (length + piece.length > maxLength) {
          throw new BlobStoreError('too_large', `the blob is longer than ${maxLength} bytes`);
        }
        length += piece.length;
        hash.update(piece);
        gathered.add(piece);
        while (gathered.length >= PART_BYTES) await uploadPart(gathered.take(PART_BYTES));
      });
      const actual = hash.digest('hex');
      if (actual !== sha256) {
        throw new BlobStoreError(
          'hash_mismatch',
          `the bytes hash to ${actual}, not ${sha256}: nothing kept`,
        );
      }
      // Another put of the same hash may have finished meanwhile: its bytes are the same.
      if ((await this.head(key)) !== undefined) {
        await this.abortMultipart(key, uploadId);
        return { created: false, length };
      }
      if (uploadId === undefined) {
        await this.putBytes(key, gathered.take(gathered.length), 'application/octet-stream');
        return { created: true, length };
      }
      if (gathered.length > 0) await uploadPart(gathered.take(gathered.length));
      await this.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.bucket,
          Key: key,
          UploadId: uploadId,
          MultipartUpload: { Parts: parts },
        }),
      );
      return { created: true, length };
    } catch (error) {
      gathered.clear();
      await this.abortMultipart(key, uploadId);
      throw storeError(error);
    }
  }

  private async createMultipart(key: string): Promise<string> {
    const output = await this.client.send(
      new CreateMultipartUploadCommand({
        Bucket: this.bucket,
        Key: key,
        ContentType: 'application/octet-stream',
      }),
    );
    if (output.UploadId === undefined) throw new Error('the object store gave no upload id');
    return output.UploadId;
  }

  /**
   * Best effort: an incomplete multipart upload is invisible either way, and a lifecycle rule
   * reclaims what this misses (s3rver, for one, has no AbortMultipartUpload).
   */
  private async abortMultipart(key: string, uploadId: string | undefined): Promise<void> {
    if (uploadId === undefined) return;
    try {
      await this.client.send(
        new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId }),
      );
    } catch {
      // See above.
    }
  }

  // -- BlobStore --------------------------------------------------------------------------------

  async stat(sha256: string): Promise<{ length: number } | undefined> {
    checkSha(sha256);
    return this.head(this.objectKey(sha256));
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
    const existing = await this.head(this.objectKey(sha256));
    if (existing !== undefined) return { created: false, length: existing.length };
    if (source instanceof Uint8Array && source.length > maxLength) {
      throw new BlobStoreError('too_large', `the blob is longer than ${maxLength} bytes`);
    }
    return this.storeVerified(sha256, maxLength, (push) => consume(source, push));
  }

  private async listPieces(sha256: string): Promise<Piece[]> {
    const prefix = this.uploadPrefix(sha256);
    const pieces: Piece[] = [];
    for await (const { key, size } of this.listKeys(prefix)) {
      const match = PIECE_NAME.exec(key.slice(prefix.length));
      if (match?.[1] === undefined || match[2] === undefined) continue;
      pieces.push({ key, offset: Number(match[1]), size, total: Number(match[2]) });
    }
    return pieces;
  }

  private async uploadState(sha256: string): Promise<UploadState> {
    return coverage(await this.listPieces(sha256));
  }

  async partial(sha256: string): Promise<PartialState> {
    checkSha(sha256);
    const state = await this.uploadState(sha256);
    if (state.pieces.length === 0) return { held: 0, total: null };
    // Pieces of a blob that is stored: an instance died between storing it and deleting them,
    // or appended a piece while another completed the upload. Nothing is unfinished.
    if ((await this.head(this.objectKey(sha256))) !== undefined) {
      await this.discardPartial(sha256);
      return { held: 0, total: null };
    }
    return { held: state.held, total: state.total };
  }

  private async discardPartial(sha256: string): Promise<void> {
    const keys: string[] = [];
    for await (const { key } of this.listKeys(this.uploadPrefix(sha256))) keys.push(key);
    await this.deleteKeys(keys);
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
    const stored = await this.head(this.objectKey(sha256));
    if (stored !== undefined) {
      // Someone finished this blob (another device, another instance, a whole PUT).
      await this.discardPartial(sha256);
      return { complete: true, created: false, length: stored.length };
    }
    const state = await this.uploadState(sha256);
    if (offset !== state.held) {
      // Another instance may have stored the blob and deleted its pieces between our HEAD and
      // the listing: that is completion, not a wrong offset.
      const storedNow = await this.head(this.objectKey(sha256));
      if (storedNow !== undefined) {
        await this.discardPartial(sha256);
        return { complete: true, created: false, length: storedNow.length };
      }
      throw new BlobStoreError(
        'offset_mismatch',
        `the upload holds ${state.held} bytes, a piece at ${offset} cannot follow`,
        { held: state.held },
      );
    }
    if (state.held > 0 && state.total !== total) {
      throw invalid(`the upload was announced with ${state.total ?? '?'} bytes, not ${total}`);
    }
    if (source instanceof Uint8Array && offset + source.length > total) {
      // Known at once (it is read in slices below): refused whole, as on the filesystem.
      throw invalid(`the piece goes beyond the announced total of ${total} bytes`);
    }

    // Nothing at offset 0: whatever else is there (an earlier attempt cut off by a discard, or
    // with another total) can never be part of this upload.
    if (state.held === 0 && state.pieces.length > 0) {
      await this.deleteKeys(state.pieces.map((piece) => piece.key));
    }

    let position = offset;
    const gathered = new Gather();
    const writePiece = async (count: number): Promise<void> => {
      const bytes = gathered.take(count);
      try {
        await this.putBytes(
          this.pieceKey(sha256, position, total),
          bytes,
          'application/octet-stream',
        );
      } catch (error) {
        // What is still gathered follows the bytes that failed: it no longer starts at
        // `position`, so it must never be written there.
        gathered.clear();
        throw error;
      }
      position += bytes.length;
    };
    try {
      await consume(source, async (piece) => {
        if (position + gathered.length + piece.length > total) {
          throw invalid(`the piece goes beyond the announced total of ${total} bytes`);
        }
        gathered.add(piece);
        // The piece that would reach the total waits for the end of the source: if more bytes
        // come (invalid), what is held must stay short of the total.
        while (gathered.length >= PIECE_BYTES && position + PIECE_BYTES < total) {
          await writePiece(PIECE_BYTES);
        }
      });
      if (gathered.length > 0) await writePiece(gathered.length);
    } catch (error) {
      // Keep what arrived (never all of the total: the last byte is then sent again), so the
      // client resumes from there; if even that fails, what was written before stays held.
      const keep = Math.min(gathered.length, total - 1 - position);
      if (keep > 0) await writePiece(keep).catch(() => undefined);
      throw withHeld(error, position);
    }
    if (position < total) return { complete: false, held: position };
    return this.completeUpload(sha256, total);
  }

  /** All `total` bytes are held: verify them and store the blob, then drop the pieces. */
  private async completeUpload(sha256: string, total: number): Promise<AppendResult> {
    const state = await this.uploadState(sha256);
    if (state.held < total || state.total !== total) return this.uploadVanished(sha256);
    let result: PutResult;
    try {
      result = await this.storeVerified(sha256, total, async (push) => {
        for (const segment of state.segments) {
          const bytes = await this.getRange(segment.key, segment.from, segment.to);
          if (bytes === undefined) throw new PieceGone(`${segment.key} is gone`);
          for await (const piece of bytes) await push(piece);
        }
      });
    } catch (error) {
      if (error instanceof PieceGone) return this.uploadVanished(sha256);
      if (error instanceof BlobStoreError && error.code === 'hash_mismatch') {
        await this.discardPartial(sha256);
        throw new BlobStoreError(
          'hash_mismatch',
          `the upload's ${total} bytes do not hash to ${sha256}: discarded`,
          {},
          { cause: error },
        );
      }
      throw storeError(error);
    }
    await this.discardPartial(sha256);
    return { complete: true, created: result.created, length: total };
  }

  /**
   * The pieces went away under us: another instance completed the upload (the blob is there)
   * or discarded it (the client must resume from what is held now).
   */
  private async uploadVanished(sha256: string): Promise<AppendResult> {
    const stored = await this.head(this.objectKey(sha256));
    if (stored !== undefined) {
      await this.discardPartial(sha256);
      return { complete: true, created: false, length: stored.length };
    }
    const { held } = await this.uploadState(sha256);
    throw new BlobStoreError(
      'offset_mismatch',
      `the upload changed meanwhile and now holds ${held} bytes`,
      { held },
    );
  }

  async abandon(sha256: string): Promise<void> {
    checkSha(sha256);
    await this.withLock(sha256, () => this.discardPartial(sha256));
  }

  async read(sha256: string, range?: ByteRange): Promise<AsyncIterable<Uint8Array>> {
    checkSha(sha256);
    const key = this.objectKey(sha256);
    if (range === undefined) {
      let output: GetObjectCommandOutput;
      try {
        output = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      } catch (error) {
        if (isMissingObject(error)) throw new BlobStoreError('not_found', `no blob ${sha256}`);
        throw storeError(error);
      }
      return exactBytes(bodyStream(output), 0, output.ContentLength);
    }
    const { start, end } = range;
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || start > end) {
      throw invalid(`range [${start}, ${end}) is not a range of bytes`);
    }
    if (start === end) {
      // No bytes to ask for (S3 has no empty range): the blob must exist and reach `end`.
      const stored = await this.head(key);
      if (stored === undefined) throw new BlobStoreError('not_found', `no blob ${sha256}`);
      if (end > stored.length) {
        throw invalid(`range [${start}, ${end}) is not within the blob's ${stored.length} bytes`);
      }
      return (async function* empty() {})();
    }
    const bytes = await this.getRange(key, start, end);
    if (bytes === undefined) throw new BlobStoreError('not_found', `no blob ${sha256}`);
    return bytes;
  }

  async readAll(sha256: string): Promise<Uint8Array> {
    checkSha(sha256);
    const bytes = await this.getBytes(this.objectKey(sha256));
    if (bytes === undefined) throw new BlobStoreError('not_found', `no blob ${sha256}`);
    return bytes;
  }

  async delete(sha256: string): Promise<void> {
    checkSha(sha256);
    // Zarr keys are copies: deleting the object leaves the current versions readable.
    try {
      await this.client.send(
        new DeleteObjectCommand({ Bucket: this.bucket, Key: this.objectKey(sha256) }),
      );
    } catch (error) {
      if (isMissingObject(error)) return;
      throw storeError(error);
    }
  }

  async *list(): AsyncIterable<string> {
    const prefix = `${this.root}objects/`;
    for await (const { key } of this.listKeys(prefix)) {
      const name = key.slice(prefix.length);
      if (isSha256Hex(name)) yield name;
    }
  }

  async writeZarrMetadata(path: ZarrPath, metadata: object): Promise<void> {
    checkZarrPath(path);
    let json: string;
    try {
      json = JSON.stringify(metadata, null, 2);
    } catch (error) {
      throw new BlobStoreError('invalid', 'the metadata is not JSON', {}, { cause: error });
    }
    if (typeof (json as unknown) !== 'string') throw invalid('the metadata is not a JSON object');
    await this.putBytes(
      `${this.zarrPrefix(path)}${ZARR_METADATA_KEY}`,
      Buffer.from(json, 'utf8'),
      'application/json',
    );
  }

  async setZarrChunk(path: ZarrPath, key: readonly string[], sha256: string): Promise<void> {
    checkZarrPath(path);
    checkZarrChunkKey(key);
    checkSha(sha256);
    const source = this.objectKey(sha256).split('/').map(encodeURIComponent).join('/');
    try {
      // Server-side: the bytes never pass through the lake, and the copy replaces the key in
      // one step. A copy (not a pointer) keeps the key readable after the object is collected.
      await this.client.send(
        new CopyObjectCommand({
          Bucket: this.bucket,
          Key: `${this.zarrPrefix(path)}${key.join('/')}`,
          CopySource: `${encodeURIComponent(this.bucket)}/${source}`,
        }),
      );
    } catch (error) {
      if (isMissingObject(error)) throw new BlobStoreError('not_found', `no blob ${sha256}`);
      throw storeError(error);
    }
  }

  async readZarr(path: ZarrPath, key: readonly string[]): Promise<Uint8Array | undefined> {
    checkZarrPath(path);
    checkZarrKey(key);
    return this.getBytes(`${this.zarrPrefix(path)}${key.join('/')}`);
  }

  async removeZarrNode(path: ZarrPath): Promise<void> {
    checkZarrPath(path);
    const prefix = this.zarrPrefix(path);
    // S3 has no rename to take a node out of the view at once: its zarr.json goes first, so a
    // reader stops finding the node, then its keys one page at a time (bounded memory
    // whatever the node's size; deleting behind a listing's marker does not disturb it).
    await this.deleteKeys([`${prefix}${ZARR_METADATA_KEY}`]);
    let batch: string[] = [];
    for await (const { key } of this.listKeys(prefix)) {
      batch.push(key);
      if (batch.length === DELETE_BATCH) {
        await this.deleteKeys(batch);
        batch = [];
      }
    }
    await this.deleteKeys(batch);
  }

  /** Every S3 write is durable when it returns: nothing to do. */
  syncZarr(): Promise<void> {
    return Promise.resolve();
  }

  async close(): Promise<void> {
    // Appends in flight finish their requests first; then the client's sockets are closed.
    await Promise.all(this.locks.values());
    this.client.destroy();
  }
}

function clientFor(config: S3Config): S3Client {
  return new S3Client({
    ...(config.endpoint === undefined ? {} : { endpoint: config.endpoint }),
    region: config.region,
    forcePathStyle: config.forcePathStyle ?? config.endpoint !== undefined,
    ...(config.accessKeyId === undefined || config.secretAccessKey === undefined
      ? {}
      : {
          credentials: {
            accessKeyId: config.accessKeyId,
            secretAccessKey: config.secretAccessKey,
          },
        }),
    // The SDK's default checksums (CRC32 in aws-chunked trailers) break most S3-compatible
    // stores, and add nothing here: every blob's SHA-256 is checked before it is stored.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    // A store that does not answer fails a request in seconds (then `unavailable`), not after
    // the operating system's connect timeout.
    requestHandler: { connectionTimeout: 10_000 },
  });
}

export interface S3BlobStoreOptions {
  /** Keys per listing request (default and most: 1000). Tests lower it to exercise paging. */
  listPageSize?: number;
}

/**
 * Opens the blob store in an S3 bucket (it must exist: the lake does not create buckets).
 * Checks that the bucket can be reached with the credentials given; throws S3ConfigError when
 * it does not exist, access is denied or there are no credentials, BlobStoreError
 * `unavailable` when the store cannot be reached.
 */
export async function openS3BlobStore(
  config: S3Config,
  options: S3BlobStoreOptions = {},
): Promise<BlobStore> {
  const listPageSize = options.listPageSize ?? 1000;
  if (!Number.isSafeInteger(listPageSize) || listPageSize < 1 || listPageSize > 1000) {
    throw new RangeError(`listPageSize must be 1 to 1000, got ${listPageSize}`);
  }
  const checked = normalizeS3Config(config);
  const client = clientFor(checked);
  const where = `bucket ${checked.bucket}${checked.endpoint === undefined ? '' : ` at ${checked.endpoint}`}`;
  try {
    await client.send(new HeadBucketCommand({ Bucket: checked.bucket }));
  } catch (error) {
    client.destroy();
    if (s3Code(error) === 'CredentialsProviderError') {
      throw new S3ConfigError(
        `no credentials for the S3 ${where}: set FIELDLAKE_S3_ACCESS_KEY_ID and FIELDLAKE_S3_SECRET_ACCESS_KEY, or give the SDK's usual AWS_* variables or role`,
        { cause: error },
      );
    }
    const status = httpStatus(error);
    if (status === 404) {
      throw new S3ConfigError(`the S3 ${where} does not exist`, { cause: error });
    }
    if (status === 403 || status === 401) {
      throw new S3ConfigError(`access to the S3 ${where} is denied: check the credentials`, {
        cause: error,
      });
    }
    if (status === 301 || status === 400) {
      throw new S3ConfigError(
        `the S3 ${where} refused the request (HTTP ${status}): check the region and the path style`,
        { cause: error },
      );
    }
    const mapped = storeError(error);
    if (mapped instanceof BlobStoreError) {
      throw new BlobStoreError(
        mapped.code,
        `the S3 ${where}: ${mapped.message}`,
        {},
        {
          cause: error,
        },
      );
    }
    throw mapped;
  }
  const root = checked.prefix === undefined ? '' : `${checked.prefix}/`;
  return new S3BlobStore(client, checked.bucket, root, listPageSize);
}
