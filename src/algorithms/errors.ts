// The one error of the algorithms, with a closed set of codes named as the lake's API codes
// (src/shared/wire/api.ts) so the worker layer turns it into a JioError without a table of
// guesses. `aborted` is the one code outside that set: a cancelled job is not a failure.

export type AlgorithmErrorCode =
  /** Parameters or input the algorithm cannot take: non-finite, out of range, wrong dtype. */
  | 'bad_request'
  /** Larger than any backend can take, even split (e.g. a GPU buffer limit). */
  | 'payload_too_large'
  /** A backend that cannot run here (no adapter, no SIMD); the registry falls through. */
  | 'unavailable'
  /** Cancelled by the caller. */
  | 'aborted';

export class AlgorithmError extends Error {
  override readonly name = 'AlgorithmError';
  readonly code: AlgorithmErrorCode;

  constructor(code: AlgorithmErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

export function isAlgorithmError(
  value: unknown,
  code?: AlgorithmErrorCode,
): value is AlgorithmError {
  return value instanceof AlgorithmError && (code === undefined || value.code === code);
}

export function badRequest(message: string): AlgorithmError {
  return new AlgorithmError('bad_request', message);
}

/** A positive integer parameter, or a bad_request that names it. */
export function positiveInteger(
  name: string,
  value: unknown,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw badRequest(`${name} must be an integer from 1 to ${String(max)}, not ${String(value)}`);
  }
  return value;
}

/** A finite number parameter, or a bad_request that names it. */
export function finiteNumber(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw badRequest(`${name} must be a finite number, not ${String(value)}`);
  }
  return value;
}
