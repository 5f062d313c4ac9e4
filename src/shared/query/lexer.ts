// Turns query text into tokens, with jIO's lexical rules: white space separates, `(` `)` `:`
// and the operators `= != < <= > >=` stand alone, `"…"` quotes, and any other run of
// characters is a word. `AND`, `OR`, `NOT` (upper case) are keywords when they are a whole word.
import { QuerySyntaxError } from './errors.ts';

export type TokenKind =
  'word' | 'quoted' | 'lparen' | 'rparen' | 'colon' | 'operator' | 'AND' | 'OR' | 'NOT' | 'end';

export interface Token {
  readonly kind: TokenKind;
  /** Decoded text: a word as written, a quoted string unescaped, an operator's symbol. */
  readonly value: string;
  /** Offset of the first character in the query text. */
  readonly start: number;
  /** The source text of the token (empty at the end). */
  readonly source: string;
}

const whitespace = /\s+/y;
// jIO's WORD is `[^\s\n"():><!=]+`.
const word = /[^\s"():<>!=]+/y;
const operator = /!=|<=|>=|[=<>]/y;

function matchAt(pattern: RegExp, text: string, at: number): string | undefined {
  pattern.lastIndex = at;
  return pattern.exec(text)?.[0];
}

/**
 * Reads a quoted string that starts at `start` (on its `"`). `\"` and `\\` are escapes; a
 * backslash before any other character is kept as written, as jIO keeps it.
 */
function readQuoted(text: string, start: number): Token {
  let value = '';
  let i = start + 1;
  while (i < text.length) {
    const c = text.charAt(i);
    if (c === '"') {
      return { kind: 'quoted', value, start, source: text.slice(start, i + 1) };
    }
    if (c === '\\') {
      const next = text[i + 1];
      if (next === '"' || next === '\\') {
        value += next;
        i += 2;
        continue;
      }
    }
    value += c;
    i += 1;
  }
  throw new QuerySyntaxError(
    `Expected a closing quote at position ${text.length} for the string that starts at position ${start}`,
    text.length,
    'a closing quote',
  );
}

/** All tokens of `text`, ending with one `end` token. */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  for (;;) {
    i += matchAt(whitespace, text, i)?.length ?? 0;
    if (i >= text.length) {
      tokens.push({ kind: 'end', value: '', start: text.length, source: '' });
      return tokens;
    }
    const c = text[i];
    if (c === '"') {
      const token = readQuoted(text, i);
      tokens.push(token);
      i += token.source.length;
      continue;
    }
    if (c === '(' || c === ')' || c === ':') {
      const kind = c === '(' ? 'lparen' : c === ')' ? 'rparen' : 'colon';
      tokens.push({ kind, value: c, start: i, source: c });
      i += 1;
      continue;
    }
    const symbol = matchAt(operator, text, i);
    if (symbol !== undefined) {
      tokens.push({ kind: 'operator', value: symbol, start: i, source: symbol });
      i += symbol.length;
      continue;
    }
    const bare = matchAt(word, text, i);
    if (bare === undefined) {
      // Only a `!` without its `=` is left: jIO has no token for it either.
      throw new QuerySyntaxError(`Expected "=" after "!" at position ${i + 1}`, i + 1, '"="');
    }
    const kind = bare === 'AND' || bare === 'OR' || bare === 'NOT' ? bare : 'word';
    tokens.push({ kind, value: bare, start: i, source: bare });
    i += bare.length;
  }
}
