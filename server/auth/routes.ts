// The session, user and token routes (docs/lake-api.md, "Authentication"). Bodies and queries
// are checked by JSON schemas before a handler runs; the rules behind them live in accounts.ts,
// shared with the admin CLI. Errors are thrown (HttpError/AccountError) and become the envelope
// in the app's error handler.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError } from '../http/errors.ts';
import { createSignInLimiter } from './sign-in-limiter.ts';
import type { Lake } from '../lake.ts';
import type { Role } from '../meta/types.ts';
import {
  createToken,
  createUser,
  endSession,
  getToken,
  listTokens,
  listUsers,
  MAX_LABEL_LENGTH,
  MAX_POLICY_ID_LENGTH,
  MAX_SITE_ID_LENGTH,
  MAX_USER_NAME_LENGTH,
  PRINTABLE_PATTERN,
  revokeToken,
  ROLES,
  type Session,
  setPassword,
  signInUrl,
  signInWithLink,
  signInWithPassword,
  SITE_ID_PATTERN,
  TOKEN_KINDS,
  tokenView,
  updateUser,
  USER_NAME_PATTERN,
  type IssuedTokenKind,
} from './accounts.ts';
import {
  clearedSessionCookie,
  requireAdmin,
  requireSession,
  requireUser,
  sessionCookie,
} from './auth-plugin.ts';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from './passwords.ts';
import type {
  SessionCreated,
  SessionInfo,
  TokenCreated,
  UserCreated,
  WireToken,
  WireUser,
} from './wire.ts';

// Secrets are 4 + 43 characters; a little slack so a wrong one is a 401, not a 400.
const MAX_SECRET_LENGTH = 100;
const MAX_ID_LENGTH = 64;

const idString = { type: 'string', minLength: 1, maxLength: MAX_ID_LENGTH } as const;
const siteList = {
  type: 'array',
  maxItems: 1000,
  items: { type: 'string', maxLength: MAX_SITE_ID_LENGTH, pattern: SITE_ID_PATTERN },
} as const;
const idParams = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  properties: { id: idString },
} as const;

const schemas = {
  signIn: {
    type: 'object',
    additionalProperties: false,
    minProperties: 1,
    properties: {
      name: { type: 'string', minLength: 1, maxLength: MAX_USER_NAME_LENGTH },
      password: { type: 'string', minLength: 1, maxLength: MAX_PASSWORD_LENGTH },
      token: { type: 'string', minLength: 1, maxLength: MAX_SECRET_LENGTH },
    },
  },
  link: {
    type: 'object',
    additionalProperties: false,
    required: ['token'],
    properties: { token: { type: 'string', minLength: 1, maxLength: MAX_SECRET_LENGTH } },
  },
  password: {
    type: 'object',
    additionalProperties: false,
    required: ['password'],
    properties: {
      password: {
        type: 'string',
        minLength: MIN_PASSWORD_LENGTH,
        maxLength: MAX_PASSWORD_LENGTH,
      },
    },
  },
  newUser: {
    type: 'object',
    additionalProperties: false,
    required: ['name', 'role'],
    properties: {
      name: {
        type: 'string',
        minLength: 1,
        maxLength: MAX_USER_NAME_LENGTH,
        pattern: USER_NAME_PATTERN,
      },
      role: { type: 'string', enum: ROLES },
      sites: siteList,
    },
  },
  userPatch: {
    type: 'object',
    additionalProperties: false,
    minProperties: 1,
    properties: {
      role: { type: 'string', enum: ROLES },
      sites: siteList,
      disabled: { type: 'boolean' },
    },
  },
  tokenQuery: {
    type: 'object',
    additionalProperties: false,
    properties: { userId: idString },
  },
  newToken: {
    type: 'object',
    additionalProperties: false,
    required: ['kind', 'label'],
    properties: {
      kind: { type: 'string', enum: TOKEN_KINDS },
      userId: idString,
      label: {
        type: 'string',
        minLength: 1,
        maxLength: MAX_LABEL_LENGTH,
        pattern: PRINTABLE_PATTERN,
      },
      policy: {
        type: 'string',
        minLength: 1,
        maxLength: MAX_POLICY_ID_LENGTH,
        pattern: PRINTABLE_PATTERN,
      },
      expiresAt: { type: ['integer', 'null'], minimum: 0 },
    },
  },
} as const;

interface SignInBody {
  name?: string;
  password?: string;
  token?: string;
}

interface NewUserBody {
  name: string;
  role: Role;
  sites?: string[];
}

interface UserPatchBody {
  role?: Role;
  sites?: string[];
  disabled?: boolean;
}

interface NewTokenBody {
  kind: IssuedTokenKind;
  userId?: string;
  label: string;
  policy?: string;
  expiresAt?: number | null;
}

/** Sessions are labelled with the browser that made them, for a future "your sessions" list. */
function sessionLabel(request: FastifyRequest): string {
  const agent = request.headers['user-agent'];
  const printable = typeof agent === 'string' ? agent.replace(/\p{Cc}/gu, '') : '';
  return printable.trim() === '' ? 'session' : printable.slice(0, MAX_LABEL_LENGTH);
}

export function registerAuthRoutes(app: FastifyInstance, lake: Lake): void {
  const cookieFor = (session: Session): string => {
    const maxAge = Math.max(0, Math.floor((session.expiresAt - lake.now()) / 1000));
    return sessionCookie(session.secret, maxAge, lake.settings.secure);
  };

  const limiter = createSignInLimiter();

  const grantedSites = async (userId: string): Promise<string[]> =>
    (await lake.meta.grants(userId)).map((grant) => grant.site);

  app.post<{ Body: SignInBody }>(
    '/api/session',
    { schema: { body: schemas.signIn } },
    async (request, reply): Promise<SessionCreated> => {
      const { name, password, token } = request.body;
      const label = sessionLabel(request);
      let session: Session;
      limiter.check(request.ip, lake.now());
      try {
        if (token !== undefined && name === undefined && password === undefined) {
          session = await signInWithLink(lake, token, label);
        } else if (token === undefined && name !== undefined && password !== undefined) {
          session = await signInWithPassword(lake, name, password, label);
        } else {
          throw new HttpError('bad_request', 'Send either {name, password} or {token}', {
            reason: 'invalid_request',
          });
        }
      } catch (error) {
        if (error instanceof HttpError && error.status === 401)
          limiter.fail(request.ip, lake.now());
        throw error;
      }
      limiter.succeed(request.ip);
      reply.header('set-cookie', cookieFor(session));
      return {
        user: {
          id: session.user.id,
          name: session.user.name,
          role: session.user.role,
          sites: session.sites,
        },
        expiresAt: session.expiresAt,
        token: session.secret,
      };
    },
  );

  // No HEAD twin: link checkers and mail scanners send HEAD, which must not spend the link.
  app.get<{ Querystring: { token: string } }>(
    '/api/session/link',
    { schema: { querystring: schemas.link }, exposeHeadRoute: false },
    async (request, reply) => {
      const session = await signInWithLink(lake, request.query.token, sessionLabel(request));
      return reply.header('set-cookie', cookieFor(session)).redirect('/', 303);
    },
  );

  app.get('/api/session', async (request): Promise<SessionInfo> => {
    const principal = requireUser(request);
    return {
      user: {
        id: principal.userId,
        name: principal.name,
        role: principal.role,
        sites: await grantedSites(principal.userId),
      },
      expiresAt: principal.expiresAt,
      kind: principal.kind,
    };
  });

  app.delete('/api/session', async (request, reply) => {
    const principal = requireUser(request);
    if (principal.kind !== 'session') {
      throw new HttpError(
        'bad_request',
        'Only a session signs out; revoke a device token with DELETE /api/tokens/:id',
        { reason: 'not_session' },
      );
    }
    await endSession(lake, principal.tokenId);
    return reply.code(204).header('set-cookie', clearedSessionCookie(lake.settings.secure)).send();
  });

  app.put<{ Body: { password: string } }>(
    '/api/session/password',
    { schema: { body: schemas.password } },
    async (request, reply) => {
      const principal = requireSession(request);
      await setPassword(lake, principal.userId, request.body.password, principal.tokenId);
      return reply.code(204).send();
    },
  );

  app.get('/api/users', async (request): Promise<{ users: WireUser[] }> => {
    requireAdmin(request);
    return { users: await listUsers(lake) };
  });

  app.post<{ Body: NewUserBody }>(
    '/api/users',
    { schema: { body: schemas.newUser } },
    async (request, reply): Promise<UserCreated> => {
      requireAdmin(request);
      const { user, link } = await createUser(lake, request.body);
      reply.code(201);
      return {
        user,
        link: signInUrl(lake.settings.publicUrl, link.secret),
        linkExpiresAt: link.token.expiresAt ?? 0,
      };
    },
  );

  app.patch<{ Params: { id: string }; Body: UserPatchBody }>(
    '/api/users/:id',
    { schema: { params: idParams, body: schemas.userPatch } },
    async (request): Promise<{ user: WireUser }> => {
      requireAdmin(request);
      return { user: await updateUser(lake, request.params.id, request.body) };
    },
  );

  app.get<{ Querystring: { userId?: string } }>(
    '/api/tokens',
    { schema: { querystring: schemas.tokenQuery } },
    async (request): Promise<{ tokens: WireToken[] }> => {
      const principal = requireUser(request);
      let userId = request.query.userId;
      if (principal.role !== 'admin') {
        if (userId !== undefined && userId !== principal.userId) {
          throw new HttpError('forbidden', "Only an admin may list other users' tokens");
        }
        userId = principal.userId;
      }
      return { tokens: (await listTokens(lake, userId)).map(tokenView) };
    },
  );

  app.post<{ Body: NewTokenBody }>(
    '/api/tokens',
    { schema: { body: schemas.newToken } },
    async (request, reply): Promise<TokenCreated> => {
      // A session, not a device token: a leaked device token must not mint its successors.
      const principal = requireSession(request);
      const body = request.body;
      const userId = body.kind === 'device' ? (body.userId ?? principal.userId) : body.userId;
      if (principal.role !== 'admin' && (body.kind !== 'device' || userId !== principal.userId)) {
        throw new HttpError(
          'forbidden',
          'Only an admin may issue collector tokens or tokens for others',
        );
      }
      const { record, secret } = await createToken(lake, { ...body, userId });
      reply.code(201);
      return { token: tokenView(record), secret };
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/api/tokens/:id',
    { schema: { params: idParams } },
    async (request, reply) => {
      const principal = requireUser(request);
      const token = await getToken(lake, request.params.id);
      // Someone else's token is "not found" to a non-admin: ids of others' tokens stay private.
      if (principal.role !== 'admin' && token.userId !== principal.userId) {
        throw new HttpError('not_found', `No token with id ${request.params.id}`);
      }
      await revokeToken(lake, token.id);
      return reply.code(204).send();
    },
  );
}
