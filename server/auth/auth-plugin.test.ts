import { Writable } from 'node:stream';
import Fastify from 'fastify';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lake } from '../lake.ts';
import {
  createSession,
  createToken,
  createUser,
  DEFAULT_SESSION_TTL_MS,
  endSession,
  setDisabled,
} from './accounts.ts';
import {
  readCookie,
  redactPaths,
  registerAuth,
  requireUser,
  scrubUrl,
  secretSafeLogging,
} from './auth-plugin.ts';
import { newSecret } from './secrets.ts';
import { buildAuthApp, openTestLake, seedUser, type TestLake } from './test-support/lake.ts';

let test: TestLake;
let lake: Lake;
let app: FastifyInstance;
let admin: string;
let tech: string;
let collector: string;

beforeAll(async () => {
  test = await openTestLake();
  lake = test.lake;
  app = await buildAuthApp(lake);
  admin = (await seedUser(lake, 'root', 'admin')).session;
  tech = (await seedUser(lake, 'tech', 'technician', { sites: ['site/a'] })).session;
  collector = (await createToken(lake, { kind: 'collector', policy: 'p', label: 'collectd' }))
    .secret;
});

afterAll(async () => {
  await app.close();
  await test.close();
});

function bearer(secret: string) {
  return { authorization: `Bearer ${secret}` };
}

function expectRefusal(response: LightMyRequestResponse, status: number, reason?: string) {
  expect(response.statusCode, response.body).toBe(status);
  const body = response.json<{
    error: { code: string; status: number; message: string; reason?: string };
  }>();
  expect(body.error.status).toBe(status);
  expect(body.error.code).toBe(status === 401 ? 'unauthorized' : 'forbidden');
  if (reason !== undefined) expect(body.error.reason).toBe(reason);
  return body.error;
}

const protectedRoutes = [
  ['GET', '/api/probe'],
  ['GET', '/api/session'],
  ['DELETE', '/api/session'],
  ['PUT', '/api/session/password'],
  ['GET', '/api/users'],
  ['POST', '/api/users'],
  ['PATCH', '/api/users/x'],
  ['GET', '/api/tokens'],
  ['POST', '/api/tokens'],
  ['DELETE', '/api/tokens/x'],
  ['GET', '/api/unknown'],
  ['GET', '/api'],
  ['POST', '/api/health'],
  ['HEAD', '/api/session/link?token=x'],
  // The router decodes %61 to "a": the gate must judge the route, not the raw URL.
  ['GET', '/%61pi/probe'],
  ['GET', '/api/probe/'],
] as const;

describe('the 401 gate', () => {
  it.each(protectedRoutes)('anonymous %s %s → 401 "missing"', async (method, url) => {
    const response = await app.inject({
      method,
      url,
      payload: method === 'GET' || method === 'HEAD' || method === 'DELETE' ? undefined : {},
    });
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer realm="fieldlake"');
    if (method !== 'HEAD') {
      const error = expectRefusal(response, 401, 'missing');
      expect(error.message).toMatch(/sign in/i);
    }
  });

  it('lets anonymous requests reach the public routes and the app', async () => {
    expect((await app.inject({ method: 'GET', url: '/api/health' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'HEAD', url: '/api/health' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/' })).statusCode).toBe(200);
    // These answer 401 too, but from the route (bad credentials), not from the gate.
    const signIn = await app.inject({
      method: 'POST',
      url: '/api/session',
      payload: { name: 'root', password: 'not the password' },
    });
    expect(expectRefusal(signIn, 401).message).toMatch(/user name or password/);
    const link = await app.inject({ method: 'GET', url: '/api/session/link?token=fll_x' });
    expect(expectRefusal(link, 401, 'unknown').message).toMatch(/sign-in link/);
  });

  it('takes a session as bearer or as cookie', async () => {
    const viaBearer = await app.inject({ method: 'GET', url: '/api/probe', headers: bearer(tech) });
    expect(viaBearer.json()).toEqual({
      name: 'tech',
      role: 'technician',
      kind: 'session',
      sites: ['site/a'],
    });
    const viaCookie = await app.inject({
      method: 'GET',
      url: '/api/probe',
      headers: { cookie: `theme=dark; fieldlake_session=${tech}; other="x=y"` },
    });
    expect(viaCookie.statusCode).toBe(200);
    const quoted = await app.inject({
      method: 'GET',
      url: '/api/probe',
      headers: { cookie: `fieldlake_session="${tech}"` },
    });
    expect(quoted.statusCode).toBe(200);
  });

  it('prefers the Authorization header to the cookie', async () => {
    const response = await app.inject({
      method: 'GET',
      url: '/api/probe',
      headers: { ...bearer(admin), cookie: `fieldlake_session=${tech}` },
    });
    expect(response.json()).toMatchObject({ name: 'root' });
  });

  it('refuses a malformed Authorization header', async () => {
    for (const authorization of ['Basic cm9vdDpwdw==', 'Bearer', `Token ${admin}`]) {
      const response = await app.inject({
        method: 'GET',
        url: '/api/probe',
        headers: { authorization },
      });
      expectRefusal(response, 401, 'malformed');
    }
  });

  it('refuses unknown secrets', async () => {
    for (const secret of [newSecret('session'), 'fls_short', 'nonsense']) {
      const response = await app.inject({
        method: 'GET',
        url: '/api/probe',
        headers: bearer(secret),
      });
      expect(expectRefusal(response, 401, 'unknown').message).toMatch(/sign in again/);
    }
  });

  it('a revoked session or token answers 401 "revoked"', async () => {
    const user = await lake.meta.getUserByName('tech');
    const session = await createSession(lake, user?.id ?? '');
    await endSession(lake, session.token.id);
    const response = await app.inject({
      method: 'GET',
      url: '/api/probe',
      headers: bearer(session.secret),
    });
    expect(expectRefusal(response, 401, 'revoked').message).toMatch(/revoked/);
    expect(response.headers['www-authenticate']).toContain('error="invalid_token"');
  });

  it('an expired session answers 401 "sign in again", and a cookie one is cleared', async () => {
    const local = await openTestLake({ sessionTtlMs: 60_000 });
    const localApp = await buildAuthApp(local.lake);
    try {
      const { session } = await seedUser(local.lake, 'marie', 'analyst');
      const ok = await localApp.inject({
        method: 'GET',
        url: '/api/probe',
        headers: bearer(session),
      });
      expect(ok.statusCode).toBe(200);
      local.advance(60_000);
      const viaBearer = await localApp.inject({
        method: 'GET',
        url: '/api/probe',
        headers: bearer(session),
      });
      expect(expectRefusal(viaBearer, 401, 'expired').message).toMatch(/expired: sign in again/);
      expect(viaBearer.headers['set-cookie']).toBeUndefined();
      const viaCookie = await localApp.inject({
        method: 'GET',
        url: '/api/probe',
        headers: { cookie: `fieldlake_session=${session}` },
      });
      expectRefusal(viaCookie, 401, 'expired');
      expect(viaCookie.headers['set-cookie']).toMatch(/^fieldlake_session=; .*Max-Age=0/);
    } finally {
      await localApp.close();
      await local.close();
    }
  });

  it('a disabled user is refused with the reason', async () => {
    const { id, session } = await seedUser(lake, 'leaver', 'analyst');
    await setDisabled(lake, id, true);
    const response = await app.inject({
      method: 'GET',
      url: '/api/probe',
      headers: bearer(session),
    });
    expect(expectRefusal(response, 401, 'disabled').message).toMatch(/disabled/);
  });

  it('a device token acts as its user', async () => {
    const user = await lake.meta.getUserByName('tech');
    const { secret } = await createToken(lake, {
      kind: 'device',
      userId: user?.id ?? '',
      label: 'tablet',
    });
    const response = await app.inject({
      method: 'GET',
      url: '/api/probe',
      headers: bearer(secret),
    });
    expect(response.json()).toMatchObject({ name: 'tech', kind: 'device', sites: ['site/a'] });
  });

  it('a collector token passes the gate but gets 403 from requireUser and the user routes', async () => {
    const any = await app.inject({
      method: 'GET',
      url: '/api/probe/any',
      headers: bearer(collector),
    });
    expect(any.json()).toMatchObject({
      principal: { kind: 'collector', role: 'collector', policy: 'p' },
    });
    for (const url of [
      '/api/probe',
      '/api/session',
      '/api/users',
      '/api/tokens',
      '/api/probe/admin',
    ]) {
      const response = await app.inject({ method: 'GET', url, headers: bearer(collector) });
      expectRefusal(response, 403, 'collector');
    }
  });

  it('requireAdmin refuses other roles with 403', async () => {
    const response = await app.inject({
      method: 'GET',
      url: '/api/probe/admin',
      headers: bearer(tech),
    });
    expectRefusal(response, 403, 'not_admin');
    const ok = await app.inject({ method: 'GET', url: '/api/probe/admin', headers: bearer(admin) });
    expect(ok.json()).toEqual({ name: 'root' });
  });

  it('applies to routes registered before it, too', async () => {
    const early = Fastify();
    early.get('/api/early', () => 'reached');
    registerAuth(early, lake);
    early.get('/api/late', (request) => requireUser(request).name);
    await early.ready();
    try {
      expect((await early.inject({ method: 'GET', url: '/api/early' })).statusCode).toBe(401);
      const late = await early.inject({ method: 'GET', url: '/api/late', headers: bearer(admin) });
      expect(late.body).toBe('root');
    } finally {
      await early.close();
    }
  });
});

describe('readCookie', () => {
  it('finds one cookie among others', () => {
    expect(readCookie(undefined, 'a')).toBeUndefined();
    expect(readCookie('a=1; b=2', 'b')).toBe('2');
    expect(readCookie('ab=1; b=2', 'b')).toBe('2');
    expect(readCookie('b=1; b=2', 'b')).toBe('1');
    expect(readCookie('a=1', 'b')).toBeUndefined();
    expect(readCookie('  b = "x" ', 'b')).toBe('x');
    expect(readCookie('b', 'b')).toBeUndefined();
  });
});

describe('logs', () => {
  it('scrubs secrets from URLs', () => {
    const link = newSecret('sign-in');
    expect(scrubUrl(`/api/session/link?token=${link}`)).toBe('/api/session/link?token=[redacted]');
    expect(scrubUrl(`/api/x?a=1&token=abc&b=2`)).toBe('/api/x?a=1&token=[redacted]&b=2');
    expect(scrubUrl(`/api/x/${link}`)).toBe('/api/x/[redacted]');
    expect(redactPaths).toContain('req.headers.authorization');
    expect(redactPaths).toContain('req.headers.cookie');
  });

  it('never writes a secret to the log, whatever a route logs', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logged = await buildAuthApp(lake, {
      logger: { level: 'trace', stream, ...secretSafeLogging },
      routes(scope) {
        scope.get('/api/verbose', (request) => {
          // What a careless route might log: the whole headers, or the request under req.
          request.log.info({ headers: request.headers }, 'headers');
          request.log.info({ req: request }, 'request');
          request.log.info({ req: { headers: request.headers } }, 'raw');
          return 'ok';
        });
      },
    });
    try {
      const { link } = await createUser(lake, { name: 'logged', role: 'analyst' });
      const linkResponse = await logged.inject({
        method: 'GET',
        url: `/api/session/link?token=${link.secret}`,
      });
      expect(linkResponse.statusCode).toBe(303);
      const session = String(linkResponse.headers['set-cookie']).split(';')[0]?.split('=')[1] ?? '';
      expect(session.startsWith('fls_')).toBe(true);
      const response = await logged.inject({
        method: 'GET',
        url: '/api/verbose',
        headers: { ...bearer(admin), cookie: `fieldlake_session=${session}` },
      });
      expect(response.statusCode).toBe(200);
      await logged.inject({
        method: 'POST',
        url: '/api/session',
        payload: { name: 'root', password: 'a password that is wrong' },
      });
    } finally {
      await logged.close();
    }
    const output = lines.join('');
    expect(output).toContain('incoming request');
    expect(output).toContain('[redacted]');
    expect(output).toContain('/api/session/link?token=[redacted]');
    expect(output).not.toMatch(/fl[sldc]_[A-Za-z0-9_-]{20}/);
    expect(output).not.toContain(admin);
    expect(output).not.toContain('a password that is wrong');
  });
});

it('sessions last sessionTtlMs by default', () => {
  expect(DEFAULT_SESSION_TTL_MS).toBe(30 * 24 * 60 * 60 * 1000);
});
