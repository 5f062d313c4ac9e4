// The order the outbox is pushed in. The lake refuses a document whose parent it does not know
// (`unknown_parent`) and a manifest page whose chunks it does not hold, and it applies one bulk
// write in one transaction. So: sites, assets and datasets first (parents before children);
// then each signal as one family — its header, its pyramid levels, then their manifest pages —
// kept in one bulk write where it fits, so the lake never shows a header whose length its
// pages do not cover yet; then everything else, in local order.

const parentDepth: Record<string, number> = { site: 0, asset: 1, dataset: 2 };
const familyDepth: Record<string, number> = { signal: 0, 'pyramid-level': 1, 'chunk-page': 2 };

export interface OrderItem {
  id: string;
  /** The pushed content; undefined for a deletion. */
  doc: Record<string, unknown> | undefined;
}

/** The signal a family document belongs to: levels and their pages name it first. */
function familyOf(item: OrderItem): string | undefined {
  const type = item.doc?.type;
  if (type === 'signal') return item.id;
  if (type === 'pyramid-level' || type === 'chunk-page') {
    const signalId = item.doc?.signalId;
    if (typeof signalId !== 'string') return undefined;
    // A level's page names the level (`<signal>/level/<k>`); the family is the signal.
    const level = signalId.lastIndexOf('/level/');
    return level > 0 && type === 'chunk-page' ? signalId.slice(0, level) : signalId;
  }
  return undefined;
}

/** The items in push order, split into bulk writes of at most `bulkSize` items. */
export function orderForPush<T extends OrderItem>(items: readonly T[], bulkSize: number): T[][] {
  const parents: T[] = [];
  const families = new Map<string, T[]>();
  const rest: T[] = [];
  for (const item of items) {
    const type = item.doc?.type;
    if (typeof type === 'string' && type in parentDepth) {
      parents.push(item);
      continue;
    }
    const family = familyOf(item);
    if (family === undefined) rest.push(item);
    else families.set(family, [...(families.get(family) ?? []), item]);
  }
  parents.sort((a, b) => depth(parentDepth, a) - depth(parentDepth, b));
  const batches: T[][] = [];
  let batch: T[] = [];
  const flush = (): void => {
    if (batch.length > 0) batches.push(batch);
    batch = [];
  };
  const add = (group: readonly T[]): void => {
    if (batch.length > 0 && batch.length + group.length > bulkSize) flush();
    for (let start = 0; start < group.length; start += bulkSize) {
      const part = group.slice(start, start + bulkSize);
      if (batch.length + part.length > bulkSize) flush();
      batch.push(...part);
    }
  };
  for (const parent of parents) add([parent]);
  for (const family of families.values()) {
    add(family.slice().sort((a, b) => depth(familyDepth, a) - depth(familyDepth, b)));
  }
  for (const item of rest) add([item]);
  flush();
  return batches;
}

function depth(table: Record<string, number>, item: OrderItem): number {
  const type = item.doc?.type;
  return typeof type === 'string' ? (table[type] ?? 0) : 0;
}
