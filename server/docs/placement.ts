// Which site a document belongs to (docs/lake-api.md, "Roles and sites"): access control is
// by site, so every document gets one (or none) when it is written, from its own fields or its
// parent's. A parent must exist (stored, or earlier in the same batch) — a document pointing at
// an unknown parent would otherwise land site-less, visible to every technician.
import type { JsonObject, StoredDoc } from '../meta/types.ts';
import { HttpError } from '../http/errors.ts';

export interface Placement {
  site: string | null;
  type: string | null;
}

/** Fields that name a parent document, most specific first. */
const parentFields = ['signalId', 'datasetId', 'assetId'] as const;

/** Looks up a parent's placement: earlier in the batch first, then the store. */
export type ParentLookup = (id: string) => Promise<Placement | undefined>;

export function typeOf(body: JsonObject): string | null {
  return typeof body.type === 'string' ? body.type : null;
}

export async function placeDocument(
  id: string,
  body: JsonObject,
  lookup: ParentLookup,
): Promise<Placement> {
  const type = typeOf(body);
  if (type === 'site') return { site: id, type };
  if (body.site !== undefined) {
    if (typeof body.site !== 'string' || body.site.length === 0) {
      throw new HttpError('bad_request', `"site" of "${id}" must be a site id`, {
        reason: 'invalid_document',
      });
    }
    return { site: body.site, type };
  }
  for (const field of parentFields) {
    const parentId = body[field];
    if (parentId === undefined) continue;
    if (typeof parentId !== 'string' || parentId.length === 0) {
      throw new HttpError('bad_request', `"${field}" of "${id}" must be a document id`, {
        reason: 'invalid_document',
      });
    }
    const parent = await lookup(parentId);
    if (parent === undefined) {
      throw new HttpError(
        'bad_request',
        `"${id}" refers to ${field} "${parentId}", which does not exist: write the parent first`,
        { reason: 'unknown_parent' },
      );
    }
    return { site: parent.site, type };
  }
  return { site: null, type };
}

export function placementOf(doc: StoredDoc): Placement {
  return { site: doc.site, type: doc.type };
}
