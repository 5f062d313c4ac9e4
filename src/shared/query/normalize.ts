// The normal form of a query: what the parser builds and what a structured query is checked
// and rewritten into, so that equal meanings have equal trees. The rules are jIO's parser's:
// same-operator children are flattened into their parent, a one-child AND/OR is its child,
// NOT NOT x is x; plus ours for the cases jIO's parser cannot produce: an empty key and the
// `like` operator are dropped, NOT of several children is NOT of their AND, and an empty OR
// (matches nothing) becomes NOT of the empty AND (which matches everything).
import { QueryInputError } from './errors.ts';
import type { ComplexQuery, QueryNode, SimpleOperator, SimpleQuery } from './types.ts';

/**
 * Deepest query accepted, in levels (a simple query is one level), in its normal form, from
 * text or structured: what parses also serialises and parses again, and nothing overflows the
 * stack.
 */
export const MAX_QUERY_DEPTH = 100;

/** Structured input nested deeper than this is refused before normalising (cycles too). */
const MAX_INPUT_DEPTH = 1000;

function depthOf(node: QueryNode): number {
  if (node.type === 'simple') return 1;
  let depth = 0;
  for (const child of node.query_list) depth = Math.max(depth, depthOf(child));
  return depth + 1;
}

/** The query that matches every document (and the parse of an empty text). */
export function matchAll(): ComplexQuery {
  return { type: 'complex', operator: 'AND', query_list: [] };
}

export function makeSimple(key: string, value: string, operator?: SimpleOperator): SimpleQuery {
  const node: SimpleQuery = { type: 'simple', value };
  if (key !== '') node.key = key;
  if (operator !== undefined && operator !== 'like') node.operator = operator;
  return node;
}

/** AND/OR of normalised children, flattened; one child is returned as is. */
export function makeJunction(operator: 'AND' | 'OR', children: readonly QueryNode[]): QueryNode {
  const list: QueryNode[] = [];
  for (const child of children) {
    if (child.type === 'complex' && child.operator === operator) list.push(...child.query_list);
    else list.push(child);
  }
  if (list.length === 1 && list[0] !== undefined) return list[0];
  if (list.length === 0 && operator === 'OR') return makeNot(matchAll());
  return { type: 'complex', operator, query_list: list };
}

/** NOT of a normalised child; NOT NOT x is x. */
export function makeNot(child: QueryNode): QueryNode {
  if (child.type === 'complex' && child.operator === 'NOT' && child.query_list[0] !== undefined) {
    return child.query_list[0];
  }
  return { type: 'complex', operator: 'NOT', query_list: [child] };
}

const simpleOperators: ReadonlySet<unknown> = new Set(['=', '!=', '<', '<=', '>', '>=', 'like']);
const simpleFields: ReadonlySet<string> = new Set(['type', 'key', 'value', 'operator']);
const complexFields: ReadonlySet<string> = new Set(['type', 'operator', 'query_list']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkFields(
  node: Record<string, unknown>,
  allowed: ReadonlySet<string>,
  at: string,
): void {
  for (const field of Object.keys(node)) {
    if (!allowed.has(field)) {
      throw new QueryInputError(
        `${at} has an unknown property ${JSON.stringify(field)} (allowed: ${[...allowed].join(', ')})`,
      );
    }
  }
}

/** Checks a structured query and returns its normal form; `at` names it in messages. */
export function normalizeQuery(input: unknown, at = 'query'): QueryNode {
  const node = normalizeNode(input, at, 1);
  if (depthOf(node) > MAX_QUERY_DEPTH) {
    throw new QueryInputError(`${at} is nested deeper than ${MAX_QUERY_DEPTH} levels`);
  }
  return node;
}

function normalizeNode(input: unknown, at: string, level: number): QueryNode {
  if (level > MAX_INPUT_DEPTH) {
    throw new QueryInputError(`${at} is nested deeper than ${MAX_QUERY_DEPTH} levels`);
  }
  if (!isRecord(input)) {
    throw new QueryInputError(`${at} must be a query object ({type: 'simple' | 'complex', …})`);
  }
  if (input['type'] === 'simple') {
    checkFields(input, simpleFields, at);
    const { key, value, operator } = input;
    if (key !== undefined && typeof key !== 'string') {
      throw new QueryInputError(`${at}.key must be a string`);
    }
    if (typeof value !== 'string') {
      throw new QueryInputError(`${at}.value must be a string`);
    }
    if (operator !== undefined && !simpleOperators.has(operator)) {
      throw new QueryInputError(`${at}.operator must be one of =, !=, <, <=, >, >=, like`);
    }
    return makeSimple(key ?? '', value, operator as SimpleOperator | undefined);
  }
  if (input['type'] === 'complex') {
    checkFields(input, complexFields, at);
    const { operator, query_list: list } = input;
    if (operator !== 'AND' && operator !== 'OR' && operator !== 'NOT') {
      throw new QueryInputError(`${at}.operator must be AND, OR or NOT`);
    }
    if (!Array.isArray(list)) {
      throw new QueryInputError(`${at}.query_list must be an array of queries`);
    }
    const children = list.map((child: unknown, i) =>
      normalizeNode(child, `${at}.query_list[${i}]`, level + 1),
    );
    if (operator === 'NOT') {
      const only = children.length === 1 ? children[0] : undefined;
      return makeNot(only ?? makeJunction('AND', children));
    }
    return makeJunction(operator, children);
  }
  throw new QueryInputError(`${at}.type must be 'simple' or 'complex'`);
}
