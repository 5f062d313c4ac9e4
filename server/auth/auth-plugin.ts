// Who is calling: every /api request except the few public ones must carry a session cookie or
// a bearer secret, resolved afresh into request.principal (docs/lake-api.md, "Authentication").
// Also what keeps those secrets out of the structured logs.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { apiError } from '../../src/shared/wire/api.ts';
import { SESSION_COOKIE } from '../../src/shared/wire/lake.ts';
import { HttpError } from '../http/errors.ts';
import type { Lake } from '../lake.ts';
import { type CredentialProblem, resolveSecret } from './accounts.ts';
import { isUserPrincipal, type Principal, type UserPrincipal } from './principal.ts';
import { SECRET_PATTERN, secretKind } from './secrets.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by registerAuth: null on public routes and outside /api. */
    principal: Principal | null;
  }
}

/** Routes anyone may call: matched on the router's pattern, never on the raw URL. */
const publicRoutes = new Set([
  'GET /api/health',
  'HEAD /api/health',
  'POST /api/session',
  'GET /api/session/link',
]);

function isApiPath(path: string): boolean {
  return path === '/api' || path.startsWith('/api/');
}

/**
 * Whether a request must be authenticated. A matched route is judged by its pattern, because
 * the router decodes the path (`/%61pi/…` reaches `/api/…` routes); an unmatched one by its path
 * so unknown API routes answer 401 rather than revealing which ones exist.
 */
function needsCredentials(request: FastifyRequest): boolean {
  const pattern = request.routeOptions.url;
  if (pattern === undefined) return isApiPath(request.url.split('?')[0] ?? '/');
  return isApiPath(pattern) && !publicRoutes.has(`${request.method} ${pattern}`);
}

/** The value of one cookie in a Cookie header (first one wins, as browsers send the most specific first). */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const equals = part.indexOf('=');
    if (equals < 0 || part.slice(0, equals).trim() !== name) continue;
    let value = part.slice(equals + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"'))
      value = value.slice(1, -1);
    return value;
  }
  return undefined;
}

type Credential =
  { secret: string; from: 'header' | 'cookie' } | { secret: null; from: 'header' | 'none' };

function readCredential(request: FastifyRequest): Credential {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const secret = /^Bearer +(\S+) *$/i.exec(header)?.[1];
    return secret === undefined ? { secret: null, from: 'header' } : { secret, from: 'header' };
  }
  const cookie = readCookie(request.headers.cookie, SESSION_COOKIE);
  return cookie === undefined || cookie === ''
    ? { secret: null, from: 'none' }
    : { secret: cookie, from: 'cookie' };
}

type Refusal = CredentialProblem | 'missing' | 'malformed';

function refusalMessage(refusal: Refusal, secret: string | null): string {
  const isSession = secret !== null && secretKind(secret) === 'session';
  switch (refusal) {
    case 'missing':
      return 'Not signed in: sign in, or send Authorization: Bearer <token>';
    case 'malformed':
      return 'The Authorization header must be "Bearer <token>"';
    case 'expired':
      return isSession
        ? 'Your session has expired: sign in again'
        : 'This token has expired: ask an administrator for a new one';
    case 'revoked':
      return isSession
        ? 'This session was revoked (signed out): sign in again'
        : 'This token was revoked';
    case 'disabled':
      return 'This account is disabled';
    case 'unknown':
      return 'Unknown credentials: sign in again';
  }
}

/**
 * The Set-Cookie value of a session: HttpOnly (no script reads it), SameSite=Strict (no other
 * site's page sends it), Secure when the lake is served over TLS.
 */
export function sessionCookie(secret: string, maxAgeSeconds: number, secure: boolean): string {
  const attributes = ['HttpOnly', 'SameSite=Strict', 'Path=/', `Max-Age=${maxAgeSeconds}`];
  if (secure) attributes.push('Secure');
  return [`${SESSION_COOKIE}=${secret}`, ...attributes].join('; ');
}

/** The Set-Cookie value that makes a browser forget the session cookie. */
export function clearedSessionCookie(secure: boolean): string {
  return sessionCookie('', 0, secure);
}

/**
 * Installs request.principal and the 401 gate. Call it before registering routes; route
 * modules then call requireUser/requireAdmin for what the gate does not decide.
 */
export function registerAuth(app: FastifyInstance, lake: Lake): void {
  app.decorateRequest('principal', null);

  const refuse = (reply: FastifyReply, refusal: Refusal, credential: Credential) => {
    reply.header(
      'www-authenticate',
      refusal === 'missing'
        ? 'Bearer realm="fieldlake"'
        : 'Bearer realm="fieldlake", error="invalid_token"',
    );
    // A dead cookie would be sent with every request until the browser is told to drop it.
    if (credential.from === 'cookie')
      reply.header('set-cookie', clearedSessionCookie(lake.settings.secure));
    return reply
      .code(401)
      .send(
        apiError('unauthorized', refusalMessage(refusal, credential.secret), { reason: refusal }),
      );
  };

  app.addHook('onRequest', async (request, reply) => {
    if (!needsCredentials(request)) return;
    const credential = readCredential(request);
    if (credential.secret === null) {
      return refuse(reply, credential.from === 'header' ? 'malformed' : 'missing', credential);
    }
    const resolved = await resolveSecret(lake, credential.secret);
    if (typeof resolved === 'string') return refuse(reply, resolved, credential);
    request.principal = resolved;
  });
}

/** The calling user (session or device token); 401 when anonymous, 403 for collector tokens. */
export function requireUser(request: FastifyRequest): UserPrincipal {
  const principal = request.principal;
  if (principal === null) {
    throw new HttpError('unauthorized', refusalMessage('missing', null), { reason: 'missing' });
  }
  if (!isUserPrincipal(principal)) {
    throw new HttpError('forbidden', 'A collector token may only send data to ingestion', {
      reason: 'collector',
    });
  }
  return principal;
}

/** The calling admin; 403 for everyone else. */
export function requireAdmin(request: FastifyRequest): UserPrincipal {
  const principal = requireUser(request);
  if (principal.role !== 'admin') {
    throw new HttpError('forbidden', 'Only an admin may do this', { reason: 'not_admin' });
  }
  return principal;
}

/** The calling user when signed in with a session (not a device token): account changes. */
export function requireSession(request: FastifyRequest): UserPrincipal {
  const principal = requireUser(request);
  if (principal.kind !== 'session') {
    throw new HttpError('forbidden', 'Only a signed-in session may do this, not a device token', {
      reason: 'not_session',
    });
  }
  return principal;
}

// ---------------------------------------------------------------- logging

/**
 * Logger paths that may hold a secret, for Fastify's `logger.redact`: credential headers
 * wherever a request or response, or its headers alone, end up in a log line.
 */
export const redactPaths: string[] = [
  'req.headers.authorization',
  'req.headers.cookie',
  'request.headers.authorization',
  'request.headers.cookie',
  'headers.authorization',
  'headers.cookie',
  'res.headers["set-cookie"]',
  'reply.headers["set-cookie"]',
  'headers["set-cookie"]',
];

/** A URL fit for logs: sign-in links carry their secret in the query. */
export function scrubUrl(url: string): string {
  return url.replace(/([?&]token=)[^&#]*/gi, '$1[redacted]').replace(SECRET_PATTERN, '[redacted]');
}

interface LoggedRequest {
  method?: string | undefined;
  url?: string | undefined;
  host?: unknown;
  ip?: unknown;
  socket?: { remotePort?: number | undefined } | null;
}

/** Fastify's default request serializer, with the URL scrubbed. */
export function serializeRequest(request: LoggedRequest): {
  method?: string;
  url?: string;
  host?: string;
  remoteAddress?: string;
  remotePort?: number;
} {
  const fields: ReturnType<typeof serializeRequest> = {};
  if (request.method !== undefined) fields.method = request.method;
  if (request.url !== undefined) fields.url = scrubUrl(request.url);
  if (typeof request.host === 'string') fields.host = request.host;
  if (typeof request.ip === 'string') fields.remoteAddress = request.ip;
  const port = request.socket?.remotePort;
  if (port !== undefined) fields.remotePort = port;
  return fields;
}

/** Logger options to merge into Fastify's `logger` so no secret is ever written to a log. */
export const secretSafeLogging = {
  redact: { paths: redactPaths, censor: '[redacted]' },
  serializers: { req: serializeRequest },
};
