// Wire-level constants and shapes shared by the lake server and its browser clients.

/**
 * Version of the HTTP API. Every lake response carries it in {@link API_VERSION_HEADER}; a
 * client that finds a version it does not speak tells the user and keeps its local data.
 * Bump it on any incompatible change of a request or response shape.
 */
export const API_VERSION = 1;

/** Response header that carries {@link API_VERSION}. */
export const API_VERSION_HEADER = 'fieldlake-api-version';

/** Closed set of machine-readable error codes the lake answers with, by HTTP status. */
export const API_ERROR_CODES = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  precondition_failed: 412,
  payload_too_large: 413,
  range_not_satisfiable: 416,
  too_many_requests: 429,
  internal: 500,
  not_implemented: 501,
  unavailable: 503,
  insufficient_storage: 507,
} as const;

export type ApiErrorCode = keyof typeof API_ERROR_CODES;

/**
 * Optional structured details of an error, the same as a storage's JioError carries, so a
 * client rebuilds the very error a local storage would raise.
 */
export interface ApiErrorDetails {
  /** A finer reason inside the code: `invalid_id`, `hash_mismatch`, `expired`… */
  reason?: string;
  /** Query syntax errors: 0-based offset in the query text, and what was expected there. */
  position?: number;
  expected?: string;
  /** Conflicts: the document as it is now (null when it does not exist). */
  current?: Record<string, unknown> | null;
}

/** The one error envelope of the lake: `{error: {code, status, message, …details}}`. */
export interface ApiErrorBody {
  error: { code: ApiErrorCode; status: number; message: string } & ApiErrorDetails;
}

/** Builds the error envelope for a code; the status always matches the code. */
export function apiError(
  code: ApiErrorCode,
  message: string,
  details: ApiErrorDetails = {},
): ApiErrorBody {
  return { error: { code, status: API_ERROR_CODES[code], message, ...details } };
}

/** Body of `GET /api/health`. */
export interface HealthBody {
  status: 'ok';
  apiVersion: number;
  version: string;
}
