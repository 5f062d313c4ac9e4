// The one write path for documents, whatever route they come through (single put, bulk push,
// demo seeding): validation by the shared document rules, placement (site), access by site,
// chunk-reference checks, the conditional write in one transaction, then the derived state
// (chunk references, Zarr view) and the live notification.
import {
  checkDocumentRule,
  checkIdRule,
  DocumentRuleError,
  isRevision,
} from '../../src/shared/wire/document-rules.ts';
import type { WireBulkItem, WireBulkResult } from '../../src/shared/wire/lake.ts';
import { isSha256Hex } from '../../src/shared/chunk/sha256.ts';
import { canSee, canWrite, type Principal } from '../auth/principal.ts';
import { HttpError, mapError } from '../http/errors.ts';
import type { Lake } from '../lake.ts';
import type { DocWrite, JsonObject, StoredDoc } from '../meta/types.ts';
import type { DerivedState } from '../zarr/derived-state.ts';
import { attachmentRefId } from './attachment-refs.ts';
import { type Placement, placeDocument, placementOf } from './placement.ts';
import { withRev } from './wire-doc.ts';

/** Bulk pushes larger than this are refused (413): a client pages its outbox. */
export const MAX_BULK_ITEMS = 1000;

interface Prepared {
  index: number;
  write: DocWrite;
}

/**
 * How a conflict shows the stored state, as every storage does (src/jio/documents.ts): the
 * document, a tombstone `{_rev, _deleted: true}`, or null — and null for what the writer may
 * not see.
 */
export function currentState(
  principal: Principal,
  stored: StoredDoc | null,
): Record<string, unknown> | null {
  if (stored === null || !canSee(principal, stored.site)) return null;
  if (stored.deleted) return { _rev: stored.rev, _deleted: true };
  return withRev(stored);
}

function failure(id: string, error: unknown): WireBulkResult {
  const { body } = mapError(error);
  return { id, ok: false, error: body.error };
}

export class DocService {
  constructor(
    private readonly lake: Lake,
    private readonly derived: DerivedState,
  ) {}

  /** A document the principal may see, or 404 (never 403: existence is not leaked). */
  async get(principal: Principal, id: string): Promise<StoredDoc> {
    checkIdRule(id);
    const doc = await this.lake.meta.getDoc(id);
    if (doc === undefined || doc.deleted || !canSee(principal, doc.site)) {
      throw new HttpError('not_found', `No document "${id}"`);
    }
    return doc;
  }

  /** Conditional writes with per-item results; invalid items fail alone. */
  async write(principal: Principal, items: readonly WireBulkItem[]): Promise<WireBulkResult[]> {
    if (items.length > MAX_BULK_ITEMS) {
      throw new HttpError(
        'payload_too_large',
        `At most ${MAX_BULK_ITEMS} items per bulk write, got ${items.length}`,
      );
    }
    const results: (WireBulkResult | undefined)[] = new Array<WireBulkResult | undefined>(
      items.length,
    );
    const ids = items.map((item) => (typeof item.id === 'string' ? item.id : ''));
    const stored = await this.lake.meta.getDocs(ids);
    const batch = new Map<string, Placement>();
    const lookup = async (parentId: string): Promise<Placement | undefined> => {
      const inBatch = batch.get(parentId);
      if (inBatch !== undefined) return inBatch;
      const parent = await this.lake.meta.getDoc(parentId);
      // A parent the writer may not see does not exist for them (existence is not leaked).
      return parent === undefined || parent.deleted || !canSee(principal, parent.site)
        ? undefined
        : placementOf(parent);
    };

    const prepared: Prepared[] = [];
    for (const [index, item] of items.entries()) {
      const id = ids[index] ?? '';
      try {
        const write = await this.#prepare(principal, item, stored[index], lookup);
        prepared.push({ index, write });
        if (!write.deleted) batch.set(write.id, { site: write.site, type: write.type });
      } catch (error) {
        results[index] = failure(id, error);
      }
    }

    const outcomes = await this.lake.meta.writeDocs(prepared.map((p) => p.write));
    let maxSeq = 0;
    const sites: (string | null)[] = [];
    for (const [position, outcome] of outcomes.entries()) {
      const item = prepared[position];
      if (item === undefined) continue;
      if (outcome.ok) {
        results[item.index] = { id: outcome.id, ok: true, rev: outcome.rev };
        if (!outcome.replayed) {
          maxSeq = Math.max(maxSeq, outcome.seq);
          sites.push(item.write.site);
          if (item.write.deleted) await this.#dropAttachments(item.write.id);
        }
      } else {
        results[item.index] = {
          id: outcome.id,
          ok: false,
          error: {
            code: 'conflict',
            status: 409,
            ...(outcome.applied === true
              ? {
                  message: `This write to "${outcome.id}" was applied earlier and has been replaced since`,
                  reason: 'applied_then_replaced',
                }
              : {
                  message: `Document "${outcome.id}" is not at the assumed revision`,
                  reason: 'revision_conflict',
                }),
            current: currentState(principal, outcome.current),
          },
        };
      }
    }
    if (maxSeq > 0) {
      await this.derived.applyUpTo(maxSeq);
      this.lake.changes.notify(maxSeq, sites);
    }
    return results.map((result, index) => result ?? failure(ids[index] ?? '', new Error('lost')));
  }

  /** A deleted document loses its attachments; their bytes become collectable. */
  async #dropAttachments(id: string): Promise<void> {
    for (const record of await this.lake.meta.listAttachments(id)) {
      await this.lake.meta.clearChunkRefs(attachmentRefId(id, record.name));
    }
    await this.lake.meta.removeAttachments(id);
  }

  async #prepare(
    principal: Principal,
    item: WireBulkItem,
    current: StoredDoc | undefined,
    lookup: (id: string) => Promise<Placement | undefined>,
  ): Promise<DocWrite> {
    const id = checkIdRule(item.id);
    const assumed: unknown = item.assumedRev;
    if (
      assumed !== undefined &&
      assumed !== null &&
      (typeof assumed !== 'string' || !isRevision(assumed))
    ) {
      throw new DocumentRuleError('invalid_revision', 'assumedRev must be a revision or null');
    }
    const assumedRev = assumed;
    if (current !== undefined && !current.deleted && !canSee(principal, current.site)) {
      throw new HttpError('forbidden', `You may not write "${id}"`);
    }
    const deleted = item.deleted === true || item.doc === undefined;
    if (deleted) {
      if (current !== undefined && !canWrite(principal, current.site, current.type)) {
        throw new HttpError('forbidden', `You may not delete "${id}"`);
      }
      return {
        id,
        body: current?.body ?? {},
        deleted: true,
        ...(assumedRev === undefined ? {} : { assumedRev }),
        site: current?.site ?? null,
        type: current?.type ?? null,
      };
    }
    const { content } = checkDocumentRule(item.doc);
    const placement = await placeDocument(id, content, lookup);
    if (!canWrite(principal, placement.site, placement.type)) {
      throw new HttpError(
        'forbidden',
        `You may not write "${id}" (site ${placement.site ?? 'none'})`,
      );
    }
    if (
      current !== undefined &&
      !current.deleted &&
      !canWrite(principal, current.site, current.type)
    ) {
      throw new HttpError('forbidden', `You may not change "${id}"`);
    }
    if (placement.type === 'chunk-page') await this.#checkPage(id, content);
    return {
      id,
      body: content,
      deleted: false,
      ...(assumedRev === undefined ? {} : { assumedRev }),
      site: placement.site,
      type: placement.type,
    };
  }

  /** A manifest page may reference only chunks the lake holds: chunks travel first. */
  async #checkPage(id: string, body: JsonObject): Promise<void> {
    const { entries, page } = body;
    if (!Array.isArray(entries) || typeof page !== 'number' || !Number.isSafeInteger(page)) {
      throw new HttpError('bad_request', `Chunk page "${id}" needs "page" and "entries"`, {
        reason: 'invalid_document',
      });
    }
    if (entries.length > 1024) {
      throw new HttpError('bad_request', `Chunk page "${id}" has more than 1024 entries`, {
        reason: 'invalid_document',
      });
    }
    const missing: string[] = [];
    for (const entry of entries as unknown[]) {
      const sha = (entry as { sha256?: unknown } | null)?.sha256;
      if (!isSha256Hex(sha)) {
        throw new HttpError('bad_request', `Chunk page "${id}" has an entry without a sha256`, {
          reason: 'invalid_document',
        });
      }
      if ((await this.lake.meta.getChunk(sha)) === undefined) missing.push(sha);
    }
    if (missing.length > 0) {
      throw new HttpError(
        'bad_request',
        `Chunk page "${id}" references ${missing.length} chunk(s) the lake does not hold (first: ${missing[0] ?? ''}): upload chunks before their manifest`,
        { reason: 'missing_chunks' },
      );
    }
  }
}
