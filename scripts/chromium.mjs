// Where Chromium is and how we launch it. Playwright cannot download its own browsers on our
// machines, so every browser test (vitest browser mode, Playwright e2e, benchmarks) launches
// Debian's chromium found here, with the flags ENVIRONMENT.md measured as necessary.
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

const candidates = ['chromium', 'chromium-browser'];

/** Absolute path of a Chromium on PATH (or FIELDLAKE_CHROMIUM), or undefined. */
export function findChromium(env = process.env) {
  const explicit = env.FIELDLAKE_CHROMIUM;
  if (explicit) return isExecutable(explicit) ? explicit : undefined;
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    for (const name of candidates) {
      const file = path.join(dir, name);
      if (isExecutable(file)) return file;
    }
  }
  return undefined;
}

function isExecutable(file) {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Launch flags. The background-networking ones stop Chromium from calling the closed network
 * over and over; --enable-unsafe-webgpu gives a (SwiftShader) WebGPU adapter for correctness
 * tests of the WebGPU kernels.
 */
export const chromiumArgs = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--enable-unsafe-webgpu',
];

/** The path, or an Error that says what to install. */
export function requireChromium(env = process.env) {
  const found = findChromium(env);
  if (found) return found;
  throw new Error(
    "Chromium was not found on PATH. Install Debian's package with `apt-get install -y chromium` " +
      '(or run `node scripts/ensure-chromium.mjs` as root), or set FIELDLAKE_CHROMIUM to its path.',
  );
}
