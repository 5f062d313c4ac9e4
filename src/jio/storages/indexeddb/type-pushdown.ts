// Which documents a query can possibly match, judged from its `type` clause alone, so the
// IndexedDB storage reads them through the `type` index instead of reading every document.
import type { QueryNode } from '../../../shared/query/index.ts';

/**
 * The value of a top-level `type` equality (`type: "annotation"`, `type: = annotation`, alone
 * or as a member of a top-level AND), or undefined when the query has none. A value with `%`
 * or `\` is left alone: it may be a LIKE pattern or an escape.
 */
export function typeEquality(node: QueryNode): string | undefined {
  if (node.type === 'simple') {
    const plainEquality = node.operator === undefined || node.operator === '=';
    if (node.key === 'type' && plainEquality && !/[%\\]/.test(node.value)) return node.value;
    return undefined;
  }
  if (node.operator !== 'AND') return undefined;
  for (const child of node.query_list) {
    const value = typeEquality(child);
    if (value !== undefined) return value;
  }
  return undefined;
}
