// Makes sure a Chromium is there for browser tests: found on PATH → done; otherwise, as root
// with apt-get, installs Debian's `chromium`; otherwise stops with a message saying what to
// install. FIELDLAKE_NO_INSTALL=1 forbids the install (the message is shown instead).
// Also the Vulkan loader (libvulkan1): the `webgpu` package (Dawn) loads it to reach
// Chromium's SwiftShader, which is where the WebGPU kernels' Node tests run.
import { existsSync } from 'node:fs';
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

const VULKAN_LOADER = [
  '/usr/lib/x86_64-linux-gnu/libvulkan.so.1',
  '/usr/lib/aarch64-linux-gnu/libvulkan.so.1',
];
if (!VULKAN_LOADER.some((file) => existsSync(file))) {
  if (!canInstall()) {
    fail('The Vulkan loader is needed by the WebGPU tests in Node: apt-get install -y libvulkan1');
  }
  process.stdout.write('Vulkan loader not found: installing libvulkan1 with apt-get.\n');
  if (
    !apt(['install', '-y', 'libvulkan1']) &&
    !(apt(['update']) && apt(['install', '-y', 'libvulkan1']))
  ) {
    fail(
      'Installing libvulkan1 with apt-get failed; install it by hand: apt-get install -y libvulkan1',
    );
  }
}
