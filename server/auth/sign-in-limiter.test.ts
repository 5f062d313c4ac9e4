// Password guessing is slowed: after 20 failed sign-ins from one address within 10 minutes,
// that address gets 429 with Retry-After, even for a right password, until failures age out.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestLake, type TestLake } from '../test-support/test-lake.ts';
import { createSignInLimiter } from './sign-in-limiter.ts';

let clock = Date.UTC(2026, 0, 1);
let lake: TestLake;
beforeEach(async () => {
  lake = await startTestLake({ now: () => clock });
});
afterEach(async () => {
  await lake.close();
});

const signIn = (password: string) =>
  lake.app.inject({
    method: 'POST',
    url: '/api/session',
    payload: { name: 'admin', password },
  });

describe('sign-in rate limit', () => {
  it('answers 429 after 20 failures from one address, and forgets them after the window', async () => {
    const setPassword = await lake.app.inject({
      method: 'PUT',
      url: '/api/session/password',
      headers: lake.auth(lake.adminToken),
      payload: { password: 'correct horse battery' },
    });
    expect(setPassword.statusCode).toBeLessThan(300);
    for (let i = 0; i < 20; i++) expect((await signIn(`wrong ${i} guess`)).statusCode).toBe(401);
    const limited = await signIn('correct horse battery');
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBe('600');
    expect(limited.json()).toMatchObject({ error: { code: 'too_many_requests' } });
    clock += 10 * 60 * 1000;
    expect((await signIn('correct horse battery')).statusCode).toBe(200);
  });

  it('a success clears the count; other addresses are not affected', () => {
    const limiter = createSignInLimiter(3, 1000);
    for (let i = 0; i < 3; i++) limiter.fail('a', 0);
    expect(() => {
      limiter.check('a', 10);
    }).toThrow(/Too many failed sign-ins/);
    expect(() => {
      limiter.check('b', 10);
    }).not.toThrow();
    limiter.succeed('a');
    expect(() => {
      limiter.check('a', 10);
    }).not.toThrow();
  });
});
