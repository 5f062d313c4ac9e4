// Writes a query back as text that parses to the same normal form. Values are always quoted;
// keys are quoted only when they are not a plain word (jIO's text form has no quoted keys,
// so a key with a space, quote, colon… needs this extension).
import { normalizeQuery } from './normalize.ts';
import type { QueryNode } from './types.ts';

const plainWord = /^[^\s"():<>!=]+$/;

function quote(text: string): string {
  return `"${text.replace(/[\\"]/g, '\\$&')}"`;
}

function renderKey(key: string): string {
  return plainWord.test(key) && key !== 'AND' && key !== 'OR' && key !== 'NOT' ? key : quote(key);
}

/**
 * Parentheses only where the grammar needs them (an OR inside an AND, a junction after NOT),
 * so the text nests no deeper than the query.
 */
function render(node: QueryNode, parent: 'top' | 'AND' | 'OR' | 'NOT'): string {
  if (node.type === 'simple') {
    const key = node.key === undefined ? '' : `${renderKey(node.key)}: `;
    const operator = node.operator === undefined ? '' : `${node.operator} `;
    return `${key}${operator}${quote(node.value)}`;
  }
  if (node.operator === 'NOT') {
    const [child] = node.query_list;
    return child === undefined ? 'NOT ()' : `NOT ${render(child, 'NOT')}`;
  }
  if (node.query_list.length === 0) return parent === 'top' ? '' : '()';
  const text = node.query_list
    .map((child) => render(child, node.operator))
    .join(` ${node.operator} `);
  const needsParentheses = parent === 'NOT' || (parent === 'AND' && node.operator === 'OR');
  return needsParentheses ? `( ${text} )` : text;
}

/** The text form of a query (checked and normalised first). */
export function serializeQuery(node: QueryNode): string {
  return render(normalizeQuery(node), 'top');
}
