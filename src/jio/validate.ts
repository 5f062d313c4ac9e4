// Input checks every storage applies the same way, so bad input gets the same clear 400
// everywhere and nothing is half-written.
import { JioError } from './errors.ts';
import type { AttachmentData, ChangesOptions } from './types.ts';

const maxIdLength = 1024;
const maxDepth = 64;
// String.prototype.isWellFormed is ES2024; this is the same test.
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Ids are non-empty strings without NUL, at most 1024 UTF-16 units; `/`, `_`, unicode are fine. */
export function checkId(id: unknown): string {
  if (typeof id !== 'string' || id.length === 0) {
    throw new JioError('bad_request', 'A document id must be a non-empty string', {
      reason: 'invalid_id',
    });
  }
  if (id.length > maxIdLength) {
    throw new JioError('bad_request', `A document id may have at most ${maxIdLength} characters`, {
      reason: 'invalid_id',
    });
  }
  if (id.includes('\u0000') || loneSurrogate.test(id)) {
    throw new JioError('bad_request', 'A document id may not contain NUL or unpaired surrogates', {
      reason: 'invalid_id',
    });
  }
  return id;
}

export function checkAttachmentName(name: unknown): string {
  if (
    typeof name !== 'string' ||
    name.length === 0 ||
    name.length > maxIdLength ||
    name.includes('\u0000')
  ) {
    throw new JioError('bad_request', 'An attachment name must be a non-empty string without NUL', {
      reason: 'invalid_attachment_name',
    });
  }
  return name;
}

/**
 * A document must be a plain JSON object: strings, finite numbers, booleans, null, arrays and
 * plain objects only (no undefined, Date, Map, typed arrays, NaN…), so that it means the same
 * in IndexedDB, on the wire and on the server. Reserved `_` keys other than `_rev` are refused.
 * Returns the document's content without `_rev`, and the `_rev` it carried if any.
 */
export function checkDocument(doc: unknown): {
  content: Record<string, unknown>;
  rev: string | undefined;
} {
  if (!isPlainObject(doc)) {
    throw new JioError('bad_request', 'A document must be a plain object', {
      reason: 'invalid_document',
    });
  }
  const content: Record<string, unknown> = {};
  let rev: string | undefined;
  for (const [key, value] of Object.entries(doc)) {
    if (key === '_rev') {
      if (typeof value !== 'string' || !isRevision(value)) {
        throw new JioError(
          'bad_request',
          `_rev must be a revision such as "3-a1b2c3", not ${describe(value)}`,
          {
            reason: 'invalid_revision',
          },
        );
      }
      rev = value;
      continue;
    }
    if (key.startsWith('_')) {
      throw new JioError(
        'bad_request',
        `Keys starting with "_" are reserved for storages: "${key}"`,
        {
          reason: 'invalid_document',
        },
      );
    }
    checkJson(value, key, 1);
    content[key] = value;
  }
  return { content, rev };
}

function checkJson(value: unknown, path: string, depth: number): void {
  if (depth > maxDepth) {
    throw new JioError('bad_request', `Document nests deeper than ${maxDepth} levels at ${path}`, {
      reason: 'invalid_document',
    });
  }
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return;
    throw new JioError(
      'bad_request',
      `${path} is ${String(value)}: documents hold JSON numbers only`,
      {
        reason: 'invalid_document',
      },
    );
  }
  if (Array.isArray(value)) {
    value.forEach((item, index) => {
      checkJson(item, `${path}[${index}]`, depth + 1);
    });
    return;
  }
  if (isPlainObject(value)) {
    for (const [key, item] of Object.entries(value)) checkJson(item, `${path}.${key}`, depth + 1);
    return;
  }
  throw new JioError(
    'bad_request',
    `${path} is ${describe(value)}: documents hold JSON values only`,
    {
      reason: 'invalid_document',
    },
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'object' && value !== null) return `a ${value.constructor.name}`;
  if (typeof value === 'string') return `string ${JSON.stringify(value)}`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return `${typeof value} ${value.toString()}`;
  }
  return typeof value;
}

/**
 * Array.isArray without its narrowing (which turns a readonly array into any[]): for checking
 * that what a caller passed as a typed array really is one.
 */
export function isList(value: unknown): boolean {
  return Array.isArray(value);
}

/** Revisions are `<generation>-<token>`. */
export function isRevision(value: string): boolean {
  return /^[1-9]\d*-[0-9a-z]+$/.test(value);
}

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
  if (!Number.isSafeInteger(since) || since < 0) {
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
