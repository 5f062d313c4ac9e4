// Wendelin's collectors against a real lake: fluent-plugin-wendelin and Wendelin's own clients
// put `Authorization: Basic base64(user:password)` on every POST to `…/ingest?reference=<tag>`
// (Ruby's Net::HTTP `basic_auth`, unasked, no challenge first). The password is a collector
// token; records land in the policy's signals, and no log line holds the credentials.
import { Writable } from 'node:stream';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { encode } from '@msgpack/msgpack';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildServer } from '../app.ts';
import { createToken, createUser, createSession, revokeToken } from '../auth/accounts.ts';
import { BASIC_CHALLENGE, secretSafeLogging } from '../auth/auth-plugin.ts';
import { openLake } from '../lake-context.ts';
import { signalValues, writeAll } from '../test-support/ingest.ts';
import { startTestLake, type TestLake } from '../test-support/test-lake.ts';
import type { FastifyInstance } from 'fastify';

const clock = Date.UTC(2026, 10, 1, 12);
const T0 = Date.UTC(2026, 10, 1, 11);
const WENDELIN_URL = '/api/ingest/policy%2Fplant/ingest?reference=plant.sensor';

const POLICY_ITEMS = [
  { id: 'site/plant', doc: { type: 'site', name: 'Plant' } },
  { id: 'dataset/plant', doc: { type: 'dataset', site: 'site/plant', title: 'Sensors' } },
  {
    id: 'policy/plant',
    doc: {
      type: 'ingestion-policy',
      site: 'site/plant',
      datasetId: 'dataset/plant',
      signals: [
        {
          field: 'temperature',
          name: 'temperature',
          sampleRate: 1,
          t0: new Date(T0).toISOString(),
        },
      ],
    },
  },
];

async function seedPolicy(app: FastifyInstance, adminToken: string): Promise<void> {
  await writeAll(app, adminToken, POLICY_ITEMS);
}

/** What fluentd's buffer chunk holds: `[time, record]` pairs, one after the other. */
function wendelinBody(seconds: readonly number[]): Buffer {
  return Buffer.concat(seconds.map((s) => encode([T0 / 1000 + s, { temperature: 20 + s / 10 }])));
}

/** The header Ruby's `Net::HTTP::Post#basic_auth(user, password)` writes. */
const basic = (user: string, password: string) => ({
  authorization: `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`,
});

describe('Wendelin ingestion with HTTP Basic', () => {
  let lake: TestLake;
  let collector: string;

  beforeEach(async () => {
    lake = await startTestLake({ now: () => clock });
    await seedPolicy(lake.app, lake.adminToken);
    collector = await lake.addToken('collector', { policy: 'policy/plant' });
  });
  afterEach(async () => {
    await lake.close();
  });

  const post = (headers: Record<string, string>, body = wendelinBody([0, 1, 2])) =>
    lake.app.inject({
      method: 'POST',
      url: WENDELIN_URL,
      headers: { 'content-type': 'application/octet-stream', ...headers },
      payload: body,
    });

  async function temperatures(): Promise<number[]> {
    await lake.opened.ingest.idle();
    const values = await signalValues(lake.app, lake.adminToken, 'dataset/plant', 'temperature');
    return values.map((v) => Math.fround(v));
  }

  it('answers 204 to the collector token as the password and places the records', async () => {
    const response = await post(basic('fluentd', collector));
    expect(response.statusCode, response.body).toBe(204);
    expect(await temperatures()).toEqual([20, 20.1, 20.2].map((v) => Math.fround(v)));
  });

  it('takes the form-encoded data_chunk of plugin versions up to 0.3, once', async () => {
    // Ruby's URI.encode_www_form: unreserved bytes as they are, everything else %XX.
    const form = `data_chunk=${Array.from(wendelinBody([0, 1, 2]), (byte) =>
      /[A-Za-z0-9*\-._]/.test(String.fromCharCode(byte))
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`,
    ).join('')}`;
    const headers = {
      ...basic('fluentd', collector),
      'content-type': 'application/x-www-form-urlencoded',
    };
    for (const expected of [204, 204]) {
      const response = await post(headers, Buffer.from(form));
      expect(response.statusCode, response.body).toBe(expected);
    }
    expect(await temperatures()).toEqual([20, 20.1, 20.2].map((v) => Math.fround(v)));
    expect(await lake.opened.lake.meta.ingestCounts()).toMatchObject({ done: 1, failed: 0 });
    const broken = await post(headers, Buffer.from('data_chunk=%9'));
    expect(broken.statusCode).toBe(400);
    expect(broken.json<{ error: { message: string } }>().error.message).toMatch(/percent escape/);
    const missing = await post(headers, Buffer.from('chunk=abc'));
    expect(missing.statusCode).toBe(400);
    expect(missing.json<{ error: { message: string } }>().error.message).toMatch(/data_chunk/);
  });

  it('answers a wrong secret 401 with the Basic challenge, storing nothing', async () => {
    const response = await post(basic('fluentd', `flc_${'A'.repeat(43)}`));
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toBe(BASIC_CHALLENGE);
    expect(response.json()).toMatchObject({ error: { code: 'unauthorized', reason: 'unknown' } });
    const password = await post(basic('admin', 'not a token at all'));
    expect(password.statusCode).toBe(401);
    expect(password.headers['www-authenticate']).toBe(BASIC_CHALLENGE);
    expect(await lake.opened.lake.meta.ingestCounts()).toEqual({ pending: 0, done: 0, failed: 0 });
  });

  it('answers malformed Basic headers 401, never 500', async () => {
    for (const authorization of [
      'Basic',
      'Basic !!!',
      `Basic ${Buffer.from(collector).toString('base64')}`, // no colon
      `Basic ${Buffer.from('fluentd:').toString('base64')}`, // empty password
      `Basic ${Buffer.from(`fluentd:${collector}`).toString('base64url')}`,
    ]) {
      const response = await post({ authorization });
      expect(response.statusCode, authorization).toBe(401);
      expect(response.json()).toMatchObject({ error: { reason: 'malformed' } });
      expect(response.headers['www-authenticate']).toBe(BASIC_CHALLENGE);
    }
  });

  it('takes Basic nowhere but the ingestion routes', async () => {
    for (const url of ['/api/docs', '/api/session', '/api/ingest/policy%2Fplant']) {
      const response = await lake.app.inject({ url, headers: basic('fluentd', collector) });
      expect(response.statusCode, url).toBe(401);
      expect(response.headers['www-authenticate']).toMatch(/^Bearer /);
    }
  });

  it('refuses a revoked token 401 and a token of another policy 403', async () => {
    const other = await lake.addToken('collector', { policy: 'policy/other' });
    const wrongPolicy = await post(basic('fluentd', other));
    expect(wrongPolicy.statusCode).toBe(403);
    expect(wrongPolicy.json()).toMatchObject({ error: { reason: 'wrong_policy' } });

    const { record, secret } = await createToken(lake.opened.lake, {
      kind: 'collector',
      policy: 'policy/plant',
      label: 'retired gateway',
    });
    expect((await post(basic('fluentd', secret), wendelinBody([5]))).statusCode).toBe(204);
    await revokeToken(lake.opened.lake, record.id);
    const revoked = await post(basic('fluentd', secret), wendelinBody([6]));
    expect(revoked.statusCode).toBe(401);
    expect(revoked.json()).toMatchObject({ error: { reason: 'revoked' } });
    expect(revoked.headers['www-authenticate']).toBe(BASIC_CHALLENGE);
  });

  it("never takes a user's session through Basic, even an admin's", async () => {
    const response = await post(basic('admin', lake.adminToken));
    expect(response.statusCode).toBe(401);
    expect(response.json()).toMatchObject({ error: { reason: 'unknown' } });
  });
});

describe('logs of a Basic-authenticated request', () => {
  it('hold neither the header, nor its base64, nor the secret, even in the user name', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'fieldlake-wendelin-'));
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const log = pino({ level: 'trace', ...secretSafeLogging }, stream);
    const opened = await openLake({ dataDir: dir, log, gcIntervalMs: 0, now: () => clock });
    const app = await buildServer({ lake: opened, loggerInstance: log });
    // What a careless hook or route might log: the whole headers, or the request itself.
    app.addHook('preHandler', async (request) => {
      request.log.info({ headers: request.headers }, 'headers');
      request.log.info({ req: request }, 'request');
    });
    try {
      await app.ready();
      const { user } = await createUser(opened.lake, { name: 'admin', role: 'admin' });
      const admin = await createSession(opened.lake, user.id);
      await seedPolicy(app, admin.secret);
      const { secret } = await createToken(opened.lake, {
        kind: 'collector',
        policy: 'policy/plant',
        label: 'gateway',
      });
      // A config that put the token in `user` too.
      const headers = basic(secret, secret);
      const response = await app.inject({
        method: 'POST',
        url: WENDELIN_URL,
        headers: { ...headers, 'content-type': 'application/octet-stream' },
        payload: wendelinBody([0]),
      });
      expect(response.statusCode, response.body).toBe(204);
      const refused = await app.inject({
        method: 'POST',
        url: WENDELIN_URL,
        headers: basic('fluentd', 'a password that is wrong'),
        payload: wendelinBody([1]),
      });
      expect(refused.statusCode).toBe(401);
      await opened.ingest.idle();
      const output = lines.join('');
      expect(output).toContain('"headers"');
      expect(output).toContain('collector authenticated with HTTP Basic');
      expect(output).toContain('[redacted]');
      expect(output).not.toContain(secret);
      expect(output).not.toContain(headers.authorization.slice('Basic '.length, 40));
      expect(output).not.toMatch(/Basic [A-Za-z0-9+/]{8}/);
      expect(output).not.toContain(
        Buffer.from('fluentd:a password that is wrong').toString('base64'),
      );
    } finally {
      await app.close();
      await opened.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
