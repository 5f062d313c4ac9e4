// The shapes of the query language: the structured form (jIO's JSON shape), the schema that
// types fields, and allDocs' options and rows. Plain, structured-clone-safe data only.

/** Comparison operators of the text form, plus jIO's `like` (see {@link SimpleQuery.operator}). */
export type SimpleOperator = '=' | '!=' | '<' | '<=' | '>' | '>=' | 'like';

/** Logical operators of a {@link ComplexQuery}. */
export type ComplexOperator = 'AND' | 'OR' | 'NOT';

/** A query in its structured form, as jIO's `QueryFactory.create` and `toJSON` use it. */
export type QueryNode = SimpleQuery | ComplexQuery;

/** One test of one field (or, without a key, of every field). */
export interface SimpleQuery {
  type: 'simple';
  /** Field name; absent (or `''`, as jIO's parser writes it) means "any field". */
  key?: string;
  /** The query value, always text, as typed (LIKE escapes `\%` `\_` `\\` kept). */
  value: string;
  /**
   * Absent: LIKE when `value` holds an unescaped `%`, equality otherwise. `like` means the
   * same as absent (jIO recomputes it the same way) and is normalised away.
   */
  operator?: SimpleOperator;
}

/** AND / OR of its children; NOT of its child (of the AND of its children if several). */
export interface ComplexQuery {
  type: 'complex';
  operator: ComplexOperator;
  query_list: QueryNode[];
}

/** How a field's values are compared and sorted. */
export type FieldType = 'date-time' | 'number' | 'string';

/** Field types by field name; a field not listed compares by the type of each value. */
export type QuerySchema = Readonly<Record<string, { type: FieldType }>>;

export type SortDirection = 'ascending' | 'descending';

/** The allDocs options the query language implements (jIO's names). */
export interface AllDocsOptions {
  /** Text or structured query; absent or empty: every document. */
  query?: string | QueryNode;
  /** `[key, direction]` pairs, most significant first. */
  sort_on?: ReadonlyArray<readonly [string, SortDirection]>;
  /** `[count]` or `[skip, count]`. */
  limit?: readonly [number] | readonly [number, number];
  /** Keys copied into each row's `value`. */
  select_list?: readonly string[];
  /** Put the whole document in each row's `doc`. */
  include_docs?: boolean;
}

/** One result of allDocs. */
export interface Row {
  id: string;
  value: Record<string, unknown>;
  doc?: Record<string, unknown>;
}
