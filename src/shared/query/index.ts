// Fieldlake's query language: jIO's complex queries (text and structured form), their
// evaluation over documents, and allDocs' sort_on / limit / select_list / include_docs.
// README.md in this folder has the grammar, the semantics and the differences from jIO.
import { QueryInputError } from './errors.ts';
import { normalizeQuery } from './normalize.ts';
import { parseText } from './parser.ts';
import type { QueryNode } from './types.ts';

export type {
  AllDocsOptions,
  ComplexOperator,
  ComplexQuery,
  FieldType,
  QueryNode,
  QuerySchema,
  Row,
  SimpleOperator,
  SimpleQuery,
  SortDirection,
} from './types.ts';
export { QueryInputError, QuerySyntaxError } from './errors.ts';
export { serializeQuery } from './serialize.ts';
export { compileQuery, matchesQuery, type DocumentPredicate } from './evaluate.ts';
export { compareForSort } from './values.ts';
export { validateAllDocsOptions } from './options.ts';
export { runQuery } from './run.ts';

/**
 * Parses query text, or checks a structured query, and returns its normal form (see
 * README.md). Empty text gives `{type: 'complex', operator: 'AND', query_list: []}`, which
 * matches every document. Throws QuerySyntaxError (text) or QueryInputError (structure).
 */
export function parseQuery(input: string | QueryNode): QueryNode {
  if (typeof input === 'string') return parseText(input);
  if (typeof input !== 'object') {
    throw new QueryInputError('A query must be text or a structured query object');
  }
  return normalizeQuery(input);
}
