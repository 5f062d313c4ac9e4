// Tokens by id and by the SHA-256 of their secret (the secret itself is never stored). The
// state changes (revoke, use) are single conditional UPDATEs, so two requests racing on one
// sign-in link cannot both win.
import type Database from 'better-sqlite3';
import { type TokenRow, toToken } from '../rows.ts';
import type { TokenKind, TokenRecord } from '../types.ts';
import { checkNumber, checkText, invalid } from './validate.ts';

export interface TokenStatements {
  createToken(token: TokenRecord): void;
  getTokenByHash(hash: string): TokenRecord | undefined;
  getToken(id: string): TokenRecord | undefined;
  listTokens(userId?: string): TokenRecord[];
  revokeToken(id: string, at: number): boolean;
  useToken(id: string, at: number): boolean;
  purgeTokens(before: number): number;
}

const KINDS: readonly string[] = [
  'session',
  'sign-in',
  'device',
  'collector',
] satisfies TokenKind[];

export function tokenStatements(db: Database.Database): TokenStatements {
  const COLUMNS =
    'id, hash, kind, user_id, label, policy, created_at, expires_at, revoked_at, used_at';
  const insert = db.prepare<TokenRow>(
    `INSERT INTO tokens (${COLUMNS}) VALUES (@id, @hash, @kind, @user_id, @label, @policy,
       @created_at, @expires_at, @revoked_at, @used_at)`,
  );
  const byId = db.prepare<[string], TokenRow>(`SELECT ${COLUMNS} FROM tokens WHERE id = ?`);
  const byHash = db.prepare<[string], TokenRow>(`SELECT ${COLUMNS} FROM tokens WHERE hash = ?`);
  const all = db.prepare<[], TokenRow>(`SELECT ${COLUMNS} FROM tokens ORDER BY created_at, id`);
  const ofUser = db.prepare<[string], TokenRow>(
    `SELECT ${COLUMNS} FROM tokens WHERE user_id = ? ORDER BY created_at, id`,
  );
  const revoke = db.prepare<{ id: string; at: number }>(
    `UPDATE tokens SET revoked_at = @at WHERE id = @id AND revoked_at IS NULL`,
  );
  const use = db.prepare<{ id: string; at: number }>(
    `UPDATE tokens SET used_at = @at
     WHERE id = @id AND kind = 'sign-in' AND used_at IS NULL AND revoked_at IS NULL
       AND (expires_at IS NULL OR expires_at > @at)`,
  );
  const purge = db.prepare<{ before: number }>(
    `DELETE FROM tokens WHERE kind IN ('session', 'sign-in')
       AND (expires_at < @before OR revoked_at < @before OR used_at < @before)`,
  );

  return {
    createToken(token) {
      checkText('a token id', token.id);
      checkText('a token hash', token.hash);
      if (!KINDS.includes(token.kind))
        throw invalid(`not a token kind: ${JSON.stringify(token.kind)}`);
      checkNumber('createdAt', token.createdAt);
      insert.run({
        id: token.id,
        hash: token.hash,
        kind: token.kind,
        user_id: token.userId,
        label: token.label,
        policy: token.policy,
        created_at: token.createdAt,
        expires_at: token.expiresAt,
        revoked_at: token.revokedAt,
        used_at: token.usedAt,
      });
    },
    getTokenByHash(hash) {
      const row = byHash.get(hash);
      return row === undefined ? undefined : toToken(row);
    },
    getToken(id) {
      const row = byId.get(id);
      return row === undefined ? undefined : toToken(row);
    },
    listTokens(userId) {
      return (userId === undefined ? all.all() : ofUser.all(userId)).map(toToken);
    },
    revokeToken(id, at) {
      return revoke.run({ id, at: checkNumber('at', at) }).changes > 0;
    },
    useToken(id, at) {
      return use.run({ id, at: checkNumber('at', at) }).changes > 0;
    },
    purgeTokens(before) {
      return purge.run({ before: checkNumber('before', before) }).changes;
    },
  };
}
