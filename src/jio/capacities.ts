// jIO's capacity gate: allDocs options that a storage cannot honour answer 501, so a caller
// learns to wrap it (e.g. in `query`) instead of getting silently wrong rows.
import { JioError } from './errors.ts';
import type { AllDocsOptions, Capacity } from './types.ts';

export function requireAllDocsCapacities(
  hasCapacity: (name: Capacity) => boolean,
  options: AllDocsOptions,
  storageName: string,
): void {
  const needs: [boolean, Capacity, string][] = [
    [options.query !== undefined && options.query !== '', 'query', 'query'],
    [options.sort_on !== undefined, 'sort', 'sort_on'],
    [options.limit !== undefined, 'limit', 'limit'],
    [options.select_list !== undefined, 'select', 'select_list'],
    [options.include_docs === true, 'include', 'include_docs'],
  ];
  for (const [needed, capacity, option] of needs) {
    if (needed && !hasCapacity(capacity)) {
      throw new JioError(
        'not_implemented',
        `The ${storageName} storage cannot handle ${option}: wrap it in a "query" storage`,
        { reason: `capacity_${capacity}` },
      );
    }
  }
}

/** Whether allDocs options ask for more than a plain listing (query, sort, limit or select). */
export function needsQueryEngine(options: AllDocsOptions): boolean {
  return (
    options.query !== undefined ||
    options.sort_on !== undefined ||
    options.limit !== undefined ||
    options.select_list !== undefined
  );
}
