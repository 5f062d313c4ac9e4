// Tokens by id and by the SHA-256 of their secret (the secret itself is never stored), as
// ../sqlite/tokens.ts. The state changes (revoke, use) are single conditional UPDATEs: under
// READ COMMITTED a second UPDATE of the same row waits for the first and re-checks its WHERE on
// the row the first committed, so two requests racing on one sign-in link, on one lake instance
// or two, cannot both win.
import { type TokenRow as SharedTokenRow, toToken } from '../rows.ts';
import { checkNumber, checkText, invalid } from '../sqlite/validate.ts';
import type { TokenKind, TokenRecord } from '../types.ts';
import type { Db } from './db.ts';
import { below } from './sequence.ts';

/** pg rows are indexable records. */
interface TokenRow extends SharedTokenRow {
  [column: string]: unknown;
}

export interface TokenStatements {
  createToken(token: TokenRecord): Promise<void>;
  getTokenByHash(hash: string): Promise<TokenRecord | undefined>;
  getToken(id: string): Promise<TokenRecord | undefined>;
  listTokens(userId?: string): Promise<TokenRecord[]>;
  revokeToken(id: string, at: number): Promise<boolean>;
  useToken(id: string, at: number): Promise<boolean>;
  purgeTokens(before: number): Promise<number>;
}

const KINDS: readonly string[] = [
  'session',
  'sign-in',
  'device',
  'collector',
] satisfies TokenKind[];

const COLUMNS =
  'id, hash, kind, user_id, label, policy, created_at, expires_at, revoked_at, used_at';

export function tokenStatements(db: Db): TokenStatements {
  async function tokenWhere(column: 'id' | 'hash', value: string) {
    const [row] = await db.read<TokenRow>(`SELECT ${COLUMNS} FROM tokens WHERE ${column} = $1`, [
      value,
    ]);
    return row === undefined ? undefined : toToken(row);
  }

  return {
    async createToken(token) {
      checkText('a token id', token.id);
      checkText('a token hash', token.hash);
      if (!KINDS.includes(token.kind))
        throw invalid(`not a token kind: ${JSON.stringify(token.kind)}`);
      checkNumber('createdAt', token.createdAt);
      // A taken id or hash and an unknown user are constraint violations: 'invalid'.
      await db.write(
        `INSERT INTO tokens (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [
          token.id,
          token.hash,
          token.kind,
          token.userId,
          token.label,
          token.policy,
          token.createdAt,
          token.expiresAt,
          token.revokedAt,
          token.usedAt,
        ],
      );
    },

    getTokenByHash: (hash) => tokenWhere('hash', hash),
    getToken: (id) => tokenWhere('id', id),

    async listTokens(userId) {
      const rows =
        userId === undefined
          ? await db.read<TokenRow>(`SELECT ${COLUMNS} FROM tokens ORDER BY created_at, id`)
          : await db.read<TokenRow>(
              `SELECT ${COLUMNS} FROM tokens WHERE user_id = $1 ORDER BY created_at, id`,
              [userId],
            );
      return rows.map(toToken);
    },

    async revokeToken(id, at) {
      const { count } = await db.write(
        `UPDATE tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL`,
        [id, checkNumber('at', at)],
      );
      return count > 0;
    },

    async useToken(id, at) {
      const { count } = await db.write(
        `UPDATE tokens SET used_at = $2
         WHERE id = $1 AND kind = 'sign-in' AND used_at IS NULL AND revoked_at IS NULL
           AND (expires_at IS NULL OR expires_at > $2)`,
        [id, checkNumber('at', at)],
      );
      return count > 0;
    },

    async purgeTokens(before) {
      checkNumber('before', before);
      const { count } = await db.write(
        `DELETE FROM tokens WHERE kind IN ('session', 'sign-in')
           AND (expires_at < $1 OR revoked_at < $1 OR used_at < $1)`,
        [below(before)],
      );
      return count;
    },
  };
}
