// Account operations shared by the HTTP routes (routes.ts) and the admin CLI (lake-cli.ts):
// users, site grants, sign-in links, sessions and tokens. Every rule lives here once, so the CLI
// cannot create what the API would refuse. Every time comes from ctx.now() so tests can move
// the clock.
import { HttpError } from '../http/errors.ts';
import type { ApiErrorCode } from '../../src/shared/wire/api.ts';
import type { LakeSettings } from '../lake.ts';
import type { AccountStore, Role, TokenRecord, UserRecord } from '../meta/types.ts';
import type { Principal } from './principal.ts';
import {
  codePointLength,
  hashPassword,
  MAX_PASSWORD_LENGTH,
  passwordProblem,
  verifyDecoy,
  verifyPassword,
} from './passwords.ts';
import { hashSecret, newId, newSecret, safeEqual, secretKind } from './secrets.ts';
import type { WireToken, WireUser } from './wire.ts';

/** What the operations need of a Lake (the CLI has no blob store or change notifier). */
export interface AccountsContext {
  meta: AccountStore;
  now: () => number;
  settings: Pick<LakeSettings, 'sessionTtlMs'>;
}

/** A refused account operation; the HTTP layer answers its code, the CLI prints its message. */
export class AccountError extends HttpError {
  override name = 'AccountError';
  constructor(code: ApiErrorCode, message: string, reason?: string) {
    super(code, message, reason === undefined ? {} : { reason });
  }
}

export const ROLES = ['admin', 'analyst', 'technician'] as const satisfies readonly Role[];
export const TOKEN_KINDS = ['device', 'collector'] as const;
export type IssuedTokenKind = (typeof TOKEN_KINDS)[number];

const DAY_MS = 24 * 60 * 60 * 1000;
export const SIGN_IN_LINK_TTL_MS = DAY_MS;
/** Sessions last 30 days (docs/lake-api.md); LakeSettings.sessionTtlMs may say otherwise. */
export const DEFAULT_SESSION_TTL_MS = 30 * DAY_MS;
/** Expired sessions and links are kept this long, so their holders hear "expired", not "unknown". */
const PURGE_AFTER_MS = 30 * DAY_MS;

// Patterns are strings so the route schemas (Ajv, unicode mode) use the very same rules.
/** Letters and digits first, then also `. _ @ + -`: fits logins and e-mail addresses. */
export const USER_NAME_PATTERN = '^[\\p{L}\\p{N}][\\p{L}\\p{N}._@+-]*$';
export const MAX_USER_NAME_LENGTH = 64;
/** Site document ids (docs/lake-api.md, "Data model"): `site/<slug>`, no control characters. */
export const SITE_ID_PATTERN = '^site/[^\\u0000-\\u001f\\u007f]+$';
export const MAX_SITE_ID_LENGTH = 1024;
/** Free text without control characters (labels, policy ids). */
export const PRINTABLE_PATTERN = '^[^\\u0000-\\u001f\\u007f]+$';
export const MAX_LABEL_LENGTH = 200;
export const MAX_POLICY_ID_LENGTH = 1024;

const userNameRule = new RegExp(USER_NAME_PATTERN, 'u');
const siteIdRule = new RegExp(SITE_ID_PATTERN, 'u');
const printableRule = new RegExp(PRINTABLE_PATTERN, 'u');

function fail(code: ApiErrorCode, message: string, reason?: string): never {
  throw new AccountError(code, message, reason);
}

export function checkUserName(name: string): string {
  if (!userNameRule.test(name) || codePointLength(name) > MAX_USER_NAME_LENGTH) {
    fail(
      'bad_request',
      `Invalid user name "${name}": 1–${MAX_USER_NAME_LENGTH} letters, digits and . _ @ + -, starting with a letter or digit`,
    );
  }
  return name;
}

export function checkRole(role: string): Role {
  const found = ROLES.find((known) => known === role);
  if (found === undefined)
    fail('bad_request', `Invalid role "${role}": expected ${ROLES.join(', ')}`);
  return found;
}

/** Validated and deduplicated, in the order given. */
export function checkSites(sites: readonly string[]): string[] {
  for (const site of sites) {
    if (!siteIdRule.test(site) || site.length > MAX_SITE_ID_LENGTH) {
      fail('bad_request', `Invalid site id "${site}": site ids look like site/<slug>`);
    }
  }
  return [...new Set(sites)];
}

export function checkLabel(label: string): string {
  if (label.trim() === '' || !printableRule.test(label) || label.length > MAX_LABEL_LENGTH) {
    fail('bad_request', `A label is 1–${MAX_LABEL_LENGTH} printable characters`);
  }
  return label;
}

// ---------------------------------------------------------------- users

export async function getUser(ctx: AccountsContext, id: string): Promise<UserRecord> {
  return (await ctx.meta.getUser(id)) ?? fail('not_found', `No user with id ${id}`);
}

export async function getUserByName(ctx: AccountsContext, name: string): Promise<UserRecord> {
  return (await ctx.meta.getUserByName(name)) ?? fail('not_found', `No user named "${name}"`);
}

async function grantedSites(ctx: AccountsContext, userId: string): Promise<string[]> {
  return (await ctx.meta.grants(userId)).map((grant) => grant.site);
}

export async function userView(ctx: AccountsContext, user: UserRecord): Promise<WireUser> {
  return {
    id: user.id,
    name: user.name,
    role: user.role,
    sites: await grantedSites(ctx, user.id),
    disabled: user.disabled,
    createdAt: user.createdAt,
    hasPassword: user.passwordHash !== null,
  };
}

export async function listUsers(ctx: AccountsContext): Promise<WireUser[]> {
  const users = await ctx.meta.listUsers();
  return Promise.all(users.map((user) => userView(ctx, user)));
}

export interface SignInLink {
  /** Shown once (in the link); only its hash is stored. */
  secret: string;
  token: TokenRecord;
}

/** A one-time sign-in link secret for a user, valid SIGN_IN_LINK_TTL_MS. */
export async function createSignInLink(ctx: AccountsContext, userId: string): Promise<SignInLink> {
  const user = await getUser(ctx, userId);
  if (user.disabled) fail('conflict', `User "${user.name}" is disabled: enable them first`);
  const now = ctx.now();
  const secret = newSecret('sign-in');
  const token: TokenRecord = {
    id: newId(),
    hash: hashSecret(secret),
    kind: 'sign-in',
    userId,
    label: 'sign-in link',
    policy: null,
    createdAt: now,
    expiresAt: now + SIGN_IN_LINK_TTL_MS,
    revokedAt: null,
    usedAt: null,
  };
  await ctx.meta.createToken(token);
  return { secret, token };
}

/** The URL a user opens to sign in with a link secret. */
export function signInUrl(baseUrl: string, secret: string): string {
  const url = new URL('/api/session/link', baseUrl);
  url.searchParams.set('token', secret);
  return url.toString();
}

export interface NewUser {
  name: string;
  role: Role;
  sites?: readonly string[];
}

/** Creates an account without a password and its first sign-in link. */
export async function createUser(
  ctx: AccountsContext,
  spec: NewUser,
): Promise<{ user: WireUser; link: SignInLink }> {
  const name = checkUserName(spec.name);
  const role = checkRole(spec.role);
  const sites = checkSites(spec.sites ?? []);
  if ((await ctx.meta.getUserByName(name)) !== undefined) {
    fail('conflict', `A user named "${name}" already exists`, 'duplicate_name');
  }
  const user: UserRecord = {
    id: newId(),
    name,
    role,
    passwordHash: null,
    createdAt: ctx.now(),
    disabled: false,
  };
  await ctx.meta.createUser(user);
  for (const site of sites) await ctx.meta.grantSite(user.id, site);
  const link = await createSignInLink(ctx, user.id);
  return { user: await userView(ctx, user), link };
}

export interface UserPatch {
  role?: Role;
  sites?: readonly string[];
  disabled?: boolean;
}

/** Refuses to leave the lake without an enabled admin (nobody could manage accounts). */
async function keepAnAdmin(ctx: AccountsContext, user: UserRecord, patch: UserPatch) {
  const losesAdmin =
    user.role === 'admin' &&
    !user.disabled &&
    ((patch.role !== undefined && patch.role !== 'admin') || patch.disabled === true);
  if (!losesAdmin) return;
  const others = (await ctx.meta.listUsers()).filter(
    (other) => other.id !== user.id && other.role === 'admin' && !other.disabled,
  );
  if (others.length === 0) {
    fail(
      'conflict',
      `"${user.name}" is the last enabled admin: make another admin first`,
      'last_admin',
    );
  }
}

/** Applies a role, site and/or disabled change; everything is checked before anything is written. */
export async function updateUser(
  ctx: AccountsContext,
  userId: string,
  patch: UserPatch,
): Promise<WireUser> {
  const user = await getUser(ctx, userId);
  const role = patch.role === undefined ? undefined : checkRole(patch.role);
  const sites = patch.sites === undefined ? undefined : checkSites(patch.sites);
  await keepAnAdmin(ctx, user, patch);
  const changes: { role?: Role; disabled?: boolean } = {};
  if (role !== undefined) changes.role = role;
  if (patch.disabled !== undefined) changes.disabled = patch.disabled;
  const updated =
    Object.keys(changes).length === 0
      ? user
      : ((await ctx.meta.updateUser(userId, changes)) ??
        fail('not_found', `No user with id ${userId}`));
  if (sites !== undefined) {
    const current = new Set(await grantedSites(ctx, userId));
    for (const site of sites) if (!current.has(site)) await ctx.meta.grantSite(userId, site);
    const wanted = new Set(sites);
    for (const site of current) if (!wanted.has(site)) await ctx.meta.revokeSite(userId, site);
  }
  return userView(ctx, updated);
}

/** Replaces the sites granted to a user. */
export function setSites(ctx: AccountsContext, userId: string, sites: readonly string[]) {
  return updateUser(ctx, userId, { sites });
}

export function setRole(ctx: AccountsContext, userId: string, role: Role) {
  return updateUser(ctx, userId, { role });
}

/** A disabled user's credentials stop working at once; enabling them again restores them. */
export function setDisabled(ctx: AccountsContext, userId: string, disabled: boolean) {
  return updateUser(ctx, userId, { disabled });
}

/**
 * Sets a user's password and signs out their other sessions (whoever knew the old password
 * loses access); `keepTokenId` is the session that made the change.
 */
export async function setPassword(
  ctx: AccountsContext,
  userId: string,
  password: string,
  keepTokenId?: string,
): Promise<void> {
  const problem = passwordProblem(password);
  if (problem !== null) fail('bad_request', problem, 'weak_password');
  await getUser(ctx, userId);
  await ctx.meta.updateUser(userId, { passwordHash: await hashPassword(password) });
  const now = ctx.now();
  for (const token of await ctx.meta.listTokens(userId)) {
    if (token.kind === 'session' && token.id !== keepTokenId && token.revokedAt === null) {
      await ctx.meta.revokeToken(token.id, now);
    }
  }
}

// ---------------------------------------------------------------- sessions

export interface Session {
  /** The bearer secret (cookie value); shown once. */
  secret: string;
  token: TokenRecord;
  user: UserRecord;
  sites: string[];
  expiresAt: number;
}

/** A session for a user, lasting settings.sessionTtlMs. */
export async function createSession(
  ctx: AccountsContext,
  userId: string,
  label = 'session',
): Promise<Session> {
  const user = await getUser(ctx, userId);
  if (user.disabled) fail('unauthorized', 'This account is disabled', 'disabled');
  const now = ctx.now();
  const secret = newSecret('session');
  const expiresAt = now + ctx.settings.sessionTtlMs;
  const token: TokenRecord = {
    id: newId(),
    hash: hashSecret(secret),
    kind: 'session',
    userId,
    label: label.slice(0, MAX_LABEL_LENGTH),
    policy: null,
    createdAt: now,
    expiresAt,
    revokedAt: null,
    usedAt: null,
  };
  await ctx.meta.createToken(token);
  // Sign-ins are rare enough to carry the clean-up of long-dead sessions and links.
  await ctx.meta.purgeTokens(now - PURGE_AFTER_MS);
  return { secret, token, user, sites: await grantedSites(ctx, userId), expiresAt };
}

const linkProblems = {
  unknown: 'This sign-in link is not valid: ask an administrator for a new one',
  used: 'This sign-in link has already been used: ask an administrator for a new one',
  expired: 'This sign-in link has expired: ask an administrator for a new one',
  revoked: 'This sign-in link was revoked: ask an administrator for a new one',
  disabled: 'This account is disabled',
} as const;

/** Exchanges a one-time sign-in link secret for a session. */
export async function signInWithLink(
  ctx: AccountsContext,
  secret: string,
  label?: string,
): Promise<Session> {
  const refuse = (reason: keyof typeof linkProblems): never =>
    fail('unauthorized', linkProblems[reason], reason);
  if (secretKind(secret) !== 'sign-in') refuse('unknown');
  const hash = hashSecret(secret);
  const token = await ctx.meta.getTokenByHash(hash);
  if (token === undefined || token.kind !== 'sign-in' || !safeEqual(token.hash, hash)) {
    return refuse('unknown');
  }
  if (token.usedAt !== null) refuse('used');
  if (token.revokedAt !== null) refuse('revoked');
  if (token.expiresAt !== null && token.expiresAt <= ctx.now()) refuse('expired');
  const user = token.userId === null ? undefined : await ctx.meta.getUser(token.userId);
  if (user === undefined) return refuse('unknown');
  if (user.disabled) refuse('disabled');
  // The store marks the use atomically: of two concurrent uses, one loses here.
  if (!(await ctx.meta.useToken(token.id, ctx.now()))) refuse('used');
  return createSession(ctx, user.id, label);
}

const wrongCredentials = 'Wrong user name or password';

/** Signs in by password; an unknown name and a wrong password answer the same, as slowly. */
export async function signInWithPassword(
  ctx: AccountsContext,
  name: string,
  password: string,
  label?: string,
): Promise<Session> {
  if (codePointLength(password) > MAX_PASSWORD_LENGTH) fail('unauthorized', wrongCredentials);
  const user = await ctx.meta.getUserByName(name);
  const matches =
    user === undefined || user.passwordHash === null
      ? await verifyDecoy(password)
      : await verifyPassword(password, user.passwordHash);
  if (user === undefined || !matches) return fail('unauthorized', wrongCredentials);
  if (user.disabled) fail('unauthorized', 'This account is disabled', 'disabled');
  return createSession(ctx, user.id, label);
}

/** Why a secret does not authenticate a request. */
export type CredentialProblem = 'expired' | 'revoked' | 'unknown' | 'disabled';

/**
 * The principal a session, device or collector secret stands for, read afresh on every
 * request so that revocations, role and site changes apply at once. Sign-in link secrets
 * authenticate nothing but their own exchange.
 */
export async function resolveSecret(
  ctx: AccountsContext,
  secret: string,
): Promise<Principal | CredentialProblem> {
  const kind = secretKind(secret);
  if (kind === null || kind === 'sign-in') return 'unknown';
  const hash = hashSecret(secret);
  const token = await ctx.meta.getTokenByHash(hash);
  // The store found the token by its hash; comparing again in constant time costs nothing
  // and does not rely on how the store compares.
  if (token === undefined || token.kind !== kind || !safeEqual(token.hash, hash)) return 'unknown';
  if (token.revokedAt !== null) return 'revoked';
  if (token.expiresAt !== null && token.expiresAt <= ctx.now()) return 'expired';
  if (kind === 'collector') {
    return {
      kind,
      tokenId: token.id,
      userId: null,
      name: token.label,
      role: 'collector',
      sites: [],
      policy: token.policy,
      expiresAt: token.expiresAt,
    };
  }
  const user = token.userId === null ? undefined : await ctx.meta.getUser(token.userId);
  if (user === undefined) return 'unknown';
  if (user.disabled) return 'disabled';
  return {
    kind,
    tokenId: token.id,
    userId: user.id,
    name: user.name,
    role: user.role,
    sites: user.role === 'technician' ? await grantedSites(ctx, user.id) : [],
    policy: null,
    expiresAt: token.expiresAt,
  };
}

// ---------------------------------------------------------------- device and collector tokens

export interface NewToken {
  kind: IssuedTokenKind;
  /** Device tokens: the user they act for. */
  userId?: string | null;
  label: string;
  /** Collector tokens: the ingestion policy document they write through. */
  policy?: string | null;
  /** Milliseconds since the epoch; null or absent: never expires. */
  expiresAt?: number | null;
}

/** Issues a device or collector token; the secret is returned here only. */
export async function createToken(
  ctx: AccountsContext,
  spec: NewToken,
): Promise<{ record: TokenRecord; secret: string }> {
  const label = checkLabel(spec.label);
  const now = ctx.now();
  const userId = spec.userId ?? null;
  const policy = spec.policy ?? null;
  const expiresAt = spec.expiresAt ?? null;
  if (expiresAt !== null && (!Number.isSafeInteger(expiresAt) || expiresAt <= now)) {
    fail('bad_request', 'expiresAt must be a time in the future (milliseconds since the epoch)');
  }
  if (spec.kind === 'device') {
    if (userId === null) fail('bad_request', 'A device token acts for a user: give userId');
    if (policy !== null) fail('bad_request', 'Only collector tokens have a policy');
    await getUser(ctx, userId);
  } else {
    if (userId !== null) fail('bad_request', 'A collector token acts for no user: omit userId');
    if (policy === null)
      fail('bad_request', 'A collector token needs the ingestion policy it writes through');
    if (!printableRule.test(policy) || policy.length > MAX_POLICY_ID_LENGTH) {
      fail('bad_request', `Invalid policy id "${policy}"`);
    }
  }
  const secret = newSecret(spec.kind);
  const record: TokenRecord = {
    id: newId(),
    hash: hashSecret(secret),
    kind: spec.kind,
    userId,
    label,
    policy,
    createdAt: now,
    expiresAt,
    revokedAt: null,
    usedAt: null,
  };
  await ctx.meta.createToken(record);
  return { record, secret };
}

function isIssued(token: TokenRecord): token is TokenRecord & { kind: IssuedTokenKind } {
  return token.kind === 'device' || token.kind === 'collector';
}

/** Device and collector tokens (revoked ones included), of one user or all. */
export async function listTokens(ctx: AccountsContext, userId?: string): Promise<TokenRecord[]> {
  return (await ctx.meta.listTokens(userId)).filter(isIssued);
}

/** A device or collector token by id (sessions and links are not managed by id). */
export async function getToken(ctx: AccountsContext, id: string): Promise<TokenRecord> {
  const token = await ctx.meta.getToken(id);
  if (token === undefined || !isIssued(token)) return fail('not_found', `No token with id ${id}`);
  return token;
}

/** Revokes a device or collector token; revoking it again changes nothing. */
export async function revokeToken(ctx: AccountsContext, id: string): Promise<TokenRecord> {
  const token = await getToken(ctx, id);
  if (token.revokedAt !== null) return token;
  const at = ctx.now();
  await ctx.meta.revokeToken(id, at);
  return { ...token, revokedAt: at };
}

/** Revokes the session a request came with (signing out). */
export async function endSession(ctx: AccountsContext, tokenId: string): Promise<void> {
  await ctx.meta.revokeToken(tokenId, ctx.now());
}

export function tokenView(token: TokenRecord): WireToken {
  if (!isIssued(token)) throw new Error(`${token.kind} tokens are not listed`);
  return {
    id: token.id,
    kind: token.kind,
    userId: token.userId,
    label: token.label,
    policy: token.policy,
    createdAt: token.createdAt,
    expiresAt: token.expiresAt,
    revokedAt: token.revokedAt,
  };
}
