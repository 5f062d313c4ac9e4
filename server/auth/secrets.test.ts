import { describe, expect, it } from 'vitest';
import type { TokenKind } from '../meta/types.ts';
import {
  hashSecret,
  newId,
  newSecret,
  safeEqual,
  SECRET_PATTERN,
  SECRET_PREFIXES,
  secretKind,
} from './secrets.ts';

const kinds: TokenKind[] = ['session', 'sign-in', 'device', 'collector'];

describe('secrets', () => {
  it.each(kinds)('a %s secret is its prefix and 32 random bytes in base64url', (kind) => {
    const secret = newSecret(kind);
    expect(secret.startsWith(SECRET_PREFIXES[kind])).toBe(true);
    const body = secret.slice(4);
    expect(body).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(body, 'base64url')).toHaveLength(32);
    expect(secretKind(secret)).toBe(kind);
    expect(secret).toMatch(new RegExp(`^${SECRET_PATTERN.source}$`));
  });

  it('uses the documented prefixes', () => {
    expect(SECRET_PREFIXES).toEqual({
      session: 'fls_',
      'sign-in': 'fll_',
      device: 'fld_',
      collector: 'flc_',
    });
  });

  it('never repeats a secret or an id', () => {
    const secrets = new Set(Array.from({ length: 1000 }, () => newSecret('session')));
    expect(secrets.size).toBe(1000);
    const ids = new Set(Array.from({ length: 1000 }, () => newId()));
    expect(ids.size).toBe(1000);
    expect(newId()).toMatch(/^[0-9a-f]{16}$/);
  });

  it.each([
    '',
    'fls_',
    'fls_short',
    `fls_${'a'.repeat(42)}`,
    `fls_${'a'.repeat(44)}`,
    `fls_${'a'.repeat(42)}=`,
    `flx_${'a'.repeat(43)}`,
    `FLS_${'a'.repeat(43)}`,
    `Bearer fls_${'a'.repeat(43)}`,
  ])('does not take %j for a secret', (text) => {
    expect(secretKind(text)).toBeNull();
  });

  it('stores the SHA-256 in hex', () => {
    expect(hashSecret('abc')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    const secret = newSecret('device');
    expect(hashSecret(secret)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashSecret(secret)).toBe(hashSecret(secret));
    expect(hashSecret(secret)).not.toContain(secret.slice(4));
  });

  it('compares strings whole', () => {
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('abc', 'abd')).toBe(false);
    expect(safeEqual('abc', 'abcd')).toBe(false);
    expect(safeEqual('', '')).toBe(true);
    expect(safeEqual('é', 'e\u0301')).toBe(false);
  });
});
