// Fixtures: a real lake server (build/server) serving a private copy of the built app.
import { type ChildProcess, spawn } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test as base, expect } from '@playwright/test';
import { AppShell } from './pages/app-shell.ts';

const root = path.resolve(import.meta.dirname, '..');

export interface Lake {
  url: string;
  /** The one-time admin sign-in link the lake printed at start. */
  signInLink: string;
  /** The copy of build/app this server serves; tests may change it to simulate a new build. */
  appDir: string;
  stop(): Promise<void>;
}

async function startLake(): Promise<Lake> {
  const dir = await mkdtemp(path.join(tmpdir(), 'fieldlake-e2e-'));
  const appDir = path.join(dir, 'app');
  await cp(path.join(root, 'build', 'app'), appDir, { recursive: true });
  const child: ChildProcess = spawn(
    process.execPath,
    [
      path.join(root, 'build', 'server', 'server', 'cli.js'),
      '--port',
      '0',
      '--app',
      appDir,
      '--data',
      path.join(dir, 'data'),
      // The shell's tests need no demo data; seeding it would only slow every test.
      '--demo',
      '0',
    ],
    { env: { ...process.env, FIELDLAKE_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const { url, signInLink } = await new Promise<{ url: string; signInLink: string }>(
    (resolve, reject) => {
      let out = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /running at (http:\/\/\S+)/.exec(out);
        const link = /one-time link \(valid 24 h\): (\S+)/.exec(out);
        if (match?.[1] !== undefined && link?.[1] !== undefined) {
          resolve({ url: match[1].replace(/\/$/, ''), signInLink: link[1] });
        }
      });
      child.on('exit', (code) => {
        reject(new Error(`lake exited with ${String(code)} before listening`));
      });
    },
  );
  let stopped = false;
  return {
    url,
    signInLink,
    appDir,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export const test = base.extend<{ lake: Lake; shell: AppShell }>({
  // Playwright requires an object pattern here, even an empty one.
  // eslint-disable-next-line no-empty-pattern
  lake: async ({}, use) => {
    const lake = await startLake();
    await use(lake);
    await lake.stop();
  },
  shell: async ({ page, lake }, use, testInfo) => {
    const shell = new AppShell(page, lake.url, testInfo);
    await shell.watchForProblems();
    await use(shell);
  },
});

export { expect };
