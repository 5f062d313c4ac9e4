import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Lake } from '../lake.ts';
import {
  AccountError,
  createSession,
  createSignInLink,
  createToken,
  createUser,
  DEFAULT_SESSION_TTL_MS,
  endSession,
  listTokens,
  listUsers,
  resolveSecret,
  revokeToken,
  setDisabled,
  setPassword,
  setRole,
  setSites,
  SIGN_IN_LINK_TTL_MS,
  signInUrl,
  signInWithLink,
  signInWithPassword,
  updateUser,
} from './accounts.ts';
import { hashSecret, newSecret } from './secrets.ts';
import { openTestLake, START, type TestLake } from './test-support/lake.ts';

let test: TestLake;
let lake: Lake;

beforeEach(async () => {
  test = await openTestLake();
  lake = test.lake;
});

afterEach(async () => {
  await test.close();
});

async function refusal(promise: Promise<unknown>): Promise<AccountError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(AccountError);
  return error as AccountError;
}

describe('users', () => {
  it('creates a user with sites and a 24 h one-time link, storing only hashes', async () => {
    const { user, link } = await createUser(lake, {
      name: 'marie',
      role: 'technician',
      sites: ['site/plant-a', 'site/plant-b', 'site/plant-a'],
    });
    expect(user).toMatchObject({
      name: 'marie',
      role: 'technician',
      sites: ['site/plant-a', 'site/plant-b'],
      disabled: false,
      hasPassword: false,
      createdAt: START,
    });
    expect(link.secret.startsWith('fll_')).toBe(true);
    expect(link.token).toMatchObject({
      kind: 'sign-in',
      userId: user.id,
      hash: hashSecret(link.secret),
      expiresAt: START + SIGN_IN_LINK_TTL_MS,
    });
    expect(JSON.stringify(await lake.meta.listTokens())).not.toContain(link.secret);
    expect(signInUrl('http://lake.test:8080', link.secret)).toBe(
      `http://lake.test:8080/api/session/link?token=${link.secret}`,
    );
  });

  it('refuses a duplicate name (409), a bad name, role or site (400)', async () => {
    await createUser(lake, { name: 'marie', role: 'analyst' });
    const duplicate = await refusal(createUser(lake, { name: 'marie', role: 'admin' }));
    expect(duplicate.code).toBe('conflict');
    expect(duplicate.status).toBe(409);
    for (const name of ['', ' marie', 'a b', '.hidden', 'x'.repeat(65), 'tab\t']) {
      expect((await refusal(createUser(lake, { name, role: 'analyst' }))).code).toBe('bad_request');
    }
    const role = await refusal(
      createUser(lake, { name: 'boss', role: 'boss' as unknown as 'admin' }),
    );
    expect(role.code).toBe('bad_request');
    const site = await refusal(
      createUser(lake, { name: 'tech', role: 'technician', sites: ['plant-a'] }),
    );
    expect(site.message).toMatch(/site\/<slug>/);
    expect((await listUsers(lake)).map((user) => user.name)).toEqual(['marie']);
  });

  it('accepts unicode names and e-mail addresses', async () => {
    await createUser(lake, { name: 'zoé.martin@plant-a.example', role: 'analyst' });
    await createUser(lake, { name: '山田', role: 'analyst' });
    expect((await listUsers(lake)).map((user) => user.name).sort()).toEqual([
      'zoé.martin@plant-a.example',
      '山田',
    ]);
  });

  it('replaces sites, changes roles, and never leaves the lake without an enabled admin', async () => {
    const { user: admin } = await createUser(lake, { name: 'root', role: 'admin' });
    const { user: tech } = await createUser(lake, {
      name: 'tech',
      role: 'technician',
      sites: ['site/a', 'site/b'],
    });
    expect((await setSites(lake, tech.id, ['site/b', 'site/c'])).sites).toEqual([
      'site/b',
      'site/c',
    ]);
    expect((await setSites(lake, tech.id, [])).sites).toEqual([]);
    expect((await setRole(lake, tech.id, 'analyst')).role).toBe('analyst');

    expect((await refusal(setRole(lake, admin.id, 'analyst'))).code).toBe('conflict');
    expect((await refusal(setDisabled(lake, admin.id, true))).code).toBe('conflict');
    await setRole(lake, tech.id, 'admin');
    expect((await setDisabled(lake, admin.id, true)).disabled).toBe(true);
    // The remaining admin is now the last one.
    expect((await refusal(updateUser(lake, tech.id, { role: 'technician' }))).code).toBe(
      'conflict',
    );
    expect((await refusal(updateUser(lake, 'nobody', { disabled: true }))).code).toBe('not_found');
  });

  it('checks everything before writing anything', async () => {
    const { user } = await createUser(lake, {
      name: 'tech',
      role: 'technician',
      sites: ['site/a'],
    });
    await refusal(updateUser(lake, user.id, { role: 'analyst', sites: ['bad'] }));
    expect((await listUsers(lake))[0]).toMatchObject({ role: 'technician', sites: ['site/a'] });
  });
});

describe('sign-in links and sessions', () => {
  it('a link signs in once, into a session of sessionTtlMs', async () => {
    const { user, link } = await createUser(lake, {
      name: 'marie',
      role: 'technician',
      sites: ['site/a'],
    });
    const session = await signInWithLink(lake, link.secret, 'Firefox');
    expect(session.secret.startsWith('fls_')).toBe(true);
    expect(session.expiresAt).toBe(START + DEFAULT_SESSION_TTL_MS);
    expect(session.token).toMatchObject({ kind: 'session', userId: user.id, label: 'Firefox' });
    expect(session.sites).toEqual(['site/a']);
    const again = await refusal(signInWithLink(lake, link.secret));
    expect(again.code).toBe('unauthorized');
    expect(again.message).toMatch(/already been used/);
  });

  it('a link expires after 24 hours', async () => {
    const { link } = await createUser(lake, { name: 'marie', role: 'analyst' });
    test.advance(SIGN_IN_LINK_TTL_MS);
    const expired = await refusal(signInWithLink(lake, link.secret));
    expect(expired.message).toMatch(/expired/);
    expect(expired.details.reason).toBe('expired');
  });

  it('a link of a disabled user, a session secret or garbage does not sign in', async () => {
    const { user, link } = await createUser(lake, { name: 'marie', role: 'analyst' });
    await createUser(lake, { name: 'root', role: 'admin' });
    const session = await createSession(lake, user.id);
    expect((await refusal(signInWithLink(lake, session.secret))).details.reason).toBe('unknown');
    expect((await refusal(signInWithLink(lake, newSecret('sign-in')))).details.reason).toBe(
      'unknown',
    );
    expect((await refusal(signInWithLink(lake, 'fll_nope'))).details.reason).toBe('unknown');
    await setDisabled(lake, user.id, true);
    expect((await refusal(signInWithLink(lake, link.secret))).details.reason).toBe('disabled');
    expect((await refusal(createSignInLink(lake, user.id))).code).toBe('conflict');
  });

  it('two concurrent uses of one link: exactly one session', async () => {
    const { link } = await createUser(lake, { name: 'marie', role: 'analyst' });
    const results = await Promise.allSettled([
      signInWithLink(lake, link.secret),
      signInWithLink(lake, link.secret),
    ]);
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
  });

  it('password sign-in: unknown user and wrong password answer alike', async () => {
    const { user } = await createUser(lake, { name: 'marie', role: 'analyst' });
    const noPassword = await refusal(signInWithPassword(lake, 'marie', 'long enough password'));
    await setPassword(lake, user.id, 'long enough password');
    const wrong = await refusal(signInWithPassword(lake, 'marie', 'long enough passworD'));
    const unknown = await refusal(signInWithPassword(lake, 'nobody', 'long enough password'));
    for (const error of [noPassword, wrong, unknown]) {
      expect(error.code).toBe('unauthorized');
      expect(error.message).toBe(unknown.message);
      expect(error.details).toEqual(unknown.details);
    }
    const session = await signInWithPassword(lake, 'marie', 'long enough password');
    expect(session.user.id).toBe(user.id);
  });

  it('a disabled user cannot sign in with the right password', async () => {
    await createUser(lake, { name: 'root', role: 'admin' });
    const { user } = await createUser(lake, { name: 'marie', role: 'analyst' });
    await setPassword(lake, user.id, 'long enough password');
    await setDisabled(lake, user.id, true);
    const error = await refusal(signInWithPassword(lake, 'marie', 'long enough password'));
    expect(error.details.reason).toBe('disabled');
  });

  it('a short password is refused; setting one signs out the other sessions', async () => {
    const { user } = await createUser(lake, { name: 'marie', role: 'analyst' });
    expect((await refusal(setPassword(lake, user.id, 'short'))).code).toBe('bad_request');
    const here = await createSession(lake, user.id);
    const elsewhere = await createSession(lake, user.id);
    await setPassword(lake, user.id, 'long enough password', here.token.id);
    expect(await resolveSecret(lake, here.secret)).toMatchObject({ userId: user.id });
    expect(await resolveSecret(lake, elsewhere.secret)).toBe('revoked');
  });
});

describe('resolveSecret', () => {
  it('a session stands for its user, with sites for technicians only', async () => {
    const { user: tech } = await createUser(lake, {
      name: 'tech',
      role: 'technician',
      sites: ['site/a'],
    });
    const { user: analyst } = await createUser(lake, {
      name: 'ana',
      role: 'analyst',
      sites: ['site/a'],
    });
    const session = await createSession(lake, tech.id);
    expect(await resolveSecret(lake, session.secret)).toEqual({
      kind: 'session',
      tokenId: session.token.id,
      userId: tech.id,
      name: 'tech',
      role: 'technician',
      sites: ['site/a'],
      policy: null,
      expiresAt: session.expiresAt,
    });
    const other = await createSession(lake, analyst.id);
    expect(await resolveSecret(lake, other.secret)).toMatchObject({ role: 'analyst', sites: [] });
  });

  it('changes of role, sites and state apply to existing sessions at once', async () => {
    await createUser(lake, { name: 'root', role: 'admin' });
    const { user } = await createUser(lake, { name: 'tech', role: 'technician' });
    const session = await createSession(lake, user.id);
    await setSites(lake, user.id, ['site/new']);
    expect(await resolveSecret(lake, session.secret)).toMatchObject({ sites: ['site/new'] });
    await setDisabled(lake, user.id, true);
    expect(await resolveSecret(lake, session.secret)).toBe('disabled');
    await setDisabled(lake, user.id, false);
    expect(await resolveSecret(lake, session.secret)).toMatchObject({ name: 'tech' });
  });

  it('a session expires after sessionTtlMs and is revoked by signing out', async () => {
    const { user } = await createUser(lake, { name: 'marie', role: 'analyst' });
    const session = await createSession(lake, user.id);
    test.advance(DEFAULT_SESSION_TTL_MS - 1);
    expect(typeof (await resolveSecret(lake, session.secret))).toBe('object');
    test.advance(1);
    expect(await resolveSecret(lake, session.secret)).toBe('expired');
    const fresh = await createSession(lake, user.id);
    await endSession(lake, fresh.token.id);
    expect(await resolveSecret(lake, fresh.secret)).toBe('revoked');
  });

  it('unknown, malformed and sign-in secrets authenticate nothing', async () => {
    const { link } = await createUser(lake, { name: 'marie', role: 'analyst' });
    for (const secret of [
      newSecret('session'),
      newSecret('device'),
      'fls_x',
      '',
      'garbage',
      link.secret,
    ]) {
      expect(await resolveSecret(lake, secret)).toBe('unknown');
    }
  });

  it('a secret whose prefix lies about its kind is unknown', async () => {
    const { user } = await createUser(lake, { name: 'marie', role: 'analyst' });
    const session = await createSession(lake, user.id);
    expect(await resolveSecret(lake, `fld_${session.secret.slice(4)}`)).toBe('unknown');
  });
});

describe('device and collector tokens', () => {
  it('a device token acts as its user; revoking it is immediate', async () => {
    const { user } = await createUser(lake, {
      name: 'tech',
      role: 'technician',
      sites: ['site/a'],
    });
    const { record, secret } = await createToken(lake, {
      kind: 'device',
      userId: user.id,
      label: 'tablet 3',
    });
    expect(secret.startsWith('fld_')).toBe(true);
    expect(record).toMatchObject({
      kind: 'device',
      userId: user.id,
      label: 'tablet 3',
      expiresAt: null,
    });
    expect(await resolveSecret(lake, secret)).toMatchObject({
      kind: 'device',
      tokenId: record.id,
      userId: user.id,
      role: 'technician',
      sites: ['site/a'],
      expiresAt: null,
    });
    const revoked = await revokeToken(lake, record.id);
    expect(revoked.revokedAt).toBe(START);
    expect(await resolveSecret(lake, secret)).toBe('revoked');
    expect((await revokeToken(lake, record.id)).revokedAt).toBe(START);
  });

  it('a collector token acts for no user, with its policy', async () => {
    const { record, secret } = await createToken(lake, {
      kind: 'collector',
      policy: 'ingestion-policy/plant-a',
      label: 'collectd at plant A',
      expiresAt: START + 1000,
    });
    expect(secret.startsWith('flc_')).toBe(true);
    expect(await resolveSecret(lake, secret)).toEqual({
      kind: 'collector',
      tokenId: record.id,
      userId: null,
      name: 'collectd at plant A',
      role: 'collector',
      sites: [],
      policy: 'ingestion-policy/plant-a',
      expiresAt: START + 1000,
    });
    test.advance(1000);
    expect(await resolveSecret(lake, secret)).toBe('expired');
  });

  it('refuses inconsistent requests', async () => {
    const { user } = await createUser(lake, { name: 'tech', role: 'technician' });
    const cases = [
      { kind: 'device', label: 'no user' },
      { kind: 'device', userId: 'nobody', label: 'unknown user' },
      { kind: 'device', userId: user.id, label: 'policy', policy: 'p' },
      { kind: 'collector', label: 'no policy' },
      { kind: 'collector', label: 'user', policy: 'p', userId: user.id },
      { kind: 'device', userId: user.id, label: '   ' },
      { kind: 'device', userId: user.id, label: 'bell\u0007' },
      { kind: 'device', userId: user.id, label: 'past', expiresAt: START },
    ] as const;
    for (const spec of cases) {
      const error = await refusal(createToken(lake, spec));
      expect(['bad_request', 'not_found']).toContain(error.code);
    }
    expect(await listTokens(lake)).toEqual([]);
  });

  it('lists device and collector tokens only, per user or all', async () => {
    const { user, link } = await createUser(lake, { name: 'tech', role: 'technician' });
    await signInWithLink(lake, link.secret);
    const device = await createToken(lake, { kind: 'device', userId: user.id, label: 'tablet' });
    const collector = await createToken(lake, {
      kind: 'collector',
      policy: 'p',
      label: 'collector',
    });
    expect((await listTokens(lake)).map((token) => token.id).sort()).toEqual(
      [device.record.id, collector.record.id].sort(),
    );
    expect((await listTokens(lake, user.id)).map((token) => token.id)).toEqual([device.record.id]);
    expect((await refusal(revokeToken(lake, link.token.id))).code).toBe('not_found');
    expect((await refusal(revokeToken(lake, 'nope'))).code).toBe('not_found');
  });
});
