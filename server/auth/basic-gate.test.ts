// HTTP Basic at the gate: taken only by the ingestion POST routes and only with a collector
// token as the password; everything else about it is a 401 that says why.
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lake } from '../lake.ts';
import { createToken, revokeToken } from './accounts.ts';
import { BASIC_CHALLENGE } from './auth-plugin.ts';
import { buildAuthApp, openTestLake, seedUser, type TestLake } from './test-support/lake.ts';

let test: TestLake;
let lake: Lake;
let app: FastifyInstance;
let collector: string;
let device: string;
let session: string;

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;

beforeAll(async () => {
  test = await openTestLake();
  lake = test.lake;
  app = await buildAuthApp(lake, {
    routes(scope) {
      const echo = (request: { principal: unknown }) => ({ principal: request.principal });
      scope.post('/api/ingest/:policy', echo);
      scope.post('/api/ingest/:policy/ingest', echo);
      scope.get('/api/ingest/:policy', echo);
    },
  });
  const root = await seedUser(lake, 'root', 'admin', { password: 'a long root password' });
  session = root.session;
  device = (await createToken(lake, { kind: 'device', userId: root.id, label: 'tablet' })).secret;
  collector = (await createToken(lake, { kind: 'collector', policy: 'p', label: 'fluentd' }))
    .secret;
});

afterAll(async () => {
  await app.close();
  await test.close();
});

const send = (authorization: string, url = '/api/ingest/p/ingest?reference=t', method = 'POST') =>
  app.inject({ method: method as 'POST' | 'GET', url, headers: { authorization } });

function refusal(response: LightMyRequestResponse, reason: string) {
  expect(response.statusCode, response.body).toBe(401);
  const { error } = response.json<{ error: { reason: string; message: string } }>();
  expect(error.reason).toBe(reason);
  return error.message;
}

describe('HTTP Basic', () => {
  it('takes a collector token as the password on both ingestion POST routes, whatever the user', async () => {
    for (const url of ['/api/ingest/p/ingest?reference=t', '/api/ingest/p']) {
      for (const authorization of [
        basic('wendelin', collector),
        basic('', collector),
        `basic   ${basic('any user', collector).slice(6)}`,
      ]) {
        const response = await send(authorization, url);
        expect(response.statusCode, response.body).toBe(200);
        expect(response.json()).toMatchObject({
          principal: { kind: 'collector', policy: 'p', name: 'fluentd' },
        });
      }
    }
  });

  it("refuses a user's password, a session or a device token as the password", async () => {
    for (const password of ['a long root password', session, device]) {
      const response = await send(basic('root', password));
      expect(refusal(response, 'unknown')).toMatch(/collector token/);
      expect(response.headers['www-authenticate']).toBe(BASIC_CHALLENGE);
    }
  });

  it('answers a malformed header with a 401 naming the problem and the Basic challenge', async () => {
    const cases: [string, RegExp][] = [
      ['Basic', /missing/],
      ['Basic    ', /missing/],
      ['Basic %%%notbase64', /base64/],
      [`Basic ${Buffer.from('no colon here').toString('base64')}`, /":"/],
      [basic('fluentd', ''), /password is empty/],
      [`Basic ${Buffer.from([0xc3, 0x28, 0x3a, 0x78]).toString('base64')}`, /UTF-8/],
    ];
    for (const [authorization, message] of cases) {
      const response = await send(authorization);
      expect(refusal(response, 'malformed'), authorization).toMatch(message);
      expect(response.headers['www-authenticate']).toBe(BASIC_CHALLENGE);
    }
  });

  it('is refused everywhere else, without inviting a browser to prompt for a password', async () => {
    const authorization = basic('fluentd', collector);
    for (const [method, url] of [
      ['GET', '/api/probe'],
      ['GET', '/api/ingest/p'],
      ['GET', '/api/session'],
      ['POST', '/api/unknown'],
    ] as const) {
      const response = await send(authorization, url, method);
      expect(refusal(response, 'malformed')).toMatch(/only by the ingestion routes/);
      expect(response.headers['www-authenticate']).toMatch(/^Bearer /);
    }
  });

  it('answers no Basic challenge to a request that did not try Basic', async () => {
    const anonymous = await app.inject({ method: 'POST', url: '/api/ingest/p/ingest' });
    expect(refusal(anonymous, 'missing')).toMatch(/HTTP Basic/);
    expect(anonymous.headers['www-authenticate']).toBe('Bearer realm="fieldlake"');
    const bearer = await send(`Bearer ${collector}`);
    expect(bearer.statusCode).toBe(200);
    expect(refusal(await send('Token x'), 'malformed')).toMatch(/Basic/);
  });

  it('refuses revoked and expired collector tokens as Bearer does', async () => {
    const revoked = await createToken(lake, { kind: 'collector', policy: 'p', label: 'old' });
    await revokeToken(lake, revoked.record.id);
    const response = await send(basic('fluentd', revoked.secret));
    expect(refusal(response, 'revoked')).toBe('This token was revoked');
    expect(response.headers['www-authenticate']).toBe(BASIC_CHALLENGE);
    const bearer = await send(`Bearer ${revoked.secret}`);
    expect(refusal(bearer, 'revoked')).toBe('This token was revoked');

    const expiring = await createToken(lake, {
      kind: 'collector',
      policy: 'p',
      label: 'short',
      expiresAt: lake.now() + 1000,
    });
    test.advance(1000);
    expect(refusal(await send(basic('fluentd', expiring.secret)), 'expired')).toMatch(/expired/);
  });
});
