// Finding datasets and their signals as a reader may see them, for the reading routes.
import type { Principal } from '../auth/principal.ts';
import { canSee, siteFilter } from '../auth/principal.ts';
import { HttpError } from '../http/errors.ts';
import type { Lake } from '../lake.ts';
import type { StoredDoc } from '../meta/types.ts';

const PAGE = 1000;

export async function* allOfType(
  lake: Lake,
  principal: Principal,
  type: string,
  after?: string,
): AsyncGenerator<StoredDoc> {
  let cursor = after;
  for (;;) {
    const page = await lake.meta.listDocs({
      sites: siteFilter(principal),
      type,
      limit: PAGE,
      ...(cursor === undefined ? {} : { after: cursor }),
    });
    yield* page;
    if (page.length < PAGE) return;
    cursor = page.at(-1)?.id;
  }
}

/** The signals of a dataset and, for each, its pyramid levels (by level). */
export async function datasetSignals(
  lake: Lake,
  principal: Principal,
  datasetId: string,
): Promise<{ signal: StoredDoc; levels: StoredDoc[] }[]> {
  const signals: StoredDoc[] = [];
  for await (const doc of allOfType(lake, principal, 'signal')) {
    if (doc.body.datasetId === datasetId) signals.push(doc);
  }
  const result = [];
  for (const signal of signals) {
    const levelCount = typeof signal.body.levels === 'number' ? signal.body.levels : 0;
    const ids = Array.from({ length: levelCount }, (_, k) => `${signal.id}/level/${k + 1}`);
    const levels = (await lake.meta.getDocs(ids)).filter(
      (doc): doc is StoredDoc => doc !== undefined && !doc.deleted,
    );
    result.push({ signal, levels });
  }
  return result;
}

/** The dataset document, or 404 when it is missing, not a dataset or not visible. */
export async function visibleDataset(
  lake: Lake,
  principal: Principal,
  id: string,
): Promise<StoredDoc> {
  const doc = await lake.meta.getDoc(id);
  if (doc === undefined || doc.deleted || doc.type !== 'dataset' || !canSee(principal, doc.site)) {
    throw new HttpError('not_found', `No dataset "${id}"`);
  }
  return doc;
}
