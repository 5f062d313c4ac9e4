// Canonical JSON: the one serialisation both the lake and the browser's sync engine hash to
// name a revision (server/docs/revision.ts), so they must agree byte for byte.

/** Deeper bodies are refused rather than risking a stack overflow in the recursion below. */
export const MAX_JSON_DEPTH = 512;

/**
 * Deterministic JSON: object keys sorted (by UTF-16 code units, Array.prototype.sort's order, so
 * every implementation on any platform agrees), no whitespace, numbers and strings exactly as
 * JSON.stringify writes them. Rejects (TypeError, with the path) what JSON cannot carry back
 * unchanged: undefined at the top or in an array, functions, symbols, bigints, non-finite
 * numbers, cycles, nesting deeper than MAX_JSON_DEPTH and objects that are not plain (Date,
 * Map, class instances). An object property whose value is undefined is omitted, as
 * JSON.stringify does, so a body and its stored JSON hash the same.
 */
export function canonicalJson(value: unknown): string {
  const parts: string[] = [];
  write(value, '$', parts, new Set());
  return parts.join('');
}

function write(value: unknown, path: string, out: string[], open: Set<object>): void {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      out.push(JSON.stringify(value));
      return;
    case 'number':
      if (!Number.isFinite(value)) throw notJson(path, String(value));
      out.push(JSON.stringify(value));
      return;
    case 'object':
      break;
    default:
      throw notJson(path, typeof value);
  }
  if (value === null) {
    out.push('null');
    return;
  }
  if (open.has(value)) throw notJson(path, 'a cycle');
  // `open` holds exactly the containers on the current path, so its size is the depth.
  if (open.size >= MAX_JSON_DEPTH) throw notJson(path, `nesting deeper than ${MAX_JSON_DEPTH}`);
  open.add(value);
  if (Array.isArray(value)) {
    out.push('[');
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out.push(',');
      // Index access, not iteration: holes must be rejected like undefined, not skipped.
      const item: unknown = value[i];
      if (item === undefined) throw notJson(`${path}[${i}]`, 'undefined');
      write(item, `${path}[${i}]`, out, open);
    }
    out.push(']');
  } else {
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      throw notJson(path, `an instance of ${constructorName(value)}`);
    }
    const record = value as Record<string, unknown>;
    out.push('{');
    let first = true;
    for (const key of Object.keys(record).sort()) {
      const item = record[key];
      if (item === undefined) continue;
      if (!first) out.push(',');
      first = false;
      out.push(JSON.stringify(key), ':');
      write(item, `${path}.${key}`, out, open);
    }
    out.push('}');
  }
  open.delete(value);
}

function constructorName(value: object): string {
  const ctor: unknown = (value as { constructor?: unknown }).constructor;
  return typeof ctor === 'function' && ctor.name !== '' ? ctor.name : 'a class';
}

function notJson(path: string, what: string): TypeError {
  return new TypeError(`not a JSON value at ${path}: ${what}`);
}
