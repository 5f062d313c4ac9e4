// `npm run typecheck`: each kind of code against its own global scope (see tsconfig.json).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const configs = [
  'tsconfig.pure.json',
  'tsconfig.app.json',
  'tsconfig.worker.json',
  'tsconfig.node.json',
  'tsconfig.server.json',
];
let failed = 0;
for (const config of configs) {
  const started = performance.now();
  const result = spawnSync(
    path.join(root, 'node_modules', '.bin', 'tsc'),
    ['-p', config, '--noEmit', '--pretty'],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  process.stdout.write(
    `typecheck ${config}: ${result.status === 0 ? 'ok' : 'FAILED'} (${seconds} s)\n`,
  );
  if (result.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
