// `replicate`: jIO's replicate storage on our engine. Reads and writes go to the local storage
// at once (offline-first: a write is saved when the local storage says so); `repair()` runs a
// sync cycle with the remote and answers its report, as jIO's replicate storage does. The
// spec is data — `{type: 'replicate', local, remote, state}` — so a worker can rebuild it.
import type { ChunkStore } from '../chunks/types.ts';
import { JioError } from '../errors.ts';
import type { StorageRegistry } from '../registry.ts';
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
import type { RemoteChunks } from './remote-chunks.ts';
import { SyncEngine, type SyncOptions } from './sync-engine.ts';
import { SyncReport } from './sync-report.ts';
import { SyncState } from './sync-state.ts';

export interface ReplicateParts {
  local: Storage;
  remote: Storage;
  /** Where the engine keeps its own state (sync-state.ts). */
  state: Storage;
  chunks?: { store: ChunkStore; remote: RemoteChunks };
  batchSize?: number;
}

export class ReplicateStorage implements Storage {
  readonly report = new SyncReport();
  #engine: Promise<SyncEngine> | undefined;

  constructor(private readonly parts: ReplicateParts) {}

  /** The engine, its state loaded on first use. */
  engine(): Promise<SyncEngine> {
    this.#engine ??= SyncState.open(this.parts.state).then(
      (state) =>
        new SyncEngine({
          local: this.parts.local,
          remote: this.parts.remote,
          state,
          report: this.report,
          chunks: this.parts.chunks,
          ...(this.parts.batchSize === undefined ? {} : { batchSize: this.parts.batchSize }),
        }),
    );
    return this.#engine;
  }

  /** One sync cycle; the report lists what it did (failures are events, not exceptions). */
  async repair(options: SyncOptions = {}): Promise<RepairReport> {
    const engine = await this.engine();
    try {
      await engine.sync(options);
    } catch {
      // Reported as an `offline` or `error` event: the entries below carry it.
    }
    const events = this.report.events();
    const start = events.findLastIndex((event) => event.kind === 'cycle-start');
    return {
      entries: events
        .slice(Math.max(0, start))
        .filter((event) => event.kind !== 'cycle-start')
        .map((event) => ({
          code: event.kind,
          ...(event.id === undefined ? {} : { id: event.id }),
          message: event.detail ?? event.kind,
        })),
    };
  }

  hasCapacity(name: Capacity): boolean {
    return this.parts.local.hasCapacity(name);
  }
  get(id: string, options?: CallOptions): Promise<JioDocument> {
    return this.parts.local.get(id, options);
  }
  put(id: string, doc: JioDocument, options?: CallOptions): Promise<string> {
    return this.parts.local.put(id, doc, options);
  }
  post(doc: JioDocument, options?: CallOptions): Promise<string> {
    return this.parts.local.post(doc, options);
  }
  remove(id: string, options?: CallOptions): Promise<string> {
    return this.parts.local.remove(id, options);
  }
  allDocs(options?: AllDocsOptions & CallOptions): Promise<AllDocsResult> {
    return this.parts.local.allDocs(options);
  }
  allAttachments(id: string, options?: CallOptions): Promise<Record<string, AttachmentInfo>> {
    return this.parts.local.allAttachments(id, options);
  }
  putAttachment(
    id: string,
    name: string,
    data: AttachmentData,
    options?: PutAttachmentOptions,
  ): Promise<AttachmentInfo> {
    return this.parts.local.putAttachment(id, name, data, options);
  }
  getAttachment<F extends AttachmentFormat = 'blob'>(
    id: string,
    name: string,
    options?: GetAttachmentOptions<F>,
  ): Promise<AttachmentFormats[F]> {
    return this.parts.local.getAttachment(id, name, options);
  }
  removeAttachment(id: string, name: string, options?: CallOptions): Promise<void> {
    return this.parts.local.removeAttachment(id, name, options);
  }
  changes(options?: ChangesOptions): Promise<ChangesResult> {
    return this.parts.local.changes(options);
  }
  bulkWrite(items: readonly BulkWriteItem[], options?: CallOptions): Promise<BulkWriteResult[]> {
    return this.parts.local.bulkWrite(items, options);
  }
  async close(): Promise<void> {
    await Promise.all([
      this.parts.local.close(),
      this.parts.remote.close(),
      this.parts.state.close(),
    ]);
  }
}

/** Registers `replicate`: `{type: 'replicate', local: spec, remote: spec, state: spec}`. */
export function registerReplicateStorage(registry: StorageRegistry): void {
  registry.register('replicate', (spec, context) => {
    for (const part of ['local', 'remote', 'state'] as const) {
      if (typeof spec[part] !== 'object' || spec[part] === null) {
        throw new JioError('bad_request', `replicate: a "${part}" storage spec is required`, {
          reason: 'invalid_spec',
        });
      }
    }
    return new ReplicateStorage({
      local: context.create(spec.local),
      remote: context.create(spec.remote),
      state: context.create(spec.state),
    });
  });
}
