import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SCRYPT,
  hashPassword,
  MAX_PASSWORD_LENGTH,
  MIN_PASSWORD_LENGTH,
  passwordProblem,
  verifyDecoy,
  verifyPassword,
} from './passwords.ts';

// Cheap parameters keep these tests fast; one test covers the defaults.
const cheap = { N: 1024, r: 8, p: 1 };

describe('passwords', () => {
  it('hashes with scrypt and the default parameters written in the hash', async () => {
    const hash = await hashPassword('correct horse battery');
    const [scheme, N, r, p, salt, key] = hash.split('$');
    expect(scheme).toBe('scrypt');
    expect([Number(N), Number(r), Number(p)]).toEqual([
      DEFAULT_SCRYPT.N,
      DEFAULT_SCRYPT.r,
      DEFAULT_SCRYPT.p,
    ]);
    expect(Buffer.from(salt ?? '', 'base64url')).toHaveLength(16);
    expect(Buffer.from(key ?? '', 'base64url')).toHaveLength(32);
    expect(hash).not.toContain('correct horse');
    expect(await verifyPassword('correct horse battery', hash)).toBe(true);
    expect(await verifyPassword('correct horse batterY', hash)).toBe(false);
  });

  it('salts every hash, and verifies with the parameters the hash names', async () => {
    const one = await hashPassword('same password', cheap);
    const two = await hashPassword('same password', cheap);
    expect(one).not.toBe(two);
    expect(one.startsWith('scrypt$1024$8$1$')).toBe(true);
    expect(await verifyPassword('same password', one)).toBe(true);
    expect(await verifyPassword('same password', two)).toBe(true);
  });

  it('accepts a password typed composed or decomposed', async () => {
    const hash = await hashPassword('mot de passe é', cheap);
    expect(await verifyPassword('mot de passe e\u0301', hash)).toBe(true);
  });

  it.each([
    '',
    'plain',
    'bcrypt$1024$8$1$c2FsdA$a2V5',
    'scrypt$1000$8$1$c2FsdA$a2V5',
    'scrypt$1024$0$1$c2FsdA$a2V5',
    'scrypt$1024$8$1$$a2V5',
    'scrypt$1024$8$1$c2FsdA',
  ])('refuses a malformed hash %j', async (stored) => {
    expect(await verifyPassword('anything at all', stored)).toBe(false);
  });

  it('needs at least 10 characters, counted as characters not UTF-16 units', () => {
    expect(MIN_PASSWORD_LENGTH).toBe(10);
    expect(passwordProblem('123456789')).toMatch(/at least 10/);
    expect(passwordProblem('1234567890')).toBeNull();
    expect(passwordProblem('😀'.repeat(5))).toMatch(/at least 10/);
    expect(passwordProblem('😀'.repeat(10))).toBeNull();
    expect(passwordProblem('x'.repeat(MAX_PASSWORD_LENGTH + 1))).toMatch(/at most/);
  });

  it('a decoy verification never matches', async () => {
    expect(await verifyDecoy('whatever password')).toBe(false);
    expect(await verifyDecoy('')).toBe(false);
  });
});
