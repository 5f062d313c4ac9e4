// Bearer secrets (docs/lake-api.md, "Authentication"): 32 random bytes, base64url, behind a
// prefix that names their kind so a leaked string is recognisable (secret scanners, logs) and a
// secret of one kind is never accepted as another. The lake stores only their SHA-256.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { TokenKind } from '../meta/types.ts';

export const SECRET_PREFIXES = {
  session: 'fls_',
  'sign-in': 'fll_',
  device: 'fld_',
  collector: 'flc_',
} as const satisfies Record<TokenKind, string>;

const SECRET_BYTES = 32;
/** 32 bytes are 43 base64url characters (no padding). */
const SECRET_BODY = /^[A-Za-z0-9_-]{43}$/;

/** Any well-formed secret anywhere in a string (for scrubbing URLs before they are logged). */
export const SECRET_PATTERN = /fl[sldc]_[A-Za-z0-9_-]{43}/g;

/** A new secret of a kind; shown once to its owner, then only its hash is kept. */
export function newSecret(kind: TokenKind): string {
  return SECRET_PREFIXES[kind] + randomBytes(SECRET_BYTES).toString('base64url');
}

/** The kind a secret claims by its prefix, or null when it is not a well-formed secret. */
export function secretKind(secret: string): TokenKind | null {
  for (const [kind, prefix] of Object.entries(SECRET_PREFIXES) as [TokenKind, string][]) {
    if (secret.startsWith(prefix)) {
      return SECRET_BODY.test(secret.slice(prefix.length)) ? kind : null;
    }
  }
  return null;
}

/** SHA-256 hex: secrets are high-entropy, so a fast unsalted hash is enough to store them. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/**
 * Compares two strings in time independent of where they differ. Lengths are not secret
 * (hashes have a fixed length), so unequal lengths answer false at once.
 */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Ids of users and tokens: 64 random bits in hex, short enough to type in the CLI. */
export function newId(): string {
  return randomBytes(8).toString('hex');
}
