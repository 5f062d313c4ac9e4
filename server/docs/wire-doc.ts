// A stored document as the API shows it: the body with `_rev`.
import type { StoredDoc } from '../meta/types.ts';

export function withRev(doc: StoredDoc): Record<string, unknown> {
  return { ...doc.body, _rev: doc.rev };
}
