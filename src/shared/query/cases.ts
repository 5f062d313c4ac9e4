// The case table of the query language: each row is a query (text or structured), an optional
// schema, documents it must match and documents it must not. match.test.ts runs every row.
import type { QueryNode, QuerySchema } from './types.ts';

type Doc = Record<string, unknown>;

export interface MatchCase {
  /** The rule the row shows (and its name in the test report). */
  readonly rule: string;
  readonly query: string | QueryNode;
  readonly schema?: QuerySchema;
  readonly yes: readonly Doc[];
  readonly no: readonly Doc[];
}

const dates: QuerySchema = { date: { type: 'date-time' } };

export const matchCases: readonly MatchCase[] = [
  // LIKE: a value with an unescaped % and no operator.
  {
    rule: 'LIKE is anchored at the start',
    query: 'title: pu%',
    yes: [{ title: 'pump' }, { title: 'Pu' }, { title: 'PUMP station' }],
    no: [{ title: 'a pump' }, { title: 'p' }, {}],
  },
  {
    rule: 'LIKE is anchored at the end',
    query: 'title: %pump',
    yes: [{ title: 'big pump' }, { title: 'PUMP' }],
    no: [{ title: 'pumps' }, { title: 'pump!' }],
  },
  {
    rule: 'LIKE is case-insensitive, Unicode included',
    query: 'title: "ÉTÉ%"',
    yes: [{ title: 'été 2026' }, { title: 'Été' }],
    no: [{ title: 'ete' }],
  },
  {
    rule: 'LIKE folds final sigma and sigma together',
    query: 'word: "%Σ"',
    yes: [{ word: 'λόγος' }, { word: 'ΛΌΓΟΣ' }],
    no: [{ word: 'λόγο' }],
  },
  {
    rule: 'LIKE _ is exactly one character (a code point, newline included)',
    query: 'code: "a_c%"',
    yes: [{ code: 'abc' }, { code: 'a😀c' }, { code: 'a\nc-d' }, { code: 'AXC' }],
    no: [{ code: 'ac' }, { code: 'abbc' }],
  },
  {
    rule: 'LIKE % matches any run, newlines included',
    query: 'text: "a%b%c"',
    yes: [{ text: 'abc' }, { text: 'a\n\nb\nc' }, { text: 'axxbyyc' }],
    no: [{ text: 'acb' }, { text: 'abcd' }],
  },
  {
    rule: 'LIKE with many % stays exact (found leftmost)',
    query: 'text: "%a%a%a%b"',
    yes: [{ text: 'aaab' }, { text: 'xaxaxab' }],
    no: [{ text: 'aab' }, { text: 'a'.repeat(2000) }],
  },
  {
    rule: 'LIKE reads numbers and booleans by their text',
    query: 'size: 1%',
    yes: [{ size: 10 }, { size: 1 }, { size: '1x' }],
    no: [{ size: 21 }, { size: true }, { size: { n: 1 } }],
  },
  {
    rule: '_ is not a wildcard without % (equality, as jIO)',
    query: 'code: a_c',
    yes: [{ code: 'a_c' }],
    no: [{ code: 'abc' }, { code: 'A_C' }],
  },
  {
    rule: '\\% is a literal percent in a LIKE',
    query: 'rate: "50\\\\%%"',
    yes: [{ rate: '50%' }, { rate: '50% off' }],
    no: [{ rate: '500' }, { rate: '50' }, { rate: '50\\% off' }],
  },
  {
    rule: 'a bare word keeps its backslashes: 50\\%% is the same pattern',
    query: 'rate: 50\\%%',
    yes: [{ rate: '50% off' }],
    no: [{ rate: '500 off' }],
  },
  {
    rule: 'only escaped % left: equality with the unescaped text',
    query: 'rate: "50\\\\%"',
    yes: [{ rate: '50%' }],
    no: [{ rate: '50% off' }, { rate: '50\\%' }, { rate: '500' }],
  },
  {
    rule: '\\_ is a literal underscore in a LIKE',
    query: 'name: "a\\\\_%"',
    yes: [{ name: 'a_b' }, { name: 'A_' }],
    no: [{ name: 'ab' }, { name: 'axb' }],
  },
  {
    rule: '\\\\ is a literal backslash in a LIKE (text "C:\\\\\\\\%" holds C:\\\\%)',
    query: 'path: "C:\\\\\\\\%"',
    yes: [{ path: 'C:\\temp' }, { path: 'c:\\' }],
    no: [{ path: 'C:temp' }, { path: 'C:%' }],
  },
  {
    rule: 'a backslash before another character is kept',
    query: 'path: "C:\\temp"',
    yes: [{ path: 'C:\\temp' }],
    no: [{ path: 'C:temp' }],
  },

  // Equality: no operator and no %, or an explicit =.
  {
    rule: 'equality is case-sensitive and exact',
    query: 'title: pump',
    yes: [{ title: 'pump' }],
    no: [{ title: 'Pump' }, { title: 'pumps' }, { title: ' pump' }],
  },
  {
    rule: 'quoted values hold spaces, \\" and \\\\',
    query: 'title: "say \\"hi\\" \\\\o/"',
    yes: [{ title: 'say "hi" \\o/' }],
    no: [{ title: 'say hi \\o/' }],
  },
  {
    rule: 'equality on numbers: the text form (jIO) or the same number',
    query: 'size: 3',
    yes: [{ size: 3 }, { size: '3' }, { size: 3.0 }],
    no: [{ size: '3.0' }, { size: 30 }, { size: '03' }, { size: true }],
  },
  {
    rule: '3.0 equals the number 3 (numeric) and the string "3.0" (text), not "3"',
    query: 'size: 3.0',
    yes: [{ size: 3 }, { size: '3.0' }],
    no: [{ size: '3' }],
  },
  {
    rule: 'booleans compare by their text',
    query: 'flag: true',
    yes: [{ flag: true }, { flag: 'true' }],
    no: [{ flag: false }, { flag: 1 }, { flag: 'True' }],
  },
  {
    rule: 'null is missing, never the text "null"',
    query: 'v: null',
    yes: [{ v: 'null' }],
    no: [{ v: null }, {}],
  },
  {
    rule: 'an explicit = never LIKEs',
    query: 'name: = "a%"',
    yes: [{ name: 'a%' }],
    no: [{ name: 'ab' }, { name: 'A%' }],
  },
  {
    rule: 'jIO {content: …} metadata is read by its content',
    query: 'title: pump',
    yes: [
      { title: { content: 'pump', lang: 'en' } },
      { title: [{ content: 'x' }, { content: 'pump' }] },
    ],
    no: [{ title: { lang: 'pump' } }],
  },

  // Comparisons.
  {
    rule: '> on a number is numeric',
    query: 'size: > 3',
    yes: [{ size: 4 }, { size: 3.5 }, { size: Infinity }],
    no: [{ size: 3 }, { size: -10 }, { size: NaN }, {}],
  },
  {
    rule: '> on a string is by code point, even if it looks like a number',
    query: 'size: > 3',
    yes: [{ size: '4' }, { size: 'a' }],
    no: [{ size: '10' }, { size: '3' }, { size: true }],
  },
  {
    rule: '>= and <= include equality',
    query: 'size: >= 3 AND size: <= 3',
    yes: [{ size: 3 }, { size: '3' }],
    no: [{ size: 2.9 }, { size: 3.1 }],
  },
  {
    rule: 'a numeric comparison with a non-number never matches numbers',
    query: 'size: < abc',
    yes: [{ size: 'abb' }],
    no: [{ size: 1 }, { size: -Infinity }],
  },
  {
    rule: 'strings compare by code point, not UTF-16 unit',
    query: 'c: > "\uE000"',
    yes: [{ c: '😀' }, { c: '\uFFFF' }],
    no: [{ c: 'z' }, { c: '\uE000' }],
  },
  {
    rule: 'dates without a schema are strings',
    query: 'date: < "2026-01-01"',
    yes: [{ date: '2025-12-31T23:00:00Z' }, { date: '2026' }],
    no: [{ date: '2026-01-01' }, { date: '2026-01-01T00:00:00+05:00' }],
  },
  {
    rule: '!= is "present and no element equal" (jIO)',
    query: 'size: != 3',
    yes: [{ size: 4 }, { size: [1, 2] }, { size: [] }, { size: 'x' }],
    no: [{ size: 3 }, { size: '3' }, { size: [4, 3] }, {}, { size: null }],
  },

  // date-time fields (schema).
  {
    rule: 'date-time: comparisons are between instants, offsets applied',
    query: 'date: < "2026-01-01"',
    schema: dates,
    yes: [{ date: '2025-12-31T23:59:59.999Z' }, { date: '2026-01-01T00:30:00+01:00' }],
    no: [
      { date: '2026-01-01T00:00:00Z' },
      { date: '2026-01-01T00:30:00-01:00' },
      { date: 'garbage' },
      { date: 1234 },
    ],
  },
  {
    rule: 'date-time: equality is the same instant',
    query: 'date: "2026-01-01T01:00:00+01:00"',
    schema: dates,
    yes: [
      { date: '2026-01-01T00:00:00Z' },
      { date: '2026-01-01' },
      { date: '2026-01-01T00:00:00.000000Z' },
    ],
    no: [{ date: '2026-01-01T00:00:01Z' }, { date: '2026-01-01T01:00:00' }],
  },
  {
    rule: 'date-time: != needs a readable instant, and none equal',
    query: 'date: != "2026-01-01"',
    schema: dates,
    yes: [{ date: '2026-01-02' }, { date: ['garbage', '2026-01-02'] }, { date: [] }],
    no: [{ date: '2026-01-01T00:00:00Z' }, { date: 'garbage' }, { date: 5 }, {}],
  },
  {
    rule: 'date-time: an unparsable query value matches nothing',
    query: 'date: > "yesterday" OR date: != "yesterday" OR date: "yesterday"',
    schema: dates,
    yes: [],
    no: [{ date: '2026-01-01' }, { date: 'zzz' }, { date: 'yesterday' }],
  },
  {
    rule: 'date-time: impossible dates do not parse',
    query: 'date: >= "2000-01-01"',
    schema: dates,
    yes: [{ date: '2024-02-29' }],
    no: [{ date: '2023-02-29' }, { date: '2024-13-01' }, { date: '2024-01-01T24:00Z' }],
  },
  {
    rule: 'date-time: LIKE still reads the text',
    query: 'date: 2026%',
    schema: dates,
    yes: [{ date: '2026-05-01' }],
    no: [{ date: '2025-01-01' }],
  },
  {
    rule: 'number fields read numeric strings as numbers',
    query: 'size: > 9',
    schema: { size: { type: 'number' } },
    yes: [{ size: '10' }, { size: 10 }],
    no: [{ size: '9' }, { size: 'abc' }, { size: true }],
  },
  {
    rule: 'string fields read numbers as text',
    query: 'size: < 5',
    schema: { size: { type: 'string' } },
    yes: [{ size: 10 }, { size: '10' }],
    no: [{ size: 6 }],
  },

  // Arrays and missing keys.
  {
    rule: 'an array matches if any element does',
    query: 'tag: b',
    yes: [{ tag: ['a', 'b'] }, { tag: [null, 'b'] }],
    no: [{ tag: ['a', 'c'] }, { tag: [] }],
  },
  {
    rule: 'comparisons on arrays: any element (jIO reads only the first)',
    query: 'size: > 5',
    yes: [{ size: [1, 10] }],
    no: [{ size: [1, 2] }],
  },
  {
    rule: 'a missing key never matches',
    query: 'size: < 5',
    yes: [{ size: 1 }],
    no: [{}, { size: null }, { other: 1 }],
  },
  {
    rule: 'NOT of a missing key matches',
    query: 'NOT size: < 5',
    yes: [{}, { size: 7 }, { size: null }],
    no: [{ size: 1 }],
  },
  {
    rule: 'keys are own fields only (never Object.prototype)',
    query: 'constructor: %',
    yes: [{ constructor: 'x' }],
    no: [{}],
  },

  // No key: every field.
  {
    rule: 'a value without a key is searched, case-insensitively, inside every field (jIO)',
    query: 'pump',
    yes: [{ title: 'Big PUMP' }, { note: 'pumping' }, { tags: ['x', 'a pump'] }],
    no: [{ title: 'valve' }, {}],
  },
  {
    rule: 'a quoted keyless value is one substring',
    query: '"big pump"',
    yes: [{ title: 'a big pump' }],
    no: [{ title: 'big', kind: 'pump' }],
  },
  {
    rule: 'a keyless LIKE is inside every field too',
    query: 'pu%p',
    yes: [{ title: 'the puppy' }, { n: 'PUMP' }],
    no: [{ title: 'pu' }],
  },
  {
    rule: 'keyless values find numbers by their text',
    query: '3',
    yes: [{ size: 3 }, { name: 'x3y' }],
    no: [{ size: 4 }],
  },
  {
    rule: 'keyless with an operator applies it to every field',
    query: '> 5',
    yes: [{ a: 1, b: 10 }],
    no: [{ a: 1 }, {}],
  },
  {
    rule: 'keyless with an operator reads each field by its schema type',
    query: '>= "2026-01-01T00:00:00Z"',
    schema: dates,
    yes: [{ date: '2026-01-01T01:00:00+01:00' }, { other: '2027' }],
    no: [
      { date: '2026-01-01T00:30:00+01:00' },
      { date: '2025-12-31T23:00:00Z' },
      { other: '2026-01-01' },
    ],
  },
  {
    rule: 'jIO mixed query: keyless and keyed',
    query: 'test2 time:%2017%',
    yes: [{ value: 'test2', time: '2017' }],
    no: [
      { value: 'test3', time: '2017' },
      { value: 'test2', time: '2016' },
    ],
  },

  // Precedence, juxtaposition, parentheses.
  {
    rule: 'AND binds tighter than OR',
    query: 'a:1 OR b:1 AND c:1',
    yes: [{ a: 1 }, { b: 1, c: 1 }],
    no: [{ b: 1 }, { c: 1 }],
  },
  {
    rule: 'juxtaposition is AND',
    query: 'a:1 b:1',
    yes: [{ a: 1, b: 1 }],
    no: [{ a: 1 }, { b: 1 }],
  },
  {
    rule: 'jIO groups juxtaposition and OR to the right: a b OR c is a AND (b OR c)',
    query: 'a:1 b:1 OR c:1',
    yes: [
      { a: 1, b: 1 },
      { a: 1, c: 1 },
    ],
    no: [{ c: 1 }, { b: 1 }],
  },
  {
    rule: 'a OR b c is a OR (b AND c)',
    query: 'a:1 OR b:1 c:1',
    yes: [{ a: 1 }, { b: 1, c: 1 }],
    no: [{ b: 1 }, { c: 1 }],
  },
  {
    rule: 'NOT binds tightest',
    query: 'NOT a:1 AND b:1',
    yes: [{ b: 1 }],
    no: [{ a: 1, b: 1 }, {}],
  },
  {
    rule: 'parentheses group',
    query: 'NOT (a:1 AND b:1)',
    yes: [{ a: 1 }, {}],
    no: [{ a: 1, b: 1 }],
  },
  {
    rule: 'parentheses override precedence',
    query: '(a:1 OR b:1) AND c:1',
    yes: [
      { a: 1, c: 1 },
      { b: 1, c: 1 },
    ],
    no: [{ a: 1 }, { c: 1 }],
  },
  {
    rule: 'a key before parentheses applies to the keyless values inside',
    query: 'a: (1 OR b: 2 OR > 5)',
    yes: [{ a: 1 }, { b: 2 }, { a: 9 }],
    no: [{ a: 2 }, { b: 9 }],
  },
  {
    rule: 'quoted keys (an extension) hold any character',
    query: '"my key: \\"x\\"": 1',
    yes: [{ 'my key: "x"': 1 }],
    no: [{ 'my key': 1 }],
  },
  {
    rule: 'the empty query matches everything',
    query: '',
    yes: [{}, { a: 1 }],
    no: [],
  },
  {
    rule: 'NOT () matches nothing',
    query: 'NOT ()',
    yes: [],
    no: [{}, { a: 1 }],
  },

  // Structured form.
  {
    rule: 'structured simple query with an operator',
    query: { type: 'simple', key: 'size', value: '3', operator: '>=' },
    yes: [{ size: 3 }, { size: 4 }],
    no: [{ size: 2 }],
  },
  {
    rule: "structured 'like' means what no operator means (jIO)",
    query: { type: 'simple', key: 'title', value: 'pu%', operator: 'like' },
    yes: [{ title: 'Pump' }],
    no: [{ title: 'a pump' }],
  },
  {
    rule: "structured key '' (jIO's parser output) searches every field",
    query: { type: 'simple', key: '', value: 'pump' },
    yes: [{ title: 'a pump' }],
    no: [{ title: 'valve' }],
  },
  {
    rule: 'structured complex query',
    query: {
      type: 'complex',
      operator: 'OR',
      query_list: [
        { type: 'simple', key: 'a', value: '1' },
        {
          type: 'complex',
          operator: 'AND',
          query_list: [
            { type: 'simple', key: 'b', value: '1' },
            { type: 'simple', key: 'c', value: '1' },
          ],
        },
      ],
    },
    yes: [{ a: 1 }, { b: 1, c: 1 }],
    no: [{ b: 1 }],
  },
  {
    rule: 'structured NOT of several queries is NOT of their AND',
    query: {
      type: 'complex',
      operator: 'NOT',
      query_list: [
        { type: 'simple', key: 'a', value: '1' },
        { type: 'simple', key: 'b', value: '1' },
      ],
    },
    yes: [{ a: 1 }, {}],
    no: [{ a: 1, b: 1 }],
  },
  {
    rule: 'structured empty OR matches nothing, empty AND everything',
    query: {
      type: 'complex',
      operator: 'AND',
      query_list: [
        { type: 'complex', operator: 'AND', query_list: [] },
        {
          type: 'complex',
          operator: 'NOT',
          query_list: [{ type: 'complex', operator: 'OR', query_list: [] }],
        },
      ],
    },
    yes: [{}],
    no: [],
  },
];
