// The two errors of the query language. Storages map both to their 400 (bad argument).

/** The text of a query does not follow the grammar; `position` is a 0-based UTF-16 offset. */
export class QuerySyntaxError extends Error {
  override readonly name = 'QuerySyntaxError';
  /** 0-based offset (UTF-16 code units) in the query text where the problem was found. */
  readonly position: number;
  /** What the parser needed there, e.g. `a value`, `")"`, `a closing quote`. */
  readonly expected: string;

  constructor(message: string, position: number, expected: string) {
    super(message);
    this.position = position;
    this.expected = expected;
  }
}

/** A structured query, a schema or allDocs options that are not of the documented shape. */
export class QueryInputError extends Error {
  override readonly name = 'QueryInputError';
}
