// "Synced / pending / failed and why", per dataset: the outbox and the failed pushes grouped
// by the dataset each document belongs to (its own id for a dataset; `datasetId`; through its
// signal for levels and manifest pages). Documents outside any dataset (sites, kits,
// dashboards) are grouped under `other`.
import type { PushFailure } from './sync-state.ts';

export interface DatasetSyncStatus {
  /** The dataset id, or `other`. */
  datasetId: string;
  state: 'pending' | 'failed';
  pending: number;
  failed: number;
  /** Distinct failure messages (why). */
  reasons: string[];
}

export type DocLookup = (id: string) => Promise<Record<string, unknown> | undefined>;

const OTHER = 'other';

/** The dataset a document belongs to, following signal and level links (at most 4 hops). */
export async function datasetOf(
  id: string,
  doc: Record<string, unknown> | undefined,
  lookup: DocLookup,
): Promise<string> {
  let current = doc;
  let currentId = id;
  for (let hop = 0; hop < 4 && current !== undefined; hop++) {
    if (current.type === 'dataset') return currentId;
    if (typeof current.datasetId === 'string') return current.datasetId;
    const parent = current.signalId;
    if (typeof parent !== 'string') return OTHER;
    currentId = parent;
    current = await lookup(parent);
  }
  return OTHER;
}

/** Per-dataset status of what is not synced; datasets absent from the answer are synced. */
export async function datasetStatuses(
  outbox: readonly { id: string; doc?: Record<string, unknown> }[],
  failures: readonly [string, PushFailure][],
  lookup: DocLookup,
): Promise<DatasetSyncStatus[]> {
  const cache = new Map<string, Promise<Record<string, unknown> | undefined>>();
  const cachedLookup: DocLookup = (id) => {
    let found = cache.get(id);
    if (found === undefined) {
      found = lookup(id);
      cache.set(id, found);
    }
    return found;
  };
  const failed = new Map(failures);
  const byDataset = new Map<string, DatasetSyncStatus>();
  for (const item of outbox) {
    const datasetId = await datasetOf(item.id, item.doc, cachedLookup);
    let status = byDataset.get(datasetId);
    if (status === undefined) {
      status = { datasetId, state: 'pending', pending: 0, failed: 0, reasons: [] };
      byDataset.set(datasetId, status);
    }
    status.pending++;
    const failure = failed.get(item.id);
    if (failure !== undefined) {
      status.failed++;
      status.state = 'failed';
      if (!status.reasons.includes(failure.message)) status.reasons.push(failure.message);
    }
  }
  return [...byDataset.values()].sort((a, b) => (a.datasetId < b.datasetId ? -1 : 1));
}
