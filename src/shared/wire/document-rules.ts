// What a valid document id, attachment name and document are — the same rules in every browser
// storage (src/jio/validate.ts) and in the lake (server/docs/), so bad input gets the same 400
// with the same reason wherever it is written. Violations throw DocumentRuleError, which each
// side turns into its own error type.

export const MAX_ID_LENGTH = 1024;
const maxDepth = 64;
// String.prototype.isWellFormed is ES2024; this is the same test.
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export type DocumentRuleReason =
  'invalid_id' | 'invalid_attachment_name' | 'invalid_document' | 'invalid_revision';

export class DocumentRuleError extends Error {
  override name = 'DocumentRuleError';
  constructor(
    readonly reason: DocumentRuleReason,
    message: string,
  ) {
    super(message);
  }
}

/** Ids are non-empty strings without NUL, at most 1024 UTF-16 units; `/`, `_`, unicode are fine. */
export function checkIdRule(id: unknown): string {
  if (typeof id !== 'string' || id.length === 0) {
    throw new DocumentRuleError('invalid_id', 'A document id must be a non-empty string');
  }
  if (id.length > MAX_ID_LENGTH) {
    throw new DocumentRuleError(
      'invalid_id',
      `A document id may have at most ${MAX_ID_LENGTH} characters`,
    );
  }
  if (id.includes('\u0000') || loneSurrogate.test(id)) {
    throw new DocumentRuleError(
      'invalid_id',
      'A document id may not contain NUL or unpaired surrogates',
    );
  }
  // Every URL parser resolves these as path segments (even percent-encoded), so no request
  // could name such a document.
  if (id === '.' || id === '..') {
    throw new DocumentRuleError('invalid_id', `"${id}" is not a document id`);
  }
  return id;
}

export function checkAttachmentNameRule(name: unknown): string {
  if (
    typeof name !== 'string' ||
    name.length === 0 ||
    name.length > MAX_ID_LENGTH ||
    name.includes('\u0000') ||
    loneSurrogate.test(name)
  ) {
    throw new DocumentRuleError(
      'invalid_attachment_name',
      'An attachment name must be a non-empty string without NUL',
    );
  }
  return name;
}

/** Revisions are `<generation>-<token>`. */
export function isRevision(value: string): boolean {
  return /^[1-9]\d*-[0-9a-z]+$/.test(value);
}

/**
 * A document must be a plain JSON object: strings, finite numbers, booleans, null, arrays and
 * plain objects only (no undefined, Date, Map, typed arrays, NaN…), so that it means the same
 * in IndexedDB, on the wire and on the server. Reserved `_` keys other than `_rev` are refused.
 * Returns the document's content without `_rev`, and the `_rev` it carried if any.
 */
export function checkDocumentRule(doc: unknown): {
  content: Record<string, unknown>;
  rev: string | undefined;
} {
  if (!isPlainObject(doc)) {
    throw new DocumentRuleError('invalid_document', 'A document must be a plain object');
  }
  const content: Record<string, unknown> = {};
  let rev: string | undefined;
  for (const [key, value] of Object.entries(doc)) {
    if (key === '_rev') {
      if (typeof value !== 'string' || !isRevision(value)) {
        throw new DocumentRuleError(
          'invalid_revision',
          `_rev must be a revision such as "3-a1b2c3", not ${describe(value)}`,
        );
      }
      rev = value;
      continue;
    }
    if (key.startsWith('_')) {
      throw new DocumentRuleError(
        'invalid_document',
        `Keys starting with "_" are reserved for storages: "${key}"`,
      );
    }
    checkJson(value, key, 1);
    content[key] = value;
  }
  return { content, rev };
}

function checkJson(value: unknown, path: string, depth: number): void {
  if (depth > maxDepth) {
    throw new DocumentRuleError(
      'invalid_document',
      `Document nests deeper than ${maxDepth} levels at ${path}`,
    );
  }
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return;
    throw new DocumentRuleError(
      'invalid_document',
      `${path} is ${String(value)}: documents hold JSON numbers only`,
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
  throw new DocumentRuleError(
    'invalid_document',
    `${path} is ${describe(value)}: documents hold JSON values only`,
  );
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

export function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'object' && value !== null) return `a ${value.constructor.name}`;
  if (typeof value === 'string') return `string ${JSON.stringify(value)}`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return `${typeof value} ${value.toString()}`;
  }
  return typeof value;
}
