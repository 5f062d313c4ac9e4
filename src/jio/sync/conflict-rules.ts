// What happens when the lake answers a push with a conflict: one rule per document type
// (DESIGN.md, "Sync"), none of which trusts a device clock.
// - keep-both (annotations): two people labelled the same range differently; both labels stay
//   visible. The lake's version keeps the id, the local one is kept as a new annotation that
//   names the one it conflicted with (`conflictOf`). An edit beats a deletion.
// - last-write-wins (dashboards, kits, sites and every other shared document): "the later in
//   the server's order wins". A push that conflicts arrives after what the lake holds, so the
//   local version wins, and the version it replaces is kept as a `history` document.
// - single-writer (signal headers, pyramid levels, manifest pages): one source appends to a
//   signal, so a conflict is a bug. It is reported; neither side is overwritten and the local
//   version stays in the outbox.
// A conflict whose two sides are the same content (a push applied whose answer was lost, the
// same edit made twice) is no conflict: the lake's revision is simply adopted.

export type ConflictRule = 'keep-both' | 'last-write-wins' | 'single-writer';

const singleWriterTypes = new Set(['signal', 'pyramid-level', 'chunk-page']);

export function ruleFor(type: unknown): ConflictRule {
  if (type === 'annotation') return 'keep-both';
  if (typeof type === 'string' && singleWriterTypes.has(type)) return 'single-writer';
  return 'last-write-wins';
}

/** Deep equality of JSON values, key order ignored, `_`-prefixed keys ignored at the top. */
export function sameContent(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const keysA = Object.keys(a).filter((key) => !key.startsWith('_'));
  const keysB = Object.keys(b).filter((key) => !key.startsWith('_'));
  if (keysA.length !== keysB.length) return false;
  return keysA.every((key) => Object.hasOwn(b, key) && sameJson(a[key], b[key]));
}

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((value, index) => sameJson(value, b[index]));
  }
  const recordA = a as Record<string, unknown>;
  const recordB = b as Record<string, unknown>;
  const keys = Object.keys(recordA);
  if (keys.length !== Object.keys(recordB).length) return false;
  return keys.every((key) => Object.hasOwn(recordB, key) && sameJson(recordA[key], recordB[key]));
}

/** The content of a stored document without its reserved keys. */
export function contentOf(doc: Record<string, unknown>): Record<string, unknown> {
  const content: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(doc)) if (!key.startsWith('_')) content[key] = value;
  return content;
}

/** Ids are at most 1024 characters; a derived id keeps its suffix whole and shortens the base. */
function derivedId(id: string, suffix: string): string {
  return `${id.slice(0, 1024 - suffix.length)}${suffix}`;
}

/** Deterministic, so a resolution redone after a crash writes the same document again. */
export function forkId(id: string, localRev: string): string {
  return derivedId(id, `~conflict-${localRev}`);
}

export function historyId(id: string, replacedRev: string): string {
  return derivedId(id, `~history-${replacedRev}`);
}

/** Fields that place a document under a site on the lake; a history document copies them. */
const placementFields = ['site', 'assetId', 'datasetId', 'signalId'] as const;

/** The side of a conflict that is not ours: a document, a tombstone, or nothing. */
export type LakeState =
  | { kind: 'live'; rev: string; content: Record<string, unknown> }
  | { kind: 'deleted'; rev: string }
  | { kind: 'absent' };

export function lakeStateOf(
  current: Readonly<Record<string, unknown>> | null | undefined,
): LakeState {
  if (current === null || current === undefined) return { kind: 'absent' };
  const rev = current._rev;
  if (typeof rev !== 'string') return { kind: 'absent' };
  if (current._deleted === true) return { kind: 'deleted', rev };
  return { kind: 'live', rev, content: contentOf(current) };
}

/** Our side: the local version that was pushed. */
export type LocalSide =
  | { deleted: false; rev: string; content: Record<string, unknown> }
  | { deleted: true; rev: string };

export type Resolution =
  /** Both sides agree: adopt the lake's revision, nothing to write. */
  | { kind: 'settled'; masterRev: string | null }
  /** Push again over `masterRev`; `keep` is a document to write locally first (history). */
  | {
      kind: 'repush';
      masterRev: string | null;
      keep?: { id: string; doc: Record<string, unknown> };
      detail: string;
    }
  /** Take the lake's version locally; `keep` preserves ours under a new id (keep-both). */
  | {
      kind: 'adopt';
      masterRev: string;
      lake: { deleted: true } | { deleted: false; content: Record<string, unknown> };
      keep?: { id: string; doc: Record<string, unknown> };
      detail: string;
    }
  | { kind: 'bug'; detail: string };

/**
 * The resolution of a conflict between the local version and what the lake holds. `applied`:
 * the lake says this very write was applied earlier and replaced since (a retry that arrived
 * late) — the replacement already saw it, so the lake's version is simply adopted. `own`: the
 * lake's version is one this device pushed (its answer lost) — no one else wrote it.
 */
export function resolveConflict(
  id: string,
  local: LocalSide,
  lake: LakeState,
  from: { applied?: boolean; own?: boolean } = {},
): Resolution {
  if (from.own === true && lake.kind !== 'absent') {
    // The lake holds an earlier push of this device whose answer was lost; the document
    // changed here since. Nobody else is involved: push the newer version over it.
    const same =
      lake.kind === 'deleted'
        ? local.deleted
        : !local.deleted && sameContent(local.content, lake.content);
    return same
      ? { kind: 'settled', masterRev: lake.rev }
      : {
          kind: 'repush',
          masterRev: lake.rev,
          detail:
            'the lake holds an earlier push of this device (its answer was lost): pushed again over it',
        };
  }
  if (from.applied === true && lake.kind !== 'absent') {
    return {
      kind: 'adopt',
      masterRev: lake.rev,
      lake: lake.kind === 'deleted' ? { deleted: true } : { deleted: false, content: lake.content },
      detail: 'applied earlier, replaced since: the lake version is adopted',
    };
  }
  if (lake.kind === 'absent') {
    // The lake has nothing (it never had it, or the assumed revision was wrong): create it.
    return local.deleted
      ? { kind: 'settled', masterRev: null }
      : { kind: 'repush', masterRev: null, detail: 'the lake did not have it' };
  }
  if (lake.kind === 'deleted' && local.deleted) return { kind: 'settled', masterRev: lake.rev };
  if (lake.kind === 'live' && !local.deleted && sameContent(local.content, lake.content)) {
    return { kind: 'settled', masterRev: lake.rev };
  }
  const type = local.deleted
    ? lake.kind === 'live'
      ? lake.content.type
      : undefined
    : local.content.type;
  const rule = ruleFor(type);
  if (rule === 'single-writer') {
    return {
      kind: 'bug',
      detail: `${String(type)} "${id}" has a single writer, yet the lake holds revision ${lake.rev} and this device ${local.rev}: neither was overwritten`,
    };
  }
  if (rule === 'keep-both') {
    if (local.deleted && lake.kind === 'live') {
      return {
        kind: 'adopt',
        masterRev: lake.rev,
        lake: { deleted: false, content: lake.content },
        detail: 'keep-both: an edit on the lake beats a local deletion',
      };
    }
    if (!local.deleted && lake.kind === 'deleted') {
      return {
        kind: 'repush',
        masterRev: lake.rev,
        detail: 'keep-both: a local edit beats a deletion on the lake',
      };
    }
    if (!local.deleted && lake.kind === 'live') {
      return {
        kind: 'adopt',
        masterRev: lake.rev,
        lake: { deleted: false, content: lake.content },
        keep: { id: forkId(id, local.rev), doc: { ...local.content, conflictOf: id } },
        detail: `keep-both: the local version is kept as ${forkId(id, local.rev)}`,
      };
    }
  }
  // last-write-wins: this push is the later one in the lake's order.
  if (lake.kind === 'live') {
    const history: Record<string, unknown> = {
      type: 'history',
      of: id,
      ofType: lake.content.type ?? null,
      replacedRev: lake.rev,
      content: lake.content,
    };
    for (const field of placementFields) {
      if (lake.content[field] !== undefined) history[field] = lake.content[field];
    }
    return {
      kind: 'repush',
      masterRev: lake.rev,
      keep: { id: historyId(id, lake.rev), doc: history },
      detail: `last-write-wins: the replaced version is kept as ${historyId(id, lake.rev)}`,
    };
  }
  return {
    kind: 'repush',
    masterRev: lake.rev,
    detail: 'last-write-wins over a deletion on the lake',
  };
}
