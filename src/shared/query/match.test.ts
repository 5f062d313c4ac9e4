import { describe, expect, it } from 'vitest';
import { matchCases } from './cases.ts';
import { compileQuery, matchesQuery, parseQuery, QueryInputError } from './index.ts';

describe('matchesQuery: the case table', () => {
  it.each(matchCases.map((c) => [c.rule, c] as const))('%s', (_rule, c) => {
    const node = parseQuery(c.query);
    for (const doc of c.yes) {
      expect({ doc, matches: matchesQuery(node, doc, c.schema) }).toEqual({ doc, matches: true });
    }
    for (const doc of c.no) {
      expect({ doc, matches: matchesQuery(node, doc, c.schema) }).toEqual({ doc, matches: false });
    }
  });
});

describe('compileQuery', () => {
  it('compiles text and structured queries alike', () => {
    const fromText = compileQuery('size: >= 3');
    const fromNode = compileQuery({ type: 'simple', key: 'size', value: '3', operator: '>=' });
    for (const doc of [{ size: 2 }, { size: 3 }, {}]) expect(fromText(doc)).toBe(fromNode(doc));
  });

  it('caches the compiled query per node and schema', () => {
    const node = parseQuery('a: 1');
    expect(compileQuery(node)).toBe(compileQuery(node));
    const schema = { a: { type: 'number' } } as const;
    expect(compileQuery(node, schema)).toBe(compileQuery(node, schema));
    expect(compileQuery(node, schema)).not.toBe(compileQuery(node));
  });

  it('rejects a malformed schema entry for a queried field', () => {
    const schema = { a: { type: 'date' } } as unknown as Record<string, { type: 'string' }>;
    expect(() => compileQuery('a: 1', schema)).toThrow(QueryInputError);
    expect(() => compileQuery('b: 1', schema)).not.toThrow();
  });

  it('rejects malformed structured queries with where and what', () => {
    const bad: [unknown, string][] = [
      [{ type: 'simple', key: 'a' }, 'query.value must be a string'],
      [{ type: 'simple', key: 1, value: 'x' }, 'query.key must be a string'],
      [
        { type: 'simple', value: 'x', operator: '~' },
        'query.operator must be one of =, !=, <, <=, >, >=, like',
      ],
      [
        { type: 'complex', operator: 'XOR', query_list: [] },
        'query.operator must be AND, OR or NOT',
      ],
      [{ type: 'complex', operator: 'AND' }, 'query.query_list must be an array of queries'],
      [
        { type: 'complex', operator: 'AND', query_list: [{ type: 'simple', value: 1 }] },
        'query.query_list[0].value must be a string',
      ],
      [
        { type: 'simple', value: 'x', querylist: [] },
        'query has an unknown property "querylist" (allowed: type, key, value, operator)',
      ],
      [{ type: 'query' }, "query.type must be 'simple' or 'complex'"],
      [null, "query must be a query object ({type: 'simple' | 'complex', …})"],
    ];
    for (const [input, message] of bad) {
      expect(() => parseQuery(input as never)).toThrow(new QueryInputError(message));
    }
  });

  it('rejects structured queries nested deeper than its limit, and cycles', () => {
    const leaf = { type: 'simple', key: 'a', value: '1' };
    // 101 levels once normalised (AND and OR alternate, so nothing flattens).
    let deep: unknown = leaf;
    for (let i = 0; i < 100; i += 1) {
      deep = { type: 'complex', operator: i % 2 === 0 ? 'AND' : 'OR', query_list: [leaf, deep] };
    }
    expect(() => parseQuery(deep as never)).toThrow(
      new QueryInputError('query is nested deeper than 100 levels'),
    );
    // Deep input that normalises to a shallow query is fine, up to a point.
    let chain: unknown = leaf;
    for (let i = 0; i < 500; i += 1)
      chain = { type: 'complex', operator: 'OR', query_list: [chain] };
    expect(parseQuery(chain as never)).toStrictEqual(leaf);
    for (let i = 0; i < 600; i += 1)
      chain = { type: 'complex', operator: 'OR', query_list: [chain] };
    expect(() => parseQuery(chain as never)).toThrow(QueryInputError);
    const cycle: { type: string; operator: string; query_list: unknown[] } = {
      type: 'complex',
      operator: 'AND',
      query_list: [],
    };
    cycle.query_list.push(cycle);
    expect(() => parseQuery(cycle as never)).toThrow(QueryInputError);
  });

  it('filters 100,000 documents well under a second', () => {
    const docs = Array.from({ length: 100_000 }, (_, i) => ({
      title: `pump ${i % 1000}`,
      size: i % 97,
      date: `2026-01-${String((i % 28) + 1).padStart(2, '0')}T00:00:00Z`,
      tags: ['a', i % 2 === 0 ? 'even' : 'odd'],
    }));
    const match = compileQuery(
      'title: "pump 1%" AND size: >= 10 AND (tags: even OR date: < "2026-01-10") AND NOT "valve"',
      { date: { type: 'date-time' } },
    );
    const started = performance.now();
    let count = 0;
    for (const doc of docs) if (match(doc)) count += 1;
    const elapsed = performance.now() - started;
    expect(count).toBeGreaterThan(0);
    expect(elapsed).toBeLessThan(1000);
  });
});
