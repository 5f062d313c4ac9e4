// How document values are read and ordered: jIO's `{content: …}` metadata objects, arrays,
// numbers given as text, code point order of strings, and the total order used by sort_on.
import { parseInstant } from './instant.ts';
import type { FieldType } from './types.ts';

/** A document's own field (never one inherited from Object.prototype, such as `constructor`). */
export function ownField(doc: Readonly<Record<string, unknown>>, key: string): unknown {
  return Object.hasOwn(doc, key) ? doc[key] : undefined;
}

/** jIO metadata may be `{content: value, …}`; its value is `content`. */
export function unwrap(value: unknown): unknown {
  if (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.hasOwn(value, 'content')
  ) {
    return (value as { content: unknown }).content;
  }
  return value;
}

/** The number a query text stands for; undefined for blank or non-numeric text (and NaN). */
export function numberFromText(text: string): number | undefined {
  if (text.trim() === '') return undefined;
  const n = Number(text);
  return Number.isNaN(n) ? undefined : n;
}

/** The string form jIO compares with (`toString()`), for strings, numbers and booleans only. */
export function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/** Orders two strings by code point (JavaScript's `<` orders by UTF-16 code unit). */
export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i += 1) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x !== y) {
      // Surrogates (D800–DFFF) encode code points above FFFF: move them after E000–FFFF.
      if (x >= 0xd800) x += x <= 0xdfff ? 0x2000 : -0x800;
      if (y >= 0xd800) y += y <= 0xdfff ? 0x2000 : -0x800;
      return x - y;
    }
  }
  return a.length - b.length;
}

/** One element of a value, reduced to what sort_on compares. */
interface SortAtom {
  /** Class first: see {@link sortAtom}. */
  readonly rank: number;
  readonly num: number;
  readonly str: string;
}

/** A value as sort_on sees it: its elements in order; empty for a missing value. */
export type SortKey = readonly SortAtom[];

// Ranks without a schema type: numbers, NaN, strings, booleans, other objects, null.
const NUMBER = 0;
const NOT_A_NUMBER = 1;
const STRING = 2;
const BOOLEAN = 3;
const OBJECT = 4;
const NULL = 5;
// Values a schema type cannot read sort after those it can, in their own order.
const UNREADABLE = 10;

function plainAtom(value: unknown): SortAtom {
  if (typeof value === 'number') {
    return Number.isNaN(value)
      ? { rank: NOT_A_NUMBER, num: 0, str: '' }
      : { rank: NUMBER, num: value, str: '' };
  }
  if (typeof value === 'string') return { rank: STRING, num: 0, str: value };
  if (typeof value === 'boolean') return { rank: BOOLEAN, num: value ? 1 : 0, str: '' };
  if (value === null || value === undefined) return { rank: NULL, num: 0, str: '' };
  return { rank: OBJECT, num: 0, str: '' };
}

function unreadable(value: unknown): SortAtom {
  const atom = plainAtom(value);
  return { ...atom, rank: atom.rank + UNREADABLE };
}

/** The number a `number` field holds: a number, or a string that is one. */
export function numberOf(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isNaN(value) ? undefined : value;
  if (typeof value === 'string') return numberFromText(value);
  return undefined;
}

/** The instant a `date-time` field holds: an ISO 8601 string. */
export function instantOf(value: unknown): number | undefined {
  return typeof value === 'string' ? parseInstant(value) : undefined;
}

function sortAtom(value: unknown, type: FieldType | undefined): SortAtom {
  if (type === 'number' || type === 'date-time') {
    const n = type === 'number' ? numberOf(value) : instantOf(value);
    return n === undefined ? unreadable(value) : { rank: NUMBER, num: n, str: '' };
  }
  if (type === 'string') {
    const text = scalarText(value);
    if (text !== undefined) return { rank: STRING, num: 0, str: text };
  }
  return plainAtom(value);
}

/** Computes once what sort_on compares for a value (arrays element by element, as jIO). */
export function sortKey(value: unknown, type?: FieldType): SortKey {
  const v = unwrap(value);
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) return [sortAtom(v, type)];
  return v.map((element: unknown) => sortAtom(unwrap(element), type));
}

function compareAtoms(a: SortAtom, b: SortAtom): number {
  if (a.rank !== b.rank) return a.rank - b.rank;
  if (a.rank % UNREADABLE === STRING) return compareCodePoints(a.str, b.str);
  return a.num < b.num ? -1 : a.num > b.num ? 1 : 0;
}

/** Orders two sort keys, both present (non-empty): element by element, a prefix first. */
export function compareSortKeys(a: SortKey, b: SortKey): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i += 1) {
    const x = a[i];
    const y = b[i];
    if (x !== undefined && y !== undefined) {
      const c = compareAtoms(x, y);
      if (c !== 0) return c;
    }
  }
  return a.length - b.length;
}

/**
 * The ascending order of sort_on, as a comparator: numbers (by value), then strings (by code
 * point), then booleans (false first), then other objects; a `type` reads values as numbers,
 * instants or strings first, and what it cannot read sorts after what it can. Arrays compare
 * element by element. Missing values (undefined, null, []) sort last.
 */
export function compareForSort(a: unknown, b: unknown, type?: FieldType): number {
  const ka = sortKey(a, type);
  const kb = sortKey(b, type);
  if (ka.length === 0 || kb.length === 0)
    return (ka.length === 0 ? 1 : 0) - (kb.length === 0 ? 1 : 0);
  return compareSortKeys(ka, kb);
}
