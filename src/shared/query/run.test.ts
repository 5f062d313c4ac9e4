import { describe, expect, it } from 'vitest';
import {
  compareForSort,
  QueryInputError,
  QuerySyntaxError,
  runQuery,
  validateAllDocsOptions,
} from './index.ts';

type Doc = Record<string, unknown>;
const list = (docs: Record<string, Doc>) => Object.entries(docs).map(([id, doc]) => ({ id, doc }));
const ids = (rows: { id: string }[]) => rows.map((row) => row.id);

describe('runQuery', () => {
  const docs = list({
    d: { n: 2, s: 'b' },
    b: { n: 1, s: 'c' },
    missing: { s: 'a' },
    a: { n: 2, s: 'a' },
    nul: { n: null },
    c: { n: 10 },
  });

  it('keeps the documents order without sort_on, and filters', () => {
    expect(ids(runQuery(docs, {}))).toEqual(['d', 'b', 'missing', 'a', 'nul', 'c']);
    expect(ids(runQuery(docs, { query: 'n: >= 2' }))).toEqual(['d', 'a', 'c']);
    expect(ids(runQuery(docs, { query: { type: 'simple', key: 's', value: 'a' } }))).toEqual([
      'missing',
      'a',
    ]);
  });

  it('sorts numbers numerically, ties by id, missing values last ascending', () => {
    expect(ids(runQuery(docs, { sort_on: [['n', 'ascending']] }))).toEqual([
      'b',
      'a',
      'd',
      'c',
      'missing',
      'nul',
    ]);
  });

  it('puts missing values last descending too', () => {
    expect(ids(runQuery(docs, { sort_on: [['n', 'descending']] }))).toEqual([
      'c',
      'a',
      'd',
      'b',
      'missing',
      'nul',
    ]);
  });

  it('sorts on several keys, most significant first', () => {
    expect(
      ids(
        runQuery(docs, {
          sort_on: [
            ['n', 'descending'],
            ['s', 'descending'],
          ],
        }),
      ),
    ).toEqual(['c', 'd', 'a', 'b', 'missing', 'nul']);
    expect(
      ids(
        runQuery(docs, {
          sort_on: [
            ['s', 'ascending'],
            ['n', 'ascending'],
          ],
        }),
      ),
    ).toEqual(['a', 'missing', 'd', 'b', 'c', 'nul']);
  });

  it('is stable: equal keys and equal ids keep their order', () => {
    const same = [
      { id: 'x', doc: { k: 1, order: 1 } },
      { id: 'x', doc: { k: 1, order: 2 } },
      { id: 'x', doc: { k: 1, order: 3 } },
    ];
    expect(
      runQuery(same, { sort_on: [['k', 'descending']], select_list: ['order'] }).map(
        (r) => r.value,
      ),
    ).toEqual([{ order: 1 }, { order: 2 }, { order: 3 }]);
  });

  it('sorts mixed types in one total order: numbers, strings, booleans, objects, then missing', () => {
    const mixed = list({
      o: { v: { x: 1 } },
      t: { v: true },
      s: { v: 'a' },
      n: { v: 5 },
      f: { v: false },
      m: {},
    });
    expect(ids(runQuery(mixed, { sort_on: [['v', 'ascending']] }))).toEqual([
      'n',
      's',
      'f',
      't',
      'o',
      'm',
    ]);
    expect(ids(runQuery(mixed, { sort_on: [['v', 'descending']] }))).toEqual([
      'o',
      't',
      'f',
      's',
      'n',
      'm',
    ]);
  });

  it('sorts arrays element by element (as jIO), an empty array as missing', () => {
    const arrays = list({
      ab: { v: ['a', 'b'] },
      a: { v: 'a' },
      b: { v: ['b'] },
      aa: { v: ['a', 'a'] },
      e: { v: [] },
    });
    expect(ids(runQuery(arrays, { sort_on: [['v', 'ascending']] }))).toEqual([
      'a',
      'aa',
      'ab',
      'b',
      'e',
    ]);
  });

  it('sorts date-time fields as instants, unreadable values after readable ones', () => {
    const dates = list({
      late: { t: '2026-01-01T00:30:00+01:00' },
      early: { t: '2026-01-01T00:00:00+01:00' },
      bad: { t: 'soon' },
      utc: { t: '2025-12-31T23:15:00Z' },
      none: {},
    });
    const schema = { t: { type: 'date-time' } } as const;
    expect(ids(runQuery(dates, { sort_on: [['t', 'ascending']] }, schema))).toEqual([
      'early',
      'utc',
      'late',
      'bad',
      'none',
    ]);
    // Without the schema they are strings.
    expect(ids(runQuery(dates, { sort_on: [['t', 'ascending']] }))).toEqual([
      'utc',
      'early',
      'late',
      'bad',
      'none',
    ]);
  });

  it('sorts number fields numerically, numeric strings included', () => {
    const numbers = list({ ten: { v: '10' }, nine: { v: 9 }, x: { v: 'x' }, one: { v: '1' } });
    expect(
      ids(runQuery(numbers, { sort_on: [['v', 'ascending']] }, { v: { type: 'number' } })),
    ).toEqual(['one', 'nine', 'ten', 'x']);
  });

  it('limits with [count] and [skip, count], after sorting', () => {
    const sorted = { sort_on: [['n', 'ascending']] } as const;
    expect(ids(runQuery(docs, { ...sorted, limit: [2] }))).toEqual(['b', 'a']);
    expect(ids(runQuery(docs, { ...sorted, limit: [1, 2] }))).toEqual(['a', 'd']);
    expect(ids(runQuery(docs, { ...sorted, limit: [5, 10] }))).toEqual(['nul']);
    expect(ids(runQuery(docs, { ...sorted, limit: [0, 0] }))).toEqual([]);
    expect(ids(runQuery(docs, { ...sorted, limit: [10] }))).toHaveLength(6);
  });

  it('selects only the listed keys the document has, and includes docs on request', () => {
    const rows = runQuery(list({ a: { x: 1, y: 2, z: [3] } }), { select_list: ['x', 'z', 'w'] });
    expect(rows).toStrictEqual([{ id: 'a', value: { x: 1, z: [3] } }]);
    const doc = { x: 1 };
    expect(runQuery([{ id: 'a', doc }], {})).toStrictEqual([{ id: 'a', value: {} }]);
    const [row] = runQuery([{ id: 'a', doc }], { include_docs: true });
    expect(row).toStrictEqual({ id: 'a', value: {}, doc: { x: 1 } });
    expect(row?.doc).toBe(doc);
    expect(runQuery([{ id: 'a', doc }], { include_docs: false })).toStrictEqual([
      { id: 'a', value: {} },
    ]);
  });

  it('selects a field named __proto__ as data, never as a prototype', () => {
    const doc = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Doc;
    const [row] = runQuery([{ id: 'p', doc }], { select_list: ['__proto__', 'constructor'] });
    expect(Object.getPrototypeOf(row?.value)).toBe(Object.prototype);
    expect(Object.keys(row?.value ?? {})).toEqual(['__proto__']);
  });

  it('throws on bad options and bad queries', () => {
    expect(() => runQuery(docs, { limit: [-1] })).toThrow(QueryInputError);
    expect(() => runQuery(docs, { query: 'a: (' })).toThrow(QuerySyntaxError);
  });
});

describe('validateAllDocsOptions', () => {
  it('normalises: query parsed, limit as [skip, count], undefined options left out', () => {
    expect(
      validateAllDocsOptions({
        query: 'a: 1',
        limit: [3],
        sort_on: [['a', 'descending']],
        select_list: ['a'],
        include_docs: true,
        signal: undefined,
      }),
    ).toStrictEqual({
      query: { type: 'simple', key: 'a', value: '1' },
      limit: [0, 3],
      sort_on: [['a', 'descending']],
      select_list: ['a'],
      include_docs: true,
    });
    expect(validateAllDocsOptions({ query: undefined })).toStrictEqual({});
    expect(validateAllDocsOptions(undefined)).toStrictEqual({});
  });

  const bad: [unknown, string][] = [
    [null, 'allDocs options must be an object'],
    [[], 'allDocs options must be an object'],
    [
      { sort: [] },
      'Unknown allDocs option "sort" (known: query, sort_on, limit, select_list, include_docs)',
    ],
    [{ sort_on: 'a' }, 'sort_on must be an array of [key, "ascending" | "descending"]'],
    [
      { sort_on: [['a', 'up']] },
      'sort_on[0] must be [key, "ascending" | "descending"], not ["a","up"]',
    ],
    [{ sort_on: [['a']] }, 'sort_on[0] must be [key, "ascending" | "descending"], not ["a"]'],
    [{ sort_on: ['a'] }, 'sort_on[0] must be [key, "ascending" | "descending"], not "a"'],
    [{ limit: [-1] }, 'limit must be [count] or [skip, count] of non-negative integers, not [-1]'],
    [
      { limit: [1.5] },
      'limit must be [count] or [skip, count] of non-negative integers, not [1.5]',
    ],
    [{ limit: [] }, 'limit must be [count] or [skip, count] of non-negative integers, not []'],
    [
      { limit: [1, 2, 3] },
      'limit must be [count] or [skip, count] of non-negative integers, not [1,2,3]',
    ],
    [{ limit: 5 }, 'limit must be [count] or [skip, count] of non-negative integers, not 5'],
    [{ select_list: 'a' }, 'select_list must be an array of keys (strings)'],
    [{ select_list: [1] }, 'select_list must be an array of keys (strings)'],
    [{ include_docs: 'yes' }, 'include_docs must be true or false'],
    [{ query: 42 }, "query must be a query object ({type: 'simple' | 'complex', …})"],
  ];
  it.each(bad)('rejects %j', (options, message) => {
    expect(() => validateAllDocsOptions(options)).toThrow(new QueryInputError(message));
  });

  it('throws QuerySyntaxError for bad query text', () => {
    expect(() => validateAllDocsOptions({ query: 'a AND' })).toThrow(QuerySyntaxError);
  });
});

describe('compareForSort', () => {
  it('orders numbers, then strings by code point, then booleans, then objects; missing last', () => {
    const sorted = [
      undefined,
      'b',
      { a: 1 },
      true,
      '😀',
      10,
      null,
      '\uFFFF',
      -1,
      false,
      'B',
      [],
    ].sort((x, y) => compareForSort(x, y));
    expect(sorted.slice(0, 9)).toEqual([-1, 10, 'B', 'b', '\uFFFF', '😀', false, true, { a: 1 }]);
    expect(
      sorted
        .slice(9)
        .every((v) => v === undefined || v === null || (Array.isArray(v) && v.length === 0)),
    ).toBe(true);
  });

  it('reads values by the schema type', () => {
    expect(compareForSort('10', '9', 'number')).toBeGreaterThan(0);
    expect(compareForSort('10', '9')).toBeLessThan(0);
    expect(compareForSort(10, 9, 'string')).toBeLessThan(0);
    expect(
      compareForSort('2026-01-01T00:00:00+01:00', '2025-12-31T23:30:00Z', 'date-time'),
    ).toBeLessThan(0);
    expect(compareForSort('x', '2025', 'date-time')).toBeGreaterThan(0);
    expect(compareForSort({ content: 'a' }, 'b')).toBeLessThan(0);
  });
});
