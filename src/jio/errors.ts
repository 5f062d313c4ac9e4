// One error type for every storage, with a closed set of codes, each with its HTTP-like
// status (the same set the lake answers with: src/shared/wire/api.ts). Callers test `code` or
// `status`, never the message. The error survives the worker boundary (see
// comlink-transfer.ts) and the network (the lake's error envelope has the same fields).
import { API_ERROR_CODES, type ApiErrorCode } from '../shared/wire/api.ts';

export type JioErrorCode = ApiErrorCode;

/** Details that some errors carry, all structured-clone-safe. */
export interface JioErrorDetails {
  /** A finer reason inside the code, e.g. `invalid_id`, `hash_mismatch`, `quota_exceeded`. */
  readonly reason?: string;
  /** For query syntax errors: 0-based offset in the query text, and what was expected there. */
  readonly position?: number;
  readonly expected?: string;
  /** For conflicts: the document as it is now (null when it does not exist). */
  readonly current?: Readonly<Record<string, unknown>> | null;
}

export interface JioErrorJSON extends JioErrorDetails {
  readonly code: JioErrorCode;
  readonly status: number;
  readonly message: string;
}

export class JioError extends Error {
  override readonly name = 'JioError';
  readonly code: JioErrorCode;
  readonly status: number;
  readonly details: JioErrorDetails;

  constructor(code: JioErrorCode, message: string, details: JioErrorDetails = {}) {
    super(message);
    this.code = code;
    this.status = API_ERROR_CODES[code];
    this.details = details;
  }

  toJSON(): JioErrorJSON {
    return { code: this.code, status: this.status, message: this.message, ...this.details };
  }

  static fromJSON(json: JioErrorJSON): JioError {
    const { code, message, status: _status, ...details } = json;
    return new JioError(isJioErrorCode(code) ? code : 'internal', message, details);
  }
}

export function isJioErrorCode(value: unknown): value is JioErrorCode {
  return typeof value === 'string' && Object.hasOwn(API_ERROR_CODES, value);
}

export function isJioError(value: unknown, code?: JioErrorCode): value is JioError {
  return value instanceof JioError && (code === undefined || value.code === code);
}

/** Shorthands for the errors every storage raises. */
export const jioErrors = {
  badRequest: (message: string, reason?: string) =>
    new JioError('bad_request', message, reason === undefined ? {} : { reason }),
  notFound: (message: string) => new JioError('not_found', message),
  notImplemented: (message: string) => new JioError('not_implemented', message),
};
