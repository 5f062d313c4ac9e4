// Compiles a query into a predicate once (LIKE patterns, numbers and instants of the query
// converted up front), then tests documents with it. Compiled predicates are cached per query
// object and schema, so matchesQuery in a loop does not recompile: treat query objects as
// immutable once used.
import { QueryInputError } from './errors.ts';
import {
  compileContains,
  compileLike,
  hasUnescapedPercent,
  matchLike,
  unescapePattern,
} from './like.ts';
import { normalizeQuery } from './normalize.ts';
import { parseText } from './parser.ts';
import type { FieldType, QueryNode, QuerySchema, SimpleQuery } from './types.ts';
import {
  compareCodePoints,
  instantOf,
  numberFromText,
  numberOf,
  ownField,
  scalarText,
  unwrap,
} from './values.ts';
import { parseInstant } from './instant.ts';

type Doc = Readonly<Record<string, unknown>>;

/** A compiled query: whether one document matches. */
export type DocumentPredicate = (doc: Doc) => boolean;

/** A test of one element of a field's value (unwrapped, never null or undefined). */
type ElementTest = (value: unknown) => boolean;

/** A test of a field's whole value (missing, a scalar or an array). */
type FieldTest = (value: unknown) => boolean;

const never: ElementTest & FieldTest = () => false;

const fieldTypes: ReadonlySet<unknown> = new Set(['date-time', 'number', 'string']);

/** The declared type of a field; a malformed schema entry is an input error. */
export function fieldType(schema: QuerySchema | undefined, key: string): FieldType | undefined {
  if (schema === undefined || !Object.hasOwn(schema, key)) return undefined;
  const entry: unknown = schema[key];
  const type: unknown =
    typeof entry === 'object' && entry !== null ? (entry as { type?: unknown }).type : undefined;
  if (!fieldTypes.has(type)) {
    throw new QueryInputError(
      `schema of ${JSON.stringify(key)} must be {type: 'date-time' | 'number' | 'string'}`,
    );
  }
  return type as FieldType;
}

/** `=`: same instant / number for typed fields; otherwise jIO's string form, numbers numerically too. */
function equalTo(text: string, type: FieldType | undefined): ElementTest {
  if (type === 'date-time') {
    const t = parseInstant(text);
    return t === undefined ? never : (v) => instantOf(v) === t;
  }
  if (type === 'number') {
    const t = numberFromText(text);
    return t === undefined ? never : (v) => numberOf(v) === t;
  }
  if (type === 'string') return (v) => scalarText(v) === text;
  const t = numberFromText(text);
  return (v) => {
    if (typeof v === 'string') return v === text;
    if (typeof v === 'number') return t === undefined ? String(v) === text : v === t;
    return typeof v === 'boolean' && String(v) === text;
  };
}

/** Each element of a field's value, unwrapped, skipping null ones. */
function elementsOf(value: unknown): unknown[] {
  const v = unwrap(value);
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) return [v];
  return v.map(unwrap).filter((e) => e !== undefined && e !== null);
}

/**
 * `!=` is "present and no element equal" (jIO, so `[]` matches). On a date-time or number
 * field a value that cannot be read is not compared at all (jIO's cast gives undefined, which
 * never matches), so the field needs one readable element.
 */
function notEqualTo(text: string, type: FieldType | undefined): FieldTest {
  if (type === 'date-time' || type === 'number') {
    const read = type === 'number' ? numberOf : instantOf;
    const t = type === 'number' ? numberFromText(text) : parseInstant(text);
    if (t === undefined) return never;
    return (value) => {
      let readable = false;
      for (const element of elementsOf(value)) {
        const x = read(element);
        if (x === t) return false;
        if (x !== undefined) readable = true;
      }
      return readable || (Array.isArray(unwrap(value)) && elementsOf(value).length === 0);
    };
  }
  const equal = equalTo(text, type);
  return (value) => {
    const v = unwrap(value);
    return v !== undefined && v !== null && !someElement(value, equal);
  };
}

type Ordering = '<' | '<=' | '>' | '>=';

function holds(op: Ordering, c: number): boolean {
  switch (op) {
    case '<':
      return c < 0;
    case '<=':
      return c <= 0;
    case '>':
      return c > 0;
    case '>=':
      return c >= 0;
  }
}

function holdsNumber(op: Ordering, x: number, y: number): boolean {
  switch (op) {
    case '<':
      return x < y;
    case '<=':
      return x <= y;
    case '>':
      return x > y;
    case '>=':
      return x >= y;
  }
}

/** `<` `<=` `>` `>=`: numbers numerically, strings by code point, typed fields by their type. */
function orderedAs(op: Ordering, text: string, type: FieldType | undefined): ElementTest {
  if (type === 'date-time' || type === 'number') {
    const read = type === 'number' ? numberOf : instantOf;
    const t = type === 'number' ? numberFromText(text) : parseInstant(text);
    if (t === undefined) return never;
    return (v) => {
      const x = read(v);
      return x !== undefined && holdsNumber(op, x, t);
    };
  }
  if (type === 'string') {
    return (v) => {
      const s = scalarText(v);
      return s !== undefined && holds(op, compareCodePoints(s, text));
    };
  }
  const t = numberFromText(text);
  return (v) => {
    if (typeof v === 'string') return holds(op, compareCodePoints(v, text));
    return typeof v === 'number' && t !== undefined && holdsNumber(op, v, t);
  };
}

function likeTest(pattern: ReturnType<typeof compileLike>): ElementTest {
  return (v) => {
    const s = scalarText(v);
    return s !== undefined && matchLike(pattern, s);
  };
}

/** Whether some element of a field's value passes (a missing field has none). */
function someElement(value: unknown, test: ElementTest): boolean {
  const v = unwrap(value);
  if (v === undefined || v === null) return false;
  if (!Array.isArray(v)) return test(v);
  for (const element of v) {
    const e = unwrap(element);
    if (e !== undefined && e !== null && test(e)) return true;
  }
  return false;
}

function simpleFieldTest(node: SimpleQuery, type: FieldType | undefined): FieldTest {
  const { value, operator } = node;
  let test: ElementTest;
  switch (operator) {
    case undefined:
    case 'like':
      test = hasUnescapedPercent(value)
        ? likeTest(compileLike(value))
        : equalTo(unescapePattern(value), type);
      break;
    case '=':
      test = equalTo(value, type);
      break;
    case '!=':
      return notEqualTo(value, type);
    default:
      test = orderedAs(operator, value, type);
  }
  return (v) => someElement(v, test);
}

function compileSimple(node: SimpleQuery, schema: QuerySchema | undefined): DocumentPredicate {
  const { key } = node;
  if (key !== undefined) {
    const test = simpleFieldTest(node, fieldType(schema, key));
    return (doc) => test(ownField(doc, key));
  }
  // No key: jIO searches `%value%` in every field. With an explicit operator jIO ignores the
  // operator; we apply it to each field, read by that field's schema type (a documented
  // difference).
  if (node.operator === undefined) {
    const contains = likeTest(compileContains(node.value));
    return (doc) => {
      for (const field in doc) {
        if (Object.hasOwn(doc, field) && someElement(doc[field], contains)) return true;
      }
      return false;
    };
  }
  const byType = new Map<FieldType | undefined, FieldTest>();
  const testFor = (field: string): FieldTest => {
    const type = fieldType(schema, field);
    let test = byType.get(type);
    if (test === undefined) {
      test = simpleFieldTest(node, type);
      byType.set(type, test);
    }
    return test;
  };
  return (doc) => {
    for (const field in doc) {
      if (Object.hasOwn(doc, field) && testFor(field)(doc[field])) return true;
    }
    return false;
  };
}

function compileNode(node: QueryNode, schema: QuerySchema | undefined): DocumentPredicate {
  if (node.type === 'simple') return compileSimple(node, schema);
  const children = node.query_list.map((child) => compileNode(child, schema));
  switch (node.operator) {
    case 'AND':
      return (doc) => children.every((child) => child(doc));
    case 'OR':
      return (doc) => children.some((child) => child(doc));
    case 'NOT': {
      const [child] = children;
      return child === undefined ? () => true : (doc) => !child(doc);
    }
  }
}

const noSchema: QuerySchema = Object.freeze({});
const cache = new WeakMap<object, WeakMap<QuerySchema, DocumentPredicate>>();

/** Parses (text) or checks (structured form) a query once and compiles it for many documents. */
export function compileQuery(query: string | QueryNode, schema?: QuerySchema): DocumentPredicate {
  if (typeof query === 'string') return compileNode(parseText(query), schema);
  const key = schema ?? noSchema;
  let bySchema = cache.get(query);
  const cached = bySchema?.get(key);
  if (cached !== undefined) return cached;
  const predicate = compileNode(normalizeQuery(query), schema);
  if (bySchema === undefined) {
    bySchema = new WeakMap();
    cache.set(query, bySchema);
  }
  bySchema.set(key, predicate);
  return predicate;
}

/** Whether `doc` matches `node` (compiled once per node and schema, then cached). */
export function matchesQuery(node: QueryNode, doc: Doc, schema?: QuerySchema): boolean {
  return compileQuery(node, schema)(doc);
}
