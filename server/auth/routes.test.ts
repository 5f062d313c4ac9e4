import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lake } from '../lake.ts';
import { createToken, createUser, DEFAULT_SESSION_TTL_MS, setPassword } from './accounts.ts';
import {
  buildAuthApp,
  openTestLake,
  seedUser,
  START,
  type SeededUser,
  type TestLake,
} from './test-support/lake.ts';

let test: TestLake;
let lake: Lake;
let app: FastifyInstance;
let admin: SeededUser;
let tech: SeededUser;
let analyst: SeededUser;
let collector: string;

const PASSWORD = 'correct horse battery';

beforeAll(async () => {
  test = await openTestLake();
  lake = test.lake;
  app = await buildAuthApp(lake);
  admin = await seedUser(lake, 'root', 'admin');
  tech = await seedUser(lake, 'tech', 'technician', { sites: ['site/a'], password: PASSWORD });
  analyst = await seedUser(lake, 'ana', 'analyst');
  collector = (await createToken(lake, { kind: 'collector', policy: 'p', label: 'collectd' }))
    .secret;
});

afterAll(async () => {
  await app.close();
  await test.close();
});

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';

function call(
  method: Method,
  url: string,
  options: { as?: string; cookie?: string; body?: unknown; app?: FastifyInstance } = {},
) {
  const headers: Record<string, string> = {};
  if (options.as !== undefined) headers.authorization = `Bearer ${options.as}`;
  if (options.cookie !== undefined) headers.cookie = `fieldlake_session=${options.cookie}`;
  return (options.app ?? app).inject({
    method,
    url,
    headers,
    ...(options.body === undefined ? {} : { payload: options.body as Record<string, unknown> }),
  });
}

interface Envelope {
  error: { code: string; status: number; message: string; reason?: string };
}

function expectError(response: LightMyRequestResponse, status: number): Envelope['error'] {
  expect(response.statusCode, response.body).toBe(status);
  const { error } = response.json<Envelope>();
  expect(error.status).toBe(status);
  expect(typeof error.message).toBe('string');
  return error;
}

function cookieOf(response: LightMyRequestResponse): { value: string; attributes: string[] } {
  const header = response.headers['set-cookie'];
  expect(typeof header).toBe('string');
  const [pair = '', ...attributes] = String(header).split('; ');
  expect(pair.startsWith('fieldlake_session=')).toBe(true);
  return { value: pair.slice('fieldlake_session='.length), attributes };
}

describe('POST /api/session', () => {
  it('signs in by password: cookie, user, expiry and a bearer token', async () => {
    const response = await call('POST', '/api/session', {
      body: { name: 'tech', password: PASSWORD },
    });
    expect(response.statusCode).toBe(200);
    const body = response.json<{ user: unknown; expiresAt: number; token: string }>();
    expect(body.user).toEqual({ id: tech.id, name: 'tech', role: 'technician', sites: ['site/a'] });
    expect(body.expiresAt).toBe(START + DEFAULT_SESSION_TTL_MS);
    expect(body.token.startsWith('fls_')).toBe(true);
    const cookie = cookieOf(response);
    expect(cookie.value).toBe(body.token);
    expect(cookie.attributes).toEqual([
      'HttpOnly',
      'SameSite=Strict',
      'Path=/',
      `Max-Age=${DEFAULT_SESSION_TTL_MS / 1000}`,
    ]);
    expect((await call('GET', '/api/probe', { cookie: cookie.value })).statusCode).toBe(200);
    expect((await call('GET', '/api/probe', { as: body.token })).statusCode).toBe(200);
  });

  it('marks the cookie Secure when the lake is served over TLS', async () => {
    const secure = await openTestLake({ secure: true });
    const secureApp = await buildAuthApp(secure.lake);
    try {
      const { user, link } = await createUser(secure.lake, { name: 'marie', role: 'analyst' });
      await setPassword(secure.lake, user.id, PASSWORD);
      const signIn = await call('POST', '/api/session', {
        app: secureApp,
        body: { name: 'marie', password: PASSWORD },
      });
      expect(cookieOf(signIn).attributes).toContain('Secure');
      const viaLink = await call('GET', `/api/session/link?token=${link.secret}`, {
        app: secureApp,
      });
      expect(cookieOf(viaLink).attributes).toContain('Secure');
      const signOut = await call('DELETE', '/api/session', {
        app: secureApp,
        as: cookieOf(signIn).value,
      });
      expect(cookieOf(signOut).attributes).toContain('Secure');
    } finally {
      await secureApp.close();
      await secure.close();
    }
  });

  it('answers a wrong password and an unknown user with the same 401', async () => {
    const wrong = await call('POST', '/api/session', {
      body: { name: 'tech', password: 'wrong password!' },
    });
    const unknown = await call('POST', '/api/session', {
      body: { name: 'nobody', password: PASSWORD },
    });
    const noPassword = await call('POST', '/api/session', {
      body: { name: 'root', password: PASSWORD },
    });
    expectError(wrong, 401);
    expect(unknown.statusCode).toBe(401);
    expect(unknown.body).toBe(wrong.body);
    expect(noPassword.body).toBe(wrong.body);
    expect(wrong.headers['set-cookie']).toBeUndefined();
  });

  it('exchanges a sign-in link secret once', async () => {
    const { link } = await createUser(lake, { name: 'newcomer', role: 'analyst' });
    const first = await call('POST', '/api/session', { body: { token: link.secret } });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ user: { name: 'newcomer' } });
    const second = await call('POST', '/api/session', { body: { token: link.secret } });
    expect(expectError(second, 401).message).toMatch(/already been used/);
  });

  it.each([
    [{}],
    [{ name: 'tech' }],
    [{ password: PASSWORD }],
    [{ name: 'tech', password: PASSWORD, token: 'fll_x' }],
    [{ name: 'tech', password: PASSWORD, remember: true }],
    [{ name: 'tech', password: { text: PASSWORD } }],
    [{ name: '', password: PASSWORD }],
    [{ name: 'tech', password: 'x'.repeat(1025) }],
    [{ token: 'x'.repeat(101) }],
    [[]],
  ])('refuses the body %j with a 400 envelope', async (body) => {
    const error = expectError(await call('POST', '/api/session', { body }), 400);
    expect(error.code).toBe('bad_request');
  });
});

describe('GET /api/session/link', () => {
  it('signs in once: cookie and 303 to /', async () => {
    const { link } = await createUser(lake, {
      name: 'linked',
      role: 'technician',
      sites: ['site/b'],
    });
    // A HEAD (link checker, mail scanner) must not spend the link.
    expect((await call('HEAD', `/api/session/link?token=${link.secret}`)).statusCode).toBe(401);
    const first = await call('GET', `/api/session/link?token=${link.secret}`);
    expect(first.statusCode).toBe(303);
    expect(first.headers.location).toBe('/');
    const { value, attributes } = cookieOf(first);
    expect(attributes).toEqual(expect.arrayContaining(['HttpOnly', 'SameSite=Strict', 'Path=/']));
    expect(attributes).not.toContain('Secure');
    const me = await call('GET', '/api/session', { cookie: value });
    expect(me.json()).toMatchObject({
      user: { name: 'linked', sites: ['site/b'] },
      kind: 'session',
    });
    const again = await call('GET', `/api/session/link?token=${link.secret}`);
    expect(expectError(again, 401).reason).toBe('used');
  });

  it('refuses an expired link and a missing or extra parameter', async () => {
    const local = await openTestLake();
    const localApp = await buildAuthApp(local.lake);
    try {
      const { link } = await createUser(local.lake, { name: 'late', role: 'analyst' });
      local.advance(24 * 60 * 60 * 1000);
      const late = await call('GET', `/api/session/link?token=${link.secret}`, { app: localApp });
      expect(expectError(late, 401).message).toMatch(/expired/);
    } finally {
      await localApp.close();
      await local.close();
    }
    expectError(await call('GET', '/api/session/link'), 400);
    expectError(await call('GET', '/api/session/link?token=a&next=/evil'), 400);
  });
});

describe('GET and DELETE /api/session', () => {
  it('describes the caller, for a session and for a device token', async () => {
    const session = await call('GET', '/api/session', { as: tech.session });
    expect(session.json()).toEqual({
      user: { id: tech.id, name: 'tech', role: 'technician', sites: ['site/a'] },
      expiresAt: START + DEFAULT_SESSION_TTL_MS,
      kind: 'session',
    });
    const { secret } = await createToken(lake, {
      kind: 'device',
      userId: tech.id,
      label: 'tablet',
    });
    const device = await call('GET', '/api/session', { as: secret });
    expect(device.json()).toMatchObject({
      kind: 'device',
      expiresAt: null,
      user: { name: 'tech' },
    });
  });

  it('signs out: the cookie is cleared and the session is revoked', async () => {
    const signIn = await call('POST', '/api/session', {
      body: { name: 'tech', password: PASSWORD },
    });
    const { value } = cookieOf(signIn);
    const out = await call('DELETE', '/api/session', { cookie: value });
    expect(out.statusCode).toBe(204);
    expect(cookieOf(out)).toEqual({
      value: '',
      attributes: ['HttpOnly', 'SameSite=Strict', 'Path=/', 'Max-Age=0'],
    });
    const after = await call('GET', '/api/session', { as: value });
    expect(expectError(after, 401).message).toMatch(/revoked/);
  });

  it('a device token does not sign out (it is revoked as a token)', async () => {
    const { secret } = await createToken(lake, {
      kind: 'device',
      userId: tech.id,
      label: 'tablet',
    });
    expectError(await call('DELETE', '/api/session', { as: secret }), 400);
  });
});

describe('PUT /api/session/password', () => {
  it('sets the password of the signed-in user, who then signs in with it', async () => {
    const { link } = await createUser(lake, { name: 'pw', role: 'analyst' });
    const { token } = (await call('POST', '/api/session', { body: { token: link.secret } })).json<{
      token: string;
    }>();
    const set = await call('PUT', '/api/session/password', {
      as: token,
      body: { password: 'a new long password' },
    });
    expect(set.statusCode).toBe(204);
    const signIn = await call('POST', '/api/session', {
      body: { name: 'pw', password: 'a new long password' },
    });
    expect(signIn.statusCode).toBe(200);
    // The session that set it stays signed in.
    expect((await call('GET', '/api/session', { as: token })).statusCode).toBe(200);
  });

  it('refuses a short password, extra fields, and device tokens', async () => {
    expectError(
      await call('PUT', '/api/session/password', {
        as: analyst.session,
        body: { password: 'short' },
      }),
      400,
    );
    expectError(
      await call('PUT', '/api/session/password', {
        as: analyst.session,
        body: { password: 'long enough password', old: 'x' },
      }),
      400,
    );
    const { secret } = await createToken(lake, {
      kind: 'device',
      userId: analyst.id,
      label: 'tablet',
    });
    const device = await call('PUT', '/api/session/password', {
      as: secret,
      body: { password: 'long enough password' },
    });
    expect(expectError(device, 403).reason).toBe('not_session');
  });
});

describe('/api/users', () => {
  it('admin lists, creates (with a link on the public URL) and patches users', async () => {
    const created = await call('POST', '/api/users', {
      as: admin.session,
      body: { name: 'new.tech', role: 'technician', sites: ['site/a'] },
    });
    expect(created.statusCode).toBe(201);
    const body = created.json<{ user: { id: string }; link: string; linkExpiresAt: number }>();
    expect(body.user).toMatchObject({
      name: 'new.tech',
      role: 'technician',
      sites: ['site/a'],
      hasPassword: false,
    });
    expect(body.link).toMatch(
      /^http:\/\/lake\.test:8080\/api\/session\/link\?token=fll_[A-Za-z0-9_-]{43}$/,
    );
    expect(body.linkExpiresAt).toBe(START + 24 * 60 * 60 * 1000);

    const list = await call('GET', '/api/users', { as: admin.session });
    const users = list.json<{ users: { name: string }[] }>().users;
    expect(users.map((user) => user.name)).toContain('new.tech');
    expect(JSON.stringify(users)).not.toMatch(/passwordHash|scrypt/);

    const patched = await call('PATCH', `/api/users/${body.user.id}`, {
      as: admin.session,
      body: { role: 'analyst', sites: [], disabled: true },
    });
    expect(patched.json()).toMatchObject({ user: { role: 'analyst', sites: [], disabled: true } });
  });

  it('accepts unicode names (the schema pattern runs in unicode mode)', async () => {
    const response = await call('POST', '/api/users', {
      as: admin.session,
      body: { name: 'zoé.martin@plant-a', role: 'analyst' },
    });
    expect(response.statusCode, response.body).toBe(201);
  });

  it('answers 409 for a duplicate name and 404 for an unknown user', async () => {
    const duplicate = await call('POST', '/api/users', {
      as: admin.session,
      body: { name: 'tech', role: 'analyst' },
    });
    expect(expectError(duplicate, 409).code).toBe('conflict');
    expectError(
      await call('PATCH', '/api/users/nobody', { as: admin.session, body: { disabled: true } }),
      404,
    );
  });

  it('keeps an enabled admin', async () => {
    const demote = await call('PATCH', `/api/users/${admin.id}`, {
      as: admin.session,
      body: { role: 'analyst' },
    });
    expect(expectError(demote, 409).reason).toBe('last_admin');
  });

  it('is admin only: a technician cannot list, create or patch; a collector gets 403', async () => {
    for (const who of [tech.session, analyst.session, collector]) {
      expectError(await call('GET', '/api/users', { as: who }), 403);
      expectError(
        await call('POST', '/api/users', { as: who, body: { name: 'x', role: 'admin' } }),
        403,
      );
      expectError(
        await call('PATCH', `/api/users/${tech.id}`, { as: who, body: { role: 'admin' } }),
        403,
      );
    }
    const me = await call('GET', '/api/session', { as: tech.session });
    expect(me.json()).toMatchObject({ user: { role: 'technician' } });
  });

  it.each([
    [{ name: 'x', role: 'boss' }],
    [{ name: 'x' }],
    [{ role: 'admin' }],
    [{ name: 'with space', role: 'admin' }],
    [{ name: 'x'.repeat(65), role: 'admin' }],
    [{ name: 'x', role: 'admin', sites: ['plant-a'] }],
    [{ name: 'x', role: 'admin', sites: { a: 'site/a' } }],
    [{ name: 'x', role: 'admin', password: 'long enough password' }],
  ])('POST refuses %j with 400', async (body) => {
    expectError(await call('POST', '/api/users', { as: admin.session, body }), 400);
  });

  it.each([
    [{}],
    [{ role: 'boss' }],
    [{ disabled: 'yes' }],
    [{ name: 'renamed' }],
    [{ sites: [1] }],
  ])('PATCH refuses %j with 400', async (body) => {
    expectError(await call('PATCH', `/api/users/${tech.id}`, { as: admin.session, body }), 400);
  });
});

describe('/api/tokens', () => {
  it('admin issues device and collector tokens; the secret is in the answer only', async () => {
    const device = await call('POST', '/api/tokens', {
      as: admin.session,
      body: { kind: 'device', userId: tech.id, label: 'tablet 3', expiresAt: START + 1000 },
    });
    expect(device.statusCode).toBe(201);
    const created = device.json<{ token: { id: string }; secret: string }>();
    expect(created.token).toMatchObject({
      kind: 'device',
      userId: tech.id,
      label: 'tablet 3',
      expiresAt: START + 1000,
    });
    expect(created.secret.startsWith('fld_')).toBe(true);
    const probe = await call('GET', '/api/probe', { as: created.secret });
    expect(probe.json()).toMatchObject({ name: 'tech', kind: 'device' });

    const coll = await call('POST', '/api/tokens', {
      as: admin.session,
      body: { kind: 'collector', policy: 'ingestion-policy/a', label: 'collectd' },
    });
    expect(coll.json()).toMatchObject({
      token: { kind: 'collector', userId: null, policy: 'ingestion-policy/a' },
    });

    const list = await call('GET', '/api/tokens', { as: admin.session });
    const text = list.body;
    expect(text).toContain(created.token.id);
    expect(text).not.toContain(created.secret);
    expect(text).not.toMatch(/"hash"/);
    expect(
      list.json<{ tokens: { kind: string }[] }>().tokens.every((t) => t.kind !== 'session'),
    ).toBe(true);
  });

  it('a user issues, lists and revokes their own device tokens only', async () => {
    const own = await call('POST', '/api/tokens', {
      as: analyst.session,
      body: { kind: 'device', label: 'laptop' },
    });
    expect(own.statusCode).toBe(201);
    const ownToken = own.json<{ token: { id: string; userId: string }; secret: string }>();
    expect(ownToken.token.userId).toBe(analyst.id);

    const forOther = await call('POST', '/api/tokens', {
      as: analyst.session,
      body: { kind: 'device', userId: tech.id, label: 'sneaky' },
    });
    expectError(forOther, 403);
    const coll = await call('POST', '/api/tokens', {
      as: analyst.session,
      body: { kind: 'collector', policy: 'p', label: 'sneaky' },
    });
    expectError(coll, 403);

    const mine = await call('GET', '/api/tokens', { as: analyst.session });
    expect(
      mine.json<{ tokens: { userId: string }[] }>().tokens.every((t) => t.userId === analyst.id),
    ).toBe(true);
    expectError(await call('GET', `/api/tokens?userId=${tech.id}`, { as: analyst.session }), 403);

    const techToken = await createToken(lake, { kind: 'device', userId: tech.id, label: 'theirs' });
    expectError(
      await call('DELETE', `/api/tokens/${techToken.record.id}`, { as: analyst.session }),
      404,
    );

    // A device token cannot mint more tokens (a leaked one must not outlive its revocation).
    const mint = await call('POST', '/api/tokens', {
      as: ownToken.secret,
      body: { kind: 'device', label: 'more' },
    });
    expect(expectError(mint, 403).reason).toBe('not_session');

    const revoked = await call('DELETE', `/api/tokens/${ownToken.token.id}`, {
      as: analyst.session,
    });
    expect(revoked.statusCode).toBe(204);
    const after = await call('GET', '/api/probe', { as: ownToken.secret });
    expect(expectError(after, 401).message).toMatch(/revoked/);
  });

  it('admin revokes any token; unknown ids are 404', async () => {
    const { record, secret } = await createToken(lake, {
      kind: 'collector',
      policy: 'p',
      label: 'old',
    });
    expect(
      (await call('DELETE', `/api/tokens/${record.id}`, { as: admin.session })).statusCode,
    ).toBe(204);
    expect(expectError(await call('GET', '/api/probe/any', { as: secret }), 401).reason).toBe(
      'revoked',
    );
    expectError(await call('DELETE', '/api/tokens/nope', { as: admin.session }), 404);
  });

  it.each([
    [{ kind: 'session', label: 'x' }],
    [{ kind: 'device' }],
    [{ kind: 'device', label: '' }],
    [{ kind: 'device', label: 'x', expiresAt: 'tomorrow' }],
    [{ kind: 'device', label: 'x', expiresAt: 1.5 }],
    [{ kind: 'device', label: 'x', hash: 'abc' }],
    [{ kind: 'device', label: 'x', expiresAt: START - 1 }],
    [{ kind: 'collector', label: 'x' }],
  ])('POST refuses %j with 400', async (body) => {
    expectError(await call('POST', '/api/tokens', { as: admin.session, body }), 400);
  });

  it('GET refuses unknown query parameters', async () => {
    expectError(await call('GET', '/api/tokens?kind=session', { as: admin.session }), 400);
  });
});
