import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  compareForSort,
  matchesQuery,
  parseQuery,
  QuerySyntaxError,
  serializeQuery,
  type QueryNode,
  type QuerySchema,
  type SimpleQuery,
} from './index.ts';

const tricky = [
  '%',
  '_',
  '"',
  '\\',
  ':',
  '(',
  ')',
  ' ',
  '!',
  '=',
  '<',
  '>',
  'é',
  '😀',
  '\n',
  'a',
  'B',
  '3',
  '.',
];

/** Keys: anything, including spaces, quotes, colons, keywords, unicode and ''. */
const anyKey = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 6 }),
  fc.string({ unit: fc.constantFrom(...tricky), maxLength: 6 }),
  fc.constantFrom('AND', 'OR', 'NOT', 'a b', 'a:b', '"q"', 'x\\', '', 'title'),
);
/** Values: anything, with %, _, ", \ well represented. */
const anyValue = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 8 }),
  fc.string({ unit: fc.constantFrom(...tricky), maxLength: 8 }),
);
const operator = fc.constantFrom('=', '!=', '<', '<=', '>', '>=', 'like' as const);

function queryArbitrary(
  key: fc.Arbitrary<string>,
  value: fc.Arbitrary<string>,
): fc.Arbitrary<QueryNode> {
  const simple: fc.Arbitrary<SimpleQuery> = fc.record(
    { type: fc.constant('simple' as const), key, value, operator },
    { requiredKeys: ['type', 'value'] },
  );
  const { node } = fc.letrec<{ node: QueryNode; complex: QueryNode }>((tie) => ({
    node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, simple, tie('complex')),
    complex: fc.record({
      type: fc.constant('complex' as const),
      operator: fc.constantFrom('AND' as const, 'OR' as const, 'NOT' as const),
      query_list: fc.array(tie('node'), { maxLength: 4 }),
    }),
  }));
  return node;
}

/** Small key and value pools so that random documents do match random queries. */
const poolKey = fc.constantFrom('a', 'b', 'my key', '');
const poolValue = fc.oneof(
  fc.constantFrom(
    '1',
    '10',
    '2.5',
    'x',
    'X',
    'x%',
    '%1%',
    '_',
    'true',
    '2026-01-01',
    '2026-01-01T01:00:00+01:00',
  ),
  fc.string({ unit: fc.constantFrom('x', '1', '%', '_', '\\'), maxLength: 3 }),
);
const scalar = fc.oneof(
  fc.constantFrom(
    1,
    10,
    2.5,
    -0,
    NaN,
    true,
    false,
    null,
    'x',
    'X',
    'x1',
    '1',
    '10',
    '2026-01-01T00:00:00Z',
    '_',
  ),
  fc.string({ unit: fc.constantFrom('x', '1', '%', '_', '\\'), maxLength: 3 }),
);
const fieldValue = fc.oneof(
  scalar,
  fc.array(scalar, { maxLength: 3 }),
  fc.record({ content: scalar }),
);
const doc = fc.dictionary(fc.constantFrom('a', 'b', 'my key', 'c'), fieldValue, { maxKeys: 4 });
const schemas: QuerySchema[] = [
  {},
  { a: { type: 'number' } },
  { a: { type: 'date-time' }, b: { type: 'string' } },
];

describe('properties', () => {
  it('serialize then parse gives the normal form back (and normalising is idempotent)', () => {
    fc.assert(
      fc.property(queryArbitrary(anyKey, anyValue), (node) => {
        const normal = parseQuery(node);
        expect(parseQuery(serializeQuery(node))).toStrictEqual(normal);
        expect(parseQuery(normal)).toStrictEqual(normal);
        expect(serializeQuery(normal)).toBe(serializeQuery(node));
      }),
      { numRuns: 2000 },
    );
  });

  it('parsing garbage throws nothing but QuerySyntaxError, at a position inside the text', () => {
    const garbage = fc.oneof(
      fc.string({
        unit: fc.constantFrom(...tricky, 'AND', 'OR', 'NOT', ' AND ', ' OR ', 'NOT ', 'k:'),
        maxLength: 30,
      }),
      fc.string({ unit: 'binary', maxLength: 30 }),
    );
    fc.assert(
      fc.property(garbage, (text) => {
        let node: QueryNode;
        try {
          node = parseQuery(text);
        } catch (error) {
          expect(error).toBeInstanceOf(QuerySyntaxError);
          const { position } = error as QuerySyntaxError;
          expect(position).toBeGreaterThanOrEqual(0);
          expect(position).toBeLessThanOrEqual(text.length);
          return;
        }
        // What parses, round-trips.
        expect(parseQuery(serializeQuery(node))).toStrictEqual(node);
      }),
      { numRuns: 5000 },
    );
  });

  it('a query and its round-tripped text give the same answer on random documents', () => {
    fc.assert(
      fc.property(
        queryArbitrary(poolKey, poolValue),
        fc.array(doc, { minLength: 1, maxLength: 8 }),
        fc.constantFrom(...schemas),
        (node, docs, schema) => {
          const text = serializeQuery(node);
          const again = parseQuery(text);
          for (const d of docs) {
            expect(matchesQuery(again, d, schema)).toBe(matchesQuery(node, d, schema));
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('NOT is the complement, AND / OR are every / some', () => {
    fc.assert(
      fc.property(
        queryArbitrary(poolKey, poolValue),
        queryArbitrary(poolKey, poolValue),
        doc,
        (p, q, d) => {
          const m = (node: QueryNode) => matchesQuery(node, d);
          expect(m({ type: 'complex', operator: 'NOT', query_list: [p] })).toBe(!m(p));
          expect(m({ type: 'complex', operator: 'AND', query_list: [p, q] })).toBe(m(p) && m(q));
          expect(m({ type: 'complex', operator: 'OR', query_list: [p, q] })).toBe(m(p) || m(q));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('compareForSort is a total preorder (antisymmetric, transitive) for every type', () => {
    const value = fc.oneof(fieldValue, fc.constant(undefined));
    const type = fc.constantFrom(
      undefined,
      'number' as const,
      'date-time' as const,
      'string' as const,
    );
    fc.assert(
      fc.property(value, value, value, type, (x, y, z, t) => {
        const c = (u: unknown, v: unknown) => Math.sign(compareForSort(u, v, t));
        expect(c(x, y)).toBe(-c(y, x) || 0);
        expect(c(x, x)).toBe(0);
        if (c(x, y) <= 0 && c(y, z) <= 0) expect(c(x, z)).toBeLessThanOrEqual(0);
      }),
      { numRuns: 3000 },
    );
  });
});
