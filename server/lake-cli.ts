// `npm run lake -- <command>`: account administration on the lake's data directory, for the
// first admin (before anyone can sign in) and for whoever runs the server. It opens the same
// SQLite file as the server (WAL lets both write) and goes through the same account rules.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  AccountError,
  type AccountsContext,
  checkRole,
  createSignInLink,
  createToken,
  createUser,
  DEFAULT_SESSION_TTL_MS,
  getUserByName,
  listTokens,
  listUsers,
  revokeToken,
  signInUrl,
  TOKEN_KINDS,
  updateUser,
} from './auth/accounts.ts';
import { metaFile } from './data-layout.ts';
import { openSqliteMetaStore } from './meta/sqlite/index.ts';
import { MetaStoreError, type MetaStore, type TokenRecord } from './meta/types.ts';

export const usage = `Usage: npm run lake -- [--data DIR] <command> [options]

Manages the lake's accounts and tokens (the server may be running).

Users:
  user add NAME --role ROLE [--site SITE]…   create a user; prints a one-time sign-in link
  user list                                  list users with their role, sites and state
  user sites NAME --site SITE… | --clear     replace the sites granted to a user
  user role NAME --role ROLE                 change a user's role
  user disable NAME | user enable NAME       stop or restore a user's access
  user link NAME                             print a new one-time sign-in link

Tokens:
  token add --kind device --user NAME --label LABEL [--expires WHEN]
  token add --kind collector --policy ID --label LABEL [--expires WHEN]
                                             prints the token's secret, once
  token list [--user NAME]                   device and collector tokens
  token revoke ID                            revoke a token at once

Options:
  --data DIR     data directory (env FIELDLAKE_DATA, default ./.fieldlake)
  --url URL      address users open, for sign-in links (default http://localhost:8080)
  ROLE           admin | analyst | technician
  SITE           a site id, site/<slug> (the site/ prefix may be left out)
  WHEN           an ISO date or time (2026-12-31), or a lifetime in days (90d)
  -h, --help     show this help

Exit status: 0 done, 1 failed, 2 wrong usage.
`;

class UsageError extends Error {
  override name = 'UsageError';
}

const options = {
  data: { type: 'string' },
  url: { type: 'string' },
  role: { type: 'string' },
  site: { type: 'string', multiple: true },
  clear: { type: 'boolean' },
  kind: { type: 'string' },
  user: { type: 'string' },
  label: { type: 'string' },
  policy: { type: 'string' },
  expires: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = ReturnType<typeof parse>['values'];
type OptionName = Exclude<keyof typeof options, 'data' | 'help'>;

function parse(argv: readonly string[]) {
  return parseArgs({ args: [...argv], options, strict: true, allowPositionals: true });
}

interface Run {
  ctx: AccountsContext & { meta: MetaStore };
  values: Values;
  args: string[];
  out: (line: string) => void;
  warn: (line: string) => void;
}

interface Command {
  /** Positional arguments after the command words. */
  args: string[];
  /** Options it accepts beside --data. */
  accepts: OptionName[];
  /** Whether it may create the data directory (the first `user add` on a new lake). */
  creates: boolean;
  /** Usage checks, before anything is opened or created. */
  check?(values: Values): void;
  run(run: Run): Promise<void>;
}

const DAY_MS = 24 * 60 * 60 * 1000;

function required(values: Values, name: 'role' | 'kind' | 'label'): string {
  const value = values[name];
  if (value === undefined) throw new UsageError(`--${name} is required`);
  return value;
}

/** `plant-a` is taken for `site/plant-a`: site ids always have that prefix. */
function siteIds(values: Values): string[] {
  return (values.site ?? []).map((site) => (site.startsWith('site/') ? site : `site/${site}`));
}

/** Granting a site that has no document yet is allowed (it may come later), but worth a word. */
async function warnUnknownSites(run: Run, sites: readonly string[]): Promise<void> {
  for (const site of sites) {
    const doc = await run.ctx.meta.getDoc(site);
    if (doc === undefined || doc.deleted) run.warn(`Note: there is no ${site} document yet.`);
  }
}

function role(values: Values) {
  const name = required(values, 'role');
  try {
    return checkRole(name);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

function tokenKind(values: Values) {
  const kind = TOKEN_KINDS.find((known) => known === required(values, 'kind'));
  if (kind === undefined)
    throw new UsageError(`Invalid --kind: expected ${TOKEN_KINDS.join(' or ')}`);
  return kind;
}

function publicUrl(values: Values): string {
  const url = values.url ?? 'http://localhost:8080';
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('protocol');
  } catch {
    throw new UsageError(`Invalid --url "${url}": expected http(s)://host[:port]`);
  }
  return url;
}

function expiry(values: Values, now: number): number | null {
  const text = values.expires;
  if (text === undefined) return null;
  const days = /^(\d+)d$/.exec(text)?.[1];
  const at = days === undefined ? Date.parse(text) : now + Number(days) * DAY_MS;
  if (!Number.isFinite(at) || at <= now) {
    throw new UsageError(`Invalid --expires "${text}": a future date (2026-12-31) or days (90d)`);
  }
  return at;
}

function date(ms: number | null): string {
  return ms === null ? 'never' : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function table(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  }
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

function printLink(run: Run, secret: string, expiresAt: number | null): void {
  run.out(`One-time sign-in link (valid until ${date(expiresAt)}):`);
  run.out(`  ${signInUrl(publicUrl(run.values), secret)}`);
}

function tokenState(token: TokenRecord, now: number): string {
  if (token.revokedAt !== null) return 'revoked';
  if (token.expiresAt !== null && token.expiresAt <= now) return 'expired';
  return 'active';
}

const commands: Record<string, Command> = {
  'user add': {
    args: ['NAME'],
    accepts: ['role', 'site', 'url'],
    creates: true,
    check(values) {
      role(values);
      publicUrl(values);
    },
    async run(run) {
      const sites = siteIds(run.values);
      const [name = ''] = run.args;
      const { user, link } = await createUser(run.ctx, { name, role: role(run.values), sites });
      run.out(
        `Created ${user.role} "${user.name}" (id ${user.id}${user.sites.length > 0 ? `, sites ${user.sites.join(', ')}` : ''}).`,
      );
      printLink(run, link.secret, link.token.expiresAt);
      await warnUnknownSites(run, sites);
    },
  },
  'user list': {
    args: [],
    accepts: [],
    creates: false,
    async run(run) {
      const users = await listUsers(run.ctx);
      if (users.length === 0) {
        run.out('No users yet: npm run lake -- user add NAME --role admin');
        return;
      }
      const rows = users.map((user) => [
        user.name,
        user.role,
        user.disabled ? 'disabled' : user.hasPassword ? 'active' : 'no password',
        user.id,
        user.sites.join(','),
      ]);
      for (const line of table([['NAME', 'ROLE', 'STATE', 'ID', 'SITES'], ...rows])) run.out(line);
    },
  },
  'user sites': {
    args: ['NAME'],
    accepts: ['site', 'clear'],
    creates: false,
    check(values) {
      const sites = siteIds(values);
      if (sites.length === 0 && values.clear !== true) {
        throw new UsageError('Give --site at least once, or --clear to remove every site');
      }
      if (sites.length > 0 && values.clear === true) {
        throw new UsageError('--clear and --site do not go together');
      }
    },
    async run(run) {
      const sites = siteIds(run.values);
      const user = await getUserByName(run.ctx, run.args[0] ?? '');
      const updated = await updateUser(run.ctx, user.id, { sites });
      run.out(
        `"${updated.name}" now has ${updated.sites.length === 0 ? 'no sites' : `sites ${updated.sites.join(', ')}`}.`,
      );
      if (updated.role !== 'technician') {
        run.warn(`Note: sites restrict technicians only; "${updated.name}" is ${updated.role}.`);
      }
      await warnUnknownSites(run, sites);
    },
  },
  'user role': {
    args: ['NAME'],
    accepts: ['role'],
    creates: false,
    check: role,
    async run(run) {
      const user = await getUserByName(run.ctx, run.args[0] ?? '');
      const updated = await updateUser(run.ctx, user.id, { role: role(run.values) });
      run.out(`"${updated.name}" is now ${updated.role}.`);
    },
  },
  'user disable': {
    args: ['NAME'],
    accepts: [],
    creates: false,
    async run(run) {
      const user = await getUserByName(run.ctx, run.args[0] ?? '');
      await updateUser(run.ctx, user.id, { disabled: true });
      run.out(`"${user.name}" is disabled: their sessions and tokens stop working now.`);
    },
  },
  'user enable': {
    args: ['NAME'],
    accepts: [],
    creates: false,
    async run(run) {
      const user = await getUserByName(run.ctx, run.args[0] ?? '');
      await updateUser(run.ctx, user.id, { disabled: false });
      run.out(`"${user.name}" is enabled again.`);
    },
  },
  'user link': {
    args: ['NAME'],
    accepts: ['url'],
    creates: false,
    check: publicUrl,
    async run(run) {
      const user = await getUserByName(run.ctx, run.args[0] ?? '');
      const link = await createSignInLink(run.ctx, user.id);
      printLink(run, link.secret, link.token.expiresAt);
    },
  },
  'token add': {
    args: [],
    accepts: ['kind', 'user', 'label', 'policy', 'expires'],
    creates: true,
    check(values) {
      const kind = tokenKind(values);
      required(values, 'label');
      if (kind === 'device' && values.user === undefined) {
        throw new UsageError('A device token needs --user NAME');
      }
      if (kind === 'collector' && values.policy === undefined) {
        throw new UsageError('A collector token needs --policy ID');
      }
      if (kind === 'device' && values.policy !== undefined) {
        throw new UsageError('--policy applies to collector tokens only');
      }
      if (kind === 'collector' && values.user !== undefined) {
        throw new UsageError('--user applies to device tokens only');
      }
      expiry(values, Date.now());
    },
    async run(run) {
      const kind = tokenKind(run.values);
      const label = required(run.values, 'label');
      const expiresAt = expiry(run.values, run.ctx.now());
      const user =
        run.values.user === undefined ? undefined : await getUserByName(run.ctx, run.values.user);
      const { record, secret } = await createToken(run.ctx, {
        kind,
        userId: user?.id ?? null,
        label,
        policy: run.values.policy ?? null,
        expiresAt,
      });
      const owner = user === undefined ? `policy ${record.policy ?? ''}` : `user "${user.name}"`;
      run.out(`Created ${kind} token ${record.id} for ${owner}, expires ${date(expiresAt)}.`);
      run.out('Its secret, shown this once (store it now):');
      run.out(`  ${secret}`);
    },
  },
  'token list': {
    args: [],
    accepts: ['user'],
    creates: false,
    async run(run) {
      const user =
        run.values.user === undefined ? undefined : await getUserByName(run.ctx, run.values.user);
      const tokens = await listTokens(run.ctx, user?.id);
      if (tokens.length === 0) {
        run.out('No device or collector tokens.');
        return;
      }
      const names = new Map((await listUsers(run.ctx)).map((u) => [u.id, u.name]));
      const now = run.ctx.now();
      const rows = tokens.map((token) => [
        token.id,
        token.kind,
        token.userId === null
          ? `policy ${token.policy ?? ''}`
          : (names.get(token.userId) ?? token.userId),
        tokenState(token, now),
        date(token.expiresAt),
        token.label,
      ]);
      for (const line of table([['ID', 'KIND', 'FOR', 'STATE', 'EXPIRES', 'LABEL'], ...rows])) {
        run.out(line);
      }
    },
  },
  'token revoke': {
    args: ['ID'],
    accepts: [],
    creates: false,
    async run(run) {
      const token = await revokeToken(run.ctx, run.args[0] ?? '');
      run.out(`Token ${token.id} (${token.kind}, "${token.label}") is revoked.`);
    },
  },
};

async function main(argv: readonly string[]): Promise<number> {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const warn = (line: string) => process.stderr.write(`${line}\n`);
  let parsed;
  let command: Command | undefined;
  try {
    try {
      parsed = parse(argv);
    } catch (error) {
      throw new UsageError(error instanceof Error ? error.message : String(error));
    }
    if (parsed.values.help === true || parsed.positionals.length === 0) {
      process[parsed.values.help === true ? 'stdout' : 'stderr'].write(usage);
      return parsed.values.help === true ? 0 : 2;
    }
    const words = parsed.positionals.slice(0, 2).join(' ');
    command = commands[words];
    if (command === undefined) throw new UsageError(`Unknown command "${words}"`);
    const args = parsed.positionals.slice(2);
    if (args.length !== command.args.length) {
      throw new UsageError(
        `"${words}" takes ${command.args.length === 0 ? 'no arguments' : command.args.join(' ')}`,
      );
    }
    // parseArgs leaves options that were not given out of `values`.
    for (const name of Object.keys(parsed.values)) {
      if (name === 'data' || name === 'help') continue;
      if (!(command.accepts as string[]).includes(name)) {
        throw new UsageError(`"${words}" does not take --${name}`);
      }
    }
    command.check?.(parsed.values);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    warn(`${error.message}\nRun npm run lake -- --help for the commands.`);
    return 2;
  }

  const dataDir = path.resolve(parsed.values.data ?? process.env.FIELDLAKE_DATA ?? '.fieldlake');
  const file = metaFile(dataDir);
  if (!existsSync(file)) {
    if (!command.creates) {
      warn(`No lake in ${dataDir} (no ${path.basename(file)}): check --data or FIELDLAKE_DATA.`);
      return 1;
    }
    await mkdir(dataDir, { recursive: true });
  }
  let meta: MetaStore;
  try {
    meta = await openSqliteMetaStore(file);
  } catch (error) {
    warn(`Cannot open ${file}: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  try {
    const ctx = { meta, now: Date.now, settings: { sessionTtlMs: DEFAULT_SESSION_TTL_MS } };
    await command.run({ ctx, values: parsed.values, args: parsed.positionals.slice(2), out, warn });
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      warn(`${error.message}\nRun npm run lake -- --help for the commands.`);
      return 2;
    }
    if (error instanceof AccountError || error instanceof MetaStoreError) {
      warn(error.message);
      return 1;
    }
    throw error;
  } finally {
    await meta.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
