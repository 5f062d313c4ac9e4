// The change feed a reader pulls (docs/lake-api.md, "Documents and sync"): every document it
// may see, once, at its latest revision, in sequence order — and, when a technician is granted
// a site, that site's older documents first (the backfill), so widening access never leaves
// a hole behind the reader's checkpoint.
import type { ChangesResponse, WireChange } from '../../src/shared/wire/lake.ts';
import type { Principal } from '../auth/principal.ts';
import { siteFilter } from '../auth/principal.ts';
import type { Lake } from '../lake.ts';
import type { SiteGrant, StoredDoc } from '../meta/types.ts';
import { type FeedPosition, formatCheckpoint } from './checkpoint.ts';
import { withRev } from './wire-doc.ts';

export interface FeedRequest {
  position: FeedPosition;
  limit: number;
  includeDocs: boolean;
}

function toChange(doc: StoredDoc, includeDocs: boolean): WireChange {
  const change: WireChange = { seq: doc.seq, id: doc.id, rev: doc.rev, deleted: doc.deleted };
  if (includeDocs && !doc.deleted) change.doc = withRev(doc);
  return change;
}

async function grantsOf(lake: Lake, principal: Principal): Promise<SiteGrant[]> {
  if (principal.role !== 'technician' || principal.userId === null) return [];
  return lake.meta.grants(principal.userId);
}

/**
 * One page of the feed. Backfills come first; when one completes, the same page goes on with
 * the next pending backfill and then the normal feed, so that an empty page always means "caught
 * up" — a reader never has to tell a finished backfill from the end of the feed.
 */
export async function readFeed(
  lake: Lake,
  principal: Principal,
  request: FeedRequest,
): Promise<ChangesResponse> {
  const { limit, includeDocs } = request;
  let position = request.position;
  const grants = await grantsOf(lake, principal);
  const newestGrant = grants.reduce((max, grant) => Math.max(max, grant.seq), 0);
  const rows: StoredDoc[] = [];

  for (;;) {
    // A reader starting from nothing gets every visible document in the normal feed: no grant
    // is pending for it.
    let backfill = position.backfill;
    if (backfill === undefined && position.seq > 0 && newestGrant > position.grants) {
      backfill = { after: 0, upTo: newestGrant };
    }
    if (backfill === undefined) break;
    const window = backfill;
    const sites = grants
      .filter((grant) => grant.seq > position.grants && grant.seq <= window.upTo)
      .map((grant) => grant.site);
    const room = limit - rows.length;
    const found =
      sites.length === 0
        ? []
        : await lake.meta.backfill({ sites, after: window.after, upTo: position.seq, limit: room });
    rows.push(...found);
    if (found.length === room) {
      position = {
        seq: position.seq,
        grants: position.grants,
        backfill: { after: found.at(-1)?.seq ?? window.after, upTo: window.upTo },
      };
      return {
        results: rows.map((doc) => toChange(doc, includeDocs)),
        last_seq: formatCheckpoint(position),
      };
    }
    position = { seq: position.seq, grants: window.upTo };
  }

  const room = limit - rows.length;
  const found =
    room === 0
      ? []
      : await lake.meta.changes({ since: position.seq, limit: room, sites: siteFilter(principal) });
  rows.push(...found);
  const next: FeedPosition = {
    seq: found.at(-1)?.seq ?? position.seq,
    grants: position.seq === 0 ? newestGrant : position.grants,
  };
  return {
    results: rows.map((doc) => toChange(doc, includeDocs)),
    last_seq: formatCheckpoint(next),
  };
}
