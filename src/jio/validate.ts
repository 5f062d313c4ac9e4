// Input checks every storage applies the same way, so bad input gets the same clear 400
// everywhere and nothing is half-written.
import {
  checkAttachmentNameRule,
  checkDocumentRule,
  checkIdRule,
  describe,
  DocumentRuleError,
  isRevision,
} from '../shared/wire/document-rules.ts';
import { JioError } from './errors.ts';
import type { AttachmentData, ChangesOptions } from './types.ts';

function rule<T>(check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (error instanceof DocumentRuleError) {
      throw new JioError('bad_request', error.message, { reason: error.reason });
    }
    throw error;
  }
}

/** Ids are non-empty strings without NUL, at most 1024 UTF-16 units; `/`, `_`, unicode are fine. */
export function checkId(id: unknown): string {
  return rule(() => checkIdRule(id));
}

export function checkAttachmentName(name: unknown): string {
  return rule(() => checkAttachmentNameRule(name));
}

/**
 * A document must be a plain JSON object (src/shared/wire/document-rules.ts). Returns the
 * document's content without `_rev`, and the `_rev` it carried if any.
 */
export function checkDocument(doc: unknown): {
  content: Record<string, unknown>;
  rev: string | undefined;
} {
  return rule(() => checkDocumentRule(doc));
}

/**
 * Array.isArray without its narrowing (which turns a readonly array into any[]): for checking
 * that what a caller passed as a typed array really is one.
 */
export function isList(value: unknown): boolean {
  return Array.isArray(value);
}

export { isRevision };

/** The next revision after `previous` (generation + 1, fresh random token). */
export function nextRevision(previous: string | undefined): string {
  const generation = previous === undefined ? 0 : Number.parseInt(previous, 10);
  const token = Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) =>
    b.toString(36).padStart(2, '0'),
  )
    .join('')
    .slice(0, 12);
  return `${generation + 1}-${token}`;
}

export function newId(): string {
  return crypto.randomUUID();
}

/** Normalises a byte range once for every storage: [start, end), end clamped to size. */
export function checkRange(
  size: number,
  start: unknown,
  end: unknown,
): { start: number; end: number } {
  const from = start ?? 0;
  const to = end ?? size;
  if (typeof from !== 'number' || !Number.isSafeInteger(from) || from < 0) {
    throw new JioError(
      'bad_request',
      `start must be a non-negative integer, not ${describe(from)}`,
      {
        reason: 'invalid_range',
      },
    );
  }
  if (typeof to !== 'number' || !Number.isSafeInteger(to) || to < from) {
    throw new JioError(
      'bad_request',
      `end must be an integer ≥ start (${from}), not ${describe(to)}`,
      {
        reason: 'invalid_range',
      },
    );
  }
  if (from > size) {
    throw new JioError(
      'bad_request',
      `start ${from} is past the end of the attachment (${size} bytes)`,
      {
        reason: 'invalid_range',
      },
    );
  }
  return { start: from, end: Math.min(to, size) };
}

/** Bytes of attachment data, whatever form it came in. */
export async function attachmentBytes(data: AttachmentData): Promise<Uint8Array> {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (typeof Blob !== 'undefined' && data instanceof Blob)
    return new Uint8Array(await data.arrayBuffer());
  throw new JioError(
    'bad_request',
    'Attachment data must be a Blob, an ArrayBuffer or a Uint8Array',
    {
      reason: 'invalid_attachment',
    },
  );
}

/** since ≥ 0 and 1 ≤ limit ≤ 10 000, defaults 0 and 1 000. */
export function checkChangesOptions(options: ChangesOptions): { since: number; limit: number } {
  const since = options.since ?? 0;
  const limit = options.limit ?? 1000;
  // Local storages checkpoint with sequence numbers; an opaque lake checkpoint is not theirs.
  if (typeof since !== 'number' || !Number.isSafeInteger(since) || since < 0) {
    throw new JioError(
      'bad_request',
      `since must be a non-negative integer, not ${String(since)}`,
      { reason: 'invalid_option' },
    );
  }
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > 10_000) {
    throw new JioError(
      'bad_request',
      `limit must be an integer from 1 to 10000, not ${String(limit)}`,
      { reason: 'invalid_option' },
    );
  }
  return { since, limit };
}
