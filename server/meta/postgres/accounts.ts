// Users and their site grants, as ../sqlite/accounts.ts. A grant takes a value of the global
// sequence (the feed compares it with a reader's checkpoint to know which sites need a
// backfill), so granting locks the counter row like a document write: grants and documents
// share one gap-free sequence in commit order.
import { checkNumber, checkText, invalid } from '../sqlite/validate.ts';
import type { Role, SiteGrant, UserRecord } from '../types.ts';
import type { Db } from './db.ts';
import { lockSequence } from './sequence.ts';

interface UserRow {
  id: string;
  name: string;
  role: Role;
  password_hash: string | null;
  created_at: number;
  disabled: boolean;
  [column: string]: unknown;
}

interface GrantRow {
  user_id: string;
  site: string;
  seq: number;
  [column: string]: unknown;
}

type UserPatch = Partial<Pick<UserRecord, 'role' | 'passwordHash' | 'disabled'>>;

export interface AccountStatements {
  createUser(user: UserRecord): Promise<void>;
  getUser(id: string): Promise<UserRecord | undefined>;
  getUserByName(name: string): Promise<UserRecord | undefined>;
  listUsers(): Promise<UserRecord[]>;
  updateUser(id: string, patch: UserPatch): Promise<UserRecord | undefined>;
  grantSite(userId: string, site: string): Promise<SiteGrant>;
  revokeSite(userId: string, site: string): Promise<boolean>;
  grants(userId: string): Promise<SiteGrant[]>;
}

const ROLES: readonly string[] = ['admin', 'analyst', 'technician'] satisfies Role[];
const COLUMNS = 'id, name, role, password_hash, created_at, disabled';

export function accountStatements(db: Db): AccountStatements {
  async function userWhere(column: 'id' | 'name', value: string) {
    const [row] = await db.read<UserRow>(`SELECT ${COLUMNS} FROM users WHERE ${column} = $1`, [
      value,
    ]);
    return row === undefined ? undefined : toUser(row);
  }

  return {
    async createUser(user) {
      const role = checkRole(user.role);
      checkText('a user id', user.id);
      checkText('a user name', user.name);
      checkNumber('createdAt', user.createdAt);
      // The primary key and the unique name decide (a unique violation is 'invalid'), so two
      // instances creating the same user at once cannot both succeed.
      await db.write(`INSERT INTO users (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)`, [
        user.id,
        user.name,
        role,
        user.passwordHash,
        user.createdAt,
        user.disabled,
      ]);
    },

    getUser: (id) => userWhere('id', id),
    getUserByName: (name) => userWhere('name', name),

    async listUsers() {
      return (await db.read<UserRow>(`SELECT ${COLUMNS} FROM users ORDER BY name`)).map(toUser);
    },

    async updateUser(id, patch) {
      if (patch.role !== undefined) checkRole(patch.role);
      if (patch.passwordHash !== undefined && patch.passwordHash !== null) {
        checkText('passwordHash', patch.passwordHash);
      }
      // One statement: a concurrent patch of other fields is not overwritten with stale values.
      // passwordHash null is a real value (password removed), hence the separate flag.
      const { rows } = await db.write<UserRow>(
        `UPDATE users SET role = COALESCE($2, role),
           password_hash = CASE WHEN $3::boolean THEN $4 ELSE password_hash END,
           disabled = COALESCE($5, disabled)
         WHERE id = $1 RETURNING ${COLUMNS}`,
        [
          id,
          patch.role ?? null,
          patch.passwordHash !== undefined,
          patch.passwordHash ?? null,
          patch.disabled ?? null,
        ],
      );
      const [row] = rows;
      return row === undefined ? undefined : toUser(row);
    },

    async grantSite(userId, site) {
      checkText('a site', site);
      return db.transaction(async (tx) => {
        // The counter lock first (as writeDocs): it also serialises two grants of one site.
        await lockSequence(tx);
        const [existing] = await tx.rows<GrantRow>(
          `SELECT user_id, site, seq FROM site_grants WHERE user_id = $1 AND site = $2`,
          [userId, site],
        );
        if (existing !== undefined) return toGrant(existing);
        const known = await tx.rows(`SELECT 1 FROM users WHERE id = $1`, [userId]);
        if (known.length === 0) throw invalid(`no user with id ${userId}`);
        const [row] = await tx.rows<GrantRow>(
          `WITH next AS (UPDATE counters SET v = v + 1 WHERE name = 'seq' RETURNING v)
           INSERT INTO site_grants (user_id, site, seq) SELECT $1, $2, v FROM next
           RETURNING user_id, site, seq`,
          [userId, site],
        );
        if (row === undefined) throw new Error('the sequence counter row is missing');
        return toGrant(row);
      });
    },

    async revokeSite(userId, site) {
      const { count } = await db.write(`DELETE FROM site_grants WHERE user_id = $1 AND site = $2`, [
        userId,
        site,
      ]);
      return count > 0;
    },

    async grants(userId) {
      const rows = await db.read<GrantRow>(
        `SELECT user_id, site, seq FROM site_grants WHERE user_id = $1 ORDER BY seq`,
        [userId],
      );
      return rows.map(toGrant);
    },
  };
}

function checkRole(role: string): Role {
  if (!ROLES.includes(role)) throw invalid(`not a role: ${JSON.stringify(role)}`);
  return role as Role;
}

function toUser(row: UserRow): UserRecord {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    passwordHash: row.password_hash,
    createdAt: row.created_at,
    disabled: row.disabled,
  };
}

function toGrant(row: GrantRow): SiteGrant {
  return { userId: row.user_id, site: row.site, seq: row.seq };
}
