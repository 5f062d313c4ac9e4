// Recursive-descent parser for jIO's query grammar (README.md has it in EBNF). It keeps
// jIO's shapes: `search_text` is right-recursive, so juxtaposition and OR group to the right
// (`a b OR c` is `a AND (b OR c)`, `a OR b c` is `a OR (b AND c)`), explicit AND binds
// tighter than both, and NOT tightest.
import { QuerySyntaxError } from './errors.ts';
import { tokenize, type Token, type TokenKind } from './lexer.ts';
import { makeJunction, makeNot, makeSimple, matchAll, MAX_QUERY_DEPTH } from './normalize.ts';
import type { QueryNode, SimpleOperator } from './types.ts';

/**
 * Deepest syntactic nesting of `(`, `NOT` and `key:` read, so that no text overflows the
 * stack. Generous: the serialisation of any query within MAX_QUERY_DEPTH stays below it.
 */
export const MAX_TEXT_NESTING = 4 * MAX_QUERY_DEPTH;

const startsQuery: ReadonlySet<TokenKind> = new Set([
  'NOT',
  'lparen',
  'word',
  'quoted',
  'operator',
]);

function describe(token: Token): string {
  return token.kind === 'end' ? 'the end of the query' : JSON.stringify(token.source);
}

class Parser {
  private readonly tokens: Token[];
  private index = 0;
  private nesting = 0;
  /** The key of the innermost `key:` being read (jIO gives it to keyless values inside). */
  private key = '';
  /** Depth of every complex node built so far (a simple query has depth 1). */
  private readonly depths = new WeakMap<QueryNode, number>();

  constructor(text: string) {
    this.tokens = tokenize(text);
  }

  private peek(): Token {
    const token = this.tokens[Math.min(this.index, this.tokens.length - 1)];
    if (token === undefined) throw new Error('unreachable: the token list ends with an end token');
    return token;
  }

  private next(): Token {
    const token = this.peek();
    if (token.kind !== 'end') this.index += 1;
    return token;
  }

  private fail(expected: string, context: string, at: Token): never {
    const found = at.kind === 'end' ? '' : `, found ${describe(at)}`;
    throw new QuerySyntaxError(
      `Expected ${expected}${context} at position ${at.start}${found}`,
      at.start,
      expected,
    );
  }

  private enter(at: Token): void {
    this.nesting += 1;
    if (this.nesting > MAX_TEXT_NESTING) {
      this.fail(`at most ${MAX_TEXT_NESTING} nested levels`, '', at);
    }
  }

  private depthOf(node: QueryNode): number {
    return node.type === 'simple' ? 1 : (this.depths.get(node) ?? 1);
  }

  /** Records a node's depth; a query deeper than MAX_QUERY_DEPTH is refused where it grows. */
  private built(node: QueryNode, at: Token): QueryNode {
    if (node.type === 'complex' && !this.depths.has(node)) {
      let depth = 0;
      for (const child of node.query_list) depth = Math.max(depth, this.depthOf(child));
      if (depth + 1 > MAX_QUERY_DEPTH) {
        this.fail(`at most ${MAX_QUERY_DEPTH} nested levels`, '', at);
      }
      this.depths.set(node, depth + 1);
    }
    return node;
  }

  parse(): QueryNode {
    const first = this.peek();
    const node = startsQuery.has(first.kind) ? this.searchText() : matchAll();
    const last = this.peek();
    if (last.kind === 'rparen') {
      throw new QuerySyntaxError(
        `Expected the end of the query at position ${last.start}, found an unmatched ")"`,
        last.start,
        'the end of the query',
      );
    }
    if (last.kind !== 'end') this.fail('a query', '', last);
    return node;
  }

  /** search_text = and_expr [ ["OR"] search_text ], folded to the right as jIO does. */
  private searchText(): QueryNode {
    const items = [this.andExpression()];
    const joins: { join: 'AND' | 'OR'; at: Token }[] = [];
    for (;;) {
      const token = this.peek();
      if (token.kind === 'OR') {
        this.next();
        this.expectQuery(token);
        joins.push({ join: 'OR', at: token });
      } else if (startsQuery.has(token.kind)) {
        joins.push({ join: 'AND', at: token });
      } else {
        break;
      }
      items.push(this.andExpression());
    }
    // Right fold, one junction per run of equal joins (what jIO's flattening amounts to,
    // without its quadratic copying).
    const last = items.length - 1;
    let group = [items[last] ?? matchAll()];
    let join = joins[last - 1]?.join ?? 'AND';
    for (let i = last - 1; i >= 0; i -= 1) {
      const item = items[i];
      const step = joins[i];
      if (item === undefined || step === undefined) continue;
      if (step.join !== join) {
        group = [this.built(makeJunction(join, group.reverse()), step.at)];
        join = step.join;
      }
      group.push(item);
    }
    return this.built(makeJunction(join, group.reverse()), joins[0]?.at ?? this.peek());
  }

  /** and_expr = bool_expr { "AND" bool_expr } (AND is associative once flattened). */
  private andExpression(): QueryNode {
    const items = [this.booleanExpression()];
    let and: Token | undefined;
    while (this.peek().kind === 'AND') {
      and = this.next();
      this.expectQuery(and);
      items.push(this.booleanExpression());
    }
    return this.built(makeJunction('AND', items), and ?? this.peek());
  }

  /** bool_expr = "NOT" bool_expr | expression (jIO allows one NOT; NOT NOT x is x). */
  private booleanExpression(): QueryNode {
    const token = this.peek();
    if (token.kind !== 'NOT') return this.expression();
    this.next();
    this.expectQuery(token);
    this.enter(token);
    const node = this.built(makeNot(this.booleanExpression()), token);
    this.nesting -= 1;
    return node;
  }

  /** expression = "(" [search_text] ")" | key ":" expression | [operator] string */
  private expression(): QueryNode {
    const token = this.next();
    if (token.kind === 'lparen') {
      this.enter(token);
      const node = startsQuery.has(this.peek().kind)
        ? this.searchText()
        : this.built(matchAll(), token);
      const close = this.peek();
      if (close.kind !== 'rparen') {
        if (close.kind !== 'end') this.fail('a query', '', close);
        throw new QuerySyntaxError(
          `Expected ")" at position ${close.start} to close the "(" at position ${token.start}`,
          close.start,
          '")"',
        );
      }
      this.next();
      this.nesting -= 1;
      return node;
    }
    if ((token.kind === 'word' || token.kind === 'quoted') && this.peek().kind === 'colon') {
      this.next();
      const after = this.peek();
      if (!startsValue(after.kind)) {
        this.fail('a value', ` after ${JSON.stringify(`${token.value}:`)}`, after);
      }
      this.enter(token);
      // The innermost key wins; an empty key gives none (jIO's querySetKey skips falsy keys).
      const outer = this.key;
      if (token.value !== '') this.key = token.value;
      const node = this.expression();
      this.key = outer;
      this.nesting -= 1;
      return node;
    }
    if (token.kind === 'operator') {
      const value = this.next();
      if (value.kind !== 'word' && value.kind !== 'quoted') {
        this.fail('a value', ` after ${JSON.stringify(token.value)}`, value);
      }
      return makeSimple(this.key, value.value, token.value as SimpleOperator);
    }
    if (token.kind === 'word' || token.kind === 'quoted') {
      return makeSimple(this.key, token.value);
    }
    // A stray `:` or `)` where a query must start (e.g. right after `(`).
    return this.fail('a query', '', token);
  }

  /** After AND / OR / NOT another query must start. */
  private expectQuery(after: Token): void {
    const token = this.peek();
    if (!startsQuery.has(token.kind)) this.fail('a query', ` after ${describe(after)}`, token);
  }
}

function startsValue(kind: TokenKind): boolean {
  return kind === 'lparen' || kind === 'word' || kind === 'quoted' || kind === 'operator';
}

/** Parses query text into its normal structured form; blank text matches everything. */
export function parseText(text: string): QueryNode {
  return new Parser(text).parse();
}
