// The install path of `npm test` on a machine without Chromium: with a PATH that lacks it, the
// check either installs Debian's package (apt-get is faked here, so the test changes nothing
// on the machine) or stops with a message saying what to install.
import { spawnSync } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const script = path.join(import.meta.dirname, 'ensure-chromium.mjs');
const temps: string[] = [];
afterEach(async () => {
  for (const dir of temps.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function emptyPath(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'fieldlake-path-'));
  temps.push(dir);
  return dir;
}

function runCheck(pathDir: string, env: Record<string, string> = {}) {
  const cleanEnv = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith('FIELDLAKE_')),
  );
  return spawnSync(process.execPath, [script], {
    env: { ...cleanEnv, PATH: pathDir, ...env },
    encoding: 'utf8',
  });
}

/** A fake apt-get that logs its arguments and, on install, puts a fake chromium on PATH. */
async function fakeAptGet(dir: string): Promise<string> {
  const log = path.join(dir, 'apt-get.log');
  const file = path.join(dir, 'apt-get');
  await writeFile(
    file,
    `#!/bin/sh
echo "$@" >> "${log}"
if [ "$1" = "install" ]; then
  printf '#!/bin/sh\\necho "Chromium 156.0 fake"\\n' > "${dir}/chromium"
  /bin/chmod +x "${dir}/chromium"
fi
exit 0
`,
  );
  await chmod(file, 0o755);
  return log;
}

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

describe('scripts/ensure-chromium.mjs', () => {
  it('with no Chromium and no way to install, says what to install and fails', async () => {
    const run = runCheck(await emptyPath());
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('apt-get install -y chromium');
  });

  it('with FIELDLAKE_NO_INSTALL=1, does not install even when it could', async () => {
    const dir = await emptyPath();
    const log = await fakeAptGet(dir);
    const run = runCheck(dir, { FIELDLAKE_NO_INSTALL: '1' });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('apt-get install -y chromium');
    await expect(readFile(log, 'utf8')).rejects.toThrow();
  });

  it.runIf(isRoot)('as root with apt-get, installs Debian chromium and finds it', async () => {
    const dir = await emptyPath();
    const log = await fakeAptGet(dir);
    const run = runCheck(dir);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const calls = (await readFile(log, 'utf8')).trim().split('\n');
    expect(calls).toEqual(['--version', 'update', 'install -y chromium']);
    expect(run.stdout).toContain(`Chromium: ${path.join(dir, 'chromium')}`);
  });

  it('when the install fails, says so and fails', async () => {
    const dir = await emptyPath();
    await writeFile(
      path.join(dir, 'apt-get'),
      '#!/bin/sh\n[ "$1" = "--version" ] && exit 0\nexit 100\n',
    );
    await chmod(path.join(dir, 'apt-get'), 0o755);
    const run = runCheck(dir);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/install|chromium/i);
  });

  it('finds a Chromium on PATH without installing', async () => {
    const dir = await emptyPath();
    await writeFile(path.join(dir, 'chromium'), '#!/bin/sh\necho "Chromium 156.0 fake"\n');
    await chmod(path.join(dir, 'chromium'), 0o755);
    const run = runCheck(dir);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('Chromium 156.0 fake');
  });
});
