// allDocs over a list of documents: filter, sort (stable, ties by id), limit, select, include.
import { compileQuery, fieldType } from './evaluate.ts';
import { validateAllDocsOptions } from './options.ts';
import type { AllDocsOptions, QuerySchema, Row } from './types.ts';
import { compareCodePoints, compareSortKeys, ownField, sortKey, type SortKey } from './values.ts';

interface Entry {
  readonly id: string;
  readonly doc: Record<string, unknown>;
}

/** Sets an own property, even one named `__proto__`. */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

function sortEntries(
  entries: Entry[],
  sortOn: NonNullable<AllDocsOptions['sort_on']>,
  schema: QuerySchema | undefined,
): Entry[] {
  const fields = sortOn.map(([key, direction]) => ({
    key,
    sign: direction === 'descending' ? -1 : 1,
    type: fieldType(schema, key),
  }));
  const decorated = entries.map((entry) => ({
    entry,
    keys: fields.map(({ key, type }): SortKey => sortKey(ownField(entry.doc, key), type)),
  }));
  decorated.sort((a, b) => {
    for (let i = 0; i < fields.length; i += 1) {
      const x = a.keys[i] ?? [];
      const y = b.keys[i] ?? [];
      // Missing values go last whatever the direction.
      if (x.length === 0 || y.length === 0) {
        const c = (x.length === 0 ? 1 : 0) - (y.length === 0 ? 1 : 0);
        if (c !== 0) return c;
        continue;
      }
      const c = compareSortKeys(x, y);
      if (c !== 0) return c * (fields[i]?.sign ?? 1);
    }
    return compareCodePoints(a.entry.id, b.entry.id);
  });
  return decorated.map(({ entry }) => entry);
}

/**
 * Runs allDocs options over documents. Without sort_on, rows keep the documents' order.
 * `value` holds the select_list keys the document has (`{}` without select_list); `doc` is
 * the document object itself (not a copy).
 */
export function runQuery(
  docs: Iterable<{ id: string; doc: Record<string, unknown> }>,
  options: AllDocsOptions,
  schema?: QuerySchema,
): Row[] {
  const checked = validateAllDocsOptions(options);
  const matches = checked.query === undefined ? () => true : compileQuery(checked.query, schema);
  let entries: Entry[] = [];
  for (const entry of docs) {
    if (matches(entry.doc)) entries.push(entry);
  }
  if (checked.sort_on !== undefined && checked.sort_on.length > 0) {
    entries = sortEntries(entries, checked.sort_on, schema);
  }
  if (checked.limit !== undefined) {
    const [skip, count = Infinity] = checked.limit;
    entries = entries.slice(skip, skip + count);
  }
  const select = checked.select_list;
  return entries.map(({ id, doc }) => {
    const value: Record<string, unknown> = {};
    if (select !== undefined) {
      for (const key of select) {
        if (Object.hasOwn(doc, key)) setOwn(value, key, doc[key]);
      }
    }
    return checked.include_docs === true ? { id, value, doc } : { id, value };
  });
}
