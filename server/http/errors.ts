// Errors routes throw, and how every error becomes the one envelope with a real status:
// route errors (HttpError), schema violations (400), bodies over limits (413), a full disk in
// either store (507), and anything else (500, logged, never shown).
import {
  API_ERROR_CODES,
  apiError,
  type ApiErrorBody,
  type ApiErrorCode,
  type ApiErrorDetails,
} from '../../src/shared/wire/api.ts';
import { QueryInputError, QuerySyntaxError } from '../../src/shared/query/index.ts';
import { DocumentRuleError } from '../../src/shared/wire/document-rules.ts';
import { UPLOAD_OFFSET_HEADER } from '../../src/shared/wire/lake.ts';
import { BlobStoreError } from '../blobs/types.ts';
import { MetaStoreError } from '../meta/types.ts';

export class HttpError extends Error {
  override name = 'HttpError';
  readonly status: number;
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly details: ApiErrorDetails = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.status = API_ERROR_CODES[code];
  }
}

export const httpErrors = {
  badRequest: (message: string, reason?: string) =>
    new HttpError('bad_request', message, reason === undefined ? {} : { reason }),
  notFound: (message: string) => new HttpError('not_found', message),
  forbidden: (message: string) => new HttpError('forbidden', message),
};

export interface MappedError {
  status: number;
  body: ApiErrorBody;
  headers: Record<string, string>;
  /** Whether to log it as a server failure. */
  internal: boolean;
}

function codeForStatus(status: number): ApiErrorCode {
  const match = Object.entries(API_ERROR_CODES).find(([, value]) => value === status);
  if (match !== undefined) return match[0] as ApiErrorCode;
  return status >= 500 ? 'internal' : 'bad_request';
}

const blobCodes: Record<BlobStoreError['code'], ApiErrorCode> = {
  hash_mismatch: 'bad_request',
  too_large: 'payload_too_large',
  no_space: 'insufficient_storage',
  not_found: 'not_found',
  offset_mismatch: 'conflict',
  aborted: 'bad_request',
  invalid: 'bad_request',
  unavailable: 'unavailable',
};

function mapped(code: ApiErrorCode, message: string, details: ApiErrorDetails = {}): MappedError {
  return {
    status: API_ERROR_CODES[code],
    body: apiError(code, message, details),
    headers: {},
    internal: false,
  };
}

/** The envelope for any error a request ended with. */
export function mapError(error: unknown): MappedError {
  if (error instanceof HttpError) {
    return { ...mapped(error.code, error.message, error.details), headers: error.headers };
  }
  if (error instanceof DocumentRuleError) {
    return mapped('bad_request', error.message, { reason: error.reason });
  }
  if (error instanceof QuerySyntaxError) {
    return mapped('bad_request', error.message, {
      reason: 'invalid_query',
      position: error.position,
      expected: error.expected,
    });
  }
  if (error instanceof QueryInputError) {
    return mapped('bad_request', error.message, { reason: 'invalid_option' });
  }
  if (error instanceof BlobStoreError) {
    const code = blobCodes[error.code];
    const message =
      error.code === 'no_space'
        ? 'The lake is out of disk space: nothing was stored; retry later'
        : error.message;
    const result = mapped(code, message, { reason: error.code });
    // A resumable upload at the wrong offset learns where to resume from.
    if (error.code === 'offset_mismatch' && error.details.held !== undefined) {
      result.headers[UPLOAD_OFFSET_HEADER] = String(error.details.held);
    }
    return result;
  }
  if (error instanceof MetaStoreError) {
    if (error.code === 'no_space') {
      return mapped(
        'insufficient_storage',
        'The lake is out of disk space: nothing was stored; retry later',
        { reason: 'no_space' },
      );
    }
    if (error.code === 'busy') return mapped('unavailable', 'The lake is busy; retry');
    if (error.code === 'invalid') return mapped('bad_request', error.message);
    if (error.code === 'closed') return mapped('unavailable', 'The lake is shutting down');
  }
  const statusCode = (error as { statusCode?: unknown } | null)?.statusCode;
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    const message = error instanceof Error ? error.message : String(error);
    const fastifyCode = (error as { code?: unknown }).code;
    return mapped(
      codeForStatus(statusCode),
      message,
      fastifyCode === 'FST_ERR_VALIDATION' ? { reason: 'invalid_request' } : {},
    );
  }
  return { ...mapped('internal', 'Internal server error'), internal: true };
}
