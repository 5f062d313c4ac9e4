// `indexeddb`: documents and attachments in the browser's IndexedDB through Dexie, with
// revisions, tombstones and a change sequence for replication. Each write is one transaction:
// it happens entirely or not at all (a quota error leaves nothing half-written).
import { attachmentInfo, formatAttachment } from '../../attachments.ts';
import { needsQueryEngine, requireAllDocsCapacities } from '../../capacities.ts';
import {
  bulkConflict,
  checkSingleCondition,
  prepareBulkItem,
  type StoredDocument,
} from '../../documents.ts';
import { JioError, jioErrors } from '../../errors.ts';
import type {
  AllDocsOptions,
  Row,
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
  checkChangesOptions,
  checkDocument,
  checkId,
  checkRange,
  isList,
  newId,
  nextRevision,
} from '../../validate.ts';
import { Dexie } from 'dexie';
import { runIdb } from './idb-errors.ts';
import { typeEquality } from './type-pushdown.ts';
import { parseQuery, runQuery, validateAllDocsOptions } from '../../../shared/query/index.ts';
import { queryErrorToJioError } from '../../query-errors.ts';
import {
  attachmentPartSize,
  type DocumentRow,
  documentType,
  type FieldlakeDexie,
} from './schema.ts';

const capacities: ReadonlySet<Capacity> = new Set([
  'list',
  'include',
  // Queries natively: the `type` clause of a query is answered by the `type` index.
  'query',
  'sort',
  'limit',
  'select',
  'changes',
  'bulk',
  'attachments',
  'range',
]);

/** The row of a new revision of a document. */
function documentRow(
  id: string,
  current: StoredDocument | undefined,
  content: Record<string, unknown>,
  deleted: boolean,
  seq: number,
): DocumentRow {
  return {
    id,
    type: documentType(content),
    rev: nextRevision(current?.rev),
    seq,
    deleted: deleted ? 1 : 0,
    content,
  };
}

function stored(row: DocumentRow | undefined): StoredDocument | undefined {
  return row === undefined
    ? undefined
    : { id: row.id, rev: row.rev, seq: row.seq, deleted: row.deleted === 1, content: row.content };
}

export class IndexedDbStorage implements Storage {
  constructor(private readonly db: FieldlakeDexie) {}

  hasCapacity(name: Capacity): boolean {
    return capacities.has(name);
  }

  async get(id: string, options?: CallOptions): Promise<JioDocument> {
    options?.signal?.throwIfAborted();
    checkId(id);
    const row = await runIdb('reading a document', () => this.db.documents.get(id));
    const live = this.#liveRow(row, id);
    return { ...live.content, _rev: live.rev };
  }

  async put(id: string, doc: JioDocument, options?: CallOptions): Promise<string> {
    options?.signal?.throwIfAborted();
    checkId(id);
    const { content, rev } = checkDocument(doc);
    await runIdb('writing a document', () =>
      this.db.transaction('rw', [this.db.documents, this.db.meta], async () => {
        const current = stored(await this.db.documents.get(id));
        checkSingleCondition(id, current, rev);
        await this.#write(id, current, content, false);
      }),
    );
    return id;
  }

  async post(doc: JioDocument, options?: CallOptions): Promise<string> {
    const id = newId();
    await this.put(id, doc, options);
    return id;
  }

  async remove(id: string, options?: CallOptions): Promise<string> {
    options?.signal?.throwIfAborted();
    checkId(id);
    await runIdb('removing a document', () =>
      this.db.transaction(
        'rw',
        [this.db.documents, this.db.meta, this.db.attachments, this.db.attachmentParts],
        async () => {
          const current = stored(this.#liveRow(await this.db.documents.get(id), id));
          await this.#write(id, current, {}, true);
        },
      ),
    );
    return id;
  }

  async allDocs(options: AllDocsOptions & CallOptions = {}): Promise<AllDocsResult> {
    const { signal, ...rest } = options;
    signal?.throwIfAborted();
    requireAllDocsCapacities((c) => this.hasCapacity(c), rest, 'indexeddb');
    let checked: AllDocsOptions;
    try {
      checked = validateAllDocsOptions(rest);
    } catch (error) {
      throw queryErrorToJioError(error);
    }
    const needsQuery = needsQueryEngine(checked);
    if (!needsQuery) {
      const rows = await runIdb('listing documents', () =>
        this.#list(checked.include_docs === true),
      );
      return { data: { rows, total_rows: rows.length } };
    }
    const query = checked.query;
    const type = query === undefined ? undefined : typeEquality(parseQuery(query));
    const docs = await runIdb('querying documents', () => this.#candidates(type));
    try {
      const rows = runQuery(docs, checked);
      return { data: { rows, total_rows: rows.length } };
    } catch (error) {
      throw queryErrorToJioError(error);
    }
  }

  async #list(includeDocs: boolean): Promise<Row[]> {
    if (includeDocs) {
      return (await this.#candidates(undefined)).map(({ id, doc }) => ({ id, value: {}, doc }));
    }
    // Index order is (deleted, id): ids come sorted.
    const keys = await this.db.documents.where('deleted').equals(0).primaryKeys();
    return keys.map((id) => ({ id, value: {} }));
  }

  /**
   * Live documents that may match, in id order: those of one type (through the `type` index,
   * plus the rows whose `type` is not a string, which the index files under ''), or all. The
   * rows are fresh copies, so their content is ours to return.
   */
  async #candidates(type: string | undefined): Promise<{ id: string; doc: JioDocument }[]> {
    // A plain scan in key order measured faster than going through the `deleted` index.
    const rows =
      type === undefined
        ? await this.db.documents.toArray()
        : (await this.db.documents.where('type').anyOf([type, '']).toArray()).sort((a, b) =>
            a.id < b.id ? -1 : a.id > b.id ? 1 : 0,
          );
    return rows.flatMap((row) => {
      if (row.deleted === 1) return [];
      const doc: JioDocument = row.content;
      doc._rev = row.rev;
      return [{ id: row.id, doc }];
    });
  }

  async allAttachments(id: string, options?: CallOptions): Promise<Record<string, AttachmentInfo>> {
    options?.signal?.throwIfAborted();
    checkId(id);
    return runIdb('listing attachments', () =>
      this.db.transaction('r', [this.db.documents, this.db.attachments], async () => {
        this.#liveRow(await this.db.documents.get(id), id);
        const rows = await this.db.attachments.where('docId').equals(id).toArray();
        return Object.fromEntries(rows.map((row) => [row.name, row.info]));
      }),
    );
  }

  async putAttachment(
    id: string,
    name: string,
    data: AttachmentData,
    options: PutAttachmentOptions = {},
  ): Promise<AttachmentInfo> {
    options.signal?.throwIfAborted();
    checkId(id);
    checkAttachmentName(name);
    const bytes = await attachmentBytes(data);
    const info = await attachmentInfo(bytes, data, options.contentType);
    const partCount = Math.ceil(bytes.byteLength / attachmentPartSize);
    // Copies are made before the transaction: awaiting anything but IndexedDB inside it would
    // let it commit early.
    const parts = Array.from({ length: partCount }, (_, index) => ({
      docId: id,
      name,
      index,
      bytes: bytes.slice(index * attachmentPartSize, (index + 1) * attachmentPartSize).buffer,
    }));
    options.signal?.throwIfAborted();
    await runIdb('writing an attachment', () =>
      this.db.transaction(
        'rw',
        [this.db.documents, this.db.attachments, this.db.attachmentParts],
        async () => {
          this.#liveRow(await this.db.documents.get(id), id);
          await this.db.attachmentParts.where('[docId+name]').equals([id, name]).delete();
          await this.db.attachmentParts.bulkAdd(parts);
          await this.db.attachments.put({
            docId: id,
            name,
            info,
            partSize: attachmentPartSize,
            partCount,
          });
        },
      ),
    );
    return info;
  }

  async getAttachment<F extends AttachmentFormat = 'blob'>(
    id: string,
    name: string,
    options: GetAttachmentOptions<F> = {},
  ): Promise<AttachmentFormats[F]> {
    options.signal?.throwIfAborted();
    checkId(id);
    checkAttachmentName(name);
    const { bytes, contentType } = await runIdb('reading an attachment', () =>
      this.db.transaction(
        'r',
        [this.db.documents, this.db.attachments, this.db.attachmentParts],
        async () => {
          this.#liveRow(await this.db.documents.get(id), id);
          const row = await this.db.attachments.get([id, name]);
          if (row === undefined)
            throw jioErrors.notFound(`Document "${id}" has no attachment "${name}"`);
          const { start, end } = checkRange(row.info.length, options.start, options.end);
          // Only the parts that hold [start, end) are read.
          const first = Math.floor(start / row.partSize);
          const last = end > start ? Math.floor((end - 1) / row.partSize) : first - 1;
          const keys: [string, string, number][] = [];
          for (let index = first; index <= last; index++) keys.push([id, name, index]);
          const partRows = await this.db.attachmentParts.bulkGet(keys);
          const out = new Uint8Array(end - start);
          partRows.forEach((part, offset) => {
            if (part === undefined)
              throw new JioError('internal', `Attachment "${name}" of "${id}" is missing a part`, {
                reason: 'corrupt',
              });
            const partStart = (first + offset) * row.partSize;
            const from = Math.max(start - partStart, 0);
            const to = Math.min(end - partStart, part.bytes.byteLength);
            out.set(new Uint8Array(part.bytes, from, to - from), partStart + from - start);
          });
          return { bytes: out, contentType: row.info.content_type };
        },
      ),
    );
    return formatAttachment(bytes, contentType, options.format);
  }

  async removeAttachment(id: string, name: string, options?: CallOptions): Promise<void> {
    options?.signal?.throwIfAborted();
    checkId(id);
    checkAttachmentName(name);
    await runIdb('removing an attachment', () =>
      this.db.transaction(
        'rw',
        [this.db.documents, this.db.attachments, this.db.attachmentParts],
        async () => {
          this.#liveRow(await this.db.documents.get(id), id);
          if ((await this.db.attachments.get([id, name])) === undefined) {
            throw jioErrors.notFound(`Document "${id}" has no attachment "${name}"`);
          }
          await this.db.attachmentParts.where('[docId+name]').equals([id, name]).delete();
          await this.db.attachments.delete([id, name]);
        },
      ),
    );
  }

  async repair(options?: CallOptions): Promise<RepairReport> {
    options?.signal?.throwIfAborted();
    return { entries: [] };
  }

  async changes(options: ChangesOptions = {}): Promise<ChangesResult> {
    options.signal?.throwIfAborted();
    const { since, limit } = checkChangesOptions(options);
    const rows = await runIdb('reading the change feed', () =>
      this.db.documents.where('seq').above(since).limit(limit).toArray(),
    );
    const results = rows.map((row) => ({
      seq: row.seq,
      id: row.id,
      rev: row.rev,
      deleted: row.deleted === 1,
      ...(options.include_docs === true && row.deleted === 0
        ? { doc: { ...row.content, _rev: row.rev } }
        : {}),
    }));
    return { results, last_seq: results.at(-1)?.seq ?? since };
  }

  async bulkWrite(
    items: readonly BulkWriteItem[],
    options?: CallOptions,
  ): Promise<BulkWriteResult[]> {
    options?.signal?.throwIfAborted();
    if (!isList(items))
      throw jioErrors.badRequest('bulkWrite takes an array of items', 'invalid_item');
    const prepared = items.map((item, index) => prepareBulkItem(item, index));
    return runIdb('writing a bulk of documents', () =>
      this.db.transaction(
        'rw',
        [this.db.documents, this.db.meta, this.db.attachments, this.db.attachmentParts],
        async () => {
          // One read of every current row and of the sequence, one write of every new row: a
          // batch costs a few requests, not four per document.
          const ids = [...new Set(prepared.flatMap((item) => (item.ok ? [item.id] : [])))];
          const [rows, seqRow] = await Promise.all([
            this.db.documents.bulkGet(ids),
            this.db.meta.get('seq'),
          ]);
          const current = new Map(ids.map((id, index) => [id, stored(rows[index])]));
          let seq = seqRow?.value ?? 0;
          const puts = new Map<string, DocumentRow>();
          const deletions = new Set<string>();
          const results: BulkWriteResult[] = [];
          for (const item of prepared) {
            if (!item.ok) {
              results.push(item.result);
              continue;
            }
            const before = current.get(item.id);
            const conflict = bulkConflict(item.id, before, item.assumedRev);
            if (conflict !== undefined) {
              results.push(conflict);
              continue;
            }
            const row = documentRow(item.id, before, item.content, item.deleted, ++seq);
            current.set(item.id, stored(row));
            puts.set(item.id, row);
            // Deleted at any point of the batch: its attachments go, even if it is re-created.
            if (item.deleted) deletions.add(item.id);
            results.push({ id: item.id, ok: true, rev: row.rev });
          }
          if (puts.size > 0) {
            await Promise.all([
              this.db.documents.bulkPut([...puts.values()]),
              this.db.meta.put({ key: 'seq', value: seq }),
              ...[...deletions].map((id) => this.#deleteAttachments(id)),
            ]);
          }
          return results;
        },
      ),
    );
  }

  async close(): Promise<void> {
    this.db.close();
  }

  /** Inside a rw transaction on documents + meta (+ attachments for deletions). */
  async #write(
    id: string,
    current: StoredDocument | undefined,
    content: Record<string, unknown>,
    deleted: boolean,
  ): Promise<string> {
    const seqRow = await this.db.meta.get('seq');
    const row = documentRow(id, current, content, deleted, (seqRow?.value ?? 0) + 1);
    await Promise.all([
      this.db.meta.put({ key: 'seq', value: row.seq }),
      this.db.documents.put(row),
      ...(deleted ? [this.#deleteAttachments(id)] : []),
    ]);
    return row.rev;
  }

  /** Inside a rw transaction on attachments and their parts. */
  async #deleteAttachments(id: string): Promise<void> {
    await Promise.all([
      this.db.attachmentParts
        .where('[docId+name]')
        .between([id, Dexie.minKey], [id, Dexie.maxKey])
        .delete(),
      this.db.attachments.where('docId').equals(id).delete(),
    ]);
  }

  #liveRow(row: DocumentRow | undefined, id: string): DocumentRow {
    if (row === undefined || row.deleted === 1) throw jioErrors.notFound(`No document "${id}"`);
    return row;
  }
}
