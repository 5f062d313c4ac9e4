// `lake`: the Storage contract spoken over the lake's HTTP API (docs/lake-api.md). Input is
// checked here with the same rules as every local storage (src/jio/validate.ts) before a byte
// is sent, so bad input gets the same 400 without a round trip, and nothing that JSON would
// silently change (NaN → null, a Date → a string) ever reaches the lake. Everything else —
// conditions, conflicts, queries — is the lake's answer, its error envelope rebuilt as JioError.
import { validateAllDocsOptions } from '../../../shared/query/index.ts';
import type { ChangesResponse, WireBulkItem, WriteResponse } from '../../../shared/wire/lake.ts';
import { attachmentInfo, formatAttachment } from '../../attachments.ts';
import { prepareBulkItem } from '../../documents.ts';
import { JioError, jioErrors } from '../../errors.ts';
import { queryErrorToJioError } from '../../query-errors.ts';
import type {
  AllDocsOptions,
  AllDocsResult,
  AttachmentData,
  AttachmentFormat,
  AttachmentFormats,
  AttachmentInfo,
  BulkWriteItem,
  BulkWriteResult,
  CallOptions,
  Capacity,
  ChangesOptions,
  ChangesResult,
  GetAttachmentOptions,
  JioDocument,
  PutAttachmentOptions,
  RepairReport,
  Storage,
} from '../../types.ts';
import {
  attachmentBytes,
  checkAttachmentName,
  checkDocument,
  checkId,
  checkRange,
  isList,
} from '../../validate.ts';
import { isObject, LakeHttp, type LakeHttpOptions } from './http.ts';

/** Header naming the SHA-256 of an attachment's bytes (server/docs/attachment-routes.ts). */
export const SHA256_HEADER = 'fieldlake-sha256';

/** The lake refuses larger bulk pushes (413); bigger batches are sent in pages of this size. */
const BULK_PAGE = 1000;

const formats: ReadonlySet<string> = new Set(['blob', 'array_buffer', 'text', 'json', 'data_url']);

/**
 * One path segment. The URL parser resolves `.` and `..` segments (even percent-encoded) before
 * the request leaves, so those two ids cannot be named in a path: refuse them clearly rather
 * than read or write another resource.
 */
function segment(value: string, what: 'id' | 'attachment name'): string {
  if (value === '.' || value === '..') {
    throw new JioError(
      'bad_request',
      `The ${what} "${value}" cannot be sent to the lake: URLs resolve it as a relative path`,
      { reason: what === 'id' ? 'invalid_id' : 'invalid_attachment_name' },
    );
  }
  return encodeURIComponent(value);
}

function docPath(id: string): string {
  return `/api/docs/${segment(id, 'id')}`;
}

function attachmentPath(id: string, name: string): string {
  return `${docPath(id)}/attachments/${segment(name, 'attachment name')}`;
}

function invalidResponse(what: string): JioError {
  return new JioError('internal', `The lake answered ${what} in an unexpected shape`, {
    reason: 'invalid_response',
  });
}

function asDocument(value: unknown, what: string): JioDocument {
  if (!isObject(value)) throw invalidResponse(what);
  return value;
}

function asWrite(value: unknown, what: string): WriteResponse {
  if (!isObject(value) || typeof value.id !== 'string' || typeof value.rev !== 'string') {
    throw invalidResponse(what);
  }
  return { id: value.id, rev: value.rev };
}

// What a `Content-Range` header names: `bytes a-b/n` (a range held) or `bytes */n` (none).
function contentRange(
  header: string | null,
): { start: number; end: number; size: number } | { size: number } | undefined {
  const full = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(header?.trim() ?? '');
  if (full !== null) {
    return { start: Number(full[1]), end: Number(full[2]) + 1, size: Number(full[3]) };
  }
  const unsatisfied = /^bytes \*\/(\d+)$/.exec(header?.trim() ?? '');
  return unsatisfied === null ? undefined : { size: Number(unsatisfied[1]) };
}

export class LakeStorage implements Storage {
  readonly #http: LakeHttp;

  constructor(options: LakeHttpOptions) {
    this.#http = new LakeHttp(options);
  }

  /** The lake answers every allDocs option itself, and ranges without sending the whole file. */
  hasCapacity(_name: Capacity): boolean {
    return true;
  }

  async get(id: string, options?: CallOptions): Promise<JioDocument> {
    this.#http.checkUsable(options?.signal);
    const body = await this.#http.json({
      method: 'GET',
      path: docPath(checkId(id)),
      signal: options?.signal,
    });
    return asDocument(body, 'a document');
  }

  async put(id: string, doc: JioDocument, options?: CallOptions): Promise<string> {
    this.#http.checkUsable(options?.signal);
    checkId(id);
    const { content, rev } = checkDocument(doc);
    const body = await this.#http.json({
      method: 'PUT',
      path: docPath(id),
      json: rev === undefined ? content : { ...content, _rev: rev },
      signal: options?.signal,
    });
    asWrite(body, 'a put');
    return id;
  }

  async post(doc: JioDocument, options?: CallOptions): Promise<string> {
    this.#http.checkUsable(options?.signal);
    const { content, rev } = checkDocument(doc);
    // As with put under a fresh id: a revision can only be stale, the id being new.
    if (rev !== undefined) {
      throw new JioError('precondition_failed', `A new document cannot be at revision ${rev}`, {
        reason: 'revision_mismatch',
        current: null,
      });
    }
    const body = await this.#http.json({
      method: 'POST',
      path: '/api/docs',
      json: content,
      signal: options?.signal,
    });
    return asWrite(body, 'a post').id;
  }

  async remove(id: string, options?: CallOptions): Promise<string> {
    this.#http.checkUsable(options?.signal);
    const body = await this.#http.json({
      method: 'DELETE',
      path: docPath(checkId(id)),
      signal: options?.signal,
    });
    asWrite(body, 'a removal');
    return id;
  }

  async allDocs(options: AllDocsOptions & CallOptions = {}): Promise<AllDocsResult> {
    const { signal, ...rest } = options;
    this.#http.checkUsable(signal);
    // Checked here too, so a mistake answers at once, with the same position as locally.
    try {
      validateAllDocsOptions(rest);
    } catch (error) {
      throw queryErrorToJioError(error);
    }
    const { query, sort_on: sortOn, limit, select_list: selectList, include_docs } = rest;
    const body = await this.#http.json({
      method: 'GET',
      path: '/api/docs',
      query: {
        // Text is sent as typed (the lake parses it); a structured query travels as JSON.
        query: query === undefined || typeof query === 'string' ? query : JSON.stringify(query),
        sort_on: sortOn === undefined ? undefined : JSON.stringify(sortOn),
        limit: limit === undefined ? undefined : JSON.stringify(limit),
        select_list: selectList === undefined ? undefined : JSON.stringify(selectList),
        include_docs: include_docs === undefined ? undefined : String(include_docs),
      },
      signal,
    });
    const data = isObject(body) ? body.data : undefined;
    if (!isObject(data) || !Array.isArray(data.rows) || typeof data.total_rows !== 'number') {
      throw invalidResponse('allDocs');
    }
    return body as AllDocsResult;
  }

  async allAttachments(id: string, options?: CallOptions): Promise<Record<string, AttachmentInfo>> {
    this.#http.checkUsable(options?.signal);
    const body = await this.#http.json({
      method: 'GET',
      path: `${docPath(checkId(id))}/attachments`,
      signal: options?.signal,
    });
    if (!isObject(body)) throw invalidResponse('the attachment list');
    return body as Record<string, AttachmentInfo>;
  }

  async putAttachment(
    id: string,
    name: string,
    data: AttachmentData,
    options: PutAttachmentOptions = {},
  ): Promise<AttachmentInfo> {
    const { signal } = options;
    this.#http.checkUsable(signal);
    const path = attachmentPath(checkId(id), checkAttachmentName(name));
    // Copied: the caller may reuse its buffer while the upload is under way.
    const bytes = (await attachmentBytes(data)).slice();
    // The lake streams the body to disk and checks it against the hash named up front.
    const info = await attachmentInfo(bytes, data, options.contentType);
    const body = await this.#http.json({
      method: 'PUT',
      path,
      headers: {
        'content-type': info.content_type,
        [SHA256_HEADER]: info.digest.slice('sha256-'.length),
      },
      bytes,
      signal,
    });
    if (!isObject(body)) throw invalidResponse('an attachment upload');
    return body as unknown as AttachmentInfo;
  }

  async getAttachment<F extends AttachmentFormat = 'blob'>(
    id: string,
    name: string,
    options: GetAttachmentOptions<F> = {},
  ): Promise<AttachmentFormats[F]> {
    const { signal, format } = options;
    this.#http.checkUsable(signal);
    const path = attachmentPath(checkId(id), checkAttachmentName(name));
    // Types and order checked now; against the length once the lake has told it.
    const { start } = checkRange(Number.MAX_SAFE_INTEGER, options.start, options.end);
    const end: number | undefined = options.end;
    if (format !== undefined && !formats.has(format)) {
      throw new JioError('bad_request', `Unknown attachment format "${format}"`, {
        reason: 'invalid_format',
      });
    }
    let range: string | undefined;
    if (end === undefined) {
      range = start === 0 ? undefined : `bytes=${start}-`;
    } else {
      // An empty range cannot be asked for: ask for one byte to learn that `start` is valid.
      range = `bytes=${start}-${Math.max(start, end - 1)}`;
    }
    const response = await this.#http.send({
      method: 'GET',
      path,
      ...(range === undefined ? {} : { headers: { range } }),
      signal,
      accept: [416],
    });
    const contentType = response.headers.get('content-type') ?? 'application/octet-stream';
    if (response.status === 416) {
      const answered = contentRange(response.headers.get('content-range'));
      await this.#http.read(response.arrayBuffer(), signal);
      if (answered === undefined) throw invalidResponse('a byte range');
      // The same check and message as a local storage; `start === size` is a valid, empty read.
      checkRange(answered.size, start, end);
      if (start < answered.size) throw invalidResponse('a byte range');
      // The 416 carries no type: the empty read still answers in the attachment's own type.
      const info = (await this.allAttachments(id, { signal }))[name];
      if (info === undefined)
        throw jioErrors.notFound(`Document "${id}" has no attachment "${name}"`);
      return formatAttachment(new Uint8Array(0), info.content_type, format);
    }
    const all = new Uint8Array(await this.#http.read(response.arrayBuffer(), signal));
    let bytes: Uint8Array;
    if (response.status === 206) {
      const answered = contentRange(response.headers.get('content-range'));
      if (answered === undefined || !('start' in answered) || answered.start !== start) {
        throw invalidResponse('a byte range');
      }
      const wanted = Math.min(end ?? answered.size, answered.size) - start;
      bytes = all.subarray(0, Math.max(0, wanted));
    } else {
      // The whole attachment (no range asked, or a proxy dropped the Range header).
      const clamped = checkRange(all.byteLength, start, end);
      bytes = all.subarray(clamped.start, clamped.end);
    }
    return formatAttachment(bytes, contentType, format);
  }

  async removeAttachment(id: string, name: string, options?: CallOptions): Promise<void> {
    this.#http.checkUsable(options?.signal);
    const response = await this.#http.send({
      method: 'DELETE',
      path: attachmentPath(checkId(id), checkAttachmentName(name)),
      signal: options?.signal,
    });
    await this.#http.read(response.arrayBuffer(), options?.signal);
  }

  async repair(options?: CallOptions): Promise<RepairReport> {
    this.#http.checkUsable(options?.signal);
    return { entries: [] };
  }

  async changes(options: ChangesOptions = {}): Promise<ChangesResult> {
    const { signal } = options;
    this.#http.checkUsable(signal);
    const since = options.since ?? 0;
    const limit = options.limit ?? 1000;
    // Numbers are checked as locally; a string is the lake's own opaque checkpoint, passed back
    // verbatim for the lake to judge.
    if (
      typeof since === 'number'
        ? !Number.isSafeInteger(since) || since < 0
        : typeof since !== 'string' || since === ''
    ) {
      throw new JioError(
        'bad_request',
        `since must be a checkpoint the storage returned (a non-negative integer or a lake checkpoint), not ${String(since)}`,
        { reason: 'invalid_option' },
      );
    }
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > 10_000) {
      throw new JioError(
        'bad_request',
        `limit must be an integer from 1 to 10000, not ${String(limit)}`,
        { reason: 'invalid_option' },
      );
    }
    const body = await this.#http.json({
      method: 'GET',
      path: '/api/changes',
      query: {
        since: String(since),
        limit: String(limit),
        ...(options.include_docs === true ? { include_docs: 'true' } : {}),
      },
      signal,
    });
    const feed = body as Partial<ChangesResponse> | null;
    if (
      !isObject(feed) ||
      !Array.isArray(feed.results) ||
      (typeof feed.last_seq !== 'number' && typeof feed.last_seq !== 'string')
    ) {
      throw invalidResponse('the change feed');
    }
    return { results: feed.results, last_seq: feed.last_seq };
  }

  async bulkWrite(
    items: readonly BulkWriteItem[],
    options?: CallOptions,
  ): Promise<BulkWriteResult[]> {
    const signal = options?.signal;
    this.#http.checkUsable(signal);
    if (!isList(items))
      throw jioErrors.badRequest('bulkWrite takes an array of items', 'invalid_item');
    const results = new Array<BulkWriteResult | undefined>(items.length);
    // Invalid items are answered here, one by one, as locally; the rest go to the lake.
    const wire: { index: number; item: WireBulkItem }[] = [];
    items.forEach((item, index) => {
      const prepared = prepareBulkItem(item, index);
      if (!prepared.ok) {
        results[index] = prepared.result;
        return;
      }
      const { id, deleted, content, assumedRev } = prepared;
      wire.push({
        index,
        item: {
          id,
          ...(deleted ? { deleted: true } : { doc: content }),
          ...(assumedRev === undefined ? {} : { assumedRev }),
        },
      });
    });
    for (let first = 0; first < wire.length; first += BULK_PAGE) {
      const page = wire.slice(first, first + BULK_PAGE);
      const body = await this.#http.json({
        method: 'POST',
        path: '/api/bulk',
        json: { items: page.map((entry) => entry.item) },
        signal,
      });
      const answered = isObject(body) ? body.results : undefined;
      if (!Array.isArray(answered) || answered.length !== page.length) {
        throw invalidResponse('a bulk write');
      }
      page.forEach((entry, position) => {
        results[entry.index] = answered[position] as BulkWriteResult;
      });
    }
    return results.map((result, index) => {
      if (result === undefined) throw invalidResponse(`bulk item ${index}`);
      return result;
    });
  }

  async close(): Promise<void> {
    this.#http.close();
  }
}
