// The lake's HTTP transport for the `lake` storage: one place that sends a request and turns
// every way it can go wrong into the JioError a local storage would raise, so callers never see
// a Response, a TypeError or an HTML page. What it checks on every answer, in this order:
// abort (the caller's signal wins over everything), the API version header (a lake of another
// version is refused before its body is trusted), then the status with the error envelope.
import {
  API_ERROR_CODES,
  API_VERSION,
  API_VERSION_HEADER,
  type ApiErrorCode,
} from '../../../shared/wire/api.ts';
import { isJioErrorCode, JioError, type JioErrorDetails } from '../../errors.ts';

/** What `onVersionMismatch` is told: which side is behind. */
export interface VersionMismatch {
  reason: 'lake_too_old' | 'lake_too_new';
  /** The version the lake answered with. */
  lakeVersion: number;
  /** The version this app speaks (API_VERSION). */
  appVersion: number;
}

export interface LakeHttpOptions {
  /** Base address of the lake, e.g. `location.origin` or `http://127.0.0.1:8080`. */
  url: string;
  /** Bearer secret (device token, or a session's secret); without it the session cookie is used. */
  token?: string | undefined;
  /** Replaces the global fetch (tests, instrumentation). */
  fetch?: typeof fetch | undefined;
  /**
   * Called once per storage, the first time the lake answers with another API version, so the
   * app can say "update" once; every call meanwhile rejects with `unavailable`.
   */
  onVersionMismatch?: ((mismatch: VersionMismatch) => void) | undefined;
  /**
   * Longest wait for an answer's headers and body, in ms (default: none). A connection that
   * stalls — a captive portal, a dead cell, a proxy holding the request — then fails as
   * `unavailable` / `timeout` instead of holding a sync cycle forever.
   */
  timeoutMs?: number | undefined;
}

export interface LakeRequest {
  method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE';
  /** Path under the base, already percent-encoded, starting with `/api/`. */
  path: string;
  query?: Record<string, string | undefined>;
  headers?: Record<string, string>;
  /** A JSON value (sent as application/json) or raw bytes (headers say their type). */
  json?: unknown;
  bytes?: Uint8Array;
  signal?: AbortSignal | undefined;
  /** Statuses besides 2xx that the caller handles itself (e.g. 416 for ranges). */
  accept?: readonly number[];
}

const offlineHint = 'your local data is kept and sync resumes when the lake is reachable';

/** Whether a value is a JSON object (not an array, not null). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The code a bare HTTP status stands for, when the body does not say (a proxy's page). */
function codeForStatus(status: number): ApiErrorCode {
  const known = Object.entries(API_ERROR_CODES).find(([, value]) => value === status);
  if (known !== undefined) return known[0] as ApiErrorCode;
  // 502 Bad Gateway and 504 Gateway Timeout: the lake behind the proxy is down or slow.
  if (status === 502 || status === 504) return 'unavailable';
  return status >= 500 ? 'internal' : 'bad_request';
}

/** Only the detail fields JioError knows, with their types checked: the body is not trusted. */
function detailsOf(error: Record<string, unknown>): JioErrorDetails {
  const { reason, position, expected, current } = error;
  return {
    ...(typeof reason === 'string' ? { reason } : {}),
    ...(typeof position === 'number' ? { position } : {}),
    ...(typeof expected === 'string' ? { expected } : {}),
    ...(current === null || isObject(current) ? { current } : {}),
  };
}

export class LakeHttp {
  readonly base: string;
  readonly #token: string | undefined;
  readonly #fetch: typeof fetch;
  readonly #onVersionMismatch: ((mismatch: VersionMismatch) => void) | undefined;
  readonly #timeoutMs: number | undefined;
  // Aborted by close(): requests in flight then stop instead of outliving the storage.
  readonly #closing = new AbortController();
  #mismatchReported = false;

  constructor(options: LakeHttpOptions) {
    this.base = baseUrl(options.url);
    if (
      options.token !== undefined &&
      (typeof options.token !== 'string' || options.token === '')
    ) {
      throw new JioError('bad_request', 'lake: "token" must be a non-empty string', {
        reason: 'invalid_spec',
      });
    }
    this.#token = options.token;
    // Looked up at call time and called on globalThis: a detached `fetch` throws "Illegal
    // invocation" in browsers.
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.#onVersionMismatch = options.onVersionMismatch;
    const timeout = options.timeoutMs;
    if (timeout !== undefined && !(Number.isFinite(timeout) && timeout > 0)) {
      throw new JioError('bad_request', 'lake: "timeoutMs" must be a positive number', {
        reason: 'invalid_spec',
      });
    }
    this.#timeoutMs = timeout;
  }

  /** The signal a request and the reading of its body run under. */
  #requestSignal(signal: AbortSignal | undefined): AbortSignal {
    const signals = [this.#closing.signal, ...(signal === undefined ? [] : [signal])];
    if (this.#timeoutMs !== undefined) signals.push(AbortSignal.timeout(this.#timeoutMs));
    return AbortSignal.any(signals);
  }

  get closed(): boolean {
    return this.#closing.signal.aborted;
  }

  close(): void {
    this.#closing.abort();
  }

  /** Throws the caller's abort reason, or `unavailable` once closed. */
  checkUsable(signal: AbortSignal | undefined): void {
    signal?.throwIfAborted();
    if (this.closed) throw closedError();
  }

  /** Sends the request; answers the Response when its status is 2xx or accepted. */
  async send(request: LakeRequest): Promise<Response> {
    const { signal } = request;
    this.checkUsable(signal);
    const url = new URL(`${this.base}${request.path}`);
    for (const [name, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, value);
    }
    const headers: Record<string, string> = { accept: 'application/json', ...request.headers };
    if (this.#token !== undefined) headers.authorization = `Bearer ${this.#token}`;
    let body: BodyInit | undefined;
    if (request.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(request.json);
    } else if (request.bytes !== undefined) {
      body = request.bytes as Uint8Array<ArrayBuffer>;
    }
    // Checked apart from fetch: fetch also rejects a bad header value (a content type with a
    // line break) with a TypeError, which must not pass for being offline.
    let headerList: Headers;
    try {
      headerList = new Headers(headers);
    } catch (error) {
      throw new JioError(
        'bad_request',
        `Cannot send this request to the lake: ${error instanceof Error ? error.message : String(error)}`,
        { reason: 'invalid_header' },
      );
    }
    let response: Response;
    try {
      response = await this.#fetch(url, {
        method: request.method,
        headers: headerList,
        ...(body === undefined ? {} : { body }),
        // A bearer token says who we are; a stale cookie beside it must not.
        credentials: this.#token === undefined ? 'same-origin' : 'omit',
        // Answers are live data: never from the HTTP cache.
        cache: 'no-store',
        signal: this.#requestSignal(signal),
      });
    } catch (error) {
      throw this.#failure(error, signal, url);
    }
    this.#checkVersion(response);
    if (response.ok || request.accept?.includes(response.status) === true) return response;
    throw await this.#errorOf(response, signal);
  }

  /** Sends the request and parses its JSON answer. */
  async json(request: LakeRequest): Promise<unknown> {
    const response = await this.send(request);
    const text = await this.read(response.text(), request.signal);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new JioError(
        'internal',
        `The lake answered ${request.method} ${request.path} with a body that is not JSON`,
        { reason: 'invalid_response' },
      );
    }
  }

  /** Awaits a body read with the same abort and network handling as the request. */
  async read<T>(body: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
    try {
      return await body;
    } catch (error) {
      throw this.#failure(error, signal, undefined);
    }
  }

  #failure(error: unknown, signal: AbortSignal | undefined, url: URL | undefined): unknown {
    if (signal?.aborted === true) return signal.reason;
    if (this.closed) return closedError();
    if (error instanceof DOMException && error.name === 'TimeoutError') {
      return new JioError(
        'unavailable',
        `The lake did not answer within ${String(this.#timeoutMs)} ms: ${offlineHint}`,
        { reason: 'timeout' },
      );
    }
    // fetch rejects with a TypeError for every network failure (refused, DNS, CORS, reset);
    // anything else is not about the network and is left as it is.
    if (!(error instanceof TypeError)) return error;
    const where = url === undefined ? 'the lake' : `the lake at ${url.origin}`;
    return new JioError(
      'unavailable',
      `Cannot reach ${where} (${error instanceof Error ? error.message : String(error)}): ${offlineHint}`,
      { reason: 'offline' },
    );
  }

  #checkVersion(response: Response): void {
    const header = response.headers.get(API_VERSION_HEADER);
    if (header === null) {
      // Error pages of a proxy carry no version either; they are reported by status below.
      if (!response.ok) return;
      throw new JioError(
        'unavailable',
        `${this.base} answered without the ${API_VERSION_HEADER} header: it is not a Fieldlake lake, or a proxy rewrote its answer; ${offlineHint}`,
        { reason: 'not_a_lake' },
      );
    }
    const lakeVersion = Number(header);
    if (lakeVersion === API_VERSION) return;
    if (!Number.isSafeInteger(lakeVersion)) {
      throw new JioError(
        'unavailable',
        `The lake at ${this.base} announces API version "${header}", which is not a version number; ${offlineHint}`,
        { reason: 'not_a_lake' },
      );
    }
    const reason = lakeVersion < API_VERSION ? 'lake_too_old' : 'lake_too_new';
    if (!this.#mismatchReported) {
      this.#mismatchReported = true;
      this.#onVersionMismatch?.({ reason, lakeVersion, appVersion: API_VERSION });
    }
    const advice =
      reason === 'lake_too_old'
        ? `the lake is older than this app (API ${lakeVersion}, the app speaks ${API_VERSION}): ask whoever runs the lake to update it`
        : `the lake is newer than this app (API ${lakeVersion}, the app speaks ${API_VERSION}): reload to update the app`;
    throw new JioError(
      'unavailable',
      `Cannot sync with ${this.base}: ${advice}. Your local data is kept.`,
      {
        reason,
      },
    );
  }

  async #errorOf(response: Response, signal: AbortSignal | undefined): Promise<JioError> {
    const text = await this.read(response.text(), signal).catch((error: unknown) => {
      if (signal?.aborted === true || this.closed) throw error;
      return '';
    });
    const type = response.headers.get('content-type') ?? '';
    if (type.includes('json')) {
      try {
        const parsed = JSON.parse(text) as unknown;
        const error = isObject(parsed) ? parsed.error : undefined;
        if (isObject(error) && typeof error.message === 'string') {
          const code = isJioErrorCode(error.code) ? error.code : codeForStatus(response.status);
          return new JioError(code, error.message, detailsOf(error));
        }
      } catch {
        // Not the envelope after all: described by its status below.
      }
    }
    const status = `${response.status}${response.statusText === '' ? '' : ` ${response.statusText}`}`;
    const shown = type === '' ? 'an empty or untyped body' : `a ${type.split(';')[0] ?? type} page`;
    return new JioError(
      codeForStatus(response.status),
      `The lake at ${this.base} answered HTTP ${status} with ${shown} instead of its JSON error: a proxy or gateway between this app and the lake may have failed`,
      { reason: `http_${response.status}` },
    );
  }
}

function closedError(): JioError {
  return new JioError('unavailable', 'This storage is closed', { reason: 'closed' });
}

/** The base address without a trailing slash; relative addresses resolve against the page. */
function baseUrl(url: unknown): string {
  if (typeof url !== 'string' || url === '') {
    throw new JioError('bad_request', 'lake: "url" must be the address of the lake', {
      reason: 'invalid_spec',
    });
  }
  let parsed: URL;
  try {
    parsed = new URL(url, typeof location === 'undefined' ? undefined : location.href);
  } catch {
    throw new JioError('bad_request', `lake: "${url}" is not a valid address`, {
      reason: 'invalid_spec',
    });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new JioError('bad_request', `lake: "${url}" must be an http(s) address`, {
      reason: 'invalid_spec',
    });
  }
  return `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`;
}
