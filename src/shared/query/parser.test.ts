import { describe, expect, it } from 'vitest';
import { parseQuery, QuerySyntaxError, serializeQuery, type QueryNode } from './index.ts';

const simple = (key: string | undefined, value: string, operator?: string): QueryNode =>
  ({
    type: 'simple',
    value,
    ...(key === undefined ? {} : { key }),
    ...(operator === undefined ? {} : { operator }),
  }) as QueryNode;
const and = (...query_list: QueryNode[]): QueryNode => ({
  type: 'complex',
  operator: 'AND',
  query_list,
});
const or = (...query_list: QueryNode[]): QueryNode => ({
  type: 'complex',
  operator: 'OR',
  query_list,
});
const not = (child: QueryNode): QueryNode => ({
  type: 'complex',
  operator: 'NOT',
  query_list: [child],
});
const a = simple('a', '1');
const b = simple('b', '1');
const c = simple('c', '1');

describe('parseQuery: shapes', () => {
  const shapes: [string, QueryNode][] = [
    ['', and()],
    ['   \n\t', and()],
    ['a:1', a],
    ['a : 1', a],
    ['a:=1', simple('a', '1', '=')],
    ['size: >= 3', simple('size', '3', '>=')],
    ['date: < "2026-01-01"', simple('date', '2026-01-01', '<')],
    ['a: != x', simple('a', 'x', '!=')],
    ['pump', simple(undefined, 'pump')],
    ['"pump station"', simple(undefined, 'pump station')],
    ['>= 3', simple(undefined, '3', '>=')],
    ['a: "say \\"hi\\" \\\\ \\n"', simple('a', 'say "hi" \\ \\n')],
    ['a: 50\\%%', simple('a', '50\\%%')],
    ['"my key": 1', simple('my key', '1')],
    ['a:1 AND b:1 AND c:1', and(a, b, c)],
    ['a:1 b:1 c:1', and(a, b, c)],
    ['a:1 OR b:1 OR c:1', or(a, b, c)],
    ['a:1 OR b:1 AND c:1', or(a, and(b, c))],
    ['a:1 AND b:1 OR c:1', or(and(a, b), c)],
    // jIO's search_text is right-recursive: juxtaposition and OR group to the right.
    ['a:1 b:1 OR c:1', and(a, or(b, c))],
    ['a:1 OR b:1 c:1', or(a, and(b, c))],
    ['a:1 b:1 OR c:1 a:1', and(a, or(b, and(c, a)))],
    ['NOT a:1', not(a)],
    ['NOT a:1 b:1', and(not(a), b)],
    ['NOT (a:1 OR b:1)', not(or(a, b))],
    ['NOT NOT a:1', a],
    ['NOT(NOT a:1)', a],
    ['(a:1)', a],
    ['((a:1 OR b:1) OR c:1)', or(a, b, c)],
    ['(a:1 b:1) c:1', and(a, b, c)],
    ['a: (1 OR 2)', or(a, simple('a', '2'))],
    ['a: (1 OR b: 1)', or(a, b)],
    ['a: b: 1', b],
    ['a: (NOT 1)', not(a)],
    ['a:b=c', and(simple('a', 'b'), simple(undefined, 'c', '='))],
    ['()', and()],
    ['NOT ()', not(and())],
    [
      'ANDROID ORBIT NOTE',
      and(simple(undefined, 'ANDROID'), simple(undefined, 'ORBIT'), simple(undefined, 'NOTE')),
    ],
    [
      'and or not',
      and(simple(undefined, 'and'), simple(undefined, 'or'), simple(undefined, 'not')),
    ],
    ['"AND": "OR"', simple('AND', 'OR')],
  ];
  it.each(shapes)('%j', (text, expected) => {
    expect(parseQuery(text)).toStrictEqual(expected);
  });

  it("gives jIO's own test query the structure jIO gives it", () => {
    // test/queries/tests.js, "JSON query" (jIO 3.45.0)
    expect(parseQuery('NOT(a:=b OR c:% AND d:<2)')).toStrictEqual({
      type: 'complex',
      operator: 'NOT',
      query_list: [
        {
          type: 'complex',
          operator: 'OR',
          query_list: [
            { key: 'a', operator: '=', type: 'simple', value: 'b' },
            {
              type: 'complex',
              operator: 'AND',
              query_list: [
                { key: 'c', type: 'simple', value: '%' },
                { key: 'd', operator: '<', type: 'simple', value: '2' },
              ],
            },
          ],
        },
      ],
    });
  });

  it('normalises structured queries the way it parses text', () => {
    expect(parseQuery({ type: 'complex', operator: 'AND', query_list: [a] })).toStrictEqual(a);
    expect(parseQuery({ type: 'complex', operator: 'OR', query_list: [] })).toStrictEqual(
      not(and()),
    );
    expect(parseQuery({ type: 'complex', operator: 'NOT', query_list: [] })).toStrictEqual(
      not(and()),
    );
    expect(parseQuery({ type: 'complex', operator: 'NOT', query_list: [a, b] })).toStrictEqual(
      not(and(a, b)),
    );
    expect(
      parseQuery({ type: 'complex', operator: 'AND', query_list: [and(a, b), and(), or(c)] }),
    ).toStrictEqual(and(a, b, c));
    expect(parseQuery({ type: 'simple', key: '', value: 'x', operator: 'like' })).toStrictEqual(
      simple(undefined, 'x'),
    );
  });
});

describe('parseQuery: syntax errors', () => {
  const errors: [string, number, string, string][] = [
    [
      'title: "abc',
      11,
      'a closing quote',
      'Expected a closing quote at position 11 for the string that starts at position 7',
    ],
    [
      '"a\\"',
      4,
      'a closing quote',
      'Expected a closing quote at position 4 for the string that starts at position 0',
    ],
    ['(a OR b', 7, '")"', 'Expected ")" at position 7 to close the "(" at position 0'],
    ['(a (b)', 6, '")"', 'Expected ")" at position 6 to close the "(" at position 0'],
    ['(', 1, '")"', 'Expected ")" at position 1 to close the "(" at position 0'],
    ['size: >=', 8, 'a value', 'Expected a value after ">=" at position 8'],
    ['size: > AND', 8, 'a value', 'Expected a value after ">" at position 8, found "AND"'],
    ['>=', 2, 'a value', 'Expected a value after ">=" at position 2'],
    ['a AND', 5, 'a query', 'Expected a query after "AND" at position 5'],
    ['a AND OR b', 6, 'a query', 'Expected a query after "AND" at position 6, found "OR"'],
    ['a OR', 4, 'a query', 'Expected a query after "OR" at position 4'],
    ['(a OR )', 6, 'a query', 'Expected a query after "OR" at position 6, found ")"'],
    ['NOT', 3, 'a query', 'Expected a query after "NOT" at position 3'],
    ['size:', 5, 'a value', 'Expected a value after "size:" at position 5'],
    ['size: ', 6, 'a value', 'Expected a value after "size:" at position 6'],
    ['size: )', 6, 'a value', 'Expected a value after "size:" at position 6, found ")"'],
    ['a: NOT b', 3, 'a value', 'Expected a value after "a:" at position 3, found "NOT"'],
    ['"my key":', 9, 'a value', 'Expected a value after "my key:" at position 9'],
    [
      'a)',
      1,
      'the end of the query',
      'Expected the end of the query at position 1, found an unmatched ")"',
    ],
    [
      ')',
      0,
      'the end of the query',
      'Expected the end of the query at position 0, found an unmatched ")"',
    ],
    [
      '(a)) b',
      3,
      'the end of the query',
      'Expected the end of the query at position 3, found an unmatched ")"',
    ],
    [': a', 0, 'a query', 'Expected a query at position 0, found ":"'],
    ['(a): b', 3, 'a query', 'Expected a query at position 3, found ":"'],
    ['AND a', 0, 'a query', 'Expected a query at position 0, found "AND"'],
    ['a !b', 3, '"="', 'Expected "=" after "!" at position 3'],
    ['a:1 ! ', 5, '"="', 'Expected "=" after "!" at position 5'],
  ];
  it.each(errors)('%j', (text, position, expected, message) => {
    let caught: unknown;
    try {
      parseQuery(text);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(QuerySyntaxError);
    const error = caught as QuerySyntaxError;
    expect({
      message: error.message,
      position: error.position,
      expected: error.expected,
    }).toStrictEqual({
      message,
      position,
      expected,
    });
    expect(error.name).toBe('QuerySyntaxError');
  });

  it('limits nesting so no input overflows the stack', () => {
    const ok = `${'('.repeat(400)}a${')'.repeat(400)}`;
    expect(parseQuery(ok)).toStrictEqual(simple(undefined, 'a'));
    const deep = `${'('.repeat(401)}a${')'.repeat(401)}`;
    expect(() => parseQuery(deep)).toThrow(
      new QuerySyntaxError(
        'Expected at most 400 nested levels at position 400, found "("',
        400,
        'at most 400 nested levels',
      ),
    );
    expect(() => parseQuery('NOT '.repeat(5000) + 'a')).toThrow(QuerySyntaxError);
    expect(() => parseQuery('a: '.repeat(5000) + 'b')).toThrow(QuerySyntaxError);
    // Long flat queries are fine: AND / OR / juxtaposition are iterative.
    const flat = Array.from({ length: 20_000 }, (_, i) => `k${i % 3}:${i}`);
    expect(parseQuery(flat.join(' OR '))).toMatchObject({ operator: 'OR' });
    expect(parseQuery(flat.join(' '))).toMatchObject({ operator: 'AND' });
  });

  it('limits the depth of the query, which juxtaposition and OR can grow without parentheses', () => {
    // `a b OR a b OR …` is a AND (b OR (a AND (b OR …))): one level per term.
    const terms = (n: number) => Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 'a' : 'b OR'));
    const deepest = parseQuery([...terms(99), 'c'].join(' '));
    expect(parseQuery(serializeQuery(deepest))).toStrictEqual(deepest);
    let caught: unknown;
    try {
      parseQuery([...terms(101), 'c'].join(' '));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(QuerySyntaxError);
    expect((caught as QuerySyntaxError).expected).toBe('at most 100 nested levels');
  });
});

describe('serializeQuery', () => {
  const texts: [QueryNode, string][] = [
    [and(), ''],
    [a, 'a: "1"'],
    [simple(undefined, 'pump'), '"pump"'],
    [simple('size', '3', '>='), 'size: >= "3"'],
    [simple('my key', 'say "hi" \\'), '"my key": "say \\"hi\\" \\\\"'],
    [simple('AND', 'x'), '"AND": "x"'],
    [or(a, and(b, c)), 'a: "1" OR b: "1" AND c: "1"'],
    [and(not(a), or(b, c)), 'NOT a: "1" AND ( b: "1" OR c: "1" )'],
    [not(or(a, b)), 'NOT ( a: "1" OR b: "1" )'],
    [or(a, and()), 'a: "1" OR ()'],
    [and(a, not(and(b, or(c, a)))), 'a: "1" AND NOT ( b: "1" AND ( c: "1" OR a: "1" ) )'],
    [or(), 'NOT ()'],
  ];
  it.each(texts)('%j', (node, text) => {
    expect(serializeQuery(node)).toBe(text);
    expect(parseQuery(text)).toStrictEqual(parseQuery(node));
  });
});
