// Who is calling: every /api request except the few public ones must carry a session cookie or
// a bearer secret, resolved afresh into request.principal (docs/lake-api.md, "Authentication").
// The ingestion routes also take HTTP Basic with a collector token as the password, for the
// collectors that speak nothing else (see "HTTP Basic" below). Also what keeps those secrets
// out of the structured logs.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { apiError } from '../../src/shared/wire/api.ts';
import { SESSION_COOKIE } from '../../src/shared/wire/lake.ts';
import { HttpError } from '../http/errors.ts';
import type { Lake } from '../lake.ts';
import { type CredentialProblem, resolveSecret } from './accounts.ts';
import { parseBasic } from './basic.ts';
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

// ---------------------------------------------------------------- HTTP Basic

/**
 * The routes that take HTTP Basic: those a collector sends data to, matched on the router's
 * pattern like publicRoutes. Collectors configured with a user and a password rather than a
 * header (fluent-plugin-wendelin, scripts written for Wendelin's ingest URL, collectd's
 * write_http `User`/`Password`) put `Basic …` on every request unasked: no challenge is needed
 * for them to work.
 *
 * Nowhere else, and only a collector token as the password, never a user's password nor a
 * session or device token: a browser that is answered a Basic challenge prompts for a password
 * and then sends it by itself with every later request to the site, with no SameSite, no expiry
 * and no way to sign out. Accepted for the whole API, that would be a password-equivalent any
 * page could ride. A collector token can only write into its own policy, and only here.
 */
const basicRoutes = new Set(['POST /api/ingest/:policy', 'POST /api/ingest/:policy/ingest']);

function takesBasic(request: FastifyRequest): boolean {
  const pattern = request.routeOptions.url;
  return pattern !== undefined && basicRoutes.has(`${request.method} ${pattern}`);
}

/**
 * Sent with a 401 only where Basic is taken and the client tried it: a browser that merely
 * opens the URL, or the app with a dead cookie, is never prompted for a password.
 */
export const BASIC_CHALLENGE = 'Basic realm="fieldlake-ingest"';

// ---------------------------------------------------------------- reading credentials

type Credential =
  | { from: 'bearer' | 'cookie'; secret: string }
  /**
   * `user` is free text, only logged: the token alone names the collector (its label and policy
   * are on the token). Wendelin's plugin sends no credentials at all without a `user`, so a
   * config needs one; checking it against anything would be one more thing to keep in step,
   * and would add nothing to a secret of 256 random bits.
   */
  | { from: 'basic'; secret: string; user: string }
  /** A header that could not be read; `basic` when it was Basic on a route that takes it. */
  | { from: 'header' | 'basic'; secret: null; problem: string }
  | { from: 'none'; secret: null };

const BEARER_ONLY = 'The Authorization header must be "Bearer <token>"';

function readHeader(header: string, basicHere: boolean): Credential {
  const bearer = /^Bearer +(\S+) *$/i.exec(header)?.[1];
  if (bearer !== undefined) return { from: 'bearer', secret: bearer };
  const basic = /^Basic(?:$| +(.*)$)/i.exec(header);
  if (basic === null) {
    const problem = basicHere
      ? `${BEARER_ONLY}, or "Basic base64(user:password)" with a collector token as the password`
      : BEARER_ONLY;
    return { from: 'header', secret: null, problem };
  }
  if (!basicHere) {
    return {
      from: 'header',
      secret: null,
      problem: `${BEARER_ONLY}: HTTP Basic is taken only by the ingestion routes, with a collector token as the password`,
    };
  }
  const parsed = parseBasic(basic[1] ?? '');
  if ('problem' in parsed) return { from: 'basic', secret: null, problem: parsed.problem };
  return { from: 'basic', secret: parsed.password, user: parsed.user };
}

function readCredential(request: FastifyRequest, basicHere: boolean): Credential {
  const header = request.headers.authorization;
  if (header !== undefined) return readHeader(header, basicHere);
  const cookie = readCookie(request.headers.cookie, SESSION_COOKIE);
  return cookie === undefined || cookie === ''
    ? { from: 'none', secret: null }
    : { from: 'cookie', secret: cookie };
}

type Refusal = CredentialProblem | 'missing' | 'malformed';

function refusalMessage(refusal: Refusal, secret: string | null, basicHere = false): string {
  const isSession = secret !== null && secretKind(secret) === 'session';
  switch (refusal) {
    case 'missing':
      return basicHere
        ? 'Not signed in: send Authorization: Bearer <token>, or HTTP Basic with a collector token as the password'
        : 'Not signed in: sign in, or send Authorization: Bearer <token>';
    case 'malformed':
      return BEARER_ONLY;
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

/** The 401's message: the header's own problem, or what the refusal means for this scheme. */
function refusalText(refusal: Refusal, credential: Credential, basicHere: boolean): string {
  if ('problem' in credential) return credential.problem;
  if (credential.from === 'basic' && refusal === 'unknown') {
    return 'Unknown credentials: the HTTP Basic password must be a collector token (flc_…) of this lake';
  }
  return refusalMessage(refusal, credential.secret, basicHere);
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

  const refuse = (
    reply: FastifyReply,
    refusal: Refusal,
    credential: Credential,
    basicHere: boolean,
  ) => {
    reply.header(
      'www-authenticate',
      credential.from === 'basic'
        ? BASIC_CHALLENGE
        : refusal === 'missing'
          ? 'Bearer realm="fieldlake"'
          : 'Bearer realm="fieldlake", error="invalid_token"',
    );
    // A dead cookie would be sent with every request until the browser is told to drop it.
    if (credential.from === 'cookie')
      reply.header('set-cookie', clearedSessionCookie(lake.settings.secure));
    return reply
      .code(401)
      .send(
        apiError('unauthorized', refusalText(refusal, credential, basicHere), { reason: refusal }),
      );
  };

  app.addHook('onRequest', async (request, reply) => {
    if (!needsCredentials(request)) return;
    const basicHere = takesBasic(request);
    const credential = readCredential(request, basicHere);
    if (credential.secret === null) {
      return refuse(
        reply,
        'problem' in credential ? 'malformed' : 'missing',
        credential,
        basicHere,
      );
    }
    // Basic never reaches a session or device token: they are not looked up at all.
    if (credential.from === 'basic' && secretKind(credential.secret) !== 'collector') {
      return refuse(reply, 'unknown', credential, basicHere);
    }
    // One lookup for every scheme: revoked and expired tokens answer alike whatever carried them.
    const resolved = await resolveSecret(lake, credential.secret);
    if (typeof resolved === 'string') return refuse(reply, resolved, credential, basicHere);
    if (credential.from === 'basic') {
      // The user name is only for telling collectors apart; a config that put the token there
      // too must not leak it, hence the scrub.
      request.log.debug(
        { tokenId: resolved.tokenId, basicUser: scrubSecrets(credential.user).slice(0, 200) },
        'collector authenticated with HTTP Basic',
      );
    }
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

/** Any text fit for logs: every well-formed secret in it replaced. */
export function scrubSecrets(text: string): string {
  return text.replace(SECRET_PATTERN, '[redacted]');
}

/** A URL fit for logs: sign-in links carry their secret in the query. */
export function scrubUrl(url: string): string {
  return scrubSecrets(url.replace(/([?&]token=)[^&#]*/gi, '$1[redacted]'));
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
