// The lake's chunk channel (docs/lake-api.md, "Chunks"): content-addressed bytes moved apart
// from documents, as the sync engine needs them (src/jio/sync/remote-chunks.ts). Three jobs:
// - probe: does the lake hold a chunk, or how much of an unfinished upload;
// - upload: one verified PUT for a small chunk; a large one in `Content-Range` parts resumed
//   from the offset the lake holds, so a connection that drops mid-upload costs one part;
// - download: by `Range` parts for a large chunk, every part's length checked against what the
//   lake announced and the whole verified against its SHA-256 before a byte is returned.
// Every request goes through LakeHttp, so a network failure, a stalled or closed connection, a
// proxy's HTML page and an error envelope all arrive as the JioError a storage would raise. A
// body shorter than announced is `unavailable` too (a dropped connection), never a short buffer.
import { sha256Hex } from '../../../shared/chunk/index.ts';
import { UPLOAD_OFFSET_HEADER } from '../../../shared/wire/lake.ts';
import { checkHash } from '../../chunks/chunk-rules.ts';
import { JioError } from '../../errors.ts';
import type { CallOptions } from '../../types.ts';
import type { LakeHttp } from './http.ts';

export interface ChunkTransferProgress {
  sha256: string;
  /** Bytes the lake holds (upload) or that arrived (download) so far. */
  bytesDone: number;
  bytesTotal: number;
}

export interface UploadResult {
  sha256: string;
  /** `present`: the lake had the chunk already (from this device or another). */
  status: 'created' | 'present';
  /** Bytes sent in request bodies by this call (less than the chunk's length after a resume). */
  bytesSent: number;
}

export type ChunkProbeResult = { stored: true; length: number } | { stored: false; offset: number };

export interface LakeChunksOptions {
  /** Size of one upload or download part, in bytes (default 4 MiB). */
  partBytes?: number;
}

export interface ChunkUploadOptions extends CallOptions {
  /** Called after each part the lake acknowledged (and once for a chunk sent whole). */
  onProgress?: (progress: ChunkTransferProgress) => void;
}

export interface ChunkDownloadOptions extends CallOptions {
  /** Called after each part that arrived. */
  onProgress?: (progress: ChunkTransferProgress) => void;
  /**
   * Called with each part as it arrives (its offset in the chunk), before the whole is verified,
   * for a caller that keeps partial progress; it may receive bytes that later fail the check.
   */
  onPart?: (offset: number, bytes: Uint8Array) => void;
  /**
   * The chunk's length when the caller knows it (from a manifest): one plain GET when it fits in
   * a part. Only a hint: the lake's own answer decides the length, and the hash the bytes.
   */
  length?: number;
}

const DEFAULT_PART_BYTES = 4 * 1024 * 1024;

/**
 * A 409 answers where to resume; more in a row than this means something else moves the upload
 * back (another writer, or a lake that keeps discarding it): stop rather than loop.
 */
const MAX_CONFLICTS = 8;

/** One answered GET: the bytes from `start`, and the chunk's whole length. */
interface Part {
  start: number;
  bytes: Uint8Array;
  total: number;
}

function chunkPath(sha256: string): string {
  return `/api/chunks/${sha256}`;
}

function invalidResponse(what: string): JioError {
  return new JioError('internal', `The lake answered ${what} in an unexpected shape`, {
    reason: 'invalid_response',
  });
}

// Said as being offline because that is what it is: the connection ended early, and the same
// request later will most likely succeed.
function truncated(sha256: string, got: number, expected: number): JioError {
  return new JioError(
    'unavailable',
    `The connection to the lake ended after ${got} of ${expected} bytes of chunk ${sha256}: it resumes when the lake is reachable`,
    { reason: 'truncated' },
  );
}

/** A non-negative integer header (the upload offset, a Content-Length), else undefined. */
function count(header: string | null): number | undefined {
  if (header === null || !/^\d{1,16}$/.test(header.trim())) return undefined;
  const value = Number(header.trim());
  return Number.isSafeInteger(value) ? value : undefined;
}

// `Content-Range: bytes a-b/n` as {start, end (exclusive), size}; `bytes */n` as {size}.
function contentRange(
  header: string | null,
): { start: number; end: number; size: number } | { size: number } | undefined {
  const text = header?.trim() ?? '';
  const full = /^bytes (\d{1,16})-(\d{1,16})\/(\d{1,16})$/.exec(text);
  if (full !== null) {
    const [start, last, size] = [Number(full[1]), Number(full[2]), Number(full[3])];
    return last < start || last >= size ? undefined : { start, end: last + 1, size };
  }
  const unsatisfied = /^bytes \*\/(\d{1,16})$/.exec(text);
  return unsatisfied === null ? undefined : { size: Number(unsatisfied[1]) };
}

function checkCount(value: unknown, name: string, minimum: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < minimum) {
    throw new JioError(
      'bad_request',
      `${name} must be an integer of at least ${minimum}, not ${String(value)}`,
      { reason: 'invalid_option' },
    );
  }
  return value;
}

export class LakeChunks {
  readonly #http: LakeHttp;
  readonly #partBytes: number;

  constructor(http: LakeHttp, options: LakeChunksOptions = {}) {
    this.#http = http;
    this.#partBytes = checkCount(options.partBytes ?? DEFAULT_PART_BYTES, 'partBytes', 1);
  }

  get partBytes(): number {
    return this.#partBytes;
  }

  /** HEAD: stored → its length; else the bytes of an unfinished upload the lake holds (0: none). */
  async probe(sha256: string, options: CallOptions = {}): Promise<ChunkProbeResult> {
    const { signal } = options;
    this.#http.checkUsable(signal);
    checkHash(sha256);
    // A chunk the caller may not read answers 404 like a missing one (the lake hides it); an
    // upload then finds it present at its first PUT.
    const response = await this.#http.send({
      method: 'HEAD',
      path: chunkPath(sha256),
      signal,
      accept: [404],
    });
    if (response.status === 404) {
      // No header: the lake holds no part of it (an older lake, or a proxy dropped it).
      const offset = count(response.headers.get(UPLOAD_OFFSET_HEADER)) ?? 0;
      return { stored: false, offset };
    }
    const length = count(response.headers.get('content-length'));
    if (response.status !== 200 || length === undefined) throw invalidResponse('a chunk probe');
    return { stored: true, length };
  }

  /**
   * Stores `bytes` under `sha256` on the lake, which verifies the hash (a mismatch answers
   * `bad_request` / `hash_mismatch` and keeps nothing). Up to `partBytes`, one whole PUT; larger
   * chunks go in `Content-Range` parts from the offset the lake holds, so an upload cut short
   * resumes where it stopped when called again.
   */
  async upload(
    sha256: string,
    bytes: Uint8Array,
    options: ChunkUploadOptions = {},
  ): Promise<UploadResult> {
    const { signal, onProgress } = options;
    this.#http.checkUsable(signal);
    checkHash(sha256);
    if (!(bytes instanceof Uint8Array)) {
      throw new JioError('bad_request', `Chunk ${sha256}: bytes must be a Uint8Array`, {
        reason: 'invalid_item',
      });
    }
    const total = bytes.byteLength;
    const progress = (bytesDone: number) => {
      onProgress?.({ sha256, bytesDone, bytesTotal: total });
    };
    // A Content-Range cannot name an empty body, and a small chunk is cheaper to resend whole
    // than to probe first.
    if (total <= this.#partBytes) {
      const response = await this.#put(sha256, bytes, undefined, signal);
      progress(total);
      return { sha256, status: response.status === 201 ? 'created' : 'present', bytesSent: total };
    }
    const probe = await this.probe(sha256, { signal });
    if (probe.stored) {
      progress(total);
      return { sha256, status: 'present', bytesSent: 0 };
    }
    const whole = async (): Promise<UploadResult> => {
      // The lake holds every byte of an unfinished upload (it stopped before storing the
      // chunk: a crash, a lost last answer) or an upload of another length: the whole chunk
      // in one verified PUT stores it regardless.
      const response = await this.#put(sha256, bytes, undefined, signal);
      progress(total);
      return { sha256, status: response.status === 201 ? 'created' : 'present', bytesSent: total };
    };
    if (probe.offset >= total) return whole();
    let offset = this.#resumeAt(sha256, probe.offset, total);
    if (offset > 0) progress(offset);
    let bytesSent = 0;
    let conflicts = 0;
    for (;;) {
      this.#http.checkUsable(signal);
      const end = Math.min(offset + this.#partBytes, total);
      const part = bytes.subarray(offset, end);
      const response = await this.#put(sha256, part, { first: offset, total }, signal);
      bytesSent += part.byteLength;
      const held = count(response.headers.get(UPLOAD_OFFSET_HEADER));
      if (response.status === 201 || response.status === 200) {
        progress(total);
        return { sha256, status: response.status === 201 ? 'created' : 'present', bytesSent };
      }
      if (response.status === 409) {
        // Another writer moved the upload (or a retried part had landed): go on from there.
        conflicts++;
        if (held === undefined || conflicts > MAX_CONFLICTS) {
          throw new JioError(
            'conflict',
            `The upload of chunk ${sha256} keeps being refused at offset ${offset}${held === undefined ? '' : ` (the lake holds ${held} bytes)`}; retry later`,
            { reason: 'offset_mismatch' },
          );
        }
      } else if (response.status === 202) {
        conflicts = 0;
        if (held === undefined) throw invalidResponse('an upload part without its offset');
      } else {
        throw invalidResponse(`an upload part with HTTP ${response.status}`);
      }
      if (held >= total) return whole();
      offset = this.#resumeAt(sha256, held, total);
      progress(offset);
    }
  }

  /**
   * The chunk's bytes, verified against `sha256` (`bad_request` / `hash_mismatch` otherwise).
   * A chunk longer than `partBytes` comes in `Range` parts, each checked for length.
   */
  async download(sha256: string, options: ChunkDownloadOptions = {}): Promise<Uint8Array> {
    const { signal, onProgress, onPart, length } = options;
    this.#http.checkUsable(signal);
    checkHash(sha256);
    if (length !== undefined) checkCount(length, 'length', 0);
    // A known small chunk comes whole (no Range); otherwise the first part also tells the length.
    const first = await this.#get(
      sha256,
      0,
      length !== undefined && length <= this.#partBytes ? undefined : this.#partBytes,
      signal,
    );
    const total = first.total;
    let result: Uint8Array;
    let received = first.bytes.byteLength;
    onPart?.(0, first.bytes);
    onProgress?.({ sha256, bytesDone: received, bytesTotal: total });
    if (received === total) {
      result = first.bytes;
    } else {
      result = new Uint8Array(total);
      result.set(first.bytes, 0);
      while (received < total) {
        this.#http.checkUsable(signal);
        const part = await this.#get(
          sha256,
          received,
          Math.min(received + this.#partBytes, total),
          signal,
        );
        if (part.total !== total) throw invalidResponse(`chunk ${sha256} with a changing length`);
        // A proxy that dropped the Range header answers the whole chunk from 0.
        result.set(part.bytes, part.start);
        received = Math.max(received, part.start + part.bytes.byteLength);
        onPart?.(part.start, part.bytes);
        onProgress?.({ sha256, bytesDone: received, bytesTotal: total });
      }
    }
    const actual = await sha256Hex(result);
    if (actual !== sha256) {
      throw new JioError(
        'bad_request',
        `The lake answered bytes that hash to ${actual} for chunk ${sha256}: nothing kept`,
        { reason: 'hash_mismatch' },
      );
    }
    return result;
  }

  /**
   * Bytes `start` (inclusive) to `end` (exclusive, clamped to the chunk's length) of a chunk,
   * unverified (only the whole chunk can be). A `start` at or past the end answers
   * `range_not_satisfiable`.
   */
  async downloadRange(
    sha256: string,
    start: number,
    end: number,
    options: CallOptions = {},
  ): Promise<Uint8Array> {
    const { signal } = options;
    this.#http.checkUsable(signal);
    checkHash(sha256);
    checkCount(start, 'start', 0);
    // An empty range cannot be asked for in a Range header.
    checkCount(end, 'end', start + 1);
    const part = await this.#get(sha256, start, end, signal);
    if (part.start === start) return part.bytes;
    // The whole chunk came (a proxy dropped the Range header): cut the range out of it.
    if (start >= part.total) throw outside(sha256, start, part.total);
    return part.bytes.slice(start - part.start, Math.min(end, part.total) - part.start);
  }

  /** A resume offset the lake named: inside the chunk, else the upload cannot go on. */
  #resumeAt(sha256: string, offset: number, total: number): number {
    // An offset at or past the end means the lake holds an upload of another length under this
    // hash (a client with the wrong bytes): only the lake can discard it.
    if (offset >= total) {
      throw new JioError(
        'conflict',
        `The lake holds ${offset} bytes of an unfinished upload of chunk ${sha256}, which has ${total}: it cannot be resumed`,
        { reason: 'offset_mismatch' },
      );
    }
    return offset;
  }

  async #put(
    sha256: string,
    bytes: Uint8Array,
    range: { first: number; total: number } | undefined,
    signal: AbortSignal | undefined,
  ): Promise<Response> {
    const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
    if (range !== undefined) {
      const last = range.first + bytes.byteLength - 1;
      headers['content-range'] = `bytes ${range.first}-${last}/${range.total}`;
    }
    const response = await this.#http.send({
      method: 'PUT',
      path: chunkPath(sha256),
      headers,
      bytes,
      signal,
      ...(range === undefined ? {} : { accept: [409] }),
    });
    // Drained so the connection is free for the next part.
    await this.#http.read(response.arrayBuffer(), signal);
    return response;
  }

  /**
   * GET from `start` up to `end` (exclusive; undefined: to the end, without a Range header when
   * `start` is 0). Answers where the bytes begin: `start` for a 206, 0 for a whole 200.
   */
  async #get(
    sha256: string,
    start: number,
    end: number | undefined,
    signal: AbortSignal | undefined,
  ): Promise<Part> {
    let range: string | undefined;
    if (end !== undefined) range = `bytes=${start}-${end - 1}`;
    else if (start > 0) range = `bytes=${start}-`;
    const headers: Record<string, string> = {
      accept: 'application/octet-stream, application/json',
    };
    if (range !== undefined) headers.range = range;
    const response = await this.#http.send({
      method: 'GET',
      path: chunkPath(sha256),
      headers,
      signal,
      accept: [416],
    });
    if (response.status === 416) {
      await this.#http.read(response.arrayBuffer(), signal);
      const answered = contentRange(response.headers.get('content-range'));
      if (answered === undefined || 'start' in answered) throw invalidResponse('a byte range');
      // An empty chunk has no byte 0 to ask for: its bytes are the empty range.
      if (start === 0 && answered.size === 0) {
        return { start: 0, bytes: new Uint8Array(0), total: 0 };
      }
      throw outside(sha256, start, answered.size);
    }
    if (response.status === 206) {
      const answered = contentRange(response.headers.get('content-range'));
      if (answered === undefined || !('start' in answered) || answered.start !== start) {
        throw invalidResponse('a byte range');
      }
      // The lake clamps the end to the chunk's length, and answers no more than asked.
      if (answered.end !== Math.min(end ?? answered.size, answered.size)) {
        throw invalidResponse('a byte range of another length');
      }
      const bytes = await this.#body(sha256, response, answered.end - answered.start, signal);
      return { start, bytes, total: answered.size };
    }
    if (response.status === 200) {
      const bytes = await this.#body(sha256, response, undefined, signal);
      return { start: 0, bytes, total: bytes.byteLength };
    }
    throw invalidResponse(`a chunk read with HTTP ${response.status}`);
  }

  /** The whole body, checked against the length announced (a dropped connection is offline). */
  async #body(
    sha256: string,
    response: Response,
    expected: number | undefined,
    signal: AbortSignal | undefined,
  ): Promise<Uint8Array> {
    // A proxy that compressed the body announces the compressed length; fetch decodes it.
    const encoding = response.headers.get('content-encoding');
    const declared =
      encoding === null || encoding.trim() === '' || encoding.trim() === 'identity'
        ? count(response.headers.get('content-length'))
        : undefined;
    const bytes = new Uint8Array(await this.#http.read(response.arrayBuffer(), signal));
    for (const wanted of [expected, declared]) {
      if (wanted !== undefined && bytes.byteLength < wanted) {
        throw truncated(sha256, bytes.byteLength, wanted);
      }
      if (wanted !== undefined && bytes.byteLength > wanted) {
        throw invalidResponse(`chunk ${sha256} with more bytes than announced`);
      }
    }
    return bytes;
  }
}

function outside(sha256: string, start: number, size: number): JioError {
  return new JioError(
    'range_not_satisfiable',
    `Byte ${start} is outside chunk ${sha256}, which has ${size} bytes`,
    { reason: 'invalid_range' },
  );
}
