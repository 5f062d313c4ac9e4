// Makes sure a Chromium is there for browser tests: found on PATH → done; otherwise, as root
// with apt-get, installs Debian's `chromium`; otherwise stops with a message saying what to
// install. FIELDLAKE_NO_INSTALL=1 forbids the install (the message is shown instead).
import { spawnSync } from 'node:child_process';
import { apt, canInstall, fail } from './apt.mjs';
import { findChromium } from './chromium.mjs';

let found = findChromium();
if (!found) {
  if (!canInstall()) {
    fail(
      'Chromium is needed for the browser and end-to-end tests, and none was found on PATH.\n' +
        "Install Debian's package as root:  apt-get update && apt-get install -y chromium\n" +
        '(or set FIELDLAKE_CHROMIUM=/path/to/chromium).',
    );
  }
  process.stdout.write("Chromium not found on PATH: installing Debian's chromium with apt-get.\n");
  if (!apt(['update']) || !apt(['install', '-y', 'chromium'])) {
    fail(
      'Installing chromium with apt-get failed; install it by hand: apt-get install -y chromium',
    );
  }
  found = findChromium();
  if (!found)
    fail('apt-get installed chromium, but it is still not on PATH: add /usr/bin to PATH.');
}
const version = spawnSync(found, ['--version'], { encoding: 'utf8' }).stdout?.trim();
process.stdout.write(`Chromium: ${found}${version ? ` (${version})` : ''}\n`);
