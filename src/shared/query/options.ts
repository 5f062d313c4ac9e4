// Checks allDocs options before any document is read, with one clear message per mistake.
import { QueryInputError } from './errors.ts';
import { normalizeQuery } from './normalize.ts';
import { parseText } from './parser.ts';
import type { AllDocsOptions, SortDirection } from './types.ts';

const known: ReadonlySet<string> = new Set([
  'query',
  'sort_on',
  'limit',
  'select_list',
  'include_docs',
]);

/** A value as the message shows it (JSON when it has one). */
function show(value: unknown): string {
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol') {
    return typeof value;
  }
  try {
    return JSON.stringify(value);
  } catch {
    return typeof value; // a bigint, or a cycle
  }
}

function isCount(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}

/**
 * Checks allDocs options and returns them normalised: `query` parsed to its structured normal
 * form (a syntax error throws QuerySyntaxError), `limit` as `[skip, count]`, absent options
 * (and `undefined` ones) left out. Anything else throws QueryInputError.
 */
export function validateAllDocsOptions(options: unknown): AllDocsOptions {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new QueryInputError('allDocs options must be an object');
  }
  const input = options as Record<string, unknown>;
  const out: AllDocsOptions = {};
  for (const name of Object.keys(input)) {
    if (!known.has(name) && input[name] !== undefined) {
      throw new QueryInputError(
        `Unknown allDocs option ${JSON.stringify(name)} (known: ${[...known].join(', ')})`,
      );
    }
  }
  const {
    query,
    sort_on: sortOn,
    limit,
    select_list: selectList,
    include_docs: includeDocs,
  } = input;

  if (query !== undefined) {
    out.query = typeof query === 'string' ? parseText(query) : normalizeQuery(query, 'query');
  }

  if (sortOn !== undefined) {
    if (!Array.isArray(sortOn)) {
      throw new QueryInputError('sort_on must be an array of [key, "ascending" | "descending"]');
    }
    out.sort_on = sortOn.map((pair: unknown, i): readonly [string, SortDirection] => {
      if (
        !Array.isArray(pair) ||
        pair.length !== 2 ||
        typeof pair[0] !== 'string' ||
        (pair[1] !== 'ascending' && pair[1] !== 'descending')
      ) {
        throw new QueryInputError(
          `sort_on[${i}] must be [key, "ascending" | "descending"], not ${show(pair)}`,
        );
      }
      return [pair[0], pair[1]];
    });
  }

  if (limit !== undefined) {
    if (!Array.isArray(limit) || limit.length < 1 || limit.length > 2 || !limit.every(isCount)) {
      throw new QueryInputError(
        `limit must be [count] or [skip, count] of non-negative integers, not ${show(limit)}`,
      );
    }
    const [first, second] = limit;
    out.limit = second === undefined ? [0, first ?? 0] : [first ?? 0, second];
  }

  if (selectList !== undefined) {
    if (!Array.isArray(selectList) || !selectList.every((key) => typeof key === 'string')) {
      throw new QueryInputError('select_list must be an array of keys (strings)');
    }
    out.select_list = [...selectList];
  }

  if (includeDocs !== undefined) {
    if (typeof includeDocs !== 'boolean') {
      throw new QueryInputError('include_docs must be true or false');
    }
    out.include_docs = includeDocs;
  }
  return out;
}
