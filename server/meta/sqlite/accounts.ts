// Users and their site grants. A grant takes a value of the global sequence: the feed compares
// it with a reader's checkpoint to know which sites need a backfill (docs/lake-api.md).
import type Database from 'better-sqlite3';
import type { Role, SiteGrant, UserRecord } from '../types.ts';
import type { Sequence } from './sequence.ts';
import { checkNumber, checkText, invalid } from './validate.ts';

interface UserRow {
  id: string;
  name: string;
  role: Role;
  password_hash: string | null;
  created_at: number;
  disabled: 0 | 1;
}

interface GrantRow {
  user_id: string;
  site: string;
  seq: number;
}

type UserPatch = Partial<Pick<UserRecord, 'role' | 'passwordHash' | 'disabled'>>;

export interface AccountStatements {
  createUser(user: UserRecord): void;
  getUser(id: string): UserRecord | undefined;
  getUserByName(name: string): UserRecord | undefined;
  listUsers(): UserRecord[];
  updateUser(id: string, patch: UserPatch): UserRecord | undefined;
  grantSite(userId: string, site: string): SiteGrant;
  revokeSite(userId: string, site: string): boolean;
  grants(userId: string): SiteGrant[];
}

const ROLES: readonly string[] = ['admin', 'analyst', 'technician'] satisfies Role[];

export function accountStatements(db: Database.Database, seq: Sequence): AccountStatements {
  const COLUMNS = 'id, name, role, password_hash, created_at, disabled';
  const byId = db.prepare<[string], UserRow>(`SELECT ${COLUMNS} FROM users WHERE id = ?`);
  const byName = db.prepare<[string], UserRow>(`SELECT ${COLUMNS} FROM users WHERE name = ?`);
  const all = db.prepare<[], UserRow>(`SELECT ${COLUMNS} FROM users ORDER BY name`);
  const insert = db.prepare<UserRow>(
    `INSERT INTO users (${COLUMNS})
     VALUES (@id, @name, @role, @password_hash, @created_at, @disabled)`,
  );
  const update = db.prepare<UserRow>(
    `UPDATE users SET role = @role, password_hash = @password_hash, disabled = @disabled
     WHERE id = @id`,
  );
  const grantOf = db.prepare<[string, string], GrantRow>(
    `SELECT user_id, site, seq FROM site_grants WHERE user_id = ? AND site = ?`,
  );
  const insertGrant = db.prepare<GrantRow>(
    `INSERT INTO site_grants (user_id, site, seq) VALUES (@user_id, @site, @seq)`,
  );
  const deleteGrant = db.prepare<[string, string]>(
    `DELETE FROM site_grants WHERE user_id = ? AND site = ?`,
  );
  const grantsOf = db.prepare<[string], GrantRow>(
    `SELECT user_id, site, seq FROM site_grants WHERE user_id = ? ORDER BY seq`,
  );

  const create = db.transaction((row: UserRow) => {
    if (byId.get(row.id) !== undefined) throw invalid(`a user with id ${row.id} already exists`);
    if (byName.get(row.name) !== undefined) {
      throw invalid(`a user named ${JSON.stringify(row.name)} already exists`);
    }
    insert.run(row);
  });
  const patchUser = db.transaction((id: string, patch: UserPatch) => {
    const row = byId.get(id);
    if (row === undefined) return undefined;
    const next: UserRow = {
      ...row,
      role: patch.role ?? row.role,
      // passwordHash: null is a real value (password removed), so test presence, not nullish.
      password_hash: patch.passwordHash === undefined ? row.password_hash : patch.passwordHash,
      disabled: patch.disabled === undefined ? row.disabled : patch.disabled ? 1 : 0,
    };
    update.run(next);
    return toUser(next);
  });
  const grant = db.transaction((userId: string, site: string) => {
    const existing = grantOf.get(userId, site);
    if (existing !== undefined) return toGrant(existing);
    if (byId.get(userId) === undefined) throw invalid(`no user with id ${userId}`);
    const row = { user_id: userId, site, seq: seq.next() };
    insertGrant.run(row);
    return toGrant(row);
  });

  return {
    createUser(user) {
      const row = toRow(user);
      checkText('a user id', row.id);
      checkText('a user name', row.name);
      checkNumber('createdAt', row.created_at);
      create.immediate(row);
    },
    getUser(id) {
      const row = byId.get(id);
      return row === undefined ? undefined : toUser(row);
    },
    getUserByName(name) {
      const row = byName.get(name);
      return row === undefined ? undefined : toUser(row);
    },
    listUsers() {
      return all.all().map(toUser);
    },
    updateUser(id, patch) {
      if (patch.role !== undefined) checkRole(patch.role);
      if (patch.passwordHash !== undefined && patch.passwordHash !== null) {
        checkText('passwordHash', patch.passwordHash);
      }
      return patchUser.immediate(id, patch);
    },
    grantSite(userId, site) {
      checkText('a site', site);
      return grant.immediate(userId, site);
    },
    revokeSite(userId, site) {
      return deleteGrant.run(userId, site).changes > 0;
    },
    grants(userId) {
      return grantsOf.all(userId).map(toGrant);
    },
  };
}

function checkRole(role: string): Role {
  if (!ROLES.includes(role)) throw invalid(`not a role: ${JSON.stringify(role)}`);
  return role as Role;
}

function toRow(user: UserRecord): UserRow {
  return {
    id: user.id,
    name: user.name,
    role: checkRole(user.role),
    password_hash: user.passwordHash,
    created_at: user.createdAt,
    disabled: user.disabled ? 1 : 0,
  };
}

function toUser(row: UserRow): UserRecord {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    passwordHash: row.password_hash,
    createdAt: row.created_at,
    disabled: row.disabled === 1,
  };
}

function toGrant(row: GrantRow): SiteGrant {
  return { userId: row.user_id, site: row.site, seq: row.seq };
}
