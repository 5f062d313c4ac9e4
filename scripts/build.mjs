// `npm run build`: the PWA with Vite into build/app, the server with tsc into build/server.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);

function step(label, command, args) {
  const started = performance.now();
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    process.stderr.write(`build: ${label} failed.\n`);
    process.exit(result.status ?? 1);
  }
  process.stdout.write(
    `build: ${label} done in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
  );
}

rmSync(path.join(root, 'build', 'server'), { recursive: true, force: true });
step('app (vite)', bin('vite'), ['build', '--logLevel', 'warn']);
step('server (tsc)', bin('tsc'), ['-p', 'tsconfig.server.json']);
