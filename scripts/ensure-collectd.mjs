// Makes sure collectd (with its write_http plugin) is there for the ingestion test that runs a
// real collectd against the lake: found → done; otherwise, as root with apt-get, installs
// Debian's collectd-core and the libraries write_http loads (collectd-core only suggests them);
// otherwise stops with a message saying what to install. FIELDLAKE_NO_INSTALL=1 forbids it.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { apt, canInstall, fail } from './apt.mjs';

const plugin = '/usr/lib/collectd/write_http.so';
const packages = ['collectd-core', 'libyajl2', 'libcurl4'];

function usable() {
  if (spawnSync('collectd', ['-h'], { stdio: 'ignore' }).error !== undefined) return false;
  if (!existsSync(plugin)) return false;
  const ldd = spawnSync('ldd', [plugin], { encoding: 'utf8' });
  return ldd.status === 0 && !ldd.stdout.includes('not found');
}

if (!usable()) {
  if (!canInstall()) {
    fail(
      'collectd with its write_http plugin is needed for the ingestion test, and none was found.\n' +
        `Install Debian's packages as root:  apt-get update && apt-get install -y --no-install-recommends ${packages.join(' ')}`,
    );
  }
  process.stdout.write('collectd not found: installing it with apt-get.\n');
  if (!apt(['update']) || !apt(['install', '-y', '--no-install-recommends', ...packages])) {
    fail(
      `Installing collectd failed; install it by hand: apt-get install -y ${packages.join(' ')}`,
    );
  }
  if (!usable()) fail('collectd was installed but its write_http plugin still cannot load.');
}
process.stdout.write(
  `collectd: ${spawnSync('collectd', ['-h'], { encoding: 'utf8' }).stdout.split('\n')[0] ?? ''}\n`,
);
