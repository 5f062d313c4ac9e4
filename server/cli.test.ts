// The CLI as a user runs it: a real process, real port, real signals.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const cli = path.join(import.meta.dirname, 'cli.ts');
const children: ChildProcess[] = [];
const temps: string[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  for (const dir of temps.splice(0)) await rm(dir, { recursive: true, force: true });
});

function start(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', cli, ...args], {
    env: { ...process.env, FIELDLAKE_LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      resolve(code);
    }),
  );
  const url = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', () => {
      const match = /running at (http:\/\/\S+)/.exec(stdout);
      if (match?.[1] !== undefined) resolve(match[1]);
    });
    void exited.then(() => {
      reject(new Error(`exited before listening: ${stderr}`));
    });
  });
  // Tests that expect an early exit never await the URL.
  url.catch(() => undefined);
  return { child, url, exited, output: () => ({ stdout, stderr }) };
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'fieldlake-cli-'));
  temps.push(dir);
  return dir;
}

describe('npm start (server/cli.ts)', () => {
  it('--help lists the flags and exits 0', async () => {
    const run = start(['--help']);
    expect(await run.exited).toBe(0);
    const { stdout } = run.output();
    for (const flag of ['--port', '--data', 'FIELDLAKE_PORT', 'FIELDLAKE_DATA'])
      expect(stdout).toContain(flag);
  });

  it('serves on the port from FIELDLAKE_PORT, creates the data directory and stops on SIGTERM', async () => {
    const dir = await tempDir();
    const data = path.join(dir, 'nested', 'lake');
    const run = start(['--app', path.join(dir, 'no-app')], {
      FIELDLAKE_PORT: '0',
      FIELDLAKE_DATA: data,
    });
    const url = await run.url;
    const response = await fetch(new URL('/api/health', url));
    expect(response.status).toBe(200);
    expect(run.output().stdout).toContain(data);
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
  });

  it('refuses a data directory it cannot write, with a clear message', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'a-file');
    await writeFile(file, 'not a directory');
    const run = start(['--port', '0', '--data', path.join(file, 'lake')]);
    expect(await run.exited).toBe(1);
    expect(run.output().stderr).toMatch(/Data directory .* is not usable/);
  });

  it('refuses a bad flag with usage and exit 2', async () => {
    const run = start(['--port', 'abc']);
    expect(await run.exited).toBe(2);
    expect(run.output().stderr).toContain('Invalid port');
    expect(run.output().stderr).toContain('Usage:');
  });
});
