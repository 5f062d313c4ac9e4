// `memory`: documents and attachments in a Map. Data lives as long as the registry that made
// it: two storages created from the same registry with the same `name` share data (as jIO's
// memory storage does within a page), storages of different registries never do.
import { attachmentInfo, formatAttachment } from '../attachments.ts';
import { requireAllDocsCapacities } from '../capacities.ts';
import {
  bulkConflict,
  checkSingleCondition,
  prepareBulkItem,
  type StoredDocument,
  withRev,
} from '../documents.ts';
import { JioError, jioErrors } from '../errors.ts';
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
} from '../types.ts';
import {
  attachmentBytes,
  checkAttachmentName,
  checkChangesOptions,
  checkDocument,
  checkId,
  checkRange,
  isList,
  newId,
  nextRevision,
} from '../validate.ts';

interface StoredAttachment {
  bytes: Uint8Array;
  info: AttachmentInfo;
}

/** The data behind one memory storage name. */
export interface MemoryData {
  documents: Map<string, StoredDocument>;
  attachments: Map<string, Map<string, StoredAttachment>>;
  seq: number;
}

export function createMemoryData(): MemoryData {
  return { documents: new Map(), attachments: new Map(), seq: 0 };
}

const capacities: ReadonlySet<Capacity> = new Set([
  'list',
  'include',
  'changes',
  'bulk',
  'attachments',
  'range',
]);

export class MemoryStorage implements Storage {
  #closed = false;

  constructor(private readonly data: MemoryData) {}

  hasCapacity(name: Capacity): boolean {
    return capacities.has(name);
  }

  async get(id: string, options?: CallOptions): Promise<JioDocument> {
    this.#check(options);
    return withRev(this.#live(checkId(id)));
  }

  async put(id: string, doc: JioDocument, options?: CallOptions): Promise<string> {
    this.#check(options);
    checkId(id);
    const { content, rev } = checkDocument(doc);
    const stored = this.data.documents.get(id);
    checkSingleCondition(id, stored, rev);
    this.#write(id, stored, content, false);
    return id;
  }

  async post(doc: JioDocument, options?: CallOptions): Promise<string> {
    const id = newId();
    await this.put(id, doc, options);
    return id;
  }

  async remove(id: string, options?: CallOptions): Promise<string> {
    this.#check(options);
    const stored = this.#live(checkId(id));
    this.#write(id, stored, {}, true);
    return id;
  }

  async allDocs(options: AllDocsOptions & CallOptions = {}): Promise<AllDocsResult> {
    this.#check(options);
    requireAllDocsCapacities((c) => this.hasCapacity(c), options, 'memory');
    const rows = [...this.data.documents.values()]
      .filter((stored) => !stored.deleted)
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map((stored) =>
        options.include_docs === true
          ? { id: stored.id, value: {}, doc: withRev(stored) }
          : { id: stored.id, value: {} },
      );
    return { data: { rows, total_rows: rows.length } };
  }

  async allAttachments(id: string, options?: CallOptions): Promise<Record<string, AttachmentInfo>> {
    this.#check(options);
    this.#live(checkId(id));
    const result: Record<string, AttachmentInfo> = {};
    for (const [name, attachment] of this.data.attachments.get(id) ?? [])
      result[name] = { ...attachment.info };
    return result;
  }

  async putAttachment(
    id: string,
    name: string,
    data: AttachmentData,
    options: PutAttachmentOptions = {},
  ): Promise<AttachmentInfo> {
    this.#check(options);
    checkId(id);
    checkAttachmentName(name);
    // Copy first: the caller may reuse its buffer once we return.
    const bytes = (await attachmentBytes(data)).slice();
    const info = await attachmentInfo(bytes, data, options.contentType);
    this.#check(options);
    this.#live(id);
    let forDoc = this.data.attachments.get(id);
    if (forDoc === undefined) {
      forDoc = new Map();
      this.data.attachments.set(id, forDoc);
    }
    forDoc.set(name, { bytes, info });
    return { ...info };
  }

  async getAttachment<F extends AttachmentFormat = 'blob'>(
    id: string,
    name: string,
    options: GetAttachmentOptions<F> = {},
  ): Promise<AttachmentFormats[F]> {
    this.#check(options);
    const attachment = this.#attachment(checkId(id), checkAttachmentName(name));
    const { start, end } = checkRange(attachment.bytes.byteLength, options.start, options.end);
    return formatAttachment(
      attachment.bytes.subarray(start, end),
      attachment.info.content_type,
      options.format,
    );
  }

  async removeAttachment(id: string, name: string, options?: CallOptions): Promise<void> {
    this.#check(options);
    this.#attachment(checkId(id), checkAttachmentName(name));
    this.data.attachments.get(id)?.delete(name);
  }

  async repair(options?: CallOptions): Promise<RepairReport> {
    this.#check(options);
    return { entries: [] };
  }

  async changes(options: ChangesOptions = {}): Promise<ChangesResult> {
    this.#check(options);
    const { since, limit } = checkChangesOptions(options);
    const results = [...this.data.documents.values()]
      .filter((stored) => stored.seq > since)
      .sort((a, b) => a.seq - b.seq)
      .slice(0, limit)
      .map((stored) => ({
        seq: stored.seq,
        id: stored.id,
        rev: stored.rev,
        deleted: stored.deleted,
        ...(options.include_docs === true && !stored.deleted ? { doc: withRev(stored) } : {}),
      }));
    return { results, last_seq: results.at(-1)?.seq ?? since };
  }

  async bulkWrite(
    items: readonly BulkWriteItem[],
    options?: CallOptions,
  ): Promise<BulkWriteResult[]> {
    this.#check(options);
    if (!isList(items))
      throw jioErrors.badRequest('bulkWrite takes an array of items', 'invalid_item');
    return items.map((item, index) => {
      const prepared = prepareBulkItem(item, index);
      if (!prepared.ok) return prepared.result;
      const stored = this.data.documents.get(prepared.id);
      const conflict = bulkConflict(prepared.id, stored, prepared.assumedRev);
      if (conflict !== undefined) return conflict;
      const written = this.#write(prepared.id, stored, prepared.content, prepared.deleted);
      return { id: prepared.id, ok: true, rev: written.rev };
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  #write(
    id: string,
    stored: StoredDocument | undefined,
    content: Record<string, unknown>,
    deleted: boolean,
  ): StoredDocument {
    const next: StoredDocument = {
      id,
      rev: nextRevision(stored?.rev),
      seq: ++this.data.seq,
      deleted,
      content: structuredClone(content),
    };
    this.data.documents.set(id, next);
    if (deleted) this.data.attachments.delete(id);
    return next;
  }

  #live(id: string): StoredDocument {
    const stored = this.data.documents.get(id);
    if (stored === undefined || stored.deleted) throw jioErrors.notFound(`No document "${id}"`);
    return stored;
  }

  #attachment(id: string, name: string): StoredAttachment {
    this.#live(id);
    const attachment = this.data.attachments.get(id)?.get(name);
    if (attachment === undefined)
      throw jioErrors.notFound(`Document "${id}" has no attachment "${name}"`);
    return attachment;
  }

  #check(options: CallOptions | undefined): void {
    options?.signal?.throwIfAborted();
    if (this.#closed)
      throw new JioError('unavailable', 'This storage is closed', { reason: 'closed' });
  }
}
