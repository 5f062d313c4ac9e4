// The admin CLI as an operator runs it: a real process on a temporary data directory.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveSecret, signInWithLink } from './auth/accounts.ts';
import { metaFile } from './data-layout.ts';
import { openSqliteMetaStore } from './meta/sqlite/index.ts';

const cli = path.join(import.meta.dirname, 'lake-cli.ts');
// Each run starts Node with tsx: give the multi-run tests room on a busy machine.
const SLOW = 120_000;

let dir: string;
let data: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'fieldlake-lake-cli-'));
  data = path.join(dir, 'lake');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function lake(args: string[], env: Record<string, string> = {}): Promise<Result> {
  return new Promise((resolve) => {
    // `node --import tsx` is what node_modules/.bin/tsx does, minus its extra process.
    execFile(
      process.execPath,
      ['--import', 'tsx', cli, ...args],
      {
        cwd: path.resolve(import.meta.dirname, '..'),
        env: { ...process.env, FIELDLAKE_DATA: data, ...env },
      },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

async function withStore<T>(use: (ctx: Parameters<typeof resolveSecret>[0]) => Promise<T>) {
  const meta = await openSqliteMetaStore(metaFile(data));
  try {
    return await use({ meta, now: Date.now, settings: { sessionTtlMs: 60_000 } });
  } finally {
    await meta.close();
  }
}

const secretIn = (text: string, prefix: string) =>
  new RegExp(`${prefix}_[A-Za-z0-9_-]{43}`).exec(text)?.[0] ?? '';

describe('npm run lake (server/lake-cli.ts)', () => {
  it('--help lists every command and exits 0; no command is a usage error', async () => {
    const [help, none] = await Promise.all([lake(['--help']), lake([])]);
    expect(help.code).toBe(0);
    for (const text of [
      'user add',
      'user list',
      'user sites',
      'user disable',
      'user link',
      'token add',
      'token list',
      'token revoke',
      '--data',
      'FIELDLAKE_DATA',
      '--url',
    ]) {
      expect(help.stdout).toContain(text);
    }
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('Usage:');
  });

  it(
    'manages users and tokens on a new data directory',
    async () => {
      const admin = await lake([
        'user',
        'add',
        'root',
        '--role',
        'admin',
        '--url',
        'https://lake.plant.example',
      ]);
      expect(admin.code, admin.stderr).toBe(0);
      expect(admin.stdout).toMatch(
        /https:\/\/lake\.plant\.example\/api\/session\/link\?token=fll_[A-Za-z0-9_-]{43}/,
      );
      expect(existsSync(metaFile(data))).toBe(true);

      const tech = await lake([
        'user',
        'add',
        'tech',
        '--role',
        'technician',
        '--site',
        'plant-a',
        '--site',
        'site/plant-b',
      ]);
      expect(tech.code, tech.stderr).toBe(0);
      expect(tech.stdout).toContain('http://localhost:8080/api/session/link?token=fll_');
      expect(tech.stdout).toContain('site/plant-a, site/plant-b');
      expect(tech.stderr).toContain('no site/plant-a document yet');

      const duplicate = await lake(['user', 'add', 'tech', '--role', 'analyst']);
      expect(duplicate.code).toBe(1);
      expect(duplicate.stderr).toContain('already exists');

      const sites = await lake(['user', 'sites', 'tech', '--site', 'plant-c']);
      expect(sites.code, sites.stderr).toBe(0);
      expect(sites.stdout).toContain('site/plant-c');

      const list = await lake(['user', 'list']);
      expect(list.code).toBe(0);
      expect(list.stdout).toMatch(/root\s+admin\s+no password/);
      expect(list.stdout).toMatch(/tech\s+technician\s+no password\s+[0-9a-f]{16}\s+site\/plant-c/);

      const link = await lake(['user', 'link', 'tech']);
      expect(link.code).toBe(0);
      const linkSecret = secretIn(link.stdout, 'fll');

      const device = await lake([
        'token',
        'add',
        '--kind',
        'device',
        '--user',
        'tech',
        '--label',
        'tablet 3',
        '--expires',
        '30d',
      ]);
      expect(device.code, device.stderr).toBe(0);
      const deviceSecret = secretIn(device.stdout, 'fld');
      const collector = await lake([
        'token',
        'add',
        '--kind',
        'collector',
        '--policy',
        'ingestion-policy/a',
        '--label',
        'collectd',
      ]);
      expect(collector.code, collector.stderr).toBe(0);
      const collectorSecret = secretIn(collector.stdout, 'flc');

      const tokens = await lake(['token', 'list']);
      expect(tokens.stdout).toMatch(/device\s+tech\s+active/);
      expect(tokens.stdout).toMatch(
        /collector\s+policy ingestion-policy\/a\s+active\s+never\s+collectd/,
      );
      expect(tokens.stdout).not.toContain(deviceSecret);
      const collectorId = /([0-9a-f]{16})\s+collector/.exec(tokens.stdout)?.[1] ?? '';

      const revoke = await lake(['token', 'revoke', collectorId]);
      expect(revoke.code, revoke.stderr).toBe(0);
      expect((await lake(['token', 'list'])).stdout).toMatch(
        /collector\s+policy ingestion-policy\/a\s+revoked/,
      );
      expect((await lake(['token', 'revoke', 'ffffffffffffffff'])).code).toBe(1);

      // What the CLI made works for the server: the same store, the same rules.
      await withStore(async (ctx) => {
        const session = await signInWithLink(ctx, linkSecret);
        expect(session.user.name).toBe('tech');
        expect(await resolveSecret(ctx, deviceSecret)).toMatchObject({
          kind: 'device',
          name: 'tech',
          sites: ['site/plant-c'],
        });
        expect(await resolveSecret(ctx, collectorSecret)).toBe('revoked');
      });

      const disable = await lake(['user', 'disable', 'tech']);
      expect(disable.code).toBe(0);
      await withStore(async (ctx) => {
        expect(await resolveSecret(ctx, deviceSecret)).toBe('disabled');
      });
      const lastAdmin = await lake(['user', 'disable', 'root']);
      expect(lastAdmin.code).toBe(1);
      expect(lastAdmin.stderr).toContain('last enabled admin');
      expect((await lake(['user', 'link', 'nobody'])).code).toBe(1);
    },
    SLOW,
  );

  it(
    'answers wrong usage with exit 2 before touching the data directory',
    async () => {
      const fresh = path.join(dir, 'untouched');
      const cases: string[][] = [
        ['user', 'frobnicate'],
        ['user', 'add', 'x'],
        ['user', 'add', 'x', '--role', 'boss'],
        ['user', 'add', 'x', 'y', '--role', 'admin'],
        ['user', 'add', 'x', '--role', 'admin', '--url', 'ftp://x'],
        ['user', 'list', '--role', 'admin'],
        ['user', 'sites', 'x'],
        ['token', 'add', '--kind', 'device', '--label', 'x'],
        ['token', 'add', '--kind', 'session', '--label', 'x'],
        [
          'token',
          'add',
          '--kind',
          'device',
          '--user',
          'x',
          '--label',
          'x',
          '--expires',
          'yesterday',
        ],
      ];
      // Two at a time: the machine that runs the tests has few cores.
      for (let i = 0; i < cases.length; i += 2) {
        const batch = cases.slice(i, i + 2);
        const results = await Promise.all(batch.map((args) => lake(['--data', fresh, ...args])));
        results.forEach((result, j) => {
          expect(result.code, batch[j]?.join(' ')).toBe(2);
          expect(result.stderr).toContain('--help');
        });
      }
      expect(existsSync(fresh)).toBe(false);
    },
    SLOW,
  );

  it('fails with exit 1 on a data directory without a lake', async () => {
    const result = await lake(['user', 'list', '--data', path.join(dir, 'missing')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('No lake in');
  });
});
