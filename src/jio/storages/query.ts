// `query`: adds query, sort_on, limit and select_list (jIO's query language, src/shared/query)
// to any storage that can list, by filtering what it lists. Everything else passes through.
import { type QuerySchema, runQuery, validateAllDocsOptions } from '../../shared/query/index.ts';
import { needsQueryEngine } from '../capacities.ts';
import { queryErrorToJioError } from '../query-errors.ts';
import { JioError } from '../errors.ts';
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

const added: ReadonlySet<Capacity> = new Set(['query', 'sort', 'limit', 'select', 'include']);

export class QueryStorage implements Storage {
  constructor(
    private readonly sub: Storage,
    private readonly schema: QuerySchema = {},
  ) {
    if (!sub.hasCapacity('list')) {
      throw new JioError(
        'bad_request',
        'A query storage needs a sub-storage that can list documents',
        {
          reason: 'invalid_spec',
        },
      );
    }
  }

  hasCapacity(name: Capacity): boolean {
    return added.has(name) || this.sub.hasCapacity(name);
  }

  async allDocs(options: AllDocsOptions & CallOptions = {}): Promise<AllDocsResult> {
    const { signal, ...rest } = options;
    let checked: AllDocsOptions;
    try {
      checked = validateAllDocsOptions(rest);
    } catch (error) {
      throw queryErrorToJioError(error);
    }
    const needsQuery = needsQueryEngine(checked);
    const subDoesItAll =
      (['query', 'sort', 'limit', 'select', 'include'] as const).every((c) =>
        this.sub.hasCapacity(c),
      ) && Object.keys(this.schema).length === 0;
    // A sub-storage that queries natively (with indexes) does it better; with no schema of
    // ours to apply, the answer is the same.
    if (
      subDoesItAll ||
      (!needsQuery && (checked.include_docs !== true || this.sub.hasCapacity('include')))
    ) {
      return this.sub.allDocs({ ...checked, ...(signal === undefined ? {} : { signal }) });
    }
    const docs = await this.#allWithDocs(signal);
    try {
      const rows = runQuery(docs, checked, this.schema);
      return { data: { rows, total_rows: rows.length } };
    } catch (error) {
      throw queryErrorToJioError(error);
    }
  }

  async #allWithDocs(
    signal: AbortSignal | undefined,
  ): Promise<{ id: string; doc: Record<string, unknown> }[]> {
    const callOptions = signal === undefined ? {} : { signal };
    if (this.sub.hasCapacity('include')) {
      const { data } = await this.sub.allDocs({ include_docs: true, ...callOptions });
      return data.rows.map((row) => ({ id: row.id, doc: row.doc ?? {} }));
    }
    const { data } = await this.sub.allDocs(callOptions);
    const docs = [];
    for (const row of data.rows) {
      signal?.throwIfAborted();
      docs.push({ id: row.id, doc: await this.sub.get(row.id, callOptions) });
    }
    return docs;
  }

  get(id: string, options?: CallOptions): Promise<JioDocument> {
    return this.sub.get(id, options);
  }
  put(id: string, doc: JioDocument, options?: CallOptions): Promise<string> {
    return this.sub.put(id, doc, options);
  }
  post(doc: JioDocument, options?: CallOptions): Promise<string> {
    return this.sub.post(doc, options);
  }
  remove(id: string, options?: CallOptions): Promise<string> {
    return this.sub.remove(id, options);
  }
  allAttachments(id: string, options?: CallOptions): Promise<Record<string, AttachmentInfo>> {
    return this.sub.allAttachments(id, options);
  }
  putAttachment(
    id: string,
    name: string,
    data: AttachmentData,
    options?: PutAttachmentOptions,
  ): Promise<AttachmentInfo> {
    return this.sub.putAttachment(id, name, data, options);
  }
  getAttachment<F extends AttachmentFormat = 'blob'>(
    id: string,
    name: string,
    options?: GetAttachmentOptions<F>,
  ): Promise<AttachmentFormats[F]> {
    return this.sub.getAttachment(id, name, options);
  }
  removeAttachment(id: string, name: string, options?: CallOptions): Promise<void> {
    return this.sub.removeAttachment(id, name, options);
  }
  repair(options?: CallOptions): Promise<RepairReport> {
    return this.sub.repair(options);
  }
  changes(options?: ChangesOptions): Promise<ChangesResult> {
    return this.sub.changes(options);
  }
  bulkWrite(items: readonly BulkWriteItem[], options?: CallOptions): Promise<BulkWriteResult[]> {
    return this.sub.bulkWrite(items, options);
  }
  close(): Promise<void> {
    return this.sub.close();
  }
}
