// Installing Debian packages the tests need, the same way for each: only as root with apt-get,
// never when FIELDLAKE_NO_INSTALL=1, and with a message saying what to install otherwise.
import { spawnSync } from 'node:child_process';

export function canInstall() {
  if (process.env.FIELDLAKE_NO_INSTALL === '1') return false;
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return false;
  return spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;
}

export function apt(args) {
  process.stdout.write(`> apt-get ${args.join(' ')}\n`);
  const result = spawnSync('apt-get', args, {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  return result.status === 0;
}

export function fail(message) {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}
